/* vmath_prob.h: vmath.c's passes over a double probability vector: the
 * entropy terms (vm_entropy_terms) and the counts above a value, with or
 * without collecting the ids at or above a threshold (vm_count_above*).
 * Internal to vmath.c, which includes it once after vmath_lanes.h and
 * instantiates them per path (VM_PATH); not an API.
 *
 * Same answer on every path: the entropy terms are the scalar expression's
 * IEEE operations per lane (no contraction under -std=c11), W lanes a turn
 * (8 on AVX-512, 4 elsewhere); the counts are integers and the collected
 * ids come in index order whatever the width. */
#ifndef LS_VMATH_PROB_H
#define LS_VMATH_PROB_H

#include "base/vmath_lanes.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <stdint.h>
#include <string.h>

/* t[i] = p_i * (lnS - ((z_i - off) * invT)). A p_i of 0 gives a zero
 * term, which leaves a sum of them as it was (a sum started at +0 never
 * turns -0), as skipping it does: z and the factors are finite here. */
#define ENTROPY_TERMS_BODY(VF, VD, W)                                                      \
    uint32_t i = 0;                                                                       \
    for (; i + (W) <= n; i += (W)) {                                                      \
        VF f;                                                                             \
        VD pv;                                                                            \
        memcpy(&f, z + i, sizeof f);                                                      \
        memcpy(&pv, p + i, sizeof pv);                                                    \
        VD y = pv * (lnS - ((__builtin_convertvector(f, VD) - off) * invT));              \
        memcpy(t + i, &y, sizeof y);                                                      \
    }                                                                                     \
    for (; i < n; i++) t[i] = p[i] * (lnS - (((double)z[i] - off) * invT));

INLINE void terms4(const double *p, const float *z, uint32_t n, double off, double invT, double lnS, double *t)
{
    ENTROPY_TERMS_BODY(v4f, v4d, 4)
}

INLINE void terms8(const double *p, const float *z, uint32_t n, double off, double invT, double lnS, double *t)
{
    ENTROPY_TERMS_BODY(v8f, v8d, 8)
}

/* How many of p[lo..hi) are above pt (or equal, with eq), and the ids
 * with p >= thr appended to ids (ids NULL: none; *m counts past cap, the
 * caller then falls back). Four lanes a turn, each lane's count in an
 * int64 (a compare gives -1 per hit); two vectors a turn when collecting,
 * the collecting branch only where one of their values passes. */
INLINE uint32_t count_above4(const double *p, uint32_t lo, uint32_t hi, double pt, int eq, double thr,
                             int32_t *ids, uint32_t *m, uint32_t cap)
{
    v4l c = {0};
    uint32_t i = lo, n = 0;
    for (; !ids && i + 4 <= hi; i += 4) {
        v4d v;
        memcpy(&v, p + i, sizeof v);
        c -= eq ? (v >= pt) : (v > pt);
    }
    for (; ids && i + 8 <= hi; i += 8) {
        v4d a, b;
        memcpy(&a, p + i, sizeof a);
        memcpy(&b, p + i + 4, sizeof b);
        c -= eq ? (a >= pt) : (a > pt);
        c -= eq ? (b >= pt) : (b > pt);
        v4l g = (a >= thr) | (b >= thr);
        if (!(g[0] | g[1] | g[2] | g[3])) continue;
        for (uint32_t j = i; j < i + 8; j++)
            if (p[j] >= thr) { if (*m < cap) ids[*m] = (int32_t)j; ++*m; }
    }
    for (; i < hi; i++) {
        n += eq ? p[i] >= pt : p[i] > pt;
        if (ids && p[i] >= thr) { if (*m < cap) ids[*m] = (int32_t)i; ++*m; }
    }
    return n + (uint32_t)(c[0] + c[1] + c[2] + c[3]);
}

/* The sum of one block of k values (k <= B): two 4-lane chains over its
 * whole vectors of 8, added in one fixed order, then the rest one by one.
 * A block's sum in block_sums4's (and so the draws' prefix's) bits. */
INLINE double block_one4(const double *p, size_t k)
{
    size_t j = 0;
    v4d a0 = {0}, a1 = {0};
    for (; j + 8 <= k; j += 8) {
        v4d x, y;
        memcpy(&x, p + j, sizeof x);
        memcpy(&y, p + j + 4, sizeof y);
        a0 += x;
        a1 += y;
    }
    v4d a = a0 + a1;
    double t = (a[0] + a[1]) + (a[2] + a[3]);
    for (; j < k; j++) t += p[j];
    return t;
}

