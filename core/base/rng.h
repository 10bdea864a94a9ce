/* rng.h: the seeded PRNG behind every draw.
 *
 * xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/), state
 * seeded from a 64-bit seed with SplitMix64. Uniform doubles take the top 53
 * bits: u = (x >> 11) * 2^-53, in [0, 1). Integer-only arithmetic, so the
 * same seed yields the same stream on every machine.
 *
 *   struct rng g; rng_seed(&g, 42); double u = rng_uniform(&g);
 */
#ifndef LS_RNG_H
#define LS_RNG_H

#include <stdint.h>

struct rng { uint64_t s[4]; };

#define LS_DEFAULT_SEED 42u

void rng_seed(struct rng *g, uint64_t seed);

/* inline: a loop of draws (the explorer's 10,000) keeps the state in
 * registers instead of a call and four loads and stores a draw */
static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(struct rng *g)
{
    uint64_t *s = g->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

static inline double rng_uniform(struct rng *g)
{
    return (double)(rng_next(g) >> 11) * 0x1.0p-53;
}

#endif
