/* npy_fx.h: a source's steps written out as a [steps, V] float32 .npy, for
 * the tests that need a file the product lends steps from (eval's and
 * sample's step workers). Include after cmocka.h. */
#ifndef LS_NPY_FX_H
#define LS_NPY_FX_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "input/source.h"

/* mkstemp(path), then the .npy (header 128 bytes, data after it) of src's
 * steps, with a NaN at token nan_tok of every step listed in nan_steps
 * (n_nan of them); returns the open descriptor. */
static inline int npy_fx_write(struct source *src, char *path, const uint32_t *nan_steps, int n_nan, uint32_t nan_tok)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char hdr[128];
    memset(hdr, ' ', sizeof hdr);
    int n = snprintf(hdr + 10, sizeof hdr - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (%u, %u), }",
                     src->n_steps, src->vocab_size);
    hdr[10 + n] = ' ';
    memcpy(hdr, "\x93NUMPY\x01\x00\x76\x00", 10);   /* header length 118: data at 128 */
    hdr[127] = '\n';
    assert_int_equal(write(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
    float *z = malloc(src->vocab_size * sizeof *z);
    assert_non_null(z);
    for (uint32_t t = 0; t < src->n_steps; t++) {
        struct step_info si;
        struct ls_error e = {0};
        assert_int_equal(source_read_step(src, t, z, &si, &e), 0);
        for (int k = 0; k < n_nan; k++) if (nan_steps[k] == t) z[nan_tok] = NAN;
        assert_int_equal(write(fd, z, src->vocab_size * sizeof *z), (ssize_t)(src->vocab_size * sizeof *z));
    }
    free(z);
    return fd;
}

#endif
