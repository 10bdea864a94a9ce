/* test_halves.c: hf_convert's float16 and bfloat16 paths (core/input/
 * halffloat.c: AVX-512 32 at a time, AVX2 + F16C 8 at a time, the portable
 * blocks and the scalar tail) against a plain converter written here from
 * the formats' definitions: every one of the 65,536 bit patterns of each
 * (zeros, subnormals, normals, infinities, NaNs with their payloads kept
 * and not quieted, as hf_f16_to_f32 has always done), at every alignment
 * of the source and every length of tail, in blocks holding an inf or NaN
 * among finite values and blocks without; and its answer (0: every value
 * finite) against the reference's. Then the reader built on it: a step of
 * a float16 and a bfloat16 .npy read alone (binsrc.c: V * 2 bytes over
 * 64 KiB) gives the reference's floats and non-finite counts whether the
 * conversion saw an inf or NaN or not; and the same conversion in place
 * (the halves in the upper half of the floats, as that read widens
 * them) against a separate buffer. check_simd_paths.sh runs it on
 * every SIMD path (LOGITSCOPE_SIMD=portable, avx2, avx512). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rng.h"
#include "base/vmath.h"
#include "input/halffloat.h"
#include "input/source.h"
#include "npy_write.h"

/* IEEE binary16 -> binary32 bits by the definition: a subnormal's
 * significand normalised by shifts (no float arithmetic), inf and NaN
 * with the payload moved up unchanged */
static uint32_t ref_f16(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31u, m = h & 1023u;
    if (e == 31) return sign | 0xFF0000u << 7 | m << 13;
    if (e) return sign | (e - 15 + 127) << 23 | m << 13;
    if (!m) return sign;
    int sh = 0;
    while (!(m & 1024u)) { m <<= 1; sh++; }  /* value m * 2^-24 = 1.f * 2^(-14 - sh) */
    return sign | (uint32_t)(127 - 14 - sh) << 23 | (m & 1023u) << 13;
}

static uint32_t ref_bf16(uint16_t b) { return (uint32_t)b << 16; }

static int ref_special(uint16_t h, enum hf_dtype t)
{
    uint16_t ex = t == HF_BF16 ? 0x7F80u : 0x7C00u;
    return (h & ex) == ex;
}

/* hf_convert of h[0..n) from a source at byte offset off, against the
 * reference: the bits and the answer */
static void check_run(const uint16_t *h, size_t n, size_t off, enum hf_dtype t)
{
    unsigned char *src = malloc(2 * n + off + 1);
    uint32_t *out = malloc((n + 1) * sizeof *out);
    assert_non_null(src);
    assert_non_null(out);
    int special = 0;
    for (size_t i = 0; i < n; i++) {
        src[off + 2 * i] = (unsigned char)(h[i] & 0xFF);
        src[off + 2 * i + 1] = (unsigned char)(h[i] >> 8);
        special |= ref_special(h[i], t);
    }
    out[n] = 0xDEADBEEFu;
    int ans = hf_convert((float *)(void *)out, src + off, n, t, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t want = t == HF_BF16 ? ref_bf16(h[i]) : ref_f16(h[i]);
        if (out[i] != want) fprintf(stderr, "%s %04x at %zu of %zu (off %zu): %08x, want %08x\n",
                                    hf_name(t), h[i], i, n, off, out[i], want);
        assert_int_equal(out[i], want);
    }
    assert_int_equal(out[n], 0xDEADBEEFu);  /* nothing written past n */
    assert_int_equal(ans, special);
    free(src);
    free(out);
}

/* every bit pattern, in order, at every alignment and tail */
static void test_all_patterns(void **state)
{
    (void)state;
    printf("vmath path %s\n", vm_path_name());
    uint16_t *h = malloc(65536 * sizeof *h);
    assert_non_null(h);
    for (uint32_t i = 0; i < 65536; i++) h[i] = (uint16_t)i;
    for (int t = HF_F16; t <= HF_BF16; t++)
        for (size_t off = 0; off < 4; off++)
            for (size_t cut = 0; cut < 40; cut += 13) check_run(h, 65536 - cut, off, (enum hf_dtype)t);
    free(h);
}

/* runs of finite values with now and then one inf or NaN (or one
 * subnormal, float16's other slow case) at a random place, every length
 * from 0 to 100 and a few long ones: blocks of each kind next to each
 * other, and answers 0 and 1 */
