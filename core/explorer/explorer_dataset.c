/* explorer_dataset.c: the explorer's dataset table (explorer_dataset.h):
 * loading and planning, the background slices, the table's actions and
 * its ':' commands. */
#include "explorer/explorer_dataset.h"
#include "base/clock.h"
#include "sampling/params_table.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int explorer_dataset_open(struct ex_dataset *ds, const struct ex_dataset_spec *x, struct ls_error *err)
{
    explorer_dataset_free(ds);
    snprintf(ds->a_path, sizeof ds->a_path, "%s", x->a);
    snprintf(ds->b_path, sizeof ds->b_path, "%s", x->b ? x->b : "");
    struct ds_spec sp = { x->a, x->b, x->temps, x->n_temps, x->chain, x->params, x->cfg, x->src->format,
                          x->src->vocab_path, 20, NULL, { x->model[0], x->model[1] }, x->max_tokens };
    int rc = dataset_load(x->a, &ds->A, err);
    if (!rc && x->b) rc = dataset_load(x->b, &ds->B, err);
    if (!rc) rc = ds_doc_new(&sp, &ds->doc, err);
    if (!rc) rc = ds_plan_build(ds->A, ds->B, 0, 0, NULL, &ds->plan, err);
    if (!rc) rc = ds_table_init(&ds->table, ds->doc, ds->plan.jobs, ds->plan.n_jobs, err);
    if (rc) { explorer_dataset_free(ds); return rc; }
    ds->doc->rows_total = ds->doc->rows_expected = ds->plan.total;
    ds->src = *x->src;
    ds->ro = (struct ds_run_opts){ &ds->src, *x->cfg, *x->chain, *x->params, 1, NULL, NULL, NULL,
                                   { x->model[0], x->model[1] }, x->max_tokens };
    ds_worker_prepare(&ds->worker, &ds->ro, ds->plan.jobs, ds->plan.n_jobs);   /* not in a slice */
    ds->on = ds->shown = 1;
    ds->open_job = -1;
    return LS_OK;
}

/* A prompt row's live mode ends (the front end's live state is off again). */
static void live_close(struct ex_dataset *ds)
{
    if (ds->live) explorer_live_free(ds->live);
    ds->live = NULL;
    explorer_live_free(&ds->partner);
    explorer_free(&ds->shadow);
    ds->held = 0;
}

void explorer_dataset_free(struct ex_dataset *ds)
{
    live_close(ds);
    ds_rowjob_free(ds->rj);
    ds_row_result_clear(&ds->row);
    ds_summary_job_free(ds->sj);
    ds_summary_free(&ds->sum);
    ds_worker_free(&ds->worker);
    ds_table_free(&ds->table);
    ds_doc_free(ds->doc);
    ds_plan_free(&ds->plan);
    dataset_free(ds->A);
    dataset_free(ds->B);
    memset(ds, 0, sizeof *ds);
}

/* Sort again, the selected line kept selected. */
static void resort(struct ex_dataset *ds)
{
    struct ds_table *t = &ds->table;
    if (!t->n_lines) return;
    struct ds_tline keep = t->line[ds->sel < t->n_lines ? ds->sel : 0];
    ds_table_sort(t);
    ds->sel = ds_table_find_line(t, keep.job, keep.temp);
    if (ds->sel >= t->n_lines) ds->sel = 0;
}

/* Work on job ds->next until the deadline (its row job started on first
 * use); *finished = 1 when the row is done and in the document. */
