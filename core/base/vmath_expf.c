/* vmath_expf.c: glibc's expf to the bit in vector lanes, and llama.cpp's
 * float softmax sum in index order (owner: hI; see vmath_expf.h).
 *
 * The algorithm (glibc's, from ARM's optimized routines; our code): with
 * N = 32, z = x N / ln 2 is split as k + r (k = z rounded to an integer
 * by adding 1.5 * 2^52, one fused multiply-add: the FMA build's); then
 * exp(x) = 2^(k/N) 2^(r/N), 2^(k/N) from a table of 2^(i/N) (i = k mod N)
 * with k / N added to the exponent, 2^(r/N) by a cubic in r (three fused
 * multiply-adds), their product rounded to float. The table is computed
 * here (2^(i/N) rounded to double); the cubic's three coefficients are the
 * algorithm's. Inputs below log(2^-149) take glibc's underflow results.
 *
 * The float sum c += e[i] in index order, to the bit, in lanes: while c
 * stays in its binade [K, 2K), every float there is a multiple of g =
 * ulp(K), so c + x rounds to c + t with t = x rounded to a multiple of g,
 * which (x + K) - K computes exactly, unless x lies half way (then c's
 * parity decides). A block whose terms are none half way and whose
 * rounded terms keep c below 2K adds up exactly in any order (multiples of
 * g below 2^24 g); any other block runs the loop itself (vmath_seq.h makes
 * the same argument for doubles). */
#include "base/vmath_expf.h"
#include "base/vmath.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VX_X86 1
#endif

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define TB 32                                     /* the table's entries: 2^(i/TB) */
static const double INVLN2N = 0x1.71547652b82fep+0 * TB, SHIFT = 0x1.8p+52;
static const double C0 = 0x1.c6af84b912394p-5 / (TB * TB * TB), C1 = 0x1.ebfce50fac4f3p-3 / (TB * TB),
                    C2 = 0x1.62e42ff0c52d6p-1 / TB;
#define UFLOW (-0x1.9fe368p6f)  /* below log(2^-150): glibc gives 0 */
#define MAYUF (-0x1.9d1d9ep6f)  /* below log(2^-149) (to UFLOW): glibc's 2^-149 */

/* tab[i]: the bits of 2^(i/TB) rounded to double, less i << (52 - 5), so
 * that adding k << 47 (k mod TB = i) puts k / TB into the exponent */
static uint64_t tab[TB];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

/* the double result before its rounding to float (x in [MAYUF, 88]) */
static inline __attribute__((always_inline)) double pre_body(double xd, const uint64_t *t)
{
    double kd = fma(INVLN2N, xd, SHIFT), s;
    uint64_t ki;
    memcpy(&ki, &kd, sizeof ki);
    kd -= SHIFT;
    double r = fma(INVLN2N, xd, -kd);
    uint64_t sb = t[ki % TB] + (ki << 47);
    memcpy(&s, &sb, sizeof s);
    double z = fma(C0, r, C1), r2 = r * r, y = fma(C2, r, 1.0);
    return fma(z, r2, y) * s;
}

/* the same, its fma() calls one instruction each where the CPU has FMA
 * (libm's fma() elsewhere: exact either way, the same bits) */
static double pre_libm(double xd, const uint64_t *t) { return pre_body(xd, t); }
#ifdef VX_X86
__attribute__((target("fma"))) static double pre_fma(double xd, const uint64_t *t) { return pre_body(xd, t); }
#endif
static double (*expf_pre)(double, const uint64_t *) = pre_libm;

static void tab_init(void)
{
    for (int i = 0; i < TB; i++) {
        double v = (double)exp2l((long double)i / TB); /* 80-bit on x86: every entry > 2^-58 from a tie */
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        tab[i] = b - ((uint64_t)i << 47);
    }
#ifdef VX_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("fma")) expf_pre = pre_fma;
#endif
}

static atomic_int tab_ready;

