/* explorer_task.h: the one worker shell of the explorer's background work
 * (issue 9: no main-thread slice over 2 ms): one function at a time on a
 * thread of its own, started with the first task. The key and history
 * jobs (explorer_job.h), the evaluators' and sweep view's pieces
 * (explorer_eval_job.h) and the comparison view's per-step divergence
 * (explorer_diff.h) all run on it. The function touches nothing but its
 * argument and what the caller hands over with it.
 *
 * Ownership by state (the mutex orders the hand-overs):
 *   EXT_IDLE    the main thread owns the argument: it fills it, starts.
 *   EXT_QUEUED  the worker owns it (running the function).
 *   EXT_DONE    finished: the main thread reads it, then ex_task_idle.
 * A task's settle hook (NULL: always EXT_DONE) is called on the worker
 * under the lock once the function returned, with whether the task was
 * cancelled meanwhile (ex_task_cancel); it returns the next state: EXT_DONE
 * for a result to collect, EXT_IDLE for one nobody reads (e.g. a dropped
 * run the worker has just freed). The function itself looks at
 * ex_task_cancelled at its safe points. Every finished task posts the
 * main loop's wake-up (explorer_wake.h); the thread runs SCHED_BATCH.
 * With no thread (an unthreaded task, or none could be made) ex_task_start
 * runs the function and its settle in place. */
#ifndef LS_EXPLORER_TASK_H
#define LS_EXPLORER_TASK_H

#include "sampling/chain.h"

#include <pthread.h>
#include <stddef.h>

enum { EXT_IDLE = 0, EXT_QUEUED, EXT_DONE };

struct ex_task {
    /* the task (main thread, EXT_IDLE) */
    void (*run)(void *arg);
    int (*settle)(void *arg, int cancelled);   /* under the lock: the next state */
    void *arg;
    int threaded;                    /* 0: every task runs in place */
    int started;                     /* the thread runs (main thread's) */
    /* under the lock */
    int state, cancel, quit;
    pthread_t th;
    pthread_mutex_t mx;
    pthread_cond_t cv;
};

/* An embedded shell: 0, or -1 (nothing to destroy). threaded: tasks go to
 * a thread (made with the first); else they run in place. */
int ex_task_init(struct ex_task *t, int threaded);
/* Let a task under way finish (its settle included), stop the thread,
 * release the shell. */
void ex_task_destroy(struct ex_task *t);
/* The same on the heap (threaded): NULL when out of memory; NULL is freed. */
struct ex_task *ex_task_new(void);
void ex_task_free(struct ex_task *t);
/* EXT_IDLE -> EXT_QUEUED: run(arg) then settle on the worker (no thread:
 * here, and the state is settle's, or EXT_DONE, on return). */
void ex_task_start(struct ex_task *t, void (*run)(void *arg), int (*settle)(void *arg, int cancelled), void *arg);
/* The state, read under the lock. */
int ex_task_state(struct ex_task *t);
/* At most ns nanoseconds for a task under way (ns < 0: none); the state then. */
int ex_task_wait_ns(struct ex_task *t, long ns);
/* A main-thread slice's look: the state, after waiting (asleep) at most
 * left_ns for a task under way, not at all when left_ns <= 0 or nowait
 * (explorer.h slice_nowait). */
int ex_task_slice(struct ex_task *t, long left_ns, int nowait);
/* Until no task is under way; the state then. */
int ex_task_wait(struct ex_task *t);
/* A collected task (or one whose result is not wanted): back to EXT_IDLE. */
void ex_task_idle(struct ex_task *t);
/* Cancel the task under way: 1 when it was under way and not cancelled
 * yet (its settle sees cancelled), else 0 (a finished task stays so). */
int ex_task_cancel(struct ex_task *t);
/* For the function at a safe point: was the task cancelled? (no thread:
 * never; nothing runs meanwhile) */
int ex_task_cancelled(struct ex_task *t);
/* Fault in the pages of [p, p + bytes) for writing (one write a page; the
 * contents become unspecified): a task's first touch of a buffer the main
 * thread fills later. A fresh page costs microseconds to fault in (about
 * 4 ms per MiB of CPU time on this project's machine, a VM), which a
 * main-thread slice cannot afford at V = 262144 (issue 9: none over
 * 2 ms). A plain memset of fresh malloc'ed memory would not do: the
 * compiler may turn malloc + memset(0) into calloc, which touches nothing. */
void ex_touch_pages(void *p, size_t bytes);

/* Buffers to fault in with their contents kept, a piece at a time: the
 * first run on a fresh chain workspace writes 7-30 MiB of new pages at
 * V = 262144 (20-100 ms of faults here), which neither a key nor a slice
 * may pay at once (issue 9). Each page is made present by the kernel
 * (MADV_POPULATE_WRITE, about a tenth of a fault's cost) and then read
 * and written back once from user space (what the kernel's population
 * leaves of the VM's first-touch cost); a buffer a read(2) fills later
 * also gets a kernel access (a copy through a pipe and back). Safe while
 * nobody else writes the buffers (their owner's thread, or its task). */
#define EX_WARM_MAX 48
struct ex_warm {
    struct chain_span s[EX_WARM_MAX];
    unsigned char kernel[EX_WARM_MAX];   /* 1: also the kernel's first access */
    unsigned n, at;                      /* spans, the one under way */
    size_t off;                          /* bytes of s[at] done */
};
void ex_warm_clear(struct ex_warm *w);
/* One more buffer (dropped beyond EX_WARM_MAX: then its first use pays). */
void ex_warm_add(struct ex_warm *w, void *p, size_t bytes, int kernel);
/* The buffers a run of (c, p) on ws into r writes (chain_buffers): 0, or
 * LS_ELIMIT (the emulation's scratch could not be made). */
int ex_warm_chain(struct ex_warm *w, const struct chain *c, const struct params *p, struct chain_ws *ws,
                  struct chain_result *r);
int ex_warm_done(const struct ex_warm *w);
/* Fault in the next pieces (64 KiB each; at least one piece's worth a
 * call) until all are done (1), or budget_ns of wall time passed
 * (budget_ns < 0: none), or task t (NULL: none) was cancelled (0: the
 * rest later). */
int ex_warm_run(struct ex_warm *w, long budget_ns, struct ex_task *t);

#endif
