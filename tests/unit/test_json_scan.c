/* test_json_scan.c: the shared JSON scanner (base/json_scan.h), the lazy
 * skeleton trees (base/json_lazy.h) and the promise that they change no
 * result: every JSON file the tests and samples hold loads the same, value
 * for value and message for message, as with whole cJSON trees.
 * Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/json_lazy.h"
#include "base/json_scan.h"
#include "input/formats.h"
#include "input/json_docs.h"
#include "../fuzz/json_expand.h"

/* ---- numbers ---- */

static int num(const char *s, double *v) { return json_number(s, strlen(s), v); }

static void same_bits(double a, double b)
{
    assert_memory_equal(&a, &b, sizeof a);
}

static void test_number_edges(void **state)
{
    (void)state;
    double v;
    assert_true(num("-0", &v));
    assert_true(v == 0 && signbit(v));
    assert_true(num("0", &v) && v == 0 && !signbit(v));
    assert_true(num("1e308", &v));
    same_bits(v, 1e308);
    assert_true(num("1e-320", &v));          /* subnormal */
    same_bits(v, strtod("1e-320", NULL));
    assert_true(v > 0 && v < 2.3e-308);
    assert_true(num("1e400", &v) && isinf(v) && v > 0);   /* overflow: inf, as strtod and cJSON */
    assert_true(num("-1e400", &v) && isinf(v) && v < 0);
    assert_true(num("1e-400", &v) && v == 0);
    assert_true(num("-3.4028234663852886e+38", &v));
    same_bits(v, -3.4028234663852886e+38);
    assert_true(num("0.1", &v));
    same_bits(v, 0.1);
    assert_true(num("9007199254740993", &v));  /* 2^53 + 1: ties to even */
    same_bits(v, 9007199254740992.0);
    assert_true(num("123456789012345678901234567890", &v));
    same_bits(v, 123456789012345678901234567890.0);
    assert_true(num("1E+2", &v) && v == 100);
    assert_true(num("2.5e-3", &v));
    same_bits(v, 2.5e-3);
    /* outside the JSON grammar: left to cJSON (0) */
    const char *bad[] = { "007", "-01", "+1", ".5", "1.", "1.e5", "0x10", "0x1p4", "NaN", "nan", "Infinity",
                          "-Infinity", "inf", " 1", "1 ", "\t1", "1e", "1e+", "-", "", "1.2.3", "--1",
                          "1e5.5", "1_000", "١" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (num(bad[i], &v)) fail_msg("accepted '%s'", bad[i]);
    }
    /* truncated input: only the first k bytes count */
    assert_true(json_number("12345", 3, &v) && v == 123);
    assert_false(json_number("1e5", 2, &v));
    assert_int_equal(json_number_len("-12.5e3,", 8), 7);
    assert_int_equal(json_number_len("0123", 4), 1);
    char big[80];
    memset(big, '1', sizeof big);
    assert_int_equal(json_number_len(big, JSON_NUMBER_MAX), JSON_NUMBER_MAX);
    assert_int_equal(json_number_len(big, JSON_NUMBER_MAX + 1), 0);   /* too long: cJSON's */
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random number in the JSON grammar: sign, up to 20 digits with a dot
 * anywhere, an optional exponent up to +-330. */
static size_t random_number(char *b)
{
    size_t o = 0;
    if (rnd() & 1) b[o++] = '-';
    int nd = 1 + (int)(rnd() % 20), dot = (int)(rnd() % (nd + 1));
    if (rnd() % 4 == 0) { b[o++] = '0'; dot = 1; nd = nd > 1 ? nd : 2; }
    else b[o++] = (char)('1' + rnd() % 9);
    for (int i = 1; i < nd; i++) {
        if (i == dot) b[o++] = '.';
        b[o++] = (char)('0' + rnd() % 10);
    }
    if (rnd() % 3 == 0) o += (size_t)sprintf(b + o, "e%+d", (int)(rnd() % 661) - 330);
    b[o] = 0;
    return o;
}

static void test_number_vs_strtod(void **state)
{
    (void)state;
    char b[64];
    for (int i = 0; i < 300000; i++) {
        size_t n = random_number(b);
        double v, w = strtod(b, NULL);
        if (!json_number(b, n, &v)) fail_msg("refused '%s'", b);
        if (memcmp(&v, &w, sizeof v)) fail_msg("'%s': %.17g, strtod %.17g", b, v, w);
    }
    /* random doubles printed with %.17g round-trip exactly */
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d)) continue;
        int n = snprintf(b, sizeof b, "%.17g", d);
        double v;
        if (!strchr(b, '.') && !strchr(b, 'e')) continue;
        if (!json_number(b, (size_t)n, &v)) continue;   /* e.g. "1e+300" has no '.' : fine either way */
        same_bits(v, d);
    }
}

/* ---- structure ---- */

