/* explorer_job.c: the current step's chain run, top rows and samples on a
 * worker thread (see explorer_job.h for who owns what when). */
#include "explorer/explorer_job.h"
#include "base/clock.h"
#include "sampling/draw.h"
#include "sampling/topn.h"

#include <stdlib.h>
#include <string.h>

void ex_samples_build(const struct chain_result *r, int ok, uint64_t seed, uint32_t n_draws, double *cdf,
                      struct ex_samples *sm)
{
    memset(sm, 0, sizeof *sm);
    if (!ok || r->n_kept == 0) return;
    struct draw_cdf d = draw_cdf_build(r, cdf);
    struct rng g;
    rng_seed(&g, seed);
    uint32_t n = n_draws > EX_DRAWS_MAX ? EX_DRAWS_MAX : n_draws;
    for (uint32_t i = 0; i < n; i++) {
        int32_t id = draw_token(&d, &g);
        sm->draw[i] = id;
        uint32_t k;
        for (k = 0; k < sm->n_rows && sm->row_id[k] != id; k++) ;
        if (k == sm->n_rows && k < EX_SAMPLE_ROWS) { sm->row_id[k] = id; sm->n_rows++; }
        if (k < EX_SAMPLE_ROWS) sm->row_drawn[k]++;
    }
    sm->n = n;
    /* empirical frequencies of the drawn tokens only (no search in the
     * V-sized CDF per draw: 10,000 draws stay well under a millisecond at
     * V = 262144), over the same stream from its start (the draws view's) */
    rng_seed(&g, seed);
    draw_count_tokens(&d, &g, EX_EMP_DRAWS, sm->row_id, sm->n_rows, sm->row_emp);
    sm->emp_n = EX_EMP_DRAWS;
}

/* One step of the sequence numbers: explorer.c seq_step's chain run and
 * accept, on the job's copies. */
static void seq_compute(struct ex_job *j)
{
    struct ls_error e = {0};
    chain_ws_set_breakers(&j->ws, j->breaker);
    chain_ws_set_context(&j->ws, j->hist, j->n_hist, 0, j->position, j->seed);
    j->ws.mu = j->mu;
    j->ws.mu_set = j->mu_set;
    j->ws.want = CHAIN_WANT_SCORES;   /* the numbers read there: no stage masses */
    j->ok = topn_run(&j->chain, &j->params, j->logits, j->V, j->info.sparse ? j->info.tail_mass : -1.0,
                     j->info.token, 0, &j->ws, &j->res, &e) == LS_OK;
    if (!j->ok) return;
    chain_accept(&j->chain, &j->params, &j->ws, &j->res, j->info.token);
    j->mu = j->ws.mu;
    j->mu_set = j->ws.mu_set;
}

/* One earlier step of the current step's history (input/replay.c
 * run_earlier's chain run and accept, on the job's copies): the chain as
 * a draw reads it, the recorded token accepted unless the run failed. */
static void hist_compute(struct ex_job *j)
{
    struct ls_error e = {0};
    const int sparse = j->info.sparse;
    int32_t tok = j->info.token >= 0 && (uint32_t)j->info.token < j->V ? j->info.token : -1;
    chain_ws_set_breakers(&j->ws, j->breaker);
    chain_ws_set_context(&j->ws, j->hist, j->n_hist, 0, j->position, j->seed);
    j->ws.mu = j->mu;
    j->ws.mu_set = j->mu_set;
    j->ws.want = sparse ? CHAIN_WANT_ALL : CHAIN_WANT_DRAW;   /* top-N truth needs the raw numbers */
    j->ok = topn_run(&j->chain, &j->params, j->logits, j->V, sparse ? j->info.tail_mass : -1.0, tok, 0, &j->ws,
                     &j->res, &e) == LS_OK;
    if (j->ok && tok >= 0) chain_accept(&j->chain, &j->params, &j->ws, &j->res, tok);
    j->mu = j->ws.mu;
    j->mu_set = j->ws.mu_set;
}

void ex_job_compute(struct ex_job *j)
{
    struct ls_error e = {0};
    int64_t t0 = clock_ns();
    if (j->mode == EXJ_SEQ || j->mode == EXJ_HIST) {
        if (j->mode == EXJ_SEQ) seq_compute(j);
        else hist_compute(j);
        j->run_ns = clock_ns() - t0;
        return;
    }
    if (ex_task_cancelled(&j->task)) { j->ok = 0; j->run_ns = -1; return; }   /* buffers as they were */
    chain_ws_set_breakers(&j->ws, j->breaker);
    chain_ws_set_context(&j->ws, j->hist, j->n_hist, j->n_prompt, j->position, j->seed);
    j->ws.mu = j->mu;
    j->ws.mu_set = j->mu_set;
    const int sparse = j->info.sparse;
    j->ok = topn_run(&j->chain, &j->params, j->logits, j->V, sparse ? j->info.tail_mass : -1.0, j->info.token,
                     j->rerun, &j->ws, &j->res, &e) == LS_OK;
    /* a rerun needs the raw softmax in res and the finite ids in ws of
     * this step's logits: a top-N step never reruns (topn_run) */
    j->res_step = j->ws_step = j->ok && !sparse ? (int64_t)j->step : -1;
    if (!j->ok && !j->step_err.code) j->step_err = e;
    if (ex_task_cancelled(&j->task)) { j->run_ns = -1; return; }
    if (j->want_top) {
        /* raw order and rank depend on the step only: once per step; a
         * top-N step lists only its known tokens (the rest are unknown) */
        j->n_top = j->rec_rank = 0;
        int32_t t = j->info.token;
        uint32_t want = j->res.topn.sparse && j->res.topn.n_listed < EX_TOP_MAX ? j->res.topn.n_listed : EX_TOP_MAX;
        if (j->ok && t >= 0 && (uint32_t)t < j->V) /* one pass for both */
            j->n_top = chain_top_rank(&j->res, want, j->top, t, &j->rec_rank);
        else if (j->ok)
            j->n_top = chain_top_raw(&j->res, want, j->top);
    }
    ex_samples_build(&j->res, j->ok, j->seed, j->n_draws, j->cdf, &j->samples);
    j->run_ns = clock_ns() - t0;
}

