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

#include <math.h>
#include <string.h>

#define TOPP_EPS 1e-12
#define TOPP_HIST 4096
#define TOPP_BPN 4.0

void stage_top_p(struct stage_ctx *x)
{
    double p = x->p->top_p;
    struct chain_ws *ws = x->ws;
    x->rep->active = 1;
    cand_materialise(ws, x->n); /* the mass passes below walk the list */
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
