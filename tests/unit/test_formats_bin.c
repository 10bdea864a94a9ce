/* test_formats_bin.c: binary loaders (npy, npz, safetensors, kld, raw), the
 * half-float conversions and the vocabulary formats, checked value by value
 * against what samples/gen_binary.py wrote (same formulas here). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/halffloat.h"
#include "input/npy.h"
#include "input/source.h"
#include "input/vocab.h"
#include "npy_write.h"

#define S 3
#define V 16

static float base(int s, int i) { return (float)(((7 * s + 5 * i) % 17 - 8) / 2.0); }

static struct source *open_ok(const char *path, const char *tensor)
{
    struct source_opts o = {0};
    o.tensor = tensor;
    struct source *s = NULL;
    struct ls_error e = {0};
    int rc = source_open(path, &o, &s, &e);
    if (rc) fprintf(stderr, "open %s: %s\n", path, e.msg);
    assert_int_equal(rc, 0);
    return s;
}

static void read_step(struct source *s, uint32_t k, float *z, struct step_info *si)
{
    struct ls_error e = {0};
    int rc = source_read_step(s, k, z, si, &e);
    if (rc) fprintf(stderr, "step %u: %s\n", k, e.msg);
    assert_int_equal(rc, 0);
}

/* Every (s, i) not in the override list equals base(s, i). */
static void check_grid(struct source *s, const int (*skip)[2], size_t nskip)
{
    float z[V];
    struct step_info si;
    assert_int_equal(s->n_steps, S);
    assert_int_equal(s->vocab_size, V);
    for (int k = 0; k < S; k++) {
        read_step(s, (uint32_t)k, z, &si);
        for (int i = 0; i < V; i++) {
            int sk = 0;
            for (size_t j = 0; j < nskip; j++) if (skip[j][0] == k && skip[j][1] == i) sk = 1;
            if (sk) continue;
            if (z[i] != base(k, i)) fprintf(stderr, "step %d token %d: %g != %g\n", k, i, (double)z[i], (double)base(k, i));
            assert_true(z[i] == base(k, i));
        }
    }
}

static void test_npy_f32(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/logits_f32.npy", NULL);
    static const int skip[][2] = { {0, 3}, {1, 0} };
    check_grid(s, skip, 2);
    assert_string_equal(s->ops->format, "npy");
    assert_string_equal(s->dtype, "f32");
    float z[V];
    struct step_info si;
    read_step(s, 0, z, &si);
    assert_true(isinf(z[3]) && z[3] < 0);
    assert_int_equal(si.n_neginf, 1);
    assert_int_equal(si.n_nan + si.n_posinf, 0);
    read_step(s, 1, z, &si);
    assert_true(z[0] == 0.1f);
    assert_int_equal(si.n_neginf, 0);
    struct ls_error e = {0};
    assert_int_equal(source_read_step(s, 3, z, &si, &e), LS_EUSAGE);
    source_close(s);
}

static void test_npy_f16_fortran(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/logits_f16_fortran.npy", NULL);
    static const int skip[][2] = { {0, 0}, {0, 1}, {0, 2}, {0, 3} };
    check_grid(s, skip, 4);
    assert_string_equal(s->dtype, "f16");
    float z[V];
    struct step_info si;
    read_step(s, 0, z, &si);
    assert_true(z[0] == 5.9604644775390625e-8f);   /* 0x0001: smallest subnormal */
    assert_true(z[1] == 65504.0f);                 /* 0x7BFF: largest finite */
    assert_true(isinf(z[2]) && z[2] < 0);          /* 0xFC00 */
    assert_true(z[3] == 0.333251953125f);          /* 0x3555 */
    assert_int_equal(si.n_neginf, 1);
    source_close(s);
}

static void test_npy_bf16(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/logits_bf16.npy", NULL);
    static const int skip[][2] = { {0, 0}, {0, 1}, {0, 2}, {0, 3} };
    check_grid(s, skip, 4);   /* shape (1, 3, 16) */
    assert_string_equal(s->dtype, "bf16");
    assert_non_null(strstr(s->warnings, "read as bfloat16"));
    float z[V];
    struct step_info si;
    read_step(s, 0, z, &si);
    assert_true(z[0] == 1.0f);
    assert_true(z[1] == 3.3895313892515355e38f);   /* 0x7F7F */
    assert_true(isinf(z[2]) && z[2] < 0);
    uint32_t u;
    memcpy(&u, &z[3], 4);
    assert_int_equal(u, 0x00010000u);              /* bf16 subnormal 0x0001 */
    source_close(s);
}