static void job_run(void *arg)
{
    ex_job_compute(arg);
}

struct ex_job *ex_job_new(uint32_t V, uint32_t n_steps, int threaded)
{
    struct ex_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->V = V;
    j->logits_step = j->ws_step = j->res_step = -1;
    j->logits = malloc((size_t)V * sizeof *j->logits);
    j->cdf = malloc((size_t)V * sizeof *j->cdf);
    j->hist_cap = n_steps ? n_steps : 1;
    j->hist = malloc((size_t)j->hist_cap * sizeof *j->hist);
    int bad = !j->logits || !j->cdf || !j->hist || chain_ws_init(&j->ws, V) || chain_result_init(&j->res, V);
    if (bad || ex_task_init(&j->task, threaded)) {
        chain_ws_free(&j->ws);
        chain_result_free(&j->res);
        free(j->logits); free(j->cdf); free(j->hist); free(j);
        return NULL;
    }
    return j;
}

void ex_job_free(struct ex_job *j)
{
    if (!j) return;
    ex_task_cancel(&j->task);    /* a key job under way stops at its next safe point */
    ex_task_destroy(&j->task);
    chain_ws_free(&j->ws);
    chain_result_free(&j->res);
    free(j->logits); free(j->cdf); free(j->hist); free(j);
}

/* ex_job_warm's piece: the contents are never read before the main
 * thread writes them (logits_step stays -1) */
static void warm_run(void *arg)
{
    struct ex_job *j = arg;
    ex_touch_pages(j->logits, (size_t)j->V * sizeof *j->logits);
    ex_touch_pages(j->hist, (size_t)j->hist_cap * sizeof *j->hist);
}

static int warm_settle(void *arg, int cancelled)
{
    (void)arg;
    (void)cancelled;
    return EXJ_IDLE;   /* nothing to collect */
}

int ex_job_warm(struct ex_job *j)
{
    if (j->warm) return 0;
    j->warm = 1;
    /* in place (no thread: scripts and outputs) it would only gather the
     * first touch of every page into one slice (33 ms at V = 262144 on
     * this VM); the job's own slices then pay it a step at a time */
    if (!j->task.threaded) return 0;
    ex_task_start(&j->task, warm_run, warm_settle, j);
    return 1;
}

/* ex_job_warm_key's piece: the list as far as it gets before a cancel */
static void key_warm_run(void *arg)
{
    struct ex_job *j = arg;
    if (ex_warm_run(&j->wl, -1, &j->task)) j->wl_state = 2;
}

int ex_job_warm_key(struct ex_job *j, const struct chain *c, const struct params *p)
{
    if (!j->task.threaded) return 0;
    int same = j->wl_state && !memcmp(&j->wl_chain, c, sizeof *c) && !memcmp(&j->wl_params, p, sizeof *p);
    if (j->wl_state == 2 && (same || j->ws.emu)) return 0;   /* the scratch made: every buffer listed */
    /* one try a setting: a warm-up cancelled (a key, or a job that needed
     * the worker) is not started again for the same setting, else a caller
     * that cancels it at each of its own turns would restart it forever;
     * the pages it did not reach are faulted by the run that writes them */
    if (j->wl_state == 1 && same) return 0;
    /* listed anew at every start: since a cancel the results may have been
     * swapped (explorer.c job_collect), and another job's result must never
     * be touched here; the pages done already cost little again */
    ex_warm_clear(&j->wl);
    ex_warm_add(&j->wl, j->logits, (size_t)j->V * sizeof *j->logits, 1);   /* a read(2) may fill it */
    ex_warm_add(&j->wl, j->cdf, (size_t)j->V * sizeof *j->cdf, 0);
    ex_warm_add(&j->wl, j->hist, (size_t)j->hist_cap * sizeof *j->hist, 0);
    if (ex_warm_chain(&j->wl, c, p, &j->ws, &j->res)) return 0;   /* no scratch: the run says so */
    j->wl_chain = *c;
    j->wl_params = *p;
    j->wl_state = 1;
    j->gen = 0;   /* no request: explorer.c never waits for it as a result */
    ex_task_start(&j->task, key_warm_run, warm_settle, j);
    return 1;
}

int ex_job_warm_stop(struct ex_job *j)
{
    if (j->gen != 0 || ex_task_state(&j->task) != EXJ_QUEUED) return 0;
    ex_task_cancel(&j->task);
    ex_task_wait(&j->task);
    return 1;
}

void ex_job_start(struct ex_job *j)
{
    ex_task_start(&j->task, job_run, NULL, j);
}

void ex_job_cancel(struct ex_job *j)
{
    ex_task_cancel(&j->task);
}

void ex_job_idle(struct ex_job *j)
{
    ex_task_idle(&j->task);
}

int ex_job_state(struct ex_job *j)
{
    return ex_task_state(&j->task);
}

int ex_job_wait_ns(struct ex_job *j, long ns)
{
    return ex_task_wait_ns(&j->task, ns);
}

void ex_job_wait(struct ex_job *j)
{
    ex_task_wait(&j->task);
}
