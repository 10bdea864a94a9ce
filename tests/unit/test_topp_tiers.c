/* test_topp_tiers.c: HF's and vLLM's top-p without top-k when the stage's
 * masses are reported (CHAIN_WANT_ALL: the explorer's and show's path,
 * emu_trim_torch.c). One pass forms y = z / T, d = exp(y - max) and the
 * tokens within 4 nats (vm_exp_fdiv_list: vm_exp_fdiv's bits, its list
 * vm_collect_ge's); the crossing is looked for within 4, 8 and 16 nats,
 * then over every token. Checked here: the kernel against vm_exp_fdiv and
 * vm_collect_ge bit for bit (lanes that underflow or go subnormal, every
 * block shape), and the chain against the whole-array reference (kept
 * list, p, cut_by, decisions, masses to 1e-12) on steps built so that the
 * crossing lies in each tier or below all of them, and on Zipf-like steps
 * at several temperatures. A tier decides once its listed mass reaches p,
 * also when the band's bucket reaches below its edge: these cases hold
 * such crossings at 4 and 8 nats and in deep_tier's list, with and without
 * the masses. Whatever list a crossing comes from, cut_top_p's margin test
 * certifies it (a candidate from a list short of p fails the test, and
 * the whole-array path decides: only slower), so what can go wrong here
 * is the cut itself, which the comparison catches. */
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
#include "base/vmath_fdiv_list.h"
#include "sampling/chain.h"
#include "chain_cmp.h"

/* one kernel case: the list pass against the two passes it replaces */
static void kernel_case(const float *z, size_t n, float T, double shift, float zmin)
{
    float *y = malloc((n + 1) * sizeof *y), *y2 = malloc((n + 1) * sizeof *y2);
    double *d = malloc((n + 1) * sizeof *d), *d2 = malloc((n + 1) * sizeof *d2);
    int32_t *ids = malloc((n + 1) * sizeof *ids), *ids2 = malloc((n + 1) * sizeof *ids2);
    assert_true(y && y2 && d && d2 && ids && ids2);
    size_t c = 0, c2 = vm_collect_ge(z, n, (double)zmin, ids2);
    double s = vm_exp_fdiv(z, n, T, shift, y, d);
    double s2 = vm_exp_fdiv_list(z, n, T, shift, y2, d2, zmin, ids, &c);
    assert_memory_equal(&s, &s2, sizeof s);
    if (n) {
        assert_memory_equal(y, y2, n * sizeof *y);
        assert_memory_equal(d, d2, n * sizeof *d);
    }
    assert_int_equal(c, c2);
    if (c) assert_memory_equal(ids, ids2, c * sizeof *ids);
    free(y), free(y2), free(d), free(d2), free(ids), free(ids2);
}

static void test_kernel(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 91);
    static const float temps[4] = { 0.7f, 1.0f, 1.3f, 0.01f };
    float *z = malloc(70000 * sizeof *z);
    assert_non_null(z);
    for (int t = 0; t < 300; t++) {
        size_t n = t < 40 ? (size_t)t : t % 50 == 0 ? 65536 + (size_t)(rng_uniform(&g) * 4000)
                                                 : (size_t)(rng_uniform(&g) * 400);
        float T = temps[t % 4];
        double spread = t % 3 == 0 ? 20.0 : t % 3 == 1 ? 600.0 : 5.0; /* 600: lanes below -708 */
        float mx = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            z[i] = (float)(-spread * rng_uniform(&g) * rng_uniform(&g));
            if (z[i] > mx) mx = z[i];
        }
        double shift = n ? (double)(mx / T) : 0.0;
        float zmin = n == 0 || t % 7 == 0 ? -INFINITY : t % 7 == 1 ? INFINITY : z[(size_t)(rng_uniform(&g) * (double)n)];
        kernel_case(z, n, T, shift, zmin);
    }
    free(z);
}

/* the fast run against the reference, every stage's masses to 1e-12 */
static void compare(enum preset ps, const struct params *p, const float *z, uint32_t V, struct chain_ws *ws,
                    struct chain_result *a, struct chain_result *b)
{
    struct chain c;
    struct ls_error err = {0};
    chain_preset(&c, ps);
    ws->want = CHAIN_WANT_ALL;
    ws->reference = 1;
    assert_int_equal(chain_run(&c, p, z, V, ws, b, &err), 0);
    ws->reference = 0;
    assert_int_equal(chain_run(&c, p, z, V, ws, a, &err), 0);
    chain_cmp(a, b, CMP_MASSES_NEAR | CMP_SCORES);
}

