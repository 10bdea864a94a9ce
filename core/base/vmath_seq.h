/* vmath_seq.h: vmath.c's exact sequential sums, fused into the passes
 * that make their terms (vm_divide_sum, vm_divide_entropy). Internal to
 * vmath.c, which includes it once after vmath_double.h and vmath_prob.h
 * and instantiates the kernels per path (VM_PATH); not an API.
 *
 * The sum is the scalar loop's, to the bit: s = s0; s += x[i] in index
 * order. A block of terms is added in vector lanes instead when that
 * cannot change a bit: while the running sum s stays in its binade
 * [K, 2K), every double there is a multiple of g = ulp(K), so s + x rounds
 * to s + t with t = x rounded to a multiple of g ((x + K) - K, exact
 * Sterbenz subtraction), unless x lies exactly half way (then the rounding
 * follows the parity of s). So a block whose terms are all >= 0, none half
 * way, and whose rounded terms keep s below 2K has the sum s + sum(t), and
 * that sum of multiples of g below 2^53 g is exact in any order. Any other
 * block (a negative, NaN or half-way term, s leaving its binade, s zero or
 * tiny at the start) runs the loop itself. Every path computes the same
 * terms (IEEE per lane) and the same sums: the same bits everywhere. The
 * terms are made a block at a time into the caller's output (or a block
 * buffer in L1) and summed from there: one pass over memory. */
#ifndef LS_VMATH_SEQ_H
#define LS_VMATH_SEQ_H

#include "base/vmath_lanes.h"

#include <math.h>
#include <string.h>

enum { SEQ_BLK = 512, SEQ_STEP = 32 }; /* terms made a block at a time (in L1); terms by the loop where the vectors cannot */

/* the loop itself: the portable path's sum (its vectors are pairs of
 * SSE2 registers, slower than the loop here) */
INLINE double seq_plain(double s, const double *x, size_t k)
{
    for (size_t j = 0; j < k; j++) s += x[j];
    return s;
}

/* K with s in [K, 2K) for a normal s > 0 (its exponent bits); 0 for
 * s <= 0 or subnormal */
INLINE double seq_binade(double s)
{
    uint64_t b;
    memcpy(&b, &s, sizeof b);
    b = s > 0 ? b & 0x7FF0000000000000ull : 0;
    memcpy(&s, &b, sizeof s);
    return s;
}

/* s + x[0] + ... + x[k-1] in index order, to the bit (see above), over
 * W-lane vectors (P the intrinsics' prefix): per vector the rounded
 * terms t = (x + K) - K, their sum, the largest |x - t| (half a step:
 * a half-way term; more: x left the binade, so does the sum), and the
 * terms' sign bits ORed (a negative or -0 term sends the part to the loop;
 * a NaN or inf one makes the sum NaN or inf, which fails the binade test). */
