/* test_model.c: the built-in model (core/model): BPE round-trips every byte
 * string, n-gram counts, Kneser-Ney probabilities sum to 1 over the whole
 * vocabulary, the model file round-trips and refuses corruption, the
 * prompt checks, and generation: same seed same text, fork. */
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

#include "model/lm.h"
#include "model/generate.h"
#include "base/rng.h"

static const char corpus[] =
    "{\"name\": \"Ada Lovelace\", \"born\": 1815, \"field\": \"mathematics\"}\n"
    "{\"name\": \"Alan Turing\", \"born\": 1912, \"field\": \"computing\"}\n"
    "{\"name\": \"Grace Hopper\", \"born\": 1906, \"field\": \"computing\"}\n"
    "The old teacher found the small machine near the river.\n"
    "The young student wrote the long letter in the morning.\n"
    "A quiet garden opened the bright window again.\n"
    "\n"
    "Caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac 42 \xf0\x9f\x98\x80 the end.\n";

static struct lm train_small(uint32_t vocab, uint32_t order)
{
    struct lm m;
    struct ls_error err = {0};
    struct lm_train_opts o = { vocab, order, NULL, NULL };
    assert_int_equal(lm_train(corpus, sizeof corpus - 1, &o, &m, &err), LS_OK);
    return m;
}

static void roundtrip(const struct bpe *b, const char *s, size_t n)
{
    int32_t *ids;
    uint32_t k;
    struct ls_error err = {0};
    assert_int_equal(bpe_encode(b, s, n, &ids, &k, &err), LS_OK);
    char *out = malloc(n + 1);
    assert_int_equal(bpe_decode(b, ids, k, out, n + 1), n);
    assert_memory_equal(out, s, n);
    free(out);
    free(ids);
}

static void test_bpe_roundtrip(void **state)
{
    (void)state;
    struct lm m = train_small(400, 3);
    assert_true(m.bpe.n_merges > 20);
    char s[600];
    for (int c = 0; c < 256; c++) { s[0] = (char)c; roundtrip(&m.bpe, s, 1); }
    for (int a = 0; a < 256; a++)
        for (int c = 0; c < 256; c += 7) { s[0] = (char)a; s[1] = (char)c; roundtrip(&m.bpe, s, 2); }
    struct rng g;
    rng_seed(&g, 1);
    for (int t = 0; t < 2000; t++) {   /* random byte strings, biased to corpus bytes */
        size_t n = (size_t)(rng_uniform(&g) * 500);
        for (size_t i = 0; i < n; i++)
            s[i] = rng_uniform(&g) < 0.5 ? corpus[(size_t)(rng_uniform(&g) * (sizeof corpus - 1))]
                                         : (char)(rng_next(&g) & 0xFF);
        roundtrip(&m.bpe, s, n);
    }
    roundtrip(&m.bpe, corpus, sizeof corpus - 1);
    /* merges make real tokens: " the" is one token */
    int32_t *ids;
    uint32_t k;
    struct ls_error err = {0};
    assert_int_equal(bpe_encode(&m.bpe, " the", 4, &ids, &k, &err), LS_OK);
    assert_int_equal(k, 1);
    free(ids);
    lm_free(&m);
}

static void test_counts(void **state)
{
    (void)state;
    /* e a b a b e c e, with e = 3: bigram raw counts and continuation counts */
    const int32_t t[] = { 3, 0, 1, 0, 1, 3, 2, 3 };
    struct ngram m;
    struct ls_error err = {0};
    assert_int_equal(ngram_train(t, 8, 4, 2, 3, NULL, NULL, &m, &err), LS_OK);
    /* order 1 continuation counts: distinct left neighbours */
    assert_int_equal(m.uni[0], 2);   /* a after e, b */
    assert_int_equal(m.uni[1], 1);   /* b after a */
    assert_int_equal(m.uni[2], 1);   /* c after e (document start) */
    assert_int_equal(m.uni[3], 2);   /* e after b, c */
    /* order 2: history a -> b twice */
    uint32_t key = 0;
    const uint32_t *ci = nghash_get(&m.lv[2].index, &key);
    assert_non_null(ci);
    assert_int_equal(m.lv[2].total[*ci], 2);
    assert_int_equal(m.lv[2].fol[m.lv[2].fol_off[*ci]].tok, 1);
    assert_int_equal(ngram_count(&m, 2), 6);   /* ea ab ba be ec ce */
    ngram_free(&m);
}

