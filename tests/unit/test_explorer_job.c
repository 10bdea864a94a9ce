/* test_explorer_job.c: a key's chain run on the worker thread (issue 9,
 * explorer_job.h). An async, threaded explorer shows the previous result
 * with a "computing..." row until its job is done; the result swapped in
 * is bit for bit an unthreaded, waiting explorer's; a result a newer key
 * superseded is never shown; every setting path (parameters, step moves,
 * the history of penalties and mirostat, the draws) agrees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "explorer/explorer_job.h"
#include "input/replay.h"
#include "input/synth_source.h"
#include "sampling/topn.h"
#include "sampling/presets.h"

#define FIXTURE "tests/tui/data/small.json"   /* 12 steps, 64 tokens, recorded tokens */

static void open_file(struct explorer *ex, int threaded, int async)
{
    struct ls_error e = {0};
    explorer_init(ex);
    ex->threaded = threaded;
    ex->async = async;
    assert_int_equal(explorer_open(ex, FIXTURE, &e), 0);
    explorer_update(ex);   /* the first result: always waited for */
    assert_false(explorer_result_pending(ex));
}

static void open_synth(struct explorer *ex, int threaded, int async)
{
    struct ls_error e = {0};
    struct source *s = NULL;
    explorer_init(ex);
    ex->threaded = threaded;
    ex->async = async;
    assert_int_equal(source_synthetic(32768, 6, 3, &s, &e), 0);
    assert_int_equal(explorer_set_source(ex, s, &e), 0);
    explorer_update(ex);
    assert_false(explorer_result_pending(ex));
}

/* the async explorer's frames until its newest result is shown */
static void settle(struct explorer *ex)
{
    for (int n = 0; explorer_result_pending(ex); n++) {
        assert_true(n < 100);
        ex_job_wait(ex->job);
        if (ex->job2) ex_job_wait(ex->job2);
        explorer_update(ex);
    }
}

static int has_pending_row(const struct explorer *ex)
{
    for (int i = 0; i < ex->scores.n; i++)
        if (!strcmp(ex->scores.row[i].label, "step") && !strcmp(ex->scores.row[i].value, "computing...") &&
            ex->scores.row[i].hint == SCORE_PENDING)
            return 1;
    return 0;
}

/* everything shown about the step, bit for bit */
static void assert_same_front(const struct explorer *a, const struct explorer *b)
{
    const struct chain_result *x = &a->res, *y = &b->res;
    assert_int_equal(a->res_ok, b->res_ok);
    assert_int_equal(a->loaded_step, b->loaded_step);
    assert_memory_equal(a->logits, b->logits, a->V * sizeof *a->logits);
    assert_int_equal(x->n_kept, y->n_kept);
    assert_int_equal(x->n_stages, y->n_stages);
    assert_memory_equal(x->p, y->p, a->V * sizeof *x->p);
    assert_memory_equal(x->cut_by, y->cut_by, a->V);
    assert_memory_equal(x->kept, y->kept, x->n_kept * sizeof *x->kept);
    assert_memory_equal(x->stages, y->stages, sizeof x->stages);
    for (uint32_t i = 0; i < a->V; i++) {
        double p = chain_raw_p(x, i), q = chain_raw_p(y, i);
        assert_memory_equal(&p, &q, sizeof p);
    }
    assert_memory_equal(&x->entropy_after, &y->entropy_after, sizeof(double));
    assert_memory_equal(&x->entropy_before, &y->entropy_before, sizeof(double));
    assert_memory_equal(&x->retained_mass, &y->retained_mass, sizeof(double));
    assert_int_equal(a->n_top, b->n_top);
    assert_memory_equal(a->top, b->top, a->n_top * sizeof *a->top);
    assert_int_equal(a->rec_rank, b->rec_rank);
    assert_memory_equal(&a->samples, &b->samples, sizeof a->samples);
    assert_int_equal(a->n_marks, b->n_marks);
    assert_memory_equal(a->marks, b->marks, (size_t)a->n_marks * sizeof *a->marks);
    assert_int_equal(a->scores.n, b->scores.n);
    for (int i = 0; i < a->scores.n; i++) assert_string_equal(a->scores.row[i].value, b->scores.row[i].value);
}

/* One key on both explorers: the async one draws at once (pending, the
 * previous result and res_gen still shown), then settles. */
typedef void (*key_fn)(struct explorer *ex, int i);

static void key_both(struct explorer *ex, struct explorer *ref, key_fn key, int i)
{
    uint64_t gen = ex->res_gen;
    key(ex, i);
    key(ref, i);
    int recompute = (ex->stale & EX_RECOMPUTE) == EX_RECOMPUTE;
    explorer_update(ex);
    explorer_update(ref);
    if (recompute && ex->threaded && explorer_result_pending(ex)) {
        assert_int_equal(ex->res_gen, gen);   /* the previous result, marked */
        assert_true(has_pending_row(ex));
    }
    settle(ex);
    assert_false(has_pending_row(ex));
    assert_same_front(ex, ref);
}

