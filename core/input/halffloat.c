/* halffloat.c: element conversions for binary loaders (see halffloat.h). */
#include "input/halffloat.h"
#include "base/vmath.h"

#include <float.h>
#include <math.h>
#include <string.h>

size_t hf_width(enum hf_dtype t)
{
    switch (t) {
    case HF_F16: case HF_BF16: return 2;
    case HF_F64: return 8;
    case HF_F32: default: return 4;
    }
}

const char *hf_name(enum hf_dtype t)
{
    switch (t) {
    case HF_F16: return "f16";
    case HF_BF16: return "bf16";
    case HF_F64: return "f64";
    case HF_F32: default: return "f32";
    }
}

int hf_parse(const char *s, enum hf_dtype *t)
{
    if (!s) return -1;
    if (!strcmp(s, "f32") || !strcmp(s, "float32")) *t = HF_F32;
    else if (!strcmp(s, "f16") || !strcmp(s, "float16")) *t = HF_F16;
    else if (!strcmp(s, "bf16") || !strcmp(s, "bfloat16")) *t = HF_BF16;
    else if (!strcmp(s, "f64") || !strcmp(s, "float64")) *t = HF_F64;
    else return -1;
    return 0;
}

static float bits_to_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t f32_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

float hf_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    uint32_t u;
    if (exp == 0x1F) {
        u = sign | 0x7F800000u | (man << 13);          /* inf / NaN (payload kept) */
    } else if (exp != 0) {
        u = sign | ((exp + 112u) << 23) | (man << 13); /* normal: rebias 15 -> 127 */
    } else if (man == 0) {
        u = sign;                                      /* +-0 */
    } else {
        /* subnormal: value = man * 2^-24, exact in float32 */
        float f = (float)man * 5.9604644775390625e-8f;
        return sign ? -f : f;
    }
    return bits_to_f32(u);
}

float hf_bf16_to_f32(uint16_t b)
{
    return bits_to_f32((uint32_t)b << 16);
}

uint16_t hf_f32_to_bf16(float f)
{
    uint32_t u = f32_to_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u); /* quiet NaN */
    uint32_t r = u + 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(r >> 16);
}

