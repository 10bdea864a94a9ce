/* eval_steps.c: eval_source, the whole pass over a source's steps (see
 * eval.h), on step workers.
 *
 * The chain of a step depends only on that step's logits and the recorded
 * tokens before it; what depends on step order is the evaluators' running
 * sums and the continuations' random streams (one uniform per step each).
 * So each worker (base/step_pipe.h) takes the next step, reads it and
 * draws its N uniforms (each stream's next: one a step, in step order),
 * and runs every setting's chain into its own results and draws its tokens
 * with those uniforms (eval_step_compute); then it waits for its turn and
 * scores the step and stores the tokens (eval_step_commit) exactly as a
 * single pass would, in step order. Reading is serialised (one source, read in
 * step order under the lock), which is also what fills the recorded-token
 * history a later step's penalties see before that step is taken; a
 * source whose reads may run at once and whose steps record no token
 * (source.h lend_concurrent) is read in the workers' computes instead.
 *
 * Errors keep the same order: a failure (read, non-finite check, chain,
 * cancel) is recorded at its step's turn, steps after it are dropped, and
 * the first failing step in step order is the one reported. */
#include "eval/eval_impl.h"
#include "base/step_pipe.h"

#include <stdlib.h>

_Static_assert(EVAL_MAX_THREADS <= STEP_PIPE_MAX_WORKERS, "eval's step workers are step_pipe's");

/* results of several settings for every step in flight, at most this many bytes */
#define EVAL_PIPE_MEMORY ((uint64_t)1 << 30)

/* The pass on step workers (base/step_pipe.h): pipe worker i is r->w[i + 1]. */
struct pipe {
    struct eval_run *r;
    struct source *src;
    const volatile int *cancel;
    int nw;               /* workers: each takes about every nw-th step */
};

/* Each step is read once, front to back: read (or converted) into the
 * worker's own buffer, not lent from a map whose every page is new
 * (source.h: on this project's VM the map costs 5x the copy); it stays
 * valid while other workers take later steps. */
static int lend_step(struct pipe *P, struct eval_worker *w, uint32_t step)
{
    int rc = source_lend_into(P->src, step, w->z, SOURCE_LEND_READ, &w->logits, &w->si, &w->err);
    if (rc) ls_error_prefix(&w->err, P->src->path);
    return rc;
}

/* Under the pipe's lock, in step order: read the step and note its
 * recorded token (the history a later step's penalties see), and draw
 * the step's uniforms from the streams. A source whose reads may run at
 * once (source.h lend_concurrent: its steps record no token) is read in
 * compute instead, alongside the other workers' reads. */
static int take_step(void *ctx, int wi, uint32_t step)
{
    struct pipe *P = ctx;
    struct eval_run *r = P->r;
    struct eval_worker *w = &r->w[wi + 1];
    int rc = LS_OK, later = P->src->lend_concurrent;
    w->step = step;
    if (P->cancel && *P->cancel) rc = ls_fail(&w->err, LS_EINTERNAL, "cancelled");
    else if (!later) rc = lend_step(P, w, step);
    r->rec[step] = rc || later ? -1 : eval_recorded(r, w->si.token);
    w->si.token = r->rec[step];
    if (!rc) eval_step_uniforms(r, w); /* the streams in step order (the draws come in compute) */
    return rc;
}

/* A lent step's file shrank under its map while the step was used: what
 * was computed from it is void (source.h). */
static int lend_verified(const struct source *src, uint32_t step, struct ls_error *err)
{
    int rc = source_lend_verify(src, step, err);
    if (rc) ls_error_prefix(err, src->path);
    return rc;
}

