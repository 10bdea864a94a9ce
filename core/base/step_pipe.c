/* step_pipe.c: steps taken in order, computed at once, committed in
 * order (see step_pipe.h). */
#include "base/step_pipe.h"
#include "base/clock.h"

#include <pthread.h>
#include <unistd.h>

struct pipe {
    const struct step_pipe_ops *ops;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t turn_cv;
    uint32_t next, end;   /* the next step a worker takes; one past the last */
    uint32_t turn;        /* the next step to commit */
    int stop;             /* a failure: take no further step */
    int rc, failed;       /* the first failure in step order and its worker (ring entry: ahead) */
    /* ops->ahead > 0: the steps in flight (taken, not committed) by
     * step % ahead: computed, and their take's or compute's code */
    pthread_cond_t room_cv;  /* a step committed: room for another */
    int draining;         /* a worker is committing the done steps in order */
    uint8_t done[STEP_PIPE_MAX_AHEAD];
    int code[STEP_PIPE_MAX_AHEAD];
};
struct pipe_arg { struct pipe *P; int worker; };

/* Take the next step under the lock (in ring mode, once fewer than ahead
 * are in flight). 1: taken (its take may have failed: *rc), 0: none left. */
static int take(struct pipe *P, int worker, uint32_t *step, int *rc)
{
    uint32_t A = P->ops->ahead;
    pthread_mutex_lock(&P->mu);
    while (A && !P->stop && P->next < P->end && P->next - P->turn >= A) pthread_cond_wait(&P->room_cv, &P->mu);
    if (P->stop || P->next >= P->end) { pthread_mutex_unlock(&P->mu); return 0; }
    *step = P->next++;
    *rc = P->ops->take(P->ctx, worker, *step);
    if (*rc) P->stop = 1;   /* steps after a failed take are never taken */
    pthread_mutex_unlock(&P->mu);
    return 1;
}

/* Wait for the step's turn; commit it unless a failure came first. */
static int commit_in_turn(struct pipe *P, int worker, uint32_t step, int rc)
{
    pthread_mutex_lock(&P->mu);
    while (P->turn != step) pthread_cond_wait(&P->turn_cv, &P->mu);
    int ok = !P->rc && !rc;
    pthread_mutex_unlock(&P->mu);
    /* only the turn's holder commits: no lock needed around it */
    if (ok) rc = P->ops->commit(P->ctx, worker, step);
    pthread_mutex_lock(&P->mu);
    if (rc && !P->rc) { P->rc = rc; P->failed = worker; P->stop = 1; }
    P->turn++;
    pthread_cond_broadcast(&P->turn_cv);
    pthread_mutex_unlock(&P->mu);
    return rc;
}

/* ---- ops->ahead > 0: a worker takes its next step while earlier ones wait ---- */

/* The step is computed (rc its code): when it is the turn, this worker
 * commits it and every done step after it, in order, until one is not
 * done (whoever finishes that one then commits on). A commit reads only
 * what the step's compute left by step (ops->ahead), so any worker may
 * make it; the lock is not held around it, and only the worker draining
 * commits. A failure is recorded at its turn: nothing after it commits. */
static void finish_ahead(struct pipe *P, int worker, uint32_t step, int rc)
{
    uint32_t A = P->ops->ahead;
    pthread_mutex_lock(&P->mu);
    P->done[step % A] = 1;
    P->code[step % A] = rc;
    if (step != P->turn || P->draining) { pthread_mutex_unlock(&P->mu); return; }
    P->draining = 1;
    while (P->turn < P->next && P->done[P->turn % A]) {
        uint32_t s = P->turn;
        int r = P->code[s % A], ok = !P->rc && !r;
        pthread_mutex_unlock(&P->mu);
        if (ok) r = P->ops->commit(P->ctx, worker, s);
        pthread_mutex_lock(&P->mu);
        if (r && !P->rc) { P->rc = r; P->failed = (int)(s % A); P->stop = 1; }
        P->done[s % A] = 0;
        P->turn++;
        pthread_cond_broadcast(&P->room_cv);
    }
    P->draining = 0;
    pthread_mutex_unlock(&P->mu);
}

/* A worker: take, compute, then commit in turn (classic: its own step,
 * waiting for it; ring mode: whatever is done at the turn, not waiting). */