static int row_slice(struct ex_dataset *ds, int64_t deadline, int *finished, struct ls_error *err)
{
    *finished = 0;
    if (!ds->rj) {
        memset(&ds->row, 0, sizeof ds->row);
        if (!(ds->row.id = strdup(ds->plan.jobs[ds->next].id)) ||
            ds_rowjob_new(ds->doc, &ds->plan.jobs[ds->next], &ds->ro, &ds->worker, &ds->row, &ds->rj))
            return ls_oom(err);
    }
    int done = 0, rc = ds_rowjob_step(ds->rj, deadline, &done);
    if (rc) ls_oom(err);
    if (!rc && done) rc = ds_doc_put_row(ds->doc, &ds->row, err);
    if (!rc && !done) return LS_OK;
    ds_rowjob_free(ds->rj);
    ds->rj = NULL;
    ds_row_result_clear(&ds->row);
    if (rc) return rc;
    ds_table_set_row(&ds->table, ds->next++, (long)ds->doc->n_rows - 1);
    *finished = 1;
    return LS_OK;
}

/* The summary after the last row, in slices too. */
static unsigned summary_slice(struct ex_dataset *ds, struct explorer *ex, int64_t deadline)
{
    struct ls_error e = {0};
    int done = 0, rc = ds->sj ? LS_OK : ds_summary_begin(ds->doc, &ds->sum, &ds->sj, &e);
    if (!rc) rc = ds_summary_step(ds->sj, deadline, &done, &e);
    if (!rc && !done) return EX_BUSY;
    ds_summary_job_free(ds->sj);
    ds->sj = NULL;
    ds->summary_ok = !rc;
    ds->summary_done = 1;
    if (rc) explorer_message(ex, 1, "dataset: %s", e.msg);
    return EX_REDRAW;
}

/* A paired prompt row: version A generated under the shown settings (the
 * shadow explorer follows ex's), held in live as A when it is new; only
 * while live is paired (a new :prompt ends that, and A's generation). */
static unsigned partner_work(struct ex_dataset *ds, struct explorer *ex, long budget_ns)
{
    struct explorer *sh = &ds->shadow;
    sh->chain = ex->chain;
    sh->params = ex->params;
    sh->seed = ex->seed;
    unsigned fl = explorer_live_work(&ds->partner, sh, budget_ns);
    if (ds->partner.running) return fl & EX_BUSY;
    const struct gen_request *r = &ds->partner.rq;
    int same = ds->held && !memcmp(&r->chain, &ds->held_rq.chain, sizeof r->chain) &&
               params_same(&r->params, &ds->held_rq.params, 1) && r->seed == ds->held_rq.seed;
    if (!ds->partner.installed || same || !ds->live->model || !ds->live->paired[0]) return EX_NONE;
    explorer_live_hold(ds->live, &ds->partner, ex);
    ds->held = 1;
    ds->held_rq = *r;
    return EX_REDRAW;
}

unsigned explorer_dataset_work(struct ex_dataset *ds, struct explorer *ex, long budget_ns)
{
    if (budget_ns > EX_DS_SLICE_NS) budget_ns = EX_DS_SLICE_NS;
    if (ds->on && !ds->shown && ds->live && ds->partner.model && ds->live->paired[0]) {
        unsigned fl = partner_work(ds, ex, budget_ns);
        if (fl) return fl;
    }
    if (!ds->on || ds->summary_done) return EX_NONE;
    int64_t deadline = clock_ns() + budget_ns;
    /* rows were added in id order: the summary is `dataset eval`'s */
    if (ds->next >= ds->plan.n_jobs) return summary_slice(ds, ex, deadline);
    struct ls_error e = {0};
    int any = 0, finished = 0;
    do {
        if (row_slice(ds, deadline, &finished, &e)) {
            explorer_message(ex, 1, "dataset: %s; the table stops at %zu rows", e.msg, ds->next);
            ds->next = ds->plan.n_jobs;
            ds->summary_done = 1;
            return EX_REDRAW;
        }
        any |= finished;
    } while (ds->next < ds->plan.n_jobs && clock_ns() < deadline);
    if (any) resort(ds);
    /* a frame only when a row arrived: a slice inside a row changes nothing shown */
    return (any ? EX_REDRAW : EX_NONE) | EX_BUSY;
}

size_t explorer_dataset_first(const struct ex_dataset *ds, int rows)
{
    size_t r = rows > 0 ? (size_t)rows : 1, first = ds->scroll;
    if (ds->sel < first) first = ds->sel;
    if (ds->sel >= first + r) first = ds->sel - r + 1;
    return first;
}

