/* vmath_expf_lanes.h: ls_expf's one lane core (glibc's expf, its FMA
 * build; vmath_expf.h), one per ISA, and its two argument forms. Internal
 * to vmath_expf.c (llama.cpp's float sum) and vmath_torch_expf.c (torch's
 * double index-order sum); not an API.
 *
 * The algorithm (glibc's, from ARM's optimized routines; our code): with
 * N = 32, z = x N / ln 2 is split as k + r (k = z rounded to an integer
 * by adding 1.5 * 2^52, one fused multiply-add: the FMA build's); then
 * exp(x) = 2^(k/N) 2^(r/N), 2^(k/N) from a table of 2^(i/N) (i = k mod N)
 * with k / N added to the exponent, 2^(r/N) by a cubic in r (three fused
 * multiply-adds), their product rounded to float. In order:
 *     xd = (double)x;  kd = fma(N/ln2, xd, SHIFT);  ki = bits(kd);
 *     kd -= SHIFT;  r = fma(N/ln2, xd, -kd);
 *     s = double(tab[ki % 32] + (ki << 47));
 *     y = fma(fma(C0, r, C1), r * r, fma(C2, r, 1)) * s;  return (float)y;
 * Inputs below log(2^-149) take glibc's underflow results (2^-149, then
 * 0 below log(2^-150)). The lanes do these operations (IEEE double, one
 * rounding per fused multiply-add) on every lane, so they give ls_expf's
 * bits by construction; test_vmath_expf and test_torch_expf check samples
 * on every path (the whole range [-inf, +0] was compared once).
 *
 * The two argument forms: llama.cpp's x = z - mx in float (the lanes'
 * float subtraction), torch's x = (float)((double)y - mx). */
#ifndef LS_VMATH_EXPF_LANES_H
#define LS_VMATH_EXPF_LANES_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VX_X86 1
#endif

#define TB 32 /* the table's entries: 2^(i/TB) */
#define EXPF_INVLN2N (0x1.71547652b82fep+0 * TB)
#define EXPF_SHIFT 0x1.8p+52
#define EXPF_C0 (0x1.c6af84b912394p-5 / (TB * TB * TB))
#define EXPF_C1 (0x1.ebfce50fac4f3p-3 / (TB * TB))
#define EXPF_C2 (0x1.62e42ff0c52d6p-1 / TB)
#define UFLOW (-0x1.9fe368p6f)  /* below log(2^-150): glibc gives 0 */
#define MAYUF (-0x1.9d1d9ep6f)  /* below log(2^-149) (to UFLOW): glibc's 2^-149 */

/* the bits of 2^(i/TB) rounded to double, less i << (52 - 5), so that
 * adding k << 47 (k mod TB = i) puts k / TB into the exponent (glibc's
 * __exp2f_data; vmath_expf.c) */
extern const uint64_t vm_expf_tab[TB];

/* the double result before its rounding to float (x in [MAYUF, 88]) */
static inline __attribute__((always_inline)) double expf_pre_body(double xd)
{
    double kd = fma(EXPF_INVLN2N, xd, EXPF_SHIFT), s;
    uint64_t ki;
    memcpy(&ki, &kd, sizeof ki);
    kd -= EXPF_SHIFT;
    double r = fma(EXPF_INVLN2N, xd, -kd);
    uint64_t sb = vm_expf_tab[ki % TB] + (ki << 47);
    memcpy(&s, &sb, sizeof s);
    double z = fma(EXPF_C0, r, EXPF_C1), r2 = r * r, y = fma(EXPF_C2, r, 1.0);
    return fma(z, r2, y) * s;
}

#ifdef VX_X86
#define T512 __attribute__((target("avx512f,avx512dq")))
#define T256 __attribute__((target("avx2,fma")))
#define LANES_INLINE static inline __attribute__((always_inline))

/* AVX-512: the table in four registers */
T512 LANES_INLINE void expf_tab_regs(__m512i tv[4])
{
    for (int q = 0; q < 4; q++) tv[q] = _mm512_loadu_si512((const void *)(vm_expf_tab + 8 * q));
}

/* 2^(k/TB) for 8 lanes of ki (the shifted k's bits): the table by two
 * two-register permutes, bit 4 choosing between them */
T512 LANES_INLINE __m512d expf_scale8(__m512i ki, const __m512i *tv)
{
    __m512i lo = _mm512_permutex2var_epi64(tv[0], ki, tv[1]), hi = _mm512_permutex2var_epi64(tv[2], ki, tv[3]);
    __m512i t = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)), lo, hi);
    return _mm512_castsi512_pd(_mm512_add_epi64(t, _mm512_slli_epi64(ki, 47)));
}

