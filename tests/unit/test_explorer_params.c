/* test_explorer_params.c: the explorer's parameter fields and chain editing
 * are driven by the parameter and stage tables (every parameter is
 * focusable, adjustable and can be turned off; each stage can be added,
 * removed and moved), a parameter whose stage is absent says so, and the
 * stage thresholds (explorer_marks.c) sit where the chain cut. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "explorer/explorer.h"
#include "input/synth_source.h"
#include "sampling/presets.h"
#include "view/view.h"

static void open_synth(struct explorer *ex, uint32_t V)
{
    struct source *s;
    struct ls_error e = {0};
    explorer_init(ex);
    assert_int_equal(source_synthetic(V, 3, 7, &s, &e), 0);
    assert_int_equal(explorer_set_source(ex, s, &e), 0);
    explorer_update(ex);
}

/* Every parameter of the table: a fine step up moves it off its off value
 * within range, x turns it off again; the bar text follows. */
static void test_every_param_adjusts(void **st)
{
    (void)st;
    struct explorer ex;
    open_synth(&ex, 100);
    for (int p = 0; p < PARAM__COUNT; p++) {
        const struct param_def *d = param_def((enum param_id)p);
        explorer_focus(&ex, PANEL_PARAMS, p);
        assert_int_equal(ex.focus_param, p);
        double before = param_get(&ex.params, (enum param_id)p);
        int dir = before >= d->hi ? -1 : 1;
        unsigned fl = explorer_adjust(&ex, dir, 0);
        double after = param_get(&ex.params, (enum param_id)p);
        assert_true(after != before);
        /* a parameter whose stage is not in the chain has no effect: a
         * frame for the bar, no rerun (test_absent_param_no_rerun) */
        if (explorer_param_state(&ex, p) == EXPS_ABSENT) assert_int_equal(fl, EX_REDRAW);
        else assert_true((fl & EX_RECOMPUTE) == EX_RECOMPUTE);
        assert_true(param_in_range((enum param_id)p, after));
        explorer_param_off(&ex);
        /* a setting of a stage (xtc-threshold) returns to its default, never "off" */
        assert_true(param_is_off(&ex.params, (enum param_id)p) || d->off_rule == OFF_NEVER);
        char v[32];
        explorer_param_text(&ex, p, v, sizeof v);
        assert_true(v[0] != 0);
    }
    /* the fields after the parameters: chain and seed */
    assert_string_equal(explorer_param_name(EXP_CHAIN), "chain");
    assert_string_equal(explorer_param_name(EXP_SEED), "seed");
    explorer_free(&ex);
}

/* A key on a parameter whose stage is not in the chain reruns nothing
 * (issue 9: a frame, not a chain run), and rightly: the step rerun with
 * the new value anyway gives the same result, for every such parameter of
 * every system's chain with its defaults on (and mirostat, penalties and
 * DRY on where the chain has them). */
static void test_absent_param_no_rerun(void **st)
{
    (void)st;
    for (int sys = PRESET_HF; sys <= PRESET_VLLM; sys++) {
        struct explorer ex;
        open_synth(&ex, 300);
        struct chain c;
        chain_preset(&c, (enum preset)sys);
        explorer_set_chain(&ex, &c);
        struct params p = preset_defaults((enum preset)sys);
        p.repeat_penalty = 1.2; p.dry_multiplier = 0.5; p.mirostat = 2;
        explorer_set_params(&ex, &p);
        explorer_set_step(&ex, 2);
        explorer_update(&ex);
        int n_absent = 0;
        for (int q = 0; q < PARAM__COUNT; q++) {
            if (explorer_param_state(&ex, q) != EXPS_ABSENT) continue;
            n_absent++;
            struct chain_result before;
            assert_int_equal(chain_result_init(&before, 300), 0);
            uint32_t kept = ex.res.n_kept;
            memcpy(before.p, ex.res.p, 300 * sizeof *before.p);
            explorer_focus(&ex, PANEL_PARAMS, q);
            const struct param_def *d = param_def((enum param_id)q);
            unsigned fl = explorer_adjust(&ex, param_get(&ex.params, (enum param_id)q) >= d->hi ? -1 : 1, 1);
            assert_int_equal(fl, EX_REDRAW);
            assert_int_equal(ex.stale, EX_NONE);
            ex.stale = EX_RECOMPUTE;   /* rerun anyway: the same numbers */
            explorer_update(&ex);
            assert_int_equal(ex.res.n_kept, kept);
            assert_memory_equal(ex.res.p, before.p, 300 * sizeof *before.p);
            chain_result_free(&before);
        }
        assert_true(n_absent > 0);
        explorer_free(&ex);
    }
}

