/* explorer_eval_job.h: an evaluation run's steps on a worker thread
 * (issue 9: no main-thread slice over 2 ms for the evaluators and the
 * sweep view).
 *
 * explorer_eval.c reads each step on the main thread (the source is read
 * there only) and hands it to the worker as a piece: every setting's
 * eval_run_step_set on that step, in setting order, or, after the last
 * step, every setting's eval_run_finish_set. The run itself and its step
 * buffer are made by a first piece (XW_NEW: eval_run_new, the buffer
 * touched): allocating them and faulting their pages in costs several
 * milliseconds at V = 262144, more than a main-thread slice may take. The worker makes exactly the
 * calls the main thread made, in the same order, on the same run, so the
 * scores are bit for bit the same whatever the timing. Besides the run,
 * the worker reads only the source's vocabulary (the evaluators' token
 * bytes and texts: vocab_get, a read of a table that never changes while
 * the source is open), so the explorer stops it (xw_quiesce) before a
 * source is closed (explorer.h src_quiesce).
 *
 * The worker is the explorer's task shell (explorer_task.h); ownership by
 * state (the mutex orders the hand-overs):
 *   XW_IDLE     the main thread owns the worker's fields: it fills a piece.
 *   XW_QUEUED   the worker owns the piece (the run, the step's logits).
 *   XW_DONE     finished: rc and err are the main thread's to read.
 * A run dropped while its piece is under way (a newer setting: the
 * cancel) is handed to the worker (xw_abandon, the shell's cancel): it
 * stops at the next setting, frees the run and the logits itself (the
 * piece's settle) and goes back to XW_IDLE; its result is never read. */
#ifndef LS_EXPLORER_EVAL_JOB_H
#define LS_EXPLORER_EVAL_JOB_H

#include "eval/eval.h"
#include "explorer/explorer_task.h"

enum { XW_IDLE = EXT_IDLE, XW_QUEUED = EXT_QUEUED, XW_DONE = EXT_DONE };   /* the shell's */
enum { XW_STEP = 0, XW_FINISH, XW_FREE, XW_NEW };
#define XW_SETS_MAX 12               /* settings of a run made here (explorer_eval.h XE_SWEEP_MAX) */

struct xe_worker {
    /* the piece (main thread, XW_IDLE) */
    int op;                          /* XW_STEP, XW_FINISH, XW_FREE (xw_dispose), XW_NEW */
    struct eval_run *run;
    float *z;                        /* the step's logits (XW_STEP) */
    struct step_info info;
    size_t n_set, from;              /* settings [from, n_set): XW_FINISH; XW_NEW: set[0, n_set) */
    /* XW_NEW: eval_run_new's arguments (the source is read only, see above) */
    const struct source *src;
    struct eval_config cfg;
    struct eval_settings set[XW_SETS_MAX];
    /* its outcome (XW_DONE) */
    int rc;
    struct ls_error err;
    struct eval_run *made;           /* XW_NEW: the run (NULL on failure) and */
    float *made_z;                   /* its step buffer of src's V floats, touched */
    /* the thread (explorer_task.h): a cancelled piece is an abandoned
     * run, freed by its settle with z */
    struct ex_task t;
};

/* A worker (its thread starts with the first piece); NULL when out of memory. */
struct xe_worker *xw_new(void);
/* Wait for the piece under way (abandoned: it stops early), stop, free. */
void xw_free(struct xe_worker *w);
/* Hand the filled piece over (XW_IDLE -> XW_QUEUED); with no thread it
 * runs here and the worker is XW_DONE on return. */
void xw_start(struct xe_worker *w);
/* The state, the waits and a collected piece's way back to XW_IDLE are
 * the shell's: ex_task_state, ex_task_slice, ex_task_idle on &w->t. */
/* Drop `run` (and the piece's z) when a piece of it is under way: the
 * worker frees them. Returns 1 when it took them, 0 when no piece of that
 * run is under way (the caller still owns them; a finished piece is set
 * back to XW_IDLE). */
int xw_abandon(struct xe_worker *w, const struct eval_run *run);
/* Free a finished run and its z on the worker (an idle one with a
 * thread; else here): the pages a run touched cost milliseconds to give
 * back, which is no main-thread slice's work. The worker is busy
 * (XW_QUEUED) until it is done, then XW_IDLE. */
void xw_dispose(struct xe_worker *w, struct eval_run *run, float *z);
/* Drop the run an XW_NEW piece (the last started) makes: the worker frees
 * it when the piece is still under way, else it is disposed of (as
 * xw_dispose) once collected here. */
void xw_unmake(struct xe_worker *w);
/* Until no piece is under way (a source is about to close). */
void xw_quiesce(struct xe_worker *w);

#endif
