/* vmath_exp_ids.c: vm_libm_exp_ids (see vmath_exp_ids.h).
 *
 * The survivors of a large top-p nucleus each get libm's exp(y - max) (the
 * final softmax's weights). glibc's exp (2.28 on; its
 * sysdeps/ieee754/dbl-64/e_exp.c) is a few double operations on a
 * 128-entry table; on a CPU with FMA and AVX2 glibc runs its FMA build,
 * whose operations are, in order (read from its code), for 2^-54 <= |x| <
 * 512:
 *     kd = fma(x, N/ln2, SHIFT);  ki = bits(kd);  kd -= SHIFT;
 *     r = fma(kd, -ln2hi/N, x);  r = fma(kd, -ln2lo/N, r);
 *     tail = T[2 (ki % N)];  sbits = T[2 (ki % N) + 1] + (ki << 45);
 *     tmp = fma(r2 r2, fma(r, C5, C4), fma(fma(r, C3, C2), r2, tail + r));
 *     return fma(scale, tmp, scale)      (scale = double(sbits), r2 = r r)
 * (other arguments take its special cases: here libm itself). The same
 * operations lane by lane give the same bits. libm's exp is the
 * definition (this machine's: glibc builds exp with and without FMA, and
 * another libm may differ), so the copy runs only on the AVX2 or AVX-512
 * path and only where it reproduced libm's exp on a fixed set of
 * arguments: vmath's table checks that once, when it chooses its row
 * (vmk_exp_ids_check, vmath_ops.h); else libm. (Why not a project exp,
 * as ls_expf is for expf: libm's exp is the definition of every double
 * weight the emulators compute, emu.c, emu_run.c, emu_account.c and more,
 * and these survivors' weights must stay theirs on every machine; a
 * rewrite of glibc's exp matched this machine's libm on every float <= 0
 * and on 3e8 sampled double arguments, so moving the definition is one
 * change for all those callers at once, not for this kernel alone.) */
#include "base/vmath.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <math.h>
#include <string.h>

#include "base/vmath_ops.h"

#if defined(__x86_64__) && defined(__GNUC__)
/* glibc's __exp_data (its bits): N/ln2, -ln2hi/N, -ln2lo/N, C2..C5, the
 * rounding shift; then T: (tail, bits(2^(i/N)) - (i << 45)) pairs */
static const uint64_t KB[8] = { 0x40671547652b82fe, 0xbf762e42fefa0000, 0xbd0cf79abc9e3b3a, 0x3fdffffffffffdbd,
                                0x3fc555555555543c, 0x3fa55555cf172b91, 0x3f81111167a4d017, 0x4338000000000000 };
