/* test_eval.c: evaluators on small in-memory dumps whose answers are known
 * by hand, the continuation draws against the reference draw, determinism, and the
 * external evaluator runner with tests/data/eval/score.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/eval_impl.h"
#include "ref_draw.h"
#include "base/rng.h"

/* ---- an in-memory source ---- */
struct mem { float *z; int32_t *tok; int sparse; double tail; };

static int mem_read(struct source *s, uint32_t step, float *logits, struct step_info *info, struct ls_error *err)
{
    (void)err;
    struct mem *m = s->impl;
    memcpy(logits, m->z + (size_t)step * s->vocab_size, s->vocab_size * sizeof *logits);
    for (uint32_t i = 0; i < s->vocab_size; i++) {
        float z = logits[i];
        if (isnan(z)) info->n_nan++;
        else if (isinf(z)) { if (z > 0) info->n_posinf++; else info->n_neginf++; }
    }
    info->token = m->tok[step];
    if (m->sparse) {
        info->sparse = 1;
        info->n_known = s->vocab_size - info->n_neginf;
        info->tail_mass = m->tail;
    }
    return LS_OK;
}

static void mem_close(struct source *s)
{
    struct mem *m = s->impl;
    free(m->z); free(m->tok); free(m);
}

static const struct source_ops mem_ops = { "mem", mem_read, mem_close };

/* logits: steps*V floats; tokens: steps ids; words: V strings or NULL */
static struct source *mem_source(uint32_t V, uint32_t steps, const float *z, const int32_t *tok,
                                 const char *const *words)
{
    struct source *s = source_alloc(&mem_ops, "mem");
    struct mem *m = calloc(1, sizeof *m);
    m->z = malloc((size_t)V * steps * sizeof *m->z);
    m->tok = malloc(steps * sizeof *m->tok);
    memcpy(m->z, z, (size_t)V * steps * sizeof *m->z);
    memcpy(m->tok, tok, steps * sizeof *m->tok);
    s->impl = m;
    s->n_steps = steps;
    s->vocab_size = V;
    s->has_tokens = 1;
    if (words) {
        s->vocab = vocab_new();
        for (uint32_t i = 0; i < V; i++) vocab_add(s->vocab, words[i], strlen(words[i]));
    }
    return s;
}

static struct eval_settings settings(double T, int32_t k, double p)
{
    struct eval_settings st;
    chain_preset(&st.chain, PRESET_HF);
    st.params = PARAMS_OFF;
    st.params.temperature = T;
    st.params.top_k = k;
    st.params.top_p = p;
    return st;
}

static const struct eval_scores *run1(struct source *s, struct eval_config *cfg, struct eval_settings st,
                                      struct eval_run **run)
{
    struct ls_error err = {0};
    int rc = eval_source(s, cfg, &st, 1, NULL, run, &err);
    if (rc) fprintf(stderr, "eval: %s\n", err.msg);
    assert_int_equal(rc, LS_OK);
    return eval_run_scores(*run, 0);
}

#define NEAR(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))
#define LN2 0.69314718055994530942

/* two tokens, p = (1/4, 3/4) (computed from the float32 logits) */
static void test_two_token(void **state)
{
    (void)state;
    float z[2] = { 0.0f, (float)log(3.0) };
    int32_t tok[1] = { 1 };
    const char *w[2] = { "a", "bb" };
    struct source *s = mem_source(2, 1, z, tok, w);
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 10;
    struct eval_run *run;
    const struct eval_scores *sc = run1(s, &cfg, settings(1, 0, 1), &run);
    double p1 = 1.0 / (1.0 + exp(-(double)z[1])); /* exactly the softmax of the stored floats */
    double nll = -log(p1);
    NEAR(sc->nll_raw_nats, nll, 1e-12);
    NEAR(sc->perplexity_raw, 1.0 / p1, 1e-12);
    NEAR(sc->nll_raw_bits, nll / LN2, 1e-12);
    NEAR(sc->bits_per_byte, nll / (2 * LN2), 1e-12); /* "bb" is 2 bytes */
    NEAR(sc->perplexity_chain, 1.0 / p1, 1e-12);
    assert_int_equal(sc->n_recorded, 1);
    NEAR(sc->cut_rate, 0, 0);
    NEAR(sc->top1_agreement, 1, 0);
    NEAR(sc->mean_kept, 2, 0);
    double H = -(p1 * log(p1) + (1 - p1) * log(1 - p1));
    NEAR(sc->mean_entropy_nats, H, 1e-12);
    NEAR(sc->clipping_rate, 0, 0);
    assert_false(sc->approximate);
    assert_true(isnan(sc->perplexity_raw_se)); /* one token: no error */
    eval_run_free(run);
    source_close(s);
}

