/* test_mirostat_path.c: every caller that runs the chain over a sequence
 * carries mirostat's mu along the recorded tokens (chain_accept after each
 * step): show's replay (input/replay.h), eval and sweep (eval.c), the
 * explorer's step view and its sequence work. Each is compared with a
 * straightforward loop over the steps; a caller that forgets to accept
 * keeps mu at 2 tau and differs as soon as mu moves. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "explorer/explorer.h"
#include "input/replay.h"
#include "input/synth_source.h"
#include "sampling/chain.h"

enum { V = 64, N = 12 };

struct path {
    double p[N];   /* final p of the recorded token at each step */
    double mu[N];  /* mu before each step */
};

static struct source *synth(void)
{
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_synthetic(V, N, 11, &s, &e), 0);
    return s;
}

static void setting(int version, struct chain *c, struct params *p)
{
    chain_preset(c, PRESET_LLAMACPP);
    *p = PARAMS_OFF;
    p->mirostat = version;
    p->mirostat_tau = 3;   /* mu starts at 6 bits: it cuts, and moves */
    p->mirostat_eta = 0.5;
}

/* the reference: run every step, accept its recorded token */
static void reference(struct source *s, const struct chain *c, const struct params *p, struct path *out)
{
    struct chain_ws ws;
    struct chain_result r;
    float z[V];
    struct step_info si;
    struct ls_error e = {0};
    assert_int_equal(chain_ws_init(&ws, V), 0);
    assert_int_equal(chain_result_init(&r, V), 0);
    for (uint32_t t = 0; t < N; t++) {
        assert_int_equal(source_read_step(s, t, z, &si, &e), 0);
        out->mu[t] = ws.mu_set ? ws.mu : 2 * p->mirostat_tau;
        assert_int_equal(chain_run(c, p, z, V, &ws, &r, &e), 0);
        assert_true(si.token >= 0);
        out->p[t] = r.p[si.token];
        chain_accept(c, p, &ws, &r, si.token);
    }
    /* mu moved: a caller that never accepts would differ */
    assert_true(fabs(out->mu[N - 1] - out->mu[0]) > 0.1);
    chain_ws_free(&ws);
    chain_result_free(&r);
}

/* show --step N: the replay to N, then step N, forward and back */
static void test_replay(void **st)
{
    (void)st;
    struct source *s = synth();
    for (int ver = 1; ver <= 2; ver++) {
        struct chain c;
        struct params p;
        struct path ref;
        setting(ver, &c, &p);
        reference(s, &c, &p, &ref);
        struct replay h;
        struct chain_ws ws;
        struct chain_result r;
        float z[V];
        struct step_info si;
        struct ls_error e = {0};
        assert_int_equal(replay_init(&h, N), 0);
        assert_int_equal(chain_ws_init(&ws, V), 0);
        assert_int_equal(chain_result_init(&r, V), 0);
        static const uint32_t order[] = { 3, 7, 11, 2, 0, 9, 9, 5 };
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            uint32_t t = order[k];
            assert_int_equal(replay_to(&h, s, &c, &p, t, 1, z, &si, &ws, &r, &e), 0);
            assert_true(fabs((ws.mu_set ? ws.mu : 2 * p.mirostat_tau) - ref.mu[t]) < 1e-9);
            assert_int_equal(source_read_step(s, t, z, &si, &e), 0);
            assert_int_equal(chain_run(&c, &p, z, V, &ws, &r, &e), 0);
            assert_true(r.p[si.token] == ref.p[t]);
            if (k % 2) replay_accept(&h, &c, &p, t, si.token, &ws, &r);
        }
        replay_free(&h);
        chain_ws_free(&ws);
        chain_result_free(&r);
    }
    source_close(s);
}

/* eval (and sweep, which runs its rows through the same eval): each
 * setting keeps its own mu, along the recorded tokens */
static void test_eval(void **st)
{
    (void)st;
    struct source *s = synth();
    struct eval_settings set[2];
    struct path ref[2];
    for (int k = 0; k < 2; k++) {
        setting(k + 1, &set[k].chain, &set[k].params);
        reference(s, &set[k].chain, &set[k].params, &ref[k]);
    }
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 2;
    struct eval_run *run = NULL;
    struct ls_error e = {0};
    assert_int_equal(eval_source(s, &cfg, set, 2, NULL, &run, &e), 0);
    for (int k = 0; k < 2; k++) {
        struct eval_step_series ser;
        eval_run_series(run, (size_t)k, &ser);
        for (int t = 0; t < N; t++) assert_true(fabs(ser.p_chain[t] - ref[k].p[t]) < 1e-12);
    }
    eval_run_free(run);
    source_close(s);
}

/* the explorer: the sequence work and the step view */
static void test_explorer(void **st)
{
    (void)st;
    struct chain c;
    struct params p;
    struct path ref;
    struct source *s = synth();
    setting(2, &c, &p);
    reference(s, &c, &p, &ref);
    struct explorer ex;
    struct ls_error e = {0};
    explorer_init(&ex);
    assert_int_equal(explorer_set_source(&ex, s, &e), 0);
    assert_int_equal(explorer_set_chain(&ex, &c), 0);
    assert_int_equal(explorer_set_params(&ex, &p), 0);
    explorer_update(&ex);
    while (explorer_work(&ex, 1000000)) ;
    const struct ex_seq *q = explorer_seq(&ex);
    assert_non_null(q);
    for (int t = 0; t < N; t++) assert_true(fabs(q->p[t] - (float)ref.p[t]) < 1e-7);
    static const int64_t steps[] = { 7, 2, 11, 0 };
    for (size_t k = 0; k < 4; k++) {
        explorer_set_step(&ex, steps[k]);
        explorer_update(&ex);
        assert_true(ex.res_ok);
        assert_true(ex.res.p[ex.info.token] == ref.p[steps[k]]);
    }
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_explorer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
