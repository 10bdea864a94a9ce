/* vmath_rank.h: vmath.c's rank pass (vm_scan_rank, vmath.h): the first
 * scan's answer and, in the same pass, the counts and id lists the
 * explorer's recorded-token rank and top list need (chain.c's first pass
 * with chain_top_rank's candidates). Internal to vmath.c, which includes
 * it once after vmath_float.h (its lane helpers, scan##W and firstmax##W)
 * and instantiates it per path; not an API. Units as vmath.h: logits in
 * nats, ids token ids, counts tokens. */
#ifndef LS_VMATH_RANK_H
#define LS_VMATH_RANK_H

#include "base/vmath_float.h"

/* scanrank##W's state after its blocks (rankblocks##W): the lists'
 * counts, the count of z > hi, whether the lists hold (ok: top and band,
 * pok: the prefilter), a non-finite value seen, the maximum so far and
 * the chunk where it last rose (firstmax##W's start), and the thresholds
 * (NaN once a list stopped: no value passes). */
struct rank_run {
    size_t a, b, c, from;
    uint32_t g;
    int ok, pok, bad;
    float mf, lo, top, pre, mn;
};

/* The narrower paths run scanrank##W's vector loop from 0. */
INLINE size_t rankblocks4(const float *z, size_t n, struct vm_rank *q, float hi, size_t pcap, struct rank_run *st)
{
    (void)z, (void)n, (void)q, (void)hi, (void)pcap, (void)st;
    return 0;
}
INLINE size_t rankblocks8(const float *z, size_t n, struct vm_rank *q, float hi, size_t pcap, struct rank_run *st)
{
    return rankblocks4(z, n, q, hi, pcap, st);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* A list's ids of mask k at i (16 lanes), at ids[*m..]: compressed in a
 * register, stored whole (room for every lane: a plain store whatever the
 * bits; the compress store to memory is slow on some cores) */
TARGET_512 INLINE void rank_put16(int32_t *ids, size_t *m, size_t i, __mmask16 k)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    _mm512_storeu_si512((void *)(ids + *m), _mm512_maskz_compress_epi32(k, _mm512_add_epi32(_mm512_set1_epi32((int)i), iota)));
    *m += (size_t)__builtin_popcount((unsigned)k);
}

/* take##W's rule for the rare lists (band, prefilter): past cap, the
 * list stops (*on = 0) and stores nothing more */
TARGET_512 INLINE void rank_take16(int32_t *ids, size_t *m, size_t cap, size_t i, __mmask16 k, int *on)
{
    size_t cnt = (size_t)__builtin_popcount((unsigned)k);
    if (!k) return;
    if (*m + cnt > cap) { *on = 0; return; }
    if (*m + 16 <= cap) { rank_put16(ids, m, i, k); return; }
    for (unsigned r = k; r; r &= r - 1) ids[(*m)++] = (int32_t)(i + (size_t)__builtin_ctz(r));
}

/* scanrank16's blocks of 4 vectors (64 floats) in intrinsics: four maxima
 * and non-finite sums (independent chains), the top list stored
 * branch-free (about one vector in six holds a top id: too many for a
 * branch to predict), one branch per block for the band and the
 * prefilter (a few ids a step), the lists' pointers and counts in
 * registers. Stops where the top list could pass its cap within a
 * block (the vector loop goes on from there, with take16's exact rule).
 * Returns where it stopped; the same ids, counts and stops as the loop. */
