/* explorer.c: the explorer's state and caches (see explorer.h): opening a
 * source, the current step's chain, samples, history and scores. The
 * background work (the history, then the sequence-wide numbers) is in
 * explorer_bg.c, the actions in explorer_actions.c.
 *
 * Draw consistency: the samples panel's N draws use the same stream as
 * `logitscope sample -n N --step S --seed SEED` (rng seeded with the seed)
 * and the same draw (sampling/draw.h), so the explorer and the CLI agree
 * token for token. The 10,000 draws behind the frequencies are the same
 * stream continued: the N shown are its first N (one stream, so a token
 * drawn once among the N has a frequency of at least 1/10,000). */
#include "explorer/explorer.h"
#include "explorer/explorer_job.h"
#include "explorer/explorer_bg.h"
#include "base/budget.h"
#include "base/clock.h"
#include "base/numfmt.h"
#include "input/nonfinite.h"
#include "input/token_lookup.h"
#include "sampling/draw.h"
#include "sampling/topn.h"
#include "sampling/params_table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* focusable fields after the sampling parameters (0 .. PARAM__COUNT - 1 are
 * the parameter table's; their names are the table's) */
static const char *const field_names[EXP__COUNT - EXP_CHAIN] = { "chain", "seed" };
static const char *const scale_names[SCALE__COUNT] = { "prob", "logprob", "logit" };

const char *explorer_param_name(int p)
{
    if ((unsigned)p < PARAM__COUNT) return param_name((enum param_id)p);
    return (unsigned)p < EXP__COUNT ? field_names[p - EXP_CHAIN] : "?";
}
const char *explorer_scale_name(int s) { return (unsigned)s < SCALE__COUNT ? scale_names[s] : "?"; }

void explorer_init(struct explorer *ex)
{
    memset(ex, 0, sizeof *ex);
    chain_preset(&ex->chain, PRESET_HF);
    ex->params = PARAMS_OFF;
    ex->seed = LS_DEFAULT_SEED;
    ex->n_draws = EX_DRAWS_DEFAULT;
    ex->seq_cur = -1;
    ex->detail_id = ex->detail_for = -1;
    ex->strip_stage = -1;
    ex->replay_budget_ns = -1;
    ex->res_step = -1;
}

static void seq_free(struct explorer *ex)
{
    for (int i = 0; i < EX_SEQ_CACHE; i++) {
        free(ex->seq[i].p);
        free(ex->seq[i].state);
        memset(&ex->seq[i], 0, sizeof ex->seq[i]);
    }
    ex->seq_cur = -1;
}

static void buffers_free(struct explorer *ex)
{
    ex_job_free(ex->job); ex->job = NULL;   /* first: they read the breakers */
    ex_job_free(ex->job2); ex->job2 = NULL;
    ex->res_job = NULL;
    free(ex->cdf); ex->cdf = NULL;
    ex_job_free(ex->sjob); ex->sjob = NULL;
    ex_job_free(ex->hjob); ex->hjob = NULL;
    free(ex->logits); ex->logits = NULL;
    free(ex->wlogits); ex->wlogits = NULL;
    free(ex->rec_tok); ex->rec_tok = NULL;
    free(ex->rec_hist); ex->rec_hist = NULL;
    replay_free(&ex->rp);
    dry_breakers_free(ex->breakers); ex->breakers = NULL;
    ex->breakers_built = 0;
    chain_ws_free(&ex->ws);
    chain_ws_free(&ex->wws);
    chain_result_free(&ex->res);
    chain_result_free(&ex->wres);
    seq_free(ex);
}

/* Other threads that read the source stop before it closes. */
static void src_quiesce(struct explorer *ex)
{
    if (ex->src && ex->src_quiesce) ex->src_quiesce(ex->src_quiesce_ctx);
}

void explorer_free(struct explorer *ex)
{
    src_quiesce(ex);
    buffers_free(ex);
    if (ex->src) source_close(ex->src);
    ex->src = NULL;
}

void explorer_message(struct explorer *ex, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ex->msg, sizeof ex->msg, fmt, ap);
    va_end(ap);
    ex->msg_error = error;
}