/* three steps with NLLs ln 4, -ln(3/4), ln 4 */
static void test_nll_sum(void **state)
{
    (void)state;
    float L3 = (float)log(3.0), L2 = (float)log(2.0), NI = -INFINITY;
    float z[12] = { 0, 0, 0, 0,   0, L3, NI, NI,   L2, 0, 0, NI };
    int32_t tok[3] = { 0, 1, 2 };
    const char *w[4] = { "w", "x", "y", "z" };
    struct source *s = mem_source(4, 3, z, tok, w);
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 4;
    struct eval_run *run;
    const struct eval_scores *sc = run1(s, &cfg, settings(1, 0, 1), &run);
    double n0 = log(4.0);
    double n1 = log(1.0 + exp((double)L3)) - (double)L3;
    double n2 = log(exp((double)L2) + 2.0);
    double m = (n0 + n1 + n2) / 3;
    NEAR(sc->nll_raw_nats, m, 1e-12);
    NEAR(sc->perplexity_raw, exp(m), 1e-12);
    double q = (n0 * n0 + n1 * n1 + n2 * n2) / 3;
    NEAR(sc->perplexity_raw_se, exp(m) * sqrt((q - m * m) / 2), 1e-12);
    NEAR(sc->bits_per_byte, (n0 + n1 + n2) / (3 * LN2), 1e-12);
    /* top-1: step 0 argmax is token 0 (first max) = recorded; step 1 yes;
     * step 2 argmax 0 != 2 */
    NEAR(sc->top1_agreement, 2.0 / 3.0, 1e-15);
    /* clipping: 3 -inf logits of 12 are non-finite */
    assert_int_equal(sc->n_clipped, 3);
    NEAR(sc->clipping_rate, 3.0 / 12.0, 1e-15);
    struct eval_step_series ser;
    eval_run_series(run, 0, &ser);
    NEAR(ser.nll_raw[1], n1, 1e-12);
    assert_int_equal(ser.clipped[1], 2);
    eval_run_free(run);

    /* top-k 1: the recorded token of step 2 is cut; perplexity over the rest */
    sc = run1(s, &cfg, settings(1, 1, 1), &run);
    assert_int_equal(sc->n_cut, 1);
    NEAR(sc->cut_rate, 1.0 / 3.0, 1e-15);
    assert_int_equal(sc->n_uncut, 2);
    /* step 0: top-k 1 keeps ties (hf) -> 4 tokens, p = 1/4; step 1: p = 1 */
    NEAR(sc->perplexity_chain, exp((log(4.0) + 0.0) / 2), 1e-12);
    NEAR(sc->perplexity_raw, exp(m), 1e-12); /* raw does not depend on the chain */
    eval_run_free(run);
    source_close(s);
}

/* the {"a":1} model: T=0 gives the recorded text (valid); the coin flip at
 * T=1 gives ~1/2 valid; regex, schema-lite, stop token, diversity. */
static const char *const jw[8] = { "{", "\"a\":1", "oops", "}", "</s>", " ", "x", "\"b\":2" };