TARGET_512 static size_t rankblocks16(const float *z, size_t n, struct vm_rank *q, float hi, size_t pcap,
                                      struct rank_run *st)
{
    int32_t *top_ids = q->top_ids, *band_ids = q->band_ids, *pre_ids = q->pre_ids;
    const size_t cap = q->cap;
    const __m512 hv = _mm512_set1_ps(hi);
    __m512 tv = _mm512_set1_ps(st->top), lv = _mm512_set1_ps(st->lo), pv = _mm512_set1_ps(st->pre);
    __m512 mx[4], nf[4], mn = _mm512_set1_ps(INFINITY);
    __m512i cnt = _mm512_setzero_si512();
    const __m512i one = _mm512_set1_epi32(1);
    size_t a = st->a, b = st->b, c = st->c, i = 0, start = 0, next = SCAN_CHUNK * 64;
    int ok = st->ok, pok = st->pok;
    float best = -INFINITY;
    for (int u = 0; u < 4; u++) mx[u] = _mm512_set1_ps(-INFINITY), nf[u] = _mm512_setzero_ps();
    for (; i + 64 <= n && a + 64 <= cap; i += 64) {
        if (i == next) { /* the maximum of [0, i): did it rise in [start, i)? (scanfast's chunks) */
            float r = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(mx[0], mx[1]), _mm512_max_ps(mx[2], mx[3])));
            if (r > best) best = r, st->from = start;
            start = i, next += SCAN_CHUNK * 64;
        }
        __m512 v[4];
        __mmask16 hit = 0, gt[4];
        _Pragma("GCC unroll 4")
        for (int u = 0; u < 4; u++) {
            v[u] = _mm512_loadu_ps(z + i + 16 * u);
            mx[u] = _mm512_max_ps(v[u], mx[u]);
            mn = _mm512_min_ps(v[u], mn);
            nf[u] = _mm512_add_ps(nf[u], _mm512_sub_ps(v[u], v[u]));
            gt[u] = _mm512_cmp_ps_mask(v[u], hv, _CMP_GT_OQ);
            cnt = _mm512_mask_add_epi32(cnt, gt[u], cnt, one);
            rank_put16(top_ids, &a, i + 16 * (size_t)u, _mm512_cmp_ps_mask(v[u], tv, _CMP_GE_OQ));
            hit |= (__mmask16)(_mm512_cmp_ps_mask(v[u], lv, _CMP_GE_OQ) & ~gt[u]) | _mm512_cmp_ps_mask(v[u], pv, _CMP_GE_OQ);
        }
        if (!hit) continue;
        for (int u = 0; u < 4; u++) { /* the band and the prefilter, vector by vector as the loop */
            size_t at = i + 16 * (size_t)u;
            rank_take16(band_ids, &b, cap, at, (__mmask16)(_mm512_cmp_ps_mask(v[u], lv, _CMP_GE_OQ) & ~gt[u]), &ok);
            if (pre_ids) rank_take16(pre_ids, &c, pcap, at, _mm512_cmp_ps_mask(v[u], pv, _CMP_GE_OQ), &pok);
            if (!ok) tv = lv = _mm512_set1_ps(NAN);
            if (!pok) pv = _mm512_set1_ps(NAN);
        }
    }
    __m512 m = _mm512_max_ps(_mm512_max_ps(mx[0], mx[1]), _mm512_max_ps(mx[2], mx[3]));
    __m512 f = _mm512_add_ps(_mm512_add_ps(nf[0], nf[1]), _mm512_add_ps(nf[2], nf[3]));
    st->mf = _mm512_reduce_max_ps(m);
    st->mn = _mm512_reduce_min_ps(mn);
    if (i > start && st->mf > best) st->from = start;
    st->bad = _mm512_cmp_ps_mask(f, f, _CMP_UNORD_Q) != 0;
    st->g = (uint32_t)_mm512_reduce_add_epi32(cnt);
    st->a = a, st->b = b, st->c = c, st->ok = ok, st->pok = pok;
    if (!ok) st->top = st->lo = NAN;
    if (!pok) st->pre = NAN;
    return i;
}
#endif

#define RANK_KERNELS(W, VF, VI, ATTR)                                                                  \
/* rank##W's store of one list: the ids i + k of bits at ids[m..] (cap  \
 * entries), the new count; a list past cap stops (*on = 0, m as it     \
 * was: the list is not read then). AVX-512 compresses them in one     \
 * store; narrower paths store the few ids one by one (store_ids would  \
 * store every lane for each). */                                        \
ATTR INLINE size_t take##W(int32_t *ids, size_t m, size_t cap, size_t i, unsigned bits, int *on)      \
{                                                                                                  \
    size_t k = (size_t)__builtin_popcount(bits);                                                   \
    if (!bits) return m;                                                                           \
    if (m + k > cap) { *on = 0; return m; }                                                        \
    if (W == 16 && m + W <= cap) return m + store_ids##W(ids + m, i, bits); /* one compress (room for every lane) */ \
    for (; bits; bits &= bits - 1) ids[m++] = (int32_t)(i + (size_t)__builtin_ctz(bits));         \
    return m;                                                                                      \
}                                                                                                  \
/* scan##W's answer and in the same pass vm_scan_rank's counts and lists \
 * (vmath.h: q's thresholds as floats, q->pre NaN: no prefilter list);  \
 * returns whether the rank lists hold (a finite step, none past cap). \
 * A list past its cap is left (its thresholds become NaN, which no     \
 * value passes): on a step unlike the last, the prefilter's threshold  \
 * may pass every token, and a branch per id would then cost more than  \
 * the pass (the rank lists are not read once either is past cap). */    \
