/* test_torch_expf.c: vm_expf_shift_sum (core/base/vmath_torch_expf.c) is libm's expf
 * bit for bit, and its sum the index-order loop's (vm_expf_shift_sumf's
 * float total that sum rounded, also where its any-order sum cannot
 * decide: test_float_total): every 61st float in
 * [-88, 0] (the whole range was compared once on the project's machine),
 * both zeros, the boundary at 88 and beyond it (libm's special cases),
 * and random steps shifted by their maximum as torch's softmax shifts
 * them. vm_libm_exp_ids (core/base/vmath_exp_ids.c) is libm's exp at the
 * listed ids: random logits and shifts over [-700, 0], zeros, tiny
 * arguments, past -512 (2e8 such arguments were compared once); its
 * entry condition in vmath's table rejects a kernel one ulp off.
 * check_simd_paths.sh runs it on every SIMD path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/vmath.h"
#include "base/vmath_torch_expf.h"
#include "base/vmath_exp_ids.h"
#include "base/vmath_ops.h"

/* y[0..n) through vm_expf_shift_sum against the scalar loop */
static void check(const float *y, size_t n, double mx)
{
    float *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
    assert_true(a && b);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        a[i] = expf((float)((double)y[i] - mx));
        s += (double)a[i];
    }
    double t = vm_expf_shift_sum(y, n, mx, b);
    if (n) assert_memory_equal(a, b, n * sizeof *a);
    assert_memory_equal(&s, &t, sizeof s);
    /* the float total from a sum in any order: the same weights, and the
     * index-order sum rounded to float */
    memset(b, 0, (n + 1) * sizeof *b);
    double any = -1.0;
    float sf = vm_expf_shift_sumf(y, n, mx, b, &any), want = (float)s;
    if (n) assert_memory_equal(a, b, n * sizeof *a);
    assert_memory_equal(&sf, &want, sizeof sf);
    assert_true(fabs(any - s) <= (double)n * 0x1p-52 * s);
    free(a), free(b);
}

/* vm_expf_shift_sumf where the any-order sum cannot decide the float:
 * 2^24 + 1 weights of 1 sum to 16777217, half way between two floats
 * (the index-order sum itself then, rounded to even: 16777216); and a
 * sum a few millionths beside such a midpoint (2^24 - 3 weights of 1 and
 * eight just below 1: the float below it) */
static void test_float_total(void **st)
{
    (void)st;
    size_t n = (1u << 24) + 1, m = (1u << 24) - 3 + 8;
    float *y = malloc(m * sizeof *y); /* (m > n) */
    assert_non_null(y);
    for (size_t i = 0; i < n; i++) y[i] = 1.5f;
    check(y, n, 1.5);
    struct rng g;
    rng_seed(&g, 5);
    for (size_t i = 0; i < m; i++) y[i] = i % 977 == 3 && i < 8 * 977 ? -(float)(rng_uniform(&g) * 1e-6) : 0.0f;
    check(y, m, 0.0);
    free(y);
}

/* the vector copy is the way on the AVX2 and AVX-512 paths of glibc >= 2.28 */
static void expect_vector(const char *way)
{
    (void)way;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 28) && defined(__x86_64__)
    if (strcmp(vm_path_name(), "portable")) assert_string_equal(way, "vector");
#endif
}

static void test_floats(void **st)
{
    (void)st;
    enum { B = 1 << 16 };
    float *x = malloc(B * sizeof *x);
    assert_non_null(x);
    size_t n = 0;
    for (uint32_t v = 0x80000000u; v <= 0xc2b00000u; v += 61u) { /* -0 to -88 */
        memcpy(&x[n++], &v, sizeof v);
        if (n == B) check(x, n, 0.0), n = 0;
    }
    static const float ends[] = { 0.0f, -0.0f, -87.99999f, -88.0f, -88.00001f, -100.0f, -103.5f, -104.0f,
                                  -150.0f, -1e30f, 1e-30f, 0.5f, 88.5f };
    for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) x[n++] = ends[k];
    check(x, n, 0.0);
    printf("expf way: %s (vmath path %s)\n", vm_expf_way(), vm_path_name());
    expect_vector(vm_expf_way());
    free(x);
}

