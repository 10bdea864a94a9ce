/* explorer_eval_job.c: the evaluation run's pieces on a worker thread (see
 * explorer_eval_job.h for who owns what when). */
#include "explorer/explorer_eval_job.h"
#include "explorer/explorer_sync.h"
#include "explorer/explorer_wake.h"

#include <stdlib.h>
#include <string.h>

static int abandoned(struct xe_worker *w)
{
    pthread_mutex_lock(&w->mx);
    int a = w->abandoned;
    pthread_mutex_unlock(&w->mx);
    return a;
}

/* The piece: the calls explorer_eval.c's main-thread feed makes, in its
 * order; an abandoned run stops between settings (its numbers are never
 * read). */
static void compute(struct xe_worker *w)
{
    w->rc = LS_OK;
    if (w->op == XW_STEP) {
        for (size_t k = 0; k < w->n_set && !w->rc && !abandoned(w); k++)
            w->rc = eval_run_step_set(w->run, w->z, &w->info, k, &w->err);
        return;
    }
    for (size_t k = w->from; w->op == XW_FINISH && k < w->n_set && !w->rc && !abandoned(w); k++)
        w->rc = eval_run_finish_set(w->run, k, NULL, &w->err);
}

static void *worker(void *arg)
{
    struct xe_worker *w = arg;
    ex_worker_yields();
    pthread_mutex_lock(&w->mx);
    for (;;) {
        while (w->state != XW_QUEUED && !w->quit) pthread_cond_wait(&w->cv, &w->mx);
        if (w->quit && w->state != XW_QUEUED) break;
        pthread_mutex_unlock(&w->mx);
        compute(w);
        pthread_mutex_lock(&w->mx);
        if (w->abandoned) {   /* the run is the worker's now (xw_abandon) */
            eval_run_free(w->run);
            free(w->z);
            w->run = NULL;
            w->z = NULL;
            w->abandoned = 0;
            w->state = XW_IDLE;
        } else {
            w->state = XW_DONE;
        }
        pthread_cond_broadcast(&w->cv);
        ex_wake_post();   /* the main loop's wake-up (explorer_wake.h) */
    }
    pthread_mutex_unlock(&w->mx);
    return NULL;
}

struct xe_worker *xw_new(void)
{
    struct xe_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    int bad = ex_sync_init(&w->mx, &w->cv);
    if (bad) { free(w); return NULL; }
    return w;
}

void xw_free(struct xe_worker *w)
{
    if (!w) return;
    if (w->started) {
        pthread_mutex_lock(&w->mx);
        w->quit = 1;   /* a piece under way finishes first (abandoned: early) */
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mx);
        pthread_join(w->th, NULL);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mx);
    free(w);
}

void xw_start(struct xe_worker *w)
{
    if (!w->started) w->started = pthread_create(&w->th, NULL, worker, w) == 0;
    if (!w->started) {   /* no thread: the piece runs here, no worker reads state */
        compute(w);
        w->state = XW_DONE;
        return;
    }
    pthread_mutex_lock(&w->mx);
    w->state = XW_QUEUED;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mx);
}

int xw_state(struct xe_worker *w)
{
    return ex_sync_get(&w->mx, &w->state);
}

int xw_wait_ns(struct xe_worker *w, long ns)
{
    return ex_sync_wait(&w->mx, &w->cv, &w->state, XW_QUEUED, ns < 0 ? 0 : ns);
}

void xw_idle(struct xe_worker *w)
{
    ex_sync_set(&w->mx, &w->cv, &w->state, XW_IDLE);
}

int xw_abandon(struct xe_worker *w, const struct eval_run *run)
{
    pthread_mutex_lock(&w->mx);
    int took = w->state == XW_QUEUED && w->run == run && !w->abandoned;
    if (took) w->abandoned = 1;
    else if (w->state == XW_DONE) w->state = XW_IDLE;
    pthread_mutex_unlock(&w->mx);
    return took;
}

void xw_dispose(struct xe_worker *w, struct eval_run *run, float *z)
{
    if (!w->started || xw_state(w) != XW_IDLE) {
        eval_run_free(run);
        free(z);
        return;
    }
    w->op = XW_FREE;   /* idle: the main thread owns the piece's fields */
    w->run = run;
    w->z = z;
    pthread_mutex_lock(&w->mx);
    w->abandoned = 1;  /* the worker frees what it holds when the piece ends */
    w->state = XW_QUEUED;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mx);
}

void xw_quiesce(struct xe_worker *w)
{
    ex_sync_wait(&w->mx, &w->cv, &w->state, XW_QUEUED, -1);
}
