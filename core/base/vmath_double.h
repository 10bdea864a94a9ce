/* vmath_double.h: vmath.c's double-precision kernels: our exp (the same
 * bits on every path), the exp passes with their lane sums, the float
 * division by T before the exp, and the division by a step's total.
 * Internal to vmath.c, which includes it once after vmath_lanes.h and
 * instantiates them per path (VM_PATH); not an API. Units as vmath.h. */
#ifndef LS_VMATH_DOUBLE_H
#define LS_VMATH_DOUBLE_H

#include "base/vmath_lanes.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#include <math.h>

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

/* The sum of w[0..n) in vm_exp_fdiv's order (emu_fdiv_order_sum's bits:
 * token i into slot i mod 8 while whole blocks of 8 last, the next 4 into
 * slots 0-3, the rest into a scalar sum; then slots j and j + 4 paired,
 * the pairs added as ((0 + 1) + (2 + 3)), the scalar sum last), going on
 * from i (a multiple of 8) with slots 0-3 in lo and 4-7 in hi holding
 * w[0..i)'s: the exp pass adds each weight as it makes it (a sum its
 * caller would otherwise read the whole array again for), this the tail */
INLINE double order_sum_from(const v4d *lo_in, const v4d *hi_in, const double *w, size_t i, size_t n)
{ /* (slots through pointers: exp_body8's target differs, exp8_general) */
    size_t n4 = n & ~(size_t)3, n8 = n4 & ~(size_t)7;
    v4d x, lo = *lo_in, hi = *hi_in;
    double s = 0.0;
    for (; i < n8; i += 8) {
        memcpy(&x, w + i, sizeof x);
        lo += x;
        memcpy(&x, w + i + 4, sizeof x);
        hi += x;
    }
    if (i < n4) memcpy(&x, w + i, sizeof x), lo += x, i += 4;
    for (; i < n; i++) s += w[i];
    v4d a = lo + hi;
    return ((a[0] + a[1]) + (a[2] + a[3])) + s;
}

/* 16 lane sums: blocks of 16 tokens, token i + 4k + j into acc[k] lane j.
 * normal: the caller proved every lane finite with x in [-708, 709] (the
 * range test's answer for every block, known: the test is not made) */
INLINE double exp_body(const float *z, size_t n, int div, float T, double shift, double scale, double *out,
                       double *sum_ed, double *s8, int normal)
{
    v4d acc[4] = {{0}}, ed[4] = {{0}};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
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
        if (normal || (ok[0] & ok[1] & ok[2] & ok[3]) == -1) {
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
    /* no sum8 on the 4-lane paths: two more accumulators spill their
     * registers (16 of them), which costs more than the caller's own pass */
    if (s8) *s8 = 0.0;
    return exp_tail(z, i, n, div, T, shift, scale, out, sum_ed, acc, ed);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define TARGET_512 __attribute__((target("avx512f,avx512dq")))
/* EXP_NORMAL's exp8_normal with the same bits in two instructions fewer:
 * x - n LN2_HI as one fused multiply-add (n LN2_HI is exact: LN2_HI's low
 * 32 bits are zero and |n| < 1100, so RN(x - RN(n LN2_HI)) is RN(x - n
 * LN2_HI)), and 2^n applied by adding n to p's exponent field (p in
 * [0.7, 1.42] times 2^n is normal for every n of a normal lane: the exact
 * product the multiply gives). kd's bits are SHIFT's plus n, and SHIFT's
 * low 12 bits are zero, so kd's bits shifted left by 52 are n << 52. */
TARGET_512 INLINE v8d exp8_normal(v8d xv)
{
    const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
    const __m512d SH = _mm512_set1_pd(EXP_SHIFT);
    __m512d x = (__m512d)xv;
    __m512d kd = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), SH);
    __m512d n = _mm512_sub_pd(kd, SH);
    v8d r = (v8d)_mm512_sub_pd(_mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_HI), x),
                               _mm512_mul_pd(n, _mm512_set1_pd(LN2_LO)));
    /* EXP_REDUCE_POLY's polynomial, operation for operation */
    v8d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    v8d a01 = r + 1.0, a23 = r * (1.0 / 6.0) + 0.5;
    v8d a45 = r * (1.0 / 120.0) + 1.0 / 24.0, a67 = r * (1.0 / 5040.0) + 1.0 / 720.0;
    v8d a89 = r * (1.0 / 362880.0) + 1.0 / 40320.0, a1011 = r * (1.0 / 39916800.0) + 1.0 / 3628800.0;
    v8d a1213 = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
    v8d b0 = a23 * r2 + a01, b1 = a67 * r2 + a45, b2 = a1011 * r2 + a89;
    v8d c1 = a1213 * r4 + b2;
    v8d p = (c1 * r8 + b1 * r4) + b0;
    return (v8d)_mm512_add_epi64(_mm512_castpd_si512((__m512d)p), _mm512_slli_epi64(_mm512_castpd_si512(kd), 52));
}

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

