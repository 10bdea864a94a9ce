/* test_explorer_workers.c: the background work's chain runs on workers
 * (issue 9). With a threaded, async explorer (the terminal's) the history
 * replay's chain runs (mirostat's carried state, with the penalties' and
 * DRY's history) go to the history job and the evaluators' and sweep
 * view's steps to their workers (explorer_eval_job.h); the main thread
 * only reads steps. Every number shown is bit for bit the one-thread
 * explorer's, whatever the timing and however keys interrupt the work;
 * work a newer key abandoned never shows (a dropped history run, an
 * abandoned evaluation run never cached). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "explorer/explorer_wake.h"
#include "input/synth_source.h"
#include "sampling/presets.h"
#include "npy_fx.h"
#include "explorer_fx.h"

#define FIXTURE "tests/tui/data/small.json"   /* 12 steps, 64 tokens, recorded tokens, a vocabulary */

/* threaded: the terminal's explorer (workers, keys never wait, a bounded
 * history, slices that never sleep: nowait); else the one-thread
 * reference that computes everything in each update */
static void open_ex(struct explorer *ex, int threaded, int nowait)
{
    struct ls_error e = {0};
    explorer_init(ex);
    ex->threaded = ex->async = threaded;
    ex->slice_nowait = threaded && nowait;
    ex->replay_budget_ns = threaded ? 0 : -1;
    assert_int_equal(explorer_open(ex, FIXTURE, &e), 0);
    explorer_update(ex);
}

/* The terminal's loop until nothing is left: slices, a frame after each,
 * asleep on the wake-up pipe while a worker runs (bounded: never hangs). */
static void settle(struct explorer *ex, struct explorer_eval *xe)
{
    for (int n = 0;; n++) {
        assert_true(n < 200000);
        unsigned fl = explorer_work(ex, 0);
        if (xe && !(fl & EX_BUSY)) fl |= explorer_eval_work(xe, ex, 0);
        explorer_update(ex);
        if (xe) explorer_eval_update(xe, ex);
        if (!(fl & EX_BUSY) && !explorer_result_pending(ex)) return;
        if ((fl & EX_WAIT) || explorer_result_pending(ex)) ex_wake_wait(20);
    }
}

/* the reference's background to the end (one thread, big slices) */
static void settle_ref(struct explorer *ex, struct explorer_eval *xe)
{
    while (explorer_work(ex, 100000000L) & EX_BUSY) ;
    explorer_update(ex);
    while (xe && (explorer_eval_work(xe, ex, 100000000L) & EX_BUSY)) ;
    if (xe) explorer_eval_update(xe, ex);
}

/* everything shown about the step, and the carried state, bit for bit */
static void assert_same_step(const struct explorer *a, const struct explorer *b)
{
    const struct chain_result *x = &a->res, *y = &b->res;
    assert_false(a->hist_pending);
    assert_int_equal(a->step, b->step);
    assert_int_equal(a->res_ok, b->res_ok);
    assert_int_equal(x->n_kept, y->n_kept);
    assert_memory_equal(x->p, y->p, a->V * sizeof *x->p);
    assert_memory_equal(x->cut_by, y->cut_by, a->V);
    assert_memory_equal(x->kept, y->kept, x->n_kept * sizeof *x->kept);
    assert_memory_equal(&x->entropy_after, &y->entropy_after, sizeof(double));
    assert_memory_equal(&x->entropy_before, &y->entropy_before, sizeof(double));
    assert_memory_equal(&a->samples, &b->samples, sizeof a->samples);
    assert_int_equal(a->rec_rank, b->rec_rank);
    if (a->params.mirostat) {   /* the carried state before the step (else unused) */
        assert_memory_equal(&a->ws.mu, &b->ws.mu, sizeof a->ws.mu);
        assert_int_equal(a->ws.mu_set, b->ws.mu_set);
    }
    assert_int_equal(a->scores.n, b->scores.n);
    for (int i = 0; i < a->scores.n; i++) {
        assert_string_equal(a->scores.row[i].label, b->scores.row[i].label);
        assert_string_equal(a->scores.row[i].value, b->scores.row[i].value);
    }
}

/* Keys over the stateful stages: llama.cpp with penalties, DRY and
 * mirostat 2, hf with penalties, steps forward and back, temperature. */
