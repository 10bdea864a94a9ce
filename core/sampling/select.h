/* select.h: selection primitives under the stages and the top-N list.
 *
 * Nothing here sorts a whole vocabulary: a sampled threshold prefilters,
 * quickselect finds a k-th value, a bounded heap orders the n best, a mass
 * histogram narrows a cumulative-mass boundary to one bucket, and a
 * mass-accounting quickselect finds the token that crosses it. Rank order
 * everywhere is "higher value first, then lower index" (select_before).
 * Values are doubles (logits or unnormalised probabilities); indices are
 * int32 positions or token ids. No allocation; callers pass scratch. */
#ifndef LS_SELECT_H
#define LS_SELECT_H

#include <stdint.h>

/* a ranks before b: higher t, then lower index */
static inline int select_before(const double *t, int32_t a, int32_t b)
{
    return t[a] > t[b] || (t[a] == t[b] && a < b);
}

/* Prefilter for picking the k largest of n values without looking at all of
 * them twice: get(ctx, i) reads value i; SELECT_SAMPLE values sampled evenly
 * give a threshold that very likely lies below the k-th largest (the sorted
 * sample's value at rank 2 floor(kS/n) + 4). Returns 0 when k is not small
 * against n (then use every value). Callers must still handle "fewer than k passed". */
#define SELECT_SAMPLE 2048
typedef double (*select_get_fn)(const void *ctx, uint32_t i);
int select_sample_threshold(select_get_fn get, const void *ctx, uint32_t n, uint32_t k, double *thr);

/* The same sample of float logits read once for several k (the chain's
 * first pass asks for two thresholds of one step: its first top-k's and
 * the top list's), and read directly rather than through a call per
 * value (4096 indirect calls cost ~15 us a step at V = 131072). Values
 * read as (double)z, a non-finite one as -inf. Fill it lazily: set
 * have = 0 and n, z; select_sample_floats_rank reads the sample on its
 * first call that needs it, with each stripe's maximum (a small rank is
 * then found among the few stripes that can hold it), and gives
 * select_sample_threshold's answer over a get returning those values
 * (the same value; an equal zero's sign aside, which no comparison sees). */
#define SELECT_STRIPES 128 /* value i in stripe i mod 128; divides SELECT_SAMPLE */
struct select_sample {
    const float *z;
    uint32_t n;
    int have;
    double v[SELECT_SAMPLE];
    double smax[SELECT_STRIPES]; /* each stripe's largest value */
};
int select_sample_floats_rank(struct select_sample *s, uint32_t k, double *thr);

/* k-th largest (0-based) of v[0..n) by quickselect; reorders v. O(n). */
double select_kth_largest(double *v, uint32_t n, uint32_t k);

/* The K best of the tokens ids[0..c) (ascending ids) by (z desc, id asc),
 * sorted, into out[0..K); every z[ids[j]] finite, at most zmax.
 * A histogram of the distances below zmax narrows them to the few in the
 * top buckets (every token of a lower bucket ranks after every one of a
 * higher: equal values share a bucket), which are sorted by one integer
 * key each: O(c) with no data-dependent branch but the few inserts.
 * Returns 0 when the few are too many (ties, a flat range, K > 128) or
 * c > 1024: nothing written then. */
#define SELECT_BEST_MAX 128
int select_best_floats(const float *z, const int32_t *ids, uint32_t c, double zmax, uint32_t K, int32_t *out);

/* The n best indices of p[0..V) with p >= thr, in rank order, by a bounded
 * heap: O(V log n). Returns how many were written to out (< n when fewer
 * than n pass thr). */
uint32_t select_top(const double *p, uint32_t V, double thr, uint32_t n, int32_t *out);

/* Mass histogram: ids[0..n) bucketed by (zmax - z[id]) * scale, i.e. by
 * distance below the maximum logit (SELECT_NB buckets, the last one
 * open-ended); a bucket's tokens all rank after those of the buckets above.
 * Finds the bucket where the cumulative weight q[id] first reaches
 * frac * total; *before is the weight of the buckets above it. ids NULL:
 * the tokens 0..n-1. */
#define SELECT_NB 256
struct select_band {
    int bucket;
    double total, target, before;
};
struct select_band select_mass_band(const int32_t *ids, uint32_t n, const float *z, const double *q,
                                    double zmax, double scale, double frac);
/* The same with the target given (target >= 0; frac unused): for a subset
 * of the tokens whose buckets above the band are complete. */
struct select_band select_mass_band_to(const int32_t *ids, uint32_t n, const float *z, const double *q,
                                       double zmax, double scale, double frac, double target);
static inline int select_bucket_of(double zmax, double z, double scale)
{
    double d = (zmax - z) * scale;
    return d < SELECT_NB - 1 ? (int)d : SELECT_NB - 1;
}

/* The element of pos[0..n) (indices into t) at which the cumulative t, in
 * rank order, first reaches target. Reorders pos; expected O(n), only a
 * small final range is sorted. If rounding keeps the sum below target, the
 * last-ranked element of the final range. */
int32_t select_mass_crossing(int32_t *pos, uint32_t n, const double *t, double target);

#endif
