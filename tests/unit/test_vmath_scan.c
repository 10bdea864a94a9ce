/* test_vmath_scan.c: the scans over one step's logits (base/vmath.h:
 * vm_scan, the prefilter's collect, the threshold counts, the clipping
 * count, the rank scan) against plain scalar loops, on random and hostile
 * inputs, with a checksum of every output bit that
 * tests/tools/check_simd_paths.sh requires to be the same on every SIMD
 * path. The exp, division and sum passes are in test_vmath.c. */
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

static void test_scan(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 3);
    float z[300];
    for (int t = 0; t < 400; t++) {
        size_t n = (size_t)(rng_uniform(&g) * 300);
        fill(&g, z, n, t % 3);
        struct vm_scan s;
        vm_scan(z, n, &s);
        double m = -INFINITY;
        int64_t am = -1;
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(z[i])) { bad++; continue; }
            if ((double)z[i] > m) { m = z[i]; am = (int64_t)i; }
        }
        assert_int_equal(s.n_nonfinite, bad);
        assert_int_equal(s.argmax, am);
        if (am >= 0) assert_true(s.max == m && !!signbit(s.max) == !!signbit(z[am]));
        mix(&s.max, sizeof s.max);
        mix(&s.argmax, sizeof s.argmax);
    }
}

static void test_collect(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 9);
    float z[300];
    int32_t ids[300];
    static const double thrs[] = {0.5, 1.0, -INFINITY, INFINITY, 1e-46, 0.1, 2.0000001};
    for (int t = 0; t < 500; t++) {
        size_t n = (size_t)(rng_uniform(&g) * 300);
        fill(&g, z, n, t % 3);
        double thr = t % 8 < 7 ? thrs[t % 8] : rng_uniform(&g) * 3;
        size_t m = vm_collect_ge(z, n, thr, ids), k = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(z[i]) && (double)z[i] >= thr) { assert_true(k < m); assert_int_equal(ids[k++], (int32_t)i); }
        assert_int_equal(m, k);
        mix(ids, m * sizeof *ids);
    }
}

/* the scan with a prefilter: the same scan, and the ids >= thr as the
 * scalar definition lists them, unless they do not fit, thr is NaN or a
 * value is not finite (SIZE_MAX) */
static void test_scan_collect(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 31);
    static float z[3000];
    static int32_t ids[3000];
    static const double thrs[] = {0.5, -10, INFINITY, -INFINITY, NAN, 1e-46, -0.0, 2.0000001};
    for (int t = 0; t < 600; t++) {
        size_t n = (size_t)(rng_uniform(&g) * 3000), cap = t % 5 == 0 ? 7 : 3000;
        fill(&g, z, n, t % 3);
        double thr = thrs[t % 8];
        struct vm_scan a, b;
        vm_scan(z, n, &a);
        size_t m = vm_scan_collect(z, n, thr, ids, cap, &b);
        assert_true(a.max == b.max || (isnan(a.max) && isnan(b.max)));
        assert_int_equal(a.argmax, b.argmax);
        assert_int_equal(a.n_nonfinite, b.n_nonfinite);
        size_t want = 0;
        for (size_t i = 0; i < n; i++) want += (double)z[i] >= thr && isfinite(z[i]);
        if (isnan(thr) || a.n_nonfinite || want > cap) { assert_true(m == SIZE_MAX); continue; }
        assert_int_equal(m, want);
        for (size_t i = 0, j = 0; i < n; i++)
            if ((double)z[i] >= thr) assert_int_equal(ids[j++], (int32_t)i);
    }
}

/* long steps (the fast pass's chunks, 256 to 1024 tokens by path): the
 * first maximum wherever it and its ties fall (an early chunk, the last,
 * the tail past the blocks; -0 against +0), lists near their cap, NaN
 * beside a listed token, against the scalar definition */