unsigned explorer_message_clear(struct explorer *ex)
{
    if (!ex->msg[0]) return EX_NONE;
    ex->msg[0] = 0;
    return EX_REDRAW;
}

int explorer_set_source(struct explorer *ex, struct source *s, struct ls_error *err)
{
    uint32_t V = s->vocab_size, n = s->n_steps;
    if (V == 0 || n == 0) {
        source_close(s);
        return ls_fail(err, LS_EDATA, "no steps to show");
    }
    /* rec_tok and the sequence caches hold something per step */
    uint64_t per_step = sizeof *ex->rec_tok + sizeof *ex->rec_hist + 17 /* replay */ +
                        EX_SEQ_CACHE * (sizeof *ex->seq[0].p + sizeof *ex->seq[0].state);
    int rc = step_budget(n, per_step, "the explorer's sequence tables", err);
    if (rc) { ls_error_prefix(err, s->path); source_close(s); return rc; }
    struct explorer tmp = *ex;
    memset(&tmp.ws, 0, sizeof tmp.ws); memset(&tmp.wws, 0, sizeof tmp.wws);
    memset(&tmp.res, 0, sizeof tmp.res); memset(&tmp.wres, 0, sizeof tmp.wres);
    memset(tmp.seq, 0, sizeof tmp.seq);
    memset(&tmp.rp, 0, sizeof tmp.rp);
    tmp.breakers = NULL;
    tmp.breakers_built = 0;
    tmp.job = ex_job_new(V, n, ex->threaded);
    tmp.job2 = ex->threaded ? ex_job_new(V, n, 1) : NULL;
    tmp.res_job = NULL;
    tmp.cdf = malloc((size_t)V * sizeof *tmp.cdf);
    tmp.sjob = ex->threaded ? ex_job_new(V, n, 1) : NULL;
    tmp.hjob = ex->threaded ? ex_job_new(V, n, 1) : NULL;
    /* a bias names tokens of the file it was set on */
    memset(&tmp.params.bias, 0, sizeof tmp.params.bias);
    tmp.rec_hist = malloc((size_t)n * sizeof *tmp.rec_hist);
    tmp.logits = malloc((size_t)V * sizeof *tmp.logits);
    tmp.wlogits = malloc((size_t)V * sizeof *tmp.wlogits);
    tmp.rec_tok = malloc((size_t)n * sizeof *tmp.rec_tok);
    int bad = !tmp.job || !tmp.cdf || (ex->threaded && (!tmp.job2 || !tmp.sjob || !tmp.hjob)) || !tmp.logits || !tmp.wlogits || !tmp.rec_tok || !tmp.rec_hist || replay_init(&tmp.rp, n);
    for (uint32_t i = 0; !bad && i < n; i++) tmp.rec_tok[i] = -2;
    bad = bad || chain_ws_init(&tmp.ws, V) || chain_ws_init(&tmp.wws, V) ||
          chain_result_init(&tmp.res, V) || chain_result_init(&tmp.wres, V);
    for (int i = 0; i < EX_SEQ_CACHE && !bad; i++) {
        tmp.seq[i].p = malloc((size_t)n * sizeof *tmp.seq[i].p);
        tmp.seq[i].state = malloc(n);
        bad = !tmp.seq[i].p || !tmp.seq[i].state;
    }
    if (bad) {
        buffers_free(&tmp);
        source_close(s);
        return step_oom(n, V, "the explorer", err);
    }
    src_quiesce(ex);
    buffers_free(ex);
    if (ex->src) source_close(ex->src);
    *ex = tmp;
    ex->src = s;
    ex->V = V;
    ex->n_steps = n;
    ex->step = 0;
    ex->step_loaded = 0;
    ex->res_step = -1;
    ex->res_ok = 0;
    ex->stale = EX_RECOMPUTE;
    ex->dist_sel = ex->dist_scroll = 0;
    ex->seq_cur = -1;
    ex->detail_id = ex->detail_for = -1;
    ex->hist_pending = ex->hist_failed = 0;
    ex->fwarm_state = 0;   /* the new buffers are not faulted in (explorer_bg.c) */
    if (s->warnings[0]) {
        /* first warning line only: the status line has one row */
        size_t l = strcspn(s->warnings, "\n");
        explorer_message(ex, 0, "warning: %.*s", (int)(l > 200 ? 200 : l), s->warnings);
    }
    return LS_OK;
}