static void *worker_main(void *arg)
{
    struct pipe *P = ((struct pipe_arg *)arg)->P;
    int worker = ((struct pipe_arg *)arg)->worker;
    uint32_t step;
    int rc = 0;
    while (take(P, worker, &step, &rc)) {
        if (!rc) rc = P->ops->compute(P->ctx, worker, step);
        if (P->ops->ahead) finish_ahead(P, worker, step, rc);
        else if (commit_in_turn(P, worker, step, rc)) break; /* a failed worker keeps its error: it takes nothing more */
    }
    return NULL;
}

int step_pipe_run(const struct step_pipe_ops *ops, void *ctx, int n_workers, uint32_t first, uint32_t n,
                  int *failed)
{
    if (n_workers < 1) n_workers = 1;
    if (n_workers > STEP_PIPE_MAX_WORKERS) n_workers = STEP_PIPE_MAX_WORKERS;
    struct pipe P = { .ops = ops, .ctx = ctx, .next = first, .end = first + n, .turn = first };
    struct pipe_arg arg[STEP_PIPE_MAX_WORKERS];
    pthread_t th[STEP_PIPE_MAX_WORKERS];
    int started[STEP_PIPE_MAX_WORKERS] = {0};
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.turn_cv, NULL);
    pthread_cond_init(&P.room_cv, NULL);
    for (int i = 0; i < n_workers; i++) arg[i] = (struct pipe_arg){ &P, i };
    for (int i = 1; i < n_workers; i++) started[i] = pthread_create(&th[i], NULL, worker_main, &arg[i]) == 0;
    worker_main(&arg[0]);
    for (int i = 1; i < n_workers; i++) if (started[i]) pthread_join(th[i], NULL);
    pthread_cond_destroy(&P.room_cv);
    pthread_cond_destroy(&P.turn_cv);
    pthread_mutex_destroy(&P.mu);
    if (P.rc && failed) *failed = P.failed;
    return P.rc;
}

int step_pipe_auto_workers(double take_ns, double compute_ns, int max_workers)
{
    if (max_workers > STEP_PIPE_MAX_WORKERS) max_workers = STEP_PIPE_MAX_WORKERS;
    if (max_workers <= 1 || !(compute_ns > 0)) return 1;
    if (!(take_ns > 0)) return max_workers;
    /* two takes per extra worker: a second worker slows the takes it
     * waits on (the lock's hand-over through the kernel, two copies from
     * the page cache), and at compute ~ take two workers were slower
     * than one (60 against 45 us a step: bench_sample, vllm's order) */
    double w = 1.0 + compute_ns / (2.0 * take_ns);
    return w >= max_workers ? max_workers : (int)w;
}

/* Steps [first, first + k) on worker 0 alone, as step_pipe_run does them
 * on one worker, adding the takes' and computes' nanoseconds of the second
 * half to t[0] and t[1]: the first steps pay the first touch of the
 * workers' V-long buffers (a chain writes its scratch at the ids it keeps,
 * new pages each step for the first 20-40 steps at V = 131072: computes
 * of 100-700 us, then 16). */
static int probe(const struct step_pipe_ops *ops, void *ctx, uint32_t first, uint32_t k, double t[2])
{
    for (uint32_t s = first; s < first + k; s++) {
        int64_t t0 = clock_ns();
        int rc = ops->take(ctx, 0, s);
        int64_t t1 = clock_ns();
        if (!rc) rc = ops->compute(ctx, 0, s);
        int64_t t2 = clock_ns();
        if (!rc) rc = ops->commit(ctx, 0, s);
        if (rc) return rc;
        if (s >= first + k / 2) { t[0] += (double)(t1 - t0); t[1] += (double)(t2 - t1); }
    }
    return 0;
}

int step_pipe_run_auto(const struct step_pipe_ops *ops, void *ctx, int max_workers, uint32_t first, uint32_t n,
                       int *failed)
{
    uint32_t k = n / 4 < STEP_PIPE_PROBE_STEPS ? n / 4 : STEP_PIPE_PROBE_STEPS;
    if (max_workers <= 1 || k < 2) return step_pipe_run(ops, ctx, max_workers, first, n, failed);
    double t[2] = {0, 0};
    int rc = probe(ops, ctx, first, k, t);
    if (rc) { if (failed) *failed = 0; return rc; }
    return step_pipe_run(ops, ctx, step_pipe_auto_workers(t[0], t[1], max_workers), first + k, n - k, failed);
}

int step_pipe_cpus(void)
{
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    if (nc < 1) return 1;
    return nc < STEP_PIPE_MAX_WORKERS ? (int)nc : STEP_PIPE_MAX_WORKERS;
}