static cJSON *cjson(const char *s)
{
    return cJSON_ParseWithLengthOpts(s, strlen(s) + 1, NULL, 1);
}

static void test_scan_valid(void **state)
{
    (void)state;
    const char *ok[] = { "{}", "[]", " {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"]} ",
                         "\"\\ud83d\\ude00\"", "[[[[]]]]", "{\"a\":{\"b\":{}}}", "0", "\"ctl\x01\"",
                         "\"\xff\xfe\"", "[\"\\u0000\"]" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (!json_scan_valid(ok[i], strlen(ok[i]))) fail_msg("refused %s", ok[i]);
        cJSON *r = cjson(ok[i]);
        assert_non_null(r);   /* the subset promise */
        cJSON_Delete(r);
    }
    const char *no[] = { "", " ", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "[1 2]", "{} {}", "[007]", "[1.]",
                         "[.5]", "[+1]", "[NaN]", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
                         "\"\\uZZZZ\"", "\"abc", "[\"a\"\x0b]", "[\x0c 1]", "tru", "nulll", "[1]x", "{1:2}",
                         "{\"a\" 1}", "\"a\0b\"" };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (json_scan_valid(no[i], strlen(no[i]))) fail_msg("accepted %s", no[i]);
    /* nesting: 900 levels are ours, more are cJSON's to judge */
    char deep[2 * 901 + 1];
    for (int d = 900; d <= 901; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        assert_int_equal(json_scan_valid(deep, 2 * (size_t)d), d == 900);
    }
}

static void test_skip(void **state)
{
    (void)state;
    const char *t = "[1, \"a]\", [2, 3], {\"k\": [4]}] tail";
    size_t cnt;
    assert_int_equal(json_skip(t, strlen(t), 0, &cnt), 29);
    assert_int_equal(cnt, 4);
    assert_int_equal(json_skip("[ ]", 3, 0, &cnt), 3);
    assert_int_equal(cnt, 0);
    assert_int_equal(json_skip("-1.5]", 5, 0, NULL), 4);
    assert_int_equal(json_skip("\"x\\\"y\" ", 7, 0, NULL), 6);
    assert_int_equal(json_skip("[1, [2", 6, 0, NULL), 0);   /* runs past the end */
}

/* ---- lazy trees equal whole trees ---- */

static void check_lazy_equal(const char *t, size_t n)
{
    cJSON *whole = cJSON_ParseWithLengthOpts(t, n + 1, NULL, 1);
    int oom = 0;
    for (int root_lazy = 0; root_lazy <= 1; root_lazy++) {
        cJSON *lz = json_lazy_parse(t, n, root_lazy, &oom);
        assert_non_null(lz);
        cJSON *x = json_expand(lz);
        assert_non_null(x);
        char *a = cJSON_PrintUnformatted(whole), *b = cJSON_PrintUnformatted(x);
        assert_non_null(a);
        assert_string_equal(a, b);
        free(a);
        free(b);
        cJSON_Delete(x);
        cJSON_Delete(lz);
    }
    cJSON_Delete(whole);
}

static void test_lazy_tree(void **state)
{
    (void)state;
    char big[32768];
    size_t o = (size_t)sprintf(big, "{\"a\": [");
    for (int i = 0; i < 300; i++) o += (size_t)sprintf(big + o, "%s{\"t\":\"x%d\",\"v\":[%d,[%d]]}", i ? ", " : "", i, i, -i);
    o += (size_t)sprintf(big + o, "], \"b\": [1, 2], \"c\": [[%s]]}", "\"k\"");
    assert_true(json_scan_valid(big, o));
    check_lazy_equal(big, o);
    int oom;
    cJSON *lz = json_lazy_parse(big, o, 0, &oom);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(lz, "a");
    assert_true(json_is_lazy(a));
    assert_int_equal(json_array_size(a), 300);
    assert_int_equal(cJSON_GetArraySize(a), 0);   /* why every walk goes through json_elems */
    assert_false(json_is_lazy(cJSON_GetObjectItemCaseSensitive(lz, "b")));
    cJSON_Delete(lz);
    const char *small[] = { "[]", "[1]", "{\"x\": []}", "\"s\"", "[[], [[]], {}]" };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) check_lazy_equal(small[i], strlen(small[i]));
}

/* ---- every JSON file loads the same both ways ---- */

struct outcome {
    int rc;
    struct ls_error err;
    struct source *s;
};

static void open_text(const char *path, const char *text, size_t n, int whole, struct outcome *o)
{
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    memcpy(buf, text, n);
    buf[n] = 0;
    memset(o, 0, sizeof *o);
    json_docs_whole_trees(whole);
    o->rc = source_open_text(path, buf, n, NULL, &o->s, &o->err);
    json_docs_whole_trees(0);
    free(buf);
}

