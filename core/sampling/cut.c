/* cut.c: the fused cut-and-account pass every truncating stage ends with
 * (see cut.h). */
#include "sampling/cut.h"

const double *stage_q(const struct stage_ctx *x)
{
    return x->ws->q_is_raw ? x->r->p_raw : x->ws->q;
}

/* the tie rule at the boundary value; TIE_QUOTA spends its quota */
static int keep_tied(enum tie_mode mode, int32_t id, int64_t *arg)
{
    if (mode == TIE_ALL) return 1;
    if (mode == TIE_UPTO) return id <= *arg;
    if (*arg > 0) { (*arg)--; return 1; }
    return 0;
}

void stage_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    int32_t *cand = ws->cand;
    const float *z = x->z;
    const double *q = stage_q(x), *praw = r->p_raw;
    double s_keep = 0.0, s_rem = 0.0, raw_rem = 0.0;
    uint32_t m = 0;
    for (uint32_t j = 0; j < x->n; j++) {
        int32_t id = cand[j];
        double v = (double)z[id];
        int keep = v > zb ? 1 : v < zb ? 0 : keep_tied(mode, id, &arg);
        if (keep) {
            cand[m++] = id;
            s_keep += q[id];
        } else {
            r->cut_by[id] = x->code;
            s_rem += q[id];
            raw_rem += praw[id];
        }
    }
    x->rep->kept_in = x->n;
    x->rep->kept_out = m;
    x->rep->mass_removed = s_rem / (s_keep + s_rem);
    x->rep->raw_mass_removed = raw_rem;
    ws->S = s_keep;
    ws->S_valid = 1;
    x->n = m;
}