static void key(struct explorer *ex, int i)
{
    struct chain c;
    struct params p = ex->params;
    switch (i % 8) {
    case 0:
        chain_preset(&c, i % 16 ? PRESET_HF : PRESET_LLAMACPP);
        explorer_set_chain(ex, &c);
        p = preset_defaults(c.preset);
        p.repeat_penalty = 1.3;
        p.presence_penalty = 0.4;
        p.repeat_last_n = 64;
        if (c.preset == PRESET_LLAMACPP) { p.dry_multiplier = 0.8; p.mirostat = 2; }
        explorer_set_params(ex, &p);
        break;
    case 1: case 4: explorer_set_step(ex, (int64_t)(11 - i % 5)); break;
    case 2: p.temperature = 0.6 + 0.1 * (i % 7); explorer_set_params(ex, &p); break;
    case 3: explorer_move_step(ex, -(1 + i % 3)); break;
    case 5: p.mirostat = p.mirostat ? 0 : 1; explorer_set_params(ex, &p); break;
    case 6: explorer_move_step(ex, 2); break;
    default: p.mirostat_tau = 3 + i % 4; explorer_set_params(ex, &p); break;
    }
}

/* The history on the worker: the same step, state and numbers as the
 * reference after every key; every third key comes while the history is
 * under way (a few slices only), so runs in flight are dropped. */
static void history_case(int nowait)
{
    struct explorer ex, ref;
    open_ex(&ex, 1, nowait);
    open_ex(&ref, 0, 0);
    int interrupted = 0;
    for (int i = 0; i < 40; i++) {
        key(&ex, i);
        key(&ref, i);
        explorer_update(&ex);
        explorer_update(&ref);
        if (i % 3 != 0 && ex.hist_pending) {   /* the next key before the history arrives */
            for (int n = 0; n < 2; n++) explorer_work(&ex, 0);
            interrupted++;
            continue;
        }
        settle(&ex, NULL);
        settle_ref(&ref, NULL);
        assert_same_step(&ex, &ref);
    }
    assert_true(interrupted > 3);   /* the case this test is about happened */
    settle(&ex, NULL);
    settle_ref(&ref, NULL);
    assert_same_step(&ex, &ref);
    explorer_free(&ex);
    explorer_free(&ref);
}

static void test_history_same(void **st)
{
    (void)st;
    history_case(1);   /* the terminal's: slices never sleep */
    history_case(0);   /* slices that wait for the worker within their budget */
}

static void assert_same_scores(const struct eval_scores *x, const struct eval_scores *y)
{
    assert_non_null(x);
    assert_non_null(y);
    assert_memory_equal(x, y, sizeof *x);
}

static const struct eval_scores *scores(const struct explorer_eval *xe, const struct explorer *ex)
{
    int st;
    uint32_t done, total;
    return explorer_eval_current(xe, ex, &st, &done, &total);
}

/* the same parameters on both explorers, then all their work to the end */
static void both_params(struct explorer *ex, struct explorer *ref, struct explorer_eval *xe, struct explorer_eval *xr,
                        const struct params *p)
{
    explorer_set_params(ex, p);
    explorer_set_params(ref, p);
    explorer_update(ex);
    explorer_update(ref);
    settle(ex, xe);
    settle_ref(ref, xr);
}

static int cached(const struct explorer_eval *xe, const struct params *p)
{
    for (int i = 0; i < XE_CACHE; i++)
        if (xe->cache[i].used && params_same(&xe->cache[i].key.params, p, 1)) return 1;
    return 0;
}

/* The evaluators and the sweep view on their workers: the same scores as
 * the one-thread run, with mirostat's and the penalties' state along the
 * file; a setting changed while a piece is under way abandons that run
 * (never cached) and the next setting's scores are still exact. */
