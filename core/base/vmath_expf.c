/* vmath_expf.c: glibc's expf to the bit in vector lanes, and llama.cpp's
 * float softmax sum in index order (owner: hI; see vmath_expf.h).
 *
 * The algorithm and its lanes: vmath_expf_lanes.h (one lane core per ISA,
 * shared with vmath_torch_expf.c's torch form). Here: ls_expf itself, and
 * llama.cpp's argument form (x = z - mx in float) with its float sum.
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
#include "base/vmath_expf_lanes.h"
#include "base/vmath_ops.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* glibc's __exp2f_data table (equal to 2^(i/32) rounded to double, less i
 * << 47, computed in long double: checked once) */
const uint64_t vm_expf_tab[TB] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};

/* ls_expf's scalar form: expf_pre_body (vmath_expf_lanes.h), its fma()
 * calls one instruction each where the CPU has FMA (libm's fma()
 * elsewhere: exact either way, the same bits) */
static double pre_libm(double xd) { return expf_pre_body(xd); }
#ifdef VX_X86
__attribute__((target("fma"))) static double pre_fma(double xd) { return expf_pre_body(xd); }
#endif
static double (*expf_pre)(double) = pre_libm;
static pthread_once_t pre_once = PTHREAD_ONCE_INIT;

static void pre_init(void)
{
#ifdef VX_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("fma")) expf_pre = pre_fma;
#endif
}

static atomic_int pre_ready;

/* expf_pre, chosen once (then one load a call) */
static inline double pre(double xd)
{
    if (!atomic_load_explicit(&pre_ready, memory_order_acquire)) {
        pthread_once(&pre_once, pre_init);
        atomic_store_explicit(&pre_ready, 1, memory_order_release);
    }
    return expf_pre(xd);
}

float ls_expf(float x)
{
    if (!(x <= 0.0f)) return expf(x);
    if (x < UFLOW) return 0.0f;
    if (x < MAYUF) return 0x1p-149f;
    return (float)pre((double)x);
}

/* one term (the loop's and the tails'), its estimate into *est */
static inline float term1(float z, float mx, double *est)
{
    float x = z - mx;
    if (x < MAYUF) { *est = 0.0; return x < UFLOW ? 0.0f : 0x1p-149f; }
    double xd = (double)x, y = pre(xd), lo = ((double)z - (double)mx) - xd;
    *est = fma(y, lo, y); /* exp(xd + lo) = exp(xd) (1 + lo + O(lo^2)), |lo| < 2^-17 */
    return (float)y;
}

/* terms lo..hi one at a time (a vector block's tail): e, the estimates
 * added to *et, the smallest z into *zm */
static inline void tail_terms(const float *z, size_t lo, size_t hi, float mx, float *e, double *et, float *zm)
{
    for (size_t j = lo; j < hi; j++) {
        double d;
        e[j] = term1(z[j], mx, &d);
        *et += d;
        *zm = z[j] < *zm ? z[j] : *zm;
    }
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
        __m512 zv = _mm512_loadu_ps(z + j);
        __m512d xd[2], yd[2];
        __mmask16 low;
        _mm512_storeu_ps(e + j, expf_lanes16(_mm512_sub_ps(zv, mxv), tv, xd, yd, &low));
        if (want) {
            *est = _mm512_add_pd(*est, est8(_mm512_castps512_ps256(zv), xd[0], yd[0], mxd, (__mmask8)low));
            *est = _mm512_add_pd(*est, est8(_mm512_extractf32x8_ps(zv, 1), xd[1], yd[1], mxd, (__mmask8)(low >> 8)));
        }
        *zmin = _mm512_min_ps(*zmin, zv);
    }
}