static const uint64_t T[256] = {
    0x0000000000000000, 0x3ff0000000000000, 0x3c9b3b4f1a88bf6e, 0x3feff63da9fb3335,
    0xbc7160139cd8dc5d, 0x3fefec9a3e778061, 0xbc905e7a108766d1, 0x3fefe315e86e7f85,
    0x3c8cd2523567f613, 0x3fefd9b0d3158574, 0xbc8bce8023f98efa, 0x3fefd06b29ddf6de,
    0x3c60f74e61e6c861, 0x3fefc74518759bc8, 0x3c90a3e45b33d399, 0x3fefbe3ecac6f383,
    0x3c979aa65d837b6d, 0x3fefb5586cf9890f, 0x3c8eb51a92fdeffc, 0x3fefac922b7247f7,
    0x3c3ebe3d702f9cd1, 0x3fefa3ec32d3d1a2, 0xbc6a033489906e0b, 0x3fef9b66affed31b,
    0xbc9556522a2fbd0e, 0x3fef9301d0125b51, 0xbc5080ef8c4eea55, 0x3fef8abdc06c31cc,
    0xbc91c923b9d5f416, 0x3fef829aaea92de0, 0x3c80d3e3e95c55af, 0x3fef7a98c8a58e51,
    0xbc801b15eaa59348, 0x3fef72b83c7d517b, 0xbc8f1ff055de323d, 0x3fef6af9388c8dea,
    0x3c8b898c3f1353bf, 0x3fef635beb6fcb75, 0xbc96d99c7611eb26, 0x3fef5be084045cd4,
    0x3c9aecf73e3a2f60, 0x3fef54873168b9aa, 0xbc8fe782cb86389d, 0x3fef4d5022fcd91d,
    0x3c8a6f4144a6c38d, 0x3fef463b88628cd6, 0x3c807a05b0e4047d, 0x3fef3f49917ddc96,
    0x3c968efde3a8a894, 0x3fef387a6e756238, 0x3c875e18f274487d, 0x3fef31ce4fb2a63f,
    0x3c80472b981fe7f2, 0x3fef2b4565e27cdd, 0xbc96b87b3f71085e, 0x3fef24dfe1f56381,
    0x3c82f7e16d09ab31, 0x3fef1e9df51fdee1, 0xbc3d219b1a6fbffa, 0x3fef187fd0dad990,
    0x3c8b3782720c0ab4, 0x3fef1285a6e4030b, 0x3c6e149289cecb8f, 0x3fef0cafa93e2f56,
    0x3c834d754db0abb6, 0x3fef06fe0a31b715, 0x3c864201e2ac744c, 0x3fef0170fc4cd831,
    0x3c8fdd395dd3f84a, 0x3feefc08b26416ff, 0xbc86a3803b8e5b04, 0x3feef6c55f929ff1,
    0xbc924aedcc4b5068, 0x3feef1a7373aa9cb, 0xbc9907f81b512d8e, 0x3feeecae6d05d866,
    0xbc71d1e83e9436d2, 0x3feee7db34e59ff7, 0xbc991919b3ce1b15, 0x3feee32dc313a8e5,
    0x3c859f48a72a4c6d, 0x3feedea64c123422, 0xbc9312607a28698a, 0x3feeda4504ac801c,
    0xbc58a78f4817895b, 0x3feed60a21f72e2a, 0xbc7c2c9b67499a1b, 0x3feed1f5d950a897,
    0x3c4363ed60c2ac11, 0x3feece086061892d, 0x3c9666093b0664ef, 0x3feeca41ed1d0057,
    0x3c6ecce1daa10379, 0x3feec6a2b5c13cd0, 0x3c93ff8e3f0f1230, 0x3feec32af0d7d3de,
    0x3c7690cebb7aafb0, 0x3feebfdad5362a27, 0x3c931dbdeb54e077, 0x3feebcb299fddd0d,
    0xbc8f94340071a38e, 0x3feeb9b2769d2ca7, 0xbc87deccdc93a349, 0x3feeb6daa2cf6642,
    0xbc78dec6bd0f385f, 0x3feeb42b569d4f82, 0xbc861246ec7b5cf6, 0x3feeb1a4ca5d920f,
    0x3c93350518fdd78e, 0x3feeaf4736b527da, 0x3c7b98b72f8a9b05, 0x3feead12d497c7fd,
    0x3c9063e1e21c5409, 0x3feeab07dd485429, 0x3c34c7855019c6ea, 0x3feea9268a5946b7,
    0x3c9432e62b64c035, 0x3feea76f15ad2148, 0xbc8ce44a6199769f, 0x3feea5e1b976dc09,
    0xbc8c33c53bef4da8, 0x3feea47eb03a5585, 0xbc845378892be9ae, 0x3feea34634ccc320,
    0xbc93cedd78565858, 0x3feea23882552225, 0x3c5710aa807e1964, 0x3feea155d44ca973,
    0xbc93b3efbf5e2228, 0x3feea09e667f3bcd, 0xbc6a12ad8734b982, 0x3feea012750bdabf,
    0xbc6367efb86da9ee, 0x3fee9fb23c651a2f, 0xbc80dc3d54e08851, 0x3fee9f7df9519484,
    0xbc781f647e5a3ecf, 0x3fee9f75e8ec5f74, 0xbc86ee4ac08b7db0, 0x3fee9f9a48a58174,
    0xbc8619321e55e68a, 0x3fee9feb564267c9, 0x3c909ccb5e09d4d3, 0x3feea0694fde5d3f,
    0xbc7b32dcb94da51d, 0x3feea11473eb0187, 0x3c94ecfd5467c06b, 0x3feea1ed0130c132,
    0x3c65ebe1abd66c55, 0x3feea2f336cf4e62, 0xbc88a1c52fb3cf42, 0x3feea427543e1a12,
    0xbc9369b6f13b3734, 0x3feea589994cce13, 0xbc805e843a19ff1e, 0x3feea71a4623c7ad,
    0xbc94d450d872576e, 0x3feea8d99b4492ed, 0x3c90ad675b0e8a00, 0x3feeaac7d98a6699,
    0x3c8db72fc1f0eab4, 0x3feeace5422aa0db, 0xbc65b6609cc5e7ff, 0x3feeaf3216b5448c,
    0x3c7bf68359f35f44, 0x3feeb1ae99157736, 0xbc93091fa71e3d83, 0x3feeb45b0b91ffc6,
    0xbc5da9b88b6c1e29, 0x3feeb737b0cdc5e5, 0xbc6c23f97c90b959, 0x3feeba44cbc8520f,
    0xbc92434322f4f9aa, 0x3feebd829fde4e50, 0xbc85ca6cd7668e4b, 0x3feec0f170ca07ba,
    0x3c71affc2b91ce27, 0x3feec49182a3f090, 0x3c6dd235e10a73bb, 0x3feec86319e32323,
    0xbc87c50422622263, 0x3feecc667b5de565, 0x3c8b1c86e3e231d5, 0x3feed09bec4a2d33,
    0xbc91bbd1d3bcbb15, 0x3feed503b23e255d, 0x3c90cc319cee31d2, 0x3feed99e1330b358,
    0x3c8469846e735ab3, 0x3feede6b5579fdbf, 0xbc82dfcd978e9db4, 0x3feee36bbfd3f37a,
    0x3c8c1a7792cb3387, 0x3feee89f995ad3ad, 0xbc907b8f4ad1d9fa, 0x3feeee07298db666,
    0xbc55c3d956dcaeba, 0x3feef3a2b84f15fb, 0xbc90a40e3da6f640, 0x3feef9728de5593a,
    0xbc68d6f438ad9334, 0x3feeff76f2fb5e47, 0xbc91eee26b588a35, 0x3fef05b030a1064a,
    0x3c74ffd70a5fddcd, 0x3fef0c1e904bc1d2, 0xbc91bdfbfa9298ac, 0x3fef12c25bd71e09,
    0x3c736eae30af0cb3, 0x3fef199bdd85529c, 0x3c8ee3325c9ffd94, 0x3fef20ab5fffd07a,
    0x3c84e08fd10959ac, 0x3fef27f12e57d14b, 0x3c63cdaf384e1a67, 0x3fef2f6d9406e7b5,
    0x3c676b2c6c921968, 0x3fef3720dcef9069, 0xbc808a1883ccb5d2, 0x3fef3f0b555dc3fa,
    0xbc8fad5d3ffffa6f, 0x3fef472d4a07897c, 0xbc900dae3875a949, 0x3fef4f87080d89f2,
    0x3c74a385a63d07a7, 0x3fef5818dcfba487, 0xbc82919e2040220f, 0x3fef60e316c98398,
    0x3c8e5a50d5c192ac, 0x3fef69e603db3285, 0x3c843a59ac016b4b, 0x3fef7321f301b460,
    0xbc82d52107b43e1f, 0x3fef7c97337b9b5f, 0xbc892ab93b470dc9, 0x3fef864614f5a129,
    0x3c74b604603a88d3, 0x3fef902ee78b3ff6, 0x3c83c5ec519d7271, 0x3fef9a51fbc74c83,
    0xbc8ff7128fd391f0, 0x3fefa4afa2a490da, 0xbc8dae98e223747d, 0x3fefaf482d8e67f1,
    0x3c8ec3bc41aa2008, 0x3fefba1bee615a27, 0x3c842b94c3a9eb32, 0x3fefc52b376bba97,
    0x3c8a64a931d185ee, 0x3fefd0765b6e4540, 0xbc8e37bae43be3ed, 0x3fefdbfdad9cbe14,
    0x3c77893b4d91cd9d, 0x3fefe7c1819e90d8, 0x3c5305c14160cc89, 0x3feff3c22b8f71f1
};

