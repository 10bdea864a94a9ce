/* vmath_float.h: vmath.c's float32 kernels: the first scan (max, argmax,
 * non-finite count, collection above a threshold), the counts and
 * collections, and the certified float32 exp sums (vm_expf_sum*); the
 * scan with the rank lists is vmath_rank.h's. Internal
 * to vmath.c, which includes it once after vmath_double.h and instantiates
 * them per path (VM_PATH); not an API. */
#ifndef LS_VMATH_FLOAT_H
#define LS_VMATH_FLOAT_H

#include "base/vmath.h"
#include "base/vmath_double.h"

#include <math.h>

/* the smallest float f with (double)f >= thr: z >= f iff (double)z >= thr */
static float float_at_or_above(double thr)
{
    float f = (float)thr;
    if (isnan(thr)) return NAN;
    if ((double)f < thr) f = nextafterf(f, INFINITY);
    return f;
}

/* the largest float f with (double)f <= thr: |z| > thr iff |z| > f */
static float float_at_or_below(double thr)
{
    float f = (float)thr;
    if ((double)f > thr) f = nextafterf(f, -INFINITY);
    return f;
}

/* The float passes (scan, non-finite count, collect, clipping count, float
 * division), written once over W-lane float vectors: 4 lanes on the
 * baseline, 8 with AVX2, 16 with AVX-512. They compare, count and divide
 * per lane, so every width gives the same result. */
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

#define TARGET_AVX2 __attribute__((target("avx2,fma"))) /* no contraction under -std=c11: fma only where asked */

/* The lanes of a compare result as bits (lane k: bit k). One instruction
 * on x86 (GCC otherwise moves the lanes out one by one); the baseline
 * builds them from the lanes. */
INLINE unsigned maskbits4(v4i m)
{
    unsigned b = 0;
    for (int k = 0; k < 4; k++) b |= (m[k] != 0) << k;
    return b;
}
#if defined(__x86_64__) && defined(__GNUC__)
TARGET_AVX2 INLINE unsigned maskbits8(v8i m) { return (unsigned)_mm256_movemask_ps((__m256)m); }
TARGET_512 INLINE unsigned maskbits16(v16i m) { return (unsigned)_mm512_movepi32_mask((__m512i)m); }
#endif

/* max(a, b) per lane as a > b ? a : b (x86's maxps: b when either is
 * NaN), the compare-and-select scan##W's slow pass makes */
INLINE v4f maxf4(v4f a, v4f b) { v4i m = a > b; return (v4f)(((v4i)a & m) | ((v4i)b & ~m)); }
#if defined(__x86_64__) && defined(__GNUC__)
TARGET_AVX2 INLINE v8f maxf8(v8f a, v8f b) { return (v8f)_mm256_max_ps((__m256)a, (__m256)b); }
TARGET_512 INLINE v16f maxf16(v16f a, v16f b) { return (v16f)_mm512_max_ps((__m512)a, (__m512)b); }
#endif
/* min(a, b) per lane as a < b ? a : b (minps's rule), for the rank pass's
 * least value (read only when every value is finite) */
INLINE v4f minf4(v4f a, v4f b) { v4i m = a < b; return (v4f)(((v4i)a & m) | ((v4i)b & ~m)); }
#if defined(__x86_64__) && defined(__GNUC__)
TARGET_AVX2 INLINE v8f minf8(v8f a, v8f b) { return (v8f)_mm256_min_ps((__m256)a, (__m256)b); }
TARGET_512 INLINE v16f minf16(v16f a, v16f b) { return (v16f)_mm512_min_ps((__m512)a, (__m512)b); }
#endif

/* The largest lane of a, for scanfast##W's chunks (every lane finite
 * there: a step with a NaN or an infinity is scanned again by the slow
 * pass, whatever this said). A tree of maxima on x86 instead of W
 * dependent scalar compares: the scalar chain was about 2 us a step at
 * V = 131072 (a call every 1024 floats). */
