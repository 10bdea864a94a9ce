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
#define STEP_PIPE_MAX_AHEAD 64

struct step_pipe_ops {
    /* under the pipe's lock, steps in increasing order: claim `step` (read it) */
    int (*take)(void *ctx, int worker, uint32_t step);
    /* outside the lock, alongside the other workers' (skipped after a failed take) */
    int (*compute)(void *ctx, int worker, uint32_t step);
    /* one at a time, in step order, only while no earlier step failed */
    int (*commit)(void *ctx, int worker, uint32_t step);
    /* 0: commit reads the worker's own state, so a worker waits for its
     * step's turn and commits it before taking another; a step that costs
     * ten times the others then holds every worker up at its turn. 1 to
     * STEP_PIPE_MAX_AHEAD: compute leaves everything commit reads (and a
     * failure's message) in the caller's ring of `ahead` entries, entry
     * step % ahead; a worker takes its next step at once, up to ahead
     * steps are in flight (taken, not committed), and whichever worker
     * finishes the turn's step commits it and the done steps after it,
     * with its own worker number. */
    uint32_t ahead;
};

/* Steps [first, first + n) on n_workers workers (clamped to 1..
 * STEP_PIPE_MAX_WORKERS). Returns 0, or the nonzero code of the first
 * failing step in step order with *failed set to the worker whose state
 * holds its error (that worker takes no further step); with ops->ahead,
 * to the ring entry (step % ahead) that holds it. */
int step_pipe_run(const struct step_pipe_ops *ops, void *ctx, int n_workers, uint32_t first, uint32_t n,
                  int *failed);

/* step_pipe_run on at most max_workers, the others started only when they
 * can pay. Every step's take runs under the lock, one at a time, so extra
 * workers gain only the computes that overlap the takes; when the takes
 * (the reads) cost more than the computes, they wait on each other's
 * reads and hand the lock over through the kernel: a [2048, 131072] f32
 * sample --all with llama.cpp's defaults took 44 us a step on one worker
 * and 56 on two. So worker 0 runs the first steps alone (at most
 * STEP_PIPE_PROBE_STEPS, a quarter of n), timing their takes and
 * computes on the monotonic clock (the second half: the first steps
 * fault in the workers' buffers), and the rest runs on
 * step_pipe_auto_workers of them. The result is step_pipe_run's with any
 * worker count: only the speed depends on the timing. */
#define STEP_PIPE_PROBE_STEPS 64u
int step_pipe_run_auto(const struct step_pipe_ops *ops, void *ctx, int max_workers, uint32_t first, uint32_t n,
                       int *failed);

/* The workers that a step costing take_ns to take and compute_ns to
 * compute keeps busy: 1 + floor(compute / (2 take)) (a worker per two
 * takes that one compute spans), within 1..max_workers; max_workers when
 * the take costs nothing, 1 when the compute costs nothing. */
int step_pipe_auto_workers(double take_ns, double compute_ns, int max_workers);

/* The processors online, at least 1 and at most STEP_PIPE_MAX_WORKERS:
 * the default worker count. */
int step_pipe_cpus(void);

#endif