static void test_npy_be_f64(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/logits_be_f64.npy", NULL);
    static const int skip[][2] = { {0, 0}, {0, 1}, {2, 15} };
    check_grid(s, skip, 3);
    assert_string_equal(s->dtype, "f64");
    float z[V];
    struct step_info si;
    read_step(s, 0, z, &si);
    assert_true(z[0] == 0.1f);
    assert_true(isinf(z[1]) && z[1] < 0);          /* -1e300 beyond float range */
    read_step(s, 2, z, &si);
    assert_true(z[15] == 0.0f);                    /* 1e-50 underflows */
    source_close(s);
}

static void test_npz(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/logits.npz", NULL);
    check_grid(s, NULL, 0);                        /* logits.npy, deflated */
    assert_string_equal(s->ops->format, "npz");
    assert_non_null(strstr(s->warnings, "showing 'logits'"));
    /* going back after reading forward restarts the inflater */
    float z[V];
    struct step_info si;
    read_step(s, 2, z, &si);
    read_step(s, 0, z, &si);
    assert_true(z[5] == base(0, 5));
    source_close(s);

    s = open_ok("samples/logits.npz", "probs");
    static const int skip[][2] = { {1, 1} };
    check_grid(s, skip, 1);
    assert_string_equal(s->dtype, "f16");
    read_step(s, 1, z, &si);
    assert_true(z[1] == 0.25f);
    source_close(s);

    struct source_opts o = {0};
    struct ls_error e = {0};
    o.tensor = "ids";
    assert_int_equal(source_open("samples/logits.npz", &o, &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "dtype '<i8' (integers) not supported"));
    o.tensor = "nope";
    assert_int_equal(source_open("samples/logits.npz", &o, &s, &e), LS_EUSAGE);
    assert_non_null(strstr(e.msg, "arrays: ids, logits, probs"));
}

static void test_safetensors(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/logits.safetensors", NULL);
    static const int skip[][2] = { {2, 7} };
    check_grid(s, skip, 1);
    assert_string_equal(s->ops->format, "safetensors");
    float z[V];
    struct step_info si;
    read_step(s, 2, z, &si);
    assert_true(z[7] == 2.5f);
    source_close(s);
    s = open_ok("samples/logits.safetensors", "logits_bf16");
    static const int skip2[][2] = { {0, 0} };
    check_grid(s, skip2, 1);
    assert_string_equal(s->dtype, "bf16");
    read_step(s, 0, z, &si);
    assert_true(isinf(z[0]) && z[0] < 0);
    source_close(s);
    struct source_opts o = {0};
    struct ls_error e = {0};
    o.tensor = "token_ids";
    assert_int_equal(source_open("samples/logits.safetensors", &o, &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "has dtype I64"));
}

static void test_kld(void **state)
{
    (void)state;
    struct source *s = open_ok("samples/kld_base.bin", NULL);
    assert_string_equal(s->ops->format, "kld");
    assert_int_equal(s->n_steps, 6);               /* 2 chunks x R = 8 - 1 - 4 = 3 */
    assert_int_equal(s->vocab_size, V);
    assert_true(s->has_tokens);
    float z[V];
    struct step_info si;
    FILE *f = fopen("samples/kld_base.bin", "rb");
    assert_non_null(f);
    for (int k = 0; k < 6; k++) {
        read_step(s, (uint32_t)k, z, &si);
        /* record k: at 20 + 4*n_ctx*n_chunk + k * (16 + 4) * 2 */
        unsigned char rec[8];
        assert_int_equal(fseek(f, 20 + 4 * 16 + k * 40, SEEK_SET), 0);
        assert_int_equal(fread(rec, 1, 8, f), 8);
        float scale, minlp;
        memcpy(&scale, rec, 4);
        memcpy(&minlp, rec + 4, 4);
        assert_true(scale == (float)(16.0 / 65535));
        double lse = 0;
        for (int i = 0; i < V; i++) {
            long q = 65535 - ((i * 37 + k * 11) % 16) * 6000;
            if (q < 0) q = 0;                          /* the floor */
            float want = (float)((double)minlp + (double)scale * (double)q);
            assert_true(z[i] == want);
            lse += exp((double)z[i]);
        }
        assert_true(fabs(log(lse)) < 1e-6);            /* decoded values are log-probs */
        int c = k / 3, p = 4 + k % 3;
        assert_int_equal(si.token, (c * 8 + (p + 1) * 3) % V);
    }
    fclose(f);
    source_close(s);
}

