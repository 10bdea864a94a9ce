/* test_vmath_long.c: the AVX-512 block kernels on long inputs (base/vmath.h)
 * against their plain definitions, where test_vmath's short arrays (n up
 * to about 1100) barely reach their blocks:
 *   vm_scan_rank   most of a step runs in blocks of 64 floats
 *                  (rankblocks16: the top list stored branch-free, the
 *                  maximum's chunk tracked, a stop near the top list's
 *                  cap handed to the vector loop): lengths up to 20000
 *                  (every tail), maxima anywhere and tied, lists that pass
 *                  their caps inside a block or at its edge, NaN and inf
 *                  anywhere, the prefilter on and off;
 *   vm_divide_sum  divsum8 (the quotient, its store and its rounding to
 *                  the sum's grid in one loop): raw-softmax-like weights
 *                  over 131072 terms (the sum crossing many binades), in
 *                  place, into another array and into none, bit for bit;
 *   vm_divide_entropy  divent8 the same way, its terms summed (a block
 *                  whose sum leaves its binade walked by vectors).
 * Run under every LOGITSCOPE_SIMD path by tests/tools/check_simd_paths.sh
 * (the definitions are the same for each). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/vmath.h"
#include "base/rng.h"

enum { N = 20000, CAP = 4096 };

/* the definition: each list in id order, a list past its cap stops (the
 * top and band lists together: ok), the prefilter alone (pok) */
struct want { uint32_t gt, nt, nb; size_t np; int ok, pok, finite; float zmin; int32_t top[CAP], band[CAP], pre[CAP]; };

static void define(const float *z, size_t n, const struct vm_rank *q, size_t tcap, size_t pcap, struct want *w)
{
    w->gt = w->nt = w->nb = 0;
    w->np = 0;
    w->ok = 1, w->pok = q->pre_ids != NULL && !isnan(q->pre), w->finite = 1, w->zmin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = z[i];
        if (z[i] < w->zmin) w->zmin = z[i];
        if (!isfinite(z[i])) w->finite = 0;
        w->gt += v > q->hi;
        if (v >= q->top) { if (w->nt == tcap) w->ok = 0; else w->top[w->nt++] = (int32_t)i; }
        if (v >= q->lo && v <= q->hi) { if (w->nb == tcap) w->ok = 0; else w->band[w->nb++] = (int32_t)i; }
        if (w->pok && v >= q->pre) { if (w->np == pcap) w->pok = 0; else w->pre[w->np++] = (int32_t)i; }
    }
}

static void fill(struct rng *g, float *z, size_t n, int t)
{
    for (size_t i = 0; i < n; i++) z[i] = (float)(rng_uniform(g) * 20 - 30);
    if (t % 5 == 1) for (size_t i = 0; i < n; i++) z[i] = (float)(int)(z[i] / 4); /* few values: ties everywhere */
    for (int k = 0; k < 1 + t % 3 && n; k++) z[(size_t)(rng_uniform(g) * (double)n)] = 5.0f; /* tied maxima */
    if (t % 7 == 3 && n) z[n - 1 - (size_t)(rng_uniform(g) * (double)(n < 40 ? n : 40))] = 6.0f; /* in the tail */
    if (t % 6 == 5 && n > 3) z[(size_t)(rng_uniform(g) * (double)(n - 1))] = t % 12 == 5 ? NAN : -INFINITY;
}

static void test_scan_rank_long(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 53);
    static float z[N];
    static int32_t top[CAP + 16], band[CAP + 16], pre[CAP + 16];
    static struct want w;
    for (int t = 0; t < 400; t++) {
        size_t n = t < 64 ? N - (size_t)t : (size_t)(rng_uniform(&g) * N);
        fill(&g, z, n, t);
        double topt = t % 4 == 0 ? -12.0 : t % 4 == 1 ? -25.0 : -5.0 + rng_uniform(&g); /* -25: past the cap */
        double lo = t % 5 == 1 ? -3.0 : -29.0 + 28.0 * rng_uniform(&g), hi = lo + (t % 3 == 0 ? 0.0 : t % 3 == 1 ? 0.01 : 2.5);
        double pre_t = t % 4 == 2 ? NAN : -20.0 + 15.0 * rng_uniform(&g);
        size_t tcap = t % 8 == 7 ? 64 + (size_t)(rng_uniform(&g) * 2000) : CAP;
        size_t pcap = t % 3 == 2 ? 100 + (size_t)(rng_uniform(&g) * 400) : CAP;
        struct vm_rank q = { lo, hi, topt, top, band, (uint32_t)tcap, pre_t, t % 5 == 4 ? NULL : pre, pcap, 0, 0, 0, 0, 0.0 };
        struct vm_scan a, b;
        define(z, n, &q, tcap, pcap, &w);
        int ok = vm_scan_rank(z, n, &q, &a);
        vm_scan(z, n, &b);
        assert_int_equal(a.n_nonfinite, b.n_nonfinite);
        assert_int_equal(a.argmax, b.argmax);
        assert_memory_equal(&a.max, &b.max, sizeof a.max);
        assert_int_equal(ok, w.ok && w.finite && n > 0);
        /* the least value of a finite step (NaN otherwise), lists past their caps or not */
        if (w.finite && n > 0) assert_true(q.zmin == (double)w.zmin);
        else assert_true(isnan(q.zmin));
        if (!q.pre_ids || isnan(pre_t) || !w.pok || !w.finite) {
            assert_true(q.n_pre == SIZE_MAX);
        } else {
            assert_int_equal(q.n_pre, w.np);
            assert_memory_equal(pre, w.pre, w.np * sizeof *pre);
        }
        if (!ok) continue;
        assert_int_equal(q.n_gt, w.gt);
        assert_int_equal(q.n_top, w.nt);
        assert_int_equal(q.n_band, w.nb);
        assert_memory_equal(top, w.top, w.nt * sizeof *top);
        assert_memory_equal(band, w.band, w.nb * sizeof *band);
    }
}

