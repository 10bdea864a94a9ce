/* test_dataset_table.c: the explorer's dataset table (report/dataset_table.h,
 * explorer/explorer_dataset.h): columns and their names, values equal to
 * ds_value / ds_delta, the sort (by a score or a delta, both directions;
 * rows without a value last either way; ties in id order), the selection
 * kept while rows arrive, and the table filled in background slices giving
 * exactly `dataset eval`'s document and summary (one definition of every
 * number). Run from the repository root (tests/data/dataset). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "explorer/explorer_dataset.h"
#include "eval/eval_gen.h"
#include "model/model.h"
#include "report/dataset_table.h"
#include "report/eval_report.h"

static const double temps[2] = { 0, 1 };

/* The settings every explorer-table test opens with: hf's chain with
 * every stage off, n continuations, no source options. */
static void table_settings(struct eval_config *cfg, struct chain *ch, struct params *p, struct source_opts *so,
                           uint32_t n)
{
    eval_config_init(cfg);
    cfg->n_samples = n;
    chain_preset(ch, PRESET_HF);
    *p = PARAMS_OFF;
    memset(so, 0, sizeof *so);
}

static struct ds_doc *new_doc(int paired, struct eval_config *cfg, struct chain *ch, struct params *p)
{
    struct ls_error err = {0};
    eval_config_init(cfg);
    cfg->n_samples = 5;
    chain_preset(ch, PRESET_HF);
    struct ds_spec sp = { "a", paired ? "b" : NULL, temps, 2, ch, p, cfg, NULL, NULL, 20, NULL, { NULL, NULL }, 0 };
    struct ds_doc *d = NULL;
    assert_int_equal(ds_doc_new(&sp, &d, &err), LS_OK);
    return d;
}

/* A version with metric 0 = x at T 0 and y at T 1, every other score n/a. */
static void version(const struct ds_doc *d, struct ds_version *v, double x, double y)
{
    v->status = DSV_OK;
    v->v = malloc((size_t)(d->n_temps * d->n_metrics) * sizeof *v->v);
    for (int i = 0; i < d->n_temps * d->n_metrics; i++) v->v[i] = NAN;
    v->v[0] = x;
    v->v[d->n_metrics] = y;
    v->file = strdup("f");
    v->format = strdup("npy");
}

