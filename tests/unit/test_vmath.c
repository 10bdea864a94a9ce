/* test_vmath.c: the wide passes (base/vmath.h) against plain scalar loops
 * with libm, on random and hostile inputs (NaN, +-inf, 1e30, -0, values
 * where exp underflows, lengths 0..67 for every tail), and a checksum of
 * every output bit. tests/tools/check_simd_paths.sh runs this binary under
 * each LOGITSCOPE_SIMD path the CPU has and requires the same checksum: the
 * paths must give the same bits, so a file gives the same samples on any
 * machine. The scans (max, thresholds, ranks) are in test_vmath_scan.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vmath.h"
#include "base/rng.h"
#include "vmath_check.h"

static void test_exp(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 5);
    float z[200];
    double out[200];
    for (int t = 0; t < 600; t++) {
        size_t n = t < 68 ? (size_t)t : (size_t)(rng_uniform(&g) * 200);
        fill(&g, z, n, t % 3);
        struct vm_scan sc; /* shifted by the maximum, as the chain does: x <= 0 */
        vm_scan(z, n, &sc);
        double shift = sc.argmax < 0 ? 0.0 : sc.max, scale = t % 5 == 0 ? 1.0 / 0.7 : t % 7 == 0 ? 1e7 : 1.0;
        double ed, s = vm_exp_shift(z, n, shift, scale, out, &ed), s0 = 0, ed0 = 0;
        for (size_t i = 0; i < n; i++) {
            double x = ((double)z[i] - shift) * scale;
            double want = isfinite(z[i]) ? exp(x) : 0.0;
            if (x < -746) want = 0.0; /* documented: below -746 weighs 0 (libm: 0 too) */
            if (want >= 0x1p-1022) assert_true(fabs(out[i] - want) <= 4e-16 * want);
            else assert_true(fabs(out[i] - want) <= 0x1p-1074); /* subnormal: within one unit */
            s0 += want;
            if (want > 0) ed0 += want * x;
        }
        assert_true(fabs(s - s0) <= 1e-14 * (s0 > 1 ? s0 : 1));
        assert_true(fabs(ed - ed0) <= 1e-12 * (fabs(ed0) > 1 ? fabs(ed0) : 1));
        mix(out, n * sizeof *out);
        mix(&s, sizeof s);
        mix(&ed, sizeof ed);
    }
}

/* torch's float z / T then exp in double: y bit for bit, e within libm's
 * error, the sum over lengths that end in every tail shape */
static void test_fdiv(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 13);
    float z[300], y[300];
    double out[300];
    for (int t = 0; t < 400; t++) {
        size_t n = t < 40 ? (size_t)t : (size_t)(rng_uniform(&g) * 300);
        fill(&g, z, n, 0);
        float T = t % 3 == 0 ? 0.7f : t % 3 == 1 ? 1.3f : 1e-3f;
        double shift = 0.0;
        for (size_t i = 0; i < n; i++) if ((double)(z[i] / T) > shift) shift = (double)(z[i] / T);
        float y2[300];
        vm_fdiv(z, n, T, y2);
        double s = vm_exp_fdiv(z, n, T, shift, y, out), s0 = 0;
        for (size_t i = 0; i < n; i++) {
            float yi = z[i] / T;
            assert_true(memcmp(&yi, &y[i], sizeof yi) == 0);
            assert_true(memcmp(&yi, &y2[i], sizeof yi) == 0);
            double want = (double)yi - shift < -746 ? 0.0 : exp((double)yi - shift);
            if (want >= 0x1p-1022) assert_true(fabs(out[i] - want) <= 4e-16 * want);
            else assert_true(fabs(out[i] - want) <= 0x1p-1074);
            s0 += want;
        }
        assert_true(fabs(s - s0) <= 1e-14 * (s0 > 1 ? s0 : 1));
        mix(y, n * sizeof *y);
        mix(out, n * sizeof *out);
        mix(&s, sizeof s);
    }
}

/* vm_exp_fdiv_shift is vm_fdiv then vm_exp_shift, bit for bit (weights,
 * sum, entropy sum), on every kind of input and every tail length */
