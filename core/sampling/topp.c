/* topp.c: the top-p (nucleus) stage.
 *
 * Keeps the smallest set of most likely candidates whose probability mass
 * reaches p, *including* the token that crosses p (llama.cpp: stop at the
 * first i with cum >= p; HF/vLLM: mask where the ascending cumsum <= 1 - p;
 * both give this set in exact arithmetic). Probabilities are the softmax of
 * the current candidates (renormalised after earlier stages), in double.
 * p >= 1 is off (the chain skips the stage).
 *
 * Boundary rule: the crossing test is cum >= p - 1e-12. Summation order in
 * double varies with the selection below (~1e-16 relative), and the slack
 * makes "mass exactly p" cases (0.25 + 0.25 vs p = 0.5) keep the same set
 * whatever order the sums ran in. Real systems accumulate in float32, whose
 * rounding (~1e-7) can move the boundary token; we document, not mimic, it.
 * Ties in probability are ordered by lower token id.
 *
 * No full sort: above TOPP_HIST candidates a mass histogram by distance
 * below the maximum logit (TOPP_BPN buckets per nat) narrows the crossing
 * to one bucket; a mass-accounting quickselect finds the crossing token in
 * it (select.h). The crossing token becomes a boundary in (logit desc, id
 * asc) order, applied by stage_cut (probability order equals logit order). */
#include "sampling/stage.h"
#include "sampling/select.h"

#define TOPP_EPS 1e-12
#define TOPP_HIST 4096
#define TOPP_BPN 4.0

void stage_top_p(struct stage_ctx *x)
{
    double p = x->p->top_p;
    struct chain_ws *ws = x->ws;
    x->rep->active = 1;
    const double *q = stage_q(x);
    const float *z = x->z;
    double *t = ws->tmp;
    int32_t *pos = ws->idx;
    uint32_t n = x->n, m = 0;
    double target, acc = 0.0;
    if (n > TOPP_HIST) {
        double zmax = x->r->max_logit, sc = TOPP_BPN / ws->T;
        struct select_band band = select_mass_band(ws->cand, n, z, q, zmax, sc, p - TOPP_EPS);
        target = band.target;
        acc = band.before;
        for (uint32_t j = 0; j < n; j++) {
            int32_t id = ws->cand[j];
            if (select_bucket_of(zmax, (double)z[id], sc) == band.bucket) { t[j] = q[id]; pos[m++] = (int32_t)j; }
        }
    } else {
        double S = 0.0;
        for (uint32_t j = 0; j < n; j++) { t[j] = q[ws->cand[j]]; S += t[j]; pos[j] = (int32_t)j; }
        m = n;
        target = (p - TOPP_EPS) * S;
    }
    /* the crossing is found on unnormalised q against p * S */
    int32_t c = select_mass_crossing(pos, m, t, target - acc);
    int32_t id = ws->cand[c];
    stage_cut(x, (double)z[id], TIE_UPTO, id);
}
