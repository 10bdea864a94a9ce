/* emu_defer_sort.c: llama.cpp's dynamic temperature (temp-ext with a
 * range) before mirostat, without its full sort of the vocabulary.
 *
 * temp-ext's entropy runs llama.cpp's sorted softmax over every candidate:
 * a full sort of V entries (the explorer's slowest key at V = 262144). The
 * sort leaves the candidates in descending value order, ties in the order
 * llama.cpp's unstable sort leaves them. Here the candidates are put in
 * descending value order with ties in id order instead (emu_llama_sorted_p's
 * radix order, one gather): the same value at every position, so every p,
 * the entropy's float sum and every sum over the array in its order
 * (mirostat's input masses, emu_run's accounting) are the same, as long as
 * equal logits are equal raw logits too (their raw p then agree). The tie
 * order is the sort's only other effect, and only mirostat, the one stage
 * left to run, could read it: when its cut splits no run of equal values
 * the kept set is the same and its order changes no result (mirostat.c);
 * otherwise the sort is replayed as llama.cpp runs it (the array back in
 * id order with its raw logits, sorted, divided again: emu_sort_replay).
 * Applied on llama.cpp's rules only, on the untouched array (token i at
 * position i with its raw logit, every one finite, below llama.cpp's bucket
 * overflow where it mis-sorts), with only mirostat after the temperature,
 * never on the reference path. */
#include "sampling/emu.h"

#include <math.h>

/* the array is token i at position i with its raw logit, every one finite
 * and small enough for llama.cpp's buckets (1e8: far from 2^31 / 6.4) */
static int untouched(const struct emu *e)
{
    if (e->n != e->r->V) return 0;
    for (uint32_t i = 0; i < e->n; i++) {
        double v = e->a[i].logit;
        if (e->a[i].id != (int32_t)i || v != (double)e->z[i] || !isfinite(v) || v > 1e8) return 0;
    }
    return 1;
}

int emu_sort_defer(struct emu *e)
{
    struct stage_report *st = e->r->stages;
    if (!emu_llama(e) || e->sorted || e->n <= 128 || e->ws->reference) return 0;
    if (e->rep < st || e->rep >= st + e->c->n || e->later[e->rep - st] != 1u << STAGE_MIROSTAT) return 0;
    if (!untouched(e)) return 0;
    emu_llama_sorted_p(e); /* every p as after the sort; e->ix: the value order */
    for (uint32_t t = 0; t < e->n; t++) e->buf[t] = e->a[e->ix[t]];
    struct ls_tok *a = e->a;
    e->a = e->buf; /* (the two change places: both are scratch of V) */
    e->buf = a;
    e->sort_deferred = 1;
    return 1;
}

void emu_sort_settle(struct emu *e)
{
    if (!e->sort_deferred) return;
    e->sort_deferred = 0;
    for (uint32_t t = 0; t < e->n; t++) e->buf[e->a[t].id] = e->a[t]; /* back in id order */
    struct ls_tok *a = e->a;
    e->a = e->buf;
    e->buf = a;
    emu_llama_psort(e, e->n);
}

void emu_sort_replay(struct emu *e)
{
    if (!e->sort_deferred) return;
    for (uint32_t t = 0; t < e->n; t++) e->a[t].logit = (double)e->z[e->a[t].id];
    emu_sort_settle(e);
    for (uint32_t i = 0; i < e->n; i++) e->a[i].logit = (double)((float)e->a[i].logit / e->deferred_T);
}