static void compare_sources(const char *path, struct source *a, struct source *b)
{
    assert_string_equal(a->ops->format, b->ops->format);
    assert_int_equal(a->n_steps, b->n_steps);
    assert_int_equal(a->vocab_size, b->vocab_size);
    assert_int_equal(a->top_n, b->top_n);
    assert_int_equal(a->post_sampling, b->post_sampling);
    assert_string_equal(a->warnings, b->warnings);
    if (a->vocab_size > (1u << 20)) return;
    float *za = malloc((size_t)a->vocab_size * sizeof *za), *zb = malloc((size_t)a->vocab_size * sizeof *zb);
    assert_true(za && zb);
    for (uint32_t i = 0; i < a->n_steps; i++) {
        struct step_info ia, ib;
        struct ls_error e = {0};
        int ra = source_read_step(a, i, za, &ia, &e), rb = source_read_step(b, i, zb, &ib, &e);
        assert_int_equal(ra, rb);
        if (ra) continue;
        if (memcmp(za, zb, (size_t)a->vocab_size * sizeof *za)) fail_msg("%s: step %u differs", path, i);
        assert_int_equal(ia.token, ib.token);
        assert_int_equal(ia.n_known, ib.n_known);
        assert_memory_equal(&ia.tail_mass, &ib.tail_mass, sizeof ia.tail_mass);
        assert_int_equal(ia.text_len, ib.text_len);
        if (ia.text_len) assert_memory_equal(ia.text, ib.text, ia.text_len);
    }
    free(za);
    free(zb);
}

static int n_compared;

static void compare_file(const char *path)
{
    char *text = NULL;
    size_t n = 0;
    struct ls_error e = {0};
    if (file_read_all(path, 4u << 20, "", &text, &n, &e)) return;
    struct outcome lazy, whole;
    open_text(path, text, n, 0, &lazy);
    open_text(path, text, n, 1, &whole);
    if (lazy.rc != whole.rc || strcmp(lazy.err.msg, whole.err.msg))
        fail_msg("%s: rc %d '%s' vs whole trees rc %d '%s'", path, lazy.rc, lazy.err.msg, whole.rc, whole.err.msg);
    if (!lazy.rc) compare_sources(path, lazy.s, whole.s);
    source_close(lazy.s);
    source_close(whole.s);
    free(text);
    n_compared++;
}

static void compare_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char p[1024];
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        compare_file(p);
    }
    closedir(d);
}

static void test_loads_identical(void **state)
{
    (void)state;
    static const char *const dirs[] = { "samples", "tests/data/json", "tests/data/captures", "tests/data/native",
                                        "tests/fuzz/corpus/json_api", "tests/fuzz/corpus/json_native",
                                        "tests/fuzz/corpus/detect", "tests/fuzz/corpus/json_scan" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) compare_dir(dirs[i]);
    assert_true(n_compared > 100);
}

/* ---- out of memory: the message gives the file's figure ---- */

static void test_oom_message(void **state)
{
    (void)state;
    struct ls_error e = {0};
    /* a 5000-byte piece of a 300 MB file a loader parses in pieces */
    json_text_size(300000000);
    assert_int_equal(json_oom_fail(5000, 0, &e), LS_ELIMIT);
    assert_non_null(strstr(e.msg, "this 300000000-byte file (300 MB) needs up to about 900 MB while loading (3x its size)"));
    assert_null(strstr(e.msg, "5000"));
    assert_non_null(strstr(e.msg, "free memory or raise the memory limit"));
    /* a 1 MB piece of it left to cJSON whole: the rest at 1x, that piece at 16x */
    assert_int_equal(json_oom_fail(1000000, 1, &e), LS_ELIMIT);
    assert_non_null(strstr(e.msg, "this 300000000-byte file (300 MB) needs up to about 315 MB"));
    assert_non_null(strstr(e.msg, "up to 16x that text"));
    assert_non_null(strstr(e.msg, "rewrite it as strict JSON"));
    /* no loader set a size: the text is the file */
    json_text_size(0);
    assert_int_equal(json_oom_fail(2000000000, 1, &e), LS_ELIMIT);
    assert_non_null(strstr(e.msg, "this 2000000000-byte file (2.0 GB) needs up to about 32.0 GB"));
    assert_non_null(strstr(e.msg, "up to 16x its size"));
    assert_null(strstr(e.msg, "strict JSON"));
    /* json_docs sets the size for as long as its document lives */
    char buf[] = "{\"steps\": [{\"logits\": [1, 2]}]}";
    struct json_docs d;
    assert_int_equal(json_docs_parse(buf, strlen(buf), &d, &e), LS_OK);
    assert_int_equal(json_current_text_size(), strlen(buf));
    json_docs_free(&d);
    assert_int_equal(json_current_text_size(), 0);
}

int main(void)
{
    setlocale(LC_ALL, "C");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_edges),
        cmocka_unit_test(test_number_vs_strtod),
        cmocka_unit_test(test_scan_valid),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_lazy_tree),
        cmocka_unit_test(test_loads_identical),
        cmocka_unit_test(test_oom_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