static double kb(int k)
{
    double d;
    memcpy(&d, &KB[k], sizeof d);
    return d;
}

/* the operations above on the lanes of x (|x| in [2^-54, 512)), one body
 * for both widths: P the intrinsics' prefix, VD/VI its vectors, SI its
 * cast suffix, SET64 and GATHER its 64-bit broadcast and table gather */
#define EXP_CORE(NAME, ATTR, VD, VI, P, SI, SET64, GATHER)                                         \
    ATTR static inline __attribute__((always_inline)) VD NAME(VD x)                                \
    {                                                                                              \
        const VD sh = P##_set1_pd(kb(7));                                                          \
        VD kd = P##_fmadd_pd(x, P##_set1_pd(kb(0)), sh);                                           \
        VI ki = P##_castpd_##SI(kd);                                                               \
        kd = P##_sub_pd(kd, sh);                                                                   \
        VD r = P##_fmadd_pd(kd, P##_set1_pd(kb(1)), x);                                            \
        r = P##_fmadd_pd(kd, P##_set1_pd(kb(2)), r);                                               \
        VI ix = P##_slli_epi64(P##_and_##SI(ki, SET64(127)), 1);                                   \
        VD tail = P##_cast##SI##_pd(GATHER(ix));                                                   \
        VI sb = GATHER(P##_add_epi64(ix, SET64(1)));                                               \
        VD scale = P##_cast##SI##_pd(P##_add_epi64(sb, P##_slli_epi64(ki, 45)));                   \
        VD p23 = P##_fmadd_pd(r, P##_set1_pd(kb(4)), P##_set1_pd(kb(3)));                          \
        VD p45 = P##_fmadd_pd(r, P##_set1_pd(kb(6)), P##_set1_pd(kb(5)));                          \
        VD r2 = P##_mul_pd(r, r);                                                                  \
        VD t = P##_fmadd_pd(p23, r2, P##_add_pd(r, tail));                                         \
        t = P##_fmadd_pd(P##_mul_pd(r2, r2), p45, t);                                              \
        return P##_fmadd_pd(scale, t, scale);                                                      \
    }
#define GATHER4(i) _mm256_i64gather_epi64((const long long *)T, (i), 8)
#define GATHER8(i) _mm512_i64gather_epi64((i), (const void *)T, 8)
EXP_CORE(exp4_core, __attribute__((target("avx2,fma"))), __m256d, __m256i, _mm256, si256, _mm256_set1_epi64x, GATHER4)
EXP_CORE(exp8_core, __attribute__((target("avx512f,avx512dq"))), __m512d, __m512i, _mm512, si512, _mm512_set1_epi64,
         GATHER8)

/* the lanes of x with |x| in [2^-54, 512) (exp8_core's range) */
__attribute__((target("avx512f,avx512dq"))) static inline __attribute__((always_inline)) __mmask8 in8(__m512d x)
{
    __m512d ax = _mm512_abs_pd(x);
    return _mm512_cmp_pd_mask(ax, _mm512_set1_pd(0x1p-54), _CMP_GE_OQ) &
           _mm512_cmp_pd_mask(ax, _mm512_set1_pd(512.0), _CMP_LT_OQ);
}

/* 8 ids (AVX-512): 0 when a lane is outside the range (the caller takes
 * libm then) */
__attribute__((target("avx512f,avx512dq"))) static inline __attribute__((always_inline)) int
exp8_ids(const float *y, const int32_t *ids, double mx, double *out)
{
    __m256i id = _mm256_loadu_si256((const __m256i *)(const void *)ids);
    __m512d x = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_i32gather_ps(y, id, 4)), _mm512_set1_pd(mx));
    if (in8(x) != 0xff) return 0;
    _mm512_i32scatter_pd(out, id, exp8_core(x), 8);
    return 1;
}