static const uint64_t *table(void)
{
    if (!atomic_load_explicit(&tab_ready, memory_order_acquire)) { /* once: then one load a call */
        pthread_once(&tab_once, tab_init);
        atomic_store_explicit(&tab_ready, 1, memory_order_release);
    }
    return tab;
}

float ls_expf(float x)
{
    if (!(x <= 0.0f)) return expf(x);
    if (x < UFLOW) return 0.0f;
    if (x < MAYUF) return 0x1p-149f;
    const uint64_t *t = table();
    return (float)expf_pre((double)x, t);
}

/* one term (the loop's and the tails'), its estimate into *est */
static inline float term1(float z, float mx, const uint64_t *t, double *est)
{
    float x = z - mx;
    if (x < MAYUF) { *est = 0.0; return x < UFLOW ? 0.0f : 0x1p-149f; }
    double xd = (double)x, y = expf_pre(xd, t), lo = ((double)z - (double)mx) - xd;
    *est = fma(y, lo, y); /* exp(xd + lo) = exp(xd) (1 + lo + O(lo^2)), |lo| < 2^-17 */
    return (float)y;
}

/* the loop: c += x[j] for j < k */
static inline float seq_loop(float c, const float *x, size_t k)
{
    for (size_t j = 0; j < k; j++) c += x[j];
    return c;
}

/* K with c in [K, 2K) for a normal c > 0 (0 otherwise) */
static inline float binade(float c)
{
    uint32_t b;
    memcpy(&b, &c, sizeof b);
    b = c > 0 ? b & 0x7F800000u : 0;
    memcpy(&c, &b, sizeof c);
    return c;
}

typedef int (*part_fn)(float c, const float *x, size_t k, float *out);

/* c + x[0..k) by parts: part's vectors over the longest run they can
 * take (halving a run they cannot: it holds a binade's end or a tie),
 * the loop over a run of 64 they cannot take, then the vectors again */
static float seq_sum(part_fn part, float c, const float *x, size_t k)
{
    for (size_t j = 0; j < k;) {
        size_t len = k - j;
        float nc;
        while (part && len > 64 && !part(c, x + j, len, &nc)) len /= 2;
        if (part && len > 64) { c = nc; j += len; continue; }
        if (part && part(c, x + j, len, &nc)) { c = nc; j += len; continue; }
        for (size_t e = j + len; j < e; j++) c += x[j];
    }
    return c;
}

enum { BLK = 1024 }; /* terms made a block at a time, then summed (in L1) */

#ifdef VX_X86
#define T512 __attribute__((target("avx512f,avx512dq")))
#define T256 __attribute__((target("avx2,fma")))

typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

/* The vectors' part (see the top), W lanes: 1 and *out = c + x[0..k)
 * when exact. Per lane the rounded terms t = (x + K) - K and their sum,
 * the largest |x - t| (half a step: a tie, the loop's), the smallest x
 * (a negative term: the loop's). */
#define SEQ_PART(W, VF, VI, ATTR)                                                                  \
ATTR static int part##W(float c, const float *x, size_t k, float *out)                             \
{                                                                                                  \
    if (!(c >= 0x1p-100f && c < 0x1p100f) || k < (W)) return 0;                                    \
    float Kf = binade(c), Hf = Kf * 0x1p-24f, s = 0.0f, lane[W], dml[W], mnl[W];                  \
    VF K = (VF){0} + Kf, acc = {0}, dm = {0}, mn = {0};                                            \
    size_t j = 0;                                                                                  \
    for (; j + (W) <= k; j += (W)) {                                                               \
        VF a, t, d;                                                                                \
        memcpy(&a, x + j, sizeof a);                                                               \
        t = (a + K) - K;                                                                           \
        d = (VF)((VI)(a - t) & 0x7FFFFFFF);                                                        \
        VI bigger = d > dm, smaller = a < mn;                                                      \
        dm = (VF)(((VI)d & bigger) | ((VI)dm & ~bigger));                                          \
        mn = (VF)(((VI)a & smaller) | ((VI)mn & ~smaller));                                        \
        acc += t;                                                                                  \
    }                                                                                              \
    memcpy(lane, &acc, sizeof lane);                                                               \
    memcpy(dml, &dm, sizeof dml);                                                                  \
    memcpy(mnl, &mn, sizeof mnl);                                                                  \
    for (int l = 0; l < (W); l++) {                                                                \
        if (!(dml[l] < Hf) || mnl[l] < 0) return 0;                                                \
        s += lane[l]; /* multiples of g below 2K: exact in any order */                            \
    }                                                                                              \
    for (; j < k; j++) {                                                                           \
        float t = (x[j] + Kf) - Kf;                                                                \
        if (!(fabsf(x[j] - t) < Hf) || x[j] < 0) return 0;                                         \
        s += t;                                                                                    \
    }                                                                                              \
    *out = c + s;                                                                                  \
    return *out < 2.0f * Kf;                                                                       \
}
SEQ_PART(16, v16f, v16i, T512)
SEQ_PART(8, v8f, v8i, T256)