static void test_sort(void **state)
{
    (void)state;
    struct eval_config cfg;
    struct chain ch;
    struct params p = PARAMS_OFF;
    struct ls_error err = {0};
    struct ds_doc *d = new_doc(1, &cfg, &ch, &p);
    /* r0: A .5/.5, B .9/.1 (deltas +.4, -.4); r1: A .2/.2, B .3/.3 (+.1,
     * +.1); r2: A failed; r3: not evaluated yet */
    struct ds_job jobs[4] = { { "r0", NULL, NULL }, { "r1", NULL, NULL }, { "r2", NULL, NULL }, { "r3", NULL, NULL } };
    struct ds_row_result *r = ds_doc_add_row(d, "r0");
    version(d, &r->ver[0], 0.5, 0.5);
    version(d, &r->ver[1], 0.9, 0.1);
    r = ds_doc_add_row(d, "r1");
    version(d, &r->ver[0], 0.2, 0.2);
    version(d, &r->ver[1], 0.3, 0.3);
    r = ds_doc_add_row(d, "r2");
    r->ver[0].status = DSV_FAILED;
    r->ver[0].error = strdup("no file");
    version(d, &r->ver[1], 0.7, 0.7);
    struct ds_table t;
    assert_int_equal(ds_table_init(&t, d, jobs, 4, &err), LS_OK);
    for (long i = 0; i < 3; i++) ds_table_set_row(&t, (size_t)i, i);
    assert_int_equal(t.n_lines, 8);
    assert_int_equal(t.n_cols, 3 * d->n_metrics);
    assert_int_equal(t.n_done, 3);
    char name[128];
    ds_table_col_name(&t, 2, name, sizeof name);
    assert_string_equal(name, "json_valid_share:delta");
    assert_int_equal(ds_table_col_find(&t, "json_valid_share:delta"), 2);
    assert_int_equal(ds_table_col_find(&t, "json_valid_share"), 2);      /* bare: the delta */
    assert_int_equal(ds_table_col_find(&t, "json_valid_share:B"), 1);
    assert_int_equal(ds_table_col_find(&t, "nonsense"), -1);
    /* id order: r0 T0, r0 T1, r1 T0, ...; values are ds_value / ds_delta */
    assert_true(ds_table_value(&t, 0, 2) == ds_delta(d, &d->rows[0], 0, 0));
    assert_true(ds_table_value(&t, 1, 1) == ds_value(d, &d->rows[0], 1, 1, 0));
    assert_true(isnan(ds_table_value(&t, 4, 0)));         /* r2's A failed */
    assert_true(isnan(ds_table_value(&t, 6, 0)));         /* r3 pending */
    assert_null(ds_table_result(&t, 6));
    /* by the delta, smallest first: r0 T1 (-.4), r1 T0, r1 T1 (+.1, ties in
     * id order), r0 T0 (+.4), then r2 and r3 (no delta) in id order */
    t.sort_col = 2;
    ds_table_sort(&t);
    static const uint32_t asc_job[8] = { 0, 1, 1, 0, 2, 2, 3, 3 };
    static const int asc_temp[8] = { 1, 0, 1, 0, 0, 1, 0, 1 };
    for (int i = 0; i < 8; i++) { assert_int_equal(t.line[i].job, asc_job[i]); assert_int_equal(t.line[i].temp, asc_temp[i]); }
    /* largest first: no-value lines still last */
    t.desc = 1;
    ds_table_sort(&t);
    static const uint32_t desc_job[8] = { 0, 1, 1, 0, 2, 2, 3, 3 };
    static const int desc_temp[8] = { 0, 0, 1, 1, 0, 1, 0, 1 };
    for (int i = 0; i < 8; i++) { assert_int_equal(t.line[i].job, desc_job[i]); assert_int_equal(t.line[i].temp, desc_temp[i]); }
    /* by B: r2's B (.7) has a value although its A failed */
    t.sort_col = 1;
    ds_table_sort(&t);
    assert_int_equal(t.line[0].job, 0);   /* .9 */
    assert_int_equal(t.line[1].job, 2);   /* .7 */
    assert_int_equal(ds_table_find_line(&t, 3, 1), 7);
    /* the id order reversed */
    t.sort_col = -1;
    ds_table_sort(&t);
    assert_int_equal(t.line[0].job, 3);
    assert_int_equal(t.line[0].temp, 1);
    ds_table_free(&t);
    ds_doc_free(d);
}

static void test_unpaired_names(void **state)
{
    (void)state;
    struct eval_config cfg;
    struct chain ch;
    struct params p = PARAMS_OFF;
    struct ls_error err = {0};
    struct ds_doc *d = new_doc(0, &cfg, &ch, &p);
    struct ds_job jobs[1] = { { "x", NULL, NULL } };
    struct ds_table t;
    assert_int_equal(ds_table_init(&t, d, jobs, 1, &err), LS_OK);
    assert_int_equal(t.n_cols, d->n_metrics);
    char name[128];
    ds_table_col_name(&t, 0, name, sizeof name);
    assert_string_equal(name, "json_valid_share");
    assert_int_equal(ds_table_col_find(&t, "json_valid_share"), 0);
    assert_int_equal(ds_table_col_kind(&t, 0), DSC_A);
    ds_table_free(&t);
    ds_doc_free(d);
}

static char *print(const struct ds_doc *d)
{
    struct ls_error err = {0};
    cJSON *j = ds_doc_json(d, &err);
    assert_non_null(j);
    char *t = cJSON_Print(j);
    cJSON_Delete(j);
    return t;
}

/* The table filled slice by slice = `dataset eval`'s run (ds_run on
 * threads), byte for byte; the selection follows its line while rows
 * arrive; sort commands; Enter on a failed row refuses with the error. */