static struct source *jsonish(void)
{
    float z[32];
    for (int i = 0; i < 32; i++) z[i] = -12.0f;
    z[0 * 8 + 0] = 0; z[1 * 8 + 1] = 0; z[1 * 8 + 2] = 0; z[2 * 8 + 3] = 0; z[3 * 8 + 4] = 0;
    int32_t tok[4] = { 0, 1, 3, 4 };
    return mem_source(8, 4, z, tok, jw);
}

static void test_json_validity(void **state)
{
    (void)state;
    struct source *s = jsonish();
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 2000;
    cfg.regex = "^\\{\"a\":[0-9]+\\}$";
    cfg.json_keys = "a";
    struct eval_run *run;
    const struct eval_scores *sc = run1(s, &cfg, settings(0, 0, 1), &run);
    NEAR(sc->json_valid_share, 1, 0);
    assert_int_equal(sc->n_json_valid, 2000);
    NEAR(sc->json_keys_share, 1, 0);
    NEAR(sc->regex_match_share, 1, 0);
    NEAR(sc->json_valid_ci[1], 1, 0);
    NEAR(sc->recorded_agreement, 1, 0);
    /* greedy: all continuations equal: 4 distinct tokens of 4*2000 */
    NEAR(sc->distinct_1, 4.0 / 8000.0, 1e-15);
    NEAR(sc->distinct_2, 3.0 / 6000.0, 1e-15);
    eval_run_free(run);

    /* T = 1: "a":1 vs oops at p = 1/2 each (others ~e^-12) */
    sc = run1(s, &cfg, settings(1, 0, 1), &run);
    assert_true(sc->json_valid_share > 0.45 && sc->json_valid_share < 0.55);
    assert_true(sc->json_valid_ci[0] < 0.5 && sc->json_valid_ci[1] > 0.5);
    NEAR(sc->json_keys_share, sc->json_valid_share, 0.01); /* "b":2 is the only other valid object */
    assert_true(sc->regex_match_share <= sc->json_valid_share);
    eval_run_free(run);

    /* without the stop list, "</s>" is text and nothing is valid JSON */
    cfg.n_stop = 0;
    sc = run1(s, &cfg, settings(0, 0, 1), &run);
    NEAR(sc->json_valid_share, 0, 0);
    eval_run_free(run);
    /* a user stop list */
    cfg.n_stop = 1;
    cfg.stop[0] = "</s>";
    sc = run1(s, &cfg, settings(0, 0, 1), &run);
    NEAR(sc->json_valid_share, 1, 0);
    eval_run_free(run);
    source_close(s);
}

static void test_wilson(void **state)
{
    (void)state;
    double ci[2];
    eval_wilson(5, 10, ci);         /* textbook: 0.2366 .. 0.7634 */
    NEAR(ci[0], 0.236593, 1e-6);
    NEAR(ci[1], 0.763407, 1e-6);
    eval_wilson(0, 10, ci);
    NEAR(ci[0], 0, 0);
    NEAR(ci[1], 0.277533, 1e-6);
    eval_wilson(10, 10, ci);
    NEAR(ci[1], 1, 0);
    NEAR(ci[0], 0.722467, 1e-6);
    eval_wilson(0, 0, ci);
    assert_true(isnan(ci[0]) && isnan(ci[1]));
}

/* the parallel draws equal the plain reference draw (ref_draw.h) with the
 * documented streams */
