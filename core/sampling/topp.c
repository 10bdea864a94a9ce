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
 * A draw over every token (nothing cut yet, q not formed) first tries the
 * window (top_p_window): no exp in double beyond the tokens near the top.
 * No full sort: above TOPP_HIST candidates a mass histogram by distance
 * below the maximum logit (TOPP_BPN buckets per nat) narrows the crossing
 * to one bucket; a mass-accounting quickselect finds the crossing token in
 * it (select.h). The crossing token becomes a boundary in (logit desc, id
 * asc) order, applied by stage_cut (probability order equals logit order).
 * While every token is a candidate and q is formed, the list is never
 * written out: the histogram reads token j as candidate j, the band's
 * tokens come from a vector collect above its least logit, and the cut
 * sums the removed masses run by run (stage_seq_cut); the same bits as
 * walking the written list. */
#include "sampling/stage.h"
#include "sampling/select.h"
#include "base/vmath.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define TOPP_EPS 1e-12
#define TOPP_HIST 4096
#define TOPP_BPN 4.0

/* The smallest float f >= v (a collect threshold: z >= f iff z >= v). */
static float float_ge(double v)
{
    float f = (float)v;
    if ((double)f < v) f = nextafterf(f, INFINITY);
    return f;
}

/* The band's list as the crossing search reads it: position j (token id)
 * joins it, with its mass at t[j], when the token's bucket is B. One test
 * for the window, the implicit list and the written one. */
struct band_sel {
    const float *z;
    const double *q;
    double zmax, sc;
    int B;
    double *t;
    int32_t *pos;
    uint32_t m;
};
static inline void band_take(struct band_sel *s, int32_t id, int32_t j)
{
    if (select_bucket_of(s->zmax, (double)s->z[id], s->sc) == s->B) { s->t[j] = s->q[id]; s->pos[s->m++] = j; }
}

/* the window's tiers, in nats times T below the top */
#define TOPP_WIN 16.0
#define TOPP_NEAR 4.0
/* The band among the listed tokens win[0..*w) (those within TOPP_NEAR nats,
 * listed by the float32 pass), or, when it reaches below them, among those
 * within TOPP_WIN (one more pass lists them); q formed for the listed only.
 * Returns 0 when the band leaves the window. */
static int window_band(struct stage_ctx *x, double zmax, double target, size_t *w, struct select_band *b)
{
    static const double tiers[2] = { TOPP_NEAR, TOPP_WIN };
    struct chain_ws *ws = x->ws;
    double T = ws->T, sc = TOPP_BPN / T;
    for (int t = 0; t < 2; t++) {
        if (t) *w = vm_collect_ge(x->z, x->n, (double)float_ge(zmax - tiers[t] * T), ws->idx);
        vm_exp_shift_ids(x->z, ws->idx, *w, zmax, 1.0 / T, ws->q);
        *b = select_mass_band_to(ws->idx, (uint32_t)*w, x->z, ws->q, zmax, sc, 0.0, target);
        if (b->bucket < (int)(tiers[t] * TOPP_BPN) - 1) return 1; /* the band and those above: listed */
    }
    return 0;
}

/* The crossing while the candidates are every token and q is not formed
 * yet (a draw): the total S from one float32 pass with an error bound
 * (vm_expf_sum_div), which also lists the tokens near the top; their q
 * exactly as stage_q would form it (vm_exp_shift_ids); the band and the
 * crossing token among them as the whole-vocabulary path finds them; then
 * a certificate: the mass ranked before the token stays below (p - eps) S
 * and the mass through it above, for every S the bound allows, with room
 * for the summation orders' roundings. Then the cut is that path's.
 * Returns 0 (nothing done) when the band leaves the window or the
 * certificate fails: the whole-vocabulary path decides. */
