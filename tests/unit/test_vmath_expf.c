/* test_vmath_expf.c: ls_expf and vm_expf_seqsum (core/base/vmath_expf.c)
 * against libm's expf and a plain float loop. The vector path is the one
 * LOGITSCOPE_SIMD picks (tests/tools/check_simd_paths.sh runs this on
 * every path the CPU has). The one-off check ran over every float from
 * +0 to -inf (2^31 of them) on each path; here a few million sampled
 * ones, the edges of glibc's special cases, and sums built to hit the
 * vectors' fallbacks (a term exactly half a grid step, a sum leaving its
 * binade, tails not a multiple of the lane count). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/vmath.h"
#include "base/vmath_expf.h"

/* glibc's builds disagree here (the FMA one's bits are ours) */
#define SPLIT_X (-0x1.f8cbb2p+5f)
#define SPLIT_FMA 0x1.f45326p-92f

static int same(float a, float b) { return !memcmp(&a, &b, sizeof a); }

/* libm's expf as this project defines it */
static float want(float x) { return x == SPLIT_X ? SPLIT_FMA : expf(x); }

/* e[] of vm_expf_seqsum over x (mx = 0: z - 0 is z) and ls_expf, against
 * libm */
static void check_block(float *x, float *e, size_t n)
{
    vm_expf_seqsum(x, n, 0.0f, e, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!same(e[i], want(x[i])) || !same(ls_expf(x[i]), want(x[i])))
            fail_msg("expf(%a): lanes %a scalar %a libm %a", (double)x[i], (double)e[i], (double)ls_expf(x[i]),
                     (double)want(x[i]));
    }
}

static void test_edges(void **st)
{
    (void)st;
    static const float xs[] = { 0.0f, -0.0f, -0x1p-149f, -0x1p-126f, -1e-30f, -1e-7f, -0.5f, -1.0f, -0x1.62e42ep+6f,
                                -87.9f, -88.0f, -88.5f, -100.0f, -0x1.9d1d9ep+6f, -0x1.9d1d9cp+6f, -0x1.9d1da0p+6f,
                                -0x1.9fe368p+6f, -0x1.9fe366p+6f, -0x1.9fe36ap+6f, -104.0f, -150.0f, -1e30f,
                                -INFINITY, SPLIT_X, -3.4e38f };
    float x[64], e[64];
    size_t n = sizeof xs / sizeof *xs;
    memcpy(x, xs, sizeof xs);
    for (size_t i = n; i < 64; i++) x[i] = x[i - n] == 0.0f ? -1.0f : nextafterf(x[i - n], -INFINITY);
    check_block(x, e, 64);
    assert_true(same(ls_expf(SPLIT_X), SPLIT_FMA));
    assert_true(same(ls_expf(-0x1.9fe36ap+6f), 0.0f) && same(ls_expf(-0x1.9d1da0p+6f), 0x1p-149f));
}

/* a few million: random bit patterns over every non-positive float, and
 * uniform values over [-20, 0] (where the logits' terms are) */
static void test_sampled(void **st)
{
    (void)st;
    enum { N = 1 << 16 };
    static float x[N], e[N];
    struct rng g;
    rng_seed(&g, 99);
    for (int rep = 0; rep < 48; rep++) {
        for (size_t i = 0; i < N; i++) {
            if (rep & 1) {
                uint32_t u = 0x80000000u + (uint32_t)(rng_uniform(&g) * (double)0x7F800001u);
                memcpy(&x[i], &u, sizeof u);
            } else {
                x[i] = (float)(-20.0 * rng_uniform(&g));
            }
        }
        check_block(x, e, N - (size_t)rep); /* tails of every length */
    }
}

/* the float loop vm_expf_seqsum must equal, with its other outputs */
static void check_sum(const float *z, size_t n, float *e)
{
    float mx = -INFINITY, c = 0.0f, zmin = INFINITY, got_min;
    double ex = 0.0, est;
    for (size_t i = 0; i < n; i++) mx = z[i] > mx ? z[i] : mx;
    for (size_t i = 0; i < n; i++) {
        c += ls_expf(z[i] - mx);
        ex += exp((double)z[i] - mx);
        zmin = z[i] < zmin ? z[i] : zmin;
    }
    float got = vm_expf_seqsum(z, n, mx, e, &est, &got_min);
    if (!same(got, c)) fail_msg("n %zu: sum %a, the loop %a", n, (double)got, (double)c);
    assert_true(got_min == zmin);
    assert_true(fabs(est - ex) <= 0x1p-31 * ex);
    for (size_t i = 0; i < n; i++) assert_true(same(e[i], ls_expf(z[i] - mx)));
}