static double sum_p(struct ngram *g, const int32_t *h, uint32_t n)
{
    float *z = malloc(g->V * sizeof *z);
    ngram_logprobs(g, h, n, z);
    double s = 0;
    for (uint32_t w = 0; w < g->V; w++) { assert_true(isfinite(z[w])); s += exp((double)z[w]); }
    free(z);
    return s;
}

static void test_sums_to_one(void **state)
{
    (void)state;
    for (uint32_t order = 1; order <= 5; order++) {
        struct lm m = train_small(600, order);
        int32_t *ids;
        uint32_t k;
        struct ls_error err = {0};
        assert_int_equal(bpe_encode(&m.bpe, corpus, 200, &ids, &k, &err), LS_OK);
        for (uint32_t n = 0; n <= k; n += 3) assert_float_equal(sum_p(&m.ng, ids, n), 1.0, 1e-4);
        const int32_t unseen[] = { 7, 7, 7, 250, 9 };
        assert_float_equal(sum_p(&m.ng, unseen, 5), 1.0, 1e-4);
        free(ids);
        lm_free(&m);
    }
}

static void test_file_roundtrip_and_corruption(void **state)
{
    (void)state;
    struct lm m = train_small(500, 4), l;
    char path[] = "/tmp/ls_model_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct ls_error err = {0};
    assert_int_equal(lm_save(&m, path, &err), LS_OK);
    assert_int_equal(lm_load(path, &l, &err), LS_OK);
    assert_int_equal(l.ng.V, m.ng.V);
    const int32_t h[] = { 123, 34, 110 };
    float *a = malloc(m.ng.V * sizeof *a), *b = malloc(m.ng.V * sizeof *b);
    ngram_logprobs(&m.ng, h, 3, a);
    ngram_logprobs(&l.ng, h, 3, b);
    assert_memory_equal(a, b, m.ng.V * sizeof *a);
    lm_free(&l);
    /* every truncation and a flipped byte everywhere: an error, never a crash */
    FILE *f = fopen(path, "rb");
    unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n < sizeof buf);
    for (size_t cut = 0; cut < n; cut += (cut < 64 ? 1 : 97))
        assert_int_not_equal(lm_load_buffer(buf, cut, &l, &err), LS_OK);
    for (size_t i = 0; i < n; i += 13) {
        buf[i] ^= 0x5A;
        if (lm_load_buffer(buf, n, &l, &err) == LS_OK) lm_free(&l);
        buf[i] ^= 0x5A;
    }
    assert_int_equal(lm_load_buffer(buf, n, &l, &err), LS_OK);
    lm_free(&l);
    unlink(path);
    free(a); free(b);
    lm_free(&m);
}

static void test_empty_and_binary_corpus(void **state)
{
    (void)state;
    struct lm m;
    struct ls_error err = {0};
    struct lm_train_opts o = { 300, 3, NULL, NULL };
    assert_int_equal(lm_train("", 0, &o, &m, &err), LS_EDATA);
    assert_int_equal(lm_train("\n \n\t\n", 5, &o, &m, &err), LS_EDATA);
    assert_int_equal(lm_train("ab\0cd", 5, &o, &m, &err), LS_EDATA);
    assert_non_null(strstr(err.msg, "binary"));
}

