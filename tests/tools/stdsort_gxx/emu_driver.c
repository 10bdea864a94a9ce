/* emu_driver.c: random tie-heavy arrays for ref.cpp (mode "gen") and our
 * emulation's answers on them (mode "emu": stdsort_partial_stream and
 * stdsort_partial for the first k, stdsort_sort for the whole array), in
 * ref.cpp's output format, so check.sh can compare the two line by line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sampling/stdsort.h"

static void gen_case(struct rng *g, int t, float *z, uint32_t *n, uint32_t *k)
{
    *n = 1 + (uint32_t)(rng_uniform(g) * (t % 4 ? 400 : 5000));
    *k = 1 + (uint32_t)(rng_uniform(g) * (*n < 128 ? *n : 128));
    uint32_t distinct = 1 + (uint32_t)(rng_uniform(g) * (t % 3 ? 40 : 2000));
    for (uint32_t i = 0; i < *n; i++) z[i] = -(float)(int)(rng_uniform(g) * distinct) * 0.25f;
}

int main(int argc, char **argv)
{
    int emu = argc > 1 && !strcmp(argv[1], "emu"), cases = argc > 2 ? atoi(argv[2]) : 300;
    struct rng g;
    rng_seed(&g, 4711);
    float *z = malloc(5000 * sizeof *z);
    struct ls_tok *a = malloc(5000 * sizeof *a), *h = malloc(128 * sizeof *h);
    for (int t = 0; t < cases; t++) {
        uint32_t n, k;
        gen_case(&g, t, z, &n, &k);
        if (!emu) {
            printf("%u %u", n, k);
            for (uint32_t i = 0; i < n; i++) printf(" %.2f", (double)z[i]);
            printf("\n");
            continue;
        }
        for (uint32_t i = 0; i < n; i++) a[i] = (struct ls_tok){ (int32_t)i, (double)z[i], 0.0 };
        stdsort_partial(a, k, n);
        stdsort_partial_stream(h, k, z, n, NULL);
        for (uint32_t i = 0; i < k; i++) {
            if (h[i].id != a[i].id) { fprintf(stderr, "case %d: stream and partial differ at %u\n", t, i); return 1; }
            printf("%d ", a[i].id);
        }
        printf("\n");
        for (uint32_t i = 0; i < n; i++) a[i] = (struct ls_tok){ (int32_t)i, (double)z[i], 0.0 };
        stdsort_sort(a, n);
        for (uint32_t i = 0; i < n; i++) printf("%d ", a[i].id);
        printf("\n");
    }
    free(z); free(a); free(h);
    return 0;
}
