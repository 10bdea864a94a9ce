/* explorer_eval.h: the evaluators (issue 5) inside the explorer, headless.
 *
 * Owns what the explorer adds on top of its own state (explorer.h) for the
 * evaluator scores, the temperature sweep, the comparison with a second
 * dump and the "many draws" view:
 *   - scores: every evaluator of `logitscope eval` (eval.h) for the current
 *     settings (chain, parameters, seed, EVAL_DEFAULT_N continuations), the
 *     same numbers `logitscope eval --json` prints for those settings;
 *     computed in the background one step slice at a time and cached for
 *     the last XE_CACHE settings; rows appended to ex->scores after the
 *     built-in ones ("computing..." in the pending role until done);
 *   - sweep: the same evaluators for a list of temperatures (default
 *     XE_SWEEP_DEFAULT), the other parameters held at their current values
 *     (= `logitscope sweep --temperatures LIST`); changing the temperature
 *     only moves the marker, any other change restarts it;
 *   - compare (explorer_diff.h): a second dump B, per-step KL along the
 *     sequence and both distributions at the current step;
 *   - draws: the empirical histogram of EX_EMP_DRAWS draws at the current
 *     step (the samples panel's stream) next to the final distribution.
 *
 * Threads: with a threaded, async explorer (the terminal's) each step's
 * chain runs and scores go to a worker (explorer_eval_job.h), and the
 * comparison's per-step divergence to another (explorer_task.h,
 * explorer_diff.h pieces); a slice then only reads the next step and hands
 * it over (EX_WAIT while a worker runs); the numbers are the same calls in
 * the same order.
 *
 * Cost model: nothing here blocks a key for more than one slice.
 * explorer_eval_work() does at most about budget_ns of work (at least one
 * step), in this order: the scores of the current setting, then the sweep
 * (only once the sweep view was opened), then the comparison. A changed
 * setting drops the unfinished run (the cancel) and starts the new one. A
 * slice is at least one step of the run (a sweep: the step under every
 * temperature, one raw softmax shared), and the last phase of each setting
 * (the sample-based evaluators over N continuations) is one slice.
 * explorer_eval_update() (after explorer_update, once a
 * frame) appends the rows and refreshes the per-step numbers of the views
 * (O(V) only when the step or the setting changed). Views allocate nothing.
 *
 * Memory: runs and step buffers are allocated when a run starts (not in the
 * draw path) and freed by explorer_eval_free. Nothing here points into the
 * source beyond a run, and a new source (:open) drops every run first.
 *
 *   struct explorer_eval xe; explorer_eval_init(&xe);
 *   explorer_update(&ex); explorer_eval_update(&xe, &ex);
 *   while (explorer_eval_work(&xe, &ex, 4000000)) ;   // 4 ms slices
 *   explorer_eval_free(&xe);
 */
#ifndef LS_EXPLORER_EVAL_H
#define LS_EXPLORER_EVAL_H

#include <stdint.h>
#include "eval/eval.h"
#include "explorer/explorer.h"
#include "explorer/explorer_diff.h"

#define XE_CACHE 4
#define XE_SWEEP_MAX 12
#define XE_TRASH_MAX 4   /* runs being freed a piece at a time (trash) */
#define XE_SWEEP_DEFAULT "0,0.25,0.5,0.75,1,1.25,1.5"
#define XE_DRAW_ROWS 24        /* tokens of the draws view (by final p) */

/* The explorer's alternate views (the main panels are XV_MAIN). */
enum xe_view { XV_MAIN = 0, XV_SCORES, XV_SWEEP, XV_DIFF, XV_DRAWS, XV__COUNT };

enum xe_state { XE_IDLE = 0, XE_RUNNING, XE_DONE, XE_FAILED };

/* One evaluation (one setting, or one sweep of settings): one eval_run
 * over every setting, so each step is read once and its raw softmax shared
 * by the settings (eval_run_step); the numbers are those of one-setting
 * runs (every setting restarts the same N streams from the seed), the
 * same as `logitscope sweep` prints. */
struct xe_job {
    int state;                   /* enum xe_state */
    struct chain chain;
    struct params params;        /* sweep: the temperature is ignored */
    uint64_t seed;
    uint64_t src_gen;            /* source the job belongs to */
    int sweep;                   /* 1: one setting per sweep temperature */
    int n_sets;                  /* settings of the run */
    struct eval_run *run;        /* while running; NULL until made (the job's
                                    first slice, or its worker's first piece) */
    int making;                  /* the worker makes the run (explorer_eval_job.h XW_NEW) */
    float *z;                    /* V: the step being fed */
    size_t z_n;                  /* floats z holds (made here: xe->zspare's size) */
    struct step_info info;
    uint32_t step;               /* steps the run has been fed */
    int set;                     /* settings of step `step` fed so far (a piece of
                                    background work is one setting of one step) */
    int fin;                     /* settings finished */
    /* a run made here (no worker: scripts): its buffers faulted in a
     * piece per slice before the first step (explorer_task.h ex_warm) */
    int warmed;                  /* 0 not listed yet, 1 under way, 2 done */
    struct ex_warm warm;
    char err[200];               /* XE_FAILED: why */
};

struct xe_cached {
    int used;
    uint64_t stamp;
    struct xe_job key;           /* state DONE or FAILED, no runs */
    struct eval_scores sc;
};