/* expf_pre_body on 8 lanes, operation for operation */
T512 LANES_INLINE __m512d expf_pre8(__m512d xd, const __m512i *tv)
{
    const __m512d inv = _mm512_set1_pd(EXPF_INVLN2N), sh = _mm512_set1_pd(EXPF_SHIFT);
    __m512d kds = _mm512_fmadd_pd(inv, xd, sh), kd = _mm512_sub_pd(kds, sh);
    __m512d r = _mm512_fmsub_pd(inv, xd, kd), s = expf_scale8(_mm512_castpd_si512(kds), tv);
    __m512d z = _mm512_fmadd_pd(_mm512_set1_pd(EXPF_C0), r, _mm512_set1_pd(EXPF_C1)), r2 = _mm512_mul_pd(r, r);
    __m512d y = _mm512_fmadd_pd(_mm512_set1_pd(EXPF_C2), r, _mm512_set1_pd(1.0));
    return _mm512_mul_pd(_mm512_fmadd_pd(z, r2, y), s);
}

/* ls_expf of 16 lanes x <= 0 (or -inf; no NaN); xd and yd get each
 * half's widened x and unrounded result (lanes 0-7, 8-15), *low the
 * lanes below MAYUF (their yd is not a term) */
T512 LANES_INLINE __m512 expf_lanes16(__m512 x, const __m512i *tv, __m512d xd[2], __m512d yd[2], __mmask16 *low)
{
    __mmask16 lo = _mm512_cmp_ps_mask(x, _mm512_set1_ps(MAYUF), _CMP_LT_OQ);
    __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_set1_ps(UFLOW), _CMP_LT_OQ);
    xd[0] = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
    xd[1] = _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1));
    yd[0] = expf_pre8(xd[0], tv);
    yd[1] = expf_pre8(xd[1], tv);
    __m512 f = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(yd[0])), _mm512_cvtpd_ps(yd[1]), 1);
    f = _mm512_mask_mov_ps(f, lo, _mm512_set1_ps(0x1p-149f));
    *low = lo;
    return _mm512_mask_mov_ps(f, zero, _mm512_setzero_ps());
}

/* torch's argument form on 16 lanes: (float)((double)y - mx) */
T512 LANES_INLINE __m512 expf_arg16_d(const float *y, double mx)
{
    __m512 yv = _mm512_loadu_ps(y);
    __m512d m = _mm512_set1_pd(mx);
    __m256 a = _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(yv)), m));
    __m256 b = _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(yv, 1)), m));
    return _mm512_insertf32x8(_mm512_castps256_ps512(a), b, 1);
}

/* AVX2: expf_pre_body on 4 lanes (the table by a gather) */
T256 LANES_INLINE __m256d expf_pre4(__m256d xd)
{
    const __m256d inv = _mm256_set1_pd(EXPF_INVLN2N), sh = _mm256_set1_pd(EXPF_SHIFT);
    __m256d kds = _mm256_fmadd_pd(inv, xd, sh), kd = _mm256_sub_pd(kds, sh);
    __m256d r = _mm256_fmsub_pd(inv, xd, kd);
    __m256i ki = _mm256_castpd_si256(kds);
    __m256i tb = _mm256_i64gather_epi64((const long long *)(const void *)vm_expf_tab,
                                        _mm256_and_si256(ki, _mm256_set1_epi64x(TB - 1)), 8);
    __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(tb, _mm256_slli_epi64(ki, 47)));
    __m256d z = _mm256_fmadd_pd(_mm256_set1_pd(EXPF_C0), r, _mm256_set1_pd(EXPF_C1)), r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(_mm256_set1_pd(EXPF_C2), r, _mm256_set1_pd(1.0));
    return _mm256_mul_pd(_mm256_fmadd_pd(z, r2, y), s);
}

/* expf_lanes16 on 8 lanes (no low mask: the caller compares xd) */
T256 LANES_INLINE __m256 expf_lanes8(__m256 x, __m256d xd[2], __m256d yd[2])
{
    __m256 low = _mm256_cmp_ps(x, _mm256_set1_ps(MAYUF), _CMP_LT_OQ);
    __m256 zero = _mm256_cmp_ps(x, _mm256_set1_ps(UFLOW), _CMP_LT_OQ);
    xd[0] = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
    xd[1] = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    yd[0] = expf_pre4(xd[0]);
    yd[1] = expf_pre4(xd[1]);
    __m256 f = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(yd[0])), _mm256_cvtpd_ps(yd[1]), 1);
    f = _mm256_blendv_ps(f, _mm256_set1_ps(0x1p-149f), low);
    return _mm256_andnot_ps(zero, f);
}

/* torch's argument form on 8 lanes */
T256 LANES_INLINE __m256 expf_arg8_d(const float *y, double mx)
{
    __m256d m = _mm256_set1_pd(mx);
    __m128 a = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(y)), m));
    __m128 b = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(y + 4)), m));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(a), b, 1);
}
#endif

#endif
