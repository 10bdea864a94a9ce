/* test_eval_external.c: an external evaluator's exit status is never lost:
 * with SIGCHLD ignored (the kernel then discards statuses and waitpid
 * fails with ECHILD) the run is an internal error, not a success. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "eval/eval_impl.h"

#include <math.h>
#include <signal.h>
#include <string.h>

static void echild_is_internal(void **state)
{
    (void)state;
    struct ls_error e = {0};
    double v = NAN;
    signal(SIGCHLD, SIG_IGN);
    int rc = eval_external_run("x", "echo 5; exit 3", "", 0, 5.0, 0, &v, &e);
    signal(SIGCHLD, SIG_DFL);
    assert_int_equal(rc, LS_EINTERNAL);
    assert_non_null(strstr(e.msg, "evaluator x: cannot wait for the command: "));
    assert_non_null(strstr(e.msg, "(internal error)"));
}

static void status_and_number(void **state)
{
    (void)state;
    struct ls_error e = {0};
    double v = NAN;
    assert_int_equal(eval_external_run("x", "echo 5; exit 3", "", 0, 5.0, 0, &v, &e), LS_EDATA);
    assert_string_equal(e.msg, "evaluator x: command exited with status 3 on sample 0");
    assert_int_equal(eval_external_run("x", "echo ' 2.5 '", "", 0, 5.0, 1, &v, &e), LS_OK);
    assert_true(v == 2.5);
    assert_int_equal(eval_external_run("x", "echo inf", "", 0, 5.0, 2, &v, &e), LS_EDATA);
    assert_string_equal(e.msg, "evaluator x: expected one number on stdout for sample 2, got 'inf'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(echild_is_internal),
        cmocka_unit_test(status_and_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
