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
#include "sampling/emu.h"

#include <string.h>

/* Only min-p without min-keep and a positive temperature run after
 * chain position k (emu_run's later[k]) */
static int order_unread_after(const struct emu *e, int k)
{
    const struct params *p = e->p;
    unsigned later = e->later[k], ok = 1u << STAGE_MIN_P | 1u << STAGE_TEMPERATURE;
    if (later & ~ok) return 0;
    if ((later & 1u << STAGE_MIN_P) && p->min_keep > 1) return 0;
    if ((later & 1u << STAGE_TEMPERATURE) &&
        !(p->temperature > 0 && (p->dynatemp_range <= 0 || p->temperature - p->dynatemp_range > 0)))
        return 0;
    return 1;
}

/* kv[0..m) = (key << 32 | position) of out[base .. base + m), keys in
 * descending logit order */
static void bucket_keys(const struct ls_tok *out, uint32_t base, uint32_t m, uint64_t *kv)
{
    for (uint32_t t = 0; t < m; t++) kv[t] = (uint64_t)~emu_float_key(out[base + t].logit) << 32 | (base + t);
}

/* A large bucket is sorted in two parts when the scan is likely to stop
 * early in it: kv[0..c) the keys of the first bins (2048 bins over its key
 * range) that hold the mass the float sum still needs, with room to spare
 * (the returned c), and kv[c..m) the rest, unsorted: every key of the rest
 * is larger (a later value) than every key of the first part, and equal
 * keys share a bin, so sorting the rest later and appending it leaves the
 * order one sort of the whole would; m when not worth it. */
#define SPLIT_MIN 16384
static uint32_t split_bucket(const struct ls_tok *out, uint64_t *kv, uint32_t m, double need, uint64_t *tmp)
{
    if (m < SPLIT_MIN) return m;
    uint32_t kmin = UINT32_MAX, kmax = 0, c = 0, r = 0;
    for (uint32_t t = 0; t < m; t++) {
        uint32_t k = (uint32_t)(kv[t] >> 32);
        if (k < kmin) kmin = k;
        if (k > kmax) kmax = k;
    }
    int sh = 0;
    while (((kmax - kmin) >> sh) >= 2048) sh++;
    double mass[2048] = {0};
    for (uint32_t t = 0; t < m; t++) mass[((uint32_t)(kv[t] >> 32) - kmin) >> sh] += out[(uint32_t)kv[t]].p;
    double acc = 0.0;
    uint32_t cut = 0;
    while (cut < 2047 && acc < need) acc += mass[cut++];
    if (cut >= 2047 || cut > ((kmax - kmin) >> sh)) return m;
    for (uint32_t t = 0; t < m; t++) { /* stable: each part keeps position order */
        if ((((uint32_t)(kv[t] >> 32) - kmin) >> sh) <= cut) kv[c++] = kv[t];
        else tmp[r++] = kv[t];
    }
    memcpy(kv + c, tmp, (size_t)r * sizeof *kv);
    return c;
}

/* Scan positions [base + lo, base + hi) of kv (sorted) from `from` on;
 * the stop (position + 1) or 0 */
static uint32_t scan(struct emu *e, const struct llama_buckets *b, struct topp_scan *s, const uint64_t *kv,
                     uint32_t base, uint32_t lo, uint32_t hi, uint32_t from)
{
    for (uint32_t t = from > base + lo ? from - base : lo; t < hi; t++)
        if (topp_scan_at(e, s, &b->out[(uint32_t)kv[base + t]], base + t)) return base + t + 1;
    return 0;
}

/* Bucket j in value order as far as the scan reads it; the stop or 0 */
static uint32_t scan_bucket(struct emu *e, const struct llama_buckets *b, struct topp_scan *s, uint64_t *kv,
                            uint64_t *tmp, int j, uint32_t from)
{
    uint32_t base = b->base[j], m = b->histo[j], last;
    bucket_keys(b->out, base, m, kv + base);
    /* the mass the float sum still needs, doubled, and a margin for its rounding */
    double need = 2.0 * ((double)s->P - (double)s->cum) + 1e-3;
    uint32_t c = base + m <= from ? m : split_bucket(b->out, kv + base, m, need, tmp);
    emu_sort_pairs(kv + base, c, tmp);
    if (base + m <= from) return 0;
    if ((last = scan(e, b, s, kv, base, 0, c, from)) || c == m) return last;
    emu_sort_pairs(kv + base + c, m - c, tmp);
    return scan(e, b, s, kv, base, c, m, from);
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
    for (; j >= b->ib && !last; j--)
        if (b->histo[j]) last = scan_bucket(e, b, s, kv, tmp, j, from);
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
