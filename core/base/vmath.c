/* vmath.c: the wide passes (see vmath.h). Each kernel body is an
 * always-inline function over 8-lane vectors; the three wrappers below
 * compile it for AVX-512, AVX2 and the baseline, and vm_ops picks one.
 * Vectors are 4 doubles (one ymm, or two xmm on the baseline): the same
 * lane arithmetic, so the same bits, on every path. (8-double vectors made
 * GCC scalarise double compares on AVX2.) */
#include "base/vmath.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
/* 8 doubles (one zmm): only in the AVX-512 path's exp passes, which keep
 * the lane sums of the 4-double code exactly (see exp_body8) */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
typedef uint64_t v8u __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));

#define INLINE static inline __attribute__((always_inline))

INLINE v4f load4f(const float *p) { v4f v; memcpy(&v, p, sizeof v); return v; }
/* lanes where m is all ones take a, the others b */
INLINE v4d sel4d(v4l m, v4d a, v4d b) { return (v4d)(((v4l)a & m) | ((v4l)b & ~m)); }
INLINE v8f load8f(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
INLINE v8d sel8d(v8l m, v8d a, v8d b) { return (v8d)(((v8l)a & m) | ((v8l)b & ~m)); }
/* finite lanes: x - x is 0 for finite x and NaN for NaN and +-inf */
INLINE v4i finite4(v4f z) { v4f d = z - z; return d == d; }
INLINE v8i finite8(v8f z) { v8f d = z - z; return d == d; }

/* The reduction and polynomial both exp forms share (declares kd, the
 * shifted multiple of ln 2 whose low bits are n, and p = exp(r)): one
 * definition, so the normal-range form has EXP_LANES's operations exactly. */
#define EXP_SHIFT 6755399441055744.0 /* 1.5 * 2^52: adding it rounds to an integer */
#define EXP_REDUCE_POLY(VD, x, kd, p)                                                            \
    const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;          \
    VD kd = (x) * 1.4426950408889634 + EXP_SHIFT;                                                   \
    VD n_ = kd - EXP_SHIFT;                                                                         \
    VD r = ((x) - n_ * LN2_HI) - n_ * LN2_LO;                                                       \
    VD r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;                                                      \
    VD a01 = r + 1.0, a23 = r * (1.0 / 6.0) + 0.5;                                                  \
    VD a45 = r * (1.0 / 120.0) + 1.0 / 24.0, a67 = r * (1.0 / 5040.0) + 1.0 / 720.0;                \
    VD a89 = r * (1.0 / 362880.0) + 1.0 / 40320.0, a1011 = r * (1.0 / 39916800.0) + 1.0 / 3628800.0;\
    VD a1213 = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;                                        \
    VD b0 = a23 * r2 + a01, b1 = a67 * r2 + a45, b2 = a1011 * r2 + a89;                             \
    VD c1 = a1213 * r4 + b2;                                                                        \
    VD p = (c1 * r8 + b1 * r4) + b0

/* exp(x) per lane: x = n ln2 + r, |r| <= ln2/2 (ln 2 split in fdlibm's two
 * parts so n * LN2_HI is exact), Taylor to r^13 (truncation < 2e-17
 * relative) by Estrin's scheme (depth 4, so neighbouring vectors overlap in
 * the pipeline), times 2^n. 2^n is built in the exponent bits as
 * 2^(n + 1000) * 2^-1000: both factors are normal for every n down to
 * -1077, the first product is exact, and the second rounds once, so results
 * in the subnormal range (x below -708) come out as libm's do instead of 0.
 * Lanes below -746 (and NaN) give 0; x is clamped at 709 above. */
#define EXP_LANES(NAME, VD, VL, VU, SEL)                                                         \
INLINE VD NAME(VD x)                                                                                \
{                                                                                                   \
    const double SHIFT = EXP_SHIFT;                                                                 \
    const double TWO_M1000 = 0x1p-1000;                                                             \
    const VD zero = {0};                                                                            \
    VL keep = x >= -746.0;                                                                          \
    x = SEL(keep, x, zero - 746.0);                                                                 \
    x = SEL(x <= 709.0, x, zero + 709.0);                                                           \
    EXP_REDUCE_POLY(VD, x, kd, p);                                                                  \
    VU big = ((VU)kd - (VU)(zero + SHIFT) + 1023u + 1000u) << 52; /* 2^(n + 1000) */                \
    VU direct = ((VU)kd - (VU)(zero + SHIFT) + 1023u) << 52;      /* 2^n, normal n */               \
    VL tiny = x < -708.0;                                                                           \
    VD y = SEL(tiny, (p * (VD)big) * TWO_M1000, p * (VD)direct);                                    \
    return SEL(keep, y, zero);                                                                      \
}
EXP_LANES(exp4, v4d, v4l, v4u, sel4d)
EXP_LANES(exp8, v8d, v8l, v8u, sel8d)

/* EXP_LANES's arithmetic, operation for operation, for lanes known to be
 * finite and in [-708, 709]: its clamps, subnormal branch and selects are
 * no-ops there, so leaving them out keeps every bit */
#define EXP_NORMAL(NAME, VD, VU, ATTR)                                                               \
ATTR INLINE VD NAME(VD x)                                                                          \
{                                                                                                  \
    const double SHIFT = EXP_SHIFT;                                                                \
    const VD zero = {0};                                                                           \
    EXP_REDUCE_POLY(VD, x, kd, p);                                                                 \
    VU direct = ((VU)kd - (VU)(zero + SHIFT) + 1023u) << 52; /* 2^n, normal n */                   \
    return p * (VD)direct;                                                                         \
}
EXP_NORMAL(exp4_normal, v4d, v4u, )

/* 4 lanes at z (count valid lanes; the rest are padding that weighs 0),
 * divided by T first in float when div (IEEE per lane, as vm_fdiv): the
 * weights, and the scaled shifted logits (0 where not finite) in *xo */
INLINE v4d exp_lanes(const float *z, size_t count, int div, float T, double shift, double scale, v4d *xo)
{
    float pad[4];
    if (count < 4) {
        for (size_t k = 0; k < 4; k++) pad[k] = k < count ? z[k] : NAN;
        z = pad;
    }
    v4f f = load4f(z);
    if (div) f = f / T;
    v4l fin = __builtin_convertvector(finite4(f), v4l);
    v4d x = sel4d(fin, (__builtin_convertvector(f, v4d) - shift) * scale, (v4d){0});
    *xo = x;
    return sel4d(fin, exp4(x), (v4d){0});
}

/* The lanes from i on (fewer than 16 left, or all of them), into the 16
 * lane sums acc/ed, then the sums added in one fixed order. */
INLINE double exp_tail(const float *z, size_t i, size_t n, int div, float T, double shift, double scale,
                       double *out, double *sum_ed, v4d acc[4], v4d ed[4])
{
    for (int k = 0; i < n; i += 4, k = (k + 1) & 3) {
        size_t c = n - i < 4 ? n - i : 4;
        v4d x, e = exp_lanes(z + i, c, div, T, shift, scale, &x);
        acc[k] += e;
        ed[k] += e * x;
        if (out) for (size_t j = 0; j < c; j++) out[i + j] = e[j];
    }
    v4d a = (acc[0] + acc[1]) + (acc[2] + acc[3]), b = (ed[0] + ed[1]) + (ed[2] + ed[3]);
    if (sum_ed) *sum_ed = (b[0] + b[1]) + (b[2] + b[3]);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* 16 lane sums: blocks of 16 tokens, token i + 4k + j into acc[k] lane j */
INLINE double exp_body(const float *z, size_t n, int div, float T, double shift, double scale, double *out,
                       double *sum_ed, const float *pf)
{
    v4d acc[4] = {{0}}, ed[4] = {{0}};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if (pf) __builtin_prefetch(pf + i, 0, 2); /* a hint: never faults */
        /* x before the finite select: NaN or inf fails the range test, so
         * in a block that passes it every lane is finite and normal */
        v4d xr[4];
        v4l ok = {-1, -1, -1, -1};
        for (int k = 0; k < 4; k++) {
            v4f f = load4f(z + i + 4 * k);
            if (div) f = f / T;
            xr[k] = (__builtin_convertvector(f, v4d) - shift) * scale;
            ok &= (xr[k] >= -708.0) & (xr[k] <= 709.0);
        }
        if ((ok[0] & ok[1] & ok[2] & ok[3]) == -1) {
            for (int k = 0; k < 4; k++) {
                v4d e = exp4_normal(xr[k]);
                acc[k] += e;
                ed[k] += e * xr[k];
                if (out) memcpy(out + i + 4 * k, &e, sizeof e);
            }
            continue;
        }
        for (int k = 0; k < 4; k++) {
            v4d x, e = exp_lanes(z + i + 4 * k, 4, div, T, shift, scale, &x);
            acc[k] += e;
            ed[k] += e * x;
            if (out) memcpy(out + i + 4 * k, &e, sizeof e);
        }
    }
    return exp_tail(z, i, n, div, T, shift, scale, out, sum_ed, acc, ed);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define TARGET_512 __attribute__((target("avx512f,avx512dq")))
EXP_NORMAL(exp8_normal, v8d, v8u, TARGET_512)

/* 8 lanes at z: x = ((double)(z / T if div) - shift) * scale as
 * exp_lanes forms it; 1 when every lane is finite with x in [-708, 709]
 * (the usual step's every lane: the callers shift by the maximum) */
TARGET_512 INLINE int x8_normal(const float *z, int div, float T, double shift, double scale, __m512d *x)
{
    __m256 f = _mm256_loadu_ps(z);
    if (div) f = _mm256_div_ps(f, _mm256_set1_ps(T));
    *x = _mm512_mul_pd(_mm512_sub_pd(_mm512_cvtps_pd(f), _mm512_set1_pd(shift)), _mm512_set1_pd(scale));
    __mmask8 lo = _mm512_cmp_pd_mask(*x, _mm512_set1_pd(-708.0), _CMP_GE_OQ);
    __mmask8 hi = _mm512_cmp_pd_mask(*x, _mm512_set1_pd(709.0), _CMP_LE_OQ);
    return (lo & hi) == 0xff;
}

/* the general lanes of 8 tokens (exp_lanes on 8-double vectors) */
TARGET_512 INLINE v8d exp8_general(const float *z, int div, float T, double shift, double scale, v8d *xo)
{
    v8f f = load8f(z);
    if (div) f = f / T;
    v8l fin = __builtin_convertvector(finite8(f), v8l);
    v8d x = sel8d(fin, (__builtin_convertvector(f, v8d) - shift) * scale, (v8d){0});
    *xo = x;
    return sel8d(fin, exp8(x), (v8d){0});
}

/* exp_body on 8-double vectors: lanes 0-3 of acc8[h] are exp_body's
 * acc[2h] and lanes 4-7 its acc[2h + 1], and every lane does the same
 * arithmetic, so the result has the same bits at twice the width. A block
 * of 16 whose lanes are all normal (x8_normal) takes exp8_normal. */
TARGET_512 INLINE double exp_body8(const float *z, size_t n, int div, float T, double shift, double scale,
                                   double *out, double *sum_ed, const float *pf)
{
    v8d acc0 = {0}, acc1 = {0}, ed0 = {0}, ed1 = {0}, x0, x1, e0, e1;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if (pf) __builtin_prefetch(pf + i, 0, 2); /* a hint: never faults */
        __m512d u0, u1;
        int ok = x8_normal(z + i, div, T, shift, scale, &u0) & x8_normal(z + i + 8, div, T, shift, scale, &u1);
        if (ok) {
            x0 = (v8d)u0, x1 = (v8d)u1;
            e0 = exp8_normal(x0), e1 = exp8_normal(x1);
        } else {
            e0 = exp8_general(z + i, div, T, shift, scale, &x0);
            e1 = exp8_general(z + i + 8, div, T, shift, scale, &x1);
        }
        acc0 += e0;
        ed0 += e0 * x0;
        acc1 += e1;
        ed1 += e1 * x1;
        if (out) { memcpy(out + i, &e0, sizeof e0); memcpy(out + i + 8, &e1, sizeof e1); }
    }
    v4d acc[4], ed[4];
    memcpy(&acc[0], &acc0, sizeof acc0); /* two v4d, in lane order */
    memcpy(&acc[2], &acc1, sizeof acc1);
    memcpy(&ed[0], &ed0, sizeof ed0);
    memcpy(&ed[2], &ed1, sizeof ed1);
    return exp_tail(z, i, n, div, T, shift, scale, out, sum_ed, acc, ed);
}
#endif

/* the 4-lane blocks from i on, then the scalar tail, and the sums */
INLINE double fdiv_tail(const float *z, size_t i, size_t n, float T, double shift, float *y, double *out,
                        v4d acc[2])
{
    for (; i + 4 <= n; i += 4) {
        v4f f = load4f(z + i) / T; /* IEEE float division per lane */
        v4d e = exp4(__builtin_convertvector(f, v4d) - shift);
        acc[(i >> 2) & 1] += e;
        if (y) memcpy(y + i, &f, sizeof f);
        if (out) memcpy(out + i, &e, sizeof e);
    }
    double s = 0.0;
    for (; i < n; i++) { /* the tail through the same vector code, one lane used */
        v4f f = (v4f){z[i], 0, 0, 0} / T;
        v4d e = exp4(__builtin_convertvector(f, v4d) - shift);
        s += e[0];
        if (y) y[i] = f[0];
        if (out) out[i] = e[0];
    }
    v4d a = acc[0] + acc[1];
    return ((a[0] + a[1]) + (a[2] + a[3])) + s;
}

/* 8 lane sums: block i (4 tokens) into acc[block & 1] */
INLINE double fdiv_body(const float *z, size_t n, float T, double shift, float *y, double *out)
{
    v4d acc[2] = {{0}};
    return fdiv_tail(z, 0, n, T, shift, y, out, acc);
}

/* fdiv_body 8 tokens a turn: lanes 0-3 are acc[0]'s, 4-7 acc[1]'s */
INLINE double fdiv_body8(const float *z, size_t n, float T, double shift, float *y, double *out)
{
    v8d acc8 = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f f = load8f(z + i) / T;
        v8d e = exp8(__builtin_convertvector(f, v8d) - shift);
        acc8 += e;
        if (y) memcpy(y + i, &f, sizeof f);
        if (out) memcpy(out + i, &e, sizeof e);
    }
    v4d acc[2];
    memcpy(acc, &acc8, sizeof acc8);
    return fdiv_tail(z, i, n, T, shift, y, out, acc);
}