static void test_exp_fdiv_shift(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 19);
    float z[300], y[300];
    double a[300], b[300];
    for (int t = 0; t < 400; t++) {
        size_t n = t < 40 ? (size_t)t : (size_t)(rng_uniform(&g) * 300);
        fill(&g, z, n, t % 3);
        float T = t % 3 == 0 ? 0.7f : t % 3 == 1 ? 1.3f : 1e-3f;
        double shift = 0.0;
        for (size_t i = 0; i < n; i++) if (isfinite(z[i] / T) && (double)(z[i] / T) > shift) shift = (double)(z[i] / T);
        vm_fdiv(z, n, T, y);
        double ea, eb, sa = vm_exp_shift(y, n, shift, 1.0, a, &ea), sb = vm_exp_fdiv_shift(z, n, T, shift, b, &eb);
        assert_memory_equal(a, b, n * sizeof *a);
        assert_true(memcmp(&sa, &sb, sizeof sa) == 0 && memcmp(&ea, &eb, sizeof ea) == 0);
        mix(b, n * sizeof *b);
        mix(&sb, sizeof sb);
        mix(&eb, sizeof eb);
    }
}

/* blocks of 16 whose lanes sit at the edges of the vector paths' normal
 * range (x in [-708, 709]: no clamp, no subnormal result) and just past
 * them, one odd lane at a time in every position: the weights against
 * libm and, through the checksum, the same bits on every path */
static void test_exp_edges(void **st)
{
    (void)st;
    static const double edge[] = {-708.0, -708.0000001, -707.9999999, -709.5, -745.9, -746.5, 709.0, 709.0000001,
                                  0.0, -0.0};
    float z[48];
    double out[48];
    for (size_t k = 0; k < sizeof edge / sizeof *edge; k++) {
        for (size_t pos = 0; pos < 48; pos += 5) {
            for (size_t i = 0; i < 48; i++) z[i] = (float)(-(double)i * 0.37);
            z[pos] = (float)edge[k];
            double ed, s = vm_exp_shift(z, 48, 0.0, 1.0, out, &ed);
            for (size_t i = 0; i < 48; i++) {
                double x = (double)z[i], want = x < -746 ? 0.0 : exp(x > 709 ? 709 : x);
                if (want >= 0x1p-1022) assert_true(fabs(out[i] - want) <= 4e-16 * want);
                else assert_true(fabs(out[i] - want) <= 0x1p-1074);
            }
            mix(out, sizeof out);
            mix(&s, sizeof s);
            mix(&ed, sizeof ed);
        }
    }
}

/* the float32 exp sum is within its stated bound of the double sum, and
 * the bound is tight enough to be useful (a few 1e-6 of the total); the
 * lane sums differ by width, so it stays out of the checksum */
static void test_expf_sum(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 23);
    static float y[5000];
    for (int t = 0; t < 300; t++) {
        size_t n = 1 + (size_t)(rng_uniform(&g) * 5000);
        float m = -INFINITY;
        double spread = t % 3 == 0 ? 3 : t % 3 == 1 ? 40 : 200;
        for (size_t i = 0; i < n; i++) {
            y[i] = (float)(rng_uniform(&g) * spread - spread / 2 + (t % 5 == 0 ? 1e4 : 0));
            if (y[i] > m) m = y[i];
        }
        double err, s = vm_expf_sum(y, n, m, &err), s0 = 0;
        for (size_t i = 0; i < n; i++) s0 += exp((double)y[i] - (double)m);
        assert_true(fabs(s - s0) <= err);
        assert_true(err <= 2e-5 * s0);
    }
}

/* a random double with a random mantissa and its exponent in [emin, emax] */
static double rnd_exp(struct rng *g, int emin, int emax)
{
    return ldexp(1.0 + rng_uniform(g), emin + (int)(rng_uniform(g) * (emax - emin + 1)));
}

