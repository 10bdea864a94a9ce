/* nghash.h: open-addressing hash tables of fixed-width integer keys, the
 * counting structure behind BPE training (pairs, chunks) and the n-gram
 * model (contexts, n-grams).
 *
 * A table maps a key of `width` uint32 values (1..NGH_MAX_WIDTH) to one
 * uint32 value. Slots live in one flat array that doubles when 1/2 full;
 * iteration order is slot order, so callers that need a deterministic
 * order sort what they iterate. Nothing is ever removed.
 *
 *   struct nghash h; nghash_init(&h, 3, 1024);
 *   uint32_t *v = nghash_put(&h, key);   // inserts 0 when new; NULL on OOM
 *   if (v) (*v)++;
 *   const uint32_t *c = nghash_get(&h, key);   // NULL when absent
 *   nghash_free(&h);
 */
#ifndef LS_NGHASH_H
#define LS_NGHASH_H

#include <stddef.h>
#include <stdint.h>

#define NGH_MAX_WIDTH 8

struct nghash {
    uint32_t width;     /* key length in uint32 */
    size_t cap;         /* slots, a power of two */
    size_t n;           /* keys stored */
    uint32_t *keys;     /* cap * width */
    uint32_t *vals;     /* cap */
    uint8_t *used;      /* cap */
};

int nghash_init(struct nghash *h, uint32_t width, size_t cap_hint);
void nghash_free(struct nghash *h);
/* The value slot of key, inserted with value 0 when absent; NULL on OOM. */
uint32_t *nghash_put(struct nghash *h, const uint32_t *key);
/* The value slot of key, or NULL when absent. */
uint32_t *nghash_get(const struct nghash *h, const uint32_t *key);
/* Slot i's key (NULL when the slot is empty), for iteration over [0, cap). */
const uint32_t *nghash_key(const struct nghash *h, size_t i);
/* The hash of a key (also used to hash byte strings packed into uint32s). */
uint64_t nghash_mix(const uint32_t *key, uint32_t width);

#endif
