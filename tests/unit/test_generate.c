/* test_generate.c: generation's carried state and cost (model/generate.h),
 * on a small synthetic model source (logits from the last token only, no
 * end-of-text), so the tests need no training:
 *   - mirostat v2's mu is updated after every token (chain_accept): the
 *     continuation differs from a run that keeps mu at its start value, mu
 *     moves, and a fork resumes with the mu of its step;
 *   - each continuation keeps its own mu when several share one gen_ws;
 *   - a step's cost does not grow with the position (the context is
 *     appended in place, never copied per step). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "model/generate.h"

enum { FV = 256 };

static int fake_next(struct model *m, const int32_t *ctx, uint32_t n, float *out, struct ls_error *err)
{
    (void)err;
    uint32_t last = n ? (uint32_t)ctx[n - 1] : 0;
    for (uint32_t w = 0; w < m->V; w++) out[w] = -0.04f * (float)((w * 31u + last * 17u) % m->V);
    return LS_OK;
}

static void fake_close(struct model *m)
{
    vocab_free((struct vocab *)m->impl);
}

static const struct model_ops fake_ops = { "fake", fake_next, NULL, fake_close };

static struct model *fake_model(uint32_t V)
{
    struct model *m = calloc(1, sizeof *m);
    struct vocab *v = vocab_new();
    assert_non_null(m);
    assert_non_null(v);
    for (uint32_t w = 0; w < V; w++) {
        char t[2] = { (char)('a' + w % 26), 0 };
        assert_true(vocab_add(v, t, 1) >= 0);
    }
    m->ops = &fake_ops;
    m->impl = v;
    m->V = V;
    m->eos = -1;
    m->vocab = v;
    return m;
}

static struct gen_request mirostat_request(const int32_t *prompt, uint32_t max_tokens)
{
    struct gen_request r;
    memset(&r, 0, sizeof r);
    struct ls_error err = {0};
    assert_int_equal(chain_parse("llama.cpp", &r.chain, &err), LS_OK);
    r.params = PARAMS_OFF;
    r.params.mirostat = 2;
    r.params.mirostat_tau = 3.0;
    r.params.mirostat_eta = 0.5;
    r.prompt = prompt;
    r.n_prompt = 1;
    r.seed = 11;
    r.max_tokens = max_tokens;
    return r;
}

/* Continuation idx, with chain_accept's update (fixed = 0) or with mu
 * put back to "not set" before every step (fixed = 1: mu stays 2 tau). */
static void run(struct model *m, const struct gen_request *r, uint32_t idx, int fixed, struct gen_cont *c,
                struct gen_ws *ws)
{
    struct ls_error err = {0};
    gen_begin(c, r, idx);
    while (!c->end) {
        if (fixed) c->mu_set = 0;
        assert_int_equal(gen_step(m, r, c, ws, &err), LS_OK);
    }
}

static void test_mirostat_mu_moves(void **state)
{
    (void)state;
    struct model *m = fake_model(FV);
    int32_t prompt[1] = { 3 };
    struct gen_request r = mirostat_request(prompt, 48);
    struct gen_ws ws;
    assert_int_equal(gen_ws_init(&ws, m->V), 0);
    uint32_t differ = 0;
    for (uint32_t i = 0; i < 4; i++) {
        struct gen_cont a, b;
        run(m, &r, i, 0, &a, &ws);
        run(m, &r, i, 1, &b, &ws);
        assert_int_equal(a.n, 48);
        differ += strcmp(a.text, b.text) != 0;
        /* mu after each step follows mu -= eta (-log2 p - tau) */
        double mu = 2.0 * r.params.mirostat_tau;
        for (uint32_t s = 0; s < a.n; s++) {
            mu = (float)((float)mu - (float)r.params.mirostat_eta * (-log2f((float)a.p[s]) - (float)r.params.mirostat_tau));
            assert_float_equal(a.mu[s], mu, 1e-4);
        }
        assert_true(fabs(a.mu[a.n - 1] - 2.0 * r.params.mirostat_tau) > 1e-3);
        gen_cont_free(&a);
        gen_cont_free(&b);
    }
    assert_true(differ > 0);
    gen_ws_free(&ws);
    model_close(m);
}

