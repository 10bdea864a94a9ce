/* stage.h: the stage table, and the stage functions it points to
 * (temperature.c, topk.c, topp.c, min_p.c). Internal to core/sampling.
 *
 * Layers inside the folder, lowest first:
 *   params_table, presets       names, ranges, systems (data)
 *   select, cut                 selection and cut primitives
 *   temperature, topk, topp, min_p   one stage each; call select and cut only
 *   stage.c                     this table
 *   chain.c                     the run loop; calls stages only through the table
 *   chain_parse.c               chain lists, names, a system's defaults
 * A stage is run only when its parameter is not off (param_is_off); the
 * stage then sets rep->active and cuts through stage_cut. */
#ifndef LS_STAGE_H
#define LS_STAGE_H

#include "sampling/cut.h"
#include "sampling/params_table.h"

typedef void (*stage_run_fn)(struct stage_ctx *x);

struct stage_def {
    enum param_id param;    /* the parameter the stage reads; its name is the stage's */
    stage_run_fn run;
};

/* The entry for kind (NULL if out of range). */
const struct stage_def *stage_def(enum stage_kind k);
/* Stage name or alias (the parameter's, case-insensitive) to kind. */
int stage_parse(const char *s, enum stage_kind *k);

void stage_temperature(struct stage_ctx *x);
void stage_top_k(struct stage_ctx *x);
void stage_top_p(struct stage_ctx *x);
void stage_min_p(struct stage_ctx *x);

#endif