static void key_mixed(struct explorer *ex, int i)
{
    struct params p = ex->params;
    switch (i % 7) {
    case 0: p.temperature = 0.5 + 0.1 * (i % 5); explorer_set_params(ex, &p); break;
    case 1: p.top_p = 0.6 + 0.05 * (i % 6); explorer_set_params(ex, &p); break;
    case 2: explorer_move_step(ex, 1 + i % 3); break;
    case 3: p.top_k = 2 + i % 9; explorer_set_params(ex, &p); break;
    case 4: explorer_new_seed(ex); break;
    case 5: explorer_move_step(ex, -(i % 4)); break;
    default: explorer_set_draws(ex, 1 + i % 20); break;
    }
}

/* The async, threaded explorer's results equal the waiting, unthreaded
 * one's bit for bit, on a file and on a synthetic V = 32768 source. */
static void test_same_as_sync(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_synth(&ex, 1, 1);
    open_synth(&ref, 0, 0);
    assert_same_front(&ex, &ref);
    for (int i = 0; i < 40; i++) key_both(&ex, &ref, key_mixed, i);
    explorer_free(&ex);
    explorer_free(&ref);
}

static void key_history(struct explorer *ex, int i)
{
    struct chain c;
    struct params p;
    if (i == 0) {
        chain_preset(&c, PRESET_LLAMACPP);
        explorer_set_chain(ex, &c);
        p = preset_defaults(PRESET_LLAMACPP);
        p.repeat_penalty = 1.3;
        p.presence_penalty = 0.4;
        p.repeat_last_n = 64;
        explorer_set_params(ex, &p);
        return;
    }
    if (i == 6) {
        p = ex->params;
        p.mirostat = 2;
        explorer_set_params(ex, &p);
        return;
    }
    explorer_set_step(ex, (int64_t)((i * 5) % 12));
}

/* The step as `show` computes it, with no explorer: the history replayed
 * on a fresh chain_ws, then one chain run; the explorer's p bit for bit. */
static void assert_same_as_show(const struct explorer *ex)
{
    const uint32_t V = ex->V;
    struct replay h;
    struct chain_ws ws;
    struct chain_result r, wr;
    struct step_info info;
    struct ls_error e = {0};
    float *z = malloc(V * sizeof *z);
    assert_non_null(z);
    assert_int_equal(replay_init(&h, ex->n_steps), 0);
    assert_int_equal(chain_ws_init(&ws, V) || chain_result_init(&r, V) || chain_result_init(&wr, V), 0);
    assert_int_equal(replay_to(&h, ex->src, &ex->chain, &ex->params, ex->step, ex->seed, z, &info, &ws, &wr, &e), 0);
    assert_int_equal(source_read_step(ex->src, ex->step, z, &info, &e), 0);
    assert_int_equal(topn_run(&ex->chain, &ex->params, z, V, -1, info.token, 0, &ws, &r, &e), 0);
    assert_int_equal(r.n_kept, ex->res.n_kept);
    assert_memory_equal(r.p, ex->res.p, V * sizeof *r.p);
    chain_result_free(&r);
    chain_result_free(&wr);
    chain_ws_free(&ws);
    replay_free(&h);
    free(z);
}

/* The stage context (penalties' history, mirostat's mu) goes with the job. */
static void test_history_same(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_file(&ex, 1, 1);
    open_file(&ref, 0, 0);
    for (int i = 0; i < 14; i++) {
        key_both(&ex, &ref, key_history, i);
        assert_same_as_show(&ex);
    }
    explorer_free(&ex);
    explorer_free(&ref);
}

/* A key during a job: the job's result is dropped, never shown; the
 * frame meanwhile shows the result before both keys, marked pending; the
 * newer key's result then arrives. Deterministic: the job is waited for
 * before the update that finds it superseded. */
static void test_superseded_dropped(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_synth(&ex, 1, 1);
    open_synth(&ref, 0, 0);
    const double T0 = ex.res.effective_temperature;
    const uint64_t gen = ex.res_gen;
    struct params p = ex.params;
    p.temperature = 0.3;
    explorer_set_params(&ex, &p);
    explorer_update(&ex);                  /* the job for T 0.3 starts */
    assert_true(explorer_result_pending(&ex));
    assert_true(has_pending_row(&ex));
    p.temperature = 1.7;
    explorer_set_params(&ex, &p);          /* supersedes it */
    explorer_set_step(&ex, 2);
    ex_job_wait(ex.job);                   /* T 0.3's result is ready... */
    explorer_update(&ex);                  /* ...and dropped; the newest starts */
    assert_int_equal(ex.n_dropped, 1);
    assert_int_equal(ex.res_gen, gen);
    assert_true(ex.res.effective_temperature == T0);
    assert_int_equal(ex.loaded_step, 0);
    assert_true(has_pending_row(&ex));
    settle(&ex);
    assert_int_equal(ex.res_gen, gen + 1);  /* one result shown: the newest */
    assert_int_equal(ex.n_dropped, 1);
    explorer_set_params(&ref, &p);
    explorer_set_step(&ref, 2);
    explorer_update(&ref);
    assert_same_front(&ex, &ref);
    explorer_free(&ex);
    explorer_free(&ref);
}