static void test_steps(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 5);
    float *y = malloc(70000 * sizeof *y);
    assert_non_null(y);
    for (int t = 0; t < 60; t++) {
        size_t n = t < 20 ? (size_t)t : (size_t)(rng_uniform(&g) * 70000);
        double spread = t % 3 == 0 ? 120.0 : 12.0; /* 120: lanes past -88 */
        float mx = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            y[i] = (float)(spread * (rng_uniform(&g) - 0.9));
            if (y[i] > mx) mx = y[i];
        }
        check(y, n, n ? (double)mx : 0.0);
    }
    free(y);
}

/* vm_libm_exp_kept: survivors marked by a code, sparse and dense, some
 * cut tokens far below (past the kernel's range), zeros elsewhere */
static void test_kept(struct rng *g, float *y, int32_t *ids, double *a)
{
    enum { N = 50000 };
    uint8_t *code = malloc(N);
    assert_non_null(code);
    for (int t = 0; t < 30; t++) {
        size_t n = t < 10 ? (size_t)t * 3 : (size_t)(rng_uniform(g) * N), m = 0;
        double frac = t % 3 == 0 ? 0.05 : t % 3 == 1 ? 0.6 : 0.97, mx = 2.0 * rng_uniform(g);
        for (size_t i = 0; i < n; i++) {
            int keep = rng_uniform(g) < frac;
            code[i] = keep ? 0 : 3;
            y[i] = (float)(mx - (keep ? 40.0 : 900.0) * rng_uniform(g));
            if (keep) ids[m++] = (int32_t)i;
            a[i] = 0.0;
        }
        vm_libm_exp_kept(y, ids, m, code, 0, n, mx, a);
        for (size_t i = 0; i < n; i++) {
            double want = code[i] == 0 ? exp((double)y[i] - mx) : 0.0;
            assert_memory_equal(&want, &a[i], sizeof want);
        }
    }
    free(code);
}

static void test_exp_ids(void **st)
{
    (void)st;
    enum { N = 50000 };
    struct rng g;
    rng_seed(&g, 6);
    float *y = malloc(N * sizeof *y);
    int32_t *ids = malloc(N * sizeof *ids);
    double *a = malloc(N * sizeof *a);
    assert_true(y && ids && a);
    for (int t = 0; t < 40; t++) {
        size_t m = t < 10 ? (size_t)t : (size_t)(rng_uniform(&g) * N);
        double span = t % 4 == 0 ? 700.0 : t % 4 == 1 ? 1e-12 : 30.0, mx = 6.0 * (rng_uniform(&g) - 0.5);
        for (size_t i = 0; i < N; i++) {
            y[i] = (float)(mx - span * rng_uniform(&g));
            ids[i] = (int32_t)((i * 7919u) % N);
            a[i] = -1.0;
        }
        if (t % 5 == 0) y[ids[0]] = (float)mx, mx = (double)y[ids[0]]; /* an argument of 0 */
        vm_libm_exp_ids(y, ids, m, mx, a);
        for (size_t j = 0; j < m; j++) {
            double want = exp((double)y[ids[j]] - mx);
            assert_memory_equal(&want, &a[ids[j]], sizeof want);
        }
        for (size_t j = m; j < N; j++) assert_true(a[ids[j]] == -1.0); /* only the listed ones */
    }
    test_kept(&g, y, ids, a);
    printf("exp way: %s (vmath path %s)\n", vm_libm_exp_way(), vm_path_name());
    expect_vector(vm_libm_exp_way());
    free(y), free(ids), free(a);
}

/* exp_ids' entry condition (vmath's table checks it once per process):
 * libm itself and the chosen kernel pass, a kernel off by one ulp in one
 * lane does not (its row would take the next lower path's kernel) */
static void off_by_ulp(const float *y, const int32_t *ids, size_t m, double mx, double *out)
{
    vmk_exp_ids_portable(y, ids, m, mx, out);
    if (m > 100) out[ids[100]] = nextafter(out[ids[100]], 0.0);
}

static void test_entry_check(void **st)
{
    (void)st;
    assert_true(vmk_exp_ids_check(vmk_exp_ids_portable));
    assert_true(vmk_exp_ids_check(vm_ops_get()->exp_ids));
    assert_false(vmk_exp_ids_check(off_by_ulp));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_float_total),
        cmocka_unit_test(test_exp_ids),
        cmocka_unit_test(test_entry_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