static void test_scan_long(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 41);
    enum { N = 20000 };
    static float z[N];
    static int32_t ids[N], ids2[N];
    for (int t = 0; t < 300; t++) {
        size_t n = t < 40 ? N - (size_t)t : (size_t)(rng_uniform(&g) * N), want = 0;
        for (size_t i = 0; i < n; i++) z[i] = (float)(rng_uniform(&g) * 20 - 30) * (t % 4 == 1 ? 0.0f : 1.0f);
        for (int k = 0; k < 1 + t % 3 && n; k++) z[(size_t)(rng_uniform(&g) * (double)n)] = t % 4 == 1 ? 0.0f : 5.0f;
        if (t % 4 == 1 && n) z[n - 1 - (size_t)(rng_uniform(&g) * (double)(n < 70 ? n : 70))] = -0.0f;
        if (t % 6 == 5 && n > 3) z[(size_t)(rng_uniform(&g) * (double)(n - 1))] = NAN;
        double thr = t % 4 == 1 ? 0.0 : -10.5 + 0.5 * (t % 5);
        if (t % 4 == 3) { /* sparse: a few blocks of the fast pass hold a listed token, some at the ends
                           * of its words of blocks (64 blocks: 1024 to 4096 tokens by path) */
            thr = 4.0;
            for (size_t b = 1024; b + 1 < n; b += 1024 * (1 + (size_t)(rng_uniform(&g) * 3))) z[b - 1] = z[b] = 6.0f;
        }
        for (size_t i = 0; i < n; i++) want += isfinite(z[i]) && (double)z[i] >= thr;
        size_t cap = t % 3 == 0 ? want : t % 3 == 1 ? (want > 9 ? want - 9 : 0) : want + (size_t)(t % 17);
        struct vm_scan a;
        size_t m = vm_scan_collect(z, n, thr, ids, cap, &a), bad = 0, m2 = vm_collect_ge(z, n, thr, ids2);
        double mx = -INFINITY;
        int64_t am = -1;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(z[i])) { bad++; continue; }
            if ((double)z[i] > mx) { mx = z[i]; am = (int64_t)i; }
        }
        assert_int_equal(a.argmax, am);
        assert_int_equal(a.n_nonfinite, bad);
        if (am >= 0) assert_true(a.max == mx && !!signbit(a.max) == !!signbit(z[am]));
        assert_int_equal(m2, want);
        assert_true(bad || want > cap ? m == SIZE_MAX : m == want);
        for (size_t i = 0, j = 0; i < n; i++) {
            if (!isfinite(z[i]) || (double)z[i] < thr) continue;
            if (m != SIZE_MAX) assert_int_equal(ids[j], (int32_t)i);
            assert_int_equal(ids2[j++], (int32_t)i);
        }
        mix(&a.argmax, sizeof a.argmax);
    }
}

/* the clipping count against the scalar definition */
static void test_abs_gt(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 17);
    float z[300];
    static const double thrs[] = {0.5, 0, INFINITY, 1e4, 1e-46, 2.0000001, 3.4028234663852886e38};
    for (int t = 0; t < 500; t++) {
        size_t n = (size_t)(rng_uniform(&g) * 300);
        fill(&g, z, n, t % 3);
        double thr = thrs[t % 7];
        size_t want = 0;
        for (size_t i = 0; i < n; i++) want += isfinite(z[i]) && fabs((double)z[i]) > thr;
        size_t got = vm_count_abs_gt(z, n, thr), over = 0, bad = 0;
        assert_int_equal(got, want);
        for (size_t i = 0; i < n; i++) bad += !isfinite(z[i]);
        assert_int_equal(vm_count_nonfinite_abs_gt(z, n, thr, &over), bad);
        assert_int_equal(over, want);
        mix(&got, sizeof got);
    }
}

/* vm_count_above and vm_count_above_collect against plain loops: ties
 * with pt (eq or not), ids in order, the count past cap */
