/* explorer_bg.h: what explorer.c gives the background work in
 * explorer_bg.c, internal to the explorer's files (not an API: explorer.h
 * is). explorer_bg.c calls into explorer.c, never the other way. */
#ifndef LS_EXPLORER_BG_H
#define LS_EXPLORER_BG_H

#include "explorer/explorer.h"

/* A slice of the current step's history (at least one step); when it
 * arrives the step is recomputed with it. EX_REDRAW | EX_BUSY. */
unsigned explorer_history_work(struct explorer *ex, long budget_ns);
/* The scores panel's rows for the current step's result. */
void explorer_fill_scores(struct explorer *ex);
/* DRY's breakers over the file's vocabulary, built once (NULL when the
 * chain does not use DRY). */
const struct dry_breakers *explorer_breakers(struct explorer *ex, const struct chain *c, const struct params *p);

/* A key's chain run is under way on a key job (explorer_job.h). */
int explorer_key_running(const struct explorer *ex);
/* Wait at most ns for the key runs under way: 1 while one still runs. */
int explorer_key_wait_ns(struct explorer *ex, long ns);

#endif
