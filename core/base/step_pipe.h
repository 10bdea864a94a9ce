/* step_pipe.h: a run over steps on several threads whose result is the
 * one a single thread gives: steps taken in order, computed at once,
 * committed in order.
 *
 * Work over a file's steps splits in three: taking a step (reading it from
 * one source, in step order: the only part that must be serialised with
 * the others' takes), computing on it (the chain: independent of every
 * other step), and committing it (what depends on step order: running
 * sums, one PRNG stream, printed output). Each worker takes the next step
 * under the pipe's lock, computes it while the others compute theirs, then
 * waits for its step's turn and commits it. Whatever a commit does happens
 * in exactly the order and with exactly the inputs of a serial pass.
 *
 * Errors keep that order too: a failing take or compute is recorded at its
 * step's turn, no step after a failure is taken, and the result is the
 * first failing step in step order, as a serial pass stops at it. Steps
 * before it are committed; none after it is.
 *
 * Ownership: the caller owns ctx and every worker's state (indexed by the
 * worker number the callbacks get; worker 0 is the calling thread). The
 * pipe allocates nothing the caller sees; a worker whose thread could not
 * start leaves its steps to the others (worker 0 always runs). */
#ifndef LS_STEP_PIPE_H
#define LS_STEP_PIPE_H

#include <stdint.h>

#define STEP_PIPE_MAX_WORKERS 8

struct step_pipe_ops {
    /* under the pipe's lock, steps in increasing order: claim `step` (read it) */
    int (*take)(void *ctx, int worker, uint32_t step);
    /* outside the lock, alongside the other workers' (skipped after a failed take) */
    int (*compute)(void *ctx, int worker, uint32_t step);
    /* one at a time, in step order, only while no earlier step failed */
    int (*commit)(void *ctx, int worker, uint32_t step);
};

/* Steps [first, first + n) on n_workers workers (clamped to 1..
 * STEP_PIPE_MAX_WORKERS). Returns 0, or the nonzero code of the first
 * failing step in step order with *failed set to the worker whose state
 * holds its error (that worker takes no further step). */
int step_pipe_run(const struct step_pipe_ops *ops, void *ctx, int n_workers, uint32_t first, uint32_t n,
                  int *failed);

/* The processors online, at least 1 and at most STEP_PIPE_MAX_WORKERS:
 * the default worker count. */
int step_pipe_cpus(void);

#endif