static int top_p_window(struct stage_ctx *x, double p)
{
    struct chain_ws *ws = x->ws;
    const float *z = x->z;
    uint32_t V = x->n, m = 0;
    double zmax = x->r->max_logit, T = ws->T, sc = TOPP_BPN / T, err, D;
    float Tf = (float)T;
    if (!(Tf > 0) || !isfinite(zmax / T)) return 0;
    size_t w;
    int32_t *win = ws->idx, *pos = ws->cand; /* cand is free while cand_iota */
    double S = vm_expf_sum_div(z, V, Tf, (float)(zmax / Tf), float_ge(zmax - TOPP_NEAR * T), win, &w, &err);
    err = 2.0 * err + 1e-9 * S; /* T in float, zmax / T rounded: twice the bound, and the sums' orders */
    if (!(err < 0.01 * S)) return 0;
    double target = (p - TOPP_EPS) * S, *t = ws->tmp;
    struct select_band b;
    if (!window_band(x, zmax, target, &w, &b)) return 0;
    struct band_sel bs = { z, ws->q, zmax, sc, b.bucket, t, pos, 0 };
    for (uint32_t j = 0; j < w; j++) band_take(&bs, win[j], (int32_t)j);
    m = bs.m;
    int32_t c = select_mass_crossing(pos, m, t, target - b.before);
    D = b.before;
    for (uint32_t k = 0; k < m; k++) if (pos[k] != c && select_before(t, pos[k], c)) D += t[pos[k]];
    if (!(D < (p - TOPP_EPS) * (S - err) && D + t[c] > (p - TOPP_EPS) * (S + err))) return 0;
    stage_cut(x, (double)z[win[c]], TIE_UPTO, win[c]);
    return 1;
}

/* The least float whose bucket (select_bucket_of) is at most B: the
 * bucket falls as z rises (a difference and a product, each rounding
 * monotonically), so a bisection over the floats in order finds it;
 * -FLT_MAX when every finite float qualifies. zmax is a float's value. */
static float band_floor(double zmax, double sc, int B)
{
    uint32_t lo = emu_float_key(-FLT_MAX), hi = emu_float_key(zmax); /* hi qualifies (bucket 0) */
    if (select_bucket_of(zmax, (double)emu_float_of_key(lo), sc) <= B) return -FLT_MAX;
    while (hi - lo > 1) { /* lo does not qualify, hi does */
        uint32_t mid = lo + (hi - lo) / 2;
        if (select_bucket_of(zmax, (double)emu_float_of_key(mid), sc) <= B) hi = mid;
        else lo = mid;
    }
    return emu_float_of_key(hi);
}

/* The band's tokens while the candidates are every token (position j is
 * token j): t[j] = q[j] and j into pos, in id order as the walk lists
 * them. A vector pass collects the tokens at or above the band's least
 * logit (into cand, free while the list is implicit); those above the
 * band come along and are dropped. */
static void band_of_every(struct stage_ctx *x, struct band_sel *bs)
{
    int32_t *ids = x->ws->cand;
    size_t c = vm_collect_ge(x->z, x->n, (double)band_floor(bs->zmax, bs->sc, bs->B), ids);
    for (size_t k = 0; k < c; k++) band_take(bs, ids[k], ids[k]);
}

void stage_top_p(struct stage_ctx *x)
{
    double p = x->p->top_p;
    struct chain_ws *ws = x->ws;
    x->rep->active = 1;
    if (ws->cand_iota && ws->q_lazy && x->n > TOPP_HIST && top_p_window(x, p)) return;
    /* the mass passes below walk the list: written out unless it may stay
     * implicit (ids NULL: candidate j is token j) */
    if (!cand_walk_implicit(ws)) cand_materialise(ws, x->n);
    const double *q = stage_q(x);
    const int32_t *ids = ws->cand_iota ? NULL : ws->cand;
    const float *z = x->z;
    double *t = ws->tmp;
    int32_t *pos = ws->idx;
    uint32_t n = x->n, m = 0;
    double target, acc = 0.0;
    if (n > TOPP_HIST) {
        double zmax = x->r->max_logit, sc = TOPP_BPN / ws->T;
        struct select_band band = select_mass_band(ids, n, z, q, zmax, sc, p - TOPP_EPS);
        struct band_sel bs = { z, q, zmax, sc, band.bucket, t, pos, 0 };
        target = band.target;
        acc = band.before;
        if (!ids) band_of_every(x, &bs);
        else
            for (uint32_t j = 0; j < n; j++) band_take(&bs, ids[j], (int32_t)j);
        m = bs.m;
    } else {
        double S = 0.0;
        for (uint32_t j = 0; j < n; j++) { t[j] = q[ids ? ids[j] : (int32_t)j]; S += t[j]; pos[j] = (int32_t)j; }
        m = n;
        target = (p - TOPP_EPS) * S;
    }
    /* the crossing is found on unnormalised q against p * S */
    int32_t c = select_mass_crossing(pos, m, t, target - acc);
    int32_t id = ids ? ids[c] : c;
    stage_seq_cut(x, (double)z[id], TIE_UPTO, id);
}

