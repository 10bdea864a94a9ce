/* test_display.c: the display transform (core/display.h), robustness.md 1.5. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "base/display.h"

static const char *esc(const char *s, size_t n, unsigned fl)
{
    static char out[512];
    disp_escape(s, n, fl, out, sizeof out);
    return out;
}
#define ESC(lit, fl) esc(lit, sizeof(lit) - 1, fl)

static void test_controls(void **state)
{
    (void)state;
    assert_string_equal(ESC("a\x1b[31mb", 0), "a\\e[31mb");
    assert_string_equal(ESC("\x1b]52;c;SGVsbG8=\x07", 0), "\\e]52;c;SGVsbG8=\\x07");
    assert_string_equal(ESC("x\0y", 0), "x\\0y");
    assert_string_equal(ESC("\t\n\r\x7f", 0), "\\t\\n\\r\\x7F");
    assert_string_equal(ESC("\xc2\x9b" "1m", 0), "\\u009B1m"); /* C1 CSI */
    assert_string_equal(ESC("a\\b", DISP_BACKSLASH), "a\\\\b");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    assert_string_equal(ESC("\xff", 0), "\\xFF");
    assert_string_equal(ESC("\xc0\xaf", 0), "\\xC0\\xAF");          /* overlong */
    assert_string_equal(ESC("\xed\xa0\x80", 0), "\\xED\\xA0\\x80");  /* surrogate */
    assert_string_equal(ESC("\xf4\x90\x80\x80", 0), "\\xF4\\x90\\x80\\x80"); /* > U+10FFFF */
    assert_string_equal(ESC("\xe2\x82", 0), "\\xE2\\x82");          /* truncated */
    assert_string_equal(ESC("h\xc3\xa9!", 0), "h\xc3\xa9!");         /* valid stays */
}

static void test_bidi_zero_width(void **state)
{
    (void)state;
    assert_string_equal(ESC("a\xe2\x80\xae" "b", 0), "a\\u{202E}b");   /* RLO */
    assert_string_equal(ESC("\xe2\x81\xa6", 0), "\\u{2066}");          /* LRI */
    assert_string_equal(ESC("a\xe2\x80\x8b" "b", 0), "a\\u{200B}b");   /* ZWSP */
    assert_string_equal(ESC("\xef\xbb\xbf", 0), "\\u{FEFF}");
    assert_string_equal(ESC("\xf3\xa0\x80\x81", 0), "\\u{E0001}");     /* tag */
    assert_string_equal(ESC("\xc2\xad", 0), "\\u{AD}");                /* soft hyphen */
    assert_string_equal(ESC("\xe2\x80\xa8", 0), "\\u{2028}");
}

static void test_ascii_mode_and_tokens(void **state)
{
    (void)state;
    assert_string_equal(ESC("h\xc3\xa9", DISP_ASCII), "h\\u{E9}");
    assert_string_equal(ESC(" a\n", DISP_TOKEN), "\xe2\x90\xa3" "a\xe2\x86\xb5");
    /* issue 12: the C locale's space token is visible too ("\s", the escapes' family) */
    assert_string_equal(ESC(" a\n", DISP_TOKEN | DISP_ASCII), "\\sa\\n");
}

static void test_widths_and_fit(void **state)
{
    (void)state;
    assert_int_equal(disp_width("abc", 3, 0), 3);
    assert_int_equal(disp_width("\xe4\xb8\xad\xe6\x96\x87", 6, 0), 4); /* two wide CJK */
    assert_int_equal(disp_width("\x1b", 1, 0), 2);                     /* "\e" */
    char out[64];
    int cols;
    assert_int_equal(disp_fit("abcdefgh", 8, 0, 5, out, sizeof out, &cols), 1);
    assert_string_equal(out, "abcd\xe2\x80\xa6");
    assert_int_equal(cols, 5);
    /* never cut inside an escape */
    assert_int_equal(disp_fit("ab\x1b" "cd", 5, 0, 4, out, sizeof out, &cols), 1);
    assert_string_equal(out, "ab\xe2\x80\xa6");
    assert_int_equal(cols, 3);
    /* a wide char that does not fit is not split */
    assert_int_equal(disp_fit("a\xe4\xb8\xad\xe6\x96\x87", 7, 0, 3, out, sizeof out, &cols), 1);
    assert_string_equal(out, "a\xe2\x80\xa6");
    assert_int_equal(disp_fit("abc", 3, 0, 3, out, sizeof out, &cols), 0);
    assert_string_equal(out, "abc");
    /* a leading combining mark gets a dotted circle */
    assert_string_equal(ESC("\xcc\x81" "a", 0), "\xe2\x97\x8c\xcc\x81" "a");
    assert_true(disp_is_clean("hello", 5, 0));
    assert_false(disp_is_clean("he\x1bllo", 6, 0));
}

static void test_truncated_output_buffer(void **state)
{
    (void)state;
    char out[6];
    size_t need = disp_escape("ab\x1b\x1b\x1b", 5, 0, out, sizeof out);
    assert_int_equal(need, 8);
    assert_string_equal(out, "ab\\e"); /* whole pieces only */
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_bidi_zero_width),
        cmocka_unit_test(test_ascii_mode_and_tokens),
        cmocka_unit_test(test_widths_and_fit),
        cmocka_unit_test(test_truncated_output_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