T512 float vmk_expf_seq_avx512(const float *z, size_t n, float mx, float *e, double *est, float *zmin)
{
    __m512i tv[4];
    expf_tab_regs(tv);
    __m512d ev = _mm512_setzero_pd();
    __m512 mv = _mm512_set1_ps(mx);
    float c = 0.0f, zm = mx;
    double et = 0.0;
    for (size_t i = 0; i < n; i += BLK) {
        size_t k = n - i < BLK ? n - i : BLK, kv = k & ~(size_t)15;
        if (est) block16(z + i, kv, mx, e + i, &ev, &mv, tv, 1);
        else block16(z + i, kv, mx, e + i, &ev, &mv, tv, 0);
        tail_terms(z, i + kv, i + k, mx, e, &et, &zm); /* the last block's tail */
        c = seq_sum(part16, c, e + i, k);
    }
    if (est) *est = _mm512_reduce_add_pd(ev) + et;
    if (zmin) *zmin = fminf(_mm512_reduce_min_ps(mv), zm);
    return c;
}

/* the AVX2 path: est8, block16 and the AVX-512 run on 4 doubles */
T256 static inline __m256d est4(__m128 z4, __m256d xd, __m256d y, __m256d mxd, __m256d low)
{
    __m256d lo = _mm256_sub_pd(_mm256_sub_pd(_mm256_cvtps_pd(z4), mxd), xd);
    return _mm256_andnot_pd(low, _mm256_fmadd_pd(y, lo, y));
}

T256 static void block8(const float *z, size_t k, float mx, float *e, __m256d *est, __m256 *zmin)
{
    const __m256 mxv = _mm256_set1_ps(mx);
    const __m256d mxd = _mm256_set1_pd((double)mx), lowd = _mm256_set1_pd((double)MAYUF);
    for (size_t j = 0; j + 8 <= k; j += 8) {
        __m256 zv = _mm256_loadu_ps(z + j);
        __m256d xd[2], yd[2];
        _mm256_storeu_ps(e + j, expf_lanes8(_mm256_sub_ps(zv, mxv), xd, yd));
        *est = _mm256_add_pd(*est, est4(_mm256_castps256_ps128(zv), xd[0], yd[0], mxd,
                                        _mm256_cmp_pd(xd[0], lowd, _CMP_LT_OQ)));
        *est = _mm256_add_pd(*est, est4(_mm256_extractf128_ps(zv, 1), xd[1], yd[1], mxd,
                                        _mm256_cmp_pd(xd[1], lowd, _CMP_LT_OQ)));
        *zmin = _mm256_min_ps(*zmin, zv);
    }
}

T256 float vmk_expf_seq_avx2(const float *z, size_t n, float mx, float *e, double *est, float *zmin)
{
    __m256d ev = _mm256_setzero_pd();
    __m256 mv = _mm256_set1_ps(mx);
    float c = 0.0f, zm = mx, lane[8];
    double et = 0.0, el[4];
    for (size_t i = 0; i < n; i += BLK) {
        size_t k = n - i < BLK ? n - i : BLK, kv = k & ~(size_t)7;
        block8(z + i, kv, mx, e + i, &ev, &mv);
        tail_terms(z, i + kv, i + k, mx, e, &et, &zm); /* the last block's tail */
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
float vmk_expf_seq_portable(const float *z, size_t n, float mx, float *e, double *est, float *zmin)
{
    float c = 0.0f, zm = mx;
    double et = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d;
        e[i] = term1(z[i], mx, &d);
        et += d;
        c += e[i];
        zm = z[i] < zm ? z[i] : zm;
    }
    if (est) *est = et;
    if (zmin) *zmin = zm;
    return c;
}

/* vm_fsum_reach with the path's part (NULL: the loop alone) */
static inline __attribute__((always_inline)) size_t reach(part_fn part, const float *x, size_t n, float P, float *c)
{
    enum { RB = 256 }; /* a block the vectors add when its end stays below P */
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

#ifdef VX_X86
size_t vmk_fsum_reach_avx512(const float *x, size_t n, float P, float *c) { return reach(part16, x, n, P, c); }
size_t vmk_fsum_reach_avx2(const float *x, size_t n, float P, float *c) { return reach(part8, x, n, P, c); }
#endif
size_t vmk_fsum_reach_portable(const float *x, size_t n, float P, float *c) { return reach(NULL, x, n, P, c); }
