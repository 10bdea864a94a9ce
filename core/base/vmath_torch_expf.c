/* vmath_torch_expf.c: vm_expf_shift_sum (see vmath_torch_expf.h).
 *
 * torch's float softmax over every token takes one expf a token. The
 * definition of those bits is ls_expf (vmath_expf.h: glibc's FMA build on
 * every machine and path, equal to this machine's libm on every float
 * <= 0), as for llama.cpp's. glibc's FMA build (__expf_fma) is, in order:
 *     xd = (double)x;  kd = fma(N/ln2, xd, SHIFT);  ki = bits(kd);
 *     kd -= SHIFT;  r = fma(N/ln2, xd, -kd);
 *     s = double(tab[ki % 32] + (ki << 47));
 *     y = fma(fma(C0, r, C1), r * r, fma(C2, r, 1)) * s;  return (float)y;
 * for |x| < 88 (larger ones: ls_expf's own call). The same operations
 * lane by lane (IEEE double, one rounding per fused multiply-add) give the
 * same bits; this vector copy is used on the AVX2 or AVX-512 path only
 * after it reproduced ls_expf on a fixed set of arguments across [-88, 0]
 * at first use (verify), else, and on the portable path, ls_expf per
 * value. (It keeps its own arithmetic rather than vm_expf_seqsum's: its
 * argument is the float of a double difference, and it feeds a double
 * sum, not llama.cpp's float one. Folding the two kernels' common core
 * into one is left to a later change.) tests/unit/test_torch_expf.c checks
 * a sample in make check. */
#include "base/vmath_torch_expf.h"
#include "base/vmath.h"
#include "base/vmath_expf.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
/* glibc's __exp2f_data: tab[i] = bits(2^(i/32)) - (i << 47), then N/ln2,
 * the polynomial scaled by 1/N^k, and the rounding shift 1.5 * 2^52 */
static const uint64_t TAB[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};
#define INVLN2N 0x1.71547652b82fep+5 /* 0x40471547652b82fe */
#define C0 0x1.c6af84b912394p-20       /* 0x3ebc6af84b912394 */
#define C1 0x1.ebfce50fac4f3p-13       /* 0x3f2ebfce50fac4f3 */
#define C2 0x1.62e42ff0c52d6p-6        /* 0x3f962e42ff0c52d6 */
#define SHIFT 0x1.8p+52

/* the operations above on the lanes of x (|x| < 88), one body for both
 * widths: P the intrinsics' prefix, VD/VI its vectors, SI its cast suffix,
 * SET64 and GATHER its 64-bit broadcast and table gather */
#define EXPF_CORE(NAME, ATTR, VD, VI, P, SI, SET64, GATHER)                                        \
    ATTR static inline __attribute__((always_inline)) VD NAME(VD x)                                \
    {                                                                                              \
        const VD inv = P##_set1_pd(INVLN2N), sh = P##_set1_pd(SHIFT);                              \
        VD kd = P##_fmadd_pd(inv, x, sh);                                                          \
        VI ki = P##_castpd_##SI(kd);                                                               \
        kd = P##_sub_pd(kd, sh);                                                                   \
        VD r = P##_fmsub_pd(inv, x, kd);                                                           \
        VI t = GATHER(P##_and_##SI(ki, SET64(31)));                                                \
        VD s = P##_cast##SI##_pd(P##_add_epi64(t, P##_slli_epi64(ki, 47)));                      \
        VD z = P##_fmadd_pd(P##_set1_pd(C0), r, P##_set1_pd(C1));                                  \
        VD r2 = P##_mul_pd(r, r);                                                                  \
        VD p = P##_fmadd_pd(P##_set1_pd(C2), r, P##_set1_pd(1.0));                                 \
        return P##_mul_pd(P##_fmadd_pd(z, r2, p), s);                                              \
    }
#define GATHER4(i) _mm256_i64gather_epi64((const long long *)TAB, (i), 8)
#define GATHER8(i) _mm512_i64gather_epi64((i), (const void *)TAB, 8)
EXPF_CORE(expf4_core, __attribute__((target("avx2,fma"))), __m256d, __m256i, _mm256, si256, _mm256_set1_epi64x,
          GATHER4)
EXPF_CORE(expf8_core, __attribute__((target("avx512f,avx512dq"))), __m512d, __m512i, _mm512, si512, _mm512_set1_epi64,
          GATHER8)

/* 4 lanes (AVX2): x from y - mx as the scalar code rounds it; 0 when a
 * lane has |x| >= 88 (the caller takes libm then) */
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline)) int expf4(const float *y, double mx,
                                                                                             float *ef, double *db)
{
    __m256d x = _mm256_cvtps_pd(_mm256_cvtpd_ps(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(y)), _mm256_set1_pd(mx))));
    __m256d ax = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
    if (_mm256_movemask_pd(_mm256_cmp_pd(ax, _mm256_set1_pd(88.0), _CMP_LT_OQ)) != 0xf) return 0;
    __m128 f = _mm256_cvtpd_ps(expf4_core(x));
    _mm_storeu_ps(ef, f);
    _mm256_storeu_pd(db, _mm256_cvtps_pd(f));
    return 1;
}