static void test_background_equals_run(void **state)
{
    (void)state;
    struct eval_config cfg;
    struct chain ch;
    struct params p;
    struct source_opts so;
    struct ls_error err = {0};
    table_settings(&cfg, &ch, &p, &so, 5);
    struct ex_dataset ds;
    memset(&ds, 0, sizeof ds);
    struct explorer ex;
    explorer_init(&ex);
    struct ex_dataset_spec xs = { "tests/data/dataset/a.jsonl", "tests/data/dataset/b.jsonl", temps, 2, &ch, &p, &cfg,
                                  &so, { NULL, NULL }, 0 };
    assert_int_equal(explorer_dataset_open(&ds, &xs, &err), LS_OK);
    assert_int_equal(ds.table.n_lines, 16);            /* 8 ids x 2 temperatures, shown at once */
    assert_int_equal(ds.table.n_done, 0);
    assert_int_equal(explorer_dataset_command(&ds, &ex, "sort json_valid_share:A desc"), EXC_OK);
    assert_int_equal(ds.table.sort_col, 0);
    assert_true(ds.table.desc);
    assert_int_equal(explorer_dataset_command(&ds, &ex, "sort bogus"), EXC_ERROR);
    /* a header click: another column sorts largest first, the same one reverses */
    assert_int_equal(explorer_dataset_sort_by(&ds, &ex, 2), EX_REDRAW);
    assert_true(ds.table.sort_col == 2 && ds.table.desc);
    assert_int_equal(explorer_dataset_sort_by(&ds, &ex, 2), EX_REDRAW);
    assert_true(ds.table.sort_col == 2 && !ds.table.desc);
    assert_int_equal(explorer_dataset_sort_by(&ds, &ex, ds.table.n_cols), EX_NONE);
    assert_int_equal(explorer_dataset_command(&ds, &ex, "sort json_valid_share:A desc"), EXC_OK);
    assert_int_equal(explorer_dataset_move(&ds, 5, 10), EX_REDRAW);
    struct ds_tline keep = ds.table.line[ds.sel];
    unsigned fl;
    int slices = 0;
    while ((fl = explorer_dataset_work(&ds, &ex, 0)) & EX_BUSY) {   /* budget 0: one unit a slice */
        slices++;
        assert_int_equal(ds.table.line[ds.sel].job, keep.job);
        assert_int_equal(ds.table.line[ds.sel].temp, keep.temp);
    }
    /* far more slices than rows: a slice is a unit below a row (a step, a
     * temperature's finish, a chunk of a bootstrap) */
    assert_true(slices > 8 * 4);
    assert_int_equal(ds.table.n_done, 8);
    assert_true(ds.summary_ok);
    /* dataset eval's own run of the same plan */
    struct ds_spec sp = { "tests/data/dataset/a.jsonl", "tests/data/dataset/b.jsonl", temps, 2, &ch, &p, &cfg,
                          NULL, NULL, 20, NULL, { NULL, NULL }, 0 };
    struct ds_doc *d = NULL;
    assert_int_equal(ds_doc_new(&sp, &d, &err), LS_OK);
    d->rows_total = d->rows_expected = ds.plan.total;
    struct ds_run_opts ro = { &so, cfg, ch, p, 2, NULL, NULL, NULL, { NULL, NULL }, 0 };
    assert_int_equal(ds_run(d, ds.plan.jobs, ds.plan.n_jobs, &ro, &err), LS_OK);
    char *t1 = print(d), *t2 = print(ds.doc);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    ds_doc_free(d);
    /* jobs in id order: <line 7>, only_a, only_b, r1, r2, r3, r4, r5. Enter
     * on an unusable line, a missing dump or a prompt row says why and stays
     * in the table; on r1 it opens A with B side by side at the line's T */
    struct explorer_eval xe;
    explorer_eval_init(&xe);
    static struct ex_live lv;   /* off: r4 has no model here */
    assert_int_equal(explorer_dataset_command(&ds, &ex, "sort id"), EXC_OK);
    static const struct { uint32_t job; const char *msg; } refused[] = {
        { 0, "manifest line 7" }, { 5, "missing.json" }, { 6, "prompt row" } };
    for (int i = 0; i < 3; i++) {
        ds.sel = ds_table_find_line(&ds.table, refused[i].job, 0);
        assert_int_equal(explorer_dataset_enter(&ds, &ex, &xe, &lv), EX_REDRAW);
        assert_true(ex.msg_error);
        assert_non_null(strstr(ex.msg, refused[i].msg));
        assert_true(ds.shown);
    }
    ds.sel = ds_table_find_line(&ds.table, 3, 1);
    assert_true(explorer_dataset_enter(&ds, &ex, &xe, &lv) & EX_RECOMPUTE);
    assert_false(ds.shown);
    assert_non_null(ex.src);
    assert_int_equal(xe.view, XV_DIFF);
    assert_true(ex.params.temperature == 1.0);
    assert_non_null(strstr(ex.other_path, "diff_b.json"));
    assert_int_equal(explorer_dataset_back(&ds), EX_RESIZE);
    assert_true(ds.shown);
    assert_int_equal(ds.sel, ds_table_find_line(&ds.table, 3, 1));   /* the selection kept */
    assert_int_equal(explorer_dataset_back(&ds), EX_NONE);
    explorer_eval_free(&xe);
    explorer_dataset_free(&ds);
    assert_int_equal(explorer_dataset_command(&ds, &ex, "table"), EXC_ERROR);   /* no dataset */
    explorer_free(&ex);
}