static void test_sprinkled(void **state)
{
    (void)state;
    static const uint16_t odd16[] = { 0x7C00, 0xFC00, 0x7C01, 0x7E00, 0xFFFF, 0x0001, 0x83FF, 0x0000, 0x8000 };
    static const uint16_t odd_bf[] = { 0x7F80, 0xFF80, 0x7F81, 0x7FC0, 0xFFFF, 0x0001, 0x807F, 0x0000, 0x8000 };
    struct rng g;
    rng_seed(&g, 9);
    uint16_t *h = malloc(5000 * sizeof *h);
    assert_non_null(h);
    for (int rep = 0; rep < 600; rep++) {
        size_t n = rep < 400 ? (size_t)rep % 101 : 1000 + rng_next(&g) % 4000;
        enum hf_dtype t = rep & 1 ? HF_BF16 : HF_F16;
        for (size_t i = 0; i < n; i++) {
            uint16_t v = (uint16_t)(rng_next(&g) & 0xFFFF);
            /* a finite normal: exponent 1..30 (f16) or 1..254 (bf16) */
            uint32_t w = t == HF_F16 ? ((v & 0x83FFu) | (1u + v % 30u) << 10) : ((v & 0x807Fu) | (1u + v % 254u) << 7);
            h[i] = (uint16_t)w;
        }
        for (int k = 0; n && k < (int)(rng_next(&g) % 3); k++)
            h[rng_next(&g) % n] = (t == HF_F16 ? odd16 : odd_bf)[rng_next(&g) % 9];
        check_run(h, n, (size_t)rep % 3, t);
    }
    free(h);
}

/* Halves widened in place (src the upper half of dst's floats, as
 * binsrc.c reads a half step): the bits of the same conversion from a
 * separate buffer, for every pattern, both types, both byte orders, with
 * an odd tail (on every path: check_simd_paths.sh). */
static void test_halves_in_place(void **state)
{
    (void)state;
    enum { N = 65536 + 37 };
    float *dst = malloc(N * sizeof *dst), *ref = malloc(N * sizeof *ref);
    unsigned char *src = malloc(2 * N);
    assert_non_null(dst); assert_non_null(ref); assert_non_null(src);
    for (uint32_t i = 0; i < N; i++) {
        uint32_t h = (i * 40503u) & 0xFFFF; /* every pattern, in scattered order */
        src[2 * i] = (unsigned char)(h & 0xFF);
        src[2 * i + 1] = (unsigned char)(h >> 8);
    }
    for (int t = 0; t < 4; t++) {
        enum hf_dtype dt = t & 1 ? HF_BF16 : HF_F16;
        int be = t >> 1;
        int want = hf_convert(ref, src, N, dt, be);
        memcpy((unsigned char *)dst + 2 * (size_t)N, src, 2 * (size_t)N);
        assert_int_equal(hf_convert(dst, (unsigned char *)dst + 2 * (size_t)N, N, dt, be), want);
        assert_memory_equal(dst, ref, N * sizeof *dst);
    }
    free(dst); free(ref); free(src);
}

/* a [2, V] float16 .npy or raw bfloat16 file (V * 2 bytes over 64 KiB: each step
 * read alone and converted into the caller's buffer); step 0 finite, step 1
 * with a NaN, +inf and -inf: the floats and counts source_read_step gives */
static void check_npy_read(enum hf_dtype t)
{
    enum { V = 40000 };
    char path[] = "/tmp/test_halves_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char hdr[NPY_HDR_MAX];
    int n = npy_header(hdr, "<f2", 0, 2, V); /* npy has no bfloat16: that one a raw file */
    assert_true(n > 0);
    uint16_t *h = malloc(2 * V * sizeof *h);
    float *z = malloc(V * sizeof *z);
    assert_non_null(h);
    assert_non_null(z);
    for (uint32_t i = 0; i < 2 * V; i++) h[i] = (uint16_t)(t == HF_F16 ? 0x3C00 + i % 900 : 0x3F80 + i % 900);
    uint16_t inf = t == HF_F16 ? 0x7C00 : 0x7F80;
    h[V + 5] = (uint16_t)(inf | 0x40); /* NaN */
    h[V + 7] = inf;
    h[2 * V - 1] = (uint16_t)(inf | 0x8000);
    if (t == HF_F16) assert_int_equal(npy_write_all(fd, hdr, (size_t)n), 0);
    assert_int_equal(npy_write_all(fd, h, 2 * V * sizeof *h), 0);
    close(fd);
    struct source_opts so = {0};
    so.format = t == HF_F16 ? "npy" : "raw";
    so.dtype = "bf16";
    so.vocab_size = V;
    struct source *s;
    struct ls_error e = {0};
    assert_int_equal(source_open(path, &so, &s, &e), 0);
    for (uint32_t step = 0; step < 2; step++) {
        struct step_info si;
        assert_int_equal(source_read_step(s, step, z, &si, &e), 0);
        for (uint32_t i = 0; i < V; i++) {
            uint32_t u, want = t == HF_F16 ? ref_f16(h[step * V + i]) : ref_bf16(h[step * V + i]);
            memcpy(&u, &z[i], 4);
            assert_int_equal(u, want);
        }
        assert_int_equal(si.n_nan, step);
        assert_int_equal(si.n_posinf, step);
        assert_int_equal(si.n_neginf, step);
    }
    source_close(s);
    unlink(path);
    free(h);
    free(z);
}

static void test_read_steps(void **state)
{
    (void)state;
    check_npy_read(HF_F16);
    check_npy_read(HF_BF16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_patterns),
        cmocka_unit_test(test_sprinkled),
        cmocka_unit_test(test_halves_in_place),
        cmocka_unit_test(test_read_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