/* out[i] = a[i] / s (out may be a): IEEE division per lane, the bits of
 * a scalar loop's */
INLINE void divide_body(const double *a, size_t n, double s, double *out)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d v;
        memcpy(&v, a + i, sizeof v);
        v = v / s;
        memcpy(out + i, &v, sizeof v);
    }
    for (; i < n; i++) out[i] = a[i] / s;
}

/* The same quotients without a divide instruction per vector (a divider
 * does one vector in ~16 cycles; this, five multiply-adds). With y =
 * RN(1/s) (one IEEE division), q0 = RN(a y), then twice r = a - s q
 * (one fused multiply-add) and q = RN(q + r y):
 *  - q0 is within 2u + u^2 (u = 2^-53) of x = a / s, relative, so the
 *    first step's q + r y lies within about 8u ulp(x) of x, and its
 *    rounding q1 is a neighbour of x (a faithful quotient);
 *  - for a faithful q1, r1 = a - s q1 is exact, and q1 + r1 y = x + e (x -
 *    q1) with |e| <= u, and RN(q1 + r1 y) = RN(x): Markstein's theorem
 *    (Muller et al., Handbook of Floating-Point Arithmetic, the division
 *    by Newton-Raphson with an FMA; the IA-64 division proofs rest on it).
 * It needs every value normal: s in [2^-50, 2^50] (checked once) and a
 * lane's a in [2^-960, 2^900] (x and the residuals, about 2^-52 a, stay
 * normal; nothing overflows); a vector with any other lane (0, subnormal,
 * negative, huge, NaN) is divided by the instruction. So the bits are the
 * division's on every path (test_vmath checks it on random and
 * near-midpoint quotients and the paths' checksum). */
