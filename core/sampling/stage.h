/* stage.h: the stage table, and the stage functions it points to (one file
 * per stage: temperature.c, topk.c, topp.c, min_p.c, typical.c,
 * top_n_sigma.c, epsilon.c, eta.c, xtc.c, penalties.c, mirostat.c, dry.c,
 * logit_bias.c).
 * Internal to core/sampling.
 *
 * Layers inside the folder, lowest first:
 *   params_table, presets       names, ranges, systems (data)
 *   select, cut, stdsort        selection, cut and libstdc++ sort primitives
 *   emu                         the system emulation's candidate array
 *   the stage files             one stage each; call the layers above only
 *   stage.c                     this table
 *   chain.c, emu_run.c          the run loops; call stages only through the table
 *   chain_parse.c               chain lists, names, a system's defaults
 *
 * Each stage has up to two implementations:
 *   run  the fast exact path (double precision, ties by lowest id) over the
 *        id-ordered candidate list, cutting through stage_cut (cut.h); only
 *        temperature, top-k, top-p and min-p have one
 *   emu  the array path (emu.h): the system's own arithmetic and order, or
 *        the exact rules when the chain is exact but needs a stage without
 *        a fast path
 * A stage runs only when stage_active says its parameters are not off. */
#ifndef LS_STAGE_H
#define LS_STAGE_H

#include "sampling/cut.h"
#include "sampling/emu.h"
#include "sampling/params_table.h"

typedef void (*stage_run_fn)(struct stage_ctx *x);
typedef void (*stage_emu_fn)(struct emu *e);

struct stage_def {
    const char *name;       /* NULL: the primary parameter's name ("top-k") */
    const char *alias;      /* one more spelling of the stage ("typical"), or NULL */
    char initial;           /* the chain shorthand letter; 0: the parameter's */
    enum param_id param;    /* the primary parameter; PARAM_NONE: a list (logit-bias) */
    stage_run_fn run;       /* fast exact path, or NULL */
    stage_emu_fn emu;       /* array path */
};

/* The entry for kind (NULL if out of range). */
const struct stage_def *stage_def(enum stage_kind k);
/* Stage name or alias, or the name of any parameter it owns
 * (case-insensitive), to kind. */
int stage_parse(const char *s, enum stage_kind *k);
/* The shorthand letter of a stage ('?' if out of range). */
char stage_initial(enum stage_kind k);
/* The stage's parameters are not off (penalties: any of the three, ...). */
int stage_active(enum stage_kind k, const struct params *p);
/* The parameter changes nothing now: it is off, or it is a setting of a
 * stage that is off (xtc-threshold while xtc-probability is 0). */
int param_idle(const struct params *p, enum param_id id);
/* "temperature, top-k, ..." (every stage name, joined by sep). */
void stage_names_join(const char *sep, char *buf, size_t bufsz);

void stage_temperature(struct stage_ctx *x);
void stage_top_k(struct stage_ctx *x);
void stage_top_p(struct stage_ctx *x);
void stage_min_p(struct stage_ctx *x);

void emu_temperature(struct emu *e);
void emu_top_k(struct emu *e);
void emu_top_p(struct emu *e);
void emu_min_p(struct emu *e);
void emu_typical(struct emu *e);
void emu_top_n_sigma(struct emu *e);
void emu_epsilon(struct emu *e);
void emu_eta(struct emu *e);
void emu_xtc(struct emu *e);
void emu_penalties(struct emu *e);
/* The penalties on id-indexed float logits y (every token a candidate,
 * the first stage to change them), visiting the history tokens only, with
 * the same notes (penalties.c); 0 when not applicable (a negative vLLM
 * frequency or presence penalty, a penalised logit not finite). */
int emu_penalties_ids(struct emu *e, float *y);
void emu_mirostat(struct emu *e);
/* mirostat's pieces (mirostat.c), for emu_trim_mirostat.c: v1's k from the
 * sorted candidates a (their first 100 p), with its note; whether a token
 * of probability p surprises v2 beyond mu (-log2 p > mu under the rules). */
uint32_t emu_mirostat_v1_k(struct emu *e, const struct ls_tok *a, double mu);
int emu_mirostat_surprised(const struct emu *e, double p, double mu);
void emu_dry(struct emu *e);
/* DRY on a float copy of the untouched logits (token i at y[i]), for
 * emu_trim_dry.c: the same penalties on the same tokens (dry.c); 0 when
 * a penalised logit is no longer finite. */
int emu_dry_logits(struct emu *e, float *y);
void emu_logit_bias(struct emu *e);

#endif
