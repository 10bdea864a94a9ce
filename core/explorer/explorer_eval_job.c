/* explorer_eval_job.c: the evaluation run's pieces on a worker thread (see
 * explorer_eval_job.h for who owns what when). */
#include "explorer/explorer_eval_job.h"

#include <stdlib.h>

/* XW_NEW: the run and its step buffer, whose pages are faulted in here
 * (the main thread then reads steps into it at no such cost) */
static void make_run(struct xe_worker *w)
{
    const uint32_t V = w->src->vocab_size ? w->src->vocab_size : 1;
    w->made = NULL;
    w->made_z = malloc((size_t)V * sizeof *w->made_z);
    if (!w->made_z) { w->rc = ls_oom(&w->err); return; }
    ex_touch_pages(w->made_z, (size_t)V * sizeof *w->made_z);
    w->rc = eval_run_new(w->src, &w->cfg, w->set, w->n_set, &w->made, &w->err);
}

/* The piece: the calls explorer_eval.c's main-thread feed makes, in its
 * order; an abandoned run stops between settings (its numbers are never
 * read). */
static void compute(void *arg)
{
    struct xe_worker *w = arg;
    w->rc = LS_OK;
    if (w->op == XW_NEW) { make_run(w); return; }
    if (w->op == XW_STEP) {
        for (size_t k = 0; k < w->n_set && !w->rc && !ex_task_cancelled(&w->t); k++)
            w->rc = eval_run_step_set(w->run, w->z, &w->info, k, &w->err);
        return;
    }
    for (size_t k = w->from; w->op == XW_FINISH && k < w->n_set && !w->rc && !ex_task_cancelled(&w->t); k++)
        w->rc = eval_run_finish_set(w->run, k, NULL, &w->err);
}

/* Under the shell's lock: an abandoned run (xw_abandon) or a disposal
 * (xw_dispose) is the worker's now, freed here, nobody collects it. The
 * fields keep their values: the main thread rewrites them before the next
 * piece and only compares w->run meanwhile. */
static int settle(void *arg, int cancelled)
{
    struct xe_worker *w = arg;
    if (!cancelled && w->op != XW_FREE) return XW_DONE;
    if (w->op == XW_NEW) {   /* a run made for nobody (xw_unmake) */
        eval_run_free(w->made);
        free(w->made_z);
        w->made = NULL;
        w->made_z = NULL;
        return XW_IDLE;
    }
    eval_run_free(w->run);
    free(w->z);
    return XW_IDLE;
}

struct xe_worker *xw_new(void)
{
    struct xe_worker *w = calloc(1, sizeof *w);
    if (w && ex_task_init(&w->t, 1)) { free(w); w = NULL; }
    return w;
}

void xw_free(struct xe_worker *w)
{
    if (!w) return;
    ex_task_destroy(&w->t);   /* a piece under way finishes first (abandoned: early) */
    free(w);
}

void xw_start(struct xe_worker *w)
{
    ex_task_start(&w->t, compute, settle, w);
}

int xw_abandon(struct xe_worker *w, const struct eval_run *run)
{
    /* w->run is written by the main thread only, before a start: read
     * without the lock; the state is the shell's, under it */
    if (w->run == run && ex_task_cancel(&w->t)) return 1;
    if (ex_task_state(&w->t) == XW_DONE) ex_task_idle(&w->t);   /* only the main thread leaves XW_DONE */
    return 0;
}

void xw_dispose(struct xe_worker *w, struct eval_run *run, float *z)
{
    if (!w->t.started || ex_task_state(&w->t) != XW_IDLE) {
        eval_run_free(run);
        free(z);
        return;
    }
    w->op = XW_FREE;   /* idle: the main thread owns the piece's fields */
    w->run = run;
    w->z = z;
    xw_start(w);       /* compute does nothing; settle frees both */
}

void xw_unmake(struct xe_worker *w)
{
    if (ex_task_cancel(&w->t)) return;   /* under way: its settle frees what it made */
    ex_task_idle(&w->t);                 /* done: the main thread's to give away */
    struct eval_run *run = w->made;
    float *z = w->made_z;
    w->made = NULL;
    w->made_z = NULL;
    xw_dispose(w, run, z);
}

void xw_quiesce(struct xe_worker *w)
{
    ex_task_wait(&w->t);
}
