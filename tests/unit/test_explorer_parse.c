/* test_explorer_parse.c: the explorer's ':set' and ':sweep' read numbers
 * and lists with the one parser (core/base/parse.h) and say so in the
 * explorer's words: the command in front, never a command-line flag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "explorer/explorer_eval.h"

#define DEMO "samples/demo.json"

static void no_flag(const char *msg)
{
    assert_null(strstr(msg, "--"));
}

static void test_set_messages(void **st)
{
    (void)st;
    struct explorer ex;
    struct ls_error e = {0};
    explorer_init(&ex);
    assert_int_equal(explorer_open(&ex, DEMO, &e), 0);
    static const struct { const char *cmd, *msg; } bad[] = {
        {"set top_p warm", "set top-p: expected a number, got 'warm'"},
        {"set temperature nan", "set temperature: expected a number, got 'nan'"},
        {"set top_k 1.5", "set top-k: expected an integer, got '1.5'"},
        {"set top_k -1", "set top-k: -1 is out of range [0, 2147483647]"},
        {"set seed -1", "set seed: expected a non-negative integer, got '-1'"},
        {"set draws 65", "set draws: 65 is out of range [1, 64]"},
        {"set min_p 0.1x", "set min-p: expected a number, got '0.1x'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(explorer_command(&ex, bad[i].cmd), EXC_ERROR);
        assert_string_equal(ex.msg, bad[i].msg);
        no_flag(ex.msg);
    }
    assert_int_equal(explorer_command(&ex, "set top_k 5"), EXC_OK);
    assert_int_equal(ex.params.top_k, 5);
    assert_int_equal(explorer_command(&ex, "set top_p 0.9"), EXC_OK);
    assert_true(ex.params.top_p == 0.9);
    explorer_free(&ex);
}

static void test_sweep_messages(void **st)
{
    (void)st;
    struct explorer ex;
    struct explorer_eval xe;
    struct ls_error e = {0};
    explorer_init(&ex);
    explorer_eval_init(&xe);
    assert_int_equal(explorer_open(&ex, DEMO, &e), 0);
    static const struct { const char *cmd, *msg; } bad[] = {
        {"sweep 0,hot", "sweep: expected a number, got 'hot'"},
        {"sweep 0,,1", "sweep: bad list '0,,1' (comma-separated numbers)"},
        {"sweep 0,150", "sweep: 150 is out of range [0, 100]"},
        {"sweep 0,inf", "sweep: expected a number, got 'inf'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(explorer_eval_command(&xe, &ex, bad[i].cmd), EXC_ERROR);
        assert_string_equal(xe.msg, bad[i].msg);
        no_flag(xe.msg);
    }
    assert_int_equal(explorer_eval_command(&xe, &ex, "sweep 1,0,0.5"), EXC_OK);
    assert_int_equal(xe.n_temps, 3);
    assert_true(xe.temps[0] == 0 && xe.temps[1] == 0.5 && xe.temps[2] == 1); /* sorted */
    explorer_eval_free(&xe);
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_messages),
        cmocka_unit_test(test_sweep_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
