/* explorer_task.c: a function on a worker thread (see explorer_task.h). */
#include "explorer/explorer_task.h"
#include "explorer/explorer_sync.h"
#include "explorer/explorer_wake.h"

#include <stdlib.h>

static void *worker(void *arg)
{
    struct ex_task *t = arg;
    ex_worker_yields();
    pthread_mutex_lock(&t->mx);
    for (;;) {
        while (t->state != EXT_QUEUED && !t->quit) pthread_cond_wait(&t->cv, &t->mx);
        if (t->quit) break;
        pthread_mutex_unlock(&t->mx);
        t->run(t->arg);
        pthread_mutex_lock(&t->mx);
        t->state = EXT_DONE;
        pthread_cond_broadcast(&t->cv);
        ex_wake_post();   /* the main loop's wake-up (explorer_wake.h) */
    }
    pthread_mutex_unlock(&t->mx);
    return NULL;
}

struct ex_task *ex_task_new(void)
{
    struct ex_task *t = calloc(1, sizeof *t);
    if (t && ex_sync_init(&t->mx, &t->cv)) { free(t); t = NULL; }
    return t;
}

void ex_task_free(struct ex_task *t)
{
    if (!t) return;
    if (t->started) {
        ex_sync_wait(&t->mx, &t->cv, &t->state, EXT_QUEUED, -1);   /* the task under way first */
        pthread_mutex_lock(&t->mx);
        t->quit = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mx);
        pthread_join(t->th, NULL);
    }
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mx);
    free(t);
}

void ex_task_start(struct ex_task *t, void (*run)(void *arg), void *arg)
{
    t->run = run;   /* idle: the main thread's fields */
    t->arg = arg;
    if (!t->started) t->started = pthread_create(&t->th, NULL, worker, t) == 0;
    if (!t->started) {   /* no thread: here, nothing reads state meanwhile */
        run(arg);
        t->state = EXT_DONE;
        return;
    }
    ex_sync_set(&t->mx, &t->cv, &t->state, EXT_QUEUED);
}

int ex_task_state(struct ex_task *t)
{
    return ex_sync_get(&t->mx, &t->state);
}

int ex_task_wait_ns(struct ex_task *t, long ns)
{
    return ex_sync_wait(&t->mx, &t->cv, &t->state, EXT_QUEUED, ns < 0 ? 0 : ns);
}

void ex_task_idle(struct ex_task *t)
{
    ex_sync_set(&t->mx, &t->cv, &t->state, EXT_IDLE);
}