/* Alongside the other workers: every setting's chain on the step. */
static int compute_step(void *ctx, int wi, uint32_t step)
{
    struct pipe *P = ctx;
    struct eval_worker *w = &P->r->w[wi + 1];
    int rc = LS_OK;
    /* read here when the reads run at once; the token take set (-1: such a source records none) */
    if (P->src->lend_concurrent && !(rc = lend_step(P, w, step))) w->si.token = P->r->rec[step];
    if (!rc) rc = eval_step_compute(P->r, w);
    return rc ? rc : lend_verified(P->src, step, &w->err);
}

/* In step order: the scores and draws, exactly as a single pass makes them. */
static int commit_step(void *ctx, int wi, uint32_t step)
{
    (void)step;
    struct pipe *P = ctx;
    eval_step_commit(P->r, &P->r->w[wi + 1]);
    return LS_OK;
}

/* How many step workers this run gets (see eval.h, threads); 0: none,
 * the settings' results of a step would not fit in EVAL_PIPE_MEMORY
 * (then one result, eval_run_step's, serves them in turn: serial_run) */
static int pipe_workers(const struct eval_run *r)
{
    int nw = r->cfg.threads;
    if (nw < 0) nw = step_pipe_cpus();
    if (nw > EVAL_MAX_THREADS) nw = EVAL_MAX_THREADS;
    if ((uint32_t)nw > r->n_steps) nw = (int)r->n_steps;
    if (nw < 1) nw = 1;
    /* per worker and setting: p, cut_by and kept (13 bytes a token) and
     * the exact prefix sums a draw may fall back to (8); p_raw (8) is shared
     * by the settings since draws by blocks, but still counted per setting:
     * 29 bytes, an upper bound */
    uint64_t per = (uint64_t)r->n_set * (r->V ? r->V : 1) * 29u;
    while (nw > 1 && per * (uint64_t)nw > EVAL_PIPE_MEMORY) nw--;
    if (per > EVAL_PIPE_MEMORY) return 0;
    for (size_t k = 0; k < r->n_set && nw > 1; k++)
        if (chain_uses(&r->acc[k].set.chain, &r->acc[k].set.params, STAGE_MIROSTAT)) nw = 1;
    return nw;
}

/* The pass on nw workers (w[0] stays eval_run_step's). One worker is the
 * same pass in this thread: a result per setting, each kept from step to
 * step (a run then rewrites its own survivors, not another setting's). */
static int pipe_run(struct eval_run *r, struct source *src, int nw, const volatile int *cancel,
                    struct ls_error *err)
{
    static const struct step_pipe_ops ops = { take_step, compute_step, commit_step, 0 };
    struct pipe P = { .r = r, .src = src, .cancel = cancel, .nw = nw };
    for (int i = 1; i <= nw; i++) {
        if (eval_worker_init(r, &r->w[i], 1))
            return ls_fail(err, LS_ELIMIT, "out of memory (%d step workers, V = %u)", nw, r->V);
        r->w[i].info = &r->w[i].si;
    }
    /* a worker that could not start leaves its steps to the others */
    int failed = 0;
    /* --threads not given: as many as the computes keep busy (step_pipe.h);
     * every one when the reads run at once too (nothing to wait on) */
    int by_timing = r->cfg.threads < 0 && !src->lend_concurrent;
    int rc = (by_timing ? step_pipe_run_auto : step_pipe_run)(&ops, &P, nw, 0, r->n_steps, &failed);
    if (rc) { if (err) *err = r->w[failed + 1].err; return rc; }
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
        rc = source_lend_into(src, s, z, SOURCE_LEND_READ, &lz, &si, err); /* as take_step */
        if (rc) { ls_error_prefix(err, src->path); break; }
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
    rc = nw > 0 ? pipe_run(r, src, nw, cancel, err) : serial_run(r, src, cancel, err);
    /* the scores read the lent steps after their chains: a file cut meanwhile voids them too */
    if (!rc) rc = lend_verified(src, r->n_steps - 1, err);
    if (!rc) rc = eval_run_finish(r, cancel, err);
    if (rc) { eval_run_free(r); return rc; }
    *out = r;
    return LS_OK;
}
