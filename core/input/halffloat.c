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
 * is computed per lane and the lane's own selected. test_formats_bin
 * checks all 65,536 values against the scalar conversion. */
typedef uint32_t hf_v8u __attribute__((vector_size(32)));
typedef int32_t hf_v8i __attribute__((vector_size(32)));
typedef float hf_v8f __attribute__((vector_size(32)));
typedef uint16_t hf_v8h __attribute__((vector_size(16)));
static inline void f16_block8(float *dst, const unsigned char *p)
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
}

/* The halves 8 at a time with AVX2 (bf16: widen and shift) and F16C
 * (vcvtph2ps: exact, the same bits as hf_f16_to_f32 except that it quiets
 * a signalling NaN, so a block holding an inf or NaN takes f16_block8),
 * when the CPU has them and the vector path is not forced portable
 * (LOGITSCOPE_SIMD, vmath.h): the lent step of a half dump costs about
 * what its bytes cost. Return how many were converted (a multiple of 8). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HF_HOST_LE 1
#endif
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(HF_HOST_LE)
#include <immintrin.h>
#define HF_WIDE 1
__attribute__((target("avx2,f16c"))) static size_t f16_wide(float *dst, const unsigned char *p, size_t n)
{
    const __m128i ex = _mm_set1_epi16(0x7C00);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(h, ex), ex))) f16_block8(dst + i, p + 2 * i);
        else _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
    }
    return i;
}
__attribute__((target("avx2"))) static size_t bf16_wide(float *dst, const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
        _mm256_storeu_si256((__m256i *)(void *)(dst + i), _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    return i;
}
static int wide_halves(void)
{
    /* the path's width (vmath chose it once, under a pthread_once that
     * also ran __builtin_cpu_init), so nothing of ours to cache */
    return vm_path_lanes() >= 8 && __builtin_cpu_supports("f16c");
}
#else
static size_t f16_wide(float *dst, const unsigned char *p, size_t n) { (void)dst; (void)p; (void)n; return 0; }
static size_t bf16_wide(float *dst, const unsigned char *p, size_t n) { (void)dst; (void)p; (void)n; return 0; }
static int wide_halves(void) { return 0; }
#endif

void hf_convert(float *dst, const void *src, size_t n, enum hf_dtype t, int big_endian)
{
    const unsigned char *p = src;
#ifdef HF_HOST_LE
    if ((t == HF_F16 || t == HF_BF16) && !big_endian && wide_halves()) {
        size_t i = t == HF_F16 ? f16_wide(dst, p, n) : bf16_wide(dst, p, n);
        dst += i;
        p += 2 * i;
        n -= i;   /* the tail below */
    }
    if (t == HF_F32 && !big_endian) {
        /* little-endian host: a plain copy (memmove tolerates dst == src) */
        memmove(dst, p, n * 4);
        return;
    }
    if (t == HF_BF16 && !big_endian) { /* a shift per value, no dispatch: the compiler vectorises it */
        for (size_t i = 0; i < n; i++) {
            uint16_t b;
            memcpy(&b, p + 2 * i, 2);
            dst[i] = bits_to_f32((uint32_t)b << 16);
        }
        return;
    }
    if (t == HF_F16 && !big_endian) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) f16_block8(dst + i, p + 2 * i);
        for (; i < n; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            dst[i] = hf_f16_to_f32(h);
        }
        return;
    }
#endif
    size_t w = hf_width(t);
    for (size_t i = 0; i < n; i++) dst[i] = conv1(p + i * w, t, big_endian);
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
