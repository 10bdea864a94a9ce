/* test_stdsort_stream.c: stdsort_partial_stream (llama.cpp's top-k heap
 * replayed over the logits without the array) against stdsort_partial on
 * the whole array: the same k records in the same order (ids, so the tie
 * order too) and the largest value left out, on logits with the heavy ties
 * an n-gram model produces (a few hundred distinct values over thousands
 * of tokens, long plateaus, runs of equal values in id order), random
 * ones, and the shapes that stress the skip (every token equal, ascending,
 * descending, n not a multiple of 16). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "base/rng.h"
#include "sampling/stdsort.h"

static void fill(struct rng *g, float *z, uint32_t n, int shape)
{
    uint32_t distinct = 2 + (uint32_t)(rng_uniform(g) * 300);
    for (uint32_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        switch (shape) {
        case 0: z[i] = -(float)(int)(u * distinct) * 0.37f; break;              /* few values, scattered */
        case 1: z[i] = u < 0.4 ? -12.5f : -(float)(u * 10.0); break;             /* one big plateau (the back-off floor) */
        case 2: z[i] = (float)(-(double)(i / (1 + n / distinct)) * 0.1); break;  /* equal runs in id order, descending */
        case 3: z[i] = (float)((double)(i / 7) * 0.01); break;                   /* ascending runs: every token enters */
        case 4: z[i] = u < 0.5 ? -INFINITY : 1.0f; break;                        /* all equal, masked ones */
        default: z[i] = (float)(u * 20.0 - 10.0); break;                         /* distinct-ish */
        }
    }
}

static void check_one(const float *z, uint32_t n, uint32_t k, struct ls_tok *a, struct ls_tok *h)
{
    /* the array itself streamed (src), with ids not in position order */
    struct ls_tok *src = malloc(n * sizeof *src), *h2 = malloc(k * sizeof *h2);
    for (uint32_t i = 0; i < n; i++) src[i] = (struct ls_tok){ (int32_t)(n - 1 - i), (double)z[i], 0.5 };
    double cut2 = stdsort_partial_stream(h2, k, z, n, src);
    for (uint32_t i = 0; i < n; i++) a[i] = src[i];
    stdsort_partial(a, k, n);
    for (uint32_t i = 0; i < k; i++) assert_int_equal(h2[i].id, a[i].id);
    free(src); free(h2);
    for (uint32_t i = 0; i < n; i++) a[i] = (struct ls_tok){ (int32_t)i, (double)z[i], 0.0 };
    stdsort_partial(a, k, n);
    double cut = stdsort_partial_stream(h, k, z, n, NULL), want = -INFINITY;
    (void)cut2;
    for (uint32_t i = 0; i < k; i++) {
        assert_int_equal(h[i].id, a[i].id);
        assert_true(h[i].logit == a[i].logit);
    }
    for (uint32_t i = k; i < n; i++) if (a[i].logit > want) want = a[i].logit;
    /* the records past k are what partial_sort left there: every token not kept, once */
    assert_true(cut == want);
}

static void test_stream_matches_partial_sort(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 1010);
    enum { MAXN = 9000 };
    float *z = malloc(MAXN * sizeof *z);
    struct ls_tok *a = malloc(MAXN * sizeof *a), *h = malloc(129 * sizeof *h);
    for (int t = 0; t < 3000; t++) {
        uint32_t n = 1 + (uint32_t)(rng_uniform(&g) * (t % 3 ? 300 : MAXN));
        uint32_t k = 1 + (uint32_t)(rng_uniform(&g) * (n < 128 ? n : 128));
        fill(&g, z, n, t % 6);
        check_one(z, n, k, a, h);
    }
    free(z); free(a); free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_stream_matches_partial_sort) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