/* the general lanes of 8 tokens (exp_lanes on 8-double vectors): x into
 * *xo, exp into *eo. Generic, vectors only through pointers: clang refuses
 * a vector passed by value between a target("avx512f") function and one
 * without (the fuzz build's compiler; GCC inlines either way) */
INLINE void exp8_general(const float *z, int div, float T, double shift, double scale, v8d *xo, v8d *eo)
{
    v8f f = load8f(z);
    if (div) f = f / T;
    v8l fin = __builtin_convertvector(finite8(f), v8l);
    v8d x = sel8d(fin, (__builtin_convertvector(f, v8d) - shift) * scale, (v8d){0});
    *xo = x;
    *eo = sel8d(fin, exp8(x), (v8d){0});
}

/* exp_body on 8-double vectors: lanes 0-3 of acc8[h] are exp_body's
 * acc[2h] and lanes 4-7 its acc[2h + 1], and every lane does the same
 * arithmetic, so the result has the same bits at twice the width. A block
 * of 16 whose lanes are all normal (x8_normal) takes exp8_normal; normal
 * (a constant of the instantiation: the caller proved every lane so, as
 * exp_body's) takes it without the test, its compares and branch some 7%
 * of the pass. */
TARGET_512 INLINE double exp_body8(const float *z, size_t n, int div, float T, double shift, double scale,
                                   double *out, double *sum_ed, double *s8, int normal)
{
    v8d acc0 = {0}, acc1 = {0}, ed0 = {0}, ed1 = {0}, x0, x1, e0, e1, s8v = {0}; /* s8v: lanes 0-7 are slots 0-7 */
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d u0, u1;
        int ok = x8_normal(z + i, div, T, shift, scale, &u0) & x8_normal(z + i + 8, div, T, shift, scale, &u1);
        if (normal) ok = 1; /* (the compares' results unused: not made) */
        if (ok) {
            x0 = (v8d)u0, x1 = (v8d)u1;
            e0 = exp8_normal(x0), e1 = exp8_normal(x1);
        } else {
            exp8_general(z + i, div, T, shift, scale, &x0, &e0);
            exp8_general(z + i + 8, div, T, shift, scale, &x1, &e1);
        }
        acc0 += e0;
        ed0 += e0 * x0;
        acc1 += e1;
        ed1 += e1 * x1;
        if (s8) s8v += e0, s8v += e1;
        if (out) { memcpy(out + i, &e0, sizeof e0); memcpy(out + i + 8, &e1, sizeof e1); }
    }
    v4d acc[4], ed[4], sl[2];
    memcpy(&acc[0], &acc0, sizeof acc0); /* two v4d, in lane order */
    memcpy(&acc[2], &acc1, sizeof acc1);
    memcpy(&ed[0], &ed0, sizeof ed0);
    memcpy(&ed[2], &ed1, sizeof ed1);
    memcpy(sl, &s8v, sizeof s8v);
    double s = exp_tail(z, i, n, div, T, shift, scale, out, sum_ed, acc, ed);
    if (s8) *s8 = order_sum_from(&sl[0], &sl[1], out, i, n); /* the tail's weights are in out now */
    return s;
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

#endif
