/* stage.h: internal interface between chain.c and the stage files
 * (temperature.c, topk.c, topp.c, min_p.c). Not for use outside core/.
 *
 * A stage filters the candidate list ws->cand[0..n) (ascending id) in place.
 * Every truncation is expressed as a boundary in the order (logit desc, id
 * asc) and applied by stage_cut in one fused pass that also accounts the
 * mass removed (of the stage's input distribution and of the raw one). */
#ifndef LS_STAGE_H
#define LS_STAGE_H

#include "sampling/chain.h"

struct stage_ctx {
    const struct chain *c;
    const struct params *p;
    const float *z;      /* raw logits */
    struct chain_ws *ws;
    struct chain_result *r;
    uint32_t n;          /* current candidate count (updated by the stage) */
    uint8_t code;        /* cut_by code for this stage */
    struct stage_report *rep;
};

enum tie_mode {
    TIE_ALL,    /* keep every token equal to the boundary logit */
    TIE_UPTO,   /* keep equal tokens with id <= arg */
    TIE_QUOTA   /* keep the first arg equal tokens in ascending id order */
};

void stage_temperature(struct stage_ctx *x);
void stage_top_k(struct stage_ctx *x);
void stage_top_p(struct stage_ctx *x);
void stage_min_p(struct stage_ctx *x);

/* Keep z > zb, and z == zb per the tie mode; one pass. */
void stage_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg);

/* The current (unnormalised) probabilities, indexed by token id. */
const double *stage_q(const struct stage_ctx *x);

/* Prefilter for picking the k largest of n values without looking at all of
 * them twice: get(ctx, i) reads value i; SELECT_SAMPLE values sampled evenly
 * give a threshold that very likely lies below the k-th largest (the sorted
 * sample's value at rank 2kS/n + 8). Returns 0 when k is not small against n
 * (then use every value). Callers must still handle "fewer than k passed". */
#define SELECT_SAMPLE 512
typedef double (*select_get_fn)(const void *ctx, uint32_t i);
int select_sample_threshold(select_get_fn get, const void *ctx, uint32_t n, uint32_t k, double *thr);

/* k-th largest (0-based) of v[0..n) by quickselect; reorders v. O(n). */
double select_kth_largest(double *v, uint32_t n, uint32_t k);

#endif
