/* explorer_marks.c: each stage's threshold for the distribution panel, and
 * the distribution the chain panel's cumulative strip is drawn on (see
 * struct ex_mark in explorer.h). Computed here, drawn by the views.
 *
 * A stage's input is the tokens no earlier stage cut, renormalised, after
 * the temperature applied before it (the chain's own definition, chain.h):
 * q_i = exp((z_i - z_max) / T_in) with T_in the effective temperature when
 * an active, non-greedy temperature stage precedes it, else p_raw.
 *
 * Cost: the chain already reports the share of its input each stage
 * removed (stage_report.mass_removed), so the mass a stage kept is
 * 1 - mass_removed, and its input's normaliser is the q-sum of the tokens
 * it kept (rows of the cached raw order) divided by that share: only the
 * cached rows (at most EX_TOP_MAX) are exponentiated. A pass over V is
 * needed only for the strip when top-p kept more tokens than the cache
 * holds, or removed everything but rounding.
 *
 * Limitation: stages that rewrite logits other than temperature would
 * change their successors' input; the current stage table has none. */
#include "explorer/explorer.h"

#include <math.h>
#include <string.h>

/* How many stages token id passed: n when kept, c when stage c cut it, -1 masked. */
static int reach(const struct chain_result *r, int32_t id)
{
    uint8_t cb = r->cut_by[id];
    if (cb == CUT_NONE) return r->n_stages;
    if (cb < CUT_STAGE0) return -1;
    return cb - CUT_STAGE0;
}

/* Whether stage s's input is temperature-scaled. */
static int scaled_at(const struct chain_result *r, int s)
{
    if (r->greedy || !(r->effective_temperature > 0)) return 0;
    for (int j = 0; j < s; j++)
        if (r->stages[j].kind == STAGE_TEMPERATURE && r->stages[j].active) return 1;
    return 0;
}

/* Unnormalised probability of id in stage s's input. */
static double q_of(const struct explorer *ex, int32_t id, int scaled)
{
    const struct chain_result *r = &ex->res;
    if (!scaled) return r->p_raw[id];
    return exp(((double)ex->logits[id] - r->max_logit) / r->effective_temperature);
}

/* First row of the raw order stage s cut, if its kept set is a prefix of
 * the cached rows and the boundary falls inside them; else 0. */
static int boundary_row(const struct explorer *ex, int s, uint32_t *row)
{
    uint32_t k = 0;
    while (k < ex->n_top && reach(&ex->res, ex->top[k]) > s) k++;
    if (k == 0 || k >= ex->n_top) return 0;
    for (uint32_t j = k; j < ex->n_top; j++)
        if (reach(&ex->res, ex->top[j]) > s) return 0;
    *row = k;
    return 1;
}

/* The q-sum of stage s's input: from the cached rows it kept and the share
 * it kept, else one pass over V. */
static double input_sum(const struct explorer *ex, int s, int scaled)
{
    const struct chain_result *r = &ex->res;
    const struct stage_report *sr = &r->stages[s];
    double kept_share = 1.0 - sr->mass_removed, kept = 0;
    uint32_t n = 0;
    for (uint32_t k = 0; k < ex->n_top; k++)
        if (reach(r, ex->top[k]) > s) { kept += q_of(ex, ex->top[k], scaled); n++; }
    if (n == sr->kept_out && kept_share > 1e-12) return kept / kept_share;
    double in = 0;
    for (uint32_t i = 0; i < ex->V; i++)
        if (reach(r, (int32_t)i) >= s) in += q_of(ex, (int32_t)i, scaled);
    return in;
}

static void strip_update(struct explorer *ex)
{
    const struct chain_result *r = &ex->res;
    ex->strip_stage = -1;
    for (int s = 0; s < r->n_stages && ex->strip_stage < 0; s++)
        if (r->stages[s].kind == STAGE_TOP_P && r->stages[s].active) ex->strip_stage = s;
    int s = ex->strip_stage, scaled = s >= 0 && scaled_at(r, s);
    double in = s >= 0 ? input_sum(ex, s, scaled) : 1.0;
    for (uint32_t k = 0; k < ex->n_top; k++) {
        int32_t id = ex->top[k];
        int inside = s < 0 ? reach(r, id) >= 0 : reach(r, id) >= s;
        ex->strip_p[k] = inside && in > 0 ? q_of(ex, id, scaled) / in : 0.0;
    }
}

void explorer_marks_update(struct explorer *ex)
{
    const struct chain_result *r = &ex->res;
    ex->n_marks = 0;
    ex->strip_stage = -1;
    if (!ex->res_ok) return;
    for (int s = 0; s < r->n_stages; s++) {
        const struct stage_report *sr = &r->stages[s];
        uint32_t row;
        if (!sr->active || sr->kept_out >= sr->kept_in || !boundary_row(ex, s, &row)) continue;
        struct ex_mark *m = &ex->marks[ex->n_marks++];
        int pid = explorer_stage_param(sr->kind), scaled = scaled_at(r, s);
        m->stage = s;
        m->row = row;
        m->value = pid >= 0 ? param_get(&ex->params, (enum param_id)pid) : NAN;
        m->mass_kept = 1.0 - sr->mass_removed;
        m->p_min = -1;
        if (sr->kind == STAGE_MIN_P) {
            /* row 0 reached the stage (it kept a prefix): the input's max */
            double in = input_sum(ex, s, scaled);
            m->p_min = in > 0 ? m->value * q_of(ex, ex->top[0], scaled) / in : -1;
        }
    }
    strip_update(ex);
}
