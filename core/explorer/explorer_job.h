/* explorer_job.h: the current step's model computation, off the main
 * thread (issue 9: a key never waits on a chain run).
 *
 * A job is the explorer's "back buffer": private copies of everything one
 * run of the current step reads (its logits and step_info, read by the main
 * thread; the chain, the params, the seed, the number of draws; the stage
 * context: history tokens, position, DRY's breakers, mirostat's mu) and
 * everything it writes (its own chain_ws and chain_result, the raw top
 * rows and the recorded token's rank, the samples and their CDF). The
 * worker never calls into the source or the vocabulary, and never reads
 * the struct explorer.
 *
 * The worker is the explorer's task shell (explorer_task.h); ownership by
 * state (the mutex orders the hand-overs):
 *   EXJ_IDLE    the main thread owns the job: it fills the inputs
 *               (explorer.c job_submit) or swaps the outputs into the
 *               explorer's front fields (job_collect).
 *   EXJ_QUEUED  the worker (or, unthreaded, the caller inside
 *               ex_job_start) owns it; the main thread reads nothing.
 *   EXJ_DONE    finished: the main thread owns it again and collects.
 * The breakers are shared read-only: built once per source on the main
 * thread and freed only after the job is joined (explorer_set_source).
 *
 * Determinism: the computation is ex_job_compute in either thread, so a
 * threaded result is bit for bit an unthreaded one; explorer.c decides
 * when to wait (always, unless the explorer is async). */
#ifndef LS_EXPLORER_JOB_H
#define LS_EXPLORER_JOB_H

#include "explorer/explorer.h"
#include "explorer/explorer_task.h"

enum { EXJ_IDLE = EXT_IDLE, EXJ_QUEUED = EXT_QUEUED, EXJ_DONE = EXT_DONE };   /* the shell's */
/* What a job computes: the current step for the screen (chain, top rows,
 * samples), or one step of the sequence numbers (explorer_work: the chain
 * with CHAIN_WANT_SCORES, then the recorded token accepted: mu out), or
 * one earlier step of the current step's history (EXJ_HIST: replay.c's
 * chain run with CHAIN_WANT_DRAW and its accept: mu out; explorer_bg.c). */
enum { EXJ_KEY = 0, EXJ_SEQ, EXJ_HIST };

struct ex_job {
    uint32_t V;
    int mode;                        /* EXJ_KEY, EXJ_SEQ */
    int slot;                        /* EXJ_SEQ: the sequence cache slot */
    /* inputs (main thread, EXJ_IDLE) */
    struct chain chain;
    struct params params;
    uint32_t step;
    uint64_t seed;                   /* the samples' stream and the stages' seed */
    uint32_t n_draws;
    float *logits;                   /* V: step logits_step, as explorer_read_step gave it */
    struct step_info info;
    struct ls_error step_err;        /* the read's error; the run's is added */
    int64_t logits_step;             /* step held in logits/info/step_err, -1 none */
    int32_t *hist;                   /* hist_cap (n_steps): the stage context (chain_ws_set_context) */
    uint32_t hist_cap;
    uint32_t n_hist, n_prompt;
    uint64_t position;
    const struct dry_breakers *breaker;   /* shared read-only (see above) */
    double mu;                       /* mirostat's carried state before the step
                                        (EXJ_SEQ: after it, once accepted) */
    int mu_set;
    double mu_in;                    /* EXJ_HIST: mu, mu_set before the step (the collect's check) */
    int mu_set_in;
    int rerun;                       /* res and ws hold this step's raw softmax: chain_rerun */
    int want_top;                    /* compute top/rec_rank (else the copies given stay) */
    uint64_t gen;                    /* the request it computes (explorer.c req_gen) */
    /* outputs and the worker's own scratch */
    struct chain_ws ws;
    int64_t ws_step;                 /* step of ws's last successful run, -1 none */
    struct chain_result res;
    int64_t res_step;                /* step whose raw softmax res holds, -1 none */
    int ok;
    int64_t run_ns;                  /* how long the computation took (wall); -1: cancelled */
    int32_t top[EX_TOP_MAX];
    uint32_t n_top, rec_rank;
    struct ex_samples samples;
    double *cdf;                     /* V: the samples' CDF */
    /* the worker (explorer_task.h); its cancel: a newer request superseded
     * the job, what is left is skipped (its result is dropped) */
    struct ex_task task;
    int warm;                        /* main thread's: ex_job_warm was started */
    /* ex_job_warm_key's list (the worker's while it runs, else the main
     * thread's) and the setting it was made for; wl_state 0 none, 1
     * under way (a cancel leaves the rest for later), 2 done */
    struct ex_warm wl;
    int wl_state;
    struct chain wl_chain;
    struct params wl_params;
};

