/* emu_defer_sort.c: llama.cpp's dynamic temperature (temp-ext with a
 * range) before mirostat, without its full sort of the vocabulary.
 *
 * temp-ext's entropy runs llama.cpp's sorted softmax over every candidate:
 * a full sort of V entries (the explorer's slowest key at V = 262144). Its
 * p and the entropy's float sum are a sequence over the values in
 * descending order, which does not depend on how ties are ordered, so
 * emu_llama_sorted_p gives both without sorting (e->ix: the value order).
 * The sort's only other effect is the array's order, which the division
 * keeps (non-increasing) and mirostat, the one stage left to run, reads:
 * mirostat's lazy path finds its cut on the value sequence (the same p)
 * and keeps the prefix as is when nothing follows and the cut splits no
 * equal values, where the tie order changes no result (mirostat.c). In
 * every other case the sort is replayed as llama.cpp does it, on the
 * logits before the division (kept in e->yd by position), and the
 * division redone (emu_sort_replay). Applied only on llama.cpp's rules,
 * unsorted, more than 128 candidates, every one finite, a float and in
 * llama.cpp's bucket range (above it llama.cpp mis-sorts), with
 * only mirostat after the temperature and not on the reference path. */
#include "sampling/emu.h"

#include <math.h>

int emu_sort_defer(struct emu *e)
{
    struct stage_report *st = e->r->stages;
    if (!emu_llama(e) || e->sorted || e->n <= 128 || e->ws->reference) return 0;
    if (e->rep < st || e->rep >= st + e->c->n || e->later[e->rep - st] != 1u << STAGE_MIROSTAT) return 0;
    for (uint32_t i = 0; i < e->n; i++) {
        double v = e->a[i].logit;
        if (!isfinite(v) || v != (double)(float)v || v > 1e8) return 0; /* (1e8: no bucket overflow, no mis-sort) */
        e->yd[i] = (float)v;
    }
    emu_llama_sorted_p(e);
    e->sort_deferred = 1;
    return 1;
}

void emu_sort_settle(struct emu *e)
{
    if (!e->sort_deferred) return;
    e->sort_deferred = 0;
    emu_llama_psort(e, e->n); /* the logits are still the sort's input */
}

void emu_sort_replay(struct emu *e)
{
    if (!e->sort_deferred) return;
    e->sort_deferred = 0;
    for (uint32_t i = 0; i < e->n; i++) e->a[i].logit = (double)e->yd[i];
    emu_llama_psort(e, e->n);
    for (uint32_t i = 0; i < e->n; i++) e->a[i].logit = (double)((float)e->a[i].logit / e->deferred_T);
}