INLINE float lanemax4(v4f a)
{
    float r = a[0];
    for (int k = 1; k < 4; k++) r = a[k] > r ? a[k] : r;
    return r;
}
#if defined(__x86_64__) && defined(__GNUC__)
TARGET_AVX2 INLINE float lanemax8(v8f a)
{
    __m128 h = _mm_max_ps(_mm256_castps256_ps128((__m256)a), _mm256_extractf128_ps((__m256)a, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
}
TARGET_512 INLINE float lanemax16(v16f a) { return _mm512_reduce_max_ps((__m512)a); }
#endif

/* collect##W's store: the ids i + k of the set bits k, at ids (room for
 * every lane); their count. AVX-512 compresses them in one store; the
 * others store every lane and advance by its bit (no branch per id) */
INLINE unsigned store_ids4(int32_t *ids, size_t i, unsigned bits)
{
    unsigned m = 0;
    for (int k = 0; k < 4; k++) { ids[m] = (int32_t)(i + (size_t)k); m += (bits >> k) & 1u; }
    return m;
}
#if defined(__x86_64__) && defined(__GNUC__)
TARGET_AVX2 INLINE unsigned store_ids8(int32_t *ids, size_t i, unsigned bits)
{
    unsigned m = 0;
    for (int k = 0; k < 8; k++) { ids[m] = (int32_t)(i + (size_t)k); m += (bits >> k) & 1u; }
    return m;
}
TARGET_512 INLINE unsigned store_ids16(int32_t *ids, size_t i, unsigned bits)
{
    __m512i v = _mm512_add_epi32(_mm512_set1_epi32((int)i), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    _mm512_mask_compressstoreu_epi32(ids, (__mmask16)bits, v);
    return (unsigned)__builtin_popcount(bits);
}
#endif

#define SCAN_CHUNK 16 /* scanfast##W's chunk for the maximum's position, in blocks of 4 vectors */

#define FLOAT_KERNELS(W, VF, VI, ATTR)                                                                 \
ATTR INLINE VF ldf##W(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }                 \
ATTR INLINE VI finf##W(VF z) { VF d = z - z; return d == d; }                                      \
ATTR INLINE VF self##W(VI m, VF a, VF b) { return (VF)(((VI)a & m) | ((VI)b & ~m)); }              \
ATTR INLINE int anyf##W(VI m) { return maskbits##W(m) != 0; }                                      \
/* The usual step has no non-finite logit: one maximum instruction a  \
 * vector, and the sum of z - z, which stays 0 unless a lane was NaN or  \
 * inf (then scan##W's full pass counts them). Returns 0 when one was.   \
 * With ids (cap entries), also the ids of the z >= thr: *m their count, \
 * SIZE_MAX when more than fit; four vectors' compares make one branch   \
 * (the usual block holds none). *from: where the first maximum can      \
 * start, the chunk of SCAN_CHUNK blocks in which the running maximum    \
 * last rose (scan##W's search for it reads from there, not from 0).     */ \
ATTR INLINE void scanids##W(unsigned b0, unsigned b1, unsigned b2, unsigned b3, size_t i, int32_t **ids, \
                            size_t cap, size_t *c)                                                 \
{                                                                                                  \
    if (*c + 4 * W <= cap) { /* room for every lane: four stores, no branch per vector */          \
        *c += store_ids##W(*ids + *c, i, b0);                                                      \
        *c += store_ids##W(*ids + *c, i + W, b1);                                                  \
        *c += store_ids##W(*ids + *c, i + 2 * W, b2);                                              \
        *c += store_ids##W(*ids + *c, i + 3 * W, b3);                                              \
        return;                                                                                    \
    }                                                                                              \
    unsigned b[4] = { b0, b1, b2, b3 };                                                            \
    for (int u = 0; u < 4 && *ids; u++) {                                                          \
        size_t at = i + (size_t)u * W;                                                             \
        if (!b[u]) continue;                                                                       \
        if (*c + W <= cap) { *c += store_ids##W(*ids + *c, at, b[u]); continue; } /* room for every lane */ \
        if (*c + (size_t)__builtin_popcount(b[u]) > cap) { *ids = NULL; *c = SIZE_MAX; return; }  \
        for (unsigned r = b[u]; r; r &= r - 1) (*ids)[(*c)++] = (int32_t)(at + (size_t)__builtin_ctz(r)); \
    }                                                                                              \
}                                                                                                  \
/* The ids of the blocks of 4 vectors from `at` whose bits are set in hit \
 * (block b: bit b), read again (64 blocks: in L1 still). Why a bit per   \
 * block and not a branch: the blocks holding a z >= thr come at random  \
 * (a few hundred of 2048 at V = 131072), and a branch per block         \
 * mispredicted on each, about 7 us a step; here one loop a word.        */ \
ATTR INLINE void scanhits##W(const float *z, size_t at, uint64_t hit, VF tv, int32_t **ids, size_t cap, \
                             size_t *c)                                                            \
{                                                                                                  \
    for (; hit && *ids; hit &= hit - 1) {                                                          \
        size_t i = at + (size_t)__builtin_ctzll(hit) * 4 * W;                                      \
        scanids##W(maskbits##W(ldf##W(z + i) >= tv), maskbits##W(ldf##W(z + i + W) >= tv),         \
                   maskbits##W(ldf##W(z + i + 2 * W) >= tv), maskbits##W(ldf##W(z + i + 3 * W) >= tv), \
                   i, ids, cap, c);                                                                \
    }                                                                                              \
}                                                                                                  \
ATTR INLINE float hmax##W(VF m0, VF m1, VF m2, VF m3)                                              \
{                                                                                                  \
    return lanemax##W(maxf##W(maxf##W(m0, m1), maxf##W(m2, m3)));                                  \
}                                                                                                  \
/* At a chunk's end (i == *next): did the maximum of [0, i) rise in the   \
 * chunk [*start, i)? Then the first maximum lies from there (*from);     \
 * the next chunk starts. The fast passes' bookkeeping (scanfast##W,      \
 * nfabsfast##W).                                                         */ \
ATTR INLINE void chunkrise##W(VF m0, VF m1, VF m2, VF m3, size_t *start, size_t *next, float *best, size_t *from) \
{                                                                                                  \
    float r = hmax##W(m0, m1, m2, m3);                                                             \
    if (r > *best) *best = r, *from = *start;                                                      \
    *start = *next, *next += SCAN_CHUNK * 4 * W;                                                   \
}                                                                                                  \
ATTR INLINE int scanfast##W(const float *z, size_t n, VF mxo[4], size_t *upto, float thr, int32_t *ids, \
                            size_t cap, size_t *m, size_t *from)                                   \
{                                                                                                  \
    VF nf[4] = { {0}, {0}, {0}, {0} }, tv = (VF){0} + thr;                                         \
    VF mx[4] = { mxo[0], mxo[1], mxo[2], mxo[3] }; /* in registers, not behind the pointer */      \
    size_t i = 0, c = 0, start = 0, next = SCAN_CHUNK * 4 * W, at = 0;                             \
    float best = -INFINITY;                                                                        \
    uint64_t hit = 0; /* the blocks from `at` holding a z >= thr (scanhits) */                    \
    unsigned nb = 0;                                                                               \
    *from = 0;                                                                                     \
    for (; i + 4 * W <= n; i += 4 * W) {                                                           \
        if (i == next) chunkrise##W(mx[0], mx[1], mx[2], mx[3], &start, &next, &best, from);        \
        VF v[4];                                                                                   \
        _Pragma("GCC unroll 4") /* mx[u] stays in a register only if u is a constant */            \
        for (int u = 0; u < 4; u++) {                                                              \
            v[u] = ldf##W(z + i + (size_t)u * W);                                                  \
            mx[u] = maxf##W(v[u], mx[u]);                                                          \
            nf[u] += v[u] - v[u];                                                                  \
        }                                                                                          \
        if (!ids) continue;                                                                        \
        /* one compare for the block: its maximum (a NaN never passes) */                         \
        hit |= (uint64_t)anyf##W(maxf##W(maxf##W(v[0], v[1]), maxf##W(v[2], v[3])) >= tv) << nb;  \
        if (++nb < 64) continue;                                                                   \
        scanhits##W(z, at, hit, tv, &ids, cap, &c);                                                \
        hit = 0, nb = 0, at = i + 4 * W;                                                           \
    }                                                                                              \
    if (ids) scanhits##W(z, at, hit, tv, &ids, cap, &c);                                           \
    if (i > start && hmax##W(mx[0], mx[1], mx[2], mx[3]) > best) *from = start;                    \
    for (size_t j = i; ids && j < n; j++) {                                                        \
        if (!(z[j] >= thr)) continue;                                                              \
        if (c == cap) { c = SIZE_MAX; break; }                                                     \
        ids[c++] = (int32_t)j;                                                                     \
    }                                                                                              \
    if (m) *m = c;                                                                                 \
    for (int u = 0; u < 4; u++) mxo[u] = mx[u];                                                    \
    VF t = (nf[0] + nf[1]) + (nf[2] + nf[3]);                                                      \
    *upto = i;                                                                                     \
    return !anyf##W(t != t);                                                                       \
}                                                                                                  \
ATTR INLINE void scan##W(const float *z, size_t n, struct vm_scan *out, float thr, int32_t *ids,       \
                         size_t cap, size_t *cnt)                                                  \
{                                                                                                  \
    /* four independent maxima: the compare-and-select chains overlap */                          \
    VF mx[4] = { (VF){0} - INFINITY, (VF){0} - INFINITY, (VF){0} - INFINITY, (VF){0} - INFINITY }; \
    VI bad = {0};                                                                                  \
    size_t i = 0, nbad = 0, from = 0;                                                              \
    if (!scanfast##W(z, n, mx, &i, thr, ids, cap, cnt, &from)) {                                   \
        i = 0;                                                                                     \
        from = 0;                                                                                  \
        if (cnt) *cnt = SIZE_MAX; /* not collected: the step has non-finite logits */             \
        for (int u = 0; u < 4; u++) mx[u] = (VF){0} - INFINITY;                                    \
    }                                                                                              \
    for (; i + 4 * W <= n; i += 4 * W) {                                                           \
        for (int u = 0; u < 4; u++) {                                                              \
            VF v = ldf##W(z + i + (size_t)u * W);                                                  \
            VI fin = finf##W(v);                                                                   \
            VF c = self##W(fin, v, mx[u]);                                                         \
            mx[u] = self##W(c > mx[u], c, mx[u]);                                                  \
            bad += fin + 1; /* fin is -1 (finite) or 0 */                                          \
        }                                                                                          \
    }                                                                                              \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        VI fin = finf##W(v);                                                                       \
        VF c = self##W(fin, v, mx[0]);                                                             \
        mx[0] = self##W(c > mx[0], c, mx[0]);                                                      \
        bad += fin + 1;                                                                            \
    }                                                                                              \
    float m = -INFINITY;                                                                           \
    for (int k = 0; k < W; k++) {                                                                  \
        for (int u = 0; u < 4; u++) if (mx[u][k] > m) m = mx[u][k];                                \
        nbad += (size_t)bad[k];                                                                    \
    }                                                                                              \
    for (; i < n; i++) {                                                                           \
        if (isfinite(z[i])) { if (z[i] > m) m = z[i]; } else nbad++;                               \
    }                                                                                              \
    out->n_nonfinite = nbad;                                                                       \
    if (nbad && cnt) *cnt = SIZE_MAX; /* a non-finite value in the tail the fast pass left */     \
    out->argmax = -1;                                                                              \
    out->max = -INFINITY;                                                                          \
    if (m == -INFINITY) return;                                                                    \
    /* the first index holding the maximum: the first block with a match, \
     * from the chunk where the fast pass saw the maximum rise last       */ \
    VF mv = (VF){0} + m;                                                                           \
    for (i = from; i + W <= n && !anyf##W(ldf##W(z + i) == mv); i += W) {}                         \
    for (; i < n; i++) if (z[i] == m) break;                                                       \
    out->argmax = (int64_t)i;                                                                      \
    out->max = (double)z[i]; /* the first maximum's own value (its sign of zero) */                \
}                                                                                                  \
ATTR INLINE size_t nonfinite##W(const float *z, size_t n)                                               \
{                                                                                                  \
    VI bad = {0};                                                                                  \
    size_t i = 0, m = 0;                                                                           \
    for (; i + W <= n; i += W) bad += finf##W(ldf##W(z + i)) + 1; /* -1 (finite) + 1 = 0 */        \
    for (int k = 0; k < W; k++) m += (size_t)bad[k];                                               \
    for (; i < n; i++) m += !isfinite(z[i]);                                                       \
    return m;                                                                                      \
}                                                                                                  \
/* collect##W's ids of the blocks of 4 vectors from `at` whose bits are  \
 * set in hit (block b: bit b), read again (64 blocks: in L1 still), a   \
 * store per vector (none with no id on AVX-512; room: the caller's)    */ \