/* positions [0, n) in order (AVX-512): out[i] = exp(y[i] - mx) where
 * code[i] == keep, else 0; a block with a kept lane outside the range by
 * libm (dense survivors: no gathers or scatters) */
__attribute__((target("avx512f,avx512dq"))) static void dense8(const float *y, const uint8_t *code, uint8_t keep,
                                                             size_t n, double mx, double *out)
{
    const __m512i kv = _mm512_set1_epi64(keep);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i cb = _mm_loadl_epi64((const __m128i *)(const void *)(code + i));
        __mmask8 kp = _mm512_cmpeq_epi64_mask(_mm512_cvtepu8_epi64(cb), kv);
        __m512d x = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(y + i)), _mm512_set1_pd(mx));
        if ((in8(x) & kp) == kp) {
            _mm512_storeu_pd(out + i, _mm512_maskz_mov_pd(kp, exp8_core(x)));
            continue;
        }
        for (size_t k = i; k < i + 8; k++) out[k] = code[k] == keep ? exp((double)y[k] - mx) : 0.0;
    }
    for (; i < n; i++) out[i] = code[i] == keep ? exp((double)y[i] - mx) : 0.0;
}

/* the same on 4 ids (AVX2) */
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline)) int
exp4_ids(const float *y, const int32_t *ids, double mx, double *out)
{
    __m128i id = _mm_loadu_si128((const __m128i *)(const void *)ids);
    __m256d x = _mm256_sub_pd(_mm256_cvtps_pd(_mm_i32gather_ps(y, id, 4)), _mm256_set1_pd(mx));
    __m256d ax = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
    __m256d ok = _mm256_and_pd(_mm256_cmp_pd(ax, _mm256_set1_pd(0x1p-54), _CMP_GE_OQ),
                               _mm256_cmp_pd(ax, _mm256_set1_pd(512.0), _CMP_LT_OQ));
    if (_mm256_movemask_pd(ok) != 0xf) return 0;
    double o[4];
    _mm256_storeu_pd(o, exp4_core(x));
    for (int k = 0; k < 4; k++) out[ids[k]] = o[k];
    return 1;
}
#endif

