/* raw_total.c: chain_raw_total (see chain.h), the per-step sum of p_raw,
 * and the other whole-array reads of a p_raw whose division is pending
 * (raw_div). Its own file because the chain, the stages and the system
 * emulation all call it, and it calls nothing of theirs: no call cycle. */
#include "sampling/chain.h"
#include "base/vmath.h"

#include <math.h>

/* The sum over every token (t, into *all) and the one skipping token skip
 * (u; skip < 0: none, u = t): each the sequential sum of the (divided)
 * p_raw in id order, in vector passes (vm_divide_sum: the same bits).
 * Before skip the two are one sum; from there each goes on by itself. */
static double sums(const struct chain_result *r, int64_t skip, double *all)
{
    double d = r->raw_div > 0 ? r->raw_div : 1.0;
    uint32_t V = r->V, at = skip >= 0 && skip < (int64_t)V ? (uint32_t)skip : V;
    double u = vm_divide_sum(r->p_raw, at, d, NULL, 0.0), t = u;
    if (at < V) {
        /* a known total is not summed again (chain_raw_total's value: the same bits) */
        t = r->raw_total_set ? r->raw_total : vm_divide_sum(r->p_raw + at, V - at, d, NULL, u);
        u = vm_divide_sum(r->p_raw + at + 1, V - at - 1, d, NULL, u);
    }
    *all = t;
    return u;
}

double chain_raw_sum_except(struct chain_result *r, int64_t skip)
{
    r->raw_full_used = 1;
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

static void settle(struct chain_result *r, int total)
{
    if (!r->raw_deferred || !(r->raw_div > 0)) return;
    if (total && r->have_raw && !r->raw_total_set) { /* the step's total in the same pass */
        r->raw_total = vm_divide_sum(r->p_raw, r->V, r->raw_div, r->p_raw, 0.0);
        r->raw_total_set = 1;
    } else {
        vm_divide(r->p_raw, r->V, r->raw_div);
    }
    r->raw_div = 0;
    r->raw_deferred = 0;
}

void chain_raw_settle(struct chain_result *r) { settle(r, 0); }
void chain_raw_settle_total(struct chain_result *r) { settle(r, 1); }

void chain_raw_normalised(struct chain_result *r, double *out)
{
    r->raw_full_used = 1;
    vm_divide_into(r->p_raw, r->V, r->raw_div > 0 ? r->raw_div : 1.0, out);
}

void chain_raw_normalised_total(struct chain_result *r, double *out)
{
    if (!r->have_raw || r->raw_total_set) { chain_raw_normalised(r, out); return; }
    r->raw_full_used = 1;
    r->raw_total = vm_divide_sum(r->p_raw, r->V, r->raw_div > 0 ? r->raw_div : 1.0, out, 0.0);
    r->raw_total_set = 1;
}