unsigned explorer_dataset_move(struct ex_dataset *ds, int64_t delta, int rows)
{
    size_t n = ds->table.n_lines;
    if (!ds->on || !n) return EX_NONE;
    int64_t s = (int64_t)ds->sel + delta;
    if (s < 0) s = 0;
    if (s >= (int64_t)n) s = (int64_t)n - 1;
    if ((size_t)s == ds->sel) return EX_NONE;
    ds->sel = (size_t)s;
    ds->scroll = explorer_dataset_first(ds, rows);
    return EX_REDRAW;
}

/* A sort the user asked for: sorted, and shown from its first line. */
static void say_sort(struct ex_dataset *ds, struct explorer *ex)
{
    ds_table_sort(&ds->table);
    ds->sel = ds->scroll = 0;
    char name[128];
    ds_table_col_name(&ds->table, ds->table.sort_col, name, sizeof name);
    explorer_message(ex, 0, "sorted by %s, %s", name,
                     ds->table.sort_col < 0 ? "id order" : ds->table.desc ? "largest first" : "smallest first");
}

unsigned explorer_dataset_sort_cycle(struct ex_dataset *ds, struct explorer *ex, int dir)
{
    if (!ds->on) return EX_NONE;
    int n = ds->table.n_cols + 1, c = ds->table.sort_col + 1;   /* 0: the id order */
    ds->table.sort_col = ((c + dir) % n + n) % n - 1;
    say_sort(ds, ex);
    return EX_REDRAW;
}

unsigned explorer_dataset_sort_reverse(struct ex_dataset *ds, struct explorer *ex)
{
    if (!ds->on) return EX_NONE;
    ds->table.desc = !ds->table.desc;
    say_sort(ds, ex);
    return EX_REDRAW;
}

unsigned explorer_dataset_sort_by(struct ex_dataset *ds, struct explorer *ex, int col)
{
    if (!ds->on || col < -1 || col >= ds->table.n_cols) return EX_NONE;
    if (col == ds->table.sort_col) return explorer_dataset_sort_reverse(ds, ex);
    ds->table.sort_col = col;
    ds->table.desc = col >= 0;   /* a score: largest first, as :sort */
    say_sort(ds, ex);
    return EX_REDRAW;
}

unsigned explorer_dataset_select(struct ex_dataset *ds, int64_t line, int rows)
{
    return explorer_dataset_move(ds, line - (int64_t)ds->sel, rows);
}

/* The dump row of a version to open, NULL if it has none. */
static const struct ds_row *dump_row(const struct ds_row *r)
{
    return r && r->kind == DS_DUMP ? r : NULL;
}

/* Why a line's row cannot be opened. */
static unsigned refuse_open(struct explorer *ex, const struct ds_job *j)
{
    const struct ds_row *r = j->a ? j->a : j->b;
    explorer_message(ex, 1, "row %s: manifest line %ld: %s", j->id, r->line, r->error);
    return EX_REDRAW;
}

/* The prompt row of a version to open live, NULL if it has none. */
static const struct ds_row *prompt_row(const struct ds_row *r)
{
    return r && r->kind == DS_PROMPT ? r : NULL;
}

/* The evaluator settings of a row's live scores: the table's, with the
 * row's reference and expected items (as its scores in the table). */
static struct eval_config row_cfg(const struct ex_dataset *ds, const struct ds_job *j)
{
    struct eval_config c = ds->ro.cfg;
    const struct ds_row *ref = ds_job_ref(j);
    c.reference = ref ? ref->reference : NULL;
    c.expected = ref ? (const char *const *)ref->expected : NULL;
    c.n_expected = ref ? ref->n_expected : 0;
    return c;
}

/* Live mode on version ver's prompt row r into lv (shown: generated now,
 * into ex); LS_OK or the message already said. */