/* Prompt rows through the table's slices: each value is what eval_gen_run
 * (`eval --model`) gives for that prompt and temperature; without a model
 * the row fails saying so. */
static void test_prompt_rows(void **state)
{
    (void)state;
    struct eval_config cfg;
    struct chain ch;
    struct params p;
    struct source_opts so;
    struct ls_error err = {0};
    table_settings(&cfg, &ch, &p, &so, 6);
    struct ex_dataset ds;
    memset(&ds, 0, sizeof ds);
    struct explorer ex;
    explorer_init(&ex);
    struct ex_dataset_spec xs = { "tests/data/dataset/prompts.jsonl", NULL, temps, 2, &ch, &p, &cfg, &so,
                                  { "samples/model.lsm", NULL }, 12 };
    assert_int_equal(explorer_dataset_open(&ds, &xs, &err), LS_OK);
    while (explorer_dataset_work(&ds, &ex, 1000000000L) & EX_BUSY) {}
    assert_int_equal(ds.table.n_done, 4);    /* d1 p1 p2 p3 */
    const struct ds_row_result *r = &ds.doc->rows[3];
    assert_string_equal(r->id, "p3");
    assert_int_equal(r->ver[0].status, DSV_OK);
    assert_string_equal(r->ver[0].format, "generated");
    struct model *m = NULL;
    assert_int_equal(model_open("samples/model.lsm", &m, &err), LS_OK);
    int32_t *ids = NULL;
    uint32_t n = 0;
    assert_int_equal(model_encode_prompt(m, "The", 3, &ids, &n, &err), LS_OK);
    struct eval_gen_request g = { m, "The", ids, n, 12, NULL };
    struct eval_settings set[2] = { { ch, p }, { ch, p } };
    set[0].params.temperature = 0;
    set[1].params.temperature = 1;
    cfg.threads = 1;
    struct eval_gen *gen = NULL;
    assert_int_equal(eval_gen_run(&g, &cfg, set, 2, NULL, &gen, &err), LS_OK);
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < ds.doc->n_metrics; k++) {
            struct eval_sweep_col c = { ds.doc->metrics[k], NULL, NULL, 0, -1 };
            double want = eval_sweep_value(&c, eval_run_scores(gen->run, (size_t)t));
            double got = ds_value(ds.doc, r, 0, t, k);
            assert_true((isnan(want) && isnan(got)) || want == got);
        }
    eval_gen_free(gen);
    free(ids);
    model_close(m);
    explorer_dataset_free(&ds);
    /* no model for A: the prompt rows fail and say why */
    xs.model[0] = NULL;
    assert_int_equal(explorer_dataset_open(&ds, &xs, &err), LS_OK);
    while (explorer_dataset_work(&ds, &ex, 1000000000L) & EX_BUSY) {}
    assert_int_equal(ds.doc->rows[3].ver[0].status, DSV_FAILED);
    assert_non_null(strstr(ds.doc->rows[3].ver[0].error, "needs a model"));
    explorer_dataset_free(&ds);
    explorer_free(&ex);
}


