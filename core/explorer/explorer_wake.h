/* explorer_wake.h: how the explorer's worker threads wake the main loop
 * (issue 9: no polling while a worker runs).
 *
 * One pipe per process (the terminal has one main loop): every worker
 * (the shell, explorer_task.h) posts a byte when it finishes a
 * piece; the loop polls the read end next to the terminal's input and
 * drains it before it looks at the jobs, so a piece finished after the
 * drain posts again and no wake-up is lost. Both ends are non-blocking: a
 * full pipe already wakes the loop, a post is never waited for. Created on
 * first use; -1 (no pipe) leaves the caller to its own timeout. */
#ifndef LS_EXPLORER_WAKE_H
#define LS_EXPLORER_WAKE_H

/* The read end to poll (POLLIN), -1 if no pipe could be made. */
int ex_wake_fd(void);
/* A worker finished something (any thread). */
void ex_wake_post(void);
/* Empty the pipe (the main loop, before it looks at the jobs). */
void ex_wake_drain(void);
/* Until the pipe is readable or ms milliseconds passed (-1: no limit);
 * with no pipe, sleeps ms (at most 1 ms when ms < 0). Drains it. */
void ex_wake_wait(int ms);

/* A worker thread (the calling one) yields to the main loop: on Linux it
 * runs as SCHED_BATCH, which never preempts a thread on wake-up. Without
 * it, a worker woken by a key's hand-over is placed on the core the main
 * thread just woke on and preempts it for a time slice (milliseconds on a
 * busy machine) in the middle of the key's frame. */
void ex_worker_yields(void);

#endif