#define SEQ_BLOCK_VEC(NAME, ATTR, VD, P, W)                                                 \
ATTR INLINE int NAME##_part(double s, const double *x, size_t k, double *out)                      \
{                                                                                                  \
    if (!(s >= 0x1p-900 && s < 0x1p1000)) return 0;                                                \
    double Kd = seq_binade(s), Hd = Kd * 0x1p-53; /* s in [K, 2K); half the grid step ulp(K) */    \
    const VD K = P##_set1_pd(Kd), NZ = P##_set1_pd(-0.0);                                          \
    VD acc0 = P##_setzero_pd(), acc1 = P##_setzero_pd(), sg = P##_setzero_pd(), dm = sg;          \
    int neg = 0;                                                                                   \
    size_t j = 0;                                                                                  \
    for (; j + 2 * (W) <= k; j += 2 * (W)) {                                                       \
        VD a = P##_loadu_pd(x + j), b = P##_loadu_pd(x + j + (W));                                 \
        VD ta = P##_sub_pd(P##_add_pd(a, K), K), tb = P##_sub_pd(P##_add_pd(b, K), K);             \
        VD da = P##_andnot_pd(NZ, P##_sub_pd(a, ta)), db = P##_andnot_pd(NZ, P##_sub_pd(b, tb));   \
        dm = P##_max_pd(dm, P##_max_pd(da, db));                                                   \
        sg = P##_or_pd(sg, P##_or_pd(a, b));                                                       \
        acc0 = P##_add_pd(acc0, ta);                                                               \
        acc1 = P##_add_pd(acc1, tb);                                                               \
    }                                                                                              \
    double lane[W], sgl[W], dml[W], tail = 0.0, sum = 0.0, dmax = 0.0;                             \
    for (; j < k; j++) {                                                                           \
        double t = (x[j] + Kd) - Kd;                                                               \
        dmax = fabs(x[j] - t) > dmax ? fabs(x[j] - t) : dmax;                                      \
        neg |= signbit(x[j]) != 0;                                                                 \
        tail += t;                                                                                 \
    }                                                                                              \
    P##_storeu_pd(lane, P##_add_pd(acc0, acc1));                                                   \
    P##_storeu_pd(sgl, sg);                                                                        \
    P##_storeu_pd(dml, dm);                                                                        \
    for (int l = 0; l < (W); l++) {                                                                \
        sum += lane[l];                                                                            \
        neg |= signbit(sgl[l]) != 0;                                                               \
        dmax = dml[l] > dmax ? dml[l] : dmax;                                                      \
    }                                                                                              \
    double ns = s + (sum + tail);                                                                  \
    *out = ns;                                                                                     \
    return dmax < Hd && !neg && ns < 2.0 * Kd;                                                     \
}                                                                                                  \
/* the vectors over the rest; where they cannot, the loop until the sum \
 * leaves its binade (the usual reason) or SEQ_STEP terms, then the     \
 * vectors again */                                                                                \