/* vm_divide's quotients are IEEE division's, bit for bit: dividends over
 * the whole range its fast lanes take and past it (0, subnormal, negative,
 * huge, NaN, inf), quotients close to a midpoint between two doubles (the
 * hardest to round), divisors in and out of its fast range, every tail */
static void test_divide(void **st)
{
    (void)st;
    double a[37], b[37];
    for (int i = 0; i < 37; i++) a[i] = b[i] = 1.0 / (i + 1.5);
    vm_divide(a, 37, 3.7);
    for (int i = 0; i < 37; i++) assert_true(a[i] == b[i] / 3.7);
    mix(a, sizeof a);
    struct rng g;
    rng_seed(&g, 23);
    enum { N = 4096 };
    static double x[N], q[N];
    static const double odd[] = {0.0, -0.0, 0x1p-1074, 0x1p-1000, -1.5, 0x1p950, 1e308, NAN, INFINITY, 0x1p-960};
    for (int t = 0; t < 300; t++) {
        double s = t % 4 == 0 ? rnd_exp(&g, 0, 20) : t % 4 == 1 ? (double)(1 + (int)(rng_uniform(&g) * 1000))
                 : t % 4 == 2 ? rnd_exp(&g, -60, 60) : 1.0 + rng_uniform(&g);
        size_t n = t < 20 ? (size_t)t : N;
        for (size_t i = 0; i < n; i++) {
            double u = rng_uniform(&g);
            if (u < 0.3) x[i] = rnd_exp(&g, -970, 2);
            else if (u < 0.6) x[i] = rnd_exp(&g, -60, 1);
            else if (u < 0.97) x[i] = s * (rnd_exp(&g, -50, 0) * (1 + 0x1p-53)); /* x / s near a midpoint */
            else x[i] = odd[(int)(rng_uniform(&g) * 10)];
        }
        vm_divide_into(x, n, s, q);
        for (size_t i = 0; i < n; i++) {
            double want = x[i] / s;
            assert_memory_equal(&q[i], &want, sizeof want);
        }
        mix(q, n * sizeof *q);
    }
}

/* vm_iota over lists that hold 0..n-1 already, partly or not at all */
static void test_iota(void **st)
{
    (void)st;
    int32_t a[100];
    for (size_t n = 0; n <= 100; n += 7) {
        for (int kind = 0; kind < 3; kind++) {
            for (size_t i = 0; i < 100; i++) a[i] = kind == 0 ? -1 : kind == 1 ? (int32_t)i : (int32_t)(i ^ 1);
            vm_iota(a, n);
            for (size_t i = 0; i < 100; i++)
                assert_int_equal(a[i], i < n ? (int32_t)i : kind == 0 ? -1 : kind == 1 ? (int32_t)i : (int32_t)(i ^ 1));
        }
    }
}

/* vm_entropy_terms against the scalar expression, bit for bit (zero and
 * tiny p among them), at every length around the vector widths */
static void test_entropy_terms(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 11);
    float z[300];
    double p[300], t[301];
    for (uint32_t n = 0; n <= 300; n += (n < 40 ? 1 : 37)) {
        fill(&g, z, n, 0);
        for (uint32_t i = 0; i < n; i++) {
            double u = rng_uniform(&g);
            p[i] = u < 0.2 ? 0.0 : u < 0.3 ? 1e-300 * u : u;
        }
        t[n] = 42.0;
        vm_entropy_terms(p, z, n, 1.25, 1.0 / 0.7, 3.5, t);
        for (uint32_t i = 0; i < n; i++) {
            double want = p[i] * (3.5 - (((double)z[i] - 1.25) * (1.0 / 0.7)));
            assert_memory_equal(&t[i], &want, sizeof want);
        }
        assert_true(t[n] == 42.0);     /* nothing written past n */
        mix(t, n * sizeof *t);
    }
}

/* terms for the exact sequential sums: softmax-like weights over many
 * binades, sums that cross binades, exact half-way terms (after a first
 * 1.0, 2^-53 is half an ulp of the sum), negatives, zeros, NaN and inf */
