/* fuzz_bin.h: shared harness for the binary-loader fuzz targets
 * (fuzz_npy.c, fuzz_npz.c, fuzz_safetensors.c, fuzz_kld.c, fuzz_raw.c,
 * fuzz_vocab.c). The loaders take paths and read with pread, so each input
 * is written to one private temporary file per process (/dev/shm, else /tmp) (rewritten in place
 * for every input, removed at exit). Steps are then read back: the first,
 * the second, the last and the first again (which restarts a deflated npz
 * member), so the per-step readers are exercised too. */
#ifndef FUZZ_BIN_H
#define FUZZ_BIN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/source.h"

static char fuzz_path_buf[64];
static int fuzz_fd = -1;

static inline void fuzz_cleanup(void)
{
    if (fuzz_fd >= 0) { close(fuzz_fd); unlink(fuzz_path_buf); fuzz_fd = -1; }
}

/* Write data to the private temp file; NULL if that fails. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    if (fuzz_fd < 0) {
        /* tmpfs when there is one: several times faster than a disk-backed /tmp */
        snprintf(fuzz_path_buf, sizeof fuzz_path_buf, "/dev/shm/logitscope_fuzz_XXXXXX");
        fuzz_fd = mkstemp(fuzz_path_buf);
        if (fuzz_fd < 0) {
            snprintf(fuzz_path_buf, sizeof fuzz_path_buf, "/tmp/logitscope_fuzz_XXXXXX");
            fuzz_fd = mkstemp(fuzz_path_buf);
        }
        if (fuzz_fd < 0) return NULL;
        atexit(fuzz_cleanup);
    }
    if (ftruncate(fuzz_fd, 0) != 0) return NULL;
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
        if (w <= 0) return NULL;
        done += (size_t)w;
    }
    return fuzz_path_buf;
}

static inline void fuzz_steps(struct source *s)
{
    if (!s || !s->vocab_size || !s->n_steps) return;
    float *z = malloc((size_t)s->vocab_size * sizeof *z);
    if (!z) return;
    struct step_info si;
    struct ls_error e = {0};
    uint32_t steps[4] = { 0, 1, s->n_steps - 1, 0 };
    for (int i = 0; i < 4; i++)
        if (steps[i] < s->n_steps) (void)source_read_step(s, steps[i], z, &si, &e);
    /* the lent steps too (a map of the file): every float read, counted */
    for (int i = 0; i < 4; i++) {
        const float *l;
        if (steps[i] >= s->n_steps || source_lend_step(s, steps[i], &l, &si, &e)) continue;
        source_count_nonfinite(l, s->vocab_size, &si);
        (void)source_lend_verify(s, steps[i], &e);
    }
    free(z);
}

/* Open the input as `format` (tensor may be NULL) and read some steps. */
static inline void fuzz_open(const uint8_t *data, size_t size, const struct source_opts *o)
{
    const char *p = fuzz_file(data, size);
    if (!p) return;
    struct source *s = NULL;
    struct ls_error e = {0};
    if (source_open(p, o, &s, &e) == LS_OK) {
        fuzz_steps(s);
        source_close(s);
    }
}

#endif