int explorer_open(struct explorer *ex, const char *path, struct ls_error *err)
{
    return explorer_open_with(ex, path, NULL, err);
}

int explorer_open_with(struct explorer *ex, const char *path, const struct source_opts *opts,
                       struct ls_error *err)
{
    struct source *s = NULL;
    int rc = source_open(path, opts, &s, err);   /* NULL opts: detect, no hints */
    if (rc) return rc;
    if ((rc = explorer_set_source(ex, s, err))) return rc;
    /* the vocabulary file is open input too: outputs never replace it */
    snprintf(ex->vocab_path, sizeof ex->vocab_path, "%s", opts && opts->vocab_path ? opts->vocab_path : "");
    return LS_OK;
}

const char *explorer_token_known(const struct explorer *ex, int32_t id, char *buf, size_t bufsz, size_t *len,
                                 int *known)
{
    return vocab_text(ex->src ? ex->src->vocab : NULL, id, buf, bufsz, len, known);
}

/* --- current step ------------------------------------------------------ */

/* The step's logits, info and read error into the job's buffer (main
 * thread: sources are not shared with the worker). The front's step is
 * not read again (kept when the buffer has the same copy, else copied);
 * any other step is read afresh, as the explorer always did (the
 * non-finite policy may have changed since). */
static void job_load(struct explorer *ex, struct ex_job *j)
{
    const uint32_t step = ex->step;
    const int front = ex->step_loaded && ex->loaded_step == step;
    if (front && j->logits_step == (int64_t)step) return;
    j->logits_step = step;
    if (front) {
        memcpy(j->logits, ex->logits, (size_t)ex->V * sizeof *j->logits);
        j->info = ex->info;
        j->step_err = ex->step_err;
        return;
    }
    memset(&j->info, 0, sizeof j->info);
    j->info.token = -1;
    j->step_err.code = 0;
    j->step_err.msg[0] = 0;
    if (explorer_read_step(ex, step, j->logits, &j->info, &j->step_err)) {
        source_error_step(&j->step_err, step);   /* once: a read error names it already */
        j->info.token = -1;
        /* a failed step shows as all masked: the panels say why */
        for (uint32_t i = 0; i < ex->V; i++) j->logits[i] = -INFINITY;
        return;
    }
    int32_t t = j->info.token;
    ex->rec_tok[step] = t >= 0 && (uint32_t)t < ex->V ? t : -1;
}

int explorer_read_step(const struct explorer *ex, uint32_t step, float *z, struct step_info *info,
                       struct ls_error *err)
{
    int rc = source_read_step(ex->src, step, z, info, err);
    if (rc || ex->allow_nonfinite) return rc;
    return step_nonfinite_check(z, ex->V, info, ex->nonfinite_hint, err);
}


/* DRY's breakers over the file's vocabulary (dry_breaker_strs), once */
const struct dry_breakers *explorer_breakers(struct explorer *ex, const struct chain *c, const struct params *p)
{
    if (!chain_uses(c, p, STAGE_DRY)) return NULL;
    if (!ex->breakers_built) {
        struct ls_error e = {0};
        ex->breakers_built = 1;
        if (source_dry_breakers(ex->src, ex->dry_breaker_strs, ex->n_dry_breaker_strs, &ex->breakers, &e))
            explorer_message(ex, 1, "dry: %s", e.msg);
    }
    return ex->breakers;
}

/* Forward along the recorded path toward the current step (input/replay.h)
 * a step at a time, until it arrives or the budget (monotonic ns; < 0: no
 * bound) is spent: min_steps steps go whatever the budget, and a step that
 * runs the chain (mirostat's carried state) goes only with `runs`. Returns
 * 1 when it arrived (ws's context set for the step), 0 when not yet (ws's
 * context set with the history so far), < 0 on an error (in e). Going
 * forward in pieces is the same as replay_to's one call: each piece is
 * replay_to's loop body for one step. */