static void test_raw(void **state)
{
    (void)state;
    struct source_opts o = {0};
    struct source *s = NULL;
    struct ls_error e = {0};
    o.format = "raw";
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), LS_EUSAGE);
    /* core names the thing; a caller's spelling of the option replaces it */
    assert_non_null(strstr(e.msg, "raw: the vocabulary size is required"));
    assert_null(strstr(e.msg, "--"));
    static const char *const spell[SOPT_N] = { [SOPT_VOCAB_SIZE] = "--vocab-size V" };
    o.spelling = spell;
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), LS_EUSAGE);
    assert_non_null(strstr(e.msg, "raw: --vocab-size V is required"));
    o.spelling = NULL;
    o.vocab_size = V;
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), 0);
    static const int skip[][2] = { {1, 2} };
    check_grid(s, skip, 1);
    assert_string_equal(s->ops->format, "raw");
    source_close(s);
    o.vocab_size = 5;
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "not a multiple of V x 4 = 20 bytes"));
    o.vocab_size = V;
    o.dtype = "f16";                               /* 192 bytes = 6 steps of 16 halves */
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), 0);
    assert_int_equal(s->n_steps, 6);
    assert_string_equal(s->dtype, "f16");
    source_close(s);
    o.dtype = "int8";
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), LS_EUSAGE);
}

static void expect_tok(const struct vocab *v, int32_t id, const char *want, size_t wl)
{
    size_t l;
    const char *t = vocab_get(v, id, &l);
    assert_non_null(t);
    if (l != wl || memcmp(t, want, wl)) fprintf(stderr, "token %d: got '%.*s'\n", id, (int)l, t);
    assert_int_equal(l, wl);
    assert_memory_equal(t, want, wl);
}
#define TOK(v, id, lit) expect_tok(v, id, lit, sizeof lit - 1)

static void test_vocab_tokenizer_json(void **state)
{
    (void)state;
    struct vocab *v = NULL;
    struct ls_error e = {0};
    assert_int_equal(vocab_load("samples/tokenizer.json", &v, &e), 0);
    assert_int_equal(v->n, 16);
    TOK(v, 0, "!");
    TOK(v, 1, "\"");
    TOK(v, 2, " the");                               /* Ġthe */
    TOK(v, 3, "\n");                                 /* Ċ */
    TOK(v, 6, " \xC3\xA9");                          /* ĠÃ© -> " é" */
    TOK(v, 7, "\xE2\x96\x81x");                      /* ▁ not in the table: raw UTF-8 */
    TOK(v, 8, "\ttab");                              /* ĉ */
    TOK(v, 9, "##ing");
    TOK(v, 12, "  ");
    {   /* a hole: no text, shown as <id 13> like any unknown id */
        size_t hl;
        assert_null(vocab_get(v, 13, &hl));
        char tb[32];
        int known = 1;
        assert_string_equal(vocab_text(v, 13, tb, sizeof tb, &hl, &known), "<id 13>");
        assert_int_equal(known, 0);
    }
    TOK(v, 15, "<|endoftext|>");                     /* added token, literal */
    vocab_free(v);
}

static void test_vocab_gguf_txt(void **state)
{
    (void)state;
    struct vocab *v = NULL;
    struct ls_error e = {0};
    assert_int_equal(vocab_load("samples/vocab.gguf", &v, &e), 0);
    assert_int_equal(v->n, 16);
    TOK(v, 0, "<unk>");
    TOK(v, 3, " the");                               /* ▁the */
    TOK(v, 5, "\n");                                 /* <0x0A> */
    TOK(v, 6, "A");                                  /* <0x41> */
    TOK(v, 8, "  ");
    TOK(v, 12, "\xE2");                              /* a lone byte token */
    TOK(v, 15, " end");
    vocab_free(v);
    assert_int_equal(vocab_load("samples/vocab.txt", &v, &e), 0);
    assert_int_equal(v->n, 16);
    TOK(v, 0, "tok00");
    TOK(v, 15, "tok15");
    vocab_free(v);
}

