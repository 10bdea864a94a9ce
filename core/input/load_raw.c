/* load_raw.c: headerless little-endian float arrays (robustness.md 3.3).
 *
 *   logitscope show logits.bin --format raw --vocab-size 32000 [--dtype f16]
 *
 * Raw files have no signature, so they are only read when the caller names
 * the format, and need the vocabulary size V. Element type f32 (default),
 * f16, bf16 or f64. The file size must be a non-zero multiple of V * width;
 * steps = size / (V * width). Data is read step by step with pread
 * (binsrc.h). Messages name V and the type in the caller's words when it
 * gave them (source_opt_usage). */
#include "input/binsrc.h"
#include "base/fileio.h"
#include "input/loader.h"
#include "input/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Check the options: V given and in range, the type known. */
static int raw_options(const struct source_opts *o, enum hf_dtype *dt, struct ls_error *err)
{
    const char *vs = source_opt_usage(o, SOPT_VOCAB_SIZE);
    char flag[32];
    *dt = HF_F32;
    if (!o->vocab_size)
        return ls_fail(err, LS_EUSAGE, "raw: %s is required (raw float files have no header)",
                       vs ? vs : "the vocabulary size");
    if (o->vocab_size > LS_MAX_VOCAB)
        return ls_fail(err, LS_EUSAGE, "raw: %s %u exceeds the limit of %u",
                       source_opt_flag(o, SOPT_VOCAB_SIZE, "vocabulary size", flag, sizeof flag),
                       o->vocab_size, LS_MAX_VOCAB);
    if (o->dtype && hf_parse(o->dtype, dt))
        return ls_fail(err, LS_EUSAGE, "%s: unknown type '%.20s' (expected f32, f16, bf16 or f64)",
                       source_opt_flag(o, SOPT_DTYPE, "dtype", flag, sizeof flag), o->dtype);
    return LS_OK;
}

int load_raw(const struct input_job *j, struct source **out, struct ls_error *err)
{
    const struct source_opts *o = j->opts;
    enum hf_dtype dt;
    int rc = raw_options(o, &dt, err);
    if (rc) return rc;
    int fd;
    uint64_t size;
    if ((rc = file_open_regular(j->path, &fd, &size, err))) return rc;
    uint64_t row = (uint64_t)o->vocab_size * hf_width(dt);
    if (size == 0) { close(fd); return ls_fail(err, LS_EDATA, "empty file"); }
    if (size % row) {
        char f1[32], f2[32];
        close(fd);
        return ls_fail(err, LS_EDATA, "raw: size %llu bytes is not a multiple of V x %zu = %llu bytes (%s %u, %s %s)",
                       (unsigned long long)size, hf_width(dt), (unsigned long long)row,
                       source_opt_flag(o, SOPT_VOCAB_SIZE, "V =", f1, sizeof f1), o->vocab_size,
                       source_opt_flag(o, SOPT_DTYPE, "dtype", f2, sizeof f2), hf_name(dt));
    }
    uint64_t steps = size / row;
    if (steps > UINT32_MAX) {
        close(fd);
        return ls_fail(err, LS_ELIMIT, "raw: %llu steps exceeds the limit of %u", (unsigned long long)steps, UINT32_MAX);
    }
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) { close(fd); return ls_oom(err); }
    b->fd = fd;
    b->dt = dt;
    b->V = o->vocab_size;
    b->n_steps = (uint32_t)steps;
    return binsrc_make_source(j->ops, j->path, b, out, err);
}