static int live_start(struct ex_dataset *ds, struct explorer *ex, const struct ds_job *j, int ver,
                      struct ex_live *lv, int shown)
{
    const struct ds_row *r = ver ? j->b : j->a;
    struct ls_error e = {0};
    uint32_t n = ds->ro.cfg.n_samples < EX_DS_LIVE_N ? ds->ro.cfg.n_samples : EX_DS_LIVE_N;
    if (!ds->ro.model[ver]) e.code = ls_fail(&e, LS_EUSAGE, "a prompt row needs a model (none given for version %c)",
                                             ver ? 'B' : 'A');
    else explorer_live_open(lv, ds->ro.model[ver], r->prompt, n ? n : 1,
                            ds->ro.max_tokens ? ds->ro.max_tokens : DS_MAX_TOKENS, &e);
    if (e.code) { explorer_message(ex, 1, "row %s: %c: %s", j->id, ver ? 'B' : 'A', e.msg); return e.code; }
    lv->cfg = row_cfg(ds, j);
    if (!shown) return LS_OK;
    /* the first generation before the first frame, as `--model` does */
    while (explorer_live_work(lv, ex, 100000000L) & EX_BUSY) ;
    if (!ex->src || lv->running) { explorer_live_free(lv); return LS_EDATA; }
    return LS_OK;
}

/* Enter on a prompt row: live mode (explorer_dataset.h). */
static unsigned open_prompt(struct ex_dataset *ds, struct explorer *ex, struct explorer_eval *xe, struct ex_live *lv,
                            const struct ds_job *j, double temp)
{
    const struct ds_row *ra = prompt_row(j->a), *rb = prompt_row(j->b);
    int ver = rb ? 1 : 0;
    struct params p = ds->ro.params;
    p.temperature = temp;
    explorer_set_chain(ex, &ds->ro.chain);
    explorer_set_params(ex, &p);
    explorer_set_seed(ex, ds->ro.cfg.seed);   /* continuation i is the table's i-th */
    explorer_live_free(lv);
    if (live_start(ds, ex, j, ver, lv, 1)) return EX_REDRAW;
    ds->live = lv;
    if (ra && rb && !live_start(ds, ex, j, 0, &ds->partner, 0)) {
        explorer_init(&ds->shadow);
        explorer_live_pair(lv, ds->partner.model->name);
    }
    ex->other_path[0] = 0;
    explorer_diff_close(&xe->diff);
    explorer_eval_show(xe, ex, XV_MAIN);
    if (ds->partner.model)
        explorer_message(ex, 0, "row %s at T %g: B (%s) live, A (%s) generated beside it under the same settings",
                         j->id, temp, lv->model->name, ds->partner.model->name);
    else explorer_message(ex, 0, "row %s at T %g: live (%s)%s", j->id, temp, lv->model->name,
                          ver && j->a ? " (B; A is not a prompt row)" : ver ? " (B only)" : "");
    return EX_RECOMPUTE | EX_RESIZE;
}

/* Open version B's dump as the comparison (the diff view); LS_OK or the
 * message already said. */
static int open_other(struct ex_dataset *ds, struct explorer *ex, struct explorer_eval *xe, const struct ds_row *o)
{
    struct source_opts so = ds->src;
    struct ls_error e = {0};
    if (o->format) so.format = o->format;
    if (explorer_diff_open(&xe->diff, ex->src, o->path, &so, &e)) {
        explorer_message(ex, 1, "B: %s", e.msg);
        return e.code ? e.code : LS_EDATA;
    }
    snprintf(ex->other_path, sizeof ex->other_path, "%s", o->path);   /* outputs never replace it */
    explorer_eval_show(xe, ex, XV_DIFF);
    return LS_OK;
}

