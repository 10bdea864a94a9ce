/* vmath_divblk.c: vm_divide_blocks's kernels, one per path (see
 * vmath_divblk.h; vmath.c's table lists them, vmath_ops.h).
 *
 * A block at a time: vm_divide's division of the block's values (the same
 * per-path body: AVX-512 and AVX2 form the correctly rounded quotient by
 * multiply-adds, the portable path divides; every lane's bits are IEEE
 * division's whatever the block boundaries), then block_sums4's sum of
 * that block from the quotients just written to out (still in L1), added
 * to the running prefix as block_sums4 adds it. One read of a and one
 * write of out instead of vm_divide's and a second read for the sums. */
#include "base/vmath_divblk.h"
#include "base/vmath_ops.h"

#include <string.h>

#include "base/vmath_lanes.h"
#include "base/vmath_double.h"
#include "base/vmath_prob.h"

/* block_sums4 over one block of k values is pre[1] = 0 + its sum t (the
 * sum itself: t is never -0, the values are >= 0), and the whole array's
 * prefix adds t to the running sum in block order, as here */
#define DIVBLK_BODY(DIVB)                                                                   \
    double run = 0.0, one[2];                                                               \
    pre[0] = 0.0;                                                                           \
    for (size_t i = 0, b = 0; i < n; i += B, b++) {                                         \
        size_t k = n - i < B ? n - i : B;                                                   \
        DIVB(a + i, k, s, out + i);                                                         \
        block_sums4(out + i, k, k, one);                                                    \
        run += one[1];                                                                      \
        pre[b + 1] = run;                                                                   \
    }

#if defined(__x86_64__) && defined(__GNUC__)
/* block_sums4's sum of one block of B values (B a multiple of 8) in
 * 8-lane vectors: lanes 0-3 are its chain a0 and lanes 4-7 its a1 (the
 * same adds in the same order), then a0 + a1 and the lanes as it adds them;
 * full-width loads of the quotients just stored */
TARGET_512 INLINE double block_sum8(const double *a, size_t B)
{
    __m512d acc = _mm512_setzero_pd();
    for (size_t j = 0; j < B; j += 8) acc = _mm512_add_pd(acc, _mm512_loadu_pd(a + j));
    v4d x = (v4d)_mm512_castpd512_pd256(acc), y = (v4d)_mm512_extractf64x4_pd(acc, 1), t = x + y;
    return (t[0] + t[1]) + (t[2] + t[3]);
}

TARGET_512 void vmk_divblk_avx512(const double *a, size_t n, double s, double *out, size_t B, double *pre)
{
    double run = 0.0, one[2];
    size_t i = 0, b = 0;
    pre[0] = 0.0;
    for (; i + B <= n; i += B, b++) {
        divide_fma8(a + i, B, s, out + i);
        run += block_sum8(out + i, B);
        pre[b + 1] = run;
    }
    if (i < n) { /* the short last block: DIVBLK_BODY's */
        divide_fma8(a + i, n - i, s, out + i);
        block_sums4(out + i, n - i, n - i, one);
        pre[b + 1] = run + one[1];
    }
}
__attribute__((target("avx2,fma"))) void vmk_divblk_avx2(const double *a, size_t n, double s, double *out, size_t B,
                                                          double *pre)
{
    DIVBLK_BODY(divide_fma4)
}
#endif

void vmk_divblk_portable(const double *a, size_t n, double s, double *out, size_t B, double *pre)
{
    DIVBLK_BODY(divide_body)
}