/* 2^(k/TB) for 8 lanes of ki (the shifted k's bits): the table by two
 * two-register permutes, bit 4 choosing between them */
T512 static inline __m512d scale8(__m512i ki, const __m512i *tv)
{
    __m512i lo = _mm512_permutex2var_epi64(tv[0], ki, tv[1]), hi = _mm512_permutex2var_epi64(tv[2], ki, tv[3]);
    __m512i t = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)), lo, hi);
    return _mm512_castsi512_pd(_mm512_add_epi64(t, _mm512_slli_epi64(ki, 47)));
}

/* expf_pre on 8 lanes, operation for operation */
T512 static inline __m512d pre8(__m512d xd, const __m512i *tv)
{
    const __m512d inv = _mm512_set1_pd(INVLN2N), sh = _mm512_set1_pd(SHIFT);
    __m512d kds = _mm512_fmadd_pd(inv, xd, sh), kd = _mm512_sub_pd(kds, sh);
    __m512d r = _mm512_fmsub_pd(inv, xd, kd), s = scale8(_mm512_castpd_si512(kds), tv);
    __m512d z = _mm512_fmadd_pd(_mm512_set1_pd(C0), r, _mm512_set1_pd(C1)), r2 = _mm512_mul_pd(r, r);
    __m512d y = _mm512_fmadd_pd(_mm512_set1_pd(C2), r, _mm512_set1_pd(1.0));
    return _mm512_mul_pd(_mm512_fmadd_pd(z, r2, y), s);
}

/* 8 lanes' estimates of exp(zd - mx): y (1 + lo), 0 where m (below MAYUF) */
T512 static inline __m512d est8(__m256 z8, __m512d xd, __m512d y, __m512d mxd, __mmask8 m)
{
    __m512d lo = _mm512_sub_pd(_mm512_sub_pd(_mm512_cvtps_pd(z8), mxd), xd);
    return _mm512_maskz_fmadd_pd((__mmask8)~m, y, lo, y);
}

/* a block of terms into e (every z finite or -inf, <= mx); their
 * estimates into *est when want (a constant: two copies) */
T512 static inline __attribute__((always_inline)) void block16(const float *z, size_t k, float mx, float *e, __m512d *est,
                                                               __m512 *zmin, const __m512i *tv, int want)
{
    const __m512 mxv = _mm512_set1_ps(mx);
    const __m512d mxd = _mm512_set1_pd((double)mx);
    for (size_t j = 0; j + 16 <= k; j += 16) {
        __m512 zv = _mm512_loadu_ps(z + j), x = _mm512_sub_ps(zv, mxv);
        __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(MAYUF), _CMP_LT_OQ);
        __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_set1_ps(UFLOW), _CMP_LT_OQ);
        __m256 z0 = _mm512_castps512_ps256(zv), z1 = _mm512_extractf32x8_ps(zv, 1);
        __m512d x0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x)), x1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1));
        __m512d y0 = pre8(x0, tv), y1 = pre8(x1, tv);
        __m512 f = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(y0)), _mm512_cvtpd_ps(y1), 1);
        f = _mm512_mask_mov_ps(f, low, _mm512_set1_ps(0x1p-149f));
        f = _mm512_mask_mov_ps(f, zero, _mm512_setzero_ps());
        _mm512_storeu_ps(e + j, f);
        if (want) {
            *est = _mm512_add_pd(*est, est8(z0, x0, y0, mxd, (__mmask8)low));
            *est = _mm512_add_pd(*est, est8(z1, x1, y1, mxd, (__mmask8)(low >> 8)));
        }
        *zmin = _mm512_min_ps(*zmin, zv);
    }
}

