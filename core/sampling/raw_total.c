/* raw_total.c: chain_raw_total (see chain.h), the per-step sum of p_raw,
 * and the other whole-array reads of a p_raw whose division is pending
 * (raw_div). Its own file because the chain, the stages and the system
 * emulation all call it, and it calls nothing of theirs: no call cycle. */
#include "sampling/chain.h"
#include "base/vmath.h"

#include <math.h>

/* The sum over every token (t, into *all) and the one skipping token skip
 * (u), in one pass: each is a chain of dependent adds in id order, so the
 * second chain runs beside the first at little extra time. */
static double sums(const struct chain_result *r, int64_t skip, double *all)
{
    enum { CH = 256 };
    double buf[CH], t = 0.0, u = 0.0;
    for (uint32_t i = 0; i < r->V; i += CH) {
        uint32_t k = r->V - i < CH ? r->V - i : CH;
        const double *q = r->p_raw + i;
        /* a pending division: the quotients in vector chunks, then the same sequential sums */
        if (r->raw_div > 0) vm_divide_into(q, k, r->raw_div, buf), q = buf;
        /* the skipped token (if in this chunk) at js: t takes it, u does not */
        uint32_t js = skip >= (int64_t)i && skip < (int64_t)i + k ? (uint32_t)(skip - i) : k;
        for (uint32_t j = 0; j < js; j++) t += q[j], u += q[j];
        if (js < k) t += q[js];
        for (uint32_t j = js + 1; j < k; j++) t += q[j], u += q[j];
    }
    *all = t;
    return u;
}

double chain_raw_sum_except(struct chain_result *r, int64_t skip)
{
    if (r->raw_div > 0) r->raw_full_used = 1;
    double t, u = sums(r, skip, &t);
    if (r->have_raw && !r->raw_total_set) { /* the step's total came for free */
        r->raw_total = t;
        r->raw_total_set = 1;
    }
    return u;
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