static void test_halffloat(void **state)
{
    (void)state;
    /* every non-NaN half converts and converts back exactly */
    for (uint32_t h = 0; h < 65536; h++) {
        float f = hf_f16_to_f32((uint16_t)h);
        if (isnan(f)) { assert_true((h & 0x7C00u) == 0x7C00u && (h & 0x3FFu)); continue; }
        assert_int_equal(hf_f32_to_f16(f), h);
        float b = hf_bf16_to_f32((uint16_t)h);
        if (!isnan(b)) assert_int_equal(hf_f32_to_bf16(b), h);
    }
    assert_true(hf_f16_to_f32(0x3C00) == 1.0f);
    assert_true(hf_f16_to_f32(0xC000) == -2.0f);
    assert_true(hf_f16_to_f32(0x0400) == 6.103515625e-5f);   /* smallest normal */
    assert_true(hf_f16_to_f32(0x03FF) == 6.097555160522461e-5f); /* largest subnormal */
    assert_true(hf_bf16_to_f32(0x4049) == 3.140625f);
    assert_int_equal(hf_f32_to_bf16(1.00390625f), 0x3F80);    /* tie -> even */
    assert_int_equal(hf_f32_to_f16(65520.0f), 0x7C00);        /* rounds to inf */
    assert_true(isinf(hf_f64_to_f32(1e39)) && hf_f64_to_f32(-1e39) < 0);
    assert_true(hf_f64_to_f32(3.4028235e38) == 3.4028234663852886e38f);
    /* the little-endian fast loops give every half and bfloat16 bit for bit
     * what the per-element (strided) path gives */
    static unsigned char all[2 * 65536];
    static float fast[65536], slow[65536];
    for (uint32_t h = 0; h < 65536; h++) { all[2 * h] = (unsigned char)(h & 0xFF); all[2 * h + 1] = (unsigned char)(h >> 8); }
    for (int t = 0; t < 2; t++) {
        enum hf_dtype dt = t ? HF_BF16 : HF_F16;
        hf_convert(fast, all, 65536, dt, 0);
        hf_convert_strided(slow, all, 65536, 2, dt, 0);
        assert_memory_equal(fast, slow, sizeof fast);
    }
    /* big-endian and strided conversion */
    const unsigned char be[4] = { 0x3F, 0x80, 0x00, 0x00 }, le16[4] = { 0x00, 0x3C, 0x00, 0xC0 };
    float z[2];
    hf_convert(z, be, 1, HF_F32, 1);
    assert_true(z[0] == 1.0f);
    hf_convert_strided(z, le16, 2, 2, HF_F16, 0);
    assert_true(z[0] == 1.0f && z[1] == -2.0f);
    enum hf_dtype t;
    assert_int_equal(hf_parse("bfloat16", &t), 0);
    assert_int_equal(t, HF_BF16);
    assert_int_equal(hf_parse("f8", &t), -1);
}

/* A [3, 40003] half .npy whose steps are read alone (64 KiB and more):
 * lent by read at once (source.h lend_concurrent), each step into the
 * caller's buffer and widened there; the values are the halves' own, for
 * f16, big-endian f16 and bfloat16 ('<V2'). */
static void test_npy_halves_concurrent(void **state)
{
    (void)state;
    enum { SN = 3, VN = 40003 };
    static const char *const descr[3] = { "<f2", ">f2", "<V2" };
    static const enum hf_dtype dts[3] = { HF_F16, HF_F16, HF_BF16 };
    uint16_t *h = malloc((size_t)SN * VN * sizeof *h);
    float *z = malloc(VN * sizeof *z), *ref = malloc(VN * sizeof *ref);
    assert_non_null(h); assert_non_null(z); assert_non_null(ref);
    for (int d = 0; d < 3; d++) {
        unsigned char *bytes = (unsigned char *)h;
        for (size_t i = 0; i < (size_t)SN * VN; i++) {
            uint16_t v = (uint16_t)((i * 7919u + 12345u) & 0x7BFF); /* finite, both signs below 0x8000 */
            if (i % 5 == 0) v |= 0x8000;
            bytes[2 * i + (d == 1)] = (unsigned char)(v & 0xFF);
            bytes[2 * i + (d != 1)] = (unsigned char)(v >> 8);
        }
        char path[] = "/tmp/ls_halves_XXXXXX", hdr[NPY_HDR_MAX];
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        int hl = npy_header(hdr, descr[d], 0, SN, VN);
        assert_true(hl > 0);
        assert_int_equal(write(fd, hdr, (size_t)hl), hl);
        assert_int_equal(write(fd, h, (size_t)SN * VN * 2), (ssize_t)SN * VN * 2);
        struct source *s = open_ok(path, NULL);
        assert_int_equal(s->lend_concurrent, 1);
        for (uint32_t k = 0; k < SN; k++) {
            hf_convert(ref, bytes + (size_t)k * VN * 2, VN, dts[d], d == 1);
            struct step_info si;
            struct ls_error e = {0};
            const float *lz = NULL;
            assert_int_equal(source_lend_into(s, k, z, SOURCE_LEND_READ, &lz, &si, &e), 0);
            assert_ptr_equal(lz, z);
            assert_memory_equal(z, ref, VN * sizeof *z);
            read_step(s, k, z, &si);
            assert_memory_equal(z, ref, VN * sizeof *z);
            assert_int_equal(si.n_nan + si.n_posinf + si.n_neginf, 0);
        }
        source_close(s);
        close(fd);
        unlink(path);
    }
    free(h); free(z); free(ref);
}

