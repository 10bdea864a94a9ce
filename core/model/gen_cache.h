/* gen_cache.h: the draw-ready results of a chain, remembered by the
 * logits they came from, so continuations that reach the same next-token
 * distribution do not run the chain on it again.
 *
 * Why it pays: N continuations of one prompt share their first step, and
 * an n-gram model's logits depend on the last few tokens only, so within
 * 8 x 64 tokens of JSON records a third or more of the steps meet logits
 * already seen (`make bench` prints the share). Why it is exact: when no
 * active stage reads the history or carried state (penalties, DRY, XTC's
 * per-position draw, mirostat's mu: gen_cache_usable), a chain's result is
 * a function of its logits, chain and parameters alone; an entry is found
 * by a hash of a sample of the logits and taken only when all V logits are
 * bit-identical (memcmp) and the chain and parameters equal those the
 * cache was filled under (any change empties it).
 *
 * What an entry holds is what a generation step reads: the survivors in
 * ascending id order, the draw's prefix sums over them (draw.h), each
 * survivor's final p and raw p. A hit draws with draw_token on the stored
 * sums: the same uniform, the same token, the same numbers as the chain.
 *
 * Memory: entries are carved from chunks of GEN_CACHE_CHUNK bytes kept
 * across clears (no allocation per step once warm), at most
 * GEN_CACHE_BYTES in all; when full the cache is emptied and refilled
 * (only speed depends on it).
 * Ownership: a gen_cache belongs to one gen_ws; nothing here is shared. */
#ifndef LS_GEN_CACHE_H
#define LS_GEN_CACHE_H

#include <stdint.h>
#include <stddef.h>
#include "sampling/chain.h"
#include "sampling/draw.h"

#define GEN_CACHE_BYTES (16u << 20)
#define GEN_CACHE_CHUNK (4u << 20)
/* Results keeping more than V / this many tokens are not remembered: a
 * chain that keeps nearly everything is a few vector passes (chain.c's
 * path), no dearer than copying its result; remembering it costs more in
 * a cold process than it saves. */
#define GEN_CACHE_KEPT_FRACTION 8u
#define GEN_CACHE_SLOTS 4096u      /* open addressing; at most half filled */

struct gen_cache_entry {
    uint64_t hash;
    uint32_t n_kept;
    float *z;                      /* the V logits (bit-exact key) */
    int32_t *kept;                 /* survivors, ascending id */
    double *cum, *p, *p_raw;       /* per survivor: prefix sum, final p, raw p */
};

struct gen_cache {
    uint32_t V;
    int filled;                    /* chain and params below are set */
    struct chain chain;
    struct params params;
    struct gen_cache_entry *slot[GEN_CACHE_SLOTS];
    uint32_t n;
    char *chunk[GEN_CACHE_BYTES / GEN_CACHE_CHUNK]; /* owned, kept across clears */
    uint32_t n_chunks, cur;        /* chunks allocated; the one being filled */
    size_t used;                   /* bytes used in chunk[cur] */
    uint64_t hits, misses;         /* counters for the bench */
};

/* The chain's result is a function of the logits alone under these settings. */
int gen_cache_usable(const struct chain *c, const struct params *p);
void gen_cache_init(struct gen_cache *k, uint32_t V);
/* Forget every entry (the chunks stay for reuse). */
void gen_cache_clear(struct gen_cache *k);
/* Clear and release the memory. */
void gen_cache_free(struct gen_cache *k);
/* Bind to the settings (empties the cache when they differ from its own). */
void gen_cache_bind(struct gen_cache *k, const struct chain *c, const struct params *p);
/* The entry for these logits, or NULL. */
const struct gen_cache_entry *gen_cache_find(struct gen_cache *k, const float *z);
/* Remember r (run on z) with its prefix sums d; silently skipped when out
 * of memory or when r keeps more than V / GEN_CACHE_KEPT_FRACTION. */
void gen_cache_put(struct gen_cache *k, const float *z, const struct chain_result *r, const struct draw_cdf *d);
/* Survivor position of token tok in e, or -1. */
int32_t gen_cache_pos(const struct gen_cache_entry *e, int32_t tok);

#endif
