/* test_lend.c: source_lend_step (a step lent out of a map of the file)
 * gives the same floats and counts as source_read_step for every binary
 * layout, and a file that shrinks under the map is a clear error, never a
 * crash: cut before a lend (the fstat check) and cut while a lent step is
 * held and read (the SIGBUS guard: zeros, then source_lend_verify fails).
 * Lends that read instead of mapping (source.h SOURCE_LEND_READ) give the same
 * floats, and the same message for a cut before the step. */
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

#include "input/source.h"
#include "npy_write.h"

static struct source *open_ok(const char *path, const char *tensor, const char *format, uint32_t V)
{
    struct source_opts o = {0};
    o.tensor = tensor;
    o.format = format;
    o.vocab_size = V;
    struct source *s = NULL;
    struct ls_error e = {0};
    int rc = source_open(path, &o, &s, &e);
    if (rc) fprintf(stderr, "open %s: %s\n", path, e.msg);
    assert_int_equal(rc, 0);
    return s;
}

/* lent == read, value by value (bits), counts once made */
static void same_as_read(struct source *s, enum source_lend_how how)
{
    float *z = malloc((size_t)s->vocab_size * sizeof *z);
    assert_non_null(z);
    for (uint32_t t = 0; t < s->n_steps; t++) {
        struct step_info a, b;
        struct ls_error e = {0};
        const float *l;
        assert_int_equal(source_read_step(s, t, z, &a, &e), LS_OK);
        assert_int_equal(source_lend_into(s, t, NULL, how, &l, &b, &e), LS_OK);
        assert_memory_equal(l, z, (size_t)s->vocab_size * sizeof *z);
        source_count_nonfinite(l, s->vocab_size, &b);
        assert_int_equal(b.nonfinite_deferred, 0);
        assert_int_equal(a.n_nan, b.n_nan);
        assert_int_equal(a.n_posinf, b.n_posinf);
        assert_int_equal(a.n_neginf, b.n_neginf);
        assert_int_equal(source_lend_verify(s, t, &e), LS_OK);
    }
    struct step_info si;
    struct ls_error e = {0};
    const float *l;
    assert_int_equal(source_lend_into(s, s->n_steps, NULL, how, &l, &si, &e), LS_EUSAGE); /* out of range */
    free(z);
}

static void test_lend_equals_read(void **state)
{
    (void)state;
    static const struct { const char *path, *tensor, *format; uint32_t V; } f[] = {
        { "samples/logits_f32.npy", NULL, NULL, 0 },
        { "samples/logits_bf16.npy", NULL, NULL, 0 },
        { "samples/logits_f16_fortran.npy", NULL, NULL, 0 },
        { "samples/logits_be_f64.npy", NULL, NULL, 0 },
        { "samples/logits.npz", NULL, NULL, 0 },
        { "samples/logits.safetensors", "logits_bf16", NULL, 0 },
        { "samples/logits.safetensors", NULL, NULL, 0 },
        { "samples/logits.raw", NULL, "raw", 16 },
        { "samples/demo.json", NULL, NULL, 0 },   /* a source that cannot lend: read into its buffer */
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        for (int reads = 0; reads < 2; reads++) {
            struct source *s = open_ok(f[i].path, f[i].tensor, f[i].format, f[i].V);
            same_as_read(s, reads ? SOURCE_LEND_READ : SOURCE_LEND_MAP);
            source_close(s);
        }
    }
}

/* A [steps, V] float32 .npy of `steps` steps (V = 4096: 16 KiB a step, so
 * a cut removes whole pages); the fd stays open for ftruncate. */
#define TV 4096u
static int write_npy(char *path, uint32_t steps)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char hdr[NPY_HDR_MAX];
    int n = npy_header(hdr, "<f4", 0, steps, TV);
    assert_int_equal(n, 128);   /* the data at 128: the cuts below count on it */
    assert_int_equal(npy_write_all(fd, hdr, (size_t)n), 0);
    float *z = malloc(TV * sizeof *z);
    assert_non_null(z);
    for (uint32_t t = 0; t < steps; t++) {
        for (uint32_t i = 0; i < TV; i++) z[i] = (float)((i * 7 + t) % 13) - 6.0f;
        assert_int_equal(write(fd, z, TV * sizeof *z), (ssize_t)(TV * sizeof *z));
    }
    free(z);
    return fd;
}

/* the cut step's message, by map and by read alike (the steps before it
 * still lend); cut: the bytes step 1 loses (TV * 4: all of it,
 * the read then finds the end of the file where the step starts; step 0
 * stays whole) */
static void cut_before_lend(int reads, size_t cut, char *msg, size_t cap)
{
    char path[] = "/tmp/ls_lend_XXXXXX";
    int fd = write_npy(path, 4);
    struct source *s = open_ok(path, NULL, NULL, 0);
    enum source_lend_how how = reads ? SOURCE_LEND_READ : SOURCE_LEND_MAP;
    struct step_info si;
    struct ls_error e = {0};
    const float *z;
    assert_int_equal(source_lend_into(s, 0, NULL, how, &z, &si, &e), LS_OK);  /* the map is made (or not) */
    assert_true(z[1] == 1.0f);
    assert_int_equal(ftruncate(fd, (off_t)(128 + 2 * TV * 4 - cut)), 0); /* step 1 loses its end */
    assert_int_equal(source_lend_into(s, 0, NULL, how, &z, &si, &e), LS_OK);
    assert_int_equal(source_lend_into(s, 1, NULL, how, &z, &si, &e), LS_EREAD);
    assert_non_null(strstr(e.msg, "step 1: file changed while reading"));
    snprintf(msg, cap, "%s", e.msg);
    source_close(s);
    close(fd);
    unlink(path);
}

static void test_cut_before_lend(void **state)
{
    (void)state;
    /* a read makes its fstat only after it fell short: the same message */
    static const size_t cuts[] = { 8, 4 * 1024 + 4, TV * 4 };
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        char mapped[1100], read[1100];
        cut_before_lend(0, cuts[k], mapped, sizeof mapped);
        cut_before_lend(1, cuts[k], read, sizeof read);
        assert_string_equal(strchr(mapped, ':'), strchr(read, ':')); /* past the (random) path */
        assert_non_null(strstr(read, "expected at least"));          /* the shrink's, not the read's */
    }
}

static void test_cut_while_lent(void **state)
{
    (void)state;
    char path[] = "/tmp/ls_lend_XXXXXX";
    int fd = write_npy(path, 8);
    struct source *s = open_ok(path, NULL, NULL, 0);
    struct step_info si;
    struct ls_error e = {0};
    const float *z;
    assert_int_equal(source_lend_step(s, 7, &z, &si, &e), LS_OK);
    assert_int_equal(ftruncate(fd, 128 + TV * 4), 0);  /* only step 0 is left */
    double sum = 0.0;
    for (uint32_t i = 0; i < TV; i++) sum += (double)z[i]; /* SIGBUS on the cut pages: guarded, zeros */
    assert_true(isfinite(sum));
    assert_int_equal(source_lend_verify(s, 7, &e), LS_EREAD);
    assert_non_null(strstr(e.msg, "step 7: file changed while reading"));
    assert_int_equal(source_lend_step(s, 6, &z, &si, &e), LS_EREAD); /* and it stays so */
    source_close(s);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lend_equals_read),
        cmocka_unit_test(test_cut_before_lend),
        cmocka_unit_test(test_cut_while_lent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