static int replay_advance(struct explorer *ex, long budget_ns, int min_steps, int runs, struct ls_error *e)
{
    struct replay *h = &ex->rp;
    const uint32_t target = ex->step;
    const int stateful = replay_stateful(&ex->chain, &ex->params);
    struct step_info info;
    replay_rewind(h, &ex->chain, &ex->params, target, &ex->ws);
    int64_t t0 = clock_ns();
    /* an earlier step's run only feeds chain_accept, which reads p: the
     * same in every mode, so no raw softmax or stage masses there */
    const int want = ex->ws.want;
    ex->ws.want = CHAIN_WANT_DRAW;
    int rc = 0;
    for (int n = 0; h->upto < target && !rc; n++) {
        if (n >= min_steps && ((stateful && !runs) || (budget_ns >= 0 && clock_ns() - t0 >= budget_ns))) break;
        rc = replay_to(h, ex->src, &ex->chain, &ex->params, h->upto + 1, ex->seed, ex->wlogits, &info, &ex->ws,
                       &ex->wres, e);
    }
    ex->ws.want = want;
    if (rc) return -1;
    ex->hist_done = h->upto;
    ex->hist_total = target;
    if (h->upto < target) {
        chain_ws_set_context(&ex->ws, h->hist, h->n_hist, 0, target, ex->seed);
        return 0;
    }
    /* arrived: no step left to read, only the context and the bookkeeping */
    return replay_to(h, ex->src, &ex->chain, &ex->params, target, ex->seed, ex->wlogits, &info, &ex->ws, &ex->wres,
                     e) ? -1 : 1;
}

/* The current step's history and carried state (penalties, DRY, mirostat),
 * replayed along the recorded tokens before it (input/replay.h, as `show`
 * does), as far as replay_budget_ns allows (hist_pending: not all of it;
 * explorer_work goes on). Returns 0 on an error (the step then runs
 * without a history, as before). */
static int step_context(struct explorer *ex)
{
    chain_ws_set_breakers(&ex->ws, explorer_breakers(ex, &ex->chain, &ex->params));
    ex->hist_pending = 0;
    if (!replay_needed(&ex->chain, &ex->params)) {
        chain_ws_set_context(&ex->ws, NULL, 0, 0, ex->step, ex->seed);
        return 1;
    }
    struct ls_error e = {0};
    long b = ex->hist_failed ? -1 : ex->replay_budget_ns;
    ex->hist_failed = 0;
    int rc = replay_advance(ex, b, 0, b < 0, &e);
    if (rc < 0) {
        chain_ws_set_context(&ex->ws, NULL, 0, 0, ex->step, ex->seed);
        explorer_message(ex, 1, "history: %s", e.msg);
        return 0;
    }
    ex->hist_pending = rc == 0;
    return 1;
}

/* Background: the rest of the current step's history, a step at a time
 * (at least one per slice); when it arrives the step is recomputed with it. */
unsigned explorer_history_work(struct explorer *ex, long budget_ns)
{
    struct ls_error e = {0};
    int rc = replay_advance(ex, budget_ns, 1, 1, &e);
    if (rc == 0) return EX_REDRAW | EX_BUSY;
    ex->hist_pending = 0;
    ex->hist_failed = rc < 0;    /* the step that failed is the next one read */
    ex->stale |= EX_RECOMPUTE;
    return EX_REDRAW | EX_BUSY;
}

/* Fill the job with the current step's inputs (main thread, job idle):
 * its logits, the stage context the replay reached (copied: the replay
 * goes on while the job runs), the settings; then start it. */