/* Two summaries agree bit for bit (NaN = NaN). */
static void same_summary(const struct ds_doc *d, const struct ds_summary *a, const struct ds_summary *b)
{
    assert_int_equal(a->n_rows, b->n_rows);
    assert_int_equal(a->n_moved, b->n_moved);
    assert_int_equal(a->kl_rows, b->kl_rows);
    for (int i = 0; i < d->n_temps * d->n_metrics; i++) {
        const struct ds_cell *x = &a->cells[i], *y = &b->cells[i];
        assert_true(x->n_a == y->n_a && x->n_b == y->n_b && x->n_pair == y->n_pair);
        assert_memory_equal(&x->mean_a, &y->mean_a, sizeof x->mean_a);
        assert_memory_equal(&x->mean_b, &y->mean_b, sizeof x->mean_b);
        assert_memory_equal(&x->delta, &y->delta, sizeof x->delta);
        assert_memory_equal(x->ci, y->ci, sizeof x->ci);
    }
    for (size_t i = 0; i < a->n_moved; i++) {
        assert_true(a->moved[i].row == b->moved[i].row && a->moved[i].temp == b->moved[i].temp);
        assert_memory_equal(&a->moved[i].delta, &b->moved[i].delta, sizeof a->moved[i].delta);
    }
}

/* Background work below the row: with a budget of 0 every slice is one
 * unit (a generated token, a step of an eval pass, a temperature's
 * finish, a chunk of a bootstrap), so a prompt row takes hundreds of
 * slices; the document is still `dataset eval`'s byte for byte (ds_run,
 * every row in one go on two threads), and the summary computed in slices
 * equals ds_summary_compute. The eval_gen stepper on its own equals
 * eval_gen_run. */
