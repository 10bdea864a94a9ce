/* stage.h: internal interface between chain.c and the stage files
 * (temperature.c, topk.c, topp.c, min_p.c). Not for use outside core/.
 *
 * A stage filters the candidate list ws->cand[0..n) (ascending id) in place.
 * Working logits ws->w[id] are in double. A stage marks every token it
 * removes with r->cut_by[id] = code and fills its stage_report. */
#ifndef LS_STAGE_H
#define LS_STAGE_H

#include "chain.h"

struct stage_ctx {
    const struct chain *c;
    const struct params *p;
    struct chain_ws *ws;
    struct chain_result *r;
    uint32_t n;          /* current candidate count (updated by the stage) */
    uint8_t code;        /* cut_by code for this stage */
    struct stage_report *rep;
};

void stage_temperature(struct stage_ctx *x);
void stage_top_k(struct stage_ctx *x);
void stage_top_p(struct stage_ctx *x);
void stage_min_p(struct stage_ctx *x);

/* Softmax of w over the current candidates into ws->tmp[j] (position j), in
 * double; returns the max working logit. */
double stage_softmax(struct stage_ctx *x);

/* Remove candidates whose keep[j] flag (ws->idx[j] != 0) is 0, accounting
 * removed mass from ws->tmp[j] (when have_probs) and from p_raw. */
void stage_compact(struct stage_ctx *x, int have_probs);

/* k-th largest (0-based) of v[0..n) by quickselect; reorders v. O(n). */
double select_kth_largest(double *v, uint32_t n, uint32_t k);

#endif