static void test_draws_match_reference(void **state)
{
    (void)state;
    enum { V = 50, S = 6, N = 5 };
    float z[V * S];
    struct rng g;
    rng_seed(&g, 7);
    for (int i = 0; i < V * S; i++) z[i] = (float)(rng_uniform(&g) * 6.0 - 3.0);
    int32_t tok[S] = { 1, 2, 3, 4, 5, 6 };
    struct source *s = mem_source(V, S, z, tok, NULL);
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = N;
    cfg.seed = 1234;
    struct eval_settings st[2] = { settings(0.8, 0, 0.9), settings(1.3, 10, 1) };
    struct eval_run *run;
    struct ls_error err = {0};
    assert_int_equal(eval_source(s, &cfg, st, 2, NULL, &run, &err), LS_OK);
    struct chain_ws ws;
    struct chain_result res;
    chain_ws_init(&ws, V);
    chain_result_init(&res, V);
    for (int k = 0; k < 2; k++) {
        struct rng master, gi[N];
        rng_seed(&master, 1234);
        for (int i = 0; i < N; i++) rng_seed(&gi[i], rng_next(&master));
        const int32_t *t = eval_run_tokens(run, (size_t)k);
        for (int step = 0; step < S; step++) {
            assert_int_equal(chain_run(&st[k].chain, &st[k].params, z + step * V, V, &ws, &res, &err), LS_OK);
            for (int i = 0; i < N; i++) assert_int_equal(t[i * S + step], ref_draw(&res, &gi[i]));
        }
    }
    /* no vocabulary: text scores unavailable */
    const struct eval_scores *sc = eval_run_scores(run, 0);
    assert_false(sc->texts_known);
    assert_true(isnan(sc->json_valid_share));
    assert_false(isnan(sc->distinct_1));
    chain_ws_free(&ws);
    chain_result_free(&res);
    eval_run_free(run);

    /* same seed, same tokens; other seed, other tokens */
    struct eval_run *r2, *r3;
    assert_int_equal(eval_source(s, &cfg, st, 1, NULL, &r2, &err), LS_OK);
    cfg.seed = 1235;
    assert_int_equal(eval_source(s, &cfg, st, 1, NULL, &r3, &err), LS_OK);
    assert_int_equal(eval_source(s, &(struct eval_config){ .seed = 1234, .n_samples = N, .clip_threshold = 1e4, .n_stop = -1 },
                                 st, 1, NULL, &run, &err), LS_OK);
    assert_memory_equal(eval_run_tokens(run, 0), eval_run_tokens(r2, 0), N * S * sizeof(int32_t));
    assert_memory_not_equal(eval_run_tokens(r3, 0), eval_run_tokens(r2, 0), N * S * sizeof(int32_t));
    eval_run_free(run); eval_run_free(r2); eval_run_free(r3);

    /* threads do not change results: 3 settings on 1 thread and on 3 */
    struct eval_settings st3[3] = { settings(0.8, 0, 0.9), settings(1.3, 10, 1), settings(0, 0, 1) };
    cfg.seed = 9;
    cfg.threads = 1;
    assert_int_equal(eval_source(s, &cfg, st3, 3, NULL, &r2, &err), LS_OK);
    cfg.threads = 3;
    assert_int_equal(eval_source(s, &cfg, st3, 3, NULL, &r3, &err), LS_OK);
    for (size_t k = 0; k < 3; k++) {
        assert_memory_equal(eval_run_tokens(r2, k), eval_run_tokens(r3, k), N * S * sizeof(int32_t));
        assert_memory_equal(eval_run_scores(r2, k), eval_run_scores(r3, k), sizeof(struct eval_scores));
    }
    /* common random numbers: every setting of a sweep draws from the same
     * N streams, so each gets the tokens and scores of a run of it alone */
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(eval_source(s, &cfg, &st3[k], 1, NULL, &run, &err), LS_OK);
        assert_memory_equal(eval_run_tokens(run, 0), eval_run_tokens(r2, k), N * S * sizeof(int32_t));
        assert_memory_equal(eval_run_scores(run, 0), eval_run_scores(r2, k), sizeof(struct eval_scores));
        eval_run_free(run);
    }
    eval_run_free(r2); eval_run_free(r3);
    source_close(s);
}