/* exact-arithmetic stop index over an order: the first i with cum >= p
 * and i + 1 >= min_keep, in double, over the stage's input distribution
 * (emu_run's d; -inf entries weigh 0) */
static uint32_t double_stop(const struct emu *e, const struct ls_tok *a, double p, uint32_t mk)
{
    double cum = 0.0;
    for (uint32_t i = 0; i < e->n; i++) {
        if (a[i].logit != -INFINITY) cum += e->d[a[i].id] / e->S_in;
        if (cum >= p && i + 1 >= mk) return i + 1;
    }
    return e->n;
}

/* llama.cpp: softmax in float, then sort (a side buffer of the best 256
 * when unsorted and above 1024 candidates, growing to all if needed; its
 * buckets are sorted only as far as the sum reads), float cumulative sum,
 * stop at cum >= p once min-keep are in. The same prefix summed in double
 * says whether exact arithmetic would stop at the same token. */
static void llama_top_p(struct emu *e)
{
    struct topp_scan s = { (float)e->p->top_p, 0.0f, 0.0, emu_min_keep(e), 0 };
    uint32_t k = e->n, last = e->n, done = 0;
    struct llama_buckets b;
    emu_llama_softmax(e, 0);
    struct ls_tok *pd = e->a;
    if (!e->sorted && e->n > 1024) { k = 256; emu_llama_bucket_fill(e, k, e->buf, &b); pd = e->buf; }
    else if (!e->sorted) emu_llama_psort(e, e->n);
    for (uint32_t i = 0; i < e->n; i++) {
        if (pd == e->buf) emu_llama_bucket_upto(&b, i + 1);
        if (topp_scan_at(e, &s, &pd[i], i)) { last = i + 1; break; }
        if (pd == e->buf && i == k - 1 && k < e->n) { /* at k = n a refill would sort to the same order */
            k = e->n;
            emu_llama_bucket_fill(e, k, e->buf, &b);
            if ((last = emu_llama_top_p_value(e, &b, &s, i + 1))) { done = 1; break; }
            last = e->n;
        }
    }
    if ((s.dstop && s.dstop != last) || (!s.dstop && last < e->n)) emu_decided(e, DECIDED_F32);
    if (pd == e->buf && !done) memcpy(e->a, e->buf, (size_t)last * sizeof *e->a);
    if (pd == e->buf) e->sorted = 1;
    emu_shrink(e, last);
}

/* HF / vLLM: stable ascending sort, float32 softmax and cumulative sum
 * (accumulated wider, stored as float, as torch's CPU cumsum does), mask
 * where cum <= 1 - p (HF: 1 - p in double then float; vLLM: in float),
 * never the last min-keep (vLLM: the last one) */
static void torch_top_p(struct emu *e)
{
    uint32_t n = e->n, mk = e->sys == PRESET_HF ? emu_min_keep(e) : 1;
    double P = e->p->top_p;
    float thr = e->sys == PRESET_HF ? (float)(1.0 - P) : 1.0f - (float)P;
    emu_softmax(e);
    if (emu_torch_top_p_bands(e, thr, mk)) return; /* no sort when margins decide */
    for (uint32_t i = 0; i < n; i++) { e->ix[i] = (int32_t)i; e->v[i] = e->a[i].logit; }
    emu_argsort(e->v, e->ix, e->ix2, n, e->buf);
    /* the exact distribution is the stage's input one (emu_run's d) */
    double acc = 0.0, accd = 0.0;
    uint32_t cut = 0, cutd = 0;
    for (uint32_t j = 0; j + mk < n; j++) {
        const struct ls_tok *t = &e->a[e->ix[j]];
        acc += t->p;
        accd += e->d[t->id] / e->S_in;
        if ((float)acc <= thr) cut = j + 1;
        if (accd <= 1.0 - P) cutd = j + 1;
    }
    if (cut != cutd) emu_decided(e, DECIDED_F32);
    for (uint32_t j = 0; j < cut; j++) emu_mask(e, (uint32_t)e->ix[j]);
}

/* The array path (see the header comment for the fast path's rule). */
void emu_top_p(struct emu *e)
{
    if (emu_llama(e)) { llama_top_p(e); return; }
    if (emu_torch(e)) { torch_top_p(e); return; }
    emu_sort_desc(e);
    emu_shrink(e, double_stop(e, e->a, e->p->top_p - TOPP_EPS, emu_min_keep(e)));
}
