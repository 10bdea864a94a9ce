/* eval_steps.c: eval_source, the whole pass over a source's steps (see
 * eval.h), on step workers.
 *
 * The chain of a step depends only on that step's logits and the recorded
 * tokens before it; what depends on step order is the evaluators' running
 * sums and the continuations' random streams (one uniform per step each).
 * So each worker takes the next step, reads it, and runs every setting's
 * chain into its own results (eval_step_compute); then it waits for its
 * turn and scores and draws the step (eval_step_commit) exactly as a single
 * pass would, in step order. Reading is serialised (one source, read in
 * step order under the lock), which is also what fills the recorded-token
 * history a later step's penalties see before that step is taken.
 *
 * Errors keep the same order: a failure (read, non-finite check, chain,
 * cancel) is recorded at its step's turn, steps after it are dropped, and
 * the first failing step in step order is the one reported. */
#include "eval/eval_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* results of several settings for every step in flight, at most this many bytes */
#define EVAL_PIPE_MEMORY ((uint64_t)1 << 30)

struct pipe {
    struct eval_run *r;
    struct source *src;
    const volatile int *cancel;
    pthread_mutex_t mu;
    pthread_cond_t turn_cv;
    uint32_t next_read;   /* the next step a worker takes */
    uint32_t turn;        /* the next step to commit */
    int stop;             /* a failure: take no further step */
    int nw;               /* workers: each takes about every nw-th step */
    int rc;
    struct ls_error err;  /* the first failure in step order */
};
struct pipe_arg { struct pipe *P; struct eval_worker *w; };

/* Take and read the next step under the lock. 1: a step is taken (its
 * read may have failed: *rc), 0: none left. */
static int take_step(struct pipe *P, struct eval_worker *w, int *rc)
{
    struct eval_run *r = P->r;
    pthread_mutex_lock(&P->mu);
    if (P->stop || P->next_read >= r->n_steps) { pthread_mutex_unlock(&P->mu); return 0; }
    uint32_t step = P->next_read++;
    w->step = step;
    if (P->cancel && *P->cancel) *rc = ls_fail(&w->err, LS_EINTERNAL, "cancelled");
    /* lent: a pointer into the file's map (no copy under the lock), or
     * converted into the worker's own buffer; it stays valid while other
     * workers take later steps */
    else if ((*rc = source_lend_into(P->src, step, w->z, &w->logits, &w->si, &w->err)))
        ls_error_prefix(&w->err, P->src->path);
    /* lent in place from the map: the step nw on is nw rows further */
    w->next = !*rc && w->logits != w->z && step + (uint32_t)P->nw < r->n_steps ? w->logits + (size_t)P->nw * r->V : NULL;
    r->rec[step] = *rc ? -1 : eval_recorded(r, w->si.token);
    w->si.token = r->rec[step];
    if (*rc) P->stop = 1;
    pthread_mutex_unlock(&P->mu);
    return 1;
}

/* A lent step's file shrank under its map while the step was used: what
 * was computed from it is void (source.h). */
static int lend_verified(const struct source *src, uint32_t step, struct ls_error *err)
{
    int rc = source_lend_verify(src, step, err);
    if (rc) ls_error_prefix(err, src->path);
    return rc;
}

/* Wait for this step's turn; score it unless a failure came first. */
static void commit_in_turn(struct pipe *P, struct eval_worker *w, int rc)
{
    pthread_mutex_lock(&P->mu);
    while (P->turn != w->step) pthread_cond_wait(&P->turn_cv, &P->mu);
    if (rc && !P->rc) { P->rc = rc; P->err = w->err; P->stop = 1; }
    int ok = !P->rc;
    pthread_mutex_unlock(&P->mu);
    if (ok) eval_step_commit(P->r, w); /* only the turn's holder commits */
    pthread_mutex_lock(&P->mu);
    P->turn++;
    pthread_cond_broadcast(&P->turn_cv);
    pthread_mutex_unlock(&P->mu);
}

static void *pipe_worker(void *arg)
{
    struct pipe *P = ((struct pipe_arg *)arg)->P;
    struct eval_worker *w = ((struct pipe_arg *)arg)->w;
    w->info = &w->si;
    int rc = LS_OK;
    while (take_step(P, w, &rc)) {
        if (!rc) rc = eval_step_compute(P->r, w);
        if (!rc) rc = lend_verified(P->src, w->step, &w->err);
        commit_in_turn(P, w, rc);
        if (rc) break;
    }
    return NULL;
}

