/* test_chart_text.c: the text chart renders to an exact, known grid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart_text.h"

static void test_falling_share(void **state)
{
    (void)state;
    double x[3] = { 0, 0.5, 1 }, y[3] = { 1, 0.5, 0 };
    struct chart_series s = { "valid", '*', y };
    /* x = 0.5 lands in column round(0.5 * 8) = 4; the joining dots follow
     * the line y = 1 - x rounded to the 3 rows (labels: top and bottom only
     * below 5 rows) */
    struct chart c = { "json_valid_share", "temperature", x, 3, &s, 1, 9, 3, 0.0, 1.0, NAN };
    char buf[1024];
    size_t n = chart_text(&c, buf, sizeof buf);
    const char *want =
        "json_valid_share vs temperature\n"
        "       1 |*..\n"
        "         |   .*..\n"
        "       0 |       .*\n"
        "         +---------\n"
        "          0   0.5 1\n";
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    /* truncation reports the full length */
    char small[16];
    assert_int_equal(chart_text(&c, small, sizeof small), n);
    assert_int_equal(strlen(small), 15);
}

static void test_two_series_and_mark(void **state)
{
    (void)state;
    double x[2] = { 0, 1 }, a[2] = { 0, 1 }, b[2] = { 1, NAN };
    struct chart_series s[2] = { { "top-k 1", 'a', a }, { "top-k 5", 'b', b } };
    /* mark_x 0.5 -> column round(3.5) = 4, never overwritten by a line */
    struct chart c = { "score", "temperature", x, 2, s, 2, 8, 3, NAN, NAN, 0.5 };
    char buf[1024];
    chart_text(&c, buf, sizeof buf);
    const char *want =
        "score vs temperature\n"
        "       1 |b   | .a\n"
        "         |  ..|.\n"
        "       0 |a.  |\n"
        "         +--------\n"
        "          0      1\n"
        "          a top-k 1  b top-k 5\n";
    assert_string_equal(buf, want);
}

static void test_no_data_and_flat(void **state)
{
    (void)state;
    double x[2] = { 0, 1 }, y[2] = { NAN, NAN }, f[2] = { 2, 2 };
    struct chart_series s = { "s", 0, y };
    struct chart c = { "t", "x", x, 2, &s, 1, 8, 3, NAN, NAN, NAN };
    char buf[512];
    chart_text(&c, buf, sizeof buf);
    assert_string_equal(buf, "t vs x\n  (no data)\n");
    s.y = f;
    chart_text(&c, buf, sizeof buf);
    assert_non_null(strstr(buf, "*......*"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_falling_share),
        cmocka_unit_test(test_two_series_and_mark),
        cmocka_unit_test(test_no_data_and_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