#if defined(__x86_64__) && defined(__GNUC__)
#define DIV_S_OK(s) ((s) >= 0x1p-50 && (s) <= 0x1p50)
/* one body for both widths: P is the intrinsics' prefix, W the lanes, OK
 * whether every lane of A lies in [LO, HI] */
#define DIVIDE_FMA(NAME, ATTR, VD, P, W, OK)                                                          \
ATTR INLINE void NAME(const double *a, size_t n, double s, double *out)                            \
{                                                                                                  \
    if (!DIV_S_OK(s)) { divide_body(a, n, s, out); return; }                                       \
    const VD S = P##_set1_pd(s), NS = P##_set1_pd(-s), Y = P##_set1_pd(1.0 / s);                   \
    const VD LO = P##_set1_pd(0x1p-960), HI = P##_set1_pd(0x1p900);                                \
    size_t i = 0;                                                                                  \
    for (; i + W <= n; i += W) {                                                                   \
        VD A = P##_loadu_pd(a + i), q;                                                             \
        if (!(OK)) {                                                                               \
            q = P##_div_pd(A, S);                                                                  \
        } else {                                                                                   \
            q = P##_mul_pd(A, Y);                                                                  \
            q = P##_fmadd_pd(P##_fmadd_pd(NS, q, A), Y, q);                                        \
            q = P##_fmadd_pd(P##_fmadd_pd(NS, q, A), Y, q);                                        \
        }                                                                                          \
        P##_storeu_pd(out + i, q);                                                                 \
    }                                                                                              \
    for (; i < n; i++) out[i] = a[i] / s;                                                          \
}
DIVIDE_FMA(divide_fma8, TARGET_512, __m512d, _mm512, 8,
           (_mm512_cmp_pd_mask(A, LO, _CMP_GE_OQ) & _mm512_cmp_pd_mask(A, HI, _CMP_LE_OQ)) == 0xff)