ATTR INLINE double NAME(double s, const double *x, size_t k)                                       \
{                                                                                                  \
    for (size_t j = 0; j < k;) {                                                                   \
        double ns;                                                                                 \
        if (NAME##_part(s, x + j, k - j, &ns)) return ns;                                          \
        size_t m = k - j < SEQ_STEP ? k - j : SEQ_STEP;                                            \
        double top = 2.0 * seq_binade(s); /* s's binade ends there (0 for s <= 0, NaN) */         \
        for (size_t e = j + m; j < e || (j < k && s < top); j++) s += x[j];                        \
    }                                                                                              \
    return s;                                                                                      \
}
#if defined(__x86_64__) && defined(__GNUC__)
SEQ_BLOCK_VEC(seq_block8, TARGET_512, __m512d, _mm512, 8)
SEQ_BLOCK_VEC(seq_block4, __attribute__((target("avx2,fma"))), __m256d, _mm256, 4)
#endif

/* s0 + a[i] / d in index order (out[i] = the quotients when out is not
 * NULL; out may be a), with DIV the path's division pass and SEQ its sum */
#define DIVIDE_SUM_BODY(DIV, SEQ)                                                                        \
    double buf[SEQ_BLK];                                                                          \
    for (size_t i = 0; i < n; i += SEQ_BLK) {                                                     \
        size_t k = n - i < SEQ_BLK ? n - i : SEQ_BLK;                                             \
        const double *x = a + i;                                                                  \
        if (d != 1.0) { /* a / 1 is a, to the bit */                                              \
            double *o = out ? out + i : buf;                                                      \
            DIV(x, k, d, o);                                                                      \
            x = o;                                                                                \
        } else if (out && out != a) {                                                             \
            memcpy(out + i, x, k * sizeof *x);                                                    \
        }                                                                                         \
        s0 = SEQ(s0, x, k);                                                                       \
    }                                                                                             \
    return s0;

/* p[i] = q[i] / S and, from +0 in index order, the sum of the entropy
 * terms p[i] * (lnS - ((z[i] - off) * invT)) (TERMS: vmath_prob.h's);
 * with pre, the draws' block sums of p too (blk_to: block_sums4's bits,
 * B values a block) from each stretch while it is in L1 */
#define DIVIDE_ENTROPY_BODY(DIV, TERMS, SEQ, TO)                                                         \
    double tb[SEQ_BLK], s = 0.0;                                                                  \
    struct blk_run br = blk_start(B, pre);                                                        \
    for (size_t i = 0; i < n; i += SEQ_BLK) {                                                     \
        size_t k = n - i < SEQ_BLK ? n - i : SEQ_BLK;                                             \
        DIV(q + i, k, S, p + i);                                                                  \
        TERMS(p + i, z + i, (uint32_t)k, off, invT, lnS, tb);                                     \
        s = SEQ(s, tb, k);                                                                        \
        TO(&br, p, i + k, i + k == n);                                                            \
    }                                                                                             \
    return s;

/* The running sums themselves: cum[j] = s + x[0] + ... + x[j], each the
 * loop's partial sum (for a CDF whose every entry defines a draw), from
 * s = s0; returns the last. Within a part whose terms all round to the
 * sum's grid (seq_block8's tests), every partial sum is s plus a prefix
 * sum of the rounded terms, exact in any order: so the prefix runs in
 * vector lanes (three shifted adds per 8 lanes, then the carry, which
 * grows by the 8 terms' sum). A part
 * that fails its tests is redone by the loop. AVX-512 only; the other
 * paths run the loop. */
INLINE double cum_plain(double s, const double *x, size_t k, double *cum)
{
    for (size_t j = 0; j < k; j++) cum[j] = s += x[j];
    return s;
}
#if defined(__x86_64__) && defined(__GNUC__)
/* Whether a vector block's sum stands (cum8_part, divsum8, divent8):
 * every term lay on the running sum's grid (dm: the lanes' largest
 * rounding to it, dmax the scalar tail's, both below half its unit), none
 * was negative (sg: the lanes' or'ed terms, neg the tail's) and the sum
 * stayed inside the binade Kd began */
TARGET_512 INLINE int grid_ok8(__m512d dm, __m512d sg, double dmax, int neg, double sum, double Kd)
{
    double dml[8], sgl[8];
    _mm512_storeu_pd(dml, dm);
    _mm512_storeu_pd(sgl, sg);
    for (int l = 0; l < 8; l++) dmax = dml[l] > dmax ? dml[l] : dmax, neg |= signbit(sgl[l]) != 0;
    return dmax < Kd * 0x1p-53 && !neg && sum < 2.0 * Kd;
}

TARGET_512 INLINE int cum8_part(double s, const double *x, size_t k, double *cum, double *out)
{
    if (!(s >= 0x1p-900 && s < 0x1p1000) || k < 8) return 0;
    const double Kd = seq_binade(s);
    const __m512d K = _mm512_set1_pd(Kd), NZ = _mm512_set1_pd(-0.0);
    const __m512i Z = _mm512_setzero_si512(), L7 = _mm512_set1_epi64(7);
    __m512d carry = _mm512_set1_pd(s), dm = _mm512_setzero_pd(), sg = dm;
    size_t j = 0;
    for (; j + 8 <= k; j += 8) {
        __m512d a = _mm512_loadu_pd(x + j), t = _mm512_sub_pd(_mm512_add_pd(a, K), K);
        dm = _mm512_max_pd(dm, _mm512_andnot_pd(NZ, _mm512_sub_pd(a, t)));
        sg = _mm512_or_pd(sg, a);
        __m512i v = _mm512_castpd_si512(t);
        t = _mm512_add_pd(t, _mm512_castsi512_pd(_mm512_alignr_epi64(v, Z, 7)));
        v = _mm512_castpd_si512(t);
        t = _mm512_add_pd(t, _mm512_castsi512_pd(_mm512_alignr_epi64(v, Z, 6)));
        v = _mm512_castpd_si512(t);
        t = _mm512_add_pd(t, _mm512_castsi512_pd(_mm512_alignr_epi64(v, Z, 4)));
        _mm512_storeu_pd(cum + j, _mm512_add_pd(t, carry));
        carry = _mm512_add_pd(carry, _mm512_permutexvar_pd(L7, t)); /* the chain: one add per 8 */
    }
    double c, dmax = 0.0;
    int neg = 0;
    c = _mm512_cvtsd_f64(carry); /* every lane holds the last partial sum */
    for (; j < k; j++) {
        double t = (x[j] + Kd) - Kd;
        dmax = fabs(x[j] - t) > dmax ? fabs(x[j] - t) : dmax;
        neg |= signbit(x[j]) != 0;
        cum[j] = c += t;
    }
    *out = c;
    return grid_ok8(dm, sg, dmax, neg, c, Kd);
}

TARGET_512 INLINE double cum8(double s, const double *x, size_t n, double *cum)
{
    for (size_t j = 0; j < n;) {
        size_t k = n - j < SEQ_BLK ? n - j : SEQ_BLK;
        double ns;
        if (cum8_part(s, x + j, k, cum + j, &ns)) { s = ns; j += k; continue; }
        /* the loop over the part's first terms (until the sum leaves its
         * binade, or SEQ_STEP of them), then the vectors again */
        size_t m = k < SEQ_STEP ? k : SEQ_STEP;
        double top = 2.0 * seq_binade(s);
        for (size_t e = j + m; j < e || (j < n && s < top); j++) cum[j] = s += x[j];
    }
    return s;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* The walk that takes over from a vector block whose sum cannot stand
 * (seq_walk8, ent_walk8): a block of SEQ_BLK terms fails as a whole
 * when the running sum leaves its binade anywhere in it, which happens
 * some 20-40 times a step while the sum grows from its first term (each
 * failure cost the loop over the whole block, or SEQ_STEP terms per
 * retry). Here each vector of 8 terms is added on its own while it
 * stands (walk_add8), so only the 8 terms where the sum leaves its
 * binade (or a half-way or negative term lies) run the loop. */

/* One vector a of terms added to *S by the grid rule (the top of this
 * block's comment): 1 when it stands, every term on the grid of S's
 * binade [K, 2K) (H = half its unit), none negative or NaN, and the sum
 * still below top = 2K; then its rounded terms are multiples of the
 * grid whose sum below 2K is exact in any order, the reduction's too. */
TARGET_512 INLINE int walk_add8(__m512d a, __m512d K, __m512d H, double top, double *S)
{
    __m512d t = _mm512_sub_pd(_mm512_add_pd(a, K), K);
    __m512d d = _mm512_andnot_pd(_mm512_set1_pd(-0.0), _mm512_sub_pd(a, t));
    if (_mm512_cmp_pd_mask(d, H, _CMP_NLT_UQ) | _mm512_movepi64_mask(_mm512_castpd_si512(a))) return 0;
    double ns = *S + _mm512_reduce_add_pd(t);
    if (!(ns < top)) return 0; /* a partial sum past 2K may have rounded, but never below 2K */
    *S = ns;
    return 1;
}

/* s + x[0] + ... + x[k-1] in index order, to the bit: the vectors that
 * stand, the loop over the 8 terms where one does not */
TARGET_512 INLINE double seq_walk8(double s, const double *x, size_t k)
{
    size_t j = 0;
    while (j < k) {
        if (s >= 0x1p-900 && s < 0x1p1000) {
            const double Kd = seq_binade(s);
            const __m512d K = _mm512_set1_pd(Kd), H = _mm512_set1_pd(Kd * 0x1p-53);
            while (j + 8 <= k && walk_add8(_mm512_loadu_pd(x + j), K, H, 2.0 * Kd, &s)) j += 8;
        }
        for (size_t e = j + 8 < k ? j + 8 : k; j < e; j++) s += x[j];
    }
    return s;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* The quotients A / d of 8 lanes, as divide_fma8 forms them (SV = d, NS =
 * -d, Y = 1 / d: the correctly rounded quotient where every lane lies in
 * [2^-960, 2^900]), else the division instruction: divsum8's and divent8's */
TARGET_512 INLINE __m512d quot8(__m512d A, __m512d SV, __m512d NS, __m512d Y)
{
    const __m512d LO = _mm512_set1_pd(0x1p-960), HI = _mm512_set1_pd(0x1p900);
    if ((_mm512_cmp_pd_mask(A, LO, _CMP_GE_OQ) & _mm512_cmp_pd_mask(A, HI, _CMP_LE_OQ)) != 0xff)
        return _mm512_div_pd(A, SV);
    __m512d Q = _mm512_mul_pd(A, Y);
    Q = _mm512_fmadd_pd(_mm512_fmadd_pd(NS, Q, A), Y, Q);
    return _mm512_fmadd_pd(_mm512_fmadd_pd(NS, Q, A), Y, Q);
}

/* DIVIDE_SUM_BODY on AVX-512 in one loop: per 8 lanes the quotient
 * (divide_fma8's steps, or the division instruction for lanes outside its
 * range), stored, and rounded to the running sum's grid; a block whose sum
 * cannot be vector runs seq_block8 over its stored quotients (the same
 * terms). DIVIDE_SUM_BODY made each block's quotients and then summed
 * them in a second sweep over the block: as much work again as the
 * division. Two accumulators (the rounded terms are multiples of the
 * grid: exact in any order). */
TARGET_512 INLINE double divsum8(const double *a, size_t n, double d, double *out, double s)
{
    if (d == 1.0 || !DIV_S_OK(d)) { double s0 = s; DIVIDE_SUM_BODY(divide_fma8, seq_block8) }
    const __m512d SV = _mm512_set1_pd(d), NS = _mm512_set1_pd(-d), Y = _mm512_set1_pd(1.0 / d);
    const __m512d NZ = _mm512_set1_pd(-0.0);
    double buf[SEQ_BLK];
    for (size_t i = 0; i < n; i += SEQ_BLK) {
        size_t k = n - i < SEQ_BLK ? n - i : SEQ_BLK, j = 0;
        double *o = out ? out + i : buf;
        const double Kd = seq_binade(s);
        const __m512d K = _mm512_set1_pd(Kd);
        __m512d acc0 = _mm512_setzero_pd(), acc1 = acc0, dm = acc0, sg = acc0;
        for (; j + 8 <= k; j += 8) {
            __m512d Q = quot8(_mm512_loadu_pd(a + i + j), SV, NS, Y);
            _mm512_storeu_pd(o + j, Q);
            __m512d tr = _mm512_sub_pd(_mm512_add_pd(Q, K), K);
            dm = _mm512_max_pd(dm, _mm512_andnot_pd(NZ, _mm512_sub_pd(Q, tr)));
            sg = _mm512_or_pd(sg, Q);
            if (j & 8) acc1 = _mm512_add_pd(acc1, tr);
            else acc0 = _mm512_add_pd(acc0, tr);
        }
        double tail = 0.0, dmax = 0.0, sum;
        int neg = 0;
        for (; j < k; j++) {
            double q = a[i + j] / d, tr = (q + Kd) - Kd;
            o[j] = q;
            dmax = fabs(q - tr) > dmax ? fabs(q - tr) : dmax;
            neg |= signbit(q) != 0;
            tail += tr;
        }
        sum = s + (_mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1)) + tail);
        if (s >= 0x1p-900 && s < 0x1p1000 && grid_ok8(dm, sg, dmax, neg, sum, Kd)) s = sum;
        else s = seq_walk8(s, o, k); /* the same stored quotients */
    }
    return s;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* The loop's sum of block [j0, k) of DIVIDE_ENTROPY's terms from s, made
 * from the stored quotients (the same terms) */
INLINE double ent_loop(double s, const double *p, const float *z, size_t j0, size_t k, double off, double invT,
                       double lnS)
{
    for (size_t j = j0; j < k; j++) s += p[j] * (lnS - (((double)z[j] - off) * invT));
    return s;
}

/* 8 entropy terms at j from the stored p: divent8's, operation for
 * operation (the loop's expression per lane) */
TARGET_512 INLINE __m512d ent_terms8(const double *p, const float *z, size_t j, __m512d OFF, __m512d IT, int scaled,
                                     __m512d LN)
{
    __m512d l = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(z + j)), OFF);
    if (scaled) l = _mm512_mul_pd(l, IT);
    return _mm512_mul_pd(_mm512_loadu_pd(p + j), _mm512_sub_pd(LN, l));
}

