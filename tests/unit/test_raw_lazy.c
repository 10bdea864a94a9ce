/* test_raw_lazy.c: the raw softmax's pending division (chain_result.raw_div,
 * CHAIN_WANT_SCORES on the system emulation) against the eager one: a
 * sweep's settings run on one step (the first by chain_run, the others by
 * chain_rerun on a copy sharing its p_raw, as eval does) give bit-identical
 * p, masses, entropies and raw probabilities, lazy or not, step after step
 * (the worker turns eager once a run reads the whole array), and with
 * chain_ws.raw_total_wanted (the total summed in the division's pass). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/chain.h"
#include "base/rng.h"

enum { V = 3000, NSET = 5, NSTEP = 6 };

struct side {
    struct chain_ws ws;
    struct chain_result res[NSET];
};

static void side_init(struct side *s, int want)
{
    assert_int_equal(chain_ws_init(&s->ws, V), 0);
    s->ws.want = want;
    for (int k = 0; k < NSET; k++) assert_int_equal(chain_result_init(&s->res[k], V), 0);
    for (int k = 1; k < NSET; k++) { free(s->res[k].p_raw); s->res[k].p_raw = s->res[0].p_raw; }
}

static void side_free(struct side *s)
{
    for (int k = 1; k < NSET; k++) s->res[k].p_raw = NULL;
    for (int k = 0; k < NSET; k++) chain_result_free(&s->res[k]);
    chain_ws_free(&s->ws);
}

/* one step's settings, as eval's compute_setting runs them */
static void side_step(struct side *s, const struct chain *c, const struct params *ps, const float *z)
{
    struct ls_error e = {0};
    for (int k = 0; k < NSET; k++) {
        if (k > 0) chain_result_copy_raw(&s->res[k], &s->res[0]);
        int rc = k ? chain_rerun(c, &ps[k], z, V, &s->ws, &s->res[k], &e)
                   : chain_run(c, &ps[k], z, V, &s->ws, &s->res[k], &e);
        assert_int_equal(rc, 0);
    }
}

static void same_result(struct chain_result *a, struct chain_result *b)
{
    assert_int_equal(a->n_kept, b->n_kept);
    for (uint32_t j = 0; j < a->n_kept; j++) assert_int_equal(a->kept[j], b->kept[j]);
    for (uint32_t i = 0; i < V; i++) {
        assert_true(a->p[i] == b->p[i]);
        assert_true(chain_raw_p(a, i) == chain_raw_p(b, i));
        assert_int_equal(a->cut_by[i], b->cut_by[i]);
    }
    /* a plain temperature's scores leave retained_mass NaN (eval reads
     * none): every token kept, it is the step's raw total */
    if (isnan(b->retained_mass) && b->n_kept == V) assert_true(a->retained_mass == chain_raw_total(b));
    else assert_true(a->retained_mass == b->retained_mass);
    assert_true(a->entropy_after == b->entropy_after);
    assert_true(a->entropy_before == b->entropy_before);
    assert_true(a->lse_raw == b->lse_raw);
    assert_true(chain_raw_total(a) == chain_raw_total(b));
}

static void check_settings(enum preset pr, const struct params *ps, int expect_lazy)
{
    struct chain c;
    chain_preset(&c, pr);
    struct side all, sc, hint;
    side_init(&all, CHAIN_WANT_ALL);
    side_init(&sc, CHAIN_WANT_SCORES);
    /* eval's hint that a later setting reads the raw total (a T = 1 row):
     * the division sums it in the same pass, with the same bits */
    side_init(&hint, CHAIN_WANT_SCORES);
    hint.ws.raw_total_wanted = 1;
    float *z = malloc(V * sizeof *z);
    struct rng g;
    rng_seed(&g, 7);
    int lazy_seen = 0;
    for (int t = 0; t < NSTEP; t++) {
        for (uint32_t i = 0; i < V; i++) z[i] = (float)((rng_uniform(&g) * 2 - 1) * (2 + 3 * t));
        if (t == 2) z[5] = -INFINITY; /* a masked token: weight 0 either way */
        side_step(&all, &c, ps, z);
        side_step(&sc, &c, ps, z);
        side_step(&hint, &c, ps, z);
        lazy_seen |= sc.res[0].raw_div > 0;
        assert_true(all.res[0].raw_div == 0);
        for (int k = 0; k < NSET; k++) same_result(&all.res[k], &sc.res[k]);
        for (int k = 0; k < NSET; k++) same_result(&all.res[k], &hint.res[k]);
    }
    assert_int_equal(lazy_seen, expect_lazy);
    free(z);
    side_free(&all);
    side_free(&sc);
    side_free(&hint);
}

/* sweep-like: greedy, temperatures, and T = 1 (the fast path on a lazy
 * raw copy); the greedy sum reads every p_raw, so the worker turns eager */
static void test_sweep_temperatures(void **state)
{
    (void)state;
    struct params ps[NSET];
    double T[NSET] = { 0, 0.4, 0.7, 1, 1.3 };
    for (int k = 0; k < NSET; k++) { ps[k] = PARAMS_OFF; ps[k].temperature = T[k]; }
    check_settings(PRESET_HF, ps, 1);
    check_settings(PRESET_LLAMACPP, ps, 1);
}

/* eval-like: top-p and top-k after a temperature read the kept few: lazy
 * at every step */
static void test_eval_top_p(void **state)
{
    (void)state;
    struct params ps[NSET];
    for (int k = 0; k < NSET; k++) {
        ps[k] = PARAMS_OFF;
        ps[k].temperature = 0.7 + 0.1 * k;
        ps[k].top_p = 0.95;
        if (k == 3) ps[k].top_k = 40;
        if (k == 4) ps[k].min_p = 0.05;
    }
    check_settings(PRESET_HF, ps, 1);
    check_settings(PRESET_VLLM, ps, 1);
    check_settings(PRESET_LLAMACPP, ps, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_temperatures),
        cmocka_unit_test(test_eval_top_p),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