ATTR INLINE int scanrank##W(const float *z, size_t n, struct vm_rank *q, float lo, float hi, float top, float pre, \
                            struct vm_scan *out)                                                   \
{                                                                                                  \
    int ok = 1, pok = q->pre_ids != NULL && pre == pre; /* a NaN threshold: none */                 \
    size_t pcap = q->pre_ids ? q->pre_cap : 0;                                                    \
    struct rank_run st = { 0, 0, 0, 0, 0, 1, pok, 0, -INFINITY, lo, top, pok ? pre : NAN, INFINITY }; \
    size_t i = rankblocks##W(z, n, q, hi, pcap, &st); /* AVX-512: most of the step in blocks */      \
    size_t a = st.a, b = st.b, c = st.c;                                                           \
    ok = st.ok, pok = st.pok;                                                                      \
    VF lv = (VF){0} + st.lo, hv = (VF){0} + hi, bhv = ok ? hv : (VF){0} + NAN, tv = (VF){0} + st.top; \
    VF pv = (VF){0} + st.pre, mx = (VF){0} - INFINITY, mn = (VF){0} + INFINITY, nf = {0};          \
    VI cnt = {0};                                                                                  \
    uint32_t g = st.g, cap = q->cap;                                                               \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        mx = maxf##W(v, mx);                                                                       \
        mn = minf##W(v, mn);                                                                       \
        nf += v - v;                                                                               \
        cnt -= v > hv;                                                                             \
        if (!anyf##W((v >= tv) | ((v >= lv) & (v <= bhv)) | (v >= pv))) continue;                 \
        a = take##W(q->top_ids, a, cap, i, maskbits##W(v >= tv), &ok);                             \
        b = take##W(q->band_ids, b, cap, i, maskbits##W((v >= lv) & (v <= bhv)), &ok);             \
        c = take##W(q->pre_ids, c, pcap, i, maskbits##W(v >= pv), &pok);                           \
        if (!ok) tv = lv = bhv = (VF){0} + NAN;                                                    \
        if (!pok) pv = (VF){0} + NAN;                                                              \
    }                                                                                              \
    float mf = st.mf, lf = st.mn;                                                                  \
    for (int k = 0; k < W; k++) { g += (uint32_t)cnt[k]; if (mx[k] > mf) mf = mx[k]; if (mn[k] < lf) lf = mn[k]; } \
    int bad = st.bad | anyf##W(nf != nf);                                                          \
    top = ok ? top : NAN, lo = ok ? lo : NAN, pre = pok ? pre : NAN; /* a stopped list takes no more */ \
    for (; i < n; i++) {                                                                           \
        bad |= !isfinite(z[i]);                                                                    \
        if (z[i] > mf) mf = z[i];                                                                  \
        if (z[i] < lf) lf = z[i];                                                                  \
        g += z[i] > hi;                                                                            \
        if (z[i] >= top) { if (a == cap) ok = 0; else q->top_ids[a++] = (int32_t)i; }              \
        if (z[i] >= lo && z[i] <= hi) { if (b == cap) ok = 0; else q->band_ids[b++] = (int32_t)i; } \
        if (z[i] >= pre && pok) { if (c == pcap) pok = 0; else q->pre_ids[c++] = (int32_t)i; }     \
    }                                                                                              \
    q->n_pre = pok && !bad ? c : SIZE_MAX;                                                         \
    q->zmin = bad || n == 0 ? NAN : lf; /* every value finite: the least */                        \
    if (bad || n == 0) { scan##W(z, n, out, 0.0f, NULL, 0, NULL); return 0; }                      \
    firstmax##W(z, n, mf, st.from, out);                                                           \
    q->n_gt = g, q->n_top = (uint32_t)a, q->n_band = (uint32_t)b;                                  \
    return ok;                                                                                     \
}

RANK_KERNELS(4, v4f, v4i, )
#if defined(__x86_64__) && defined(__GNUC__)
RANK_KERNELS(8, v8f, v8i, TARGET_AVX2)
RANK_KERNELS(16, v16f, v16i, TARGET_512)
#endif

#endif
