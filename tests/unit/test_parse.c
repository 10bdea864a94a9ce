/* test_parse.c: the one number parser and list parser (core/base/parse.h):
 * what they accept and refuse, and that their messages name the value but
 * never a front end's option ("--") or command (":"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "base/parse.h"

/* A refusal: LS_EUSAGE, the expected message, no front-end words. */
static void refused(int rc, const struct ls_error *e, const char *msg)
{
    assert_int_equal(rc, LS_EUSAGE);
    assert_int_equal(e->code, LS_EUSAGE);
    assert_string_equal(e->msg, msg);
    assert_null(strstr(e->msg, "--"));
    assert_null(strchr(e->msg, ':'));
}

static void test_double_accepts(void **st)
{
    (void)st;
    struct ls_error e = {0};
    double d = -1;
    assert_int_equal(parse_double("0.7", 0, 100, &d, &e), LS_OK);
    assert_true(d == 0.7);
    assert_int_equal(parse_double("1e-3", -INFINITY, INFINITY, &d, &e), LS_OK);
    assert_true(d == 1e-3);
    assert_int_equal(parse_double("-2", -INFINITY, INFINITY, &d, &e), LS_OK);
    assert_true(d == -2);
    assert_int_equal(parse_double("1", 0, 1, &d, &e), LS_OK); /* bounds are inclusive */
    assert_true(d == 1);
}

static void test_double_refuses(void **st)
{
    (void)st;
    struct ls_error e = {0};
    double d = 5;
    refused(parse_double("warm", 0, 1, &d, &e), &e, "expected a number, got 'warm'");
    refused(parse_double("", 0, 1, &d, &e), &e, "expected a number, got ''");
    refused(parse_double("0.5x", 0, 1, &d, &e), &e, "expected a number, got '0.5x'");
    refused(parse_double("0.5 ", 0, 1, &d, &e), &e, "expected a number, got '0.5 '");
    refused(parse_double(" 0.5", 0, 1, &d, &e), &e, "expected a number, got ' 0.5'");
    refused(parse_double("nan", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got 'nan'");
    refused(parse_double("0x1p4", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got '0x1p4'");
    refused(parse_double("1e", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got '1e'");
    refused(parse_double(".", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got '.'");
    assert_int_equal(parse_double("+.5e+1", -INFINITY, INFINITY, &d, &e), LS_OK);
    assert_true(d == 5.0);
    refused(parse_double("inf", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got 'inf'");
    refused(parse_double("-infinity", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got '-infinity'");
    refused(parse_double("1e999", -INFINITY, INFINITY, &d, &e), &e, "expected a number, got '1e999'");
    refused(parse_double("0,5", 0, 1, &d, &e), &e, "expected a number, got '0,5'"); /* C locale only */
    refused(parse_double("1.5", 0, 1, &d, &e), &e, "1.5 is out of range [0, 1]");
    refused(parse_double("-0.1", 0, 100, &d, &e), &e, "-0.1 is out of range [0, 100]");
    assert_true(d == 5); /* untouched on error */
}

static void test_long(void **st)
{
    (void)st;
    struct ls_error e = {0};
    long v = 7;
    assert_int_equal(parse_long("40", 0, 100, &v, &e), LS_OK);
    assert_int_equal(v, 40);
    refused(parse_long("0", 1, 100000000, &v, &e), &e, "0 is out of range [1, 100000000]");
    refused(parse_long("4.5", 0, 100, &v, &e), &e, "expected an integer, got '4.5'");
    refused(parse_long("12abc", 0, 100, &v, &e), &e, "expected an integer, got '12abc'");
    refused(parse_long("99999999999999999999999", 0, 100, &v, &e), &e,
            "expected an integer, got '99999999999999999999999'");
    assert_int_equal(v, 40);
}

static void test_u64(void **st)
{
    (void)st;
    struct ls_error e = {0};
    uint64_t u = 3;
    assert_int_equal(parse_u64("18446744073709551615", 0, UINT64_MAX, &u, &e), LS_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(parse_u64("0x10", 0, UINT64_MAX, &u, &e), LS_OK);
    assert_true(u == 16);
    refused(parse_u64("-1", 0, UINT64_MAX, &u, &e), &e, "expected a non-negative integer, got '-1'");
    refused(parse_u64("+1", 0, UINT64_MAX, &u, &e), &e, "expected a non-negative integer, got '+1'");
    refused(parse_u64("", 0, UINT64_MAX, &u, &e), &e, "expected a non-negative integer, got ''");
    refused(parse_u64("18446744073709551616", 0, UINT64_MAX, &u, &e), &e,
            "expected a non-negative integer, got '18446744073709551616'");
    refused(parse_u64("65", 1, 64, &u, &e), &e, "65 is out of range [1, 64]");
    assert_true(u == 16);
}

static void test_list_accepts(void **st)
{
    (void)st;
    struct ls_error e = {0};
    double v[4] = {0};
    int n = -1;
    assert_int_equal(parse_double_list("0,0.4,0.7,1.0", 0, 100, v, 4, &n, &e), LS_OK);
    assert_int_equal(n, 4);
    assert_true(v[0] == 0 && v[1] == 0.4 && v[2] == 0.7 && v[3] == 1.0);
    assert_int_equal(parse_double_list("2", 0, 100, v, 4, &n, &e), LS_OK);
    assert_int_equal(n, 1);
    assert_true(v[0] == 2);
}

static void test_list_refuses(void **st)
{
    (void)st;
    struct ls_error e = {0};
    double v[4];
    int n = -1;
    refused(parse_double_list("0,,1", 0, 100, v, 4, &n, &e), &e, "bad list '0,,1' (comma-separated numbers)");
    refused(parse_double_list("0,1,", 0, 100, v, 4, &n, &e), &e, "bad list '0,1,' (comma-separated numbers)");
    refused(parse_double_list(",0", 0, 100, v, 4, &n, &e), &e, "bad list ',0' (comma-separated numbers)");
    refused(parse_double_list("", 0, 100, v, 4, &n, &e), &e, "bad list '' (comma-separated numbers)");
    refused(parse_double_list("1,2,3,4,5", 0, 100, v, 4, &n, &e), &e, "at most 4 values");
    refused(parse_double_list("0,hot", 0, 100, v, 4, &n, &e), &e, "expected a number, got 'hot'");
    refused(parse_double_list("0,nan", 0, 100, v, 4, &n, &e), &e, "expected a number, got 'nan'");
    refused(parse_double_list("0,1 ", 0, 100, v, 4, &n, &e), &e, "expected a number, got '1 '");
    refused(parse_double_list("0,150", 0, 100, v, 4, &n, &e), &e, "150 is out of range [0, 100]");
    char big[PARSE_ITEM_MAX + 8];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(parse_double_list(big, 0, INFINITY, v, 4, &n, &e), LS_EUSAGE);
    assert_non_null(strstr(e.msg, "bad list"));
    assert_int_equal(n, -1); /* no count on error */
}

/* a caller's context goes in front: the CLI's and the explorer's words */
static void test_prefix_context(void **st)
{
    (void)st;
    struct ls_error e = {0};
    double d;
    assert_int_equal(parse_double("warm", -INFINITY, INFINITY, &d, &e), LS_EUSAGE);
    ls_error_prefix(&e, "--temperature");
    assert_string_equal(e.msg, "--temperature: expected a number, got 'warm'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_accepts),
        cmocka_unit_test(test_double_refuses),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_list_accepts),
        cmocka_unit_test(test_list_refuses),
        cmocka_unit_test(test_prefix_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
