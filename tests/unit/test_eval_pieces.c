/* test_eval_pieces.c: feeding a run a setting of a step at a time
 * (eval_run_step_set, the explorer sweep's pieces of background work) gives
 * exactly the scores of eval_run_step, which feeds every setting of a step
 * at once: a sweep's temperatures, at least one of them cutting. Finishing
 * it in pieces (eval_run_finish_part with a deadline already past: one
 * piece a call; or a small budget) gives exactly eval_run_finish's scores,
 * with a vocabulary so the sample evaluators' per-continuation pieces run
 * too; and a run given back in pieces (eval_run_release) frees cleanly
 * (ASan in make check), also in the middle of a finish. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "eval/eval_impl.h"
#include "base/clock.h"
#include "input/synth_source.h"
#include "input/vocab.h"
#include "sampling/presets.h"

#define V 3000
#define STEPS 9
#define SETS 3

static void settings(struct eval_settings set[SETS])
{
    static const double T[SETS] = { 0.5, 1.0, 1.5 };
    for (int k = 0; k < SETS; k++) {
        chain_preset(&set[k].chain, PRESET_HF);
        set[k].params = preset_defaults(PRESET_HF);
        set[k].params.temperature = T[k];
    }
}

/* A run fed every step, by eval_run_step (pieces 0) or setting by setting
 * (eval_run_step_set), not finished yet */
static struct eval_run *stepped(struct source *s, const struct eval_config *cfg, int pieces)
{
    struct eval_settings set[SETS];
    settings(set);
    struct eval_run *r;
    struct ls_error e = {0};
    assert_int_equal(eval_run_new(s, cfg, set, SETS, &r, &e), 0);
    float *z = malloc(V * sizeof *z);
    assert_non_null(z);
    for (uint32_t t = 0; t < STEPS; t++) {
        struct step_info info;
        memset(&info, 0, sizeof info);
        assert_int_equal(source_read_step(s, t, z, &info, &e), 0);
        if (!pieces) assert_int_equal(eval_run_step(r, z, &info, &e), 0);
        for (size_t k = 0; pieces && k < SETS; k++) assert_int_equal(eval_run_step_set(r, z, &info, k, &e), 0);
    }
    free(z);
    return r;
}

static void run_all(struct source *s, int pieces, struct eval_run **out)
{
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 20;
    struct ls_error e = {0};
    *out = stepped(s, &cfg, pieces);
    assert_int_equal(eval_run_finish(*out, NULL, &e), 0);
}

static void test_pieces_same_scores(void **st)
{
    (void)st;
    struct source *s;
    struct ls_error e = {0};
    assert_int_equal(source_synthetic(V, STEPS, 5, &s, &e), 0);
    struct eval_run *a, *b;
    run_all(s, 0, &a);
    run_all(s, 1, &b);
    for (size_t k = 0; k < SETS; k++) {
        const struct eval_scores *x = eval_run_scores(a, k), *y = eval_run_scores(b, k);
        assert_int_equal(x->n_steps, STEPS);
        assert_memory_equal(x, y, sizeof *x);
        assert_memory_equal(eval_run_tokens(a, k), eval_run_tokens(b, k), 20 * STEPS * sizeof(int32_t));
    }
    /* a setting out of turn is refused, never run */
    assert_int_equal(eval_run_step_set(a, NULL, NULL, SETS, &e), LS_EINTERNAL);
    eval_run_free(a);
    eval_run_free(b);
    source_close(s);
}

/* Token texts that make some continuations JSON, some not, some stop
 * early ("</s>"): the sample evaluators then have work in every piece */
static void add_vocab(struct source *s)
{
    static const char *const w[] = { "{", "}", "\"a\"", ":", "1", " ", "</s>", "[", "]", ",", "x" };
    const size_t nw = sizeof w / sizeof *w;
    s->vocab = vocab_new();
    assert_non_null(s->vocab);
    for (uint32_t i = 0; i < V; i++) {
        char b[16];
        const char *t = i < nw ? w[i] : b;
        if (i >= nw) snprintf(b, sizeof b, "%s", w[i % nw]);
        vocab_add(s->vocab, t, strlen(t));
    }
}

/* Setting k finished in pieces: a deadline long past (budget_ns < 0: one
 * piece a call) or budget_ns from each call's start. Returns the calls. */
static unsigned finish_pieces(struct eval_run *r, size_t k, long budget_ns)
{
    struct ls_error e = {0};
    unsigned calls = 0;
    for (int more = 1; more; calls++) {
        int64_t deadline = budget_ns < 0 ? 1 : clock_ns() + budget_ns;
        assert_int_equal(eval_run_finish_part(r, k, deadline, NULL, &more, &e), 0);
    }
    return calls;
}

static void test_finish_pieces_same_scores(void **st)
{
    (void)st;
    struct source *s;
    struct ls_error e = {0};
    assert_int_equal(source_synthetic(V, STEPS, 7, &s, &e), 0);
    add_vocab(s);
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 30;
    cfg.regex = "^\\{";
    cfg.json_keys = "a";
    struct eval_run *one = stepped(s, &cfg, 0), *r[2] = { stepped(s, &cfg, 0), stepped(s, &cfg, 0) };
    assert_int_equal(eval_run_finish(one, NULL, &e), 0);
    for (size_t k = 0; k < SETS; k++) {
        if (k == 1) {   /* a setting's finish begun: no other one until it is over */
            int more;
            assert_int_equal(eval_run_finish_part(r[0], k, 1, NULL, &more, &e), 0);
            assert_int_equal(more, 1);
            assert_int_equal(eval_run_finish_part(r[0], k + 1, 1, NULL, &more, &e), LS_EINTERNAL);
        }
        /* each continuation's texts a piece, then each evaluator's finish,
         * the diversity's a continuation a piece: more calls than either */
        assert_true(finish_pieces(r[0], k, -1) > 2 * cfg.n_samples - (k == 1));
        finish_pieces(r[1], k, 20000);
    }
    for (size_t k = 0; k < SETS; k++)
        for (int i = 0; i < 2; i++) {
            const struct eval_scores *x = eval_run_scores(one, k), *y = eval_run_scores(r[i], k);
            assert_true(x->n_json_valid + x->n_json_broken + x->n_json_incomplete > 0);
            assert_memory_equal(x, y, sizeof *x);
        }
    /* given back in pieces: the finished run, and one in the middle of the
     * diversity evaluator's finish (its table and bits held) */
    unsigned calls = 0;
    while (!eval_run_release(r[0], 1)) calls++;
    assert_true(calls > 4);
    eval_run_free(r[0]);
    struct eval_run *mid = stepped(s, &cfg, 0);
    int more = 1;
    while (more && !mid->acc[0].div.seen) assert_int_equal(eval_run_finish_part(mid, 0, 1, NULL, &more, &e), 0);
    assert_int_equal(more, 1);
    assert_true(mid->acc[0].div.i > 0 && mid->acc[0].div.i < cfg.n_samples);
    assert_int_equal(eval_run_release(mid, 0), 1);
    eval_run_free(mid);
    eval_run_free(r[1]);
    eval_run_free(one);
    source_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_pieces_same_scores),
                                        cmocka_unit_test(test_finish_pieces_same_scores) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