static void test_clipping_and_nonfinite(void **state)
{
    (void)state;
    float z[8] = { 20000.0f, 0, -INFINITY, 1,   NAN, -20000.0f, 0, 1 };
    int32_t tok[2] = { 1, 3 };
    struct source *s = mem_source(4, 2, z, tok, NULL);
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 3;
    struct eval_run *run;
    struct eval_settings st = settings(1, 0, 1);
    struct ls_error err = {0};
    /* NaN is an error by default, naming step and token */
    assert_int_equal(eval_source(s, &cfg, &st, 1, NULL, &run, &err), LS_EDATA);
    assert_non_null(strstr(err.msg, "step 1: token 0: NaN"));
    cfg.allow_nonfinite = 1;
    const struct eval_scores *sc = run1(s, &cfg, st, &run);
    assert_int_equal(sc->n_clipped, 4);
    assert_int_equal(sc->n_logits_checked, 8);
    NEAR(sc->clipping_rate, 0.5, 0);
    struct eval_step_series ser;
    eval_run_series(run, 0, &ser);
    assert_int_equal(ser.clipped[0], 2);
    assert_int_equal(ser.clipped[1], 2);
    eval_run_free(run);
    cfg.clip_threshold = 30000;
    sc = run1(s, &cfg, st, &run);
    assert_int_equal(sc->n_clipped, 2);
    eval_run_free(run);
    source_close(s);
}

static void test_sparse_is_approximate(void **state)
{
    (void)state;
    /* log-probabilities of the top 2: p = 1/2, 1/4; tail mass 1/4 unknown */
    float z[3] = { (float)log(0.5), (float)log(0.25), -INFINITY };
    int32_t tok[1] = { 1 };
    struct source *s = mem_source(3, 1, z, tok, NULL);
    ((struct mem *)s->impl)->sparse = 1;
    ((struct mem *)s->impl)->tail = 0.25;
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 2;
    struct eval_run *run;
    const struct eval_scores *sc = run1(s, &cfg, settings(1, 0, 1), &run);
    /* nothing cut at T = 1: every result is the file's (issue 12) */
    assert_false(sc->approximate);
    assert_int_equal(sc->n_topn, 1);
    assert_int_equal(sc->n_topn_bounded, 0);
    /* the NLL of a sparse step is the file's log-probability, ln 4, not the
     * renormalised -ln(1/3) */
    NEAR(sc->nll_raw_nats, -(double)(float)log(0.25), 1e-15);
    /* the unknown tail is not "clipped" */
    assert_int_equal(sc->n_clipped, 0);
    assert_int_equal(sc->n_logits_checked, 2);
    eval_run_free(run);
    /* top-k 3 over 2 listed tokens keeps unknown ones: bounded, and said so */
    sc = run1(s, &cfg, settings(1, 3, 1), &run);
    assert_true(sc->approximate);
    assert_int_equal(sc->n_topn_bounded, 1);
    eval_run_free(run);
    source_close(s);
}

static void test_limits_and_usage(void **state)
{
    (void)state;
    float z[2] = { 0, 0 };
    int32_t tok[1] = { 0 };
    struct source *s = mem_source(2, 1, z, tok, NULL);
    struct eval_config cfg;
    eval_config_init(&cfg);
    struct eval_run *run = NULL;
    struct eval_settings st = settings(1, 0, 1);
    struct ls_error err = {0};
    cfg.n_samples = 0;
    assert_int_equal(eval_run_new(s, &cfg, &st, 1, &run, &err), LS_EUSAGE);
    cfg.n_samples = 10;
    cfg.regex = "(";
    assert_int_equal(eval_run_new(s, &cfg, &st, 1, &run, &err), LS_EUSAGE);
    /* core names no option (issue 8): the caller adds its context from
     * the field eval_config_check reports */
    assert_null(strstr(err.msg, "--"));
    int field = -1;
    assert_int_equal(eval_config_check(&cfg, &field, &err), LS_EUSAGE);
    assert_int_equal(field, EVAL_FIELD_REGEX);
    assert_string_equal(err.msg, "Unmatched ( or \\(: '('");
    cfg.regex = NULL;
    cfg.json_keys = "a,,b";
    assert_int_equal(eval_run_new(s, &cfg, &st, 1, &run, &err), LS_EUSAGE);
    assert_string_equal(err.msg, "empty key in 'a,,b'");
    assert_int_equal(eval_config_check(&cfg, &field, &err), LS_EUSAGE);
    assert_int_equal(field, EVAL_FIELD_JSON_KEYS);
    cfg.json_keys = NULL;
    cfg.n_samples = 0;
    assert_int_equal(eval_config_check(&cfg, &field, &err), LS_EUSAGE);
    assert_int_equal(field, EVAL_FIELD_N);
    assert_null(strstr(err.msg, "-n"));
    cfg.n_samples = 10;
    assert_int_equal(eval_config_check(&cfg, &field, &err), LS_OK);
    assert_int_equal(field, EVAL_FIELD_NONE);
    assert_true(eval_key_reserved("perplexity_raw"));
    assert_true(eval_key_reserved("distinct_2"));
    assert_false(eval_key_reserved("myscore"));
    /* cancellation */
    int cancel = 1;
    assert_int_equal(eval_source(s, &cfg, &st, 1, &cancel, &run, &err), LS_EINTERNAL);
    source_close(s);
}