T512 static float run512(const float *z, size_t n, float mx, float *e, double *est, float *zmin, const uint64_t *t)
{
    __m512i tv[4];
    for (int q = 0; q < 4; q++) tv[q] = _mm512_loadu_si512((const void *)(t + 8 * q));
    __m512d ev = _mm512_setzero_pd();
    __m512 mv = _mm512_set1_ps(mx);
    float c = 0.0f, zm = mx;
    double et = 0.0;
    for (size_t i = 0; i < n; i += BLK) {
        size_t k = n - i < BLK ? n - i : BLK, kv = k & ~(size_t)15;
        if (est) block16(z + i, kv, mx, e + i, &ev, &mv, tv, 1);
        else block16(z + i, kv, mx, e + i, &ev, &mv, tv, 0);
        for (size_t j = i + kv; j < i + k; j++) { /* the last block's tail */
            double d;
            e[j] = term1(z[j], mx, t, &d);
            et += d;
            zm = z[j] < zm ? z[j] : zm;
        }
        c = seq_sum(part16, c, e + i, k);
    }
    if (est) *est = _mm512_reduce_add_pd(ev) + et;
    if (zmin) *zmin = fminf(_mm512_reduce_min_ps(mv), zm);
    return c;
}

/* the AVX2 path: pre8, est8, block16 and run512 on 4 doubles */
T256 static inline __m256d pre4(__m256d xd, const uint64_t *t)
{
    const __m256d inv = _mm256_set1_pd(INVLN2N), sh = _mm256_set1_pd(SHIFT);
    __m256d kds = _mm256_fmadd_pd(inv, xd, sh), kd = _mm256_sub_pd(kds, sh);
    __m256d r = _mm256_fmsub_pd(inv, xd, kd);
    __m256i ki = _mm256_castpd_si256(kds);
    __m256i tb = _mm256_i64gather_epi64((const long long *)(const void *)t, _mm256_and_si256(ki, _mm256_set1_epi64x(TB - 1)), 8);
    __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(tb, _mm256_slli_epi64(ki, 47)));
    __m256d z = _mm256_fmadd_pd(_mm256_set1_pd(C0), r, _mm256_set1_pd(C1)), r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(_mm256_set1_pd(C2), r, _mm256_set1_pd(1.0));
    return _mm256_mul_pd(_mm256_fmadd_pd(z, r2, y), s);
}

/* 4 lanes' estimates; 0 where low (all ones) */
T256 static inline __m256d est4(__m128 z4, __m256d xd, __m256d y, __m256d mxd, __m256d low)
{
    __m256d lo = _mm256_sub_pd(_mm256_sub_pd(_mm256_cvtps_pd(z4), mxd), xd);
    return _mm256_andnot_pd(low, _mm256_fmadd_pd(y, lo, y));
}