/* A job for V tokens and n_steps history entries; threaded: its runs go to
 * a worker thread (started on the first job). NULL when out of memory. */
struct ex_job *ex_job_new(uint32_t V, uint32_t n_steps, int threaded);
/* Wait for a job under way, stop the worker, free everything. */
void ex_job_free(struct ex_job *j);
/* Hand the filled inputs over (EXJ_IDLE -> EXJ_QUEUED): the worker runs
 * them; unthreaded, they run here and the job is EXJ_DONE on return. */
void ex_job_start(struct ex_job *j);
/* Fault in the buffers the main thread writes (logits, hist) on the
 * job's worker, once, before its first use (an idle job): a first touch
 * of fresh pages costs about 4 ms per MiB of CPU time on this project's
 * machine (a VM's page faults), more than a main-thread slice may take
 * (issue 9: none over 2 ms). The job is EXJ_QUEUED meanwhile and goes
 * back to EXJ_IDLE by itself (nothing to collect). Returns 1 when it
 * started, 0 when the job was warm already or its task runs in place (no
 * worker to move the cost to). */
int ex_job_warm(struct ex_job *j);
/* A key job's buffers faulted in on its worker, contents kept (a threaded
 * job, idle): the step's logits, the samples' CDF, the history, and what
 * a run of (c, p) writes (explorer_task.h ex_warm_chain): the explorer's
 * first visits of steps would otherwise pay them (a first visit 12 ms at
 * V = 262144, the next ones 0.4-1.3 ms). The job is EXJ_QUEUED meanwhile
 * with gen 0 (no request: nothing to collect, it goes back to EXJ_IDLE
 * by itself); a key that needs it cancels it (ex_job_warm_stop) and the
 * rest is done later. A setting whose runs need the emulation's scratch
 * warms again. Returns 1 when started, 0 when nothing is left to do or
 * the job has no thread. */
int ex_job_warm_key(struct ex_job *j, const struct chain *c, const struct params *p);
/* A key job under ex_job_warm_key: cancelled and waited for (within a
 * piece of 64 KiB); 1 when it was warming. */
int ex_job_warm_stop(struct ex_job *j);
/* A newer request supersedes the job under way (if any): it stops at its
 * next safe point (before the chain run, or after it before the top rows
 * and the samples); its result is dropped anyway. */
void ex_job_cancel(struct ex_job *j);
/* A collected job back to EXJ_IDLE (the main thread's, after EXJ_DONE). */
void ex_job_idle(struct ex_job *j);
/* The state (enum above), read under the lock. */
int ex_job_state(struct ex_job *j);
/* Until the job under way (if any) is done. */
void ex_job_wait(struct ex_job *j);
/* The same for at most ns nanoseconds; the state then. */
int ex_job_wait_ns(struct ex_job *j, long ns);
/* The computation itself (the worker's, or the caller's unthreaded). */
void ex_job_compute(struct ex_job *j);
/* The samples panel from a result: n_draws draws with the seed and the
 * empirical frequencies of the drawn tokens (cdf: V doubles of scratch). */
void ex_samples_build(const struct chain_result *r, int ok, uint64_t seed, uint32_t n_draws, double *cdf,
                      struct ex_samples *sm);

#endif