/* ---- external evaluator ---- */
static const char *script(void)
{
    static char path[1024];
    if (!path[0]) {
        char cwd[900];
        if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
        snprintf(path, sizeof path, "sh %s/tests/data/eval/score.sh", cwd);
    }
    return path;
}

static void test_external(void **state)
{
    (void)state;
    char cmd[1100];
    double v = -1;
    struct ls_error err = {0};
    /* number of bytes on stdin; the text carries shell syntax that must not run */
    const char *txt = "$(touch /tmp/logitscope_injected) `id` ; rm -rf x";
    unlink("/tmp/logitscope_injected");
    assert_int_equal(eval_external_run("len", script(), txt, strlen(txt), 5.0, 0, &v, &err), LS_OK);
    NEAR(v, (double)strlen(txt), 0);
    assert_int_not_equal(access("/tmp/logitscope_injected", F_OK), 0);
    /* empty text, and a large one (more than a pipe buffer) */
    assert_int_equal(eval_external_run("len", script(), "", 0, 5.0, 0, &v, &err), LS_OK);
    NEAR(v, 0, 0);
    size_t big = 1 << 20;
    char *b = malloc(big);
    memset(b, 'x', big);
    assert_int_equal(eval_external_run("len", script(), b, big, 10.0, 0, &v, &err), LS_OK);
    NEAR(v, (double)big, 0);
    free(b);
    /* the sample index in the environment */
    snprintf(cmd, sizeof cmd, "%s index", script());
    assert_int_equal(eval_external_run("idx", cmd, "a", 1, 5.0, 17, &v, &err), LS_OK);
    NEAR(v, 17, 0);
    /* not a number */
    snprintf(cmd, sizeof cmd, "%s word", script());
    assert_int_equal(eval_external_run("w", cmd, "a", 1, 5.0, 3, &v, &err), LS_EDATA);
    assert_non_null(strstr(err.msg, "evaluator w: expected one number on stdout for sample 3, got 'hello'"));
    assert_int_equal(eval_external_run("two", "echo 1 2", "a", 1, 5.0, 0, &v, &err), LS_EDATA);
    assert_int_equal(eval_external_run("nan", "echo nan", "a", 1, 5.0, 0, &v, &err), LS_EDATA);
    /* failing command */
    snprintf(cmd, sizeof cmd, "%s fail", script());
    assert_int_equal(eval_external_run("f", cmd, "a", 1, 5.0, 0, &v, &err), LS_EDATA);
    assert_non_null(strstr(err.msg, "exited with status 3"));
    /* timeout: killed with its process group, quickly */
    snprintf(cmd, sizeof cmd, "%s sleep", script());
    assert_int_equal(eval_external_run("slow", cmd, "a", 1, 0.3, 5, &v, &err), LS_ELIMIT);
    assert_non_null(strstr(err.msg, "evaluator slow: timed out after 0.3 s on sample 5"));
    /* a command that does not read its stdin still works */
    assert_int_equal(eval_external_run("noread", "echo 2.5", "abc", 3, 5.0, 0, &v, &err), LS_OK);
    NEAR(v, 2.5, 0);
    /* whitespace around the number is fine */
    assert_int_equal(eval_external_run("ws", "printf '  -3e-2 \\n'", "a", 1, 5.0, 0, &v, &err), LS_OK);
    NEAR(v, -0.03, 1e-15);
}

