/* explorer_eval.c: evaluator scores, the temperature sweep and the many
 * draws inside the explorer (see explorer_eval.h).
 *
 * A job is one eval_run (eval.h) over its settings (the current one, or
 * the sweep's temperatures), fed one step at a time from the explorer's
 * source in the explorer's thread, between keys: the run `logitscope eval`
 * or `sweep` makes for those settings (same config defaults, same seed),
 * so the numbers are theirs. A changed
 * setting frees the unfinished run (cancel) and starts a new one. */
#include "explorer/explorer_eval.h"
#include "explorer/explorer_eval_job.h"
#include "explorer/explorer_eval_trash.h"
#include "explorer/explorer_task.h"
#include "sampling/params_table.h"
#include "report/eval_report.h"
#include "sampling/draw.h"
#include "base/clock.h"
#include "base/parse.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the samples panel's stream (explorer.c): the draws view shows the same
 * 10,000 draws, whose first N the samples panel lists */

static const char *const view_names[XV__COUNT] = { "main", "scores", "sweep", "diff", "draws" };


/* The one list parser (base/parse.h), in the explorer's words; sorted
 * ascending for the chart's x axis. */
static int parse_temps(const char *s, double *v, int *n, char *why, size_t whysz)
{
    struct ls_error e = {0};
    if (parse_double_list(s, 0, 100, v, XE_SWEEP_MAX, n, &e)) { snprintf(why, whysz, "sweep: %.180s", e.msg); return -1; }
    for (int i = 1; i < *n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) { double t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
    return 0;
}

void explorer_eval_init(struct explorer_eval *xe)
{
    memset(xe, 0, sizeof *xe);
    eval_config_init(&xe->cfg);
    char why[8];
    parse_temps(XE_SWEEP_DEFAULT, xe->temps, &xe->n_temps, why, sizeof why);
}

/* The worker of a job slot: [0] the current setting's, [1] the sweep's. */
static struct xe_worker **job_worker(struct explorer_eval *xe, const struct xe_job *j)
{
    return &xe->wk[j == &xe->sweep];
}

/* Drop a job's run (the cancel): a piece under way on its worker takes
 * the run and the step's logits with it and frees them when it stops. */
static void job_drop(struct explorer_eval *xe, struct xe_job *j)
{
    struct xe_worker *w = *job_worker(xe, j);
    if (j->making) xw_unmake(w);   /* the run is being made: nothing of it here yet */
    else if (!(j->run && w && xw_abandon(w, j->run))) {
        if (w && j->run) xw_dispose(w, j->run, j->z);   /* the worker gives the pages back */
        else if (j->run) xe_trash_put(xe, j->run, j->z, j->z_n);   /* its pages a few buffers per slice */
        else free(j->z);
    }
    j->run = NULL;
    j->making = 0;
    j->n_sets = 0;
    j->z = NULL;
    j->state = XE_IDLE;
}

/* explorer.h src_quiesce: the workers read the source's vocabulary */
static void workers_quiesce(void *ctx)
{
    struct explorer_eval *xe = ctx;
    for (int i = 0; i < 2; i++)
        if (xe->wk[i]) xw_quiesce(xe->wk[i]);
}

void explorer_eval_free(struct explorer_eval *xe)
{
    job_drop(xe, &xe->cur);
    job_drop(xe, &xe->sweep);
    xe_trash_empty(xe);
    for (int i = 0; i < 2; i++) xw_free(xe->wk[i]);   /* an abandoned piece stops early */
    ex_task_free(xe->dtask);   /* a piece under way finishes first */
    xd_piece_free(&xe->dpiece);
    if (xe->hooked && xe->hooked->src_quiesce_ctx == xe) {
        xe->hooked->src_quiesce = NULL;
        xe->hooked->src_quiesce_ctx = NULL;
    }
    explorer_diff_close(&xe->diff);
    free(xe->dcount);
    free(xe->dcdf);
    memset(xe, 0, sizeof *xe);
}

static int same_key(const struct xe_job *j, const struct explorer *ex, uint64_t src_gen, int with_t)
{
    return j->src_gen == src_gen && j->seed == ex->seed && !memcmp(&j->chain, &ex->chain, sizeof j->chain) &&
           params_same(&j->params, &ex->params, with_t);
}

/* A new source (:open): every run and cached score belongs to the old one.
 * The source is recognised by its address, path and shape. */
static void sync_source(struct explorer_eval *xe, struct explorer *ex)
{
    xe->diff.allow_nonfinite = ex->allow_nonfinite;   /* one non-finite policy */
    xe->diff.nonfinite_hint = ex->nonfinite_hint;
    char *seen_path = xe->seen_path;
    const char *path = ex->src ? ex->src->path : "";
    if (ex->src == xe->src_seen && (!ex->src || (ex->n_steps == xe->n_seen_steps && ex->V == xe->v_seen &&
                                                 !strncmp(seen_path, path, sizeof xe->seen_path - 1))))
        return;
    xe->src_seen = ex->src;
    xe->n_seen_steps = ex->n_steps;
    xe->v_seen = ex->V;
    snprintf(seen_path, sizeof xe->seen_path, "%s", path);
    xe->src_gen++;
    job_drop(xe, &xe->cur);
    job_drop(xe, &xe->sweep);
    xe->draws.valid = 0;
    if (xe->diff.b && ex->src) explorer_diff_rebind(&xe->diff, ex->src);
}

static const struct xe_cached *cache_find(const struct explorer_eval *xe, const struct explorer *ex)
{
    for (int i = 0; i < XE_CACHE; i++) {
        const struct xe_cached *c = &xe->cache[i];
        if (c->used && same_key(&c->key, ex, xe->src_gen, 1)) return c;
    }
    return NULL;
}

static void cache_put(struct explorer_eval *xe, const struct xe_job *j, const struct eval_scores *sc)
{
    int v = 0;
    for (int i = 0; i < XE_CACHE; i++) {
        if (!xe->cache[i].used) { v = i; break; }
        if (xe->cache[i].stamp < xe->cache[v].stamp) v = i;
    }
    struct xe_cached *c = &xe->cache[v];
    c->used = 1;
    c->stamp = ++xe->clock;
    c->key = *j;
    c->key.n_sets = 0;
    c->key.run = NULL;
    c->key.z = NULL;
    if (sc) c->sc = *sc;
    else memset(&c->sc, 0, sizeof c->sc);
}

static void job_fail(struct explorer_eval *xe, struct xe_job *j, const char *msg)
{
    job_drop(xe, j);
    j->state = XE_FAILED;
    size_t n = strlen(msg);
    if (n >= sizeof j->err) n = sizeof j->err - 1;
    memcpy(j->err, msg, n);
    j->err[n] = 0;
}

/* Start a job for the explorer's current setting: one setting, or one per
 * sweep temperature. Its run is made by the job's first slice (job_feed):
 * allocations of several milliseconds at V = 262144, on the worker when
 * there is one. */
static void job_start(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j, int sweep)
{
    job_drop(xe, j);
    memset(j, 0, sizeof *j);
    j->chain = ex->chain;
    j->params = ex->params;
    j->seed = ex->seed;
    j->src_gen = xe->src_gen;
    j->sweep = sweep;
    j->state = XE_RUNNING;
}

/* The job's settings into set (XE_SWEEP_MAX): their number. */
static size_t job_settings(const struct explorer_eval *xe, const struct xe_job *j, struct eval_settings *set)
{
    int n = j->sweep ? xe->n_temps : 1;
    for (int i = 0; i < n; i++) {
        set[i] = (struct eval_settings){ j->chain, j->params };
        if (j->sweep) set[i].params.temperature = xe->temps[i];
    }
    return (size_t)n;
}

/* The job's config: 0, or the job failed (the reason in the explorer's
 * words for a config option at fault: core names none). */
static int job_config(struct explorer_eval *xe, struct xe_job *j, struct eval_config *cfg)
{
    *cfg = xe->cfg;
    cfg->seed = j->seed;
    static const char *const what[] = { [EVAL_FIELD_N] = "continuations", [EVAL_FIELD_REGEX] = "regex",
                                        [EVAL_FIELD_JSON_KEYS] = "json keys" };
    int field = EVAL_FIELD_NONE;
    struct ls_error e = {0};
    if (!eval_config_check(cfg, &field, &e)) return 0;
    if (field > 0 && (size_t)field < sizeof what / sizeof *what && what[field]) ls_error_prefix(&e, what[field]);
    job_fail(xe, j, e.msg);
    return -1;
}

/* The job's run and step buffer, made here (no worker): 0, or it failed. */
static int job_make_here(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j)
{
    struct ls_error e = {0};
    struct eval_config cfg;
    j->z = xe_zbuf_take(xe, ex->V ? ex->V : 1, &j->z_n);
    if (!j->z) { job_fail(xe, j, "out of memory"); return -1; }
    if (job_config(xe, j, &cfg)) return -1;
    struct eval_settings set[XE_SWEEP_MAX];
    size_t n = job_settings(xe, j, set);
    if (eval_run_new(ex->src, &cfg, set, n, &j->run, &e)) { job_fail(xe, j, e.msg); return -1; }
    j->n_sets = (int)n;
    return 0;
}

/* The buffers of a run made here faulted in before its first step, a
 * piece per slice: that step's settings would otherwise write 3-10 MiB of
 * fresh pages in one slice (20-30 ms here; issue 9: none over 2 ms).
 * Returns 1 when done (the slice goes on), 0 when the budget ran out. */
static int job_warm_here(struct xe_job *j, uint32_t V, long t0, long budget)
{
    int listed_now = !j->warmed;
    if (listed_now) {
        struct chain_span sp[EX_WARM_MAX];
        size_t n = 0;
        ex_warm_clear(&j->warm);
        (void)eval_run_buffers(j->run, sp, EX_WARM_MAX - 1, &n);   /* none made: the step's run says so */
        for (size_t i = 0; i < n; i++) ex_warm_add(&j->warm, sp[i].p, sp[i].bytes, 0);
        ex_warm_add(&j->warm, j->z, (size_t)(V ? V : 1) * sizeof *j->z, 1);   /* read(2) fills it */
        j->warmed = 1;
    }
    /* half the budget: a piece's faults vary (0.1-1 ms) with the host. The
     * listing may have spent it: it makes the emulation's scratch (ten
     * mallocs of 1-6 MiB at V = 262144, each an mmap of 20-130 us here),
     * and a budget left below zero would tell ex_warm_run "no bound" (every
     * piece at once: 40 MiB, 40-130 ms). Then the warm starts next slice;
     * a later slice does at least one piece (progress whatever the budget). */
    long left = budget / 2 - ((long)clock_ns() - t0);
    if (left < 0 && listed_now) return 0;
    if (!ex_warm_run(&j->warm, left < 0 ? 0 : left, NULL)) return 0;
    j->warmed = 2;
    return (long)clock_ns() - t0 < budget;
}

_Static_assert(XW_SETS_MAX >= XE_SWEEP_MAX, "a sweep's settings fit an XW_NEW piece");

/* The job's run and step buffer, made on its (idle) worker: an XW_NEW
 * piece (explorer_eval_job.h); 0, or the job failed. */
static int job_make_worker(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j, struct xe_worker *w)
{
    if (job_config(xe, j, &w->cfg)) return -1;
    w->op = XW_NEW;
    w->src = ex->src;
    w->n_set = job_settings(xe, j, w->set);
    w->run = NULL;   /* nothing of another run for a cancelled piece's settle */
    w->z = NULL;
    j->making = 1;
    xw_start(w);
    return 0;
}

/* A finished piece of job j (its worker is idle again): 0, or the job failed. */
static int job_collect(struct explorer_eval *xe, struct xe_job *j, struct xe_worker *w)
{
    ex_task_idle(&w->t);
    if (w->op == XW_NEW) {   /* the run: j's now, also when it failed (job_fail frees it) */
        j->making = 0;
        j->run = w->made;
        j->z = w->made_z;
        j->n_sets = (int)w->n_set;
        w->made = NULL;
        w->made_z = NULL;
    } else if (!w->rc) {
        if (w->op == XW_STEP) j->step++;
        else j->fin = j->n_sets;
    }
    if (!w->rc) return 0;
    job_fail(xe, j, w->err.msg);
    return -1;
}

/* Read the job's next step into j->z (main thread): 0, or the job failed. */
static int job_read(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j)
{
    struct ls_error e = {0};
    memset(&j->info, 0, sizeof j->info);
    if (!source_read_step(ex->src, j->step, j->z, &j->info, &e)) return 0;
    ls_error_prefix(&e, ex->src->path);
    job_fail(xe, j, e.msg);
    return -1;
}

/* job_feed on the job's worker (threaded, async): the main thread reads a
 * step and hands over every setting's piece of it (then the finish); a
 * slice waits (asleep) at most its budget for a piece under way. Returns
 * 0 when the job stopped, 2 while its worker runs. */
static int job_feed_worker(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j, struct xe_worker *w,
                           long t0, long budget)
{
    for (;;) {
        int st = ex_task_slice(&w->t, budget - ((long)clock_ns() - t0), ex->slice_nowait);
        if (st == XW_QUEUED) return 2;
        if (st == XW_DONE && job_collect(xe, j, w)) return 0;
        if (!j->run) {   /* the job's first piece */
            if (job_make_worker(xe, ex, j, w)) return 0;
            continue;
        }
        if (j->fin == j->n_sets) { j->state = XE_DONE; return 0; }
        w->op = j->step < ex->n_steps ? XW_STEP : XW_FINISH;
        if (w->op == XW_STEP && job_read(xe, ex, j)) return 0;
        w->run = j->run;
        w->z = j->z;
        w->info = j->info;
        w->n_set = (size_t)j->n_sets;
        w->from = (size_t)j->fin;
        xw_start(w);
    }
}

/* The worker for job j when the explorer's runs go to threads (made on
 * first use; the explorer then stops it before closing a source); NULL:
 * the main thread feeds the run. */
static struct xe_worker *feed_worker(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j)
{
    if (!ex->threaded || !ex->async) return NULL;
    struct xe_worker **w = job_worker(xe, j);
    if (!*w) *w = xw_new();
    if (*w && ex->src_quiesce_ctx != xe) {
        ex->src_quiesce = workers_quiesce;
        ex->src_quiesce_ctx = xe;
        xe->hooked = ex;
    }
    return *w;
}

/* Feed the run a setting of a step at a time until the deadline (a sweep
 * step runs one chain per temperature: together they would be one long
 * piece), then finish each setting. Returns 1 while the job runs, 2 while
 * its worker runs a piece (nothing to do here until it is done). */
static int job_feed(struct explorer_eval *xe, struct explorer *ex, struct xe_job *j, long t0, long budget)
{
    if (j->state != XE_RUNNING) return 0;
    struct xe_worker *w = feed_worker(xe, ex, j);
    if (w) return job_feed_worker(xe, ex, j, w, t0, budget);
    if (!j->run) return job_make_here(xe, ex, j) ? 0 : 1;   /* a slice of its own */
    if (j->warmed != 2 && !job_warm_here(j, ex->V, t0, budget)) return 1;
    struct ls_error e = {0};
    long last = 0;   /* the last setting-step's time: the next one starts only if it fits the budget too */
    const int stepping = j->step < ex->n_steps;
    while (j->step < ex->n_steps) {
        long ts = (long)clock_ns();
        if (j->set == 0 && job_read(xe, ex, j)) return 0;
        if (eval_run_step_set(j->run, j->z, &j->info, (size_t)j->set, &e)) { job_fail(xe, j, e.msg); return 0; }
        if (++j->set == j->n_sets) { j->set = 0; j->step++; }
        long now = (long)clock_ns();
        last = now - ts;
        if (now - t0 + last >= budget) return 1;
    }
    /* a setting's finish is 0.3-5 ms at 256 steps (the diversity
     * evaluator's bigram set): in pieces until the slice's end (at least
     * one a slice, each a small share of it: eval_run_finish_part) */
    if (stepping && (long)clock_ns() - t0 >= budget) return 1;
    while (j->fin < j->n_sets) {
        int more;
        if (eval_run_finish_part(j->run, (size_t)j->fin, t0 + budget, NULL, &more, &e)) {
            job_fail(xe, j, e.msg);
            return 0;
        }
        if (more) return 1;
        if (++j->fin < j->n_sets && (long)clock_ns() - t0 >= budget) return 1;
    }
    j->state = XE_DONE;
    return 0;
}

static int ensure_draw_bufs(struct explorer_eval *xe, uint32_t V);

/* 1. the scores of the current setting: flags of explorer_eval_work */
static unsigned work_current(struct explorer_eval *xe, struct explorer *ex, long t0, long budget_ns)
{
    if (cache_find(xe, ex)) return EX_NONE;
    unsigned fl = EX_NONE;
    if (!(xe->cur.state == XE_RUNNING && same_key(&xe->cur, ex, xe->src_gen, 1)))
        job_start(xe, ex, &xe->cur, 0);            /* drops the old run: cancel */
    if (job_feed(xe, ex, &xe->cur, t0, budget_ns) == 2) fl |= EX_WAIT;
    if (xe->cur.state == XE_DONE || xe->cur.state == XE_FAILED) {
        cache_put(xe, &xe->cur, xe->cur.state == XE_DONE ? eval_run_scores(xe->cur.run, 0) : NULL);
        job_drop(xe, &xe->cur);
        fl = EX_REDRAW;
    }
    if (!cache_find(xe, ex)) return fl | EX_REDRAW | EX_BUSY;   /* progress on screen */
    return fl | ((long)clock_ns() - t0 >= budget_ns ? EX_BUSY : 0);
}

/* 2. the sweep, once its view was opened */
static unsigned work_sweep(struct explorer_eval *xe, struct explorer *ex, long t0, long budget_ns)
{
    if (!xe->sweep_on || (same_key(&xe->sweep, ex, xe->src_gen, 0) &&
                          (xe->sweep.state == XE_DONE || xe->sweep.state == XE_FAILED)))
        return EX_NONE;
    if (!(xe->sweep.state == XE_RUNNING && same_key(&xe->sweep, ex, xe->src_gen, 0)))
        job_start(xe, ex, &xe->sweep, 1);
    unsigned wait = job_feed(xe, ex, &xe->sweep, t0, budget_ns) == 2 ? EX_WAIT : EX_NONE;
    if (xe->sweep.state == XE_DONE) {
        for (int i = 0; i < xe->n_temps; i++) xe->sweep_sc[i] = *eval_run_scores(xe->sweep.run, (size_t)i);
        job_drop(xe, &xe->sweep);
        xe->sweep.state = XE_DONE;
    }
    if (xe->sweep.state == XE_RUNNING) return EX_REDRAW | EX_BUSY | wait;
    return EX_REDRAW | ((long)clock_ns() - t0 >= budget_ns ? EX_BUSY : 0);
}

/* The piece's own buffers made ready on the comparison's worker: their
 * first touch costs milliseconds (explorer_task.h ex_touch_pages); the
 * task goes back to idle by itself (nothing to collect). */
static void prepare_run(void *arg)
{
    xd_piece_prepare(arg);
}

static int prepare_settle(void *arg, int cancelled)
{
    (void)arg;
    (void)cancelled;
    return EXT_IDLE;
}

/* 3. the comparison's per-step divergence on its worker (threaded,
 * async): the main thread reads both steps and hands copies over (a
 * piece), accepts the results in step order; a slice waits (asleep) at
 * most its budget for a piece under way. 0 done, 1 more to do here, 2
 * the worker runs. */
static int diff_work_worker(struct explorer_eval *xe, const struct explorer *ex, long budget)
{
    long t0 = (long)clock_ns();
    if (!xe->dtask && !(xe->dtask = ex_task_new())) return explorer_diff_work(&xe->diff, budget);
    for (int begun = 0;; begun = 1) {   /* at least one piece handed over */
        int st = ex_task_slice(xe->dtask, budget - ((long)clock_ns() - t0), ex->slice_nowait);
        if (st == EXT_QUEUED) return 2;
        if (st == EXT_DONE) {
            ex_task_idle(xe->dtask);
            explorer_diff_accept(&xe->diff, &xe->dpiece);
        }
        if (begun && (long)clock_ns() - t0 >= budget) return 1;
        const struct explorer_diff *d = &xe->diff;
        if (!d->fatal && d->done < d->n_steps && !xd_piece_ready(&xe->dpiece, d)) {
            if (xe->dprep == d->gen) return explorer_diff_work(&xe->diff, budget);   /* no room there: here */
            xe->dprep = d->gen;
            xd_piece_want(&xe->dpiece, d);
            ex_task_start(xe->dtask, prepare_run, prepare_settle, &xe->dpiece);
            return 2;
        }
        int r = explorer_diff_next(&xe->diff, &xe->dpiece, 1);
        if (r < 0) return explorer_diff_work(&xe->diff, budget);   /* no room for its own: here */
        if (r == 0) return 0;
        ex_task_start(xe->dtask, explorer_diff_piece_run, NULL, &xe->dpiece);
    }
}

unsigned explorer_eval_work(struct explorer_eval *xe, struct explorer *ex, long budget_ns)
{
    if (!ex->src) return EX_NONE;
    sync_source(xe, ex);
    unsigned fl = EX_NONE;
    if (xe->view == XV_DRAWS && (!xe->dcount || xe->d_cap < ex->V) && !ensure_draw_bufs(xe, ex->V))
        fl |= EX_REDRAW;
    long t0 = (long)clock_ns();
    if (xe_trash_work(xe, budget_ns)) fl |= EX_BUSY;   /* the rest of the slice goes on */
    if (!xe->live) fl |= work_current(xe, ex, t0, budget_ns);   /* live: scored by explorer_live */
    if (fl & EX_BUSY) return fl;
    fl |= work_sweep(xe, ex, t0, budget_ns);
    if (fl & EX_BUSY) return fl;
    if (xe->n_trash) fl |= EX_BUSY;   /* a run is being freed (also one just finished) */
    /* 3. the comparison */
    if (xe->diff.b) {
        uint32_t before = xe->diff.done;
        int fatal = xe->diff.fatal;
        long left = budget_ns - ((long)clock_ns() - t0);
        int r = ex->threaded && ex->async ? diff_work_worker(xe, ex, left) : explorer_diff_work(&xe->diff, left);
        if (r) fl |= EX_BUSY | (r == 2 ? EX_WAIT : 0);
        if (xe->diff.done != before || xe->diff.fatal != fatal) fl |= EX_REDRAW;
        /* a comparison found impossible replaces "comparing with ..." */
        if (xe->diff.fatal && !fatal) explorer_message(ex, 1, "compare: %s", xe->diff.err);
    }
    return fl;
}

const struct eval_scores *explorer_eval_current(const struct explorer_eval *xe, const struct explorer *ex,
                                                int *state, uint32_t *done, uint32_t *total)
{
    const struct xe_cached *c = ex->src ? cache_find(xe, ex) : NULL;
    int st = c ? c->key.state : XE_RUNNING;
    if (state) *state = st;
    if (total) *total = ex->n_steps;
    if (done) {
        *done = c ? ex->n_steps : 0;
        if (!c && xe->cur.state == XE_RUNNING && same_key(&xe->cur, ex, xe->src_gen, 1)) *done = xe->cur.step;
    }
    return c && st == XE_DONE ? &c->sc : NULL;
}

int explorer_eval_sweep_done(const struct explorer_eval *xe)
{
    return xe->sweep.state == XE_DONE;
}

int explorer_eval_sweep_set(struct explorer_eval *xe, const char *list)
{
    if (list && *list) {
        double v[XE_SWEEP_MAX];
        int n;
        if (parse_temps(list, v, &n, xe->msg, sizeof xe->msg)) return -1;
        int same = n == xe->n_temps;
        for (int i = 0; same && i < n; i++) same = v[i] == xe->temps[i];
        if (!same) {
            memcpy(xe->temps, v, sizeof v);
            xe->n_temps = n;
            job_drop(xe, &xe->sweep);
            memset(&xe->sweep, 0, sizeof xe->sweep);
        }
    }
    xe->sweep_on = 1;
    xe->view = XV_SWEEP;
    return 0;
}

/* --- rows of the scores panel -------------------------------------------- */

/* The score table's panel rows (report/eval_report.h): the labels and
 * formats of `eval`'s scores live there, once. */
static void rows_add(struct score_rows *r, const struct eval_scores *s)
{
    static const int hint[] = { [EVAL_ROW_NORMAL] = SCORE_NORMAL, [EVAL_ROW_PENDING] = SCORE_PENDING,
                                [EVAL_ROW_WARN] = SCORE_WARN };
    struct eval_panel_row row[SCORE_ROWS_MAX];
    int n = eval_panel_rows(s, row, SCORE_ROWS_MAX);
    for (int i = 0; i < n; i++) score_rows_add(r, hint[row[i].hint], row[i].label, "%s", row[i].value);
}

/* --- the many-draws view --------------------------------------------------- */

static int ensure_draw_bufs(struct explorer_eval *xe, uint32_t V)
{
    if (xe->dcount && xe->d_cap >= V) return 0;
    free(xe->dcount);
    free(xe->dcdf);
    xe->dcount = malloc((size_t)(V ? V : 1) * sizeof *xe->dcount);
    xe->dcdf = malloc((size_t)(V ? V : 1) * sizeof *xe->dcdf);
    xe->d_cap = V;
    if (!xe->dcount || !xe->dcdf) {
        free(xe->dcount); free(xe->dcdf);
        xe->dcount = NULL; xe->dcdf = NULL; xe->d_cap = 0;
        return -1;
    }
    return 0;
}

static void draws_build(struct explorer_eval *xe, const struct explorer *ex)
{
    struct xe_draws *d = &xe->draws;
    if (d->valid && d->step == ex->step && d->seed == ex->seed && !memcmp(&d->chain, &ex->chain, sizeof d->chain) &&
        params_same(&d->params, &ex->params, 1) && d->gen == xe->src_gen && d->res_gen == ex->res_gen)
        return;
    memset(d, 0, sizeof *d);
    d->valid = 1;
    d->step = ex->step;
    d->seed = ex->seed;
    d->chain = ex->chain;
    d->params = ex->params;
    d->gen = xe->src_gen;
    d->res_gen = ex->res_gen;
    const struct chain_result *r = &ex->res;
    /* the buffers come from explorer_eval_work / _toggle, never a frame */
    if (!xe->dcount || xe->d_cap < ex->V) { d->valid = 0; return; }
    if (!ex->res_ok || r->n_kept == 0) return;
    /* the samples panel's empirical stream and the one draw rule */
    struct draw_cdf dc = draw_cdf_build(r, xe->dcdf);
    double total = dc.total;
    memset(xe->dcount, 0, (size_t)r->n_kept * sizeof *xe->dcount);
    struct rng g;
    rng_seed(&g, ex->seed);
    draw_count_positions(&dc, &g, EX_EMP_DRAWS, xe->dcount);
    d->n = EX_EMP_DRAWS;
    d->n_kept = r->n_kept;
    /* rows: the survivors with the largest final p (ties: lower id) */
    uint32_t idx[XE_DRAW_ROWS], k = 0;
    double tv = 0, mx = 0;
    for (uint32_t j = 0; j < r->n_kept; j++) {
        double p = r->p[r->kept[j]] / total, f = (double)xe->dcount[j] / d->n;
        tv += fabs(f - p);
        if (fabs(f - p) > mx) mx = fabs(f - p);
        if (k == XE_DRAW_ROWS && !(p > r->p[r->kept[idx[k - 1]]] / total)) continue;
        uint32_t at = k < XE_DRAW_ROWS ? k++ : XE_DRAW_ROWS - 1;
        while (at > 0 && r->p[r->kept[idx[at - 1]]] < r->p[r->kept[j]]) { idx[at] = idx[at - 1]; at--; }
        idx[at] = j;
    }
    d->tv = tv / 2;
    d->max_dev = mx;
    uint32_t csum = 0;
    double psum = 0;
    for (uint32_t i = 0; i < k; i++) {
        d->id[i] = r->kept[idx[i]];
        d->p[i] = r->p[d->id[i]] / total;
        d->count[i] = xe->dcount[idx[i]];
        csum += d->count[i];
        psum += d->p[i];
    }
    d->n_rows = k;
    d->count_other = d->n - csum;
    d->p_other = psum < 1 ? 1 - psum : 0;
}

void explorer_eval_update(struct explorer_eval *xe, struct explorer *ex)
{
    if (!ex->src) return;
    sync_source(xe, ex);
    struct score_rows *r = &ex->scores;
    int st;
    uint32_t done, total;
    const struct eval_scores *s = xe->live ? xe->live_sc : explorer_eval_current(xe, ex, &st, &done, &total);
    if (xe->live) {
        if (s) rows_add(r, s);
        else score_rows_add(r, SCORE_PENDING, "evaluators", "generating...");
    } else if (s) rows_add(r, s);
    else if (st == XE_FAILED) {
        const struct xe_cached *c = cache_find(xe, ex);
        score_rows_add(r, SCORE_WARN, "evaluators", "%s", c ? c->key.err : "failed");
    } else score_rows_add(r, SCORE_PENDING, "evaluators", "computing... %u/%u steps", done, total);
    if (xe->view == XV_DRAWS) draws_build(xe, ex);
    if (xe->view == XV_DIFF && xe->diff.b && !xe->diff.fatal) explorer_diff_update(&xe->diff, ex);
}

/* --- commands ---------------------------------------------------------------- */

unsigned explorer_eval_toggle(struct explorer_eval *xe, struct explorer *ex, int view)
{
    return explorer_eval_show(xe, ex, xe->view == view ? XV_MAIN : view);
}

unsigned explorer_eval_show(struct explorer_eval *xe, struct explorer *ex, int view)
{
    if ((unsigned)view >= XV__COUNT) return EX_NONE;
    xe->view = view;
    if (view == XV_SWEEP) xe->sweep_on = 1;
    if (view == XV_DRAWS && ex->src) ensure_draw_bufs(xe, ex->V);
    return EX_REDRAW;
}

int explorer_eval_command(struct explorer_eval *xe, struct explorer *ex, const char *line)
{
    char w[32] = "", rest[1024] = "";
    const char *p = line + strspn(line, " \t");
    size_t l = strcspn(p, " \t");
    if (l == 0 || l >= sizeof w) return l ? EXC_UNKNOWN : EXC_OK;
    memcpy(w, p, l);
    w[l] = 0;
    p += l;
    p += strspn(p, " \t");
    snprintf(rest, sizeof rest, "%s", p);
    for (size_t n = strlen(rest); n > 0 && isspace((unsigned char)rest[n - 1]); n--) rest[n - 1] = 0;
    int v = -1;
    for (int i = 0; i < XV__COUNT; i++) if (!strcmp(w, view_names[i])) v = i;
    if (!strcmp(w, "compare")) {
        if (!rest[0]) { explorer_message(ex, 1, "usage: compare FILE"); return EXC_ERROR; }
        if (!ex->src) { explorer_message(ex, 1, "compare: nothing open"); return EXC_ERROR; }
        struct ls_error e = {0};
        sync_source(xe, ex);   /* opened against the source seen: the next slice does not open it again */
        if (explorer_diff_open(&xe->diff, ex->src, rest, NULL, &e)) {
            explorer_message(ex, 1, "compare: %s", e.msg);
            return EXC_ERROR;
        }
        xe->view = XV_DIFF;
        snprintf(ex->other_path, sizeof ex->other_path, "%s", rest);   /* outputs never replace it */
        if (xe->diff.fatal) explorer_message(ex, 1, "compare: %s", xe->diff.err);
        else explorer_message(ex, 0, "comparing with %s", rest);
        return EXC_OK;
    }
    if (v < 0) return EXC_UNKNOWN;
    if (v == XV_SWEEP) {
        if (explorer_eval_sweep_set(xe, rest)) { explorer_message(ex, 1, "%s", xe->msg); return EXC_ERROR; }
        return EXC_OK;
    }
    if (rest[0]) { explorer_message(ex, 1, "usage: %s (no arguments)", w); return EXC_ERROR; }
    explorer_eval_show(xe, ex, v);
    return EXC_OK;
}