uint16_t hf_f32_to_f16(float f)
{
    uint32_t u = f32_to_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7FFFFFFFu;
    if (a > 0x7F800000u) return (uint16_t)(sign | 0x7E00u);        /* NaN */
    if (a >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u);       /* >= 65520: inf */
    if (a < 0x38800000u) {                                         /* below 2^-14: subnormal */
        float m = bits_to_f32(a) * 16777216.0f;                    /* exact: * 2^24 */
        return (uint16_t)(sign | (uint16_t)lrintf(m));             /* ties to even */
    }
    uint32_t e = (a >> 23) - 112u, man = a & 0x7FFFFFu;
    uint32_t h = (e << 10) | (man >> 13);
    uint32_t rest = man & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

float hf_f64_to_f32(double d)
{
    if (isnan(d)) return NAN;
    if (d > (double)FLT_MAX) {
        /* values that round to FLT_MAX still convert; beyond that is inf */
        return d < 3.4028235677973366e38 ? FLT_MAX : INFINITY;
    }
    if (d < -(double)FLT_MAX) return d > -3.4028235677973366e38 ? -FLT_MAX : -INFINITY;
    return (float)d;
}

static inline uint16_t ld16(const unsigned char *p, int be)
{
    /* via uint32_t: gcc 12 with -fsanitize warns on the direct narrowing */
    uint32_t v = be ? ((uint32_t)p[0] << 8) | p[1] : ((uint32_t)p[1] << 8) | p[0];
    return (uint16_t)(v & 0xFFFFu);
}

static inline uint32_t ld32(const unsigned char *p, int be)
{
    if (be) return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static inline double ld64f(const unsigned char *p, int be)
{
    uint64_t hi = ld32(be ? p : p + 4, be), lo = ld32(be ? p + 4 : p, be);
    uint64_t u = (hi << 32) | lo;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline float conv1(const unsigned char *p, enum hf_dtype t, int be)
{
    switch (t) {
    case HF_F16: return hf_f16_to_f32(ld16(p, be));
    case HF_BF16: return hf_bf16_to_f32(ld16(p, be));
    case HF_F64: return hf_f64_to_f32(ld64f(p, be));
    case HF_F32: default: return bits_to_f32(ld32(p, be));
    }
}

/* Little-endian float16 to float32, 8 at a time with the same bits as
 * hf_f16_to_f32 (NaN payloads kept, subnormals as man * 2^-24): every case
 * is computed per lane and the lane's own selected; the lanes holding an
 * inf or NaN pattern are or-ed into *sp (hf_convert's answer).
 * test_halves checks all 65,536 values against a plain converter of its own. */
typedef uint32_t hf_v8u __attribute__((vector_size(32)));
typedef int32_t hf_v8i __attribute__((vector_size(32)));
typedef float hf_v8f __attribute__((vector_size(32)));
typedef uint16_t hf_v8h __attribute__((vector_size(16)));
static inline void f16_block8(float *dst, const unsigned char *p, hf_v8u *sp)
{
    hf_v8h h16;
    memcpy(&h16, p, sizeof h16); /* little-endian host */
    hf_v8u h = __builtin_convertvector(h16, hf_v8u);
    hf_v8u sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
    hf_v8u normal = sign | ((e + 112u) << 23) | (man << 13);
    hf_v8u special = sign | 0x7F800000u | (man << 13);
    hf_v8f sub = __builtin_convertvector((hf_v8i)man, hf_v8f) * 5.9604644775390625e-8f;
    hf_v8u subu;
    memcpy(&subu, &sub, sizeof sub);
    subu |= sign;
    hf_v8u is_sp = (hf_v8u)(e == 31u), is_zero_e = (hf_v8u)(e == 0u);
    hf_v8u u = (normal & ~is_sp & ~is_zero_e) | (special & is_sp) | (subu & is_zero_e); /* man 0: sub is +-0 */
    memcpy(dst, &u, sizeof u);
    *sp |= is_sp;
}

/* The halves with AVX-512 (32 a step: vcvtph2ps, or widen and shift for
 * bf16) or AVX2 and F16C (8 a step), when the CPU has them and the vector
 * path is not forced lower (LOGITSCOPE_SIMD, vmath.h): a half dump's step
 * then costs about what its bytes cost to read. vcvtph2ps is exact and
 * gives the same bits as hf_f16_to_f32 except that it quiets a signalling
 * NaN, so a block holding an inf or NaN pattern takes f16_block8. Each
 * returns how many it converted (a multiple of its block; the caller
 * converts the tail) and sets *sp when one of them was an inf or NaN. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HF_HOST_LE 1
#endif
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(HF_HOST_LE)
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#define HF_AVX2 __attribute__((target("avx2,f16c")))
#define HF_AVX512 __attribute__((target("avx512f,avx512bw,avx2,f16c")))
/* 32 halves whose exponent field is all ones (e: 0x7C00 f16, 0x7F80 bf16) */
#define HF_SP512(h, e) _mm512_cmpeq_epi16_mask(_mm512_and_si512(h, e), e)
#define HF_HI256(h) _mm512_extracti64x4_epi64(h, 1)

HF_AVX512 static size_t f16_avx512(float *dst, const unsigned char *p, size_t n, int *sp)
{
    const __m512i ex = _mm512_set1_epi16(0x7C00);
    hf_v8u acc = {0};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i h = _mm512_loadu_si512((const void *)(p + 2 * i));
        if (HF_SP512(h, ex)) {
            for (int k = 0; k < 32; k += 8) f16_block8(dst + i + k, p + 2 * (i + k), &acc);
            continue;
        }
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm512_castsi512_si256(h)));
        _mm512_storeu_ps(dst + i + 16, _mm512_cvtph_ps(HF_HI256(h)));
    }
    for (int k = 0; k < 8; k++) *sp |= acc[k] != 0;
    return i;
}
HF_AVX512 static size_t bf16_avx512(float *dst, const unsigned char *p, size_t n, int *sp)
{
    const __m512i ex = _mm512_set1_epi16(0x7F80);
    __mmask32 acc = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i h = _mm512_loadu_si512((const void *)(p + 2 * i));
        acc |= HF_SP512(h, ex);
        _mm512_storeu_si512((void *)(dst + i), _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(h)), 16));
        _mm512_storeu_si512((void *)(dst + i + 16), _mm512_slli_epi32(_mm512_cvtepu16_epi32(HF_HI256(h)), 16));
    }
    *sp |= acc != 0;
    return i;
}
HF_AVX2 static size_t f16_avx2(float *dst, const unsigned char *p, size_t n, int *sp)
{
    const __m128i ex = _mm_set1_epi16(0x7C00);
    hf_v8u acc = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(h, ex), ex))) f16_block8(dst + i, p + 2 * i, &acc);
        else _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
    }
    for (int k = 0; k < 8; k++) *sp |= acc[k] != 0;
    return i;
}
HF_AVX2 static size_t bf16_avx2(float *dst, const unsigned char *p, size_t n, int *sp)
{
    const __m128i ex = _mm_set1_epi16(0x7F80);
    __m128i acc = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
        acc = _mm_or_si128(acc, _mm_cmpeq_epi16(_mm_and_si128(h, ex), ex));
        _mm256_storeu_si256((__m256i *)(void *)(dst + i), _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    *sp |= _mm_movemask_epi8(acc) != 0;
    return i;
}
typedef size_t (*hf_wide_fn)(float *dst, const unsigned char *p, size_t n, int *sp);
/* F16C by CPUID (leaf 1, ECX bit 29), asked once: clang's
 * __builtin_cpu_supports knows no "f16c" (the fuzz build's compiler), and a
 * CPUID traps to the hypervisor in a VM. The AVX state it needs is the
 * vector path's own (lanes >= 8). Racing first calls store the same value. */
static int has_f16c(void)
{
    static atomic_int known = -1;
    int v = atomic_load_explicit(&known, memory_order_relaxed);
    if (v < 0) {
        unsigned a, b, c, d;
        v = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
        atomic_store_explicit(&known, v, memory_order_relaxed);
    }
    return v;
}

/* [f16, bf16] for the vector path's width (vmath chose it once, under a
 * pthread_once that also ran __builtin_cpu_init); NULL: the portable loops */
static hf_wide_fn wide_halves(enum hf_dtype t)
{
    static const hf_wide_fn by_width[2][2] = { { f16_avx2, bf16_avx2 }, { f16_avx512, bf16_avx512 } };
    int lanes = vm_path_lanes();
    if (lanes < 8 || !has_f16c()) return NULL;
    int w = lanes >= 16 && __builtin_cpu_supports("avx512bw");
    return by_width[w][t == HF_BF16];
}
#else
typedef size_t (*hf_wide_fn)(float *dst, const unsigned char *p, size_t n, int *sp);
static hf_wide_fn wide_halves(enum hf_dtype t) { (void)t; return NULL; }
#endif

#ifdef HF_HOST_LE
/* 8 little-endian halves, portable (plain SSE2 on x86-64), or-ing the
 * lanes holding an inf or NaN pattern into *acc. bfloat16: each half
 * interleaved below a zero half (h << 16). float16: when every lane is
 * normal (exponent 1..30, the usual step), the rebias
 * ((h & 0x7FFF) << 13) + (112 << 23) and the sign; else f16_block8. */
static inline void bf16_block8(float *dst, const unsigned char *p, hf_v8h *acc)
{
    hf_v8h h, z = {0};
    memcpy(&h, p, sizeof h);
    *acc |= (hf_v8h)((h & 0x7F80u) == 0x7F80u);
    hf_v8h lo = __builtin_shufflevector(z, h, 0, 8, 1, 9, 2, 10, 3, 11);
    hf_v8h hi = __builtin_shufflevector(z, h, 4, 12, 5, 13, 6, 14, 7, 15);
    memcpy(dst, &lo, sizeof lo);
    memcpy(dst + 4, &hi, sizeof hi);
}
static inline void f16_block8_portable(float *dst, const unsigned char *p, hf_v8u *acc)
{
    hf_v8h h16, e;
    memcpy(&h16, p, sizeof h16);
    e = h16 & 0x7C00u;
    hf_v8h odd = (hf_v8h)(e == 0) | (hf_v8h)(e == 0x7C00u);
    uint64_t q[2];
    memcpy(q, &odd, sizeof q);
    if (q[0] | q[1]) { f16_block8(dst, p, acc); return; }
    hf_v8u h = __builtin_convertvector(h16, hf_v8u);
    hf_v8u u = (((h & 0x7FFFu) << 13) + (112u << 23)) | ((h & 0x8000u) << 16);
    memcpy(dst, &u, sizeof u);
}
/* n little-endian halves, portable; 1 when one was an inf or NaN */
static int halves_portable(float *dst, const unsigned char *p, size_t n, enum hf_dtype t)
{
    const uint16_t ex = t == HF_BF16 ? 0x7F80u : 0x7C00u;
    uint16_t h, any = 0;
    hf_v8u acc = {0};
    hf_v8h acc16 = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        if (t == HF_BF16) bf16_block8(dst + i, p + 2 * i, &acc16);
        else f16_block8_portable(dst + i, p + 2 * i, &acc);
    }
    for (int k = 0; k < 8; k++) any |= (uint16_t)(acc[k] != 0 || acc16[k] != 0);
    for (; i < n; i++) {
        memcpy(&h, p + 2 * i, 2);
        dst[i] = t == HF_BF16 ? hf_bf16_to_f32(h) : hf_f16_to_f32(h);
        any |= (uint16_t)((h & ex) == ex);
    }
    return any;
}
#endif