static void test_external_in_run(void **state)
{
    (void)state;
    struct source *s = jsonish();
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 6;
    cfg.n_ext = 1;
    cfg.ext[0].name = "bytes";
    cfg.ext[0].command = script();
    struct eval_run *run;
    const struct eval_scores *sc = run1(s, &cfg, settings(0, 0, 1), &run);
    NEAR(sc->ext_mean[0], 7, 0);  /* "{" + "\"a\":1" + "}" = 1 + 5 + 1 bytes */
    eval_run_free(run);
    source_close(s);
}

/* distinct-1 / distinct-2 of a sweep whose bigram table is past the
 * premade size (N 200 x 1399 bigrams: an 8 MiB table, each setting's
 * finish handing it on to the next to clear and reuse) against the plain
 * count over eval_run_tokens; rows of very different breadth (greedy,
 * T 1, T 3), so a table left uncleared would count the last row's pairs */
static void test_distinct_sweep_big(void **state)
{
    (void)state;
    enum { BV = 16, BS = 1400, NS = 3 };
    float *z = malloc((size_t)BV * BS * sizeof *z);
    int32_t *tok = malloc(BS * sizeof *tok);
    struct rng g;
    rng_seed(&g, 77);
    for (size_t i = 0; i < (size_t)BV * BS; i++) z[i] = (float)(rng_uniform(&g) * 3);
    for (uint32_t s = 0; s < BS; s++) tok[s] = (int32_t)(s % BV);
    struct source *src = mem_source(BV, BS, z, tok, NULL);
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 200;
    cfg.threads = 1;
    struct eval_settings set[NS] = { settings(0, 0, 1), settings(1, 0, 1), settings(3, 0, 1) };
    struct eval_run *run;
    struct ls_error err = {0};
    assert_int_equal(eval_source(src, &cfg, set, NS, NULL, &run, &err), LS_OK);
    assert_true(eval_bigram_cap((size_t)cfg.n_samples * (BS - 1)) * sizeof(uint64_t) > EVAL_BIGRAM_PREMADE);
    for (size_t k = 0; k < NS; k++) {
        const int32_t *t = eval_run_tokens(run, k);
        static unsigned char seen1[BV], seen2[BV * BV];
        memset(seen1, 0, sizeof seen1);
        memset(seen2, 0, sizeof seen2);
        size_t d1 = 0, d2 = 0, n1 = 0, n2 = 0;
        for (uint32_t i = 0; i < cfg.n_samples; i++)
            for (uint32_t s = 0; s < BS; s++) {
                int32_t a = t[(size_t)i * BS + s];
                n1++;
                d1 += !seen1[a];
                seen1[a] = 1;
                if (s + 1 == BS) continue;
                int32_t b = t[(size_t)i * BS + s + 1];
                n2++;
                d2 += !seen2[a * BV + b];
                seen2[a * BV + b] = 1;
            }
        const struct eval_scores *sc = eval_run_scores(run, k);
        assert_true(sc->distinct_1 == (double)d1 / (double)n1);
        assert_true(sc->distinct_2 == (double)d2 / (double)n2);
    }
    eval_run_free(run);
    source_close(src);
    free(z);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_token),
        cmocka_unit_test(test_nll_sum),
        cmocka_unit_test(test_json_validity),
        cmocka_unit_test(test_distinct_sweep_big),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_draws_match_reference),
        cmocka_unit_test(test_clipping_and_nonfinite),
        cmocka_unit_test(test_sparse_is_approximate),
        cmocka_unit_test(test_limits_and_usage),
        cmocka_unit_test(test_external),
        cmocka_unit_test(test_external_in_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
