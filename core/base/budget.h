/* budget.h: memory that grows with a file's step count.
 *
 * A header can claim up to 2^32 - 1 steps in a few bytes (a sparse file, or
 * a lie). Whatever keeps something per step (the explorer's sequence
 * tables, info's per-step listing, diff's per-step divergences) asks here
 * first, so a refusal is immediate and names the step count (LS_ELIMIT,
 * exit 5) instead of allocating gigabytes, being killed, or blaming V.
 * Work that needs no per-step memory (show, sample, reading every step
 * once) is not limited: --step reaches every step a format allows.
 */
#ifndef LS_BUDGET_H
#define LS_BUDGET_H

#include <stdint.h>
#include "base/status.h"

/* Per-step tables of one command or view, in bytes. */
#define LS_STEP_MEM_MAX (1ull << 30)

/* LS_OK if n_steps x bytes_per_step fits LS_STEP_MEM_MAX, else LS_ELIMIT:
 * "N steps: WHAT would take X GiB (B bytes per step), over the limit of 1 GiB". */
int step_budget(uint64_t n_steps, uint64_t bytes_per_step, const char *what, struct ls_error *err);

/* The message for an allocation of per-step tables that failed anyway (a
 * lower ulimit): LS_ELIMIT naming the steps as well as V. */
int step_oom(uint64_t n_steps, uint32_t V, const char *what, struct ls_error *err);

#endif