static void fill_terms(struct rng *g, double *x, size_t n, int kind)
{
    static const double odd[] = {0.0, -0.0, 0x1p-53, 0x1p-54 * 3, -1e-20, 0x1p-1074, NAN, INFINITY, 1.0, 0x1p-52};
    for (size_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        x[i] = kind == 0 ? rnd_exp(g, -40, 0) : kind == 1 ? (u < 0.5 ? 0x1p-53 : 1.0)
             : kind == 2 ? u * 1e-3 : kind == 3 ? rnd_exp(g, -1000, -900) : u;
        if (kind == 4 && rng_uniform(g) < 0.05) x[i] = odd[(int)(rng_uniform(g) * 10)];
        if (kind == 1 && rng_uniform(g) < 0.3) x[i] = 0x1p-54 * (double)(1 + (int)(rng_uniform(g) * 7));
    }
}

/* got[i] is num[i] / d bit for bit, for every i < n (the division kernels'
 * quotients) */
static void assert_quotients(const double *got, const double *num, size_t n, double d)
{
    for (size_t i = 0; i < n; i++) {
        double w = num[i] / d;
        assert_memory_equal(&got[i], &w, sizeof w);
    }
}

/* vm_divide_sum against its loop, bit for bit: quotients and sum, for
 * d = 1 and others, starting sums 0, tiny and large, out NULL, in place
 * and separate, lengths around the block and vector widths */
static void test_divide_sum(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 31);
    enum { N = 1100 };
    static double x[N], y[N], q[N];
    static const double s0s[] = {0.0, 1e-300, 0x1p-900, 0.5, 1.0, 3.0e5, -1.0};
    for (int t = 0; t < 700; t++) {
        size_t n = t < 300 ? (size_t)t : (size_t)(rng_uniform(&g) * N);
        fill_terms(&g, x, n, t % 5);
        double d = t % 3 == 0 ? 1.0 : t % 3 == 1 ? 0.7 + rng_uniform(&g) : rnd_exp(&g, -30, 30);
        double s0 = s0s[t % 7], want = s0;
        for (size_t i = 0; i < n; i++) want += x[i] / d;
        double got = vm_divide_sum(x, n, d, NULL, s0);
        assert_memory_equal(&got, &want, sizeof want);
        memcpy(y, x, n * sizeof *x);
        double got2 = vm_divide_sum(x, n, d, q, s0), got3 = vm_divide_sum(y, n, d, y, s0);
        assert_memory_equal(&got2, &want, sizeof want);
        assert_memory_equal(&got3, &want, sizeof want);
        assert_quotients(q, x, n, d);
        assert_quotients(y, x, n, d);
        mix(&got, sizeof got);
        mix(q, n * sizeof *q);
    }
}

/* vm_divide_entropy against vm_divide_into, vm_entropy_terms and the
 * sequential sum of the terms, bit for bit */
static void test_divide_entropy(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 32);
    enum { N = 1100 };
    static double q[N], p[N + 1], t[N];
    static float z[N];
    for (int k = 0; k < 300; k++) {
        size_t n = k < 150 ? (size_t)k : (size_t)(rng_uniform(&g) * N);
        fill(&g, z, n, k % 2);
        double S = 0.0, zmax = -1e30;
        for (size_t i = 0; i < n; i++) zmax = z[i] > zmax ? z[i] : zmax;
        double invT = k % 3 ? 1.0 : 1.0 / 0.7;
        for (size_t i = 0; i < n; i++) {
            q[i] = k % 4 == 3 && rng_uniform(&g) < 0.2 ? 0.0 : exp(((double)z[i] - zmax) * invT);
            S += q[i];
        }
        if (n == 0) S = 1.0;
        double lnS = log(S), off = k % 5 ? zmax : zmax + lnS, want = 0.0;
        vm_entropy_terms(q, z, (uint32_t)n, off, invT, lnS, t); /* a stale-buffer guard below */
        for (size_t i = 0; i < n; i++) {
            double pi = q[i] / S;
            want += pi * (lnS - (((double)z[i] - off) * invT));
        }
        p[n] = 42.0;
        double got = vm_divide_entropy(q, z, n, S, off, invT, lnS, p);
        assert_memory_equal(&got, &want, sizeof want);
        assert_true(p[n] == 42.0);
        assert_quotients(p, q, n, S);
        mix(&got, sizeof got);
        mix(p, n * sizeof *p);
    }
}

