/* raw_total.c: chain_raw_total (see chain.h), the per-step sum of p_raw.
 * Its own file because the chain, the stages and the system emulation all
 * call it, and it calls nothing: no call cycle between them. */
#include "sampling/chain.h"

#include <math.h>

double chain_raw_total(struct chain_result *r)
{
    if (!r->have_raw) return NAN;
    if (!r->raw_total_set) {
        double t = 0.0;
        for (uint32_t i = 0; i < r->V; i++) t += r->p_raw[i];
        r->raw_total = t;
        r->raw_total_set = 1;
    }
    return r->raw_total;
}
