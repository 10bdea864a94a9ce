/* emu_fsum.h: llama.cpp's sequential sums over the candidates in
 * descending value order (its sorted softmax's float cum_sum, temp-ext's
 * float entropy, and emu_run's double masses over a sorted array) without
 * sorting the vocabulary (owner: hD; emu_fsum.c).
 *
 * Units: values are logits in nats (float); terms are unnormalised
 * weights (expf(y - my), exp(y - my)), entropy terms in nats (-p logf p)
 * or raw probabilities. */
#ifndef LS_EMU_FSUM_H
#define LS_EMU_FSUM_H

#include <stdint.h>

/* The logits z >= thr of a step, grouped by value: bucket b holds the
 * values of the b-th slice of [lo, mz], slices from the top down; inside
 * a bucket in any order (a sum reads a bucket's order only where it must,
 * and sorts it first). y: the same logits after a temperature's float
 * division (y[j] = z[j] / T; y = z before one). */
struct fsum_groups {
    float *z, *y;       /* the grouped values, bucket by bucket (n of them) */
    uint32_t *at;       /* bucket b is [at[b], at[b + 1]) (nb + 1 entries) */
    double *est;        /* scratch of n: exp(y - my) estimates, [0, est_upto) */
    double *west;       /* scratch of n (or NULL): exp(z - mz) as the raw softmax has them */
    uint32_t *tmp;      /* scratch of n: sorting */
    uint32_t n, nb, est_upto, west_upto;
    uint32_t sorted_b;  /* buckets [0, sorted_b) are sorted (descending) */
    float mz, my, lo;   /* the largest z, the largest y, the smallest grouped z */
    float T;            /* the division (1: none) */
};

/* Group the z[i] >= thr (z[0..V) finite, mz their maximum) into zv (room
 * for V), at (room for cap >= 3 entries: nb + 2 of them, bucket b's
 * values [at[b], at[b + 1]) in id order; the rest of at is scratch, and
 * with cap >= 16 the bucket count nb is at most (cap - 6) / 5); est and
 * tmp: scratch of V. */
void fsum_group(struct fsum_groups *g, const float *z, uint32_t V, float mz, double thr, float *zv,
                uint32_t *at, uint32_t cap, double *est, uint32_t *tmp);
/* The same as three buckets (inside each any order): the z[i] >= thr[0]
 * (mz their maximum, among them), the z[i] in [thr[1], thr[0]), those in
 * [thr[2], thr[1]); the others left out (thr[2] = -inf: none). For a sum that stays in one binade once the first is
 * added, its later terms too small to cross it or to be a tie but
 * rarely: then nothing is sorted but the first; else a later bucket is
 * sorted whole. zv: room for V; at: 4 entries; tmp (room for V) is also
 * scratch here. */
void fsum_group3(struct fsum_groups *g, const float *z, uint32_t V, const double thr[3], float mz, float *zv,
                 uint32_t *at, double *est, uint32_t *tmp);
/* y = z / T in float into yv (room for n), T > 0 (temp-ext's division):
 * the grouping holds (a float division by T > 0 keeps the order). est:
 * scratch of V for y's estimates (z's are kept for fsum_raw). */
void fsum_divide(struct fsum_groups *g, float T, float *yv, double *est);
/* llama.cpp's sorted-softmax sum: c = 0, then c += expf(y - my) in float,
 * y in descending order. The values left out of the groups must weigh
 * less than 2^-24 each (half an ulp of 1, the first term). */
float fsum_exp(struct fsum_groups *g);
/* temp-ext's entropy: h = 0, then h -= p * logf(p) in float for each
 * p = expf(y - my) / cum > 0, in descending order; the values left out
 * must have expf(y - my) = 0. */
float fsum_entropy(struct fsum_groups *g, float cum);
/* emu_run's double masses over an array sorted by value with its first m
 * kept: S = sum of exp(y - my) (libm's) over every position, rem = the
 * same from position m on, raw = the raw softmax's p of z (its vector exp
 * of z - mz divided by raw_sum) from m on, each a sequential double sum
 * in descending order, into out[0..3) (after fsum_divide: z's estimates
 * are the raw weights). The values left out must weigh less than half an
 * ulp of each result (the caller checks). */
void fsum_masses(struct fsum_groups *g, uint32_t m, double raw_sum, double out[3]);
/* emu_run's final sum over an array sorted by value that keeps every
 * value: s = 0, then s += exp(y - my) (libm's) in double, y in descending
 * order. The values left out must weigh less than half an ulp of 1 (the
 * first term) each. */
double fsum_dexp(struct fsum_groups *g);
/* Sort the buckets that hold positions [0, upto) (descending). */
void fsum_sort_upto(struct fsum_groups *g, uint32_t upto);

/* emu_trim_dynatemp.c: temp-ext's dynamic T for the untouched logits z
 * (every one finite) with its note, the logits divided by it into e->yf
 * and grouped by value into g (for mirostat's sorted sum); 0 when the
 * whole array must run instead (the note may have been written). */
struct emu;
float emu_dynatemp_groups(struct emu *e, const float *z, struct fsum_groups *g);

#endif
