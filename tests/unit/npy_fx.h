/* npy_fx.h: a source's steps written out as a [steps, V] float32 .npy, for
 * the tests that need a file the product lends steps from (eval's and
 * sample's step workers): tests/common/npy_write.h's writer under cmocka
 * asserts. Include after cmocka.h. */
#ifndef LS_NPY_FX_H
#define LS_NPY_FX_H

#include <math.h>
#include "npy_write.h"
#include "input/synth_source.h"

struct npy_fx_nan {
    const uint32_t *steps;
    int n;
    uint32_t tok;
};

static inline void npy_fx_nan_edit(float *z, uint32_t t, void *ctx)
{
    const struct npy_fx_nan *x = ctx;
    for (int k = 0; k < x->n; k++) if (x->steps[k] == t) z[x->tok] = NAN;
}

/* mkstemp(path), then the .npy (header 128 bytes, data after it) of src's
 * steps, with a NaN at token nan_tok of every step listed in nan_steps
 * (n_nan of them); returns the open descriptor. */
static inline int npy_fx_write(struct source *src, char *path, const uint32_t *nan_steps, int n_nan, uint32_t nan_tok)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    struct npy_fx_nan x = { nan_steps, n_nan, nan_tok };
    assert_int_equal(npy_write_source(fd, src, npy_fx_nan_edit, &x), 0);
    return fd;
}

/* Two synthetic [steps, V] dumps to compare (source_synthetic with seeds
 * seed and seed + 1), written to pa and pb (mkstemp templates). */
static inline void npy_fx_synth_pair(char *pa, char *pb, uint32_t V, uint32_t steps, uint64_t seed)
{
    for (int k = 0; k < 2; k++) {
        struct source *s = NULL;
        struct ls_error e = {0};
        assert_int_equal(source_synthetic(V, steps, seed + (uint64_t)k, &s, &e), 0);
        close(npy_fx_write(s, k ? pb : pa, NULL, 0, 0));
        source_close(s);
    }
}

#endif