/* How many step workers this run gets (see eval.h, threads). */
static int pipe_workers(const struct eval_run *r)
{
    int nw = r->cfg.threads;
    if (nw < 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        nw = nc > 0 ? (int)(nc < EVAL_MAX_THREADS ? nc : EVAL_MAX_THREADS) : 1;
    }
    if (nw > EVAL_MAX_THREADS) nw = EVAL_MAX_THREADS;
    if ((uint32_t)nw > r->n_steps) nw = (int)r->n_steps;
    /* per worker and setting: p, cut_by and kept (13 bytes a token) and
     * the exact prefix sums a draw may fall back to (8); p_raw (8) is shared
     * by the settings since draws by blocks, but still counted per setting:
     * 29 bytes, an upper bound */
    uint64_t per = (uint64_t)r->n_set * (r->V ? r->V : 1) * 29u;
    while (nw > 1 && per * (uint64_t)nw > EVAL_PIPE_MEMORY) nw--;
    for (size_t k = 0; k < r->n_set && nw > 1; k++)
        if (chain_uses(&r->acc[k].set.chain, &r->acc[k].set.params, STAGE_MIROSTAT)) nw = 1;
    return nw < 1 ? 1 : nw;
}

/* The pass on nw workers (nw >= 2; w[0] stays eval_run_step's). */
static int pipe_run(struct eval_run *r, struct source *src, int nw, const volatile int *cancel,
                    struct ls_error *err)
{
    struct pipe P = { .r = r, .src = src, .cancel = cancel, .nw = nw };
    struct pipe_arg arg[EVAL_MAX_THREADS + 1];   /* workers 1..nw */
    pthread_t th[EVAL_MAX_THREADS + 1];
    int started[EVAL_MAX_THREADS + 1] = {0};
    for (int i = 1; i <= nw; i++) {
        if (eval_worker_init(r, &r->w[i], 1))
            return ls_fail(err, LS_ELIMIT, "out of memory (%d step workers, V = %u)", nw, r->V);
        arg[i] = (struct pipe_arg){ &P, &r->w[i] };
    }
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.turn_cv, NULL);
    for (int i = 2; i <= nw; i++) started[i] = pthread_create(&th[i], NULL, pipe_worker, &arg[i]) == 0;
    pipe_worker(&arg[1]);   /* a worker that could not start leaves its steps to the others */
    for (int i = 2; i <= nw; i++) if (started[i]) pthread_join(th[i], NULL);
    pthread_cond_destroy(&P.turn_cv);
    pthread_mutex_destroy(&P.mu);
    if (P.rc) { if (err) *err = P.err; return P.rc; }
    r->steps_done = r->n_steps;
    return LS_OK;
}

/* One worker: read a step, run it (eval_run_step), the next. */
static int serial_run(struct eval_run *r, struct source *src, const volatile int *cancel, struct ls_error *err)
{
    float *z = malloc((size_t)(src->vocab_size ? src->vocab_size : 1) * sizeof *z);
    if (!z) return ls_fail(err, LS_ELIMIT, "out of memory (V = %u)", src->vocab_size);
    struct step_info si;
    int rc = LS_OK;
    for (uint32_t s = 0; s < src->n_steps && !rc; s++) {
        if (cancel && *cancel) { rc = ls_fail(err, LS_EINTERNAL, "cancelled"); break; }
        const float *lz;
        rc = source_lend_into(src, s, z, &lz, &si, err);
        if (rc) { ls_error_prefix(err, src->path); break; }
        r->w[0].next = lz != z && s + 1 < src->n_steps ? lz + src->vocab_size : NULL; /* the map's next row */
        rc = eval_run_step(r, lz, &si, err);
        if (!rc) rc = lend_verified(src, s, err);
    }
    free(z);
    return rc;
}

int eval_source(struct source *src, const struct eval_config *cfg,
                const struct eval_settings *set, size_t n_set, const volatile int *cancel,
                struct eval_run **out, struct ls_error *err)
{
    struct eval_run *r;
    int rc = eval_run_new(src, cfg, set, n_set, &r, err);
    if (rc) return rc;
    int nw = pipe_workers(r);
    rc = nw > 1 ? pipe_run(r, src, nw, cancel, err) : serial_run(r, src, cancel, err);
    /* the scores read the lent steps after their chains: a file cut meanwhile voids them too */
    if (!rc) rc = lend_verified(src, r->n_steps - 1, err);
    if (!rc) rc = eval_run_finish(r, cancel, err);
    if (rc) { eval_run_free(r); return rc; }
    *out = r;
    return LS_OK;
}
