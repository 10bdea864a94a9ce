/* topk.c: the top-k stage.
 *
 * Keeps the k most likely candidates. The k-th logit is found without
 * sorting: a deterministic sample of the candidates gives a threshold that
 * very likely lies below the k-th value; one pass collects the candidates at
 * or above it, and quickselect finds the k-th among those (falling back to
 * all candidates if the sample misjudged). Ties at the k-th value:
 *   TIES_KEEP  (HF, vLLM): every token equal to the k-th value stays (HF
 *              masks "strictly below the k-th largest"), so more than k can
 *              remain
 *   TIES_BY_ID (llama.cpp): exactly k; among tokens equal to the k-th value
 *              the lower ids win (llama.cpp's partial sort is unstable, so it
 *              has no defined winner; lower id is our documented choice)
 * HF raises k to min_tokens_to_keep (1); vLLM treats k >= V as off;
 * llama.cpp clamps k to the candidate count. k <= 0 is off everywhere (the
 * chain does not run the stage then). */
#include "sampling/stage.h"
#include "sampling/select.h"
#include "base/vmath.h"

#include <string.h>

/* candidate j's logit, for the sampled prefilter */
static double get_z(const void *ctx, uint32_t j)
{
    const struct stage_ctx *x = ctx;
    return (double)x->z[cand_at(x->ws, j)];
}

void stage_top_k(struct stage_ctx *x)
{
    int32_t k = x->p->top_k;
    struct chain_ws *ws = x->ws;
    const float *z = x->z;
    x->rep->active = 1;
    if ((uint32_t)k >= x->n) return; /* nothing to cut */
    uint32_t n = x->n, c = 0;
    double *v = ws->tmp;
    double thr;
    if (ws->cand_iota && ws->pre_valid && ws->pre_n >= (uint32_t)k) { /* the first pass listed every z >= a threshold (chain.c) */
        c = ws->pre_n;
        for (uint32_t j = 0; j < c; j++) v[j] = (double)z[ws->pre_ids[j]];
    } else if (select_sample_threshold(get_z, x, n, (uint32_t)k, &thr)) {
        if (ws->cand_iota) { /* every token: a vector pass picks those >= thr */
            c = (uint32_t)vm_collect_ge(z, n, thr, ws->idx);
            for (uint32_t j = 0; j < c; j++) v[j] = (double)z[ws->idx[j]];
        } else {
            for (uint32_t j = 0; j < n; j++) {
                double zv = (double)z[ws->cand[j]];
                if (zv >= thr) v[c++] = zv;
            }
        }
    }
    if (c < (uint32_t)k) { /* no prefilter, or the sample misjudged */
        c = n;
        for (uint32_t j = 0; j < n; j++) v[j] = (double)z[cand_at(ws, j)];
    }
    double kth = select_kth_largest(v, c, (uint32_t)k - 1);
    if (x->c->topk_ties == TIES_BY_ID) {
        int64_t greater = 0; /* all values above kth are in v[0..c) */
        for (uint32_t j = 0; j < c; j++) greater += v[j] > kth;
        stage_cut(x, kth, TIE_QUOTA, (int64_t)k - greater);
    } else {
        stage_cut(x, kth, TIE_ALL, 0);
    }
}

/* The array path. llama.cpp: clamp k to the candidates, partial-sort (its
 * std::partial_sort or bucket path, so ties go the way libstdc++ leaves
 * them) and shrink to exactly k; no min-keep. HF: k raised to min-keep;
 * vLLM as HF without min-keep: mask every logit strictly below the k-th
 * largest (ties kept). Exact: (logit desc, id asc), exactly k when the
 * chain breaks ties by id, else ties kept. */
/* llama.cpp's std::partial_sort of k <= 128 over the unsorted array,
 * replayed by stdsort_partial_stream (the same records in the same order;
 * the runs that cannot enter its heap skipped on a float copy of the
 * logits) when every logit is a float's value, as llama.cpp's are; 0 when
 * not (emu_llama_psort then). The reference path runs the heap as is. */
static int llama_stream_top_k(struct emu *e, uint32_t k)
{
    if (k > 128 || e->n < 256 || e->ws->reference) return 0;
    for (uint32_t i = 0; i < e->n; i++) {
        e->yf[i] = (float)e->a[i].logit;
        if ((double)e->yf[i] != e->a[i].logit) return 0;
    }
    stdsort_partial_stream(e->buf, k, e->yf, e->n, e->a);
    memcpy(e->a, e->buf, (size_t)k * sizeof *e->a);
    e->n = k;
    e->sorted = 1;
    return 1;
}

void emu_top_k(struct emu *e)
{
    uint32_t k = (uint32_t)e->p->top_k;
    if (emu_llama(e)) {
        if (k > e->n) k = e->n;
        if (e->sorted) emu_shrink(e, k);
        else if (!llama_stream_top_k(e, k)) emu_llama_psort(e, k);
        return;
    }
    if (e->sys == PRESET_HF && k < emu_min_keep(e)) k = emu_min_keep(e);
    if (k >= e->n) return;
    if (!e->f32 && e->c->topk_ties == TIES_BY_ID) {
        emu_sort_desc(e);
        emu_shrink(e, k);
        return;
    }
    for (uint32_t i = 0; i < e->n; i++) e->v[i] = e->a[i].logit;
    double kth = select_kth_largest(e->v, e->n, k - 1);
    for (uint32_t i = 0; i < e->n; i++) if (e->a[i].logit < kth) emu_mask(e, i);
}