/* Continuations stepped in turn on one gen_ws give the same texts as
 * continuations run one after another, and a fork at step s with the
 * token drawn there reproduces the text (mu restored from step s - 1). */
static void test_mu_per_continuation_and_fork(void **state)
{
    (void)state;
    struct model *m = fake_model(FV);
    int32_t prompt[1] = { 5 };
    struct gen_request r = mirostat_request(prompt, 40);
    struct gen_ws ws;
    struct ls_error err = {0};
    assert_int_equal(gen_ws_init(&ws, m->V), 0);
    struct gen_cont alone[3], mixed[3];
    for (uint32_t i = 0; i < 3; i++) run(m, &r, i, 0, &alone[i], &ws);
    for (uint32_t i = 0; i < 3; i++) gen_begin(&mixed[i], &r, i);
    for (uint32_t s = 0; s < 40; s++)
        for (uint32_t i = 0; i < 3; i++) assert_int_equal(gen_step(m, &r, &mixed[i], &ws, &err), LS_OK);
    for (uint32_t i = 0; i < 3; i++) assert_string_equal(mixed[i].text, alone[i].text);
    for (uint32_t s = 1; s < 40; s += 13) {
        assert_int_equal(gen_fork(m, &r, &mixed[0], s, alone[0].ids[s], &err), LS_OK);
        assert_int_equal(gen_run(m, &r, &mixed[0], &ws, &err), LS_OK);
        assert_string_equal(mixed[0].text, alone[0].text);
    }
    for (uint32_t i = 0; i < 3; i++) { gen_cont_free(&alone[i]); gen_cont_free(&mixed[i]); }
    gen_ws_free(&ws);
    model_close(m);
}

/* Fastest block of 500 steps among the first blocks and among the last:
 * the minimum is what the machine's noise cannot inflate. Copying the
 * context every step (V = 16: the chain costs little) made the late
 * blocks cost ~5 times the early ones. */
static void test_step_cost_flat(void **state)
{
    (void)state;
    enum { N = 60000, BLK = 500 };
    struct model *m = fake_model(16);
    int32_t *prompt = calloc(N, sizeof *prompt);   /* a long prompt: position starts high for late blocks */
    assert_non_null(prompt);
    struct gen_request r;
    memset(&r, 0, sizeof r);
    chain_preset(&r.chain, PRESET_HF);
    r.params = PARAMS_OFF;
    r.prompt = prompt;
    r.seed = 1;
    r.max_tokens = 4 * BLK;
    struct gen_ws ws;
    struct ls_error err = {0};
    assert_int_equal(gen_ws_init(&ws, m->V), 0);
    double best[2] = { 1e18, 1e18 };
    for (int rep = 0; rep < 3; rep++) {
        for (int late = 0; late < 2; late++) {
            r.n_prompt = late ? N : 1;
            struct gen_cont c;
            gen_begin(&c, &r, 0);
            for (uint32_t b = 0; b < 4; b++) {
                int64_t t0 = clock_ns();
                for (uint32_t s = 0; s < BLK; s++) assert_int_equal(gen_step(m, &r, &c, &ws, &err), LS_OK);
                double t = (double)(clock_ns() - t0);
                if (t < best[late]) best[late] = t;
            }
            gen_cont_free(&c);
        }
    }
    printf("  fastest 500 steps at position ~0: %.0f us, at ~%u: %.0f us\n", best[0] / 1e3, N, best[1] / 1e3);
    assert_true(best[1] < 2.0 * best[0]);
    gen_ws_free(&ws);
    free(prompt);
    model_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mirostat_mu_moves),
        cmocka_unit_test(test_mu_per_continuation_and_fork),
        cmocka_unit_test(test_step_cost_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
