/* load_raw.c: headerless little-endian float arrays (robustness.md 3.3).
 *
 *   logitscope show logits.bin --format raw --vocab-size 32000 [--dtype f16]
 *
 * Raw files have no signature, so they are only read with --format raw and
 * need --vocab-size V. --dtype f32 (default), f16, bf16 or f64. The file size
 * must be a non-zero multiple of V * width; steps = size / (V * width). Data
 * is read step by step with pread (binsrc.h). */
#include "input/binsrc.h"
#include "base/fileio.h"
#include "input/source.h"

#include <stdlib.h>
#include <unistd.h>

int load_raw(const char *path, const struct source_opts *opts, struct source **out, struct ls_error *err)
{
    enum hf_dtype dt = HF_F32;
    if (!opts || !opts->vocab_size)
        return ls_fail(err, LS_EUSAGE, "raw: --vocab-size V is required (raw float files have no header)");
    if (opts->vocab_size > LS_MAX_VOCAB)
        return ls_fail(err, LS_EUSAGE, "raw: --vocab-size %u exceeds the limit of %u", opts->vocab_size, LS_MAX_VOCAB);
    if (opts->dtype && hf_parse(opts->dtype, &dt))
        return ls_fail(err, LS_EUSAGE, "--dtype: unknown type '%.20s' (expected f32, f16, bf16 or f64)", opts->dtype);
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    uint64_t row = (uint64_t)opts->vocab_size * hf_width(dt);
    if (size == 0) { close(fd); return ls_fail(err, LS_EDATA, "empty file"); }
    if (size % row) {
        close(fd);
        return ls_fail(err, LS_EDATA, "raw: size %llu bytes is not a multiple of V x %zu = %llu bytes (--vocab-size %u, --dtype %s)",
                       (unsigned long long)size, hf_width(dt), (unsigned long long)row, opts->vocab_size, hf_name(dt));
    }
    uint64_t steps = size / row;
    if (steps > UINT32_MAX) {
        close(fd);
        return ls_fail(err, LS_ELIMIT, "raw: %llu steps exceeds the limit of %u", (unsigned long long)steps, UINT32_MAX);
    }
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) { close(fd); return ls_fail(err, LS_ELIMIT, "out of memory"); }
    b->fd = fd;
    b->dt = dt;
    b->V = opts->vocab_size;
    b->n_steps = (uint32_t)steps;
    return binsrc_make_source(path, "raw", b, out, err);
}
