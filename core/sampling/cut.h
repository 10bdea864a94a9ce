/* cut.h: what a stage works on, and the one way it removes candidates.
 *
 * A stage filters the candidate list ws->cand[0..n) (ascending id) in place.
 * Every truncation is expressed as a boundary in the order (logit desc, id
 * asc) and applied by stage_cut in one fused pass that also accounts the
 * mass removed: of the stage's input distribution (renormalised, after any
 * earlier temperature) and of the raw T=1 one. Below the stages; calls
 * nothing in chain.c. */
#ifndef LS_CUT_H
#define LS_CUT_H

#include "sampling/chain.h"

#include <math.h>

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

/* Candidate j (ws->cand[j], or j while the candidates are every token). */
static inline int32_t cand_at(const struct chain_ws *ws, uint32_t j)
{
    return ws->cand_iota ? (int32_t)j : ws->cand[j];
}
/* Whether a stage that walks the list in id order may read position j as
 * token j instead of writing the list out: every token is a candidate, q
 * is formed (stage_q would form a lazy q by another pass), and the
 * reference path is not asked for (tests: the list written out). Top-p's
 * histogram and band and stage_seq_cut's walk all ask this. */
static inline int cand_walk_implicit(const struct chain_ws *ws)
{
    return ws->cand_iota && !ws->q_lazy && !ws->reference;
}
/* Write cand[0..n) out if it is still implicit (for stages that walk it). */
void cand_materialise(struct chain_ws *ws, uint32_t n);

/* Keep z > zb, and z == zb per the tie mode; one pass. While the
 * candidates are every token, the kept ones are collected by a vector
 * pass over the logits (those >= zb) and the removed mass is the total
 * minus the kept mass. */
void stage_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg);

/* stage_cut with the list walk's accounting in every case: the removed
 * masses summed in id order (not the total minus the kept). While the
 * candidates are every token and q is formed, without writing the list
 * out (top-p's exact masses over the whole vocabulary). */
void stage_seq_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg);

/* The current (unnormalised) probabilities, indexed by token id; computed
 * here for the current candidates if they are still lazy (CHAIN_WANT_DRAW). */
const double *stage_q(struct stage_ctx *x);
/* The raw probability of a token, NaN when the raw pass did not run. */
static inline double stage_raw_p(const struct stage_ctx *x, int32_t id)
{
    return x->r->have_raw ? chain_raw_p(x->r, (uint32_t)id) : (double)NAN;
}

#endif
