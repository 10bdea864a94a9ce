/* test_native.c: the native JSON loader, source_open and json_util. */
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

#include "base/json_util.h"
#include "input/source.h"

static char *write_tmp(const char *content, size_t len)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ls_native_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

static int open_str(const char *json, struct source **s, struct ls_error *e)
{
    char *p = write_tmp(json, strlen(json));
    int rc = source_open(p, NULL, s, e);
    unlink(p);
    return rc;
}

static void test_load_values(void **state)
{
    (void)state;
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(open_str("{\"vocab\":[\"a\",\"b\"],\"steps\":[{\"logits\":[1.5,-2,null],\"token\":1,\"text\":\"b\"},"
                              "{\"logits\":[-Infinity,NaN,-1e999]}]}", &s, &e), 0);
    assert_int_equal(s->n_steps, 2);
    assert_int_equal(s->vocab_size, 3);
    assert_int_equal(s->vocab->n, 2);
    assert_non_null(strstr(s->warnings, "vocab has 2 tokens"));
    float z[3];
    struct step_info si;
    assert_int_equal(source_read_step(s, 0, z, &si, &e), 0);
    assert_true(z[0] == 1.5f && z[1] == -2.0f && isinf(z[2]) && z[2] < 0);
    assert_int_equal(si.token, 1);
    assert_int_equal(si.text_len, 1);
    assert_int_equal(si.n_neginf, 1);
    assert_int_equal(source_read_step(s, 1, z, &si, &e), 0);
    assert_true(isnan(z[1]));
    assert_int_equal(si.n_nan, 1);
    assert_int_equal(si.n_neginf, 2);
    assert_int_equal(si.token, -1);
    assert_int_equal(source_read_step(s, 2, z, &si, &e), LS_EUSAGE);
    source_close(s);
}

static void test_errors_have_paths(void **state)
{
    (void)state;
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(open_str("{\"steps\":[{\"logits\":[1,2]},\n{\"logits\":[1,true]}]}", &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "steps[1].logits[1]: expected number, got boolean (line 2, column 14)"));
    assert_int_equal(open_str("{\"steps\":[{\"logits\":[1,2],\"token\":2}]}", &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "steps[0].token: expected an integer in [0, 1], got 2"));
    assert_int_equal(open_str("{\"steps\":[{\"logits\":[1,2],\"token\":0.5}]}", &s, &e), LS_EDATA);
    assert_int_equal(open_str("{\"steps\":{}}", &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "steps: expected array, got object"));
    assert_int_equal(open_str("{\"steps\":[{\"logits\":[\"NaN\"]}]}", &s, &e), LS_EDATA); /* string, not literal */
    assert_int_equal(open_str("   \n", &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "no JSON value"));
    assert_int_equal(open_str("\xef\xbb\xbf{\"steps\":[{\"logits\":[0]}]}", &s, &e), 0); /* BOM ok */
    source_close(s);
}

static void test_literals_only_outside_strings(void **state)
{
    (void)state;
    char buf[] = "[\"NaN Infinity\", NaN, -Infinity, Infinity, NaNx]";
    cJSON *root = NULL;
    size_t n = 0;
    struct ls_error e = {0};
    /* NaNx is not a literal: the document stays invalid */
    assert_int_equal(json_parse(buf, strlen(buf), JSON_LITERALS_REWRITE, &root, &n, &e), LS_EDATA);
    char ok[] = "[\"NaN Infinity\", NaN, -Infinity, Infinity]";
    assert_int_equal(json_parse(ok, strlen(ok), JSON_LITERALS_REWRITE, &root, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(cJSON_GetArrayItem(root, 0)->valuestring, "NaN Infinity");
    assert_true(isinf(cJSON_GetArrayItem(root, 2)->valuedouble) && cJSON_GetArrayItem(root, 2)->valuedouble < 0);
    cJSON_Delete(root);
    char rej[] = "[1,\n NaN]";
    assert_int_equal(json_parse(rej, strlen(rej), JSON_LITERALS_REJECT, &root, &n, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "NaN literal at line 2, column 2"));
}

static void test_locate(void **state)
{
    (void)state;
    const char *doc = "{\"a\": {\"b\": [10, {\"c\": \"x,]\"}, 30]}, \"d\": 1}";
    long off = json_locate(doc, strlen(doc), "a.b[2]");
    assert_true(off > 0);
    assert_int_equal(doc[off], '3');
    off = json_locate(doc, strlen(doc), "a.b[1].c");
    assert_int_equal(doc[off], '"');
    off = json_locate(doc, strlen(doc), "d");
    assert_int_equal(off, (long)strlen(doc) - 2);
    assert_int_equal(json_locate(doc, strlen(doc), "a.b[9]"), -1);
    assert_int_equal(json_locate(doc, strlen(doc), "zz"), -1);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open("/nonexistent/x.json", NULL, &s, &e), LS_EREAD);
    assert_non_null(strstr(e.msg, "No such file"));
    assert_int_equal(source_open("/tmp", NULL, &s, &e), LS_EREAD);
    assert_int_equal(source_open("/dev/null", NULL, &s, &e), LS_EREAD); /* not a regular file */
    struct source_opts o = {0};
    o.json_cap = 4;
    char *p = write_tmp("{\"steps\":[]}", 12);
    assert_int_equal(source_open(p, &o, &s, &e), LS_ELIMIT);
    assert_non_null(strstr(e.msg, "exceeds the limit of 4 bytes for JSON input"));
    assert_null(strstr(e.msg, "--"));
    static const char *const spell[SOPT_N] = { [SOPT_JSON_CAP] = "--max-json-size BYTES" };
    o.spelling = spell;
    assert_int_equal(source_open(p, &o, &s, &e), LS_ELIMIT);
    assert_non_null(strstr(e.msg, "(raise it with --max-json-size)"));
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_values),
        cmocka_unit_test(test_errors_have_paths),
        cmocka_unit_test(test_literals_only_outside_strings),
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
