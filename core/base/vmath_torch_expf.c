/* vmath_torch_expf.c: vm_expf_shift_sum's and vm_expf_shift_sumf's kernels (see vmath_torch_expf.h).
 *
 * torch's float softmax over every token takes one expf a token. The
 * definition of those bits is ls_expf (vmath_expf.h: glibc's FMA build on
 * every machine and path, equal to this machine's libm on every float
 * <= 0), as for llama.cpp's. The lanes are ls_expf's own lane core
 * (vmath_expf_lanes.h, shared with vm_expf_seqsum) in torch's argument
 * form, x = (float)((double)y - mx), so the bits are ls_expf's by
 * construction (no check at run time); a block with a lane x > 0 or NaN
 * (ls_expf hands those to libm's expf; never for a shift by the maximum)
 * and the tail take ls_expf per value, and so does the portable path. The
 * sum: the doubles of the weights added in index order, a block at a
 * time by the row's vm_divide_sum kernel (the loop's bits in vector
 * lanes; handed in by vmath.c's vm_expf_shift_sum).
 * tests/unit/test_torch_expf.c checks a sample on every path in make
 * check. */
#include "base/vmath_expf.h"
#include "base/vmath_expf_lanes.h"
#include "base/vmath_ops.h"

#include <stdint.h>

enum { BLK = 512 }; /* weights made a block at a time, widened into L1, then summed */

/* ls_expf for one token, and its weight widened */
static void expf1(const float *y, double mx, float *ef, double *db)
{
    *ef = ls_expf((float)((double)y[0] - mx));
    *db = (double)*ef;
}

#ifdef VX_X86
/* 16 lanes (AVX-512): 0 when a lane is not <= 0 (the caller takes ls_expf) */
T512 LANES_INLINE int torch16(const float *y, double mx, float *ef, double *db, const __m512i *tv)
{
    __m512 x = expf_arg16_d(y, mx);
    if (_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LE_OQ) != 0xffff) return 0;
    __m512d xd[2], yd[2];
    __mmask16 low;
    __m512 f = expf_lanes16(x, tv, xd, yd, &low);
    _mm512_storeu_ps(ef, f);
    _mm512_storeu_pd(db, _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
    _mm512_storeu_pd(db + 8, _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1)));
    return 1;
}

/* the same on 8 lanes (AVX2) */
T256 LANES_INLINE int torch8(const float *y, double mx, float *ef, double *db, const void *unused)
{
    (void)unused;
    __m256 x = expf_arg8_d(y, mx);
    if (_mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ)) != 0xff) return 0;
    __m256d xd[2], yd[2];
    __m256 f = expf_lanes8(x, xd, yd);
    _mm256_storeu_ps(ef, f);
    _mm256_storeu_pd(db, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
    _mm256_storeu_pd(db + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    return 1;
}

/* the path's kernel over blocks of BLK: ef and the widened weights by W
 * lanes (a block KERNEL declines, and the tail, by ls_expf), then their
 * sum in index order; SETUP declares KERNEL's table tv */
#define TORCH_SUM(NAME, ATTR, KERNEL, W, SETUP)                                                    \
    ATTR double NAME(const float *y, size_t n, double mx, float *ef, vmk_sum_fn sum)               \
    {                                                                                              \
        SETUP;                                                                                     \
        double s = 0.0, db[BLK];                                                                   \
        for (size_t i0 = 0; i0 < n; i0 += BLK) {                                                   \
            size_t m = n - i0 < BLK ? n - i0 : BLK, i = 0;                                         \
            for (; i + W <= m; i += W)                                                             \
                if (!KERNEL(y + i0 + i, mx, ef + i0 + i, db + i, tv))                              \
                    for (size_t k = i; k < i + W; k++) expf1(y + i0 + k, mx, ef + i0 + k, db + k); \
            for (; i < m; i++) expf1(y + i0 + i, mx, ef + i0 + i, db + i);                        \
            s = sum(db, m, 1.0, NULL, s);                                                          \
        }                                                                                          \
        return s;                                                                                  \
    }
TORCH_SUM(vmk_expf_shift_sum_avx512, T512, torch16, 16, __m512i tv[4]; expf_tab_regs(tv))
TORCH_SUM(vmk_expf_shift_sum_avx2, T256, torch8, 8, const void *tv = NULL) /* (AVX2 gathers from memory) */
#endif

/* the plain loop: the portable path has no faster sum */
double vmk_expf_shift_sum_portable(const float *y, size_t n, double mx, float *ef, vmk_sum_fn sum)
{
    (void)sum;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)(ef[i] = ls_expf((float)((double)y[i] - mx)));
    return s;
}

/* vm_expf_shift_sumf's kernels (vmath.c): ls_expf's weights as the
 * kernels above make them, summed in any order (lanes, then the tail): no
 * widened block is stored and summed in index order */
#ifdef VX_X86
T512 double vmk_expf_any_avx512(const float *y, size_t n, double mx, float *ef)
{
    __m512i tv[4];
    expf_tab_regs(tv);
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    double tail = 0.0, w;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 x = expf_arg16_d(y + i, mx);
        if (_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LE_OQ) != 0xffff) { /* (as torch16 declines) */
            for (size_t k = i; k < i + 16; k++) expf1(y + k, mx, ef + k, &w), tail += w;
            continue;
        }
        __m512d xd[2], yd[2];
        __mmask16 low;
        __m512 f = expf_lanes16(x, tv, xd, yd, &low);
        _mm512_storeu_ps(ef + i, f);
        a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm512_castps512_ps256(f)));
        a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1)));
    }
    for (; i < n; i++) expf1(y + i, mx, ef + i, &w), tail += w;
    return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1)) + tail;
}

T256 double vmk_expf_any_avx2(const float *y, size_t n, double mx, float *ef)
{
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    double tail = 0.0, w, a[4];
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = expf_arg8_d(y + i, mx);
        if (_mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OQ)) != 0xff) {
            for (size_t k = i; k < i + 8; k++) expf1(y + k, mx, ef + k, &w), tail += w;
            continue;
        }
        __m256d xd[2], yd[2];
        __m256 f = expf_lanes8(x, xd, yd);
        _mm256_storeu_ps(ef + i, f);
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    }
    for (; i < n; i++) expf1(y + i, mx, ef + i, &w), tail += w;
    _mm256_storeu_pd(a, _mm256_add_pd(a0, a1));
    return ((a[0] + a[1]) + (a[2] + a[3])) + tail;
}
#endif

/* the portable path: the index-order sum itself (an any-order sum too) */
double vmk_expf_any_portable(const float *y, size_t n, double mx, float *ef)
{
    return vmk_expf_shift_sum_portable(y, n, mx, ef, NULL);
}