static void job_submit(struct explorer *ex, struct ex_job *j)
{
    job_load(ex, j);
    int ctx_ok = step_context(ex);
    const struct chain_ws *w = &ex->ws;
    if (w->n_hist) memcpy(j->hist, w->hist, (size_t)w->n_hist * sizeof *j->hist);   /* hist NULL: none */
    j->n_hist = w->n_hist;
    j->n_prompt = w->n_prompt;
    j->position = w->position;
    j->breaker = w->breaker;
    j->mu = w->mu;
    j->mu_set = w->mu_set;
    j->chain = ex->chain;
    j->params = ex->params;
    j->step = ex->step;
    j->seed = ex->seed;
    j->n_draws = ex->n_draws;
    /* same step as a successful run in these buffers: only settings
     * changed, so the raw softmax is reused (chain_rerun skips one exp per
     * token); a history that failed runs without one, as from scratch */
    j->rerun = ctx_ok && j->res_step == (int64_t)ex->step && j->ws_step == (int64_t)ex->step;
    /* the raw order and the rank: once per step */
    j->want_top = !(ex->step_loaded && ex->loaded_step == ex->step && ex->n_top > 0);
    if (!j->want_top) {
        memcpy(j->top, ex->top, ex->n_top * sizeof *j->top);
        j->n_top = ex->n_top;
        j->rec_rank = ex->rec_rank;
    }
    ex->stale &= ~EX_RECOMPUTE;   /* the job builds the samples too */
    j->gen = ++ex->req_gen;
    struct ex_job *other = j == ex->job ? ex->job2 : ex->job;
    if (other) ex_job_cancel(other);   /* superseded: it stops at its next safe point */
    ex_job_start(j);
}

#define SWAP(T, a, b) do { T t_ = (a); (a) = (b); (b) = t_; } while (0)

/* A finished job: swapped into the front (double buffering: the old front
 * becomes the job's next buffer) when nothing newer was asked for since it
 * started, else dropped (the request after it is still stale). */
static void job_collect(struct explorer *ex, struct ex_job *j)
{
    ex_job_idle(j);
    if (j->run_ns >= 0) ex->job_last_ns = j->run_ns;   /* not a cancelled run's */
    if ((ex->stale & EX_RECOMPUTE) == EX_RECOMPUTE || j->gen != ex->req_gen) { ex->n_dropped++; return; }
    SWAP(float *, ex->logits, j->logits);
    SWAP(struct step_info, ex->info, j->info);
    SWAP(struct ls_error, ex->step_err, j->step_err);
    int64_t front = ex->step_loaded ? (int64_t)ex->loaded_step : -1;
    ex->step_loaded = 1;
    ex->loaded_step = (uint32_t)j->logits_step;
    j->logits_step = front;
    SWAP(struct chain_result, ex->res, j->res);
    SWAP(int64_t, ex->res_step, j->res_step);
    /* the old front goes to j: a rerun there pairs it with j's chain_ws,
     * which is its own run's only when j computed it (one job: always) */
    if (ex->res_job != j) j->res_step = -1;
    ex->res_job = j;
    ex->res_ok = j->ok;
    memcpy(ex->top, j->top, j->n_top * sizeof *ex->top);
    ex->n_top = j->n_top;
    ex->rec_rank = j->rec_rank;
    ex->samples = j->samples;
    ex->res_gen++;
    if (ex->dist_sel >= ex->n_top) ex->dist_sel = ex->n_top ? ex->n_top - 1 : 0;
    explorer_marks_update(ex);
    ex->detail_for = -1;   /* the details follow the result */
}

/* The key jobs that exist: js[0 .. n). */
static int key_jobs(const struct explorer *ex, struct ex_job *js[2])
{
    int n = 0;
    if (ex->job) js[n++] = ex->job;
    if (ex->job2) js[n++] = ex->job2;
    return n;
}

/* The job computing the newest request, if it is not collected yet. */
static struct ex_job *newest_job(const struct explorer *ex)
{
    struct ex_job *js[2];
    for (int i = 0, n = key_jobs(ex, js); i < n; i++)
        if (js[i]->gen == ex->req_gen && ex_job_state(js[i]) != EXJ_IDLE) return js[i];
    return NULL;
}

int explorer_result_pending(const struct explorer *ex)
{
    return ex->job && ((ex->stale & EX_RECOMPUTE) == EX_RECOMPUTE || newest_job(ex));
}

