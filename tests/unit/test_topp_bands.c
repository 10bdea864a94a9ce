/* test_topp_bands.c: emu_float_range (the range pass of HF's and vLLM's
 * top-p bands over plain arrays, emu_topp_torch.c) at every lane width
 * this CPU has, against the plain definition: a scalar loop over the
 * floats. Arrays of every length from 0 to 300 and a few long ones (the
 * vector blocks and the tail), values of mixed magnitude and sign with
 * the least and the largest at random places (first, last, in a tail),
 * ties, -0 beside +0, and one value not finite (NaN, +inf, -inf) at a
 * random place: the answer must say so. The bins' sums themselves are
 * held to the whole-array replay by test_topp_nucleus.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "base/rng.h"
#include "base/vmath.h"
#include "sampling/emu.h"

/* the definition: 1 and the least and largest when every value is finite */
static int plain_range(const float *y, uint32_t n, double *lo, double *hi)
{
    float a = INFINITY, b = -INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) return 0;
        a = y[i] < a ? y[i] : a;
        b = y[i] > b ? y[i] : b;
    }
    *lo = a, *hi = b;
    return 1;
}

static void fill(struct rng *g, float *y, uint32_t n)
{
    double scale = rng_uniform(g) < 0.5 ? 1.0 : 1e30;
    for (uint32_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        y[i] = u < 0.1 ? 0.0f : u < 0.15 ? -0.0f : u < 0.3 ? 1.5f : (float)((rng_uniform(g) - 0.5) * scale);
    }
    if (n && rng_uniform(g) < 0.5) y[rng_next(g) % n] = (float)(-3 * scale); /* a lone least */
    if (n && rng_uniform(g) < 0.5) y[n - 1] = (float)(3 * scale);             /* the largest last */
}

static void check(const float *y, uint32_t n)
{
    double plo = 0, phi = 0;
    int pok = plain_range(y, n, &plo, &phi);
    for (int w = 4; w <= vm_path_lanes(); w *= 2) {
        double lo = 0, hi = 0;
        int ok = emu_float_range(y, n, w, &lo, &hi);
        assert_int_equal(ok, pok);
        if (!pok) continue;
        assert_true(lo == plo && hi == phi);
    }
}

static void test_range(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 9);
    static float y[70000];
    static const float bad[3] = { NAN, INFINITY, -INFINITY };
    for (int rep = 0; rep < 3000; rep++) {
        uint32_t n = rep < 1200 ? (uint32_t)(rep % 301) : (uint32_t)(rng_next(&g) % 70000);
        fill(&g, y, n);
        check(y, n);
        if (n == 0) continue;
        uint32_t at = rng_uniform(&g) < 0.3 ? n - 1 : (uint32_t)(rng_next(&g) % n);
        y[at] = bad[rng_next(&g) % 3];
        check(y, n);
    }
}

/* a run of all-equal values (the bands then do nothing: hi == lo) */
static void test_flat(void **st)
{
    (void)st;
    static float y[1000];
    for (uint32_t i = 0; i < 1000; i++) y[i] = -2.25f;
    for (uint32_t n = 1; n <= 1000; n += 37) check(y, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
