/* vmath_divblk.c: vm_divide_blocks (see vmath_divblk.h).
 *
 * A block at a time: vm_divide's division of the block's values (the same
 * per-path body: AVX-512 and AVX2 form the correctly rounded quotient by
 * multiply-adds, the portable path divides; every lane's bits are IEEE
 * division's whatever the block boundaries), then block_sums4's sum of
 * that block from the values just written (still in L1), added to the
 * running prefix as block_sums4 adds it. One read and one write of a
 * instead of vm_divide's and a second read for the sums. The path is
 * vmath's own (vm_path_name), so LOGITSCOPE_SIMD forces it here too. */
#include "base/vmath_divblk.h"
#include "base/vmath.h"

#include <stdatomic.h>
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
        DIVB(a + i, k, s, a + i);                                                           \
        block_sums4(a + i, k, k, one);                                                      \
        run += one[1];                                                                      \
        pre[b + 1] = run;                                                                   \
    }

#if defined(__x86_64__) && defined(__GNUC__)
TARGET_512 static void divblk_avx512(double *a, size_t n, double s, size_t B, double *pre)
{
    DIVBLK_BODY(divide_fma8)
}
__attribute__((target("avx2,fma"))) static void divblk_avx2(double *a, size_t n, double s, size_t B, double *pre)
{
    DIVBLK_BODY(divide_fma4)
}
#endif

static void divblk_portable(double *a, size_t n, double s, size_t B, double *pre)
{
    DIVBLK_BODY(divide_body)
}

typedef void (*divblk_fn)(double *, size_t, double, size_t, double *);

/* vmath's path (its choice, once) */
static divblk_fn pick(void)
{
    static _Atomic(divblk_fn) chosen = NULL;
    divblk_fn f = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (f) return f;
    f = divblk_portable;
#if defined(__x86_64__) && defined(__GNUC__)
    const char *p = vm_path_name();
    if (!strcmp(p, "avx512")) f = divblk_avx512;
    else if (!strcmp(p, "avx2")) f = divblk_avx2;
#endif
    atomic_store_explicit(&chosen, f, memory_order_relaxed);
    return f;
}

void vm_divide_blocks(double *a, size_t n, double s, size_t block, double *pre)
{
    pick()(a, n, s, block, pre);
}