int explorer_result_ready(const struct explorer *ex)
{
    struct ex_job *js[2];
    for (int i = 0, n = key_jobs(ex, js); i < n; i++)
        if (ex_job_state(js[i]) == EXJ_DONE) return 1;
    return 0;
}

int explorer_key_running(const struct explorer *ex)
{
    struct ex_job *js[2];
    for (int i = 0, n = key_jobs(ex, js); i < n; i++)
        if (ex_job_state(js[i]) == EXJ_QUEUED) return 1;
    return 0;
}

int explorer_key_wait_ns(struct explorer *ex, long ns)
{
    struct ex_job *js[2];
    for (int i = 0, n = key_jobs(ex, js); i < n; i++)
        if (ex_job_state(js[i]) == EXJ_QUEUED && ex_job_wait_ns(js[i], ns) == EXJ_QUEUED) return 1;
    return 0;
}

/* The jobs: collect the finished ones, start the newest request on a free
 * one (async: the second job too, so a key never waits for the run it
 * superseded, which is cancelled); not async, wait until the result shown
 * is the newest. Async, a job just started gets job_grace_ns to finish
 * when the last one took less (a small file's run: shown at once, no
 * "computing..." flash; a slow one is not waited for: a sleep and a
 * wake-up on a busy machine cost more than the frame); a new source's
 * first result is always waited for (there is nothing to show meanwhile). */
static void job_step(struct explorer *ex)
{
    const int wait_ok = !ex->async || !ex->step_loaded;
    struct ex_job *kj[2];
    /* a key's run to start goes first: a key job's warm-up stops (the rest
     * later). Only then: an update with nothing to run (a frame drawn for
     * the background's progress) would cancel the warm-up each time, which
     * is tried once a setting (explorer_job.c ex_job_warm_key) */
    if ((ex->stale & EX_RECOMPUTE) == EX_RECOMPUTE)
        for (int i = 0, n = key_jobs(ex, kj); i < n; i++) ex_job_warm_stop(kj[i]);
    for (;;) {
        struct ex_job *js[2], *free_j = NULL, *oldest = NULL;
        for (int i = 0, n = key_jobs(ex, js); i < n; i++) {
            int st = ex_job_state(js[i]);
            if (st == EXJ_DONE) { job_collect(ex, js[i]); st = EXJ_IDLE; }
            if (st == EXJ_QUEUED) { if (!oldest || js[i]->gen < oldest->gen) oldest = js[i]; }
            else if (!free_j && (js[i] == ex->job || ex->async)) free_j = js[i];
        }
        if ((ex->stale & EX_RECOMPUTE) != EX_RECOMPUTE) {
            struct ex_job *nj = newest_job(ex);
            if (!nj || !wait_ok) return;
            ex_job_wait(nj);
            continue;
        }
        if (!free_j) {   /* every job under way: the oldest finishes first */
            if (!wait_ok) return;
            ex_job_wait(oldest);
            continue;
        }
        job_submit(ex, free_j);
        if (wait_ok) continue;   /* waited for above */
        if (ex->job_last_ns < ex->job_grace_ns && ex_job_wait_ns(free_j, ex->job_grace_ns) == EXJ_DONE)
            job_collect(ex, free_j);
        return;
    }
}

/* The token details (a full-vocabulary rank) of the result shown, only
 * when the result or the token changed, not on every frame, and not while
 * a newer result is under way (the settings are not the shown result's):
 * the same token's details stay meanwhile, another token's wait. */
static void detail_update(struct explorer *ex, int pending)
{
    if (ex->detail_id >= 0 && ex->res_ok && ex->detail_for == ex->detail_id) return;
    ex->detail_ok = 0;
    ex->detail_for = -1;
    if (ex->detail_id >= 0 && ex->res_ok && !pending) {
        ex->detail_for = ex->detail_id;
        struct report_ctx c = { ex->src, ex->step, &ex->chain, &ex->params, &ex->res, &ex->info,
                                ex->logits, ex->seed, 0 };
        struct ls_error e = {0};
        ex->detail_ok = token_detail(&c, ex->detail_id, &ex->detail, &e) == LS_OK;
    }
}