/* the same on 8 lanes (AVX-512) */
__attribute__((target("avx512f,avx512dq"))) static inline __attribute__((always_inline)) int expf8(const float *y,
                                                                                                    double mx, float *ef,
                                                                                                    double *db)
{
    __m512d x = _mm512_cvtps_pd(_mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(y)), _mm512_set1_pd(mx))));
    if (_mm512_cmp_pd_mask(_mm512_abs_pd(x), _mm512_set1_pd(88.0), _CMP_LT_OQ) != 0xff) return 0;
    __m256 f = _mm512_cvtpd_ps(expf8_core(x));
    _mm256_storeu_ps(ef, f);
    _mm512_storeu_pd(db, _mm512_cvtps_pd(f));
    return 1;
}
#endif

/* ls_expf for one token, and its weight widened */
static void expf1(const float *y, double mx, float *ef, double *db)
{
    *ef = ls_expf((float)((double)y[0] - mx));
    *db = (double)*ef;
}

/* ef and db over [0, n) by blocks of W lanes (a block the kernel KERNEL
 * declines, and the tail, by ls_expf) */
#define FILL(NAME, ATTR, KERNEL, W)                                                                \
    ATTR static void NAME(const float *y, size_t n, double mx, float *ef, double *db)              \
    {                                                                                              \
        size_t i = 0;                                                                              \
        for (; i + W <= n; i += W)                                                                 \
            if (!KERNEL(y + i, mx, ef + i, db + i))                                                \
                for (size_t k = i; k < i + W; k++) expf1(y + k, mx, ef + k, db + k);              \
        for (; i < n; i++) expf1(y + i, mx, ef + i, db + i);                                       \
    }
static void fill_libm(const float *y, size_t n, double mx, float *ef, double *db)
{
    for (size_t i = 0; i < n; i++) expf1(y + i, mx, ef + i, db + i);
}
#if defined(__x86_64__) && defined(__GNUC__)
FILL(fill8, __attribute__((target("avx512f,avx512dq"))), expf8, 8)
FILL(fill4, __attribute__((target("avx2,fma"))), expf4, 4)
#endif

typedef void (*fill_fn)(const float *, size_t, double, float *, double *);

/* the kernel reproduces ls_expf on arguments spread over [-88, 0]: every
 * binade's floats at a stride, their neighbours, the ends */
static int verify(fill_fn f)
{
    enum { M = 4096 };
    float x[M], a[M];
    double db[M];
    uint32_t b = 0x80000000u; /* -0 up to -88 (0xc2b00000) by a stride */
    for (int k = 0; k < M; k++, b += 0x42b00000u / (M - 8)) {
        uint32_t v = b + (uint32_t)(k * 7919) % 97u; /* not only round steps */
        memcpy(&x[k], &v, sizeof v);
        if (!(x[k] > -88.0f)) x[k] = -87.9999f + (float)k * 1e-7f;
    }
    x[0] = 0.0f;
    f(x, M, 0.0, a, db);
    for (int k = 0; k < M; k++) {
        float want = ls_expf(x[k]);
        if (memcmp(&want, &a[k], sizeof want)) return 0;
    }
    return 1;
}

/* the way: the path's kernel when it passes verify, else ls_expf per value ("libm": the name tests read) */
static fill_fn choose(void)
{
    static _Atomic(fill_fn) way = NULL;
    fill_fn f = atomic_load_explicit(&way, memory_order_relaxed);
    if (f) return f;
    f = fill_libm;
#if defined(__x86_64__) && defined(__GNUC__)
    const char *p = vm_path_name();
    if (!strcmp(p, "avx512") && verify(fill8)) f = fill8;
    else if ((!strcmp(p, "avx512") || !strcmp(p, "avx2")) && verify(fill4)) f = fill4;
#endif
    atomic_store_explicit(&way, f, memory_order_relaxed);
    return f;
}

double vm_expf_shift_sum(const float *y, size_t n, double mx, float *ef)
{
    fill_fn f = choose();
    double s = 0.0;
    if (f == fill_libm) { /* the plain loop: the portable path has no faster sum */
        for (size_t i = 0; i < n; i++) s += (double)(ef[i] = ls_expf((float)((double)y[i] - mx)));
        return s;
    }
    /* a block at a time: its weights, then their sum in index order from
     * the widened copy in L1 (vm_divide_sum by 1: the loop's bits, in
     * vector lanes) */
    enum { BLK = 512 };
    double db[BLK];
    for (size_t i = 0; i < n; i += BLK) {
        size_t m = n - i < BLK ? n - i : BLK;
        f(y + i, m, mx, ef + i, db);
        s = vm_divide_sum(db, m, 1.0, NULL, s);
    }
    return s;
}

const char *vm_expf_way(void) { return choose() == fill_libm ? "libm" : "vector"; }
