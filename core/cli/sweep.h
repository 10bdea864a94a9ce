/* sweep.h: the document of `logitscope sweep FILE`: the rows (one chain
 * setting each, built from the swept lists) and their eval scores. Planned
 * by sweep_plan.c, rendered by cmd_sweep.c (JSON) and sweep_text.c (table
 * and charts).
 *
 * Ownership: sweep_plan_build fills a caller-owned plan; the eval run is
 * the caller's (eval_run_free). Parameters are in their own units
 * (temperature, top-k count, top-p and min-p probabilities). */
#ifndef LS_SWEEP_H
#define LS_SWEEP_H

#include "eval/eval.h"
#include "sampling/params_table.h"

#define SWEEP_MAX_LIST 64
#define SWEEP_MAX_ROWS 256

/* The sweepable parameters, in row/column order: every parameter of the
 * one parameter table (sampling/params_table.h), under its names there
 * (param_name: option and text spelling, param_def()->key: JSON key). */
enum { P_TEMP = PARAM_TEMPERATURE, P_TOPK = PARAM_TOP_K, P_TOPP = PARAM_TOP_P, P_MINP = PARAM_MIN_P,
       P__N = PARAM__COUNT };

struct sweep_row {
    struct params p;
    int varied;                /* P_* varied on its own, -1 in a grid */
};

struct sweep_plan {
    const char *list[P__N];    /* raw list text, NULL if not swept */
    int grid;                  /* cross every list (else one at a time) */
    double vals[P__N][SWEEP_MAX_LIST];
    int nv[P__N];
    int swept[P__N];
    struct sweep_row rows[SWEEP_MAX_ROWS];
    int nrows;
};

/* Parse the lists (default: temperatures 0,0.4,0.7,1.0), build the rows on
 * top of `base`, check every row's parameters. Errors name the option or
 * the row. */
int sweep_plan_build(struct sweep_plan *pl, const struct params *base, struct ls_error *err);


/* What a text rendering needs besides the plan. */
struct sweep_doc {
    const struct source *s;
    const struct chain *chain;
    const struct params *base;
    const struct eval_config *cfg;
    const struct sweep_plan *plan;
    const struct eval_run *run;
    int approximate;           /* some row is approximate (sparse dump) */
    const char *note;          /* how the continuations were made (NULL: eval_note_continuations) */
    uint32_t topn, topn_bounded; /* top-N steps over every row, and those bounded */
};
void sweep_text(const struct sweep_doc *d, unsigned disp);

#endif