void explorer_update(struct explorer *ex)
{
    if (!ex->src || !ex->job) return;
    job_step(ex);
    int pending = explorer_result_pending(ex);
    /* seed or draw count alone: the draws again, here (cheap); while a job
     * is under way they wait for its result */
    if (!pending && (ex->stale & EX_RESAMPLE) == EX_RESAMPLE) {
        ex_samples_build(&ex->res, ex->res_ok, ex->seed, ex->n_draws, ex->cdf, &ex->samples);
        ex->stale &= ~EX_RESAMPLE;
        ex->detail_for = -1;
    }
    explorer_fill_scores(ex);
    detail_update(ex, pending);
}

void explorer_update_whole(struct explorer *ex)
{
    long b = ex->replay_budget_ns;
    int async = ex->async;
    ex->replay_budget_ns = -1;
    ex->async = 0;
    if (ex->hist_pending) ex->stale |= EX_RECOMPUTE;
    explorer_update(ex);
    ex->replay_budget_ns = b;
    ex->async = async;
}

/* --- scores panel ---------------------------------------------------------- */

void explorer_fill_scores(struct explorer *ex)
{
    struct score_rows *sc = &ex->scores;
    const struct chain_result *r = &ex->res;
    score_rows_clear(sc);
    int pending = explorer_result_pending(ex);
    if (!ex->res_ok) {
        if (pending) score_rows_add(sc, SCORE_PENDING, "step", "computing...");
        else score_rows_add(sc, SCORE_WARN, "step", "no distribution");
        return;
    }
    /* what the chain changed about the settings (vLLM raises 0 < T < 0.01
     * to 0.01): first, so "temperature 0.01" on the bar is never ambiguous */
    if (r->note[0]) score_rows_add(sc, SCORE_NOTE, "note", "%s", r->note);
    /* a key's result under way (an async explorer): the numbers below are
     * the previous result's until it arrives */
    if (pending) score_rows_add(sc, SCORE_PENDING, "step", "computing...");
    /* shown with the history so far: the numbers below change when it arrives */
    if (ex->hist_pending)
        score_rows_add(sc, SCORE_PENDING, "history", "computing... %u/%u steps", ex->hist_done, ex->hist_total);
    score_rows_add(sc, SCORE_NORMAL, "entropy", "%.3f -> %.3f nats", r->entropy_before, r->entropy_after);
    score_rows_add(sc, SCORE_NORMAL, "kept", "%u of %u", r->n_kept, r->n_finite);
    int32_t tok = ex->info.token;
    if (tok >= 0 && (uint32_t)tok < ex->V) {
        const char *cb = chain_cut_name(r, r->cut_by[tok]);
        char pf[16], ph[16], pr[16];
        double lo, hi;
        topn_p_bounds(r, tok, &lo, &hi);
        num_prob(pr, sizeof pr, r->p_raw[tok]);
        num_prob(pf, sizeof pf, lo);
        if (r->cut_by[tok] == CUT_UNLISTED) score_rows_add(sc, SCORE_WARN, "recorded p", "unknown (not listed)");
        else if (cb) score_rows_add(sc, SCORE_WARN, "recorded p", "0 (cut by %s; raw %s)", cb, pr);
        else if (hi - lo > 1e-12)  /* a top-N step whose unknown tail leaves it open */
            score_rows_add(sc, SCORE_NORMAL, "recorded p", "%s-%s (raw %s)", pf, num_prob(ph, sizeof ph, hi), pr);
        else score_rows_add(sc, SCORE_NORMAL, "recorded p", "%s (raw %s)", pf, pr);
        if (r->cut_by[tok] != CUT_UNLISTED)   /* an unlisted token's rank is unknown too */
            score_rows_add(sc, SCORE_NORMAL, "recorded rank", "%u", ex->rec_rank);
    } else {
        score_rows_add(sc, SCORE_PENDING, "recorded", "none at this step");
    }
    /* the sequence's scores (perplexity, cut rate, ...) are the score
     * table's rows, which explorer_eval_update appends: each score once */
}

