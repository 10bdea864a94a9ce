/* emu_trim_dynatemp.c: llama.cpp's temp-ext with a range (dynamic
 * temperature) before mirostat, for emu_trim_mirostat.c: the entropy of
 * the sorted softmax over every candidate without sorting them (owner:
 * hD).
 *
 * temp-ext's entropy is two float sums in descending value order: the
 * softmax's cum_sum of expf(z - max), then h -= p logf(p) over its p
 * (temperature.c's dynamic_t). Both come from the values grouped by value
 * (emu_fsum.c), with the same bits. The dynamic T then divides every
 * logit in float (one vector pass for the array in id order, one over the
 * groups for mirostat's own sum). Units: logits in nats, T unitless. */
#include "sampling/stage.h"
#include "sampling/emu_fsum.h"
#include "base/vmath.h"

#include <math.h>

/* below max - SPAN, expf(z - max) is 0 (it underflows below -104) */
#define SPAN 110.0

float emu_dynatemp_groups(struct emu *e, const float *z, struct fsum_groups *g)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double T = e->p->temperature;
    /* emu_temperature's notes for a raised T, and T <= 0: the whole array */
    if (!(T > 0) || T < e->c->temp_floor || V <= 1) return 0.0f;
    float lo = (float)T - (float)e->p->dynatemp_range, hi = (float)T + (float)e->p->dynatemp_range;
    if (lo < 0) lo = 0;
    float mz = (float)r->max_logit, maxh = -logf(1.0f / (float)V);
    fsum_group(g, z, V, mz, (double)mz - SPAN, e->yd, (uint32_t *)e->ix2, V, e->v, (uint32_t *)e->in);
    float cum = fsum_exp(g), h = fsum_entropy(g, cum);
    float dyn = lo + (hi - lo) * powf(h / maxh, (float)e->p->dynatemp_exponent);
    chain_note(r, "dynamic temperature %.6g (entropy %.4g of max %.4g)", (double)dyn, (double)h, (double)maxh);
    /* a greedy T reads the array's order; past SPAN / 17.5 the values left
     * out of the groups could weigh more than 2^-24 in mirostat's sum */
    if (!(dyn > 0) || !isfinite(dyn) || !(SPAN / dyn > 17.5)) return 0.0f;
    fsum_divide(g, dyn, (float *)(void *)e->v2, e->d); /* (V doubles: room for V floats) */
    vm_fdiv(z, V, dyn, e->yf);
    r->effective_temperature = dyn;
    return dyn;
}
