/* emu_defer_sort.c: llama.cpp's dynamic temperature (temp-ext with a
 * range) before mirostat or last, and its XTC, without their full sort of
 * the vocabulary.
 *
 * temp-ext's entropy runs llama.cpp's sorted softmax over every candidate:
 * a full sort of V entries (the explorer's slowest key at V = 262144). The
 * sort leaves the candidates in descending value order, ties in the order
 * llama.cpp's unstable sort leaves them. Here the candidates are put in
 * descending value order with ties in id order instead (one radix sort):
 * the same value at every position, so every p,
 * the entropy's float sum and every sum over the array in its order
 * (mirostat's input masses, emu_run's accounting) are the same, as long as
 * equal logits are equal raw logits too (their raw p then agree). The tie
 * order is the sort's only other effect, and only mirostat, the one stage
 * left to run, could read it: when its cut splits no run of equal values
 * the kept set is the same and its order changes no result (mirostat.c);
 * otherwise the sort is replayed as llama.cpp runs it (the array back in
 * id order with its raw logits, sorted, divided again: emu_sort_replay).
 * The same holds with nothing after the stage: emu_run's finish reads the
 * array only for sums in its order and survivors by id. XTC (xtc.c) defers
 * its sorted softmax the same way, with nothing or a plain temperature (a
 * division: the order kept) after it, and settles the sort when its
 * removed run ends inside a run of equal values.
 * Applied on llama.cpp's rules only, on the untouched array (token i at
 * position i with its raw logit, every one finite, below llama.cpp's bucket
 * overflow where it mis-sorts), never on the reference path, and not when
 * the value order is the id order (an already-sorted or flat step): the
 * array would then be token i at position i, which finish sums by the
 * vector path, while llama.cpp's sort leaves equal values permuted. */
#include "sampling/emu.h"
#include "base/vmath_expf.h"

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

/* the stages after this one read no tie order: mirostat (it replays
 * the sort when its cut splits equal values), nothing, or after XTC a
 * temperature that divides (no range: temp-ext's entropy would sort) */
static int later_unordered(const struct emu *e)
{
    const struct stage_report *st = e->r->stages;
    if (e->rep < st || e->rep >= st + e->c->n) return 0;
    unsigned later = e->later[e->rep - st];
    if (later == 0 || later == 1u << STAGE_MIROSTAT) return 1;
    return e->rep->kind == STAGE_XTC && later == 1u << STAGE_TEMPERATURE && e->p->temperature > 0 &&
           !(e->p->dynatemp_range > 0);
}

/* The untouched array's candidates into out in descending value order,
 * ties in id order (a stable radix sort of (key, id) pairs read straight
 * from the raw logits: no gather through the array), each with the p of
 * llama.cpp's sorted softmax: expf of each value less the maximum, their
 * float sum in this order (emu_llama_softmax's arithmetic, one vector pass:
 * vm_expf_seqsum). 0 when that order is the ids' (nothing kept). Scratch:
 * e->v (the pairs), e->v2 (the sort's, then the values and their exps). */
static int value_order(struct emu *e, struct ls_tok *out)
{
    uint32_t n = e->n;
    uint64_t *kv = (uint64_t *)(void *)e->v, *tmp = (uint64_t *)(void *)e->v2; /* V doubles: room for V pairs */
    const float *z = e->z;
    for (uint32_t i = 0; i < n; i++) kv[i] = (uint64_t)~emu_float_key(z[i]) << 32 | i;
    emu_sort_pairs(kv, n, tmp);
    float *ys = (float *)(void *)e->v2, *ex = ys + n; /* V doubles: room for both */
    int ids = 1;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t id = (uint32_t)kv[t];
        ys[t] = z[id];
        ids &= id == t;
    }
    if (ids) return 0;
    float cum = vm_expf_seqsum(ys, n, ys[0], ex, NULL, NULL);
    for (uint32_t t = 0; t < n; t++) out[t] = (struct ls_tok){ (int32_t)(uint32_t)kv[t], (double)ys[t], (double)(ex[t] / cum) };
    return 1;
}

int emu_sort_defer(struct emu *e)
{
    if (!emu_llama(e) || e->sorted || e->n <= 128 || e->ws->reference) return 0;
    if (!later_unordered(e) || !untouched(e)) return 0;
    if (!value_order(e, e->buf)) return 0; /* every p as after the sort */
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
