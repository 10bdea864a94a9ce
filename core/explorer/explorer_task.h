/* explorer_task.h: one function at a time on a worker thread, for the
 * explorer's background work that is a plain computation on buffers the
 * caller hands over (the comparison view's per-step divergence,
 * explorer_diff.h). The function must touch nothing but its argument.
 *
 * Ownership by state (explorer_sync.h holds it):
 *   EXT_IDLE    the main thread owns the argument: it fills it, starts.
 *   EXT_QUEUED  the worker owns it (running the function).
 *   EXT_DONE    finished: the main thread reads it, then ex_task_idle.
 * With no thread (none could be made) ex_task_start runs it in place. */
#ifndef LS_EXPLORER_TASK_H
#define LS_EXPLORER_TASK_H

#include <pthread.h>

enum { EXT_IDLE = 0, EXT_QUEUED, EXT_DONE };

struct ex_task {
    void (*run)(void *arg);
    void *arg;
    int state, quit, started;
    pthread_t th;
    pthread_mutex_t mx;
    pthread_cond_t cv;
};

/* NULL when out of memory; the thread starts with the first task. */
struct ex_task *ex_task_new(void);
/* Wait for a task under way, stop the thread, free. */
void ex_task_free(struct ex_task *t);
/* EXT_IDLE -> EXT_QUEUED: run(arg) on the worker (no thread: here, DONE). */
void ex_task_start(struct ex_task *t, void (*run)(void *arg), void *arg);
int ex_task_state(struct ex_task *t);
/* At most ns nanoseconds for a task under way; the state then. */
int ex_task_wait_ns(struct ex_task *t, long ns);
/* A collected task: back to EXT_IDLE. */
void ex_task_idle(struct ex_task *t);

#endif