void vmk_exp_ids_portable(const float *y, const int32_t *ids, size_t m, double mx, double *out)
{
    for (size_t j = 0; j < m; j++) out[ids[j]] = exp((double)y[ids[j]] - mx);
}

/* ids by blocks of W (a block the kernel declines, and the tail, by libm) */
#define IDS_FILL(NAME, ATTR, KERNEL, W)                                                            \
    ATTR void NAME(const float *y, const int32_t *ids, size_t m, double mx, double *out)           \
    {                                                                                              \
        size_t j = 0;                                                                              \
        for (; j + W <= m; j += W)                                                                 \
            if (!KERNEL(y, ids + j, mx, out)) vmk_exp_ids_portable(y, ids + j, W, mx, out);        \
        vmk_exp_ids_portable(y, ids + j, m - j, mx, out);                                          \
    }
#if defined(__x86_64__) && defined(__GNUC__)
IDS_FILL(vmk_exp_ids_avx512, __attribute__((target("avx512f,avx512dq"))), exp8_ids, 8)
IDS_FILL(vmk_exp_ids_avx2, __attribute__((target("avx2,fma"))), exp4_ids, 4)

/* the survivors: a run over every position when they are many (no gathers) */
void vmk_exp_kept_avx512(const float *y, const int32_t *ids, size_t m, const uint8_t *code, uint8_t keep, size_t n,
                         double mx, double *out)
{
    if (m >= n / 4) dense8(y, code, keep, n, mx, out);
    else vmk_exp_ids_avx512(y, ids, m, mx, out);
}

void vmk_exp_kept_avx2(const float *y, const int32_t *ids, size_t m, const uint8_t *code, uint8_t keep, size_t n,
                       double mx, double *out)
{
    (void)code, (void)keep, (void)n;
    vmk_exp_ids_avx2(y, ids, m, mx, out);
}
#endif

void vmk_exp_kept_portable(const float *y, const int32_t *ids, size_t m, const uint8_t *code, uint8_t keep,
                           size_t n, double mx, double *out)
{
    (void)code, (void)keep, (void)n;
    vmk_exp_ids_portable(y, ids, m, mx, out);
}

/* the kernel reproduces libm on arguments over [-512, 0]: float logits at
 * a stride over the binades, minus shifts with all 53 bits used */
int vmk_exp_ids_check(vmk_ids_fn f)
{
    enum { M = 4096 };
    float y[M];
    int32_t ids[M];
    double a[M];
    uint32_t b = 0x80000000u; /* -0 down to about -512 (0xc4000000) by a stride */
    for (int k = 0; k < M; k++, b += 0x44000000u / M) {
        memcpy(&y[k], &b, sizeof b);
        ids[k] = (k * 1031) % M; /* every position once, out of order */
    }
    static const double shifts[4] = { 0.0, 0x1.9e3779b97f4a8p-1, -0x1.6a09e667f3bcdp-2, 0x1.5bf0a8b145769p+1 };
    for (int s = 0; s < 4; s++) {
        f(y, ids, M, shifts[s], a);
        for (int k = 0; k < M; k++) {
            double want = exp((double)y[k] - shifts[s]);
            if (memcmp(&want, &a[k], sizeof want)) return 0;
        }
    }
    return 1;
}