/* ent_loop over [0, k) by seq_walk8's rule: the terms' vectors that
 * stand, the loop over the 8 where one does not (a block divent8 could
 * not sum at once: its sum left its binade somewhere in it) */
TARGET_512 INLINE double ent_walk8(double s, const double *p, const float *z, size_t k, double off, double invT,
                                   double lnS)
{
    const __m512d OFF = _mm512_set1_pd(off), IT = _mm512_set1_pd(invT), LN = _mm512_set1_pd(lnS);
    const int scaled = invT != 1.0; /* (x - off) * 1 is x - off */
    size_t j = 0;
    while (j < k) {
        if (s >= 0x1p-900 && s < 0x1p1000) {
            const double Kd = seq_binade(s);
            const __m512d K = _mm512_set1_pd(Kd), H = _mm512_set1_pd(Kd * 0x1p-53);
            while (j + 8 <= k && walk_add8(ent_terms8(p, z, j, OFF, IT, scaled, LN), K, H, 2.0 * Kd, &s)) j += 8;
        }
        size_t e = j + 8 < k ? j + 8 : k;
        s = ent_loop(s, p, z, j, e, off, invT, lnS);
        j = e;
    }
    return s;
}

/* DIVIDE_ENTROPY_BODY on AVX-512 in one loop: per 8 lanes the quotient
 * (divide_fma8's steps, or the division instruction for lanes outside its
 * range), the term, and the term rounded to the running sum's grid, with
 * nothing stored but p; a block whose sum cannot be vector runs the loop
 * from the stored p (seq_block8's tests, per SEQ_BLK terms). */
