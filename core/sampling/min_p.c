/* min_p.c: the min-p stage.
 *
 * Keeps p_i >= min_p * p_max over the current candidates. Because the ratio
 * p_i / p_max is exp((z_i - z_max) / T) whatever the normaliser, the test is
 * done in logit space: z_i >= z_max + T ln(min_p), with T the temperature
 * applied so far (1 when min-p runs before temperature, as in llama.cpp), in
 * double. llama.cpp's fast path does the same in float; HF and vLLM compare
 * probabilities; the kept set is the same except where float32 rounding
 * decides a boundary token. The maximum always passes, so at least one token
 * survives. Ties are kept. min-p <= 0 is off (the chain skips the stage). */
#include "sampling/stage.h"
#include "sampling/select.h"

#include <math.h>
#include <stdint.h>

void stage_min_p(struct stage_ctx *x)
{
    double mp = x->p->min_p;
    x->rep->active = 1;
    double thr = x->r->max_logit + x->ws->T * log(mp);
    stage_cut(x, thr, TIE_ALL, 0);
}

/* llama.cpp: unsorted fast path (max, then keep logit >= max + logf(p) in
 * float, order kept) unless that leaves none or fewer than min-keep; then
 * sort and keep a prefix (the first always, then while >= the threshold
 * or fewer than min-keep) */
static uint32_t llama_min_p(struct emu *e, float lnp)
{
    uint32_t mk = emu_min_keep(e), m = 0;
    if (!e->sorted) {
        float mx = -3.402823466e38f;
        for (uint32_t i = 0; i < e->n; i++) if ((float)e->a[i].logit > mx) mx = (float)e->a[i].logit;
        float thr = mx + lnp;
        for (uint32_t i = 0; i < e->n; i++) if ((float)e->a[i].logit >= thr) m++;
        if (m > 0 && m >= mk) {
            uint32_t o = 0;
            for (uint32_t i = 0; i < e->n; i++) if ((float)e->a[i].logit >= thr) e->a[o++] = e->a[i];
            e->n = o;
            return o;
        }
        emu_llama_psort(e, e->n);
    }
    float thr = (float)e->a[0].logit + lnp;
    uint32_t i = 1;
    for (; i < e->n; i++) if ((float)e->a[i].logit < thr && i >= mk) break;
    emu_shrink(e, i);
    return i;
}

/* The first mk (0 < mk <= n) positions of torch's stable descending
 * argsort (logit desc, position asc) into e->ix[0..mk), in any order:
 * those above the mk-th largest logit, then the first positions equal to
 * it; only the set is read, so no sort of the whole array (the array may
 * be most of the vocabulary after a top-p). */
static void first_by_logit(struct emu *e, uint32_t mk)
{
    double kth = -INFINITY;
    if (mk == 1) { /* (HF's usual min-keep) the largest: no copy, no select */
        for (uint32_t i = 0; i < e->n; i++) if (e->a[i].logit > kth) kth = e->a[i].logit;
    } else {
        for (uint32_t i = 0; i < e->n; i++) e->v[i] = e->a[i].logit;
        kth = select_kth_largest(e->v, e->n, mk - 1);
    }
    uint32_t above = 0, m = 0;
    for (uint32_t i = 0; i < e->n; i++) above += e->a[i].logit > kth;
    for (uint32_t i = 0; i < e->n; i++) {
        double l = e->a[i].logit;
        if (l > kth || (l == kth && above < mk)) { e->ix[m++] = (int32_t)i; above += l == kth; }
    }
}

/* HF / vLLM: float32 softmax, remove p < min_p * p_max; HF then keeps the
 * top min-keep by a stable descending order */
static void torch_min_p(struct emu *e)
{
    emu_softmax(e);
    float top = 0.0f;
    for (uint32_t i = 0; i < e->n; i++) if ((float)e->a[i].p > top) top = (float)e->a[i].p;
    float scaled = (float)e->p->min_p * top;
    uint32_t mk = e->sys == PRESET_HF ? emu_min_keep(e) : 0;
    if (mk > e->n) mk = e->n;
    if (mk) first_by_logit(e, mk);
    for (uint32_t i = 0; i < e->n; i++) e->v[i] = (float)e->a[i].p < scaled;
    for (uint32_t j = 0; j < mk; j++) e->v[e->ix[j]] = 0;
    for (uint32_t i = 0; i < e->n; i++) if (e->v[i] != 0) emu_mask(e, i);
}

/* The array path; flags a set that float32 alone decided. */
void emu_min_p(struct emu *e)
{
    double mx = -INFINITY, lnp = log(e->p->min_p);
    uint32_t exact = 0;
    for (uint32_t i = 0; i < e->n; i++) if (e->a[i].logit > mx) mx = e->a[i].logit;
    for (uint32_t i = 0; i < e->n; i++) exact += e->a[i].logit >= mx + lnp;
    if (emu_llama(e)) {
        if (llama_min_p(e, logf((float)e->p->min_p)) != exact && exact >= emu_min_keep(e)) emu_decided(e, DECIDED_F32);
        return;
    }
    if (emu_torch(e)) {
        torch_min_p(e);
        uint32_t kept = 0;
        for (uint32_t i = 0; i < e->n; i++) kept += e->a[i].logit != -INFINITY;
        if (kept != exact && exact >= emu_min_keep(e)) emu_decided(e, DECIDED_F32);
        return;
    }
    emu_sort_desc(e);
    uint32_t i = 1;
    for (; i < e->n; i++) if (e->a[i].logit < mx + lnp && i >= emu_min_keep(e)) break;
    emu_shrink(e, i);
}