static void parse_fails(const char *h, int code, const char *msg)
{
    struct npy_info ni;
    struct ls_error e = {0};
    memset(&ni, 0, sizeof ni);
    int rc = npy_parse_dict(h, strlen(h), &ni, &e);
    if (rc != code || !strstr(e.msg, msg)) fprintf(stderr, "header %s: rc %d '%s'\n", h, rc, e.msg);
    assert_int_equal(rc, code);
    assert_non_null(strstr(e.msg, msg));
}

static void test_npy_header(void **state)
{
    (void)state;
    struct npy_info ni;
    struct ls_error e = {0};
    const char *ok = "{\"shape\": (3L, 4,), 'fortran_order':True,'descr':'>f2'}    \n";
    memset(&ni, 0, sizeof ni);
    assert_int_equal(npy_parse_dict(ok, strlen(ok), &ni, &e), 0);
    assert_int_equal(ni.ndim, 2);
    assert_true(ni.dims[0] == 3 && ni.dims[1] == 4 && ni.fortran && ni.big_endian && ni.dt == HF_F16);
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }\n", LS_EDATA, "is not a tuple");
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 4), }\n", LS_EDATA, "negative dimension -3");
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000000000000000,), }\n", LS_EDATA, "is too large");
    parse_fails("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }\n", LS_EDATA, "dtype '|O' (Python objects");
    parse_fails("{'descr': '<U8', 'fortran_order': False, 'shape': (3,), }\n", LS_EDATA, "unicode strings");
    parse_fails("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }\n", LS_EDATA, "structured dtype");
    parse_fails("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", LS_EDATA, "duplicate key 'descr'");
    parse_fails("{'descr': '<f4', 'fortran_order': 1, 'shape': (3,), }\n", LS_EDATA, "expected True or False");
    parse_fails("{'descr': '<f4', 'shape': (3,), }\n", LS_EDATA, "missing key 'fortran_order'");
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}\n", LS_EDATA, "unknown key 'x'");
    parse_fails("{'descr': '<f4, 'fortran_order': False, 'shape': (3,), }\n", LS_EDATA, "dtype '<f4, ' (an unsupported float width)");
    parse_fails("{'descr' '<f4', 'fortran_order': False, 'shape': (3,), }\n", LS_EDATA, "expected ':' after a key, found ''' at header offset 9");
    parse_fails("{'descr': '<f4\n", LS_EDATA, "descr: unterminated string starting at header offset 10");
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", 0, "");
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", LS_EDATA, "does not end with a newline");
    parse_fails("['descr']\n", LS_EDATA, "not a dict");
    parse_fails("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\xe9\n", LS_EDATA, "non-ASCII byte 0xe9");
}

/* robustness.md row 33: a file truncated under us is "file changed while
 * reading" (exit 3), never a crash (we never mmap). */
static void test_truncated_while_open(void **state)
{
    (void)state;
    const char *srcs[] = { "samples/logits_f32.npy", "samples/logits.safetensors", "samples/kld_base.bin" };
    const char *tensor[] = { NULL, "logits_bf16", NULL };  /* the tensor at the end of the file */
    for (size_t n = 0; n < sizeof srcs / sizeof srcs[0]; n++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/ls_bin_XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *in = fopen(srcs[n], "rb");
        assert_non_null(in);
        char buf[4096];
        size_t got = fread(buf, 1, sizeof buf, in);
        fclose(in);
        assert_int_equal(write(fd, buf, got), (ssize_t)got);
        struct source *s = open_ok(path, tensor[n]);
        assert_int_equal(ftruncate(fd, (off_t)(got - 30)), 0);
        float z[V];
        struct step_info si;
        struct ls_error e = {0};
        assert_int_equal(source_read_step(s, s->n_steps - 1, z, &si, &e), LS_EREAD);
        assert_non_null(strstr(e.msg, "file changed while reading"));
        source_close(s);
        close(fd);
        unlink(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_f32),
        cmocka_unit_test(test_npy_f16_fortran),
        cmocka_unit_test(test_npy_bf16),
        cmocka_unit_test(test_npy_be_f64),
        cmocka_unit_test(test_npz),
        cmocka_unit_test(test_safetensors),
        cmocka_unit_test(test_kld),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_vocab_tokenizer_json),
        cmocka_unit_test(test_vocab_gguf_txt),
        cmocka_unit_test(test_halffloat),
        cmocka_unit_test(test_npy_halves_concurrent),
        cmocka_unit_test(test_npy_header),
        cmocka_unit_test(test_truncated_while_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
