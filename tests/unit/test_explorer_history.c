/* test_explorer_history.c: a key never replays the history (issue 9).
 * With a bounded replay_budget_ns (the terminal's), explorer_update shows
 * the current step with the history the replay reached and says so
 * (hist_pending, a scores row); explorer_work goes on a step at a time and
 * the final numbers are exactly those of the unbounded explorer (which
 * replays everything in the update), for mirostat's carried state and for
 * the penalties' history, forward, back and after a setting change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "sampling/presets.h"

/* the TUI's fixture: 12 steps over 64 tokens whose recorded tokens the
 * chains keep, so mirostat's mu moves and the penalties bite */
#define FIXTURE "tests/tui/data/small.json"

static void open_synth(struct explorer *ex, long budget)
{
    struct ls_error e = {0};
    explorer_init(ex);
    ex->replay_budget_ns = budget;
    assert_int_equal(explorer_open(ex, FIXTURE, &e), 0);
    assert_int_equal(ex->n_steps, 12);
    explorer_update(ex);
}

/* llama.cpp's chain with mirostat 2 (carried state), or with penalties */
static void set_history(struct explorer *ex, int mirostat)
{
    struct chain c;
    chain_preset(&c, PRESET_LLAMACPP);
    assert_int_equal(explorer_set_chain(ex, &c), 0);
    struct params p = preset_defaults(PRESET_LLAMACPP);
    if (mirostat) p.mirostat = 2;
    else { p.repeat_penalty = 1.3; p.presence_penalty = 0.4; p.repeat_last_n = 64; }
    assert_int_equal(explorer_set_params(ex, &p), 0);
}

/* the background until it has nothing left (1000 slices at most: a test
 * never hangs); the number of slices */
static int drain(struct explorer *ex)
{
    int n = 0;
    while ((explorer_work(ex, 0) & EX_BUSY) && n < 1000) {
        explorer_update(ex);   /* the terminal draws a frame after each slice */
        n++;
    }
    explorer_update(ex);
    return n;
}

static void assert_same_result(const struct explorer *a, const struct explorer *b)
{
    assert_int_equal(a->res_ok, b->res_ok);
    assert_int_equal(a->res.n_kept, b->res.n_kept);
    assert_memory_equal(a->res.p, b->res.p, a->V * sizeof *a->res.p);
    assert_true(memcmp(&a->samples, &b->samples, sizeof a->samples) == 0);
    assert_int_equal(a->scores.n, b->scores.n);
    for (int i = 0; i < a->scores.n; i++) assert_string_equal(a->scores.row[i].value, b->scores.row[i].value);
}

/* the scores row that says the history is still being computed */
static int has_history_row(const struct explorer *ex)
{
    for (int i = 0; i < ex->scores.n; i++)
        if (!strcmp(ex->scores.row[i].label, "history")) return 1;
    return 0;
}

static void check_path(int mirostat)
{
    struct explorer ex, ref;
    int differed = 0;
    open_synth(&ex, 0);
    open_synth(&ref, -1);
    set_history(&ex, mirostat);
    set_history(&ref, mirostat);
    /* forward, back, far forward, and a setting change on the way */
    static const int64_t to[] = { 7, 3, 11, -1, 9 };
    for (size_t k = 0; k < sizeof to / sizeof *to; k++) {
        if (to[k] < 0) {
            struct params p = ex.params;
            p.temperature = 0.7;
            explorer_set_params(&ex, &p);
            explorer_set_params(&ref, &p);
        } else {
            explorer_set_step(&ex, to[k]);
            explorer_set_step(&ref, to[k]);
        }
        explorer_update(&ex);
        explorer_update(&ref);
        assert_false(ref.hist_pending);
        /* mirostat: every earlier step is a chain run, so the key leaves
         * them all to the background unless none is missing */
        if (ex.hist_pending)   /* the pending numbers are not the final ones */
            differed += ex.res.n_kept != ref.res.n_kept || memcmp(ex.res.p, ref.res.p, ex.V * sizeof *ex.res.p);
        if (mirostat && ex.hist_pending) {
            assert_true(ex.hist_done < ex.hist_total);
            assert_true(has_history_row(&ex));
            assert_true(drain(&ex) >= 1);
        }
        drain(&ex);
        assert_false(ex.hist_pending);
        assert_false(has_history_row(&ex));
        assert_same_result(&ex, &ref);
    }
    assert_true(differed > 0);   /* or this would prove nothing */
    explorer_free(&ex);
    explorer_free(&ref);
}

static void test_mirostat_state_in_background(void **st)
{
    (void)st;
    check_path(1);
}

static void test_penalty_history_in_background(void **st)
{
    (void)st;
    check_path(0);
}

/* A pending step is shown at once: the key ran no earlier step; the
 * background takes them one per slice (a zero budget), and :export's
 * update takes the whole history at once. */
