/* vmath_fdiv_list.c: vm_exp_fdiv_list (see vmath_fdiv_list.h).
 *
 * emu_trim_torch's top-p over every token wants y = z / T and d =
 * exp(y - max) of each (its masses), and then the few tokens within a few
 * nats of the top (the crossing's first list): one pass does both. The
 * arithmetic is vm_exp_fdiv's, lane for lane (vmath_double.h's exp4 and
 * exp8, the lane sums in its order), so the bits are the same; a block
 * whose every lane lies in [-708, 709] takes the exp without the clamps
 * and the subnormal branch (exp4_normal, exp8_normal: the same operations
 * for such lanes, as vm_exp_shift's pass does). One kernel per path,
 * listed in vmath's table (vmath_ops.h), so LOGITSCOPE_SIMD forces it
 * here as well. */
#include "base/vmath.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <string.h>

#include "base/vmath_lanes.h"
#include "base/vmath_double.h"
#include "base/vmath_ops.h"

/* 4 lanes a turn (fdiv_tail's blocks: block i into acc[(i >> 2) & 1]),
 * then fdiv_tail's scalar tail */
INLINE double list_body4(const float *z, size_t n, float T, double shift, float *y, double *out, float zmin,
                         int32_t *ids, size_t *n_ids)
{
    v4d acc[2] = {{0}};
    size_t i = 0, c = 0;
    for (; i + 4 <= n; i += 4) {
        v4f zv = load4f(z + i), f = zv / T; /* IEEE float division per lane */
        v4d x = __builtin_convertvector(f, v4d) - shift;
        v4l ok = (x >= -708.0) & (x <= 709.0);
        v4d e = (ok[0] & ok[1] & ok[2] & ok[3]) ? exp4_normal(x) : exp4(x);
        acc[(i >> 2) & 1] += e;
        memcpy(y + i, &f, sizeof f);
        memcpy(out + i, &e, sizeof e);
        v4i ge = zv >= zmin;
        if (ge[0] | ge[1] | ge[2] | ge[3])
            for (int k = 0; k < 4; k++) if (ge[k]) ids[c++] = (int32_t)(i + (size_t)k);
    }
    for (size_t j = i; j < n; j++) if (z[j] >= zmin) ids[c++] = (int32_t)j;
    *n_ids = c;
    return fdiv_tail(z, i, n, T, shift, y, out, acc);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) double vmk_fdiv_list_avx2(const float *z, size_t n, float T, double shift,
                                                              float *y, double *out, float zmin, int32_t *ids,
                                                              size_t *n_ids)
{
    return list_body4(z, n, T, shift, y, out, zmin, ids, n_ids);
}

/* exp8 through pointers, for a target("avx512f") caller (vmath_double.h
 * exp8_general says why) */
INLINE void exp8_at(const v8d *x, v8d *e) { *e = exp8(*x); }

/* 8 tokens: fdiv_body8's turn (IEEE division, exp8 or its normal form) */
TARGET_512 INLINE v8d list_exp8(const float *z, float T, double shift, float *y, double *out)
{
    __m256 f = _mm256_div_ps(_mm256_loadu_ps(z), _mm256_set1_ps(T));
    __m512d x = _mm512_sub_pd(_mm512_cvtps_pd(f), _mm512_set1_pd(shift));
    __mmask8 lo = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-708.0), _CMP_GE_OQ);
    __mmask8 hi = _mm512_cmp_pd_mask(x, _mm512_set1_pd(709.0), _CMP_LE_OQ);
    v8d e, xv = (v8d)x;
    if ((lo & hi) == 0xff) e = exp8_normal(xv);
    else exp8_at(&xv, &e);
    memcpy(y, &f, sizeof f);
    memcpy(out, &e, sizeof e);
    return e;
}

/* fdiv_body8's lanes (acc8 lanes 0-3 fdiv_tail's acc[0], 4-7 acc[1]), 16
 * tokens a turn; the ids by one compress of the sixteen */
TARGET_512 double vmk_fdiv_list_avx512(const float *z, size_t n, float T, double shift, float *y, double *out,
                                       float zmin, int32_t *ids, size_t *n_ids)
{
    v8d acc8 = {0};
    size_t i = 0, c = 0;
    const __m512 zm = _mm512_set1_ps(zmin);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(z + i), zm, _CMP_GE_OQ);
        if (m) { /* c <= i: the sixteen slots stored lie inside ids[0..n) */
            __m512i v = _mm512_add_epi32(lane, _mm512_set1_epi32((int32_t)i));
            _mm512_storeu_si512((void *)(ids + c), _mm512_maskz_compress_epi32(m, v));
            c += (size_t)__builtin_popcount(m);
        }
        acc8 += list_exp8(z + i, T, shift, y + i, out + i);
        acc8 += list_exp8(z + i + 8, T, shift, y + i + 8, out + i + 8);
    }
    if (i + 8 <= n) {
        for (size_t j = i; j < i + 8; j++) if (z[j] >= zmin) ids[c++] = (int32_t)j;
        acc8 += list_exp8(z + i, T, shift, y + i, out + i);
        i += 8;
    }
    for (size_t j = i; j < n; j++) if (z[j] >= zmin) ids[c++] = (int32_t)j;
    *n_ids = c;
    v4d acc[2];
    memcpy(acc, &acc8, sizeof acc8);
    return fdiv_tail(z, i, n, T, shift, y, out, acc);
}
#endif

double vmk_fdiv_list_portable(const float *z, size_t n, float T, double shift, float *y, double *out, float zmin,
                              int32_t *ids, size_t *n_ids)
{
    return list_body4(z, n, T, shift, y, out, zmin, ids, n_ids);
}