static void test_eval_same(void **st)
{
    (void)st;
    struct explorer ex, ref;
    struct explorer_eval xe, xr;
    open_ex(&ex, 1, 1);
    open_ex(&ref, 0, 0);
    explorer_eval_init(&xe);
    explorer_eval_init(&xr);
    for (int i = 0; i < 3; i++) {
        key(&ex, i == 1 ? 5 : i * 8);
        key(&ref, i == 1 ? 5 : i * 8);
        explorer_update(&ex);
        explorer_update(&ref);
        settle(&ex, &xe);
        settle_ref(&ref, &xr);
        assert_same_scores(scores(&xe, &ex), scores(&xr, &ref));
    }
    /* a setting abandoned with a step under way on the worker */
    struct params p = ex.params, q = ex.params;
    p.temperature = 1.37;
    q.temperature = 0.77;
    explorer_set_params(&ex, &p);
    explorer_update(&ex);
    settle(&ex, NULL);   /* the step's result and history; the evaluators not yet */
    /* the first step handed over; on this small file it may be done at once */
    int in_flight = (explorer_eval_work(&xe, &ex, 0) & EX_WAIT) != 0;
    both_params(&ex, &ref, &xe, &xr, &q);
    if (in_flight) assert_false(cached(&xe, &p));   /* abandoned: never cached */
    assert_same_scores(scores(&xe, &ex), scores(&xr, &ref));
    /* the sweep, abandoned once by a change of another parameter */
    assert_int_equal(explorer_eval_sweep_set(&xe, "0.5,1,1.5"), 0);
    assert_int_equal(explorer_eval_sweep_set(&xr, "0.5,1,1.5"), 0);
    for (int n = 0; n < 3; n++) explorer_eval_work(&xe, &ex, 0);
    q.top_k = 7;
    both_params(&ex, &ref, &xe, &xr, &q);
    assert_true(explorer_eval_sweep_done(&xe) && explorer_eval_sweep_done(&xr));
    for (int i = 0; i < xe.n_temps; i++) assert_same_scores(&xe.sweep_sc[i], &xr.sweep_sc[i]);
    explorer_eval_free(&xe);
    explorer_eval_free(&xr);
    explorer_free(&ex);
    explorer_free(&ref);
}

/* A new file while a worker reads the old one's vocabulary: the explorer
 * stops the worker first (src_quiesce); the evaluators start over on the
 * new file and agree with the reference. */
static void test_reopen_quiesces(void **st)
{
    (void)st;
    struct explorer ex, ref;
    struct explorer_eval xe, xr;
    struct ls_error e = {0};
    open_ex(&ex, 1, 1);
    open_ex(&ref, 0, 0);
    explorer_eval_init(&xe);
    explorer_eval_init(&xr);
    settle(&ex, NULL);
    explorer_eval_work(&xe, &ex, 0);   /* a step handed over */
    assert_int_equal(explorer_open(&ex, FIXTURE, &e), 0);   /* the worker may still run a step */
    explorer_update(&ex);
    settle(&ex, &xe);
    settle_ref(&ref, &xr);
    assert_same_scores(scores(&xe, &ex), scores(&xr, &ref));
    explorer_free(&ex);          /* the explorer first: its hook stops the workers */
    explorer_eval_free(&xe);
    explorer_eval_free(&xr);
    explorer_free(&ref);
}

/* The comparison view's per-step divergence on its worker: every step's
 * numbers and the summary bit for bit the one-thread explorer's, also
 * when the comparison is opened again with a piece under way (the old
 * comparison's piece is dropped). */
static void test_diff_same(void **st)
{
    (void)st;
    char pa[] = "/tmp/ls_xdiff_a_XXXXXX", pb[] = "/tmp/ls_xdiff_b_XXXXXX", cmd[80];
    npy_fx_synth_pair(pa, pb, 4096, 24, 1);
    snprintf(cmd, sizeof cmd, "compare %s", pb);
    struct explorer ex[2];
    struct explorer_eval xe[2];
    explorer_fx_diff_open(ex, xe, pa, pb, 1, 0);   /* ex[0] threaded, with its evaluators */
    settle(&ex[1], &xe[1]);
    for (int n = 0; n < 6; n++) explorer_eval_work(&xe[0], &ex[0], 0);   /* the evaluators, the first pieces */
    assert_int_equal(explorer_eval_command(&xe[0], &ex[0], cmd), EXC_OK);   /* again: starts over */
    settle(&ex[0], &xe[0]);
    explorer_fx_diff_same_free(ex, xe, 24, pa, pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_same),
        cmocka_unit_test(test_eval_same),
        cmocka_unit_test(test_reopen_quiesces),
        cmocka_unit_test(test_diff_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