/* pre[b + 1] = pre[b] + the sum of p[b B .. b B + B) for each block b of
 * B values (B a multiple of 8; the last block may be short), pre[0] = 0:
 * each block's sum in two 4-lane chains added in one fixed order, the
 * same bits on every path (a prefix for draws certified by an error bound
 * that holds for any order: draw_blocks.c) */
INLINE void block_sums4(const double *p, size_t n, size_t B, double *pre)
{
    double s = 0.0;
    pre[0] = 0.0;
    for (size_t i = 0, b = 0; i < n; i += B, b++) {
        s += block_one4(p + i, n - i < B ? n - i : B);
        pre[b + 1] = s;
    }
}

/* block_sums4's prefix made a stretch at a time by a pass that writes p
 * (its quotients still in L1): blk_to adds every block that ends at or
 * before upto (at the end of the pass, the short last one too) */
struct blk_run {
    size_t B, done, b; /* block length, values summed, blocks written */
    double run, *pre;  /* the running prefix (block_sums4's s) and its array */
};

INLINE struct blk_run blk_start(size_t B, double *pre)
{
    if (pre) pre[0] = 0.0;
    return (struct blk_run){ B, 0, 0, 0.0, pre };
}

#define BLK_TO(NAME, ATTR, ONE)                                                                  \
ATTR INLINE void NAME(struct blk_run *br, const double *p, size_t upto, int last)                \
{                                                                                                \
    while (br->pre && (br->done + br->B <= upto || (last && br->done < upto))) {                 \
        size_t k = upto - br->done < br->B ? upto - br->done : br->B;                             \
        br->run += ONE(p + br->done, k);                                                          \
        br->pre[++br->b] = br->run;                                                              \
        br->done += k;                                                                           \
    }                                                                                            \
}
BLK_TO(blk_to4, , block_one4)

#if defined(__x86_64__) && defined(__GNUC__)
/* block_one4 in 8-lane vectors: lanes 0-3 are its chain a0 and lanes 4-7
 * its a1 (the same adds in the same order), then a0 + a1 and the lanes
 * as it adds them, then the rest one by one: full-width loads */
TARGET_512 INLINE double block_one8(const double *a, size_t k)
{
    __m512d acc = _mm512_setzero_pd();
    size_t j = 0;
    for (; j + 8 <= k; j += 8) acc = _mm512_add_pd(acc, _mm512_loadu_pd(a + j));
    v4d x = (v4d)_mm512_castpd512_pd256(acc), y = (v4d)_mm512_extractf64x4_pd(acc, 1), t = x + y;
    double s = (t[0] + t[1]) + (t[2] + t[3]);
    for (; j < k; j++) s += a[j];
    return s;
}
BLK_TO(blk_to8, TARGET_512, block_one8)

/* a whole block of 32 whose block_one8 accumulator a a pass formed in
 * registers (the same adds from 0 in the same order): its lanes added as
 * block_one8 adds them, into br's prefix */
TARGET_512 INLINE void blk_push8(struct blk_run *br, __m512d a)
{
    v4d x = (v4d)_mm512_castpd512_pd256(a), y = (v4d)_mm512_extractf64x4_pd(a, 1), t = x + y;
    br->run += (t[0] + t[1]) + (t[2] + t[3]);
    br->pre[++br->b] = br->run;
    br->done += 32;
}

/* count_above4 on AVX-512 masks: a compare into a mask and a popcount per
 * 8 values, the collecting branch only where a mask of p >= thr has a
 * lane (the same count, the same ids in the same order) */
TARGET_512 INLINE uint32_t count_above8(const double *p, uint32_t lo, uint32_t hi, double pt, int eq, double thr,
                                        int32_t *ids, uint32_t *m, uint32_t cap)
{
    const __m512d P = _mm512_set1_pd(pt), TH = _mm512_set1_pd(thr);
    uint32_t i = lo, n = 0;
    for (; i + 8 <= hi; i += 8) {
        __m512d v = _mm512_loadu_pd(p + i);
        __mmask8 a = eq ? _mm512_cmp_pd_mask(v, P, _CMP_GE_OQ) : _mm512_cmp_pd_mask(v, P, _CMP_GT_OQ);
        n += (uint32_t)__builtin_popcount((unsigned)a);
        if (!ids) continue;
        unsigned g = _mm512_cmp_pd_mask(v, TH, _CMP_GE_OQ);
        for (; g; g &= g - 1) {
            if (*m < cap) ids[*m] = (int32_t)(i + (uint32_t)__builtin_ctz(g));
            ++*m;
        }
    }
    return n + count_above4(p, i, hi, pt, eq, thr, ids, m, cap);
}
#endif

#endif