static void gen_text(struct model *md, uint64_t seed, uint32_t idx, char *out, size_t cap)
{
    struct gen_request r;
    memset(&r, 0, sizeof r);
    chain_preset(&r.chain, PRESET_HF);
    r.params = PARAMS_OFF;
    r.params.temperature = 1.3;
    r.seed = seed;
    r.max_tokens = 40;
    struct gen_ws ws;
    assert_int_equal(gen_ws_init(&ws, md->V), 0);
    struct gen_cont c;
    struct ls_error err = {0};
    gen_begin(&c, &r, idx);
    assert_int_equal(gen_run(md, &r, &c, &ws, &err), LS_OK);
    snprintf(out, cap, "%s", c.text);
    /* fork at the last step with the token it drew: nothing changes */
    if (c.n > 1) {
        uint32_t s = c.n - 1;
        int32_t tok = c.ids[s];
        assert_int_equal(gen_fork(md, &r, &c, s, tok, &err), LS_OK);
        assert_int_equal(gen_run(md, &r, &c, &ws, &err), LS_OK);
        assert_string_equal(c.text, out);
    }
    gen_cont_free(&c);
    gen_ws_free(&ws);
}

static void test_same_seed_same_text(void **state)
{
    (void)state;
    struct lm m = train_small(500, 4);
    struct model *md;
    struct ls_error err = {0};
    assert_int_equal(lm_model(&m, "t", &md, &err), LS_OK);
    char a[4096], b[4096], c[4096];
    gen_text(md, 42, 0, a, sizeof a);
    gen_text(md, 42, 0, b, sizeof b);
    assert_string_equal(a, b);
    gen_text(md, 41, 1, c, sizeof c);   /* continuation 1 of seed 41 = continuation 0 of seed 42 */
    assert_string_equal(a, c);
    int differ = 0;
    for (uint64_t s = 1; s < 6 && !differ; s++) { gen_text(md, 42 + s, 0, c, sizeof c); differ = strcmp(a, c) != 0; }
    assert_true(differ);
    model_close(md);
}

/* The bundled default model has the default vocabulary size (the corpus
 * must give BPE enough recurring pairs to reach it; make samples retrains). */
static void test_default_model_vocab(void **state)
{
    (void)state;
    struct model *md;
    struct ls_error err = {0};
    assert_int_equal(model_open("samples/model.lsm", &md, &err), LS_OK);
    assert_int_equal(md->V, LM_DEFAULT_VOCAB);
    model_close(md);
}

static void test_prompt_checks(void **state)
{
    (void)state;
    assert_int_equal(model_utf8_invalid_at("ok \xc3\xa9", 5), -1);
    assert_int_equal(model_utf8_invalid_at("ab\xff", 3), 2);
    assert_int_equal(model_utf8_invalid_at("a\xe2\x82", 3), 1);      /* truncated */
    assert_int_equal(model_utf8_invalid_at("\xc0\xaf", 2), 0);        /* overlong */
    assert_int_equal(model_utf8_invalid_at("\xed\xa0\x80", 3), 0);    /* surrogate */
    struct lm m = train_small(300, 2);
    struct model *md;
    struct ls_error err = {0};
    assert_int_equal(lm_model(&m, "t", &md, &err), LS_OK);
    int32_t *ids;
    uint32_t n;
    assert_int_equal(model_encode_prompt(md, "x\xff", 2, &ids, &n, &err), LS_EUSAGE);
    char *big = malloc(MODEL_MAX_PROMPT + 2);
    memset(big, 'a', MODEL_MAX_PROMPT + 1);
    assert_int_equal(model_encode_prompt(md, big, MODEL_MAX_PROMPT + 1, &ids, &n, &err), LS_EUSAGE);
    free(big);
    model_close(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bpe_roundtrip),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_sums_to_one),
        cmocka_unit_test(test_file_roundtrip_and_corruption),
        cmocka_unit_test(test_empty_and_binary_corpus),
        cmocka_unit_test(test_same_seed_same_text),
        cmocka_unit_test(test_prompt_checks),
        cmocka_unit_test(test_default_model_vocab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