ATTR INLINE size_t collecthits##W(const float *z, size_t at, uint64_t hit, VF fv, int32_t *ids, size_t m) \
{                                                                                                  \
    for (; hit; hit &= hit - 1) {                                                                  \
        size_t i = at + (size_t)__builtin_ctzll(hit) * 4 * W;                                      \
        for (int u = 0; u < 4; u++) {                                                              \
            VF v = ldf##W(z + i + (size_t)u * W);                                                  \
            m += store_ids##W(ids + m, i + (size_t)u * W, maskbits##W((v >= fv) & finf##W(v)));    \
        }                                                                                          \
    }                                                                                              \
    return m;                                                                                      \
}                                                                                                  \
/* Sparse (the usual: a few hundred ids of 131072) while at most one id \
 * in 64 came so far (and 256 more: a tie at the front is no density):  \
 * a bit per block of 4 vectors (one test of the four), then the ids of \
 * the blocks with one, a word of 64 blocks at a time. A branch per     \
 * block mispredicted on nearly each of the few hundred random blocks   \
 * holding an id; and a store costs as much with no id (AVX-512's       \
 * compress store ~4 cycles). Dense from then on: a store per vector,   \
 * no branch to mispredict. The same ids either way.                    */ \
ATTR INLINE size_t collect##W(const float *z, size_t n, double thr, int32_t *ids)                       \
{                                                                                                  \
    float f = float_at_or_above(thr);                                                              \
    VF fv = (VF){0} + f;                                                                           \
    size_t m = 0, i = 0;                                                                           \
    for (; i + 64 * 4 * W <= n && m <= i / 64 + 256; i += 64 * 4 * W) {                           \
        uint64_t hit = 0;                                                                          \
        for (unsigned b = 0; b < 64; b++) {                                                        \
            const float *p = z + i + (size_t)b * 4 * W;                                            \
            VF v0 = ldf##W(p), v1 = ldf##W(p + W), v2 = ldf##W(p + 2 * W), v3 = ldf##W(p + 3 * W); \
            /* no z >= f, finite or not (a maximum could hide a lane behind a NaN) */              \
            hit |= (uint64_t)anyf##W((v0 >= fv) | (v1 >= fv) | (v2 >= fv) | (v3 >= fv)) << b;     \
        }                                                                                          \
        m = collecthits##W(z, i, hit, fv, ids, m);                                                 \
    }                                                                                              \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        m += store_ids##W(ids + m, i, maskbits##W((v >= fv) & finf##W(v)));                       \
    }                                                                                              \
    for (; i < n; i++) if (z[i] >= f && isfinite(z[i])) ids[m++] = (int32_t)i;                     \
    return m;                                                                                      \
}                                                                                                  \
ATTR INLINE size_t absgt##W(const float *z, size_t n, double thr)                                       \
{                                                                                                  \
    float f = float_at_or_below(thr);                                                              \
    VF fv = (VF){0} + f;                                                                           \
    VI cnt = {0};                                                                                  \
    size_t i = 0, m = 0;                                                                           \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        VF a = self##W(finf##W(v), v, (VF){0});                                                    \
        cnt -= (a > fv) | (a < -fv); /* true lanes are -1 */                                       \
    }                                                                                              \
    for (int k = 0; k < W; k++) m += (size_t)cnt[k];                                               \
    for (; i < n; i++) m += isfinite(z[i]) && fabs((double)z[i]) > thr;                            \
    return m;                                                                                      \
}                                                                                                  \
/* a[i] = i, W lanes a turn, stored only where they differ: a list that  \
 * holds 0..n-1 already (a result every step keeps whole) is read, not  \
 * rewritten (a read pass costs less than a store pass) */               \