DIVIDE_FMA(divide_fma4, __attribute__((target("avx2,fma"))), __m256d, _mm256, 4,
           _mm256_movemask_pd(_mm256_and_pd(_mm256_cmp_pd(A, LO, _CMP_GE_OQ), _mm256_cmp_pd(A, HI, _CMP_LE_OQ))) == 0xf)
#endif

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

#define FLOAT_KERNELS(W, VF, VI, ATTR)                                                                 \
ATTR INLINE VF ldf##W(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }                 \
ATTR INLINE VI finf##W(VF z) { VF d = z - z; return d == d; }                                      \
ATTR INLINE VF self##W(VI m, VF a, VF b) { return (VF)(((VI)a & m) | ((VI)b & ~m)); }              \
ATTR INLINE int anyf##W(VI m) { return maskbits##W(m) != 0; }                                      \
/* The usual step has no non-finite logit: one maximum instruction a  \
 * vector, and the sum of z - z, which stays 0 unless a lane was NaN or  \
 * inf (then scan##W's full pass counts them). Returns 0 when one was.   \
 * With ids (cap entries), also the ids of the z >= thr: *m their count, \
 * SIZE_MAX when more than fit. */                                       \
ATTR INLINE int scanfast##W(const float *z, size_t n, VF mxo[4], size_t *upto, float thr, int32_t *ids, \
                            size_t cap, size_t *m)                                                 \
{                                                                                                  \
    VF nf[4] = { {0}, {0}, {0}, {0} }, tv = (VF){0} + thr;                                         \
    VF mx[4] = { mxo[0], mxo[1], mxo[2], mxo[3] }; /* in registers, not behind the pointer */      \
    size_t i = 0, c = 0;                                                                           \
    for (; i + 4 * W <= n; i += 4 * W) {                                                           \
        _Pragma("GCC unroll 4") /* mx[u] stays in a register only if u is a constant */            \
        for (int u = 0; u < 4; u++) {                                                              \
            VF v = ldf##W(z + i + (size_t)u * W);                                                  \
            mx[u] = maxf##W(v, mx[u]);                                                             \
            nf[u] += v - v;                                                                        \
            if (!ids) continue;                                                                    \
            unsigned bits = maskbits##W(v >= tv);                                                  \
            if (bits && c + (size_t)__builtin_popcount(bits) > cap) { ids = NULL; c = SIZE_MAX; continue; } \
            for (; bits; bits &= bits - 1) ids[c++] = (int32_t)(i + (size_t)u * W + (size_t)__builtin_ctz(bits)); \
        }                                                                                          \
    }                                                                                              \
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
    size_t i = 0, nbad = 0;                                                                        \
    if (!scanfast##W(z, n, mx, &i, thr, ids, cap, cnt)) {                                          \
        i = 0;                                                                                     \
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
    /* the first index holding the maximum: the first block with a match */                        \
    VF mv = (VF){0} + m;                                                                           \
    for (i = 0; i + W <= n && !anyf##W(ldf##W(z + i) == mv); i += W) {}                            \
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
ATTR INLINE size_t collect##W(const float *z, size_t n, double thr, int32_t *ids)                       \
{                                                                                                  \
    float f = float_at_or_above(thr);                                                              \
    VF fv = (VF){0} + f;                                                                           \
    size_t m = 0, i = 0;                                                                           \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        unsigned bits = maskbits##W((v >= fv) & finf##W(v));                                      \
        for (; bits; bits &= bits - 1) ids[m++] = (int32_t)(i + (size_t)__builtin_ctz(bits));      \
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
/* nonfinite##W and absgt##W in one pass: the first (memory-bound) pass \
 * over a step pays for both */                                          \
ATTR INLINE size_t nfabs##W(const float *z, size_t n, double thr, size_t *over)                        \
{                                                                                                  \
    float f = float_at_or_below(thr);                                                              \
    VF fv = (VF){0} + f;                                                                           \
    VI bad = {0}, cnt = {0};                                                                       \
    size_t i = 0, m = 0, o = 0;                                                                    \
    for (; i + W <= n; i += W) {                                                                   \
        VF v = ldf##W(z + i);                                                                      \
        VI fin = finf##W(v);                                                                       \
        VF a = self##W(fin, v, (VF){0});                                                           \
        bad += fin + 1;                                                                            \
        cnt -= (a > fv) | (a < -fv);                                                               \
    }                                                                                              \
    for (int k = 0; k < W; k++) m += (size_t)bad[k], o += (size_t)cnt[k];                          \
    for (; i < n; i++) {                                                                           \
        m += !isfinite(z[i]);                                                                      \
        o += isfinite(z[i]) && fabs((double)z[i]) > thr;                                           \
    }                                                                                              \
    *over = o;                                                                                     \
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

#define VM_PATH(SUFFIX, ATTR, EXPB, FDIVB, W, DIVB)                                                    \
    ATTR static void scan_##SUFFIX(const float *z, size_t n, struct vm_scan *o, float thr, int32_t *ids, \
                                   size_t cap, size_t *m) { scan##W(z, n, o, thr, ids, cap, m); }     \
    ATTR static double exp_##SUFFIX(const float *z, size_t n, double sh, double sc, double *out,       \
                                    double *ed, const float *pf) { return EXPB(z, n, 0, 1.0f, sh, sc, out, ed, pf); } \
    ATTR static double expdiv_##SUFFIX(const float *z, size_t n, float T, double sh, double *out,      \
                                       double *ed) { return EXPB(z, n, 1, T, sh, 1.0, out, ed, NULL); } \
    ATTR static void divide_##SUFFIX(const double *a, size_t n, double s, double *o) { DIVB(a, n, s, o); } \
    ATTR static double fdiv_##SUFFIX(const float *z, size_t n, float T, double sh, float *y, double *o) \
    { return FDIVB(z, n, T, sh, y, o); }                                                              \
    ATTR static size_t nonfinite_##SUFFIX(const float *z, size_t n) { return nonfinite##W(z, n); }     \
    ATTR static size_t collect_##SUFFIX(const float *z, size_t n, double thr, int32_t *ids)           \
    { return collect##W(z, n, thr, ids); }                                                            \
    ATTR static size_t absgt_##SUFFIX(const float *z, size_t n, double thr) { return absgt##W(z, n, thr); } \
    ATTR static void iota_##SUFFIX(int32_t *a, size_t n) { iota##W(a, n); }                           \
    ATTR static size_t nfabs_##SUFFIX(const float *z, size_t n, double thr, size_t *o) { return nfabs##W(z, n, thr, o); } \
    ATTR static void fdivonly_##SUFFIX(const float *z, size_t n, float T, float *y) { fdivonly##W(z, n, T, y); } \
    ATTR static double expfsum_##SUFFIX(const float *z, size_t n, float c, float m, float zmin, int32_t *ids, \
                                        size_t *n_ids, double *sx, size_t *nb)                           \
    { return expfsum##W(z, n, c, m, zmin, ids, n_ids, sx, nb); }

#if defined(__x86_64__) && defined(__GNUC__)
VM_PATH(avx512, TARGET_512, exp_body8, fdiv_body8, 16, divide_fma8)
VM_PATH(avx2, TARGET_AVX2, exp_body, fdiv_body, 8, divide_fma4)
#define VM_X86 1
#endif
VM_PATH(portable, , exp_body, fdiv_body, 4, divide_body)

struct vm_ops {
    const char *name;
    void (*scan)(const float *, size_t, struct vm_scan *, float, int32_t *, size_t, size_t *);
    double (*exp_shift)(const float *, size_t, double, double, double *, double *, const float *);
    double (*exp_div)(const float *, size_t, float, double, double *, double *);
    void (*divide)(const double *, size_t, double, double *);
    size_t (*nonfinite)(const float *, size_t);
    double (*fdiv)(const float *, size_t, float, double, float *, double *);
    size_t (*collect)(const float *, size_t, double, int32_t *);
    size_t (*abs_gt)(const float *, size_t, double);
    size_t (*nf_abs_gt)(const float *, size_t, double, size_t *);
    void (*iota)(int32_t *, size_t);
    void (*fdiv_only)(const float *, size_t, float, float *);
    double (*expf_sum)(const float *, size_t, float, float, float, int32_t *, size_t *, double *, size_t *);
};

static const struct vm_ops paths[] = {
    { "portable", scan_portable, exp_portable, expdiv_portable, divide_portable, nonfinite_portable, fdiv_portable, collect_portable, absgt_portable, nfabs_portable, iota_portable, fdivonly_portable, expfsum_portable },
#ifdef VM_X86
    { "avx2", scan_avx2, exp_avx2, expdiv_avx2, divide_avx2, nonfinite_avx2, fdiv_avx2, collect_avx2, absgt_avx2, nfabs_avx2, iota_avx2, fdivonly_avx2, expfsum_avx2 },
    { "avx512", scan_avx512, exp_avx512, expdiv_avx512, divide_avx512, nonfinite_avx512, fdiv_avx512, collect_avx512, absgt_avx512, nfabs_avx512, iota_avx512, fdivonly_avx512, expfsum_avx512 },
#endif
};

static int cpu_has(int path)
{
#ifdef VM_X86
    __builtin_cpu_init();
    if (path == 1) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (path == 2) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#endif
    return path == 0;
}

/* the path: the best the CPU has, or LOGITSCOPE_SIMD's if the CPU has it */
static int choose(void)
{
    int n = (int)(sizeof paths / sizeof paths[0]), best = 0;
    for (int k = 1; k < n; k++) if (cpu_has(k)) best = k;
    const char *env = getenv("LOGITSCOPE_SIMD");
    if (!env || !*env) return best;
    for (int k = 0; k < n; k++) if (!strcmp(env, paths[k].name)) return cpu_has(k) ? k : 0;
    return best;
}

static const struct vm_ops *ops(void)
{
    static atomic_int chosen = -1;
    int k = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (k < 0) { k = choose(); atomic_store_explicit(&chosen, k, memory_order_relaxed); }
    return &paths[k];
}

void vm_scan(const float *z, size_t n, struct vm_scan *out) { ops()->scan(z, n, out, 0.0f, NULL, 0, NULL); }
size_t vm_scan_collect(const float *z, size_t n, double thr, int32_t *ids, size_t cap, struct vm_scan *out)
{
    size_t m = SIZE_MAX;
    float f = float_at_or_above(thr);
    if (f != f) { ops()->scan(z, n, out, 0.0f, NULL, 0, NULL); return SIZE_MAX; }
    ops()->scan(z, n, out, f, ids, cap, &m);
    return m;
}
double vm_exp_shift(const float *z, size_t n, double shift, double scale, double *out, double *sum_ed)
{
    return ops()->exp_shift(z, n, shift, scale, out, sum_ed, NULL);
}
double vm_exp_shift_pf(const float *z, size_t n, double shift, double scale, double *out, double *sum_ed,
                       const float *next)
{
    return ops()->exp_shift(z, n, shift, scale, out, sum_ed, next);
}
double vm_exp_fdiv_shift(const float *z, size_t n, float T, double shift, double *out, double *sum_ed)
{
    return ops()->exp_div(z, n, T, shift, out, sum_ed);
}
void vm_divide(double *a, size_t n, double s) { ops()->divide(a, n, s, a); }
void vm_divide_into(const double *a, size_t n, double s, double *out) { ops()->divide(a, n, s, out); }
size_t vm_count_nonfinite(const float *z, size_t n) { return ops()->nonfinite(z, n); }
double vm_exp_fdiv(const float *z, size_t n, float T, double shift, float *y, double *out)
{
    return ops()->fdiv(z, n, T, shift, y, out);
}
size_t vm_collect_ge(const float *z, size_t n, double thr, int32_t *ids) { return ops()->collect(z, n, thr, ids); }

void vm_iota(int32_t *a, size_t n) { ops()->iota(a, n); }
/* the error bound of expfsum's total s (sx: its sum of w * |x|, summed in
 * float over nb blocks: relative error up to nb * 2^-23; scaled: c is not
 * 1, so x carries the product's roundings too) */
static double expf_bound(double s, double sx, size_t n, size_t nb, double ymax, int scaled)
{
    /* per term: the polynomial and its float roundings (< 5e-7 relative),
     * x rounded to float (relative 2^-24 of x, so w * |x| * 6e-8), a lane
     * that underflowed or is subnormal (< 2e-38 each), the float pre-sum of
     * four vectors (two roundings: 1.2e-7 relative); the double sums' own
     * rounding (n * 2^-52 relative); scaled: z * c against torch's z / T,
     * three roundings of y (|y| <= |ymax| + |x|: w * 1.8e-7 * (|ymax| +
     * |x|), taken as 2.5e-7); 1% on top */
    sx *= 1.0 + (double)(nb + 8) * 0x1p-23;
    double e = 6.2e-7 * s + 6.0e-8 * sx + 2e-38 * (double)n + (double)n * 0x1p-52 * (s + sx);
    if (scaled) e += 2.5e-7 * (fabs(ymax) * s + sx);
    return 1.01 * e;
}

double vm_expf_sum(const float *y, size_t n, float ymax, double *err)
{
    size_t nb;
    double sx, s = ops()->expf_sum(y, n, 1.0f, ymax, 0.0f, NULL, NULL, &sx, &nb);
    *err = expf_bound(s, sx, n, nb, ymax, 0);
    return s;
}

double vm_expf_sum_div(const float *z, size_t n, float T, float ymax, float zmin, int32_t *ids, size_t *n_ids,
                       double *err)
{
    size_t nb;
    double sx, s = ops()->expf_sum(z, n, 1.0f / T, ymax, zmin, ids, n_ids, &sx, &nb);
    *err = expf_bound(s, sx, n, nb, ymax, 1);
    return s;
}

void vm_exp_shift_ids(const float *z, const int32_t *ids, size_t n, double shift, double scale, double *q)
{
    enum { CH = 64 };
    float zb[CH];
    double eb[CH];
    const struct vm_ops *o = ops();
    for (size_t i = 0; i < n; i += CH) {
        size_t k = n - i < CH ? n - i : CH;
        for (size_t j = 0; j < k; j++) zb[j] = z[ids[i + j]];
        (void)o->exp_shift(zb, k, shift, scale, eb, NULL, NULL);
        for (size_t j = 0; j < k; j++) q[ids[i + j]] = eb[j];
    }
}

void vm_fdiv(const float *z, size_t n, float T, float *y) { ops()->fdiv_only(z, n, T, y); }
size_t vm_count_abs_gt(const float *z, size_t n, double thr) { return ops()->abs_gt(z, n, thr); }
size_t vm_count_nonfinite_abs_gt(const float *z, size_t n, double thr, size_t *n_over)
{
    return ops()->nf_abs_gt(z, n, thr, n_over);
}
const char *vm_path_name(void) { return ops()->name; }
