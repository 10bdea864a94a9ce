/* topk.c: the top-k stage.
 *
 * Keeps the k most likely candidates by working logit. The k-th value is
 * found by quickselect (O(n)), never a full sort. Ties at the k-th value:
 *   TIES_KEEP  (HF, vLLM): every token >= the k-th value stays (HF masks
 *              "strictly below the k-th largest"), so more than k can remain
 *   TIES_BY_ID (llama.cpp): exactly k; among tokens equal to the k-th value
 *              the lower ids win (llama.cpp's partial sort is unstable, so it
 *              has no defined winner; lower id is our documented choice)
 * HF raises k to min_tokens_to_keep (1); vLLM treats k >= V as off;
 * llama.cpp clamps k to the candidate count. k <= 0 is off everywhere. */
#include "stage.h"

void stage_top_k(struct stage_ctx *x)
{
    int32_t k = x->p->top_k;
    struct chain_ws *ws = x->ws;
    if (k <= 0) return;
    x->rep->active = 1;
    if ((uint32_t)k >= x->n) return; /* nothing to cut */
    for (uint32_t j = 0; j < x->n; j++) ws->tmp[j] = ws->w[ws->cand[j]];
    double kth = select_kth_largest(ws->tmp, x->n, (uint32_t)k - 1);
    uint32_t quota = (uint32_t)k;
    if (x->c->topk_ties == TIES_BY_ID) {
        uint32_t greater = 0;
        for (uint32_t j = 0; j < x->n; j++) greater += ws->w[ws->cand[j]] > kth;
        quota = (uint32_t)k - greater; /* slots left for tokens equal to kth */
    }
    stage_softmax(x); /* for the mass-removed report */
    for (uint32_t j = 0; j < x->n; j++) {
        double v = ws->w[ws->cand[j]];
        int keep;
        if (v > kth) keep = 1;
        else if (v < kth) keep = 0;
        else if (x->c->topk_ties == TIES_KEEP) keep = 1;
        else keep = quota ? (quota--, 1) : 0;
        ws->idx[j] = keep;
    }
    stage_compact(x, 1);
}
