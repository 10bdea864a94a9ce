/* test_select_sample.c: the chain's first pass reads one sample of the
 * logits for both of its thresholds (select_sample_floats_rank, issue 9);
 * checked against the plain definition, select_sample_threshold over a
 * get that reads each value as (double)z, a non-finite one as -inf: the
 * same answer and threshold for every k, asked in any order of one
 * sample, on steps with ties, plateaus, zeros of both signs, non-finite
 * values and sizes around the sampling limit. The small ranks are found
 * by the sample's stripes (select.c stripes_rank), the large ones by a
 * selection over a copy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/select.h"
#include "base/rng.h"

static double get_z(const void *ctx, uint32_t i)
{
    float z = ((const float *)ctx)[i];
    return isfinite(z) ? (double)z : -INFINITY;
}

/* one step's logits: continuous, a few levels (ties), or mostly one
 * plateau; some non-finite */
static void fill(struct rng *g, float *z, uint32_t n, int shape)
{
    for (uint32_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        float v = shape == 0   ? (float)(40.0 * u - 30.0)
                  : shape == 1 ? (float)(int)(u * 6)
                  : shape == 2 ? (u < 0.97 ? -2.5f : (float)u)
                               : (u < 0.5 ? -0.0f : u < 0.999 ? 0.0f : (float)u); /* zeros of both signs */
        uint64_t w = rng_next(g) % 1000;
        if (w == 0) v = NAN;
        else if (w == 1) v = -INFINITY;
        else if (w == 2) v = INFINITY;
        z[i] = v;
    }
}

static void test_sample_ranks(void **state)
{
    (void)state;
    static const uint32_t sizes[] = { 1000, 4 * SELECT_SAMPLE, 4 * SELECT_SAMPLE + 1, 10007, 32000, 131072, 262144 };
    enum { NS = sizeof sizes / sizeof *sizes };
    float *z = malloc(262144 * sizeof *z);
    struct select_sample *smp = malloc(sizeof *smp);
    struct rng g;
    rng_seed(&g, 5);
    int answered = 0;
    for (int t = 0; t < 300; t++) {
        uint32_t n = sizes[t % NS];
        fill(&g, z, n, t % 4);
        smp->z = z, smp->n = n, smp->have = 0;
        for (int q = 0; q < 6; q++) { /* several k on one sample, small and large ranks mixed */
            uint32_t k = q % 2 ? 1 + (uint32_t)(rng_next(&g) % 64) : 1 + (uint32_t)(rng_next(&g) % (n / 8 + 1));
            if (q == 5) k = 512; /* the top list's */
            double want = 12345.0, got = 54321.0;
            int a = select_sample_threshold(get_z, z, n, k, &want), b = select_sample_floats_rank(smp, k, &got);
            assert_int_equal(a, b);
            if (!a) continue;
            answered++;
            /* equal values; among equal zeros the sign may differ (the
             * stripes are ranked in another order), and a threshold is
             * only compared */
            assert_true(want == got);
            assert_false(isnan(got));
        }
    }
    assert_true(answered > 500);
    free(smp);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_ranks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