/* vm_block_sums against its order written out: per block two 4-lane
 * chains (values 8c + l into lane l of chain 0, 8c + 4 + l of chain 1),
 * the lanes added as ((a0 + a1) + (a2 + a3)), the short tail after */
static void test_block_sums(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 33);
    static double p[700], pre[40];
    for (size_t n = 0; n <= 700; n += (n < 80 ? 1 : 53)) {
        for (size_t i = 0; i < n; i++) p[i] = rnd_exp(&g, -60, 0);
        for (size_t B = 8; B <= 64; B *= 2) {
            if ((n + B - 1) / B + 1 > 40) continue;
            vm_block_sums(p, n, B, pre);
            double s = 0.0;
            assert_true(pre[0] == 0.0);
            for (size_t i = 0, b = 0; i < n; i += B, b++) {
                size_t k = n - i < B ? n - i : B, j = 0;
                double a[4] = {0, 0, 0, 0}, c[4] = {0, 0, 0, 0};
                for (; j + 8 <= k; j += 8)
                    for (int l = 0; l < 4; l++) a[l] += p[i + j + l], c[l] += p[i + j + 4 + l];
                for (int l = 0; l < 4; l++) a[l] += c[l];
                double t = (a[0] + a[1]) + (a[2] + a[3]);
                for (; j < k; j++) t += p[i + j];
                s += t;
                assert_memory_equal(&pre[b + 1], &s, sizeof s);
            }
            mix(pre, ((n + B - 1) / B + 1) * sizeof *pre);
        }
    }
}

/* the exp pass over the whole normal range and near every rounding
 * boundary of its reduction (x near (k + 1/2) ln 2), in blocks of 16
 * normal lanes (the AVX-512 path's own normal-lane exp): the bits go
 * into the checksum, which must agree with the portable path's; and
 * within a few ulps of libm */
static void test_exp_normal_range(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 34);
    enum { N = 4096 };
    static float z[N];
    static double e[N];
    for (int t = 0; t < 64; t++) {
        for (size_t i = 0; i < N; i++) {
            double x = t % 2 ? rng_uniform(&g) * 1416.0 - 707.0
                             : ((double)(int)(rng_uniform(&g) * 2040.0 - 1020.0) + 0.5) * 0.6931471805599453;
            if (x < -707.5 || x > 708.5) x = 0.0;
            z[i] = (float)x;
        }
        double sh = t % 4 < 2 ? 0.0 : 0.25, sc = t % 8 < 4 ? 1.0 : 0.999;
        (void)vm_exp_shift(z, N, sh, sc, e, NULL);
        for (size_t i = 0; i < N; i += 97) {
            double want = exp(((double)z[i] - sh) * sc);
            assert_true(fabs(e[i] - want) <= 4e-16 * want);
        }
        mix(e, sizeof e);
    }
}

/* vm_prefix_sums against its loop, every partial sum bit for bit */
static void test_prefix_sums(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 36);
    enum { N = 1500 };
    static double x[N], c[N + 1];
    static const double s0s[] = {0.0, 1e-300, 0x1p-900, 0.5, 1.0, 3.0e5, -1.0};
    for (int t = 0; t < 500; t++) {
        size_t n = t < 200 ? (size_t)t : (size_t)(rng_uniform(&g) * N);
        fill_terms(&g, x, n, t % 5);
        double s0 = s0s[t % 7], want = s0;
        c[n] = 42.0;
        double got = vm_prefix_sums(x, n, c, s0);
        for (size_t i = 0; i < n; i++) {
            want += x[i];
            assert_memory_equal(&c[i], &want, sizeof want);
        }
        assert_memory_equal(&got, &want, sizeof want);
        assert_true(c[n] == 42.0);
        mix(c, n * sizeof *c);
    }
}

