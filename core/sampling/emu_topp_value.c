/* emu_topp_value.c: llama.cpp's top-p over a large nucleus without
 * replaying its sorts (see emu.h emu_llama_top_p_value).
 *
 * Past its first 256 candidates llama.cpp bucket-sorts the whole array
 * (128 buckets by logit; std::sort in each, std::partial_sort, a heap
 * sort, in the lowest) and adds p in that order until the float sum
 * reaches p. Replayed step for step that heap sort alone costs tens of
 * milliseconds at V = 262144 when the nucleus reaches the lowest bucket.
 * What of it can anything read?
 *   - the float sum, and the exact sum beside it: a sequence of values,
 *     the same whatever order equal logits (equal p, equal d) come in;
 *     so the stop position is the same in any order sorted by value;
 *   - which tokens are kept: the same set in any value order, unless
 *     the stop falls inside a run of equal logits; then that run's bucket
 *     is replayed exactly (its own sort, from the order the fill left it
 *     in, as llama.cpp sorts each bucket independently of the others);
 *   - the order of the kept prefix: read later only by a stage that cuts
 *     at a position (xtc, greedy temperature, min-p's min-keep, top-k,
 *     typical, mirostat...). Only min-p without min-keep and a positive
 *     temperature may follow (min-p cuts by value on a sorted array, a
 *     temperature scales values; every sum after runs over the same
 *     values in the same value order). Anything else: not applied.
 * Each bucket is sorted by value with a stable radix sort of (key,
 * position) pairs, only as far as the scan reads. Masked (-inf) entries:
 * not applied (llama.cpp keeps them in its array, where their order
 * among themselves is its sorts'). tests/unit/test_emu_ties.c compares
 * this with the whole replay (chain_ws.reference), ties included. */
#include "sampling/stage.h"

#include <string.h>

/* stages after k that may run after a top-p left in value order */
static int order_unread_after(const struct emu *e, int k)
{
    const struct params *p = e->p;
    for (int j = k + 1; j < e->c->n; j++) {
        enum stage_kind s = e->c->order[j];
        if (!stage_active(s, p)) continue;
        if (s == STAGE_MIN_P && p->min_keep <= 1) continue;
        if (s == STAGE_TEMPERATURE && p->temperature > 0 &&
            (p->dynatemp_range <= 0 || p->temperature - p->dynatemp_range > 0)) continue;
        return 0;
    }
    return 1;
}

void emu_sort_pairs(uint64_t *kv, uint32_t m, uint64_t *tmp)
{
    if (m < 64) { /* insertion sort: stable, and cheaper than three passes */
        for (uint32_t t = 1; t < m; t++) {
            uint64_t v = kv[t];
            uint32_t u = t;
            for (; u > 0 && (kv[u - 1] >> 32) > (v >> 32); u--) kv[u] = kv[u - 1];
            kv[u] = v;
        }
        return;
    }
    uint64_t *a = kv, *b = tmp;
    for (int shift = 32; shift < 64; shift += 11) {
        uint32_t cnt[2048] = {0};
        for (uint32_t t = 0; t < m; t++) cnt[(a[t] >> shift) & 2047]++;
        uint32_t sum = 0;
        for (int d = 0; d < 2048; d++) { uint32_t c = cnt[d]; cnt[d] = sum; sum += c; }
        for (uint32_t t = 0; t < m; t++) b[cnt[(a[t] >> shift) & 2047]++] = a[t];
        uint64_t *x = a; a = b; b = x;
    }
    if (a != kv) memcpy(kv, a, (size_t)m * sizeof *kv); /* three passes: the result is in tmp */
}

/* kv[0..m) = (key << 32 | position) of out[base .. base + m) sorted by
 * descending logit, equal logits in position order; tmp is scratch of m */
static void sort_bucket(const struct ls_tok *out, uint32_t base, uint32_t m, uint64_t *kv, uint64_t *tmp)
{
    for (uint32_t t = 0; t < m; t++) kv[t] = (uint64_t)~emu_float_key(out[base + t].logit) << 32 | (base + t);
    emu_sort_pairs(kv, m, tmp);
}

/* bucket j's records as llama.cpp's own sort leaves them (emu_llama_bucket_upto) */
static void replay_bucket(const struct llama_buckets *b, int j)
{
    uint32_t above = 0;
    for (int i = 127; i > j; i--) above += b->histo[i];
    struct ls_tok *ptr = b->out + b->base[j];
    if (j > b->ib) stdsort_sort(ptr, b->histo[j]);
    else stdsort_partial(ptr, b->k - above, b->histo[j]);
}

/* The kept prefix [0, last) into e->a (and e->buf): bucket by bucket from
 * the top, in value order (kv), or as replayed for bucket jx. */
static void take(struct emu *e, const struct llama_buckets *b, const uint64_t *kv, uint32_t last, int jx)
{
    for (int j = 127; j >= b->ib; j--) {
        uint32_t base = b->base[j], m = b->histo[j];
        if (base >= last) break;
        if (m > last - base) m = last - base;
        if (j == jx) memcpy(e->a + base, b->out + base, (size_t)m * sizeof *e->a);
        else for (uint32_t t = 0; t < m; t++) e->a[base + t] = b->out[(uint32_t)kv[base + t]];
    }
    memcpy(e->buf, e->a, (size_t)last * sizeof *e->a);
}

uint32_t emu_llama_top_p_value(struct emu *e, struct llama_buckets *b, struct topp_scan *s, uint32_t from)
{
    int k = (int)(e->rep - e->r->stages);
    if (e->ws->reference || b->k != e->n || !order_unread_after(e, k)) return 0;
    for (uint32_t i = 0; i < e->n; i++) if (e->a[i].logit == -1.0 / 0.0) return 0;
    uint64_t *kv = (uint64_t *)(void *)e->v, *tmp = (uint64_t *)(void *)e->v2;
    uint32_t last = 0;
    int j = 127;
    for (; j >= b->ib && !last; j--) {
        uint32_t base = b->base[j], m = b->histo[j];
        if (m == 0) continue;
        sort_bucket(b->out, base, m, kv + base, tmp);
        if (base + m <= from) continue;
        for (uint32_t t = from > base ? from - base : 0; t < m; t++)
            if (topp_scan_at(e, s, &b->out[(uint32_t)kv[base + t]], base + t)) { last = base + t + 1; break; }
    }
    if (!last) last = e->n;
    int jx = -1;
    if (last < e->n) {
        j++; /* the bucket the scan stopped in */
        uint32_t end = b->base[j] + b->histo[j];
        /* a run of equal logits across the stop: which of them stay is the sort's choice */
        if (last < end && (kv[last - 1] >> 32) == (kv[last] >> 32)) { replay_bucket(b, j); jx = j; }
    }
    take(e, b, kv, last, jx);
    return last;
}
