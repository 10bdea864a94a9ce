/* test_explorer_io.c: the explorer's file edges: a step that cannot be
 * read says "step N: ..." once (source_read_step names the step; the
 * explorer used to add its own prefix as well). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explorer/explorer.h"

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    fclose(b);
}

static void read_error_named_once(void **state)
{
    (void)state;
    char path[] = "/tmp/ls_exio_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    copy_file("samples/logits_f32.npy", path);   /* 3 steps x 16 f32 */
    struct explorer ex;
    struct ls_error e = {0};
    explorer_init(&ex);
    assert_int_equal(explorer_open(&ex, path, &e), LS_OK);
    assert_int_equal(ex.n_steps, 3);
    /* the file shrinks under us: step 2 is gone */
    assert_int_equal(truncate(path, 128 + 2 * 16 * 4 + 8), 0);
    explorer_set_step(&ex, 2);
    explorer_update(&ex);
    assert_int_not_equal(ex.step_err.code, 0);
    assert_non_null(strstr(ex.step_err.msg, "step 2: file changed while reading"));
    assert_null(strstr(ex.step_err.msg, "step 2: step 2"));
    explorer_free(&ex);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_error_named_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