static void test_key_runs_no_earlier_step(void **st)
{
    (void)st;
    struct explorer ex, ref;
    open_synth(&ex, 0);
    open_synth(&ref, -1);
    set_history(&ex, 1);
    set_history(&ref, 1);
    explorer_set_step(&ex, 10);
    explorer_set_step(&ref, 10);
    explorer_update(&ex);
    explorer_update(&ref);
    assert_true(ex.hist_pending);
    assert_true(has_history_row(&ex));
    assert_int_equal(ex.hist_done, 0);
    assert_int_equal(ex.hist_total, 10);
    assert_int_equal(explorer_work(&ex, 0), EX_REDRAW | EX_BUSY);
    assert_int_equal(ex.hist_done, 1);
    explorer_update_whole(&ex);
    assert_false(ex.hist_pending);
    assert_same_result(&ex, &ref);
    explorer_free(&ex);
    explorer_free(&ref);
}

/* The many-draws view shown while the history is pending is drawn again
 * from the final result (its cache keys on res_gen, not on the settings
 * alone, which do not change when the history arrives). */
static void test_draws_view_follows_history(void **st)
{
    (void)st;
    struct explorer ex, ref;
    struct explorer_eval xe, xr;
    open_synth(&ex, 0);
    open_synth(&ref, -1);
    explorer_eval_init(&xe);
    explorer_eval_init(&xr);
    explorer_eval_show(&xe, &ex, XV_DRAWS);
    explorer_eval_show(&xr, &ref, XV_DRAWS);
    set_history(&ex, 1);
    set_history(&ref, 1);
    explorer_set_step(&ex, 8);
    explorer_set_step(&ref, 8);
    explorer_update(&ex);
    explorer_update(&ref);
    explorer_eval_work(&xe, &ex, 0);    /* the view's buffers */
    explorer_eval_work(&xr, &ref, 0);
    assert_true(ex.hist_pending);
    explorer_eval_update(&xe, &ex);   /* from the pending result */
    explorer_eval_update(&xr, &ref);
    assert_true(xe.draws.valid);
    /* the pending numbers differ here, or this test would prove nothing */
    assert_true(xe.draws.n_kept != xr.draws.n_kept || memcmp(xe.draws.p, xr.draws.p, sizeof xe.draws.p));
    drain(&ex);
    explorer_eval_update(&xe, &ex);
    assert_true(xe.draws.valid && xr.draws.valid);
    assert_int_equal(xe.draws.n_kept, xr.draws.n_kept);
    assert_memory_equal(xe.draws.id, xr.draws.id, sizeof xe.draws.id);
    assert_memory_equal(xe.draws.p, xr.draws.p, sizeof xe.draws.p);
    explorer_eval_free(&xe);
    explorer_eval_free(&xr);
    explorer_free(&ex);
    explorer_free(&ref);
}

/* A source whose step 4 cannot be read: the history stops there, in the
 * background or not, and the message says so, as when the key replayed
 * it (the step is then shown without a history); the background ends. */
struct failing { struct source *inner; };

static int failing_read(struct source *s, uint32_t step, float *logits, struct step_info *info,
                        struct ls_error *err)
{
    if (step == 4) return ls_fail(err, LS_EREAD, "step 4 is unreadable");
    return source_read_step(((struct failing *)s->impl)->inner, step, logits, info, err);
}

static void failing_close(struct source *s)
{
    struct failing *f = s->impl;
    source_close(f->inner);
    free(f);
}

static const struct source_ops failing_ops = { "failing", failing_read, failing_close };

static void open_failing(struct explorer *ex, long budget)
{
    struct ls_error e = {0};
    struct failing *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(source_open(FIXTURE, NULL, &f->inner, &e), 0);
    struct source *s = source_alloc(&failing_ops, "failing");
    s->impl = f;
    s->n_steps = f->inner->n_steps;
    s->vocab_size = f->inner->vocab_size;
    s->has_tokens = 1;
    explorer_init(ex);
    ex->replay_budget_ns = budget;
    assert_int_equal(explorer_set_source(ex, s, &e), 0);
}

static void test_history_error(void **st)
{
    (void)st;
    for (int mirostat = 0; mirostat < 2; mirostat++) {
        struct explorer ex, ref;
        open_failing(&ex, 0);
        open_failing(&ref, -1);
        set_history(&ex, mirostat);
        set_history(&ref, mirostat);
        explorer_set_step(&ex, 9);
        explorer_set_step(&ref, 9);
        explorer_update(&ex);
        explorer_update(&ref);
        assert_non_null(strstr(ref.msg, "step 4 is unreadable"));
        int slices = drain(&ex);
        assert_true(slices < 20);   /* the background ends */
        assert_non_null(strstr(ex.msg, "step 4 is unreadable"));
        assert_false(ex.hist_pending);
        assert_same_result(&ex, &ref);
        explorer_free(&ex);
        explorer_free(&ref);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mirostat_state_in_background),
        cmocka_unit_test(test_penalty_history_in_background),
        cmocka_unit_test(test_key_runs_no_earlier_step),
        cmocka_unit_test(test_draws_view_follows_history),
        cmocka_unit_test(test_history_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
