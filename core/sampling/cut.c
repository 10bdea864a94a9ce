/* cut.c: the fused cut-and-account pass every truncating stage ends with
 * (see cut.h). */
#include "sampling/cut.h"
#include "base/vmath.h"

#include <string.h>

const double *stage_q(struct stage_ctx *x)
{
    struct chain_ws *ws = x->ws;
    if (ws->q_lazy) { /* q = exp((z - zmax) / T) over the current candidates */
        double zmax = x->r->max_logit, inv = 1.0 / ws->T, s = 0.0;
        if (ws->cand_iota) {
            s = vm_exp_shift(x->z, x->n, zmax, inv, ws->q, NULL);
        } else if (ws->q_vec) { /* a deferred temperature: its pass's bits */
            vm_exp_shift_ids(x->z, ws->cand, x->n, zmax, inv, ws->q);
            for (uint32_t j = 0; j < x->n; j++) s += ws->q[ws->cand[j]];
        } else {
            for (uint32_t j = 0; j < x->n; j++) {
                int32_t id = ws->cand[j];
                ws->q[id] = exp(((double)x->z[id] - zmax) * inv);
                s += ws->q[id];
            }
        }
        ws->q_lazy = 0;
        ws->S = s;
        ws->S_valid = 1;
    }
    /* a pending raw division: run() put the quotients in ws->q */
    return ws->q_is_raw && !(x->r->raw_div > 0) ? x->r->p_raw : ws->q;
}

/* the tie rule at the boundary value; TIE_QUOTA spends its quota */
static int keep_tied(enum tie_mode mode, int32_t id, int64_t *arg)
{
    if (mode == TIE_ALL) return 1;
    if (mode == TIE_UPTO) return id <= *arg;
    if (*arg > 0) { (*arg)--; return 1; }
    return 0;
}

void cand_materialise(struct chain_ws *ws, uint32_t n)
{
    if (!ws->cand_iota) return;
    for (uint32_t j = 0; j < n; j++) ws->cand[j] = (int32_t)j;
    ws->cand_iota = 0;
}

static void cut_report(struct stage_ctx *x, uint32_t m, double mass, double raw)
{
    x->rep->kept_in = x->n;
    x->rep->kept_out = m;
    x->rep->mass_removed = mass;
    x->rep->raw_mass_removed = raw;
}

/* stage_cut over every token (cand_iota): only tokens at or above zb can
 * stay, so a vector pass collects those and the rest are cut wholesale.
 * The removed masses are totals minus kept sums: the total of q is ws->S
 * (after a temperature) or 1 (p_raw sums to 1). */
static void cut_iota(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    int32_t *cand = ws->cand;
    int lazy = ws->q_lazy; /* no masses wanted: do not compute q over every token */
    const double *q = lazy ? NULL : stage_q(x);
    size_t c = 0;
    if (chain_ws_pre_covers(ws, zb)) { /* the first pass's list holds every z >= zb */
        for (uint32_t j = 0; j < ws->pre_n; j++) if ((double)x->z[ws->pre_ids[j]] >= zb) cand[c++] = ws->pre_ids[j];
    } else {
        c = vm_collect_ge(x->z, x->n, zb, cand);
    }
    chain_ws_pre_next(ws, zb, x->r->max_logit); /* the first cut: the next step's prefilter */
    double s_keep = 0.0, raw_keep = 0.0, total = ws->S_valid ? ws->S : 1.0;
    uint32_t m = 0;
    memset(r->cut_by, x->code, x->n); /* the kept ones are rewritten later */
    for (size_t j = 0; j < c; j++) {
        int32_t id = cand[j];
        if ((double)x->z[id] > zb || keep_tied(mode, id, &arg)) {
            cand[m++] = id;
            if (lazy) continue;
            s_keep += q[id];
            raw_keep += stage_raw_p(x, id);
        }
    }
    ws->cand_iota = 0;
    if (lazy) {
        cut_report(x, m, (double)NAN, (double)NAN);
        ws->S_valid = 0;
        x->n = m;
        return;
    }
    double s_rem = m == x->n ? 0.0 : total - s_keep, raw_rem = m == x->n ? 0.0 : 1.0 - raw_keep;
    cut_report(x, m, s_rem > 0 ? s_rem / total : 0.0, !r->have_raw ? (double)NAN : raw_rem > 0 ? raw_rem : 0.0);
    ws->S = s_keep;
    ws->S_valid = 1;
    x->n = m;
}

/* stage_seq_cut while the candidates are every token and q is formed: the
 * list walk's results without the list. The kept are collected by a
 * vector pass (z >= zb, ascending ids: the tie rule sees the equal ones in
 * the walk's order); every other token is removed, so the removed masses
 * are the sums over the runs between kept ids, each run summed by
 * vm_divide_sum, which has the bits of the walk's `s += q[id]` in id order
 * (the kept sum is the walk's too: the same ids in the same order). */
static void cut_iota_walk(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    int32_t *cand = ws->cand;
    const double *q = stage_q(x);
    double s_keep = 0.0, s_rem = 0.0, raw_rem = 0.0, d = r->raw_div > 0 ? r->raw_div : 1.0;
    size_t c = vm_collect_ge(x->z, x->n, zb, cand);
    uint32_t m = 0, prev = 0;
    for (size_t j = 0; j <= c; j++) {
        uint32_t id = j < c ? (uint32_t)cand[j] : x->n; /* x->n: the run after the last kept */
        if (j < c && !((double)x->z[id] > zb || keep_tied(mode, (int32_t)id, &arg))) continue;
        if (id > prev) {
            s_rem = vm_divide_sum(q + prev, id - prev, 1.0, NULL, s_rem);
            /* q is the raw softmax (no temperature yet): the same terms, the same sum */
            raw_rem = !r->have_raw ? (double)NAN : ws->q_is_raw ? s_rem
                    : vm_divide_sum(r->p_raw + prev, id - prev, d, NULL, raw_rem);
            memset(r->cut_by + prev, x->code, id - prev);
        }
        if (j == c) break;
        cand[m++] = (int32_t)id; /* m <= j: the list is read ahead of the writes */
        s_keep += q[id];
        prev = id + 1;
    }
    ws->cand_iota = 0;
    cut_report(x, m, s_rem / (s_keep + s_rem), raw_rem);
    ws->S = s_keep;
    ws->S_valid = 1;
    x->n = m;
}

void stage_seq_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg)
{
    if (cand_walk_implicit(x->ws)) { cut_iota_walk(x, zb, mode, arg); return; }
    cand_materialise(x->ws, x->n);
    stage_cut(x, zb, mode, arg);
}

void stage_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg)
{
    if (x->ws->cand_iota) { cut_iota(x, zb, mode, arg); return; }
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    int32_t *cand = ws->cand;
    const float *z = x->z;
    const double *q = stage_q(x);
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
            raw_rem += stage_raw_p(x, id);
        }
    }
    cut_report(x, m, s_rem / (s_keep + s_rem), raw_rem);
    ws->S = s_keep;
    ws->S_valid = 1;
    x->n = m;
}