ATTR INLINE void iota##W(int32_t *a, size_t n)                                                     \
{                                                                                                  \
    VI v;                                                                                          \
    size_t i = 0;                                                                                  \
    for (int k = 0; k < W; k++) v[k] = k;                                                          \
    for (; i + W <= n; i += W, v += W) {                                                           \
        VI c;                                                                                      \
        memcpy(&c, a + i, sizeof c);                                                               \
        if (anyf##W(c != v)) memcpy(a + i, &v, sizeof v);                                          \
    }                                                                                              \
    for (; i < n; i++) a[i] = (int32_t)i;                                                          \
}                                                                                                  \
/* The first index holding the maximum m of a finite step, as scan##W   \
 * finds it (the first block with a match), into out; from: where it can \
 * start (0, or the chunk where a pass saw the running maximum last rise) */ \
ATTR INLINE void firstmax##W(const float *z, size_t n, float m, size_t from, struct vm_scan *out)  \
{                                                                                                  \
    VF mv = (VF){0} + m;                                                                           \
    size_t i = from;                                                                               \
    for (; i + W <= n && !anyf##W(ldf##W(z + i) == mv); i += W) {}                                 \
    for (; i < n; i++) if (z[i] == m) break;                                                       \
    out->n_nonfinite = 0;                                                                          \
    out->argmax = (int64_t)i;                                                                      \
    out->max = (double)z[i];                                                                       \
}                                                                                                  \
/* nfabsscan##W's usual step (every value finite, n > 0) four vectors a \
 * turn, each with its own maximum and counts (one chain of maxima was   \
 * latency bound: 27 us at V = 131072 against vm_scan's 8), keeping the  \
 * chunk where the running maximum last rose as scanfast##W does, so the \
 * first maximum's search starts there, not at 0. 0 when a value is NaN \
 * or inf (nothing kept: the full loop counts them by kind).            */ \
ATTR INLINE int nfabsfast##W(const float *z, size_t n, double thr, float f, size_t *over, float *mf, size_t *from) \
{                                                                                                  \
    VF fv = (VF){0} + f, nf[4] = { {0}, {0}, {0}, {0} };                                           \
    VF mx[4] = { (VF){0} - INFINITY, (VF){0} - INFINITY, (VF){0} - INFINITY, (VF){0} - INFINITY }; \
    VI cnt[4] = { {0}, {0}, {0}, {0} };                                                            \
    size_t i = 0, o = 0, start = 0, next = SCAN_CHUNK * 4 * W;                                     \
    float best = -INFINITY;                                                                        \
    *from = 0;                                                                                     \
    for (; i + 4 * W <= n; i += 4 * W) {                                                           \
        if (i == next) chunkrise##W(mx[0], mx[1], mx[2], mx[3], &start, &next, &best, from);        \
        _Pragma("GCC unroll 4")                                                                    \
        for (int u = 0; u < 4; u++) {                                                              \
            VF v = ldf##W(z + i + (size_t)u * W);                                                  \
            mx[u] = maxf##W(v, mx[u]);                                                             \
            nf[u] += v - v; /* 0 unless NaN or inf */                                              \
            VF a = (VF)((VI)v & 0x7fffffff); /* |z|: > f just where z > f or z < -f, for any f */  \
            cnt[u] -= a > fv; /* a finite lane's |z| > thr (true lanes are -1) */                  \
        }                                                                                          \
    }                                                                                              \
    float m = hmax##W(mx[0], mx[1], mx[2], mx[3]);                                                 \
    if (i > start && m > best) *from = start;                                                      \
    VF t = (nf[0] + nf[1]) + (nf[2] + nf[3]);                                                      \
    if (anyf##W(t != t)) return 0;                                                                 \
    VI c = (cnt[0] + cnt[1]) + (cnt[2] + cnt[3]);                                                  \
    for (int k = 0; k < W; k++) o += (size_t)c[k];                                                 \
    for (; i < n; i++) { /* the tail past the blocks: a maximum here is found from *from on too */ \
        if (!isfinite(z[i])) return 0;                                                             \
        o += fabs((double)z[i]) > thr;                                                             \
        if (z[i] > m) m = z[i];                                                                    \
    }                                                                                              \
    *over = o;                                                                                     \
    *mf = m;                                                                                       \
    return 1;                                                                                      \
}                                                                                                  \
/* The non-finite count and the clipping count (finite |z| > thr) in one \
 * pass (the first, memory-bound pass over a step pays for both), and   \
 * with out scan##W's answer (max, argmax) from the same pass when every \
 * value is finite (else scan##W's own pass: the rare step) */           \
ATTR INLINE size_t nfabsscan##W(const float *z, size_t n, double thr, size_t *over, struct vm_scan *out) \
{                                                                                                  \
    float fm;                                                                                      \
    size_t from;                                                                                   \
    if (n > 0 && nfabsfast##W(z, n, thr, float_at_or_below(thr), over, &fm, &from)) {              \
        if (out) firstmax##W(z, n, fm, from, out);                                                 \
        return 0;                                                                                  \
    }                                                                                              \
    float f = float_at_or_below(thr);                                                              \
    VF fv = (VF){0} + f, mx = (VF){0} - INFINITY;                                                  \
    VI bad = {0}, cnt = {0};                                                                       \
    size_t i = 0, m = 0, o = 0;                                                                    \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        VI fin = finf##W(v);                                                                       \
        VF a = self##W(fin, v, (VF){0});                                                           \
        bad += fin + 1;                                                                            \
        cnt -= (a > fv) | (a < -fv);                                                               \
        mx = maxf##W(a, mx); /* the finite lanes' (a 0 for the others: only when none is) */      \
    }                                                                                              \
    for (int k = 0; k < W; k++) m += (size_t)bad[k], o += (size_t)cnt[k];                          \
    float mf = -INFINITY;                                                                          \
    for (int k = 0; k < W; k++) if (mx[k] > mf) mf = mx[k];                                        \
    for (; i < n; i++) {                                                                           \
        m += !isfinite(z[i]);                                                                      \
        o += isfinite(z[i]) && fabs((double)z[i]) > thr;                                           \
        if (isfinite(z[i]) && z[i] > mf) mf = z[i];                                                \
    }                                                                                              \
    *over = o;                                                                                     \
    if (!out) return m;                                                                            \
    if (m || n == 0) scan##W(z, n, out, 0.0f, NULL, 0, NULL);                                      \
    else firstmax##W(z, n, mf, 0, out);                                                            \
    return m;                                                                                      \
}                                                                                                  \
ATTR INLINE void fdivonly##W(const float *z, size_t n, float T, float *y)                               \
{                                                                                                  \
    size_t i = 0;                                                                                  \
    for (; i + W <= n; i += W) {                                                                   \
        VF f = ldf##W(z + i) / T;                                                                  \
        memcpy(y + i, &f, sizeof f);                                                               \
    }                                                                                              \
    for (; i < n; i++) y[i] = z[i] / T;                                                            \
}

FLOAT_KERNELS(4, v4f, v4i, )
#if defined(__x86_64__) && defined(__GNUC__)
FLOAT_KERNELS(8, v8f, v8i, TARGET_AVX2)
FLOAT_KERNELS(16, v16f, v16i, TARGET_512)
#endif



/* Sum of exp(x_i) for x_i = z_i * c - ymax in float32 arithmetic (c = 1:
 * y - ymax exactly as rounded; c = 1/T: torch's y = z / T within a
 * rounding or two): n = round(x / ln 2), r = x - n ln 2 (ln 2 in two
 * parts), exp(r) by Cephes' expf polynomial (degree 5 in r after 1 + r +
 * r^2 (...), relative error below 2e-7 in float), 2^n in the exponent
 * bits, lanes below -87 weighing 0. Sums: four vectors' weights added in
 * float (two roundings each), then in double; the sum of w * |x| (the
 * error bound's, needed only roughly) in float. Fused multiply-adds where
 * the path has them (FMA##W): the paths' sums differ in the last bits,
 * and vm_expf_sum's bound covers each. In the same pass, the ids with
 * z_i >= zmin (ids non-NULL). Returns the sum; *sum_wx the other sum and
 * *blocks the number of float pre-sums (for the bound). */
typedef float v2f __attribute__((vector_size(8)));
typedef double v2d __attribute__((vector_size(16)));
INLINE v4f fma4(v4f a, v4f b, v4f c) { return a * b + c; }
#if defined(__x86_64__) && defined(__GNUC__)
TARGET_AVX2 INLINE v8f fma8(v8f a, v8f b, v8f c)
{ return (v8f)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
TARGET_512 INLINE v16f fma16(v16f a, v16f b, v16f c)
{ return (v16f)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c); }
#endif
#define EXPF_KERNEL(W, VF, VI, VU, VH, VHD, ATTR)                                                    \
ATTR INLINE VF expw##W(VF zv, float c, float ymax, VF *xo)                                         \
{                                                                                                  \
    const VF magic = (VF){0} + 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */       \
    VF x = zv * c - ymax;                                                                          \
    VF kd = fma##W(x, (VF){0} + 1.44269504f, magic), k = kd - magic;                               \
    VF r = fma##W(k, (VF){0} - 1.428606765330187045e-06f, fma##W(k, (VF){0} - 0.693145751953125f, x)); \
    VF p = fma##W((VF){0} + 1.9875691500e-4f, r, (VF){0} + 1.3981999507e-3f);                      \
    p = fma##W(p, r, (VF){0} + 8.3334519073e-3f);                                                  \
    p = fma##W(p, r, (VF){0} + 4.1665795894e-2f);                                                  \
    p = fma##W(p, r, (VF){0} + 1.6666665459e-1f);                                                  \
    p = fma##W(p, r, (VF){0} + 5.0000001201e-1f);                                                  \
    p = fma##W(p, r * r, r + 1.0f);                                                                \
    VU e = ((VU)kd - (VU)magic + 127u) << 23; /* unsigned: masked lanes may wrap */                \
    *xo = x;                                                                                       \
    return self##W(x >= -87.0f, p * (VF)e, (VF){0});                                               \
}                                                                                                  \
ATTR INLINE double expfsum##W(const float *z, size_t n, float c, float ymax, float zmin, int32_t *ids, \
                              size_t *n_ids, double *sum_wx, size_t *blocks)                       \
{                                                                                                  \
    VHD a0 = {0}, a1 = {0};                                                                        \
    VF ax = {0}, x, w[4];                                                                          \
    const VF zm = (VF){0} + zmin;                                                                  \
    const VI absm = (VI){0} + 0x7fffffff;                                                          \
    size_t i = 0, m = 0, nb = 0;                                                                   \
    double tail = 0.0, tailx = 0.0;                                                                \
    for (; i + 4 * W <= n; i += 4 * W, nb++) {                                                     \
        for (int u = 0; u < 4; u++) {                                                              \
            VF zv = ldf##W(z + i + (size_t)u * W);                                                 \
            if (ids)                                                                               \
                for (unsigned bits = maskbits##W(zv >= zm); bits; bits &= bits - 1)                \
                    ids[m++] = (int32_t)(i + (size_t)u * W + (size_t)__builtin_ctz(bits));         \
            w[u] = expw##W(zv, c, ymax, &x);                                                       \
            ax = fma##W(w[u], (VF)((VI)x & absm), ax);                                             \
        }                                                                                          \
        VF b = (w[0] + w[1]) + (w[2] + w[3]);                                                      \
        VH h[2];                                                                                   \
        memcpy(h, &b, sizeof b);                                                                   \
        a0 += __builtin_convertvector(h[0], VHD);                                                  \
        a1 += __builtin_convertvector(h[1], VHD);                                                  \
    }                                                                                              \
    for (; i < n; i++) {                                                                           \
        if (ids && z[i] >= zmin) ids[m++] = (int32_t)i;                                            \
        float xs = z[i] * c - ymax;                                                                \
        double wt = xs >= -87.0f ? (double)expf(xs) : 0.0;                                         \
        tail += wt;                                                                                \
        tailx += wt * fabs((double)xs);                                                            \
    }                                                                                              \
    double s = tail, sx = tailx;                                                                   \
    for (int k = 0; k < W / 2; k++) s += a0[k] + a1[k];                                            \
    for (int k = 0; k < W; k++) sx += (double)ax[k];                                               \
    if (n_ids) *n_ids = m;                                                                         \
    *sum_wx = sx;                                                                                  \
    *blocks = nb;                                                                                  \
    return s;                                                                                      \
}
typedef uint32_t v4ui __attribute__((vector_size(16)));
typedef uint32_t v8ui __attribute__((vector_size(32)));
typedef uint32_t v16ui __attribute__((vector_size(64)));
EXPF_KERNEL(4, v4f, v4i, v4ui, v2f, v2d, )
#if defined(__x86_64__) && defined(__GNUC__)
EXPF_KERNEL(8, v8f, v8i, v8ui, v4f, v4d, TARGET_AVX2)
EXPF_KERNEL(16, v16f, v16i, v16ui, v8f, v8d, TARGET_512)
#endif


#endif