/* Repeated steps stay on the 0.01 grid and inside the range. */
static void test_steps_clamp(void **st)
{
    (void)st;
    struct explorer ex;
    open_synth(&ex, 100);
    explorer_focus(&ex, PANEL_PARAMS, PARAM_TOP_P);
    for (int i = 0; i < 3; i++) explorer_adjust(&ex, -1, 0);
    assert_true(fabs(ex.params.top_p - 0.97) < 1e-12);
    for (int i = 0; i < 30; i++) explorer_adjust(&ex, -1, 1);
    assert_true(ex.params.top_p == 0.0);
    explorer_focus(&ex, PANEL_PARAMS, PARAM_TOP_K);
    explorer_adjust(&ex, 1, 1);
    explorer_adjust(&ex, 1, 0);
    assert_int_equal(ex.params.top_k, 11);
    explorer_free(&ex);
}

static void test_chain_editing(void **st)
{
    (void)st;
    struct explorer ex;
    open_synth(&ex, 100);
    char buf[128];
    assert_int_equal(explorer_command(&ex, "chain top-k,temperature,top-p"), EXC_OK);
    /* the case: min-p set with its stage absent says so */
    assert_int_equal(explorer_command(&ex, "set min_p 0.5"), EXC_OK);
    assert_non_null(strstr(ex.msg, "not in the chain"));
    assert_int_equal(explorer_param_state(&ex, PARAM_MIN_P), EXPS_ABSENT);
    assert_int_equal(explorer_param_state(&ex, PARAM_TOP_K), EXPS_IN_CHAIN);
    explorer_focus(&ex, PANEL_PARAMS, PARAM_MIN_P);
    assert_non_null(strstr(ex.msg, "not in the chain"));
    /* add: where the stage table's order puts it (after top-p) */
    explorer_chain_add(&ex);
    chain_format(&ex.chain, buf, sizeof buf);
    assert_string_equal(buf, "top-k,temperature,top-p,min-p");
    assert_int_equal(ex.chain.preset, PRESET_CUSTOM);
    assert_int_equal(explorer_param_state(&ex, PARAM_MIN_P), EXPS_IN_CHAIN);
    explorer_chain_add(&ex);
    assert_non_null(strstr(ex.msg, "already in the chain"));
    /* move earlier twice, later once; first/last refuse */
    explorer_chain_move(&ex, -1);
    explorer_chain_move(&ex, -1);
    chain_format(&ex.chain, buf, sizeof buf);
    assert_string_equal(buf, "top-k,min-p,temperature,top-p");
    explorer_chain_move(&ex, 1);
    chain_format(&ex.chain, buf, sizeof buf);
    assert_string_equal(buf, "top-k,temperature,min-p,top-p");
    explorer_focus(&ex, PANEL_PARAMS, PARAM_TOP_K);
    explorer_chain_move(&ex, -1);
    assert_non_null(strstr(ex.msg, "already first"));
    /* remove; the edit equals :chain with that list */
    explorer_chain_remove(&ex);
    chain_format(&ex.chain, buf, sizeof buf);
    assert_string_equal(buf, "temperature,min-p,top-p");
    struct chain typed;
    struct ls_error e = {0};
    assert_int_equal(chain_parse(buf, &typed, &e), 0);
    assert_memory_equal(&typed, &ex.chain, sizeof typed);
    /* the last stage stays */
    assert_int_equal(explorer_command(&ex, "chain top-p"), EXC_OK);
    explorer_focus(&ex, PANEL_PARAMS, PARAM_TOP_P);
    explorer_chain_remove(&ex);
    assert_int_equal(ex.chain.n, 1);
    assert_true(ex.msg_error);
    /* the seed has no stage */
    explorer_focus(&ex, PANEL_PARAMS, EXP_SEED);
    explorer_chain_add(&ex);
    assert_true(ex.msg_error);
    explorer_free(&ex);
}

/* Marks: top-k's line after row k, top-p's after the crossing of its
 * input (after temperature in hf order), min-p's p_min = min_p * p_max of
 * its input; the strip shows top-p's input and sums to 1 over the list. */