/* M tokens spread over `depth` nats of y below the top (z = 10 - T depth
 * u), the rest more than 40 / T nats lower, shuffled over the ids */
static void nucleus_step(struct rng *g, float *z, uint32_t V, uint32_t M, double depth, double T)
{
    for (uint32_t i = 0; i < V; i++) z[i] = (float)(-30.0 - 40.0 * T - 5.0 * rng_uniform(g));
    for (uint32_t k = 0; k < M; k++) {
        uint32_t i = (uint32_t)(rng_uniform(g) * V);
        z[i] = (float)(10.0 - T * depth * rng_uniform(g));
    }
}

/* a run's buffers at V */
struct bufs { struct chain_ws ws; struct chain_result a, b; float *z; };

static void bufs_init(struct bufs *f, uint32_t V)
{
    f->z = malloc(V * sizeof *f->z);
    assert_non_null(f->z);
    assert_int_equal(chain_ws_init(&f->ws, V), 0);
    assert_int_equal(chain_result_init(&f->a, V), 0);
    assert_int_equal(chain_result_init(&f->b, V), 0);
}

static void bufs_free(struct bufs *f)
{
    chain_ws_free(&f->ws);
    chain_result_free(&f->a);
    chain_result_free(&f->b);
    free(f->z);
}

static void run_tiers(uint32_t V, uint64_t seed)
{
    struct bufs f;
    struct rng g;
    bufs_init(&f, V);
    rng_seed(&g, seed);
    static const double depths[5] = { 3.0, 7.0, 14.0, 30.0, 60.0 }, temps[3] = { 0.7, 1.0, 1.5 };
    static const double tops[4] = { 0.5, 0.9, 0.97, 0.999 };
    for (int t = 0; t < 40; t++) {
        struct params p = PARAMS_OFF;
        p.temperature = temps[t % 3];
        p.top_p = tops[(t / 3) % 4];
        p.min_keep = 1;
        nucleus_step(&g, f.z, V, 40 + (uint32_t)(rng_uniform(&g) * 400), depths[t % 5], p.temperature);
        compare(t % 2 ? PRESET_VLLM : PRESET_HF, &p, f.z, V, &f.ws, &f.a, &f.b);
    }
    bufs_free(&f);
}

/* each tier, and below every tier, at a few vocabulary sizes */
static void test_tiers(void **st)
{
    (void)st;
    run_tiers(5000, 11);
    run_tiers(40000, 12);
    run_tiers(131072, 13);
}

/* Zipf-like steps (most of the mass within a few nats, a long tail) */
static void test_zipf(void **st)
{
    (void)st;
    uint32_t V = 65536;
    struct bufs f;
    struct rng g;
    bufs_init(&f, V);
    rng_seed(&g, 17);
    static const double temps[5] = { 0.3, 0.7, 1.0, 1.05, 1.5 }, tops[4] = { 0.5, 0.8, 0.9, 0.95 };
    for (int t = 0; t < 30; t++) {
        for (uint32_t i = 0; i < V; i++)
            f.z[i] = (float)(-1.1 * log(1 + rng_uniform(&g) * V) + 3.0 * rng_uniform(&g));
        struct params p = PARAMS_OFF;
        p.temperature = temps[t % 5];
        p.top_p = tops[t % 4];
        p.min_keep = 1;
        compare(t % 2 ? PRESET_HF : PRESET_VLLM, &p, f.z, V, &f.ws, &f.a, &f.b);
    }
    bufs_free(&f);
}

/* a broad step (in y = z / T): a top token at 0, K more within 4 nats,
 * M in a tail from `tail` to tail + 3 nats down, the rest `rest` nats down */
static void broad_step(struct rng *g, float *z, uint32_t V, uint32_t K, uint32_t M, double tail, double T, double rest)
{
    for (uint32_t i = 0; i < V; i++) z[i] = (float)(T * (-rest - rng_uniform(g)));
    for (uint32_t k = 0; k < M; k++) z[(uint32_t)(rng_uniform(g) * V)] = (float)(-T * (tail + 3.0 * rng_uniform(g)));
    for (uint32_t k = 0; k < K; k++) z[(uint32_t)(rng_uniform(g) * V)] = (float)(-T * 4.0 * rng_uniform(g));
    z[(uint32_t)(rng_uniform(g) * V)] = 0.0f;
}