T256 static void block8(const float *z, size_t k, float mx, float *e, __m256d *est, __m256 *zmin, const uint64_t *t)
{
    const __m256 mxv = _mm256_set1_ps(mx);
    const __m256d mxd = _mm256_set1_pd((double)mx), lowd = _mm256_set1_pd((double)MAYUF);
    for (size_t j = 0; j + 8 <= k; j += 8) {
        __m256 zv = _mm256_loadu_ps(z + j), x = _mm256_sub_ps(zv, mxv);
        __m256 low = _mm256_cmp_ps(x, _mm256_set1_ps(MAYUF), _CMP_LT_OQ);
        __m256 zero = _mm256_cmp_ps(x, _mm256_set1_ps(UFLOW), _CMP_LT_OQ);
        __m128 z0 = _mm256_castps256_ps128(zv), z1 = _mm256_extractf128_ps(zv, 1);
        __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
        __m256d y0 = pre4(x0, t), y1 = pre4(x1, t);
        __m256 f = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(y0)), _mm256_cvtpd_ps(y1), 1);
        f = _mm256_blendv_ps(f, _mm256_set1_ps(0x1p-149f), low);
        f = _mm256_andnot_ps(zero, f);
        _mm256_storeu_ps(e + j, f);
        *est = _mm256_add_pd(*est, est4(z0, x0, y0, mxd, _mm256_cmp_pd(x0, lowd, _CMP_LT_OQ)));
        *est = _mm256_add_pd(*est, est4(z1, x1, y1, mxd, _mm256_cmp_pd(x1, lowd, _CMP_LT_OQ)));
        *zmin = _mm256_min_ps(*zmin, zv);
    }
}

T256 static float run256(const float *z, size_t n, float mx, float *e, double *est, float *zmin, const uint64_t *t)
{
    __m256d ev = _mm256_setzero_pd();
    __m256 mv = _mm256_set1_ps(mx);
    float c = 0.0f, zm = mx, lane[8];
    double et = 0.0, el[4];
    for (size_t i = 0; i < n; i += BLK) {
        size_t k = n - i < BLK ? n - i : BLK, kv = k & ~(size_t)7;
        block8(z + i, kv, mx, e + i, &ev, &mv, t);
        for (size_t j = i + kv; j < i + k; j++) { /* the last block's tail */
            double d;
            e[j] = term1(z[j], mx, t, &d);
            et += d;
            zm = z[j] < zm ? z[j] : zm;
        }
        c = seq_sum(part8, c, e + i, k);
    }
    _mm256_storeu_pd(el, ev);
    _mm256_storeu_ps(lane, mv);
    for (int l = 0; l < 8; l++) zm = lane[l] < zm ? lane[l] : zm;
    if (est) *est = ((el[0] + el[1]) + (el[2] + el[3])) + et;
    if (zmin) *zmin = zm;
    return c;
}
#endif

/* the portable path: term by term (fma() is exact everywhere) */
static float run_plain(const float *z, size_t n, float mx, float *e, double *est, float *zmin, const uint64_t *t)
{
    float c = 0.0f, zm = mx;
    double et = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d;
        e[i] = term1(z[i], mx, t, &d);
        et += d;
        c += e[i];
        zm = z[i] < zm ? z[i] : zm;
    }
    if (est) *est = et;
    if (zmin) *zmin = zm;
    return c;
}

float vm_expf_seqsum(const float *z, size_t n, float mx, float *e, double *est, float *zmin)
{
    const uint64_t *t = table();
#ifdef VX_X86
    const char *path = vm_path_name();
    if (!strcmp(path, "avx512")) return run512(z, n, mx, e, est, zmin, t);
    if (!strcmp(path, "avx2")) return run256(z, n, mx, e, est, zmin, t);
#endif
    return run_plain(z, n, mx, e, est, zmin, t);
}

/* the path's part (NULL: the loop alone) */
static part_fn path_part(void)
{
#ifdef VX_X86
    const char *path = vm_path_name();
    if (!strcmp(path, "avx512")) return part16;
    if (!strcmp(path, "avx2")) return part8;
#endif
    return NULL;
}

size_t vm_fsum_reach(const float *x, size_t n, float P, float *c)
{
    enum { RB = 256 }; /* a block the vectors add when its end stays below P */
    part_fn part = path_part();
    float s = *c;
    for (size_t j = 0; j < n; j += RB) {
        size_t k = n - j < RB ? n - j : RB;
        float ns;
        if (part && part(s, x + j, k, &ns) && ns < P) { s = ns; continue; } /* every partial sum below P too */
        for (size_t i = j; i < j + k; i++) {
            s += x[i];
            if (s >= P) { *c = s; return i + 1; }
        }
    }
    *c = s;
    return 0;
}