TARGET_512 INLINE double divent8(const double *q, const float *z, size_t n, double S, double off, double invT,
                                 double lnS, double *p, size_t B, double *pre)
{
    if (!DIV_S_OK(S)) { DIVIDE_ENTROPY_BODY(divide_fma8, terms8, seq_block8, blk_to8) }
    const __m512d SV = _mm512_set1_pd(S), NS = _mm512_set1_pd(-S), Y = _mm512_set1_pd(1.0 / S);
    const __m512d NZ = _mm512_set1_pd(-0.0);
    const __m512d OFF = _mm512_set1_pd(off), IT = _mm512_set1_pd(invT), LN = _mm512_set1_pd(lnS);
    const int scaled = invT != 1.0; /* (x - off) * 1 is x - off */
    double s = 0.0;
    struct blk_run br = blk_start(B, pre);
    const int inreg = pre && B == 32; /* the draws' blocks: 4 vectors, SEQ_BLK / 32 to a stretch */
    for (size_t i = 0; i < n; i += SEQ_BLK) {
        size_t k = n - i < SEQ_BLK ? n - i : SEQ_BLK, j = 0;
        const double Kd = seq_binade(s);
        const __m512d K = _mm512_set1_pd(Kd);
        __m512d acc = _mm512_setzero_pd(), dm = acc, sg = acc, bq = acc;
        for (; j + 8 <= k; j += 8) {
            __m512d Q = quot8(_mm512_loadu_pd(q + i + j), SV, NS, Y);
            _mm512_storeu_pd(p + i + j, Q);
            if (inreg) { /* block_one8's adds on the quotients in hand */
                bq = _mm512_add_pd(bq, Q);
                if ((j & 24) == 24) blk_push8(&br, bq), bq = _mm512_setzero_pd();
            }
            __m512d l = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(z + i + j)), OFF);
            if (scaled) l = _mm512_mul_pd(l, IT);
            __m512d t = _mm512_mul_pd(Q, _mm512_sub_pd(LN, l));
            __m512d tr = _mm512_sub_pd(_mm512_add_pd(t, K), K);
            dm = _mm512_max_pd(dm, _mm512_andnot_pd(NZ, _mm512_sub_pd(t, tr)));
            sg = _mm512_or_pd(sg, t);
            acc = _mm512_add_pd(acc, tr);
        }
        double tail = 0.0, dmax = 0.0, sum;
        int neg = 0;
        for (; j < k; j++) {
            double pj = q[i + j] / S, t = pj * (lnS - (((double)z[i + j] - off) * invT)), tr = (t + Kd) - Kd;
            p[i + j] = pj;
            dmax = fabs(t - tr) > dmax ? fabs(t - tr) : dmax;
            neg |= signbit(t) != 0;
            tail += tr;
        }
        sum = s + (_mm512_reduce_add_pd(acc) + tail);
        if (s >= 0x1p-900 && s < 0x1p1000 && grid_ok8(dm, sg, dmax, neg, sum, Kd)) s = sum;
        else s = ent_walk8(s, p + i, z + i, k, off, invT, lnS);
        blk_to8(&br, p, i + k, i + k == n);
    }
    return s;
}
#endif

#endif