/* Keys faster than the runs: each newer key starts at once on the free
 * key job (the run it superseded is cancelled or finishes, and is
 * dropped), and after a key only its own result is ever swapped in: one
 * result per burst, the newest, bit for bit the waiting explorer's. */
static void test_newer_key_starts_at_once(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_synth(&ex, 1, 1);
    open_synth(&ref, 0, 0);
    assert_non_null(ex.job2);
    for (int i = 0; i < 24; i++) {
        for (int k = 0; k < 3; k++) {   /* a burst: no settling between the keys */
            key_mixed(&ex, 3 * i + k);
            key_mixed(&ref, 3 * i + k);
            int running = ex_job_state(ex.job) == EXJ_QUEUED || ex_job_state(ex.job2) == EXJ_QUEUED;
            int one_free = ex_job_state(ex.job) == EXJ_IDLE || ex_job_state(ex.job2) == EXJ_IDLE;
            int recompute = (ex.stale & EX_RECOMPUTE) == EX_RECOMPUTE;
            explorer_update(&ex);
            if (recompute && running && one_free) {   /* the newest went to the free job */
                struct ex_job *n = ex.job->gen == ex.req_gen ? ex.job : ex.job2;
                assert_true(n->gen == ex.req_gen);
                assert_int_equal(ex.stale & EX_RECOMPUTE, 0);
            }
        }
        uint64_t gen = ex.res_gen;
        settle(&ex);
        explorer_update(&ref);
        assert_true(ex.res_gen <= gen + 1);   /* the burst's last key's result only */
        assert_same_front(&ex, &ref);
    }
    explorer_free(&ex);
    explorer_free(&ref);
}

/* Not async (scripts, tests, outputs): every update waits, threaded or
 * not, so nothing shown depends on thread timing; no pending row ever. */
static void test_sync_waits(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_synth(&ex, 1, 0);
    open_synth(&ref, 0, 0);
    for (int i = 0; i < 12; i++) {
        key_mixed(&ex, i);
        key_mixed(&ref, i);
        explorer_update(&ex);
        explorer_update(&ref);
        assert_false(explorer_result_pending(&ex));
        assert_false(has_pending_row(&ex));
        assert_same_front(&ex, &ref);
    }
    /* an async explorer's outputs wait too (explorer_update_whole) */
    ex.async = 1;
    explorer_move_step(&ex, 1);
    explorer_move_step(&ref, 1);
    explorer_update_whole(&ex);
    explorer_update(&ref);
    assert_false(explorer_result_pending(&ex));
    assert_same_front(&ex, &ref);
    explorer_free(&ex);
    explorer_free(&ref);
}

/* every slice until the background has nothing left (bounded) */
static void drain(struct explorer *ex)
{
    for (int n = 0; explorer_work(ex, 1000000L) & EX_BUSY; n++) assert_true(n < 100000);
}

static void assert_same_seq(const struct explorer *a, const struct explorer *b)
{
    const struct ex_seq *x = explorer_seq(a), *y = explorer_seq(b);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(x->done, a->n_steps);
    assert_int_equal(y->done, b->n_steps);
    assert_memory_equal(x->p, y->p, a->n_steps * sizeof *x->p);
    assert_memory_equal(x->state, y->state, a->n_steps);
    assert_memory_equal(&x->ppl, &y->ppl, sizeof x->ppl);
    assert_int_equal(x->n_err, y->n_err);
    assert_int_equal(x->n_hist, y->n_hist);
    assert_memory_equal(&x->mu, &y->mu, sizeof x->mu);
    assert_int_equal(x->mu_set, y->mu_set);
    assert_memory_equal(a->rec_tok, b->rec_tok, a->n_steps * sizeof *a->rec_tok);
}

/* The sequence numbers of an async, threaded explorer (the steps' chains
 * on the worker) are bit for bit the main-thread ones, with mirostat's
 * carried state and the penalties' history, and after a setting change in
 * the middle (the run under way belongs to the old setting's slot). */
static void test_seq_same(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_file(&ex, 1, 1);
    open_file(&ref, 0, 0);
    for (int i = 0; i < 8; i++) {
        key_history(&ex, i == 1 ? 6 : i);
        key_history(&ref, i == 1 ? 6 : i);
        explorer_update_whole(&ex);
        explorer_update(&ref);
        if (i % 3 == 2) {   /* a few slices only, then another setting */
            for (int n = 0; n < 3; n++) explorer_work(&ex, 0);
            struct params p = ex.params;
            p.temperature = 0.6 + 0.1 * i;
            explorer_set_params(&ex, &p);
            explorer_set_params(&ref, &p);
            explorer_update(&ex);
            explorer_update(&ref);
        }
        drain(&ex);
        drain(&ref);
        assert_same_seq(&ex, &ref);
    }
    explorer_free(&ex);
    explorer_free(&ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_sync),
        cmocka_unit_test(test_history_same),
        cmocka_unit_test(test_superseded_dropped),
        cmocka_unit_test(test_newer_key_starts_at_once),
        cmocka_unit_test(test_sync_waits),
        cmocka_unit_test(test_seq_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