static void test_count_above(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 12);
    double p[500];
    int32_t ids[64];
    for (uint32_t n = 0; n <= 500; n += (n < 20 ? 1 : 23)) {
        for (uint32_t i = 0; i < n; i++) p[i] = (double)(int)(rng_uniform(&g) * 8) / 8.0;
        for (int eq = 0; eq < 2; eq++) {
            uint32_t lo = n / 5, hi = n - n / 7;
            double pt = 0.5, thr = 0.875;
            uint32_t want = 0, want_m = 0, m = 0;
            for (uint32_t i = lo; i < hi; i++) want += eq ? p[i] >= pt : p[i] > pt;
            assert_int_equal(vm_count_above(p, lo, hi, pt, eq), want);
            assert_int_equal(vm_count_above_collect(p, lo, hi, pt, eq, thr, ids, &m, 64), want);
            for (uint32_t i = lo; i < hi; i++)
                if (p[i] >= thr) { if (want_m < 64) assert_int_equal(ids[want_m], (int32_t)i); want_m++; }
            assert_int_equal(m, want_m);
        }
    }
}

/* vm_scan_abs_gt against vm_scan and vm_count_nonfinite_abs_gt: the
 * same maximum (its sign of zero too), argmax and counts, finite or not */
static void test_scan_abs_gt(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 35);
    float z[300];
    for (int t = 0; t < 600; t++) {
        size_t n = (size_t)(rng_uniform(&g) * 300);
        fill(&g, z, n, t % 3);
        if (t % 5 == 4) for (size_t i = 0; i < n; i++) z[i] = rng_uniform(&g) < 0.5 ? 0.0f : -0.0f;
        double thr = t % 4 == 0 ? 1e4 : t % 4 == 1 ? 0.0 : t % 4 == 2 ? 2.5 : 999.0;
        struct vm_scan a, b;
        size_t oa, ob, na = vm_scan_abs_gt(z, n, thr, &oa, &a), nb = vm_count_nonfinite_abs_gt(z, n, thr, &ob);
        vm_scan(z, n, &b);
        assert_int_equal(na, nb);
        assert_int_equal(oa, ob);
        assert_int_equal(a.n_nonfinite, b.n_nonfinite);
        assert_int_equal(a.argmax, b.argmax);
        assert_memory_equal(&a.max, &b.max, sizeof a.max);
    }
}

/* vm_scan_abs_gt over steps long enough for its chunked fast pass (the
 * first maximum searched from the chunk where the running maximum last
 * rose) against the plain definition: the first maximum (ties placed
 * before, inside and after that chunk, in the tail past the blocks, as
 * +0 after -0), the counts; a non-finite value anywhere takes the full
 * pass, with the same answers */
static void test_scan_abs_gt_long(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 41);
    enum { N = 5000 };
    static float z[N];
    for (int t = 0; t < 300; t++) {
        size_t n = 1 + (size_t)(rng_uniform(&g) * N);
        fill(&g, z, n, t % 4 == 3 ? 2 : t % 2);
        size_t at = (size_t)(rng_uniform(&g) * (double)n), at2 = (size_t)(rng_uniform(&g) * (double)n);
        float top = t % 3 == 0 ? 0.0f : 50.0f;
        if (t % 3 == 0) for (size_t i = 0; i < n; i++) z[i] = z[i] > 0 ? -z[i] : z[i];
        z[at] = t % 3 == 0 ? -0.0f : top;
        if (t % 2) z[at2] = top; /* a tie: the first of the two */
        double thr = t % 5 == 0 ? 0.0 : t % 5 == 1 ? 1e4 : 10.0 * rng_uniform(&g);
        size_t bad = 0, over = 0, o = 0;
        int64_t am = -1;
        double m = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(z[i])) { bad++; continue; }
            over += fabs((double)z[i]) > thr;
            if ((double)z[i] > m) { m = z[i]; am = (int64_t)i; }
        }
        struct vm_scan a;
        assert_int_equal(vm_scan_abs_gt(z, n, thr, &o, &a), bad);
        assert_int_equal(o, over);
        assert_int_equal(a.n_nonfinite, bad);
        assert_int_equal(a.argmax, am);
        if (am >= 0) assert_true(a.max == m && !!signbit(a.max) == !!signbit(z[am]));
        mix(&a.argmax, sizeof a.argmax);
        mix(&o, sizeof o);
    }
}