struct xe_draws {
    int valid;
    uint32_t step;
    struct chain chain;
    struct params params;
    uint64_t seed;
    uint64_t res_gen;            /* ex->res_gen it was built from (a step shown
                                    with its history pending is rerun) */
    uint64_t gen;                /* src_gen it was built for */
    uint32_t n;                  /* draws (EX_EMP_DRAWS) */
    uint32_t n_rows;
    int32_t id[XE_DRAW_ROWS];    /* by final p, descending */
    double p[XE_DRAW_ROWS];
    uint32_t count[XE_DRAW_ROWS];
    double p_other;              /* final mass of the other survivors */
    uint32_t count_other;
    uint32_t n_kept;
    double tv;                   /* total variation distance over all survivors */
    double max_dev;              /* largest |freq - p| over all survivors */
};

struct xe_worker;   /* explorer_eval_job.h */
struct ex_task;     /* explorer_task.h */

struct explorer_eval {
    int view;                    /* enum xe_view */
    /* a threaded, async explorer's runs go to workers (explorer_eval_job.h),
     * one for the current setting's scores [0] and one for the sweep [1];
     * made on first use, owned */
    struct xe_worker *wk[2];
    struct explorer *hooked;     /* the explorer whose src_quiesce stops them */
    struct ex_task *dtask;       /* the comparison's per-step divergence (threaded, async) */
    struct xd_piece dpiece;      /* its piece (explorer_diff.h), the worker's while it runs */
    uint64_t dprep;              /* the comparison (gen) the worker was last asked to make
                                    dpiece ready for (xd_piece_prepare) */
    /* runs made here (no worker) being freed, the oldest first, a few of
     * its buffers a slice (explorer_eval_trash.h): several, because
     * the current setting's job and a sweep's can end in the same slice */
    struct eval_run *trash[XE_TRASH_MAX];
    int n_trash;
    /* a dropped job's step buffer (made here), kept for the next job made
     * here: freeing 1 MiB and faulting it in again costs 1-3 ms of page
     * work on this project's VM, in one slice */
    float *zspare;
    size_t zspare_n;
    uint64_t src_gen;            /* bumps when the explorer's source changes */
    const struct source *src_seen;
    uint32_t n_seen_steps, v_seen;
    char seen_path[512];
    struct eval_config cfg;      /* N, seed (per job), defaults otherwise */
    /* scores of the current setting */
    struct xe_job cur;
    struct xe_cached cache[XE_CACHE];
    uint64_t clock;
    /* sweep */
    int sweep_on;                /* the sweep view was opened */
    int n_temps;
    double temps[XE_SWEEP_MAX];
    struct xe_job sweep;
    struct eval_scores sweep_sc[XE_SWEEP_MAX];
    /* the many-draws view */
    struct xe_draws draws;
    uint32_t *dcount;            /* V: draw counts per kept index */
    double *dcdf;                /* V */
    uint32_t d_cap;
    /* comparison with a second dump */
    struct explorer_diff diff;
    char msg[200];               /* last command's message (raw text) */
    /* live mode (explorer_live.h): the evaluator rows score the N generated
     * continuations (live_sc, NULL while they are being generated) instead
     * of per-step draws along the shown one */
    int live;
    const struct eval_scores *live_sc;
};

void explorer_eval_init(struct explorer_eval *xe);
void explorer_eval_free(struct explorer_eval *xe);

/* One slice of background work (about budget_ns, at least one step).
 * Returns enum ex_effect flags: EX_REDRAW when something visible moved,
 * EX_BUSY while work remains (0: nothing to do). */
unsigned explorer_eval_work(struct explorer_eval *xe, struct explorer *ex, long budget_ns);
/* After explorer_update: append the evaluator rows to ex->scores and bring
 * the views' per-step numbers up to date. Allocation free. */
void explorer_eval_update(struct explorer_eval *xe, struct explorer *ex);

/* Scores of the current setting, NULL while computing. *state (may be
 * NULL) gets the xe_state; *done and *total the steps fed. */
const struct eval_scores *explorer_eval_current(const struct explorer_eval *xe, const struct explorer *ex,
                                                int *state, uint32_t *done, uint32_t *total);
/* The sweep: 1 when every row is done (scores in xe->sweep_sc). */
int explorer_eval_sweep_done(const struct explorer_eval *xe);
/* Open the sweep view with temperatures LIST ("0,0.5,1"; NULL = the
 * current or default list). Returns 0, or -1 with the reason in xe->msg. */
int explorer_eval_sweep_set(struct explorer_eval *xe, const char *list);

/* ':' commands of this module: scores, sweep [LIST], diff, compare FILE,
 * draws, main. Returns EXC_UNKNOWN (explorer.h) for other commands, else
 * EXC_OK / EXC_ERROR with the message in ex->msg. */
int explorer_eval_command(struct explorer_eval *xe, struct explorer *ex, const char *line);
/* Their names are rows of explorer_commands (explorer.h). */
/* Show a view (XV_MAIN: the panels); returns the ex_effect flags. */
unsigned explorer_eval_show(struct explorer_eval *xe, struct explorer *ex, int view);
/* Toggle a view: the main panels when it is already shown. */
unsigned explorer_eval_toggle(struct explorer_eval *xe, struct explorer *ex, int view);

#endif
