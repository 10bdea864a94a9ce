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
uint64_t rng_next(struct rng *g);
double rng_uniform(struct rng *g);

#endif
