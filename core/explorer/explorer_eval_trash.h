/* explorer_eval_trash.h: the runs made on the explorer's own thread (no
 * worker: scripts and outputs) given back a piece per slice, and the step
 * buffer kept from one such job to the next (issue 9: no slice over 2 ms).
 *
 * Why: at V = 262144 a run holds about 40 MiB of touched pages; one free
 * costs 2-5 ms of unmapping in the slice that finished the job or in a
 * key's cancel, and freeing the 1 MiB step buffer and faulting the next
 * job's in costs 1-3 ms on this project's VM. The runs queue (up to
 * XE_TRASH_MAX: the current setting's job and the sweep's can end in one
 * slice) and go oldest first through eval_run_release, which says why its
 * order and pieces keep each one small.
 *
 * Ownership: a run or buffer handed over here is the explorer_eval's
 * (xe->trash, xe->zspare) until freed; xe_zbuf_take hands a buffer back. */
#ifndef LS_EXPLORER_EVAL_TRASH_H
#define LS_EXPLORER_EVAL_TRASH_H

#include "explorer/explorer_eval.h"

/* run (made here, finished or not) to be freed in pieces, and its step
 * buffer z of z_n floats kept for the next job (or freed when one is kept) */
void xe_trash_put(struct explorer_eval *xe, struct eval_run *run, float *z, size_t z_n);
/* A slice's share of the freeing (half of budget_ns); 1 while some is left */
int xe_trash_work(struct explorer_eval *xe, long budget_ns);
/* Every queued run and the kept buffer freed now (the explorer closes). */
void xe_trash_empty(struct explorer_eval *xe);
/* A step buffer of at least n floats: the kept one when large enough (its
 * pages in already), else a new one (a kept one too small is freed);
 * *got its size. NULL when out of memory. */
float *xe_zbuf_take(struct explorer_eval *xe, size_t n, size_t *got);

#endif
