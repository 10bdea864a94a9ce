/* explorer_marks.c: each stage's threshold for the distribution panel, and
 * the distribution the chain panel's cumulative strip is drawn on (see
 * struct ex_mark in explorer.h). Computed here, drawn by the views.
 *
 * A stage's input is the tokens no earlier stage cut, renormalised, after
 * the temperature applied before it (the chain's own definition, chain.h):
 * q_i = exp((z_i - z_max) / T_in) with T_in the effective temperature when
 * an active, non-greedy temperature stage precedes it, else p_raw. One pass
 * over V puts each token's q in the bucket of how far it got through the
 * chain (the stage that cut it, or "kept"); a stage's input mass is then
 * the sum of the buckets from its own on, and the mass it kept the sum of
 * those after it. Two exponentials per token at most; O(V + stages).
 *
 * Limitation: stages that rewrite logits other than temperature would
 * change their successors' input; the current stage table has none. */
#include "explorer/explorer.h"

#include <math.h>
#include <string.h>

struct buckets {
    double raw[CHAIN_MAX_STAGES + 1], tq[CHAIN_MAX_STAGES + 1];     /* sums */
    double raw_max[CHAIN_MAX_STAGES + 1], tq_max[CHAIN_MAX_STAGES + 1];
};

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

static double q_of(const struct explorer *ex, int32_t id, int scaled)
{
    const struct chain_result *r = &ex->res;
    if (!scaled) return r->p_raw[id];
    return exp(((double)ex->logits[id] - r->max_logit) / r->effective_temperature);
}

static void fill_buckets(const struct explorer *ex, struct buckets *b, int any_scaled)
{
    const struct chain_result *r = &ex->res;
    memset(b, 0, sizeof *b);
    for (uint32_t i = 0; i < ex->V; i++) {
        int c = reach(r, (int32_t)i);
        if (c < 0) continue;
        double pr = r->p_raw[i];
        b->raw[c] += pr;
        if (pr > b->raw_max[c]) b->raw_max[c] = pr;
        if (!any_scaled) continue;
        double q = q_of(ex, (int32_t)i, 1);
        b->tq[c] += q;
        if (q > b->tq_max[c]) b->tq_max[c] = q;
    }
}

/* Input mass, mass kept and largest input q of stage s. */
static void stage_sums(const struct buckets *b, int n, int s, int scaled, double *in, double *kept, double *qmax)
{
    const double *sum = scaled ? b->tq : b->raw, *mx = scaled ? b->tq_max : b->raw_max;
    *in = *kept = *qmax = 0;
    for (int c = s; c <= n; c++) {
        *in += sum[c];
        if (c > s) *kept += sum[c];
        if (mx[c] > *qmax) *qmax = mx[c];
    }
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

static void strip_update(struct explorer *ex, const struct buckets *b)
{
    const struct chain_result *r = &ex->res;
    ex->strip_stage = -1;
    for (int s = 0; s < r->n_stages && ex->strip_stage < 0; s++)
        if (r->stages[s].kind == STAGE_TOP_P && r->stages[s].active) ex->strip_stage = s;
    int s = ex->strip_stage, scaled = s >= 0 && scaled_at(r, s);
    double in = 1.0, kept, qmax;
    if (s >= 0) stage_sums(b, r->n_stages, s, scaled, &in, &kept, &qmax);
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
    int any_scaled = 0;
    for (int s = 0; s < r->n_stages; s++) any_scaled |= scaled_at(r, s);
    struct buckets b;
    fill_buckets(ex, &b, any_scaled);
    for (int s = 0; s < r->n_stages; s++) {
        const struct stage_report *sr = &r->stages[s];
        uint32_t row;
        if (!sr->active || sr->kept_out >= sr->kept_in || !boundary_row(ex, s, &row)) continue;
        struct ex_mark *m = &ex->marks[ex->n_marks++];
        double in, kept, qmax;
        stage_sums(&b, r->n_stages, s, scaled_at(r, s), &in, &kept, &qmax);
        int pid = explorer_stage_param(sr->kind);
        m->stage = s;
        m->row = row;
        m->value = pid >= 0 ? param_get(&ex->params, (enum param_id)pid) : NAN;
        m->mass_kept = in > 0 ? kept / in : 0;
        m->p_min = sr->kind == STAGE_MIN_P && in > 0 ? m->value * qmax / in : -1;
    }
    strip_update(ex, &b);
}
