/* npy_write.h: the one .npy writer of the tests and benches (header only:
 * each test is one translation unit). Nothing here asserts or exits: every
 * function returns its error (-1, errno as the call left it) and the caller
 * decides (tests/unit/npy_fx.h wraps it in cmocka asserts; the benches
 * report and go on).
 *
 * The files are .npy format 1.0: the magic, a little-endian u16 header
 * length, the dict, spaces, '\n', so that the data starts at a multiple
 * of 64 bytes (128 for every 2-D shape a test writes). */
#ifndef LS_NPY_WRITE_H
#define LS_NPY_WRITE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include "input/source.h"
#include "input/synth_source.h"

enum { NPY_HDR_MAX = 256 };

/* The header of a 2-D [rows, cols] array of dtype descr ("<f4", ">f2",
 * ...; C order unless fortran) into h (NPY_HDR_MAX bytes): its length (a
 * multiple of 64), or -1 when the dict does not fit. */
static inline int npy_header(char h[NPY_HDR_MAX], const char *descr, int fortran, uint64_t rows, uint64_t cols)
{
    int n = snprintf(h + 10, NPY_HDR_MAX - 10, "{'descr': '%s', 'fortran_order': %s, 'shape': (%llu, %llu), }",
                     descr, fortran ? "True" : "False", (unsigned long long)rows, (unsigned long long)cols);
    if (n < 0 || n + 11 > NPY_HDR_MAX) { errno = EOVERFLOW; return -1; }
    int total = (10 + n + 1 + 63) / 64 * 64;   /* the dict, at least one space or the '\n' */
    if (total > NPY_HDR_MAX) { errno = EOVERFLOW; return -1; }
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)((total - 10) & 0xff);
    h[9] = (char)((total - 10) >> 8);
    memset(h + 10 + n, ' ', (size_t)(total - 10 - n));
    h[total - 1] = '\n';
    return total;
}

/* n bytes to fd, short writes retried: 0 or -1. */
static inline int npy_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* src's steps as a [n_steps, V] float32 .npy on fd (from its current
 * offset); edit (NULL: none) may change a step's logits before they are
 * written. 0 or -1 (a read error of src is -1 with errno EIO). */
static inline int npy_write_source(int fd, struct source *src, void (*edit)(float *z, uint32_t step, void *ctx),
                                   void *ctx)
{
    char h[NPY_HDR_MAX];
    int n = npy_header(h, "<f4", 0, src->n_steps, src->vocab_size);
    if (n < 0 || npy_write_all(fd, h, (size_t)n)) return -1;
    float *z = malloc((size_t)src->vocab_size * sizeof *z);
    if (!z) return -1;
    int bad = 0;
    for (uint32_t t = 0; !bad && t < src->n_steps; t++) {
        struct step_info si;
        struct ls_error e = {0};
        if (source_read_step(src, t, z, &si, &e)) { errno = EIO; bad = 1; break; }
        if (edit) edit(z, t, ctx);
        bad = npy_write_all(fd, z, (size_t)src->vocab_size * sizeof *z);
    }
    free(z);
    return bad ? -1 : 0;
}

/* The synthetic source's [S, V] steps (seed 2026) as a float32 .npy at
 * path: the benches' dump when the user named none. */
static inline int npy_write_synthetic(const char *path, uint32_t S, uint32_t V)
{
    struct source *syn;
    struct ls_error err = {0};
    if (source_synthetic(V, S, 2026, &syn, &err)) return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int bad = fd < 0 || npy_write_source(fd, syn, NULL, NULL);
    if (fd >= 0) bad |= close(fd) != 0;
    source_close(syn);
    return bad ? -1 : 0;
}

#endif
