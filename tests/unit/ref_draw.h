/* ref_draw.h: the plain reference of the draw rule (sampling/draw.h), kept
 * in tests/ for differential tests: a linear scan with running sums, the
 * rule written the most obvious way. The fast path (prefix sums once, then
 * a binary search per draw) must return the same token for the same
 * uniform, on every result. */
#ifndef LS_REF_DRAW_H
#define LS_REF_DRAW_H

#include "base/rng.h"
#include "sampling/chain.h"

static inline int32_t ref_draw_u(const struct chain_result *r, double u01)
{
    if (r->n_kept == 0) return -1;
    double total = 0.0;
    for (uint32_t j = 0; j < r->n_kept; j++) total += r->p[r->kept[j]];
    double u = u01 * total, cum = 0.0;
    for (uint32_t j = 0; j < r->n_kept; j++) {
        cum += r->p[r->kept[j]];
        if (u < cum) return r->kept[j];
    }
    return r->kept[r->n_kept - 1];
}

/* one uniform per draw, as draw_token */
static inline int32_t ref_draw(const struct chain_result *r, struct rng *g)
{
    return ref_draw_u(r, rng_uniform(g));
}

#endif