/* the loop s = s0; for (i) { q = a[i] / d; out[i] = q; s += q; } against
 * vm_divide_sum on long sums of weights exp(-u * span) (a few near 1, most
 * tiny: the running sum's binade changes often at the start), with
 * divisors in and out of the multiply-add range, s0 of every kind */
static void test_divide_sum_long(void **st)
{
    (void)st;
    enum { M = 131072 };
    static double a[M], q[M], y[M];
    static const double s0s[] = { 0.0, 0x1p-900, 1.0, -2.0, 1e300 };
    struct rng g;
    rng_seed(&g, 59);
    for (int t = 0; t < 24; t++) {
        size_t n = t < 4 ? M - (size_t)t : (size_t)(rng_uniform(&g) * M);
        double span = t % 3 == 0 ? 30.0 : t % 3 == 1 ? 700.0 : 3.0;
        for (size_t i = 0; i < n; i++) a[i] = exp(-span * rng_uniform(&g));
        if (t % 4 == 3 && n > 10) a[n / 2] = -a[n / 2]; /* a negative term: that block by the loop */
        double d = t % 4 == 0 ? 1.0 : t % 4 == 1 ? 0x1p60 : 1.0 + 5000.0 * rng_uniform(&g), s0 = s0s[t % 5];
        double want = s0;
        for (size_t i = 0; i < n; i++) want += a[i] / d;
        memcpy(y, a, n * sizeof *a);
        double got = vm_divide_sum(a, n, d, NULL, s0), got2 = vm_divide_sum(a, n, d, q, s0);
        double got3 = vm_divide_sum(y, n, d, y, s0);
        assert_memory_equal(&got, &want, sizeof want);
        assert_memory_equal(&got2, &want, sizeof want);
        assert_memory_equal(&got3, &want, sizeof want);
        for (size_t i = 0; i < n; i++) {
            double w = a[i] / d;
            assert_memory_equal(&q[i], &w, sizeof w);
            assert_memory_equal(&y[i], &w, sizeof w);
        }
    }
}

/* vm_divide_entropy against its loop on long steps (divent8: a block
 * whose sum leaves its binade part way is walked vector by vector, the
 * loop over the 8 terms where it stops): raw-softmax weights of logits
 * spread over 3, 30 and 700 nats, some zero, at T 1 and 0.7, off the
 * maximum or the log-sum-exp (negative terms then), bit for bit, p too */
static void test_divide_entropy_long(void **st)
{
    (void)st;
    enum { M = 131072 };
    static double q[M], p[M];
    static float z[M];
    struct rng g;
    rng_seed(&g, 61);
    for (int t = 0; t < 18; t++) {
        size_t n = t < 3 ? M - (size_t)t : (size_t)(rng_uniform(&g) * M);
        double span = t % 3 == 0 ? 30.0 : t % 3 == 1 ? 700.0 : 3.0, zmax = -1e30, S = 0.0;
        for (size_t i = 0; i < n; i++) z[i] = (float)(-span * rng_uniform(&g)), zmax = z[i] > zmax ? z[i] : zmax;
        double invT = t % 2 ? 1.0 : 1.0 / 0.7;
        for (size_t i = 0; i < n; i++) {
            q[i] = t % 4 == 3 && rng_uniform(&g) < 0.2 ? 0.0 : exp(((double)z[i] - zmax) * invT);
            S += q[i];
        }
        double lnS = log(S), off = t % 5 ? zmax : zmax + lnS, want = 0.0;
        for (size_t i = 0; i < n; i++) want += q[i] / S * (lnS - (((double)z[i] - off) * invT));
        double got = vm_divide_entropy(q, z, n, S, off, invT, lnS, p);
        assert_memory_equal(&got, &want, sizeof want);
        for (size_t i = 0; i < n; i++) {
            double w = q[i] / S;
            assert_memory_equal(&p[i], &w, sizeof w);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_rank_long),
        cmocka_unit_test(test_divide_sum_long),
        cmocka_unit_test(test_divide_entropy_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
