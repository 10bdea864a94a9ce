/* seqsum.h: the bits of a plain sequential double sum
 *
 *     s = 0.0; for (i = 0; i < n; i++) if (taken(i)) s += x[i];
 *
 * computed in vector blocks instead of one long chain of dependent adds
 * (about 4 cycles a term), so that the stage masses and sums the chain
 * reports keep their exact bits at a fraction of the cost.
 *
 * Why it is exact: while the running sum s stays in one binade
 * [2^e, 2^(e+1)), every double there is a multiple of g = 2^(e-52), so
 * s + x rounds to s + (x rounded to a multiple of g), ties aside. For
 * x >= 0 the running sum only grows, so a block whose rounded terms keep
 * s below 2^(e+1) never left the binade: its terms may be rounded
 * independently (in vector lanes, as (x + 2^e) - 2^e) and their sum, a
 * multiple of g below 2^(e+1), is exact in any order. A block with a term
 * exactly half way between multiples (its rounding follows the parity of
 * s), a negative or non-finite term, or a sum that leaves the binade runs
 * the scalar loop instead; so does the start (s = 0, or tiny). The vector
 * blocks are AVX-512's; other paths run the loop itself.
 *
 * Estimated terms: a source may give x_i only within a bound (|true -
 * est| <= rel * est + abs) with a function for the true value. A term
 * whose whole interval rounds to one multiple needs nothing more; the
 * others (a few per step) are asked for their true value. Units: none
 * (the caller's). */
#ifndef LS_SEQSUM_H
#define LS_SEQSUM_H

#include <stddef.h>
#include <stdint.h>

struct seqsum_src {
    const double *v;       /* the terms are v[i] * mul */
    const uint8_t *take;   /* NULL: every i; else the i where (take[i] == key) == eq:
                              key 0, eq 0 (the default) take the i with take[i] != 0 */
    double mul;            /* 1: v itself */
    double rel, abs;       /* 0, 0: the terms are exact; else est = v[i] * mul is
                              within rel * est + abs of the true term */
    double (*exact)(void *ctx, uint32_t i); /* the true term i (rel or abs nonzero) */
    void *ctx;
    uint8_t key, eq;       /* the selection by take (one mask byte array serves
                              several sums: each its code, or all but one) */
    /* the true terms of the lanes in mask (bit l: term i + l) into
     * out[l], the 8 terms i..i+7 all valid positions; NULL: exact per
     * lane. A vector pass meets runs of flagged lanes (its early blocks,
     * where the terms are as large as the sum, flag nearly every lane):
     * one call for the vector instead of a call per lane. */
    void (*exact8)(void *ctx, uint32_t i, unsigned mask, double *out);
};

/* The source of exact terms v[i] over the i with take[i] != 0 (take
 * NULL: every i). */
static inline struct seqsum_src seqsum_exact_src(const double *v, const uint8_t *take)
{
    struct seqsum_src s = { v, take, 1.0, 0.0, 0.0, NULL, NULL, 0, 0, NULL };
    return s;
}

/* src over the i with take[i] == key (eq 1) or != key (eq 0) instead */
static inline struct seqsum_src seqsum_select(struct seqsum_src src, uint8_t key, int eq)
{
    src.key = key;
    src.eq = (uint8_t)(eq != 0);
    return src;
}

/* The sequential sum of the source's terms over i < n, in index order, to
 * the bit. Terms may be negative or non-finite (those blocks run the
 * scalar loop). */
double seqsum(const struct seqsum_src *src, uint32_t n);

/* Several sums over one array at once (src[k].v the same array for every
 * k; their masks, factors and bounds their own), sharing its loads: the
 * sum of src[k] into out[k], for k < m <= SEQSUM_MAX. */
#define SEQSUM_MAX 4
void seqsum_many(const struct seqsum_src *src, int m, uint32_t n, double *out);

/* The same for exact terms x[0..n). */
double seqsum_plain(const double *x, uint32_t n);

#endif
