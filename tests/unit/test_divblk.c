/* test_divblk.c: vm_divide_blocks (core/base/vmath_divblk.c) gives
 * vm_divide's quotients (the scalar loop's) and vm_block_sums' prefix of
 * them, bit for bit: random lengths (empty, shorter than a vector or a
 * block, ragged tails), values from 0 through subnormals to 1e300, totals
 * inside and outside the multiply-add division's range, blocks of 8 to
 * 64; vm_divide_entropy_blocks the same way against vm_divide_entropy.
 * check_simd_paths.sh runs it on every SIMD path. */
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
#include "base/vmath_divblk.h"
#include "sampling/draw.h"

/* a value of one of several kinds: a probability-like weight, 0, a
 * subnormal, tiny, huge */
static double value(struct rng *g)
{
    double u = rng_uniform(g);
    switch (rng_next(g) % 8) {
    case 0: return 0.0;
    case 1: return u * 0x1p-1060;
    case 2: return u * 0x1p-970;
    case 3: return u * 1e300;
    default: return exp(-40.0 * u);
    }
}

static void check(const double *a, size_t n, double s, size_t B)
{
    size_t np = n / B + 2;
    double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y), *o = malloc((n + 1) * sizeof *o);
    double *p = malloc(np * sizeof *p), *q = malloc(np * sizeof *q), *r = malloc(np * sizeof *r);
    assert_true(x && y && o && p && q && r);
    memcpy(x, a, n * sizeof *a);
    memcpy(y, a, n * sizeof *a);
    vm_divide(x, n, s);
    vm_block_sums(x, n, B, p);
    vm_divide_blocks(y, n, s, y, B, q);   /* in place */
    vm_divide_blocks(a, n, s, o, B, r);   /* into another array; a unchanged */
    for (size_t i = 0; i < n; i++) {
        double d = a[i] / s;
        assert_memory_equal(&d, &y[i], sizeof d);
    }
    if (n) assert_memory_equal(x, y, n * sizeof *x);
    if (n) assert_memory_equal(x, o, n * sizeof *x);
    assert_memory_equal(p, q, ((n + B - 1) / B + 1) * sizeof *p);
    assert_memory_equal(p, r, ((n + B - 1) / B + 1) * sizeof *p);
    free(x), free(y), free(o), free(p), free(q), free(r);
}

static void test_random(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 99);
    static const double totals[] = { 1.0, 0.7, 3.3e5, 1e-3, 0x1p-60, 0x1p60, 1.0 + 0x1p-52 };
    static const size_t blocks[] = { 8, 16, 32, 64 };
    double *a = malloc(5000 * sizeof *a);
    assert_true(a);
    for (int t = 0; t < 400; t++) {
        size_t n = t < 40 ? (size_t)t : (size_t)(rng_next(&g) % 5000);
        for (size_t i = 0; i < n; i++) a[i] = value(&g);
        check(a, n, totals[t % 7], blocks[(t / 7) % 4]);
    }
    free(a);
}

/* vm_divide_entropy_blocks against vm_divide_entropy and vm_block_sums
 * of its p: the same quotients, entropy sum and prefix, bit for bit (the
 * 32-value blocks summed in registers on AVX-512, others after each
 * stretch; totals in and out of the multiply-add division's range) */
static void check_ent(const double *q, const float *z, size_t n, double S, double off, double invT, size_t B)
{
    size_t np = n / B + 2;
    double *p = malloc((n + 1) * sizeof *p), *o = malloc((n + 1) * sizeof *o);
    double *pre = malloc(np * sizeof *pre), *got = malloc(np * sizeof *got);
    assert_true(p && o && pre && got);
    double want = vm_divide_entropy(q, z, n, S, off, invT, log(S), p);
    vm_block_sums(p, n, B, pre);
    double h = vm_divide_entropy_blocks(q, z, n, S, off, invT, log(S), o, B, got);
    assert_memory_equal(&want, &h, sizeof h);
    if (n) assert_memory_equal(p, o, n * sizeof *p);
    assert_memory_equal(pre, got, ((n + B - 1) / B + 1) * sizeof *pre);
    free(p), free(o), free(pre), free(got);
}