/* vm_exp_raw: vm_exp_shift's weights and sums at scale 1, and its sum8
 * (AVX-512; 0 elsewhere, not in the paths' checksum)
 * the plain loop of vm_exp_fdiv's order over the weights (emu_trim_torch's
 * emu_fdiv_order_sum): slot i mod 8 while blocks of 8 last, the next 4
 * into slots 0-3, the rest a scalar sum, slots j and j + 4 paired */
static double order_ref(const double *w, size_t n)
{
    double slot[8] = {0}, a[4], s = 0.0;
    size_t n4 = n & ~(size_t)3, n8 = n4 & ~(size_t)7, i = 0;
    for (; i < n8; i++) slot[i % 8] += w[i];
    for (; i < n4; i++) slot[i % 4] += w[i];
    for (; i < n; i++) s += w[i];
    for (int k = 0; k < 4; k++) a[k] = slot[k] + slot[k + 4];
    return ((a[0] + a[1]) + (a[2] + a[3])) + s;
}

static void test_exp_raw(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 41);
    static float z[5000];
    static double a[5000], b[5000];
    for (int t = 0; t < 400; t++) {
        size_t n = t < 140 ? (size_t)(t % 70) : (size_t)(rng_uniform(&g) * 5000);
        fill(&g, z, n, t % 3);
        double sh = t % 2 ? 0.5 : 3.0, eda, edb, s8 = -1.0;
        double sa = vm_exp_shift(z, n, sh, 1.0, a, &eda), sb = vm_exp_raw(z, n, sh, b, &edb, &s8, NAN, NAN);
        assert_memory_equal(&sa, &sb, sizeof sa);
        assert_memory_equal(&eda, &edb, sizeof eda);
        assert_memory_equal(a, b, n * sizeof *a);
        double want = order_ref(b, n);
        if (strcmp(vm_path_name(), "avx512")) want = 0.0; /* only that path makes it (0: unknown) */
        assert_memory_equal(&s8, &want, sizeof s8);
        /* with the logits' bounds (every one finite): the blocks the bounds
         * prove normal skip their range test, the same bits; logits at the
         * test's edges (x = -708 and 709) or past them */
        if (t % 5 == 4 && n > 1) z[0] = (float)(sh - (t % 10 == 4 ? 708.0 : 708.5)), z[n - 1] = (float)(sh + 709.0);
        double lo = INFINITY, hi = -INFINITY, s8b = -1.0;
        for (size_t i = 0; i < n; i++) lo = z[i] < lo ? z[i] : lo, hi = z[i] > hi ? z[i] : hi;
        if (!(isfinite(lo) && isfinite(hi))) continue;
        for (size_t i = 0; i < n; i++) if (!isfinite(z[i])) lo = NAN;
        sa = vm_exp_shift(z, n, sh, 1.0, a, &eda);
        sb = vm_exp_raw(z, n, sh, b, &edb, t % 2 ? &s8b : NULL, lo, hi);
        assert_memory_equal(&sa, &sb, sizeof sa);
        assert_memory_equal(&eda, &edb, sizeof eda);
        assert_memory_equal(a, b, n * sizeof *a);
        want = t % 2 && !strcmp(vm_path_name(), "avx512") ? order_ref(b, n) : t % 2 ? 0.0 : -1.0;
        assert_memory_equal(&s8b, &want, sizeof s8b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp),
        cmocka_unit_test(test_divide),
        cmocka_unit_test(test_fdiv),
        cmocka_unit_test(test_exp_fdiv_shift),
        cmocka_unit_test(test_exp_edges),
        cmocka_unit_test(test_iota),
        cmocka_unit_test(test_expf_sum),
        cmocka_unit_test(test_entropy_terms),
        cmocka_unit_test(test_divide_sum),
        cmocka_unit_test(test_divide_entropy),
        cmocka_unit_test(test_block_sums),
        cmocka_unit_test(test_exp_normal_range),
        cmocka_unit_test(test_prefix_sums),
        cmocka_unit_test(test_exp_raw),
    };
    return cmocka_run_group_tests(tests, NULL, vmath_check_report);
}
