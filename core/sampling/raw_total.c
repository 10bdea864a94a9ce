/* raw_total.c: chain_raw_total (see chain.h), the per-step sum of p_raw,
 * and the other whole-array reads of a p_raw whose division is pending
 * (raw_div). Its own file because the chain, the stages and the system
 * emulation all call it, and it calls nothing of theirs: no call cycle. */
#include "sampling/chain.h"
#include "sampling/seqsum.h"
#include "base/vmath.h"

#include <math.h>

double chain_raw_sum_except(struct chain_result *r, int64_t skip)
{
    enum { CH = 256 };
    double buf[CH], t = 0.0;
    if (!(r->raw_div > 0) && skip < 0) return seqsum_plain(r->p_raw, r->V); /* the loop's bits, in vector blocks */
    if (!(r->raw_div > 0)) {
        for (uint32_t i = 0; i < r->V; i++) if ((int64_t)i != skip) t += r->p_raw[i];
        return t;
    }
    r->raw_full_used = 1;
    /* the quotients in vector chunks, then the same sequential sum */
    for (uint32_t i = 0; i < r->V; i += CH) {
        uint32_t k = r->V - i < CH ? r->V - i : CH;
        vm_divide_into(r->p_raw + i, k, r->raw_div, buf);
        for (uint32_t j = 0; j < k; j++) if ((int64_t)(i + j) != skip) t += buf[j];
    }
    return t;
}

double chain_raw_total(struct chain_result *r)
{
    if (!r->have_raw) return NAN;
    if (!r->raw_total_set) {
        r->raw_total = chain_raw_sum_except(r, -1);
        r->raw_total_set = 1;
    }
    return r->raw_total;
}

void chain_raw_normalised(struct chain_result *r, double *out)
{
    if (r->raw_div > 0) r->raw_full_used = 1;
    vm_divide_into(r->p_raw, r->V, r->raw_div > 0 ? r->raw_div : 1.0, out);
}