/* x with expf(x) = 2^k exactly (one exists near k ln 2 for these k) */
static float exact_pow2(int k)
{
    float x = (float)(k * 0.69314718055994530942);
    for (int t = 0; t < 64 && expf(x) != ldexpf(1.0f, k); t++)
        x = expf(x) < ldexpf(1.0f, k) ? nextafterf(x, 0.0f) : nextafterf(x, -INFINITY);
    assert_true(expf(x) == ldexpf(1.0f, k));
    return x;
}

static void test_sums(void **st)
{
    (void)st;
    enum { N = 70000 };
    static float z[N], e[N];
    struct rng g;
    rng_seed(&g, 7);
    for (int rep = 0; rep < 40; rep++) { /* logit-like rows, ties, a -inf mask, every length class */
        size_t n = 1 + (size_t)(rng_uniform(&g) * (N - 1));
        double sc = 1 + rep % 6 * 3.0;
        for (size_t i = 0; i < n; i++) {
            double v = -sc * rng_uniform(&g) - (rep % 3) * log(1 + rng_uniform(&g) * (double)n);
            z[i] = (float)(rep % 4 == 1 ? round(v * 4) / 4 : v);
        }
        if (rep % 5 == 2) z[n / 2] = -INFINITY;
        check_sum(z, n, e);
    }
    /* half-way terms: 2^-14 is half the grid step of a sum in [1024, 2048)
     * (2^-13): the sum's parity rounds it, the lanes must not */
    float h = exact_pow2(-14);
    for (int rep = 0; rep < 3; rep++) {
        size_t n = 0;
        for (; n < 1200; n++) z[n] = 0.0f; /* terms 1: the sum walks to 1200 */
        for (; n < 1200 + 4000; n++) z[n] = n % (rep + 2) ? h : 0.0f;
        check_sum(z, n, e);
        for (size_t i = 0; i < n; i++) z[i] = z[i] == 0.0f ? 0.0f : h - 0.5f; /* shifted: mx 0.5 off */
        z[0] = 0.5f;
        check_sum(z, n, e);
    }
}

/* vm_fsum_reach against the loop: P at the loop's own partial sums (at
 * block ends too), a float step below them, and beyond the total */
static void test_reach(void **st)
{
    (void)st;
    enum { N = 5000 };
    static float x[N];
    struct rng g;
    rng_seed(&g, 17);
    for (int rep = 0; rep < 12; rep++) {
        size_t n = N - (size_t)rep * 37;
        for (size_t i = 0; i < n; i++) x[i] = (float)(rng_uniform(&g) * 2e-4 / (double)(1 + i % 7)) * (rep % 3 ? 1.0f : 0.25f);
        float pre = 0.0f;
        for (size_t i = 0; i < n; i++) {
            pre += x[i];
            if (i % 97 != 5 && (i + 1) % 256 != 0 && (i + 1) % 256 != 1) continue;
            for (int u = 0; u < 2; u++) {
                float P = u ? nextafterf(pre, 0.0f) : pre, c = 0.0f, want_c = 0.0f;
                size_t want = 0;
                for (size_t j = 0; j < n && !want; j++) {
                    want_c += x[j];
                    if (want_c >= P) want = j + 1;
                }
                assert_int_equal(vm_fsum_reach(x, n, P, &c), want);
                assert_true(same(c, want_c));
            }
        }
        float c = 0.0f;
        assert_int_equal(vm_fsum_reach(x, n, pre * 2, &c), 0);
        assert_true(same(c, pre));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_sampled),
        cmocka_unit_test(test_sums),
        cmocka_unit_test(test_reach),
    };
    print_message("vmath_expf path %s\n", vm_path_name());
    return cmocka_run_group_tests(tests, NULL, NULL);
}
