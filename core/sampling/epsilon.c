/* epsilon.c: HF's epsilon cutoff (array path only): softmax of the current
 * scores, mask p < epsilon, except tokens at or above the min-keep-th
 * largest score (HF compares with topk's last value, so ties stay).
 * Float32 under HF's rules, double for exact. 0 = off. */
#include "sampling/stage.h"
#include "sampling/select.h"

void emu_mask_below(struct emu *e, double floor)
{
    uint32_t mk = emu_min_keep(e);
    double kth = -1.0 / 0.0;
    if (mk > 0 && mk <= e->n) {
        for (uint32_t i = 0; i < e->n; i++) e->v[i] = e->a[i].logit;
        kth = select_kth_largest(e->v, e->n, mk - 1);
    }
    for (uint32_t i = 0; i < e->n; i++)
        if (e->a[i].p < floor && e->a[i].logit < kth) emu_mask(e, i);
}

void emu_epsilon(struct emu *e)
{
    emu_softmax(e);
    emu_mask_below(e, emu_f(e, e->p->epsilon));
}
