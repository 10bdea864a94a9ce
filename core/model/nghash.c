/* nghash.c: fixed-width integer-key hash tables (see nghash.h). */
#include "model/nghash.h"

#include <stdlib.h>
#include <string.h>

uint64_t nghash_mix(const uint32_t *key, uint32_t width)
{
    /* a multiply-xorshift per word: fast, and good enough for token ids,
     * which are small and dense */
    uint64_t h = 0x9E3779B97F4A7C15ull ^ width;
    for (uint32_t i = 0; i < width; i++) {
        h ^= key[i];
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    return h;
}

static int alloc_slots(struct nghash *h, size_t cap)
{
    h->keys = malloc(cap * h->width * sizeof *h->keys);
    h->vals = malloc(cap * sizeof *h->vals);
    h->used = calloc(cap, 1);
    h->cap = cap;
    h->n = 0;
    if (h->keys && h->vals && h->used) return 0;
    free(h->keys); free(h->vals); free(h->used);
    h->keys = NULL; h->vals = NULL; h->used = NULL;
    return -1;
}

int nghash_init(struct nghash *h, uint32_t width, size_t cap_hint)
{
    memset(h, 0, sizeof *h);
    if (width < 1 || width > NGH_MAX_WIDTH) return -1;
    h->width = width;
    size_t cap = 16;
    while (cap < 2 * cap_hint) cap *= 2;
    return alloc_slots(h, cap);
}

void nghash_free(struct nghash *h)
{
    free(h->keys); free(h->vals); free(h->used);
    memset(h, 0, sizeof *h);
}

static size_t find(const struct nghash *h, const uint32_t *key)
{
    size_t mask = h->cap - 1, i = (size_t)nghash_mix(key, h->width) & mask;
    while (h->used[i] && memcmp(h->keys + i * h->width, key, h->width * sizeof *key))
        i = (i + 1) & mask;
    return i;
}

static int grow(struct nghash *h)
{
    struct nghash old = *h;
    if (alloc_slots(h, old.cap * 2)) { *h = old; return -1; }
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.used[i]) continue;
        size_t j = find(h, old.keys + i * old.width);
        h->used[j] = 1;
        memcpy(h->keys + j * h->width, old.keys + i * old.width, h->width * sizeof *h->keys);
        h->vals[j] = old.vals[i];
        h->n++;
    }
    free(old.keys); free(old.vals); free(old.used);
    return 0;
}

uint32_t *nghash_put(struct nghash *h, const uint32_t *key)
{
    if (2 * (h->n + 1) > h->cap && grow(h)) return NULL;
    size_t i = find(h, key);
    if (!h->used[i]) {
        h->used[i] = 1;
        memcpy(h->keys + i * h->width, key, h->width * sizeof *key);
        h->vals[i] = 0;
        h->n++;
    }
    return &h->vals[i];
}

uint32_t *nghash_get(const struct nghash *h, const uint32_t *key)
{
    if (!h->cap) return NULL;
    size_t i = find(h, key);
    return h->used[i] ? &h->vals[i] : NULL;
}

const uint32_t *nghash_key(const struct nghash *h, size_t i)
{
    return i < h->cap && h->used[i] ? h->keys + i * h->width : NULL;
}
