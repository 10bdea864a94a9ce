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
 * prefix adds t to the running sum in block order, as here (ONE:
 * block_one4's or block_one8's bits, the same) */
#define DIVBLK_BODY(DIVB, ONE)                                                              \
    double run = 0.0;                                                                       \
    pre[0] = 0.0;                                                                           \
    for (size_t i = 0, b = 0; i < n; i += B, b++) {                                         \
        size_t k = n - i < B ? n - i : B;                                                   \
        DIVB(a + i, k, s, out + i);                                                         \
        run += ONE(out + i, k);                                                             \
        pre[b + 1] = run;                                                                   \
    }

#if defined(__x86_64__) && defined(__GNUC__)
TARGET_512 void vmk_divblk_avx512(const double *a, size_t n, double s, double *out, size_t B, double *pre)
{
    DIVBLK_BODY(divide_fma8, block_one8)
}
__attribute__((target("avx2,fma"))) void vmk_divblk_avx2(const double *a, size_t n, double s, double *out, size_t B,
                                                          double *pre)
{
    DIVBLK_BODY(divide_fma4, block_one4)
}
#endif

void vmk_divblk_portable(const double *a, size_t n, double s, double *out, size_t B, double *pre)
{
    DIVBLK_BODY(divide_body, block_one4)
}