unsigned explorer_dataset_enter(struct ex_dataset *ds, struct explorer *ex, struct explorer_eval *xe,
                                struct ex_live *lv)
{
    if (!ds->on || !ds->shown || ds->sel >= ds->table.n_lines) return EX_NONE;
    const struct ds_tline *l = &ds->table.line[ds->sel];
    const struct ds_job *j = &ds->plan.jobs[l->job];
    const struct ds_row *mainrow = dump_row(j->a), *other = dump_row(j->b);
    if (!mainrow) { mainrow = other; other = NULL; }
    if (!mainrow && (prompt_row(j->a) || prompt_row(j->b))) {
        unsigned fl = open_prompt(ds, ex, xe, lv, j, ds->doc->temps[l->temp]);
        if ((fl & EX_RECOMPUTE) == EX_RECOMPUTE) { ds->shown = 0; ds->open_job = (long)l->job; ds->open_temp = l->temp; }
        return fl;
    }
    if (!mainrow) return refuse_open(ex, j);
    struct source_opts so = ds->src;
    struct ls_error e = {0};
    if (mainrow->format) so.format = mainrow->format;
    if (explorer_open_with(ex, mainrow->path, &so, &e)) {
        explorer_message(ex, 1, "row %s: %s", j->id, e.msg);
        return EX_REDRAW;
    }
    struct params p = ds->ro.params;
    p.temperature = ds->doc->temps[l->temp];
    explorer_set_chain(ex, &ds->ro.chain);
    explorer_set_params(ex, &p);
    ex->other_path[0] = 0;
    explorer_diff_close(&xe->diff);
    if (!other || open_other(ds, ex, xe, other)) explorer_eval_show(xe, ex, XV_MAIN);
    ds->shown = 0;
    ds->open_job = (long)l->job;
    ds->open_temp = l->temp;
    if (!ex->msg_error)
        explorer_message(ex, 0, "row %s at T %g%s", j->id, p.temperature,
                         other ? ": A and B side by side" : mainrow == j->b ? " (B only)" : "");
    return EX_RECOMPUTE | EX_RESIZE;
}

unsigned explorer_dataset_back(struct ex_dataset *ds)
{
    if (!ds->on || ds->shown) return EX_NONE;
    live_close(ds);
    ds->shown = 1;
    return EX_RESIZE;
}

/* ":sort COLUMN [asc|desc]" */
static int cmd_sort(struct ex_dataset *ds, struct explorer *ex, const char *rest)
{
    char col[128] = "", dir[16] = "";
    int n = sscanf(rest, "%127s %15s", col, dir);
    int c = n >= 1 ? (strcmp(col, "id") ? ds_table_col_find(&ds->table, col) : -1) : -2;
    if (c == -2 || (c == -1 && strcmp(col, "id")) || (n == 2 && strcmp(dir, "asc") && strcmp(dir, "desc"))) {
        char first[128];
        ds_table_col_name(&ds->table, 0, first, sizeof first);
        explorer_message(ex, 1, "usage: sort COLUMN [asc|desc] (a score, SCORE:A, SCORE:B, SCORE:delta or id; "
                         "e.g. %s)", first);
        return EXC_ERROR;
    }
    ds->table.sort_col = c;
    ds->table.desc = n == 2 ? !strcmp(dir, "desc") : c >= 0;
    say_sort(ds, ex);
    return EXC_OK;
}

int explorer_dataset_command(struct ex_dataset *ds, struct explorer *ex, const char *line)
{
    while (isspace((unsigned char)*line)) line++;
    size_t wl = strcspn(line, " \t");
    const char *rest = line + wl;
    while (isspace((unsigned char)*rest)) rest++;
    int is_sort = wl == 4 && !strncmp(line, "sort", 4), is_table = wl == 5 && !strncmp(line, "table", 5);
    if (!is_sort && !is_table) return EXC_UNKNOWN;
    if (!ds->on) {
        explorer_message(ex, 1, "%s: no dataset open (start with --dataset A [--b B])", is_sort ? "sort" : "table");
        return EXC_ERROR;
    }
    if (is_sort) return cmd_sort(ds, ex, rest);
    explorer_dataset_back(ds);
    return EXC_OK;
}