static void test_sliced_equals_unsliced(void **state)
{
    (void)state;
    struct eval_config cfg;
    struct chain ch;
    struct params p;
    struct source_opts so;
    struct ls_error err = {0};
    table_settings(&cfg, &ch, &p, &so, 4);
    static struct ex_dataset ds;
    struct explorer ex;
    explorer_init(&ex);
    const char *pr = "tests/data/dataset/prompts.jsonl";
    struct ex_dataset_spec xs = { pr, pr, temps, 2, &ch, &p, &cfg, &so,
                                  { "samples/model.lsm", "samples/dataset/model_b.lsm" }, 10 };
    assert_int_equal(explorer_dataset_open(&ds, &xs, &err), LS_OK);
    size_t slices = 0, row_slices = 0;
    unsigned fl;
    while ((fl = explorer_dataset_work(&ds, &ex, 0)) & EX_BUSY) {
        slices++;
        row_slices += ds.table.n_done < ds.table.n_jobs;
    }
    assert_int_equal(ds.table.n_done, 4);
    /* 3 prompt rows x 2 versions x 2 temperatures x 4 continuations of up
     * to 10 tokens: far more than one slice per row */
    assert_true(row_slices > 3 * 2 * 2 * 4);
    assert_true(ds.summary_ok);
    struct ds_spec sp = { pr, pr, temps, 2, &ch, &p, &cfg, NULL, NULL, 20, NULL,
                          { "samples/model.lsm", "samples/dataset/model_b.lsm" }, 10 };
    struct ds_doc *d = NULL;
    assert_int_equal(ds_doc_new(&sp, &d, &err), LS_OK);
    d->rows_total = d->rows_expected = ds.plan.total;
    struct ds_run_opts ro = { &so, cfg, ch, p, 2, NULL, NULL, NULL,
                              { "samples/model.lsm", "samples/dataset/model_b.lsm" }, 10 };
    assert_int_equal(ds_run(d, ds.plan.jobs, ds.plan.n_jobs, &ro, &err), LS_OK);
    char *t1 = print(d), *t2 = print(ds.doc);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    struct ds_summary whole;
    assert_int_equal(ds_summary_compute(d, &whole, &err), LS_OK);
    same_summary(d, &whole, &ds.sum);
    ds_summary_free(&whole);
    ds_doc_free(d);
    explorer_dataset_free(&ds);
    /* the summary of 200 paired rows in slices of one unit: each cell's
     * bootstrap resumes chunk after chunk */
    cfg.n_samples = 2;
    struct ex_dataset_spec xd = { "samples/dataset/a.jsonl", "samples/dataset/b.jsonl", temps, 2, &ch, &p, &cfg, &so,
                                  { NULL, NULL }, 0 };
    assert_int_equal(explorer_dataset_open(&ds, &xd, &err), LS_OK);
    while (ds.next < ds.plan.n_jobs) explorer_dataset_work(&ds, &ex, 1000000000L);
    slices = 0;
    while (explorer_dataset_work(&ds, &ex, 0) & EX_BUSY) slices++;
    assert_true(ds.summary_ok);
    assert_true(slices > (size_t)(2 * ds.doc->n_metrics) * 10);
    assert_int_equal(ds_summary_compute(ds.doc, &whole, &err), LS_OK);
    same_summary(ds.doc, &whole, &ds.sum);
    ds_summary_free(&whole);
    explorer_dataset_free(&ds);
    cfg.n_samples = 4;
    /* the generation stepper, one unit per call, against eval_gen_run */
    struct model *m = NULL;
    assert_int_equal(model_open("samples/model.lsm", &m, &err), LS_OK);
    int32_t *ids = NULL;
    uint32_t n = 0;
    assert_int_equal(model_encode_prompt(m, "{\"name\": \"", 10, &ids, &n, &err), LS_OK);
    struct eval_gen_request g = { m, "{\"name\": \"", ids, n, 12, NULL };
    struct eval_settings set[2] = { { ch, p }, { ch, p } };
    set[0].params.temperature = 0.4;
    set[1].params.temperature = 1;
    struct eval_gen *whole_gen = NULL;
    assert_int_equal(eval_gen_run(&g, &cfg, set, 2, NULL, &whole_gen, &err), LS_OK);
    struct eval_gen_job *j = NULL;
    assert_int_equal(eval_gen_begin(&g, &cfg, set, 2, &j, &err), LS_OK);
    int done = 0, units = 0;
    while (!done) { assert_int_equal(eval_gen_advance(j, 0, NULL, &done, &err), LS_OK); units++; }
    assert_true(units > 2 * 4);
    struct eval_gen *sliced = eval_gen_take(j);
    eval_gen_job_free(j);
    for (size_t k = 0; k < 2; k++) {
        const struct eval_scores *a = eval_run_scores(whole_gen->run, k), *b = eval_run_scores(sliced->run, k);
        assert_memory_equal(a, b, sizeof *a);
        assert_memory_equal(whole_gen->sets[k].brk_step, sliced->sets[k].brk_step, cfg.n_samples * sizeof(int32_t));
    }
    eval_gen_free(whole_gen);
    eval_gen_free(sliced);
    free(ids);
    model_close(m);
    explorer_free(&ex);
}

/* Enter on a paired prompt row: live mode on B's prompt with model B at
 * the line's temperature, the table's chain and seed; A (model A) is
 * generated beside it and held as live's A with both names; its texts are
 * continuations 0..n-1 of the table's N (the same json_valid_share when
 * n = N); a new temperature regenerates both; :table and Esc come back
 * with the selection kept and live mode off. */
