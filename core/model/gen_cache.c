/* gen_cache.c: chain results remembered by their logits (gen_cache.h). */
#include "model/gen_cache.h"
#include "sampling/params_table.h"

#include <stdlib.h>
#include <string.h>

int gen_cache_usable(const struct chain *c, const struct params *p)
{
    static const enum stage_kind history[] = { STAGE_PENALTIES, STAGE_DRY, STAGE_XTC, STAGE_MIROSTAT };
    for (size_t i = 0; i < sizeof history / sizeof history[0]; i++)
        if (chain_uses(c, p, history[i])) return 0;
    return 1;
}

void gen_cache_init(struct gen_cache *k, uint32_t V)
{
    memset(k, 0, sizeof *k);
    k->V = V;
}

void gen_cache_clear(struct gen_cache *k)
{
    if (k->n) memset(k->slot, 0, sizeof k->slot);
    k->n = 0;
    k->cur = 0;
    k->used = 0;
}

void gen_cache_free(struct gen_cache *k)
{
    gen_cache_clear(k);
    for (uint32_t i = 0; i < k->n_chunks; i++) free(k->chunk[i]);
    k->n_chunks = 0;
}

/* need bytes (a multiple of 8) from the chunks; NULL when the budget is
 * spent (the caller clears and asks again) or out of memory */
static void *carve(struct gen_cache *k, size_t need)
{
    if (need > GEN_CACHE_CHUNK) return NULL;
    if (k->used + need > GEN_CACHE_CHUNK) { k->cur++; k->used = 0; }
    if (k->cur >= GEN_CACHE_BYTES / GEN_CACHE_CHUNK) return NULL;
    if (k->cur >= k->n_chunks) {
        char *c = malloc(GEN_CACHE_CHUNK);
        if (!c) return NULL;
        k->chunk[k->n_chunks++] = c;
    }
    void *p = k->chunk[k->cur] + k->used;
    k->used += need;
    return p;
}

/* field by field: padding bytes are not part of a setting */
static int same_chain(const struct chain *a, const struct chain *b)
{
    if (a->preset != b->preset || a->n != b->n || a->topk_ties != b->topk_ties || a->exact != b->exact) return 0;
    if (memcmp(&a->greedy_below, &b->greedy_below, sizeof a->greedy_below) ||
        memcmp(&a->temp_floor, &b->temp_floor, sizeof a->temp_floor)) return 0;
    for (int i = 0; i < a->n; i++) if (a->order[i] != b->order[i]) return 0;
    return 1;
}

void gen_cache_bind(struct gen_cache *k, const struct chain *c, const struct params *p)
{
    if (k->filled && same_chain(&k->chain, c) && params_same(&k->params, p, 1)) return;
    gen_cache_clear(k);
    k->chain = *c;
    k->params = *p;
    k->filled = 1;
}

/* 64 logits spread over the vocabulary and V: enough to spread distinct
 * steps over the slots; equality is decided by the full memcmp */
static uint64_t hash_of(const float *z, uint32_t V)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ V;
    uint32_t stride = V > 64 ? V / 64 : 1;
    for (uint32_t i = 0; i < V; i += stride) {
        uint32_t u;
        memcpy(&u, &z[i], sizeof u);
        h = (h ^ u) * 0x100000001B3ull;
        h ^= h >> 29;
    }
    return h;
}

const struct gen_cache_entry *gen_cache_find(struct gen_cache *k, const float *z)
{
    uint64_t h = hash_of(z, k->V);
    for (uint32_t s = (uint32_t)h % GEN_CACHE_SLOTS;; s = (s + 1) % GEN_CACHE_SLOTS) {
        const struct gen_cache_entry *e = k->slot[s];
        if (!e) break;
        if (e->hash == h && !memcmp(e->z, z, k->V * sizeof *z)) { k->hits++; return e; }
    }
    k->misses++;
    return NULL;
}

void gen_cache_put(struct gen_cache *k, const float *z, const struct chain_result *r, const struct draw_cdf *d)
{
    uint32_t m = r->n_kept;
    if (m > k->V / GEN_CACHE_KEPT_FRACTION) return;
    size_t need = sizeof(struct gen_cache_entry) + (size_t)k->V * sizeof(float) + (size_t)m * (sizeof(int32_t) + 3 * sizeof(double));
    need = (need + 7) & ~(size_t)7;
    if (k->n + 1 > GEN_CACHE_SLOTS / 2) gen_cache_clear(k);
    struct gen_cache_entry *e = carve(k, need);
    if (!e) { gen_cache_clear(k); e = carve(k, need); }
    if (!e) return;
    /* one block: doubles first after the header (alignment), then ids, then logits */
    e->cum = (double *)(e + 1);
    e->p = e->cum + m;
    e->p_raw = e->p + m;
    e->kept = (int32_t *)(e->p_raw + m);
    e->z = (float *)(e->kept + m);
    e->hash = hash_of(z, k->V);
    e->n_kept = m;
    memcpy(e->z, z, (size_t)k->V * sizeof *z);
    memcpy(e->kept, r->kept, (size_t)m * sizeof *e->kept);
    memcpy(e->cum, d->cum, (size_t)m * sizeof *e->cum);
    for (uint32_t j = 0; j < m; j++) { e->p[j] = r->p[r->kept[j]]; e->p_raw[j] = r->p_raw[r->kept[j]]; }
    uint32_t s = (uint32_t)e->hash % GEN_CACHE_SLOTS;
    while (k->slot[s]) s = (s + 1) % GEN_CACHE_SLOTS;
    k->slot[s] = e;
    k->n++;
}

int32_t gen_cache_pos(const struct gen_cache_entry *e, int32_t tok)
{
    uint32_t lo = 0, hi = e->n_kept;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e->kept[mid] < tok) lo = mid + 1; else hi = mid;
    }
    return lo < e->n_kept && e->kept[lo] == tok ? (int32_t)lo : -1;
}