static void test_entropy_blocks(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 11);
    static const double totals[] = { 1.0, 1.0 + 0x1p-52, 0.9999999, 0x1p-60, 3.3e5 };
    static const size_t blocks[] = { 32, 8, 16, 64, 32 };
    size_t cap = 140000;
    double *q = malloc(cap * sizeof *q);
    float *z = malloc(cap * sizeof *z);
    assert_true(q && z);
    for (int t = 0; t < 120; t++) {
        size_t n = t < 40 ? (size_t)t * 7 : t % 10 == 0 ? 131072 + (size_t)(t % 3) : (size_t)(rng_next(&g) % 5000);
        double s = 0.0;
        for (size_t i = 0; i < n; i++) {
            z[i] = (float)(-14.0 * rng_uniform(&g));
            s += q[i] = t % 4 == 3 ? value(&g) : exp((double)z[i]);
        }
        check_ent(q, z, n, t % 2 ? totals[t % 5] : s, t % 3 ? 0.0 : 0.5, t % 3 == 2 ? 1.0 / 0.7 : 1.0,
                  blocks[(t / 5) % 5]);
    }
    free(q), free(z);
}

/* a plain temperature's p: every weight in (0, 1], the total their sum */
static void test_softmax_like(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 7);
    size_t n = 131072 + 13;
    double *a = malloc(n * sizeof *a), s = 0.0;
    assert_true(a);
    for (size_t i = 0; i < n; i++) s += a[i] = exp(-15.0 * rng_uniform(&g));
    check(a, n, s, 32);
    free(a);
}

/* a plain temperature's run for a caller that draws keeps the block sums
 * of its p (chain_result.blk: vm_block_sums' bits, which draw_blocks then
 * takes); a run for every reader, or with a cut, does not */
static void test_chain_blocks(void **st)
{
    (void)st;
    uint32_t V = 5000;
    struct chain c;
    struct chain_ws ws;
    struct chain_result r;
    struct rng g;
    rng_seed(&g, 3);
    float *z = malloc(V * sizeof *z);
    double *pre = malloc(draw_blocks_len(V) * sizeof *pre);
    assert_true(z && pre && !chain_ws_init(&ws, V) && !chain_result_init(&r, V));
    for (uint32_t i = 0; i < V; i++) z[i] = (float)(-12.0 * rng_uniform(&g));
    chain_preset(&c, PRESET_HF);
    static const int want[3] = { CHAIN_WANT_SCORES, CHAIN_WANT_DRAW, CHAIN_WANT_ALL };
    for (int k = 0; k < 9; k++) {
        struct params p = PARAMS_OFF;
        p.temperature = k >= 6 ? 1.0 : 0.7; /* 1: no stage runs (chain.c's finish_every) */
        if (k >= 3 && k < 6) p.top_p = 0.9;
        ws.want = want[k % 3];
        assert_int_equal(chain_run(&c, &p, z, V, &ws, &r, NULL), 0);
        assert_int_equal(r.blk_ok, k % 3 < 2 && (k < 3 || k >= 6));
        if (!r.blk_ok) continue;
        vm_block_sums(r.p, V, DRAW_BLOCK, pre);
        assert_memory_equal(pre, r.blk, draw_blocks_len(V) * sizeof *pre);
        struct draw_blocks d = draw_blocks_build(&r, 10, pre, NULL);
        assert_ptr_equal(d.pre, r.blk);
    }
    chain_ws_free(&ws);
    chain_result_free(&r);
    free(z), free(pre);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_softmax_like),
        cmocka_unit_test(test_entropy_blocks),
        cmocka_unit_test(test_chain_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
