/* explorer_sync.h: the hand-over state of the explorer's worker shell
 * (explorer_task.h): one int state guarded by a mutex,
 * a condition variable on the monotonic clock for waits with a deadline.
 * The states are the callers' own (idle, queued, done); these only read,
 * set and wait. */
#ifndef LS_EXPLORER_SYNC_H
#define LS_EXPLORER_SYNC_H

#include <pthread.h>

/* The mutex and a monotonic-clock condition variable: 0, or -1 with
 * nothing left to destroy. */
int ex_sync_init(pthread_mutex_t *mx, pthread_cond_t *cv);
/* *state read under the lock. */
int ex_sync_get(pthread_mutex_t *mx, const int *state);
/* *state = s under the lock, waiters woken. */
void ex_sync_set(pthread_mutex_t *mx, pthread_cond_t *cv, int *state, int s);
/* While *state == busy, at most ns nanoseconds (ns < 0: no limit); the
 * state then. */
int ex_sync_wait(pthread_mutex_t *mx, pthread_cond_t *cv, const int *state, int busy, long ns);

#endif