/* f.z through the reference (f.b) and the fast run (f.a) of preset sys
 * for want, compared (the masses within CMP_MASSES_NEAR: a draw and
 * scores read none, NaN in the fast run; with more flags) */
static void ref_and_fast(struct bufs *f, enum preset sys, const struct params *p, uint32_t V, int want, int flags)
{
    struct ls_error err = {0};
    struct chain c;
    chain_preset(&c, sys);
    f->ws.want = want;
    f->ws.reference = 1;
    assert_int_equal(chain_run(&c, p, f->z, V, &f->ws, &f->b, &err), 0);
    f->ws.reference = 0;
    assert_int_equal(chain_run(&c, p, f->z, V, &f->ws, &f->a, &err), 0);
    chain_cmp(&f->b, &f->a, CMP_MASSES_NEAR | flags);
}

/* A run that only draws (no masses: emu_trim_torch's float total) on
 * broad steps whose crossing lies past the middle tier: in deep_tier's
 * list or below it, or the margin test hopeless (thousands of tokens each
 * far below it); against the reference, CHAIN_WANT_DRAW on both. */
static void test_draw_deep(void **st)
{
    (void)st;
    uint32_t V = 131072;
    struct bufs f;
    struct rng g;
    bufs_init(&f, V);
    rng_seed(&g, 23);
    static const double tails[4] = { 7.0, 8.5, 10.0, 11.5 }, temps[3] = { 0.7, 1.0, 1.3 };
    static const double tops[3] = { 0.9, 0.8, 0.95 };
    for (int t = 0; t < 48; t++) {
        struct params p = PARAMS_OFF;
        p.temperature = temps[t % 3];
        p.top_p = tops[(t / 3) % 3];
        p.min_keep = 1;
        uint32_t M = 1000 + (uint32_t)(rng_uniform(&g) * (t % 2 ? 10000 : 100000));
        broad_step(&g, f.z, V, 2 + (uint32_t)(rng_uniform(&g) * 30), M, tails[t % 4], p.temperature, 60.0);
        if (t % 12 == 11) f.z[(uint32_t)(rng_uniform(&g) * V)] = 3e38f; /* y = z / T overflows: not the bands */
        ref_and_fast(&f, t % 4 == 3 ? PRESET_VLLM : PRESET_HF, &p, V, CHAIN_WANT_DRAW, 0);
    }
    f.ws.want = CHAIN_WANT_ALL;
    bufs_free(&f);
}

/* emu_torch_topp_run's bands without d's estimates (a run reading no
 * masses and no min-p after top-p: the float exps stand for d within a
 * bound; where its margin does not decide, or the logits span over 80
 * nats, the estimates are made and the bands asked again) on broad steps
 * for eval's scores (the raw masses, retained mass and entropy read) and
 * draws, with and without a min-p, against the reference */
static void test_scores_deep(void **st)
{
    (void)st;
    uint32_t V = 131072;
    struct bufs f;
    struct rng g;
    bufs_init(&f, V);
    rng_seed(&g, 29);
    static const double tails[3] = { 8.5, 10.0, 11.5 }, rests[3] = { 60.0, 100.0, 30.0 };
    for (int t = 0; t < 24; t++) {
        struct params p = PARAMS_OFF;
        p.temperature = t % 2 ? 0.7 : 1.0;
        p.top_p = t % 3 ? 0.9 : 0.8;
        p.min_keep = 1;
        if (t % 8 == 7) p.min_p = 1e-6;
        uint32_t M = 2000 + (uint32_t)(rng_uniform(&g) * 60000);
        broad_step(&g, f.z, V, 2 + (uint32_t)(rng_uniform(&g) * 30), M, tails[t % 3], p.temperature, rests[(t / 3) % 3]);
        ref_and_fast(&f, t % 4 == 3 ? PRESET_VLLM : PRESET_HF, &p, V, t % 2 ? CHAIN_WANT_SCORES : CHAIN_WANT_DRAW,
                     t % 2 ? CMP_SCORES : 0);
    }
    f.ws.want = CHAIN_WANT_ALL;
    bufs_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_zipf),
        cmocka_unit_test(test_draw_deep),
        cmocka_unit_test(test_scores_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
