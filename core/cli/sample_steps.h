/* sample_steps.h: sample's draws over its steps, on one or several step
 * workers (base/step_pipe.h), rendered as they are made.
 *
 * A step's chain depends only on the step and, for penalties, DRY and
 * mirostat, on the tokens before it. Without those, workers run upcoming
 * steps' chains (and their prefix sums) at once, and each step's draws,
 * from the one seeded stream, and its rows are made in step order: the
 * same uniforms meet the same distributions, so the output is byte for
 * byte the serial one at any worker count. With them the history is the
 * draws themselves (a step that records no token continues with the one
 * drawn), so such chains run on one worker. Errors: the first failing
 * step in step order, with the rows before it printed, as serially. */
#ifndef LS_SAMPLE_STEPS_H
#define LS_SAMPLE_STEPS_H

#include "cli/cli_run.h"
#include "base/rng.h"

struct cJSON;

/* Fewer steps than this run on one worker: a worker's buffers and thread
 * cost about what a few chains cost (tests/bench/bench_sample.c). */
#define SAMPLE_MIN_THREADED_STEPS 16u

/* The extra workers' buffers, at most this many bytes (one worker: none extra). */
#define SAMPLE_PIPE_MEMORY ((uint64_t)1 << 30)

struct sample_plan {
    uint32_t first, n;     /* steps [first, first + n) */
    long count;            /* draws per step */
    int all;               /* --all: a step without a recorded token continues with its draw */
    int threads;           /* workers asked for (>= 1); fewer when they cannot pay or the chain needs history */
    int auto_threads;      /* threads is a maximum: as many as the computes keep busy (step_pipe_run_auto) */
};

/* The workers plan would run on (1 when they cannot help). */
int sample_steps_workers(const struct cli_one *c, const struct sample_plan *plan);

/* Draw plan's tokens over c's source with stream g; rows to stdout, or
 * items into arr (JSON). *approx |= a top-N step was drawn from. Returns
 * LS_OK or the first failing step's code with c->err set. */
int sample_steps_run(struct cli_one *c, const struct sample_plan *plan, struct rng *g, struct cJSON *arr,
                     int *approx);

#endif