static void test_marks(void **st)
{
    (void)st;
    struct explorer ex;
    open_synth(&ex, 300);
    assert_int_equal(explorer_command(&ex, "set top_k 20"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set temperature 0.5"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set top_p 0.6"), EXC_OK);
    explorer_update(&ex);
    const struct chain_result *r = &ex.res;
    assert_true(ex.n_marks >= 2);
    const struct ex_mark *mk = &ex.marks[0];
    assert_int_equal(r->stages[mk->stage].kind, STAGE_TOP_K);
    assert_int_equal(mk->row, 20);
    const struct ex_mark *mp = &ex.marks[1];
    assert_int_equal(r->stages[mp->stage].kind, STAGE_TOP_P);
    assert_int_equal(mp->row, r->n_kept);
    assert_true(mp->mass_kept >= 0.6 - 1e-12);
    /* the strip is top-p's input: kept tokens carry >= 0.6 of it, and
     * the kept set without its last token carries less */
    assert_int_equal(ex.strip_stage, mp->stage);
    double kept = 0, last = 0;
    for (uint32_t k = 0; k < mp->row; k++) { kept += ex.strip_p[k]; last = ex.strip_p[k]; }
    assert_true(fabs(kept - mp->mass_kept) < 1e-9);
    assert_true(kept - last < 0.6);
    /* min-p alone */
    assert_int_equal(explorer_command(&ex, "chain min-p"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set min_p 0.2"), EXC_OK);
    explorer_update(&ex);
    assert_int_equal(ex.n_marks, 1);
    double pmax = r->p_raw[ex.top[0]];
    assert_true(fabs(ex.marks[0].p_min - 0.2 * pmax) < 1e-12);
    assert_true(r->p_raw[ex.top[ex.marks[0].row - 1]] >= ex.marks[0].p_min);
    assert_true(r->p_raw[ex.top[ex.marks[0].row]] < ex.marks[0].p_min);
    assert_int_equal(ex.strip_stage, -1);
    explorer_free(&ex);
    /* top-p keeping more tokens than the cached rows: the strip's
     * normaliser comes from a pass over V; the rows then hold less than 1 */
    open_synth(&ex, 20000);
    assert_int_equal(explorer_command(&ex, "set temperature 1.5"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set top_p 0.999"), EXC_OK);
    explorer_update(&ex);
    assert_true(ex.res.n_kept > EX_TOP_MAX);
    double sum = 0;
    for (uint32_t k = 0; k < ex.n_top; k++) sum += ex.strip_p[k];
    assert_true(sum > 0.05 && sum < 1.0);
    double in = 0;  /* independently: top-p's input is every token, after T */
    for (uint32_t i = 0; i < ex.V; i++) in += exp(((double)ex.logits[i] - ex.res.max_logit) / 1.5);
    double q0 = exp(((double)ex.logits[ex.top[0]] - ex.res.max_logit) / 1.5) / in;
    assert_true(fabs(ex.strip_p[0] - q0) < 1e-12);
    explorer_free(&ex);
}

/* Row 0 of the bar as text, and the role of the cell at column x. */
static void bar(const struct explorer *ex, int w, char *text, size_t n, struct grid *g)
{
    assert_int_equal(grid_resize(g, w, 1), 0);
    grid_clear(g);
    view_params(g, ex, (struct view_rect){ 0, 0, w, 1 });
    grid_to_text(g, text, n);
}

/* The bar dims a parameter whose stage is absent, and folds the off ones
 * into "+N off" only when everything does not fit. */
static void test_bar(void **st)
{
    (void)st;
    struct explorer ex;
    struct grid g = {0};
    char t[256];
    open_synth(&ex, 100);
    bar(&ex, 80, t, sizeof t, &g);
    /* every sampler of the table does not fit 80 columns: the idle ones fold */
    assert_non_null(strstr(t, " off  hf "));
    assert_null(strstr(t, "min-p off"));
    assert_int_equal(explorer_command(&ex, "chain top-k,temperature,top-p"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set min_p 0.5"), EXC_OK);
    bar(&ex, 80, t, sizeof t, &g);
    const char *m = strstr(t, "min-p 0.50");
    assert_non_null(m);
    assert_int_equal(grid_cat(&g, (int)(m - t), 0)->role, ROLE_DIM);
    assert_null(strstr(t, "top-k")); /* off and not focused: folded */
    /* a long seed at 60 columns: the off parameters fold */
    explorer_set_seed(&ex, UINT64_MAX);
    explorer_focus(&ex, PANEL_PARAMS, EXP_SEED);
    bar(&ex, 60, t, sizeof t, &g);
    assert_non_null(strstr(t, " off "));
    assert_non_null(strstr(t, "18446744073709551615"));
    /* every parameter on and a long seed at 64 columns (hf's shorthand names its
     * eight stages): those farthest from
     * the focused one go ("+N more"); the focused one, chain and seed stay */
    assert_int_equal(explorer_command(&ex, "chain hf"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set temperature 0.7"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set top_k 40"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set top_p 0.9"), EXC_OK);
    explorer_focus(&ex, PANEL_PARAMS, PARAM_MIN_P);
    bar(&ex, 64, t, sizeof t, &g);
    assert_non_null(strstr(t, "m 0.50"));
    assert_non_null(strstr(t, "more"));
    assert_non_null(strstr(t, "hf b>e>T>k>p>m>y>E>H"));
    assert_non_null(strstr(t, "18446744073709551615"));
    assert_null(strstr(t, "T 0.70"));
    grid_free(&g);
    explorer_free(&ex);
}

/* The chain panel drawn at w x h, as text. */
static void chain_text(const struct explorer *ex, int w, int h, char *t, size_t n, struct grid *g)
{
    assert_int_equal(grid_resize(g, w, h), 0);
    grid_clear(g);
    view_chain(g, ex, (struct view_rect){ 0, 0, w, h });
    grid_to_text(g, t, n);
}

/* The chain panel at V = 262144 (issue 12): the columns stay apart at
 * every panel width the layout gives it (28, 36, 42, 48). */
static void test_chain_panel_big_v(void **st)
{
    (void)st;
    struct explorer ex;
    struct grid g = {0};
    char t[2048];
    open_synth(&ex, 262144);
    assert_int_equal(explorer_command(&ex, "set temperature 0.7"), EXC_OK);
    explorer_update(&ex);
    static const int widths[] = { 28, 36, 42, 48 };
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        int w = widths[i];
        chain_text(&ex, w, 7, t, sizeof t, &g);
        assert_null(strstr(t, "temperature262144"));
        assert_null(strstr(t, "e262"));
        /* hf's chain: logit-bias and penalties (off), then temperature */
        if (w >= 36) assert_non_null(strstr(t, "3 temperature 262144\xE2\x86\x92" "262144 reshape"));
        else assert_non_null(strstr(t, " 262k\xE2\x86\x92" "262k reshape"));
    }
    grid_free(&g);
    explorer_free(&ex);
}

/* A short chain panel folds the inactive stages into one "off:" row, then
 * drops the strip, then summarises the rest as "+N more". */
static void test_chain_panel_short(void **st)
{
    (void)st;
    struct explorer ex;
    struct grid g = {0};
    char t[1024];
    open_synth(&ex, 100);
    assert_int_equal(explorer_command(&ex, "set temperature 0.7"), EXC_OK);
    assert_int_equal(explorer_command(&ex, "set top_p 0.9"), EXC_OK);
    explorer_update(&ex);
    /* hf's chain: logit-bias, penalties, T, top-k, top-p, min-p, typical-p, epsilon, eta */
    chain_text(&ex, 36, 7, t, sizeof t, &g);  /* the active rows, the off row and the strip */
    assert_non_null(strstr(t, "off: 1 logit-bias 2 penalties 4"));
    assert_non_null(strstr(t, "top-p 0.90"));
    chain_text(&ex, 36, 4, t, sizeof t, &g);
    assert_non_null(strstr(t, "3 temperature"));
    assert_non_null(strstr(t, "5 top-p"));
    assert_non_null(strstr(t, "off: 1 logit-bias 2 penalties 4"));
    assert_null(strstr(t, "top-p 0.90"));
    chain_text(&ex, 36, 3, t, sizeof t, &g);
    assert_non_null(strstr(t, "+2 more"));
    assert_non_null(strstr(t, "off:"));
    grid_free(&g);
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_param_adjusts),
        cmocka_unit_test(test_absent_param_no_rerun),
        cmocka_unit_test(test_steps_clamp),
        cmocka_unit_test(test_chain_editing),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_bar),
        cmocka_unit_test(test_chain_panel_big_v),
        cmocka_unit_test(test_chain_panel_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