/* vm_scan_rank against vm_scan and plain loops: the counts and lists
 * (ties at every threshold: few distinct values), past cap, non-finite */
static void test_scan_rank(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 37);
    float z[400];
    int32_t tl[64], bl[64];
    for (int t = 0; t < 800; t++) {
        size_t n = (size_t)(rng_uniform(&g) * 400);
        fill(&g, z, n, t % 3);
        double lo = t % 3 == 1 ? 1.0 : -3.0 + rng_uniform(&g), hi = lo + (t % 2 ? 0.0 : 1.5), top = t % 3 == 1 ? 3.0 : 5.0;
        struct vm_scan a, b, c;
        uint32_t wg = 0, wt = 0, wb = 0;
        int32_t pl[64], pw[64];
        double pre = t % 4 == 3 ? NAN : 1.0 + rng_uniform(&g);
        struct vm_rank q = { lo, hi, top, tl, bl, 64, pre, t % 5 ? pl : NULL, 40, 0, 0, 0, 0, 0.0 };
        int ok = vm_scan_rank(z, n, &q, &a), wok = 1;
        uint32_t gt = q.n_gt, nt = q.n_top, nb = q.n_band;
        vm_scan(z, n, &b);
        if (q.pre_ids) { /* the prefilter list as vm_scan_collect gives it */
            size_t m = vm_scan_collect(z, n, pre, pw, 40, &c);
            assert_true(q.n_pre == m || (m == SIZE_MAX && q.n_pre == SIZE_MAX));
            if (m != SIZE_MAX) assert_memory_equal(pl, pw, m * sizeof *pl);
        } else {
            assert_true(q.n_pre == SIZE_MAX);
        }
        assert_int_equal(a.n_nonfinite, b.n_nonfinite);
        assert_int_equal(a.argmax, b.argmax);
        assert_memory_equal(&a.max, &b.max, sizeof a.max);
        for (size_t i = 0; i < n; i++) {
            double v = z[i];
            if (!isfinite(z[i])) wok = 0;
            wg += v > hi;
            if (v >= top) { if (wt == 64) wok = 0; else if (ok) assert_int_equal(tl[wt], (int32_t)i); wt += wt < 64; }
            if (v >= lo && v <= hi) { if (wb == 64) wok = 0; else if (ok) assert_int_equal(bl[wb], (int32_t)i); wb += wb < 64; }
        }
        assert_int_equal(ok, wok && n > 0);
        double zmin = INFINITY;
        int finite = 1;
        for (size_t i = 0; i < n; i++) finite &= isfinite(z[i]) != 0, zmin = z[i] < zmin ? z[i] : zmin;
        if (finite && n > 0) assert_true(q.zmin == zmin); /* the least value of a finite step, else NaN */
        else assert_true(isnan(q.zmin));
        if (ok) {
            assert_int_equal(gt, wg);
            assert_int_equal(nt, wt);
            assert_int_equal(nb, wb);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_collect),
        cmocka_unit_test(test_abs_gt),
        cmocka_unit_test(test_scan_collect),
        cmocka_unit_test(test_scan_long),
        cmocka_unit_test(test_count_above),
        cmocka_unit_test(test_scan_abs_gt),
        cmocka_unit_test(test_scan_abs_gt_long),
        cmocka_unit_test(test_scan_rank),
    };
    return cmocka_run_group_tests(tests, NULL, vmath_check_report);
}