static void test_prompt_row_live(void **state)
{
    (void)state;
    struct eval_config cfg;
    struct chain ch;
    struct params p;
    struct source_opts so;
    struct ls_error err = {0};
    table_settings(&cfg, &ch, &p, &so, 5);
    static struct ex_dataset ds;
    static struct ex_live lv;
    struct explorer ex;
    explorer_init(&ex);
    struct explorer_eval xe;
    explorer_eval_init(&xe);
    const char *pr = "tests/data/dataset/prompts.jsonl", *mb = "samples/dataset/model_b.lsm";
    struct ex_dataset_spec xs = { pr, pr, temps, 2, &ch, &p, &cfg, &so, { "samples/model.lsm", mb }, 12 };
    assert_int_equal(explorer_dataset_open(&ds, &xs, &err), LS_OK);
    while (explorer_dataset_work(&ds, &ex, 1000000000L) & EX_BUSY) {}
    assert_int_equal(explorer_dataset_command(&ds, &ex, "sort id"), EXC_OK);
    ds.sel = ds_table_find_line(&ds.table, 1, 1);   /* p1 at T 1 (jobs: d1 p1 p2 p3) */
    size_t sel = ds.sel;
    unsigned fl = explorer_dataset_enter(&ds, &ex, &xe, &lv);
    assert_int_equal(fl & EX_RECOMPUTE, EX_RECOMPUTE);
    assert_false(ds.shown);
    assert_non_null(lv.model);
    assert_string_equal(lv.model->name, "model_b.lsm");
    assert_string_equal(lv.prompt, "{\"name\": \"");
    assert_int_equal(lv.n, 5);
    assert_int_equal(lv.max_tokens, 12);
    assert_true(ex.params.temperature == 1.0 && ex.seed == cfg.seed);
    assert_non_null(ex.src);
    assert_int_equal(xe.view, XV_MAIN);
    assert_non_null(lv.cfg.reference);                      /* the row's reference for its scores */
    while (explorer_dataset_work(&ds, &ex, 1000000000L) & EX_BUSY) {}   /* A beside it */
    assert_true(lv.ab);
    assert_string_equal(lv.ab_model[0], "model.lsm");
    assert_string_equal(lv.ab_model[1], "model_b.lsm");
    assert_true(lv.ab_rq.params.temperature == 1.0);
    assert_non_null(strstr(ex.msg, "A/B: A model.lsm T=1 "));
    /* n = N: the live scores are the table's */
    const struct ds_row_result *r = &ds.doc->rows[ds.table.doc_row[1]];
    int m = 0;
    while (strcmp(ds.doc->metrics[m], "json_valid_share")) m++;
    assert_true(lv.sc_ok && lv.ab_sc_ok);
    assert_true(lv.sc.json_valid_share == ds_value(ds.doc, r, 1, 1, m));
    assert_true(lv.ab_sc.json_valid_share == ds_value(ds.doc, r, 0, 1, m));
    /* a new temperature: B regenerates (live work), then A (the table's work) */
    struct params q = ex.params;
    q.temperature = 0;
    assert_int_equal(explorer_set_params(&ex, &q), LS_OK);
    while (explorer_live_work(&lv, &ex, 1000000000L) & EX_BUSY) {}
    assert_true(lv.rq.params.temperature == 0 && lv.ab_rq.params.temperature == 1.0);
    while (explorer_dataset_work(&ds, &ex, 1000000000L) & EX_BUSY) {}
    assert_true(lv.ab_rq.params.temperature == 0);
    assert_true(lv.sc.json_valid_share == ds_value(ds.doc, r, 1, 0, m));
    assert_true(lv.ab_sc.json_valid_share == ds_value(ds.doc, r, 0, 0, m));
    /* back: live off, the selection kept */
    assert_int_equal(explorer_dataset_command(&ds, &ex, "table"), EXC_OK);
    assert_true(ds.shown);
    assert_null(lv.model);
    assert_null(ds.partner.model);
    assert_int_equal(ds.sel, sel);
    /* another row (p3 at T 0), left with _back */
    ds.sel = ds_table_find_line(&ds.table, 3, 0);
    assert_int_equal(explorer_dataset_enter(&ds, &ex, &xe, &lv) & EX_RECOMPUTE, EX_RECOMPUTE);
    assert_string_equal(lv.prompt, "The");
    assert_int_equal(explorer_dataset_back(&ds), EX_RESIZE);
    assert_null(lv.model);
    explorer_dataset_free(&ds);
    explorer_eval_free(&xe);
    explorer_live_free(&lv);
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_unpaired_names),
        cmocka_unit_test(test_background_equals_run),
        cmocka_unit_test(test_prompt_rows),
        cmocka_unit_test(test_sliced_equals_unsliced),
        cmocka_unit_test(test_prompt_row_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