int hf_convert(float *dst, const void *src, size_t n, enum hf_dtype t, int big_endian)
{
    const unsigned char *p = src;
#ifdef HF_HOST_LE
    if (t == HF_F32 && !big_endian) {
        /* little-endian host: a plain copy (memmove tolerates dst == src) */
        memmove(dst, p, n * 4);
        return 1;
    }
    if ((t == HF_F16 || t == HF_BF16) && !big_endian) {
        hf_wide_fn wide = wide_halves(t);
        int sp = 0;
        size_t i = wide ? wide(dst, p, n, &sp) : 0;
        return halves_portable(dst + i, p + 2 * i, n - i, t) | sp;
    }
#endif
    size_t w = hf_width(t);
    for (size_t i = 0; i < n; i++) dst[i] = conv1(p + i * w, t, big_endian);
    return 1;
}

void hf_convert_strided(float *dst, const void *src, size_t n, size_t stride_bytes,
                        enum hf_dtype t, int big_endian)
{
    const unsigned char *p = src;
    for (size_t i = 0; i < n; i++) dst[i] = conv1(p + i * stride_bytes, t, big_endian);
}

void hf_count_nonfinite(const float *v, size_t n, uint32_t *n_nan, uint32_t *n_posinf,
                        uint32_t *n_neginf)
{
    uint32_t a = 0, b = 0, c = 0;
    if (vm_count_nonfinite(v, n) == 0) { *n_nan = *n_posinf = *n_neginf = 0; return; } /* the usual step: one vector pass */
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) continue;
        if (isnan(v[i])) a++;
        else if (v[i] > 0) b++;
        else c++;
    }
    *n_nan = a; *n_posinf = b; *n_neginf = c;
}
