/* test_npz_checkpoints.c: a deflated .npz member read backward and at
 * random resumes from inflate checkpoints (zip.h) and returns exactly the
 * stored member's values; and going back is fast (it used to inflate from
 * the member start on every backward step). The fixture pair (stored and
 * deflated, 96 steps x 40000 f32 = 15 MB) is made with python3's zipfile. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input/source.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ls_npzck_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "python3 - '%s' <<'PY'\n"
             "import struct, sys, zipfile, random\n"
             "S, V = 96, 40000\n"
             "d = \"{'descr': '<f4', 'fortran_order': False, 'shape': (%%d, %%d), }\" %% (S, V)\n"
             "h = (d + ' ' * ((64 - (10 + len(d) + 1) %% 64) %% 64) + '\\n').encode()\n"
             "r = random.Random(7)\n"
             "body = b''.join(struct.pack('<%%df' %% V, *[r.random() * 10 - s for _ in range(V)]) for s in range(S))\n"
             "npy = b'\\x93NUMPY\\x01\\x00' + struct.pack('<H', len(h)) + h + body\n"
             "for name, m in (('stored.npz', zipfile.ZIP_STORED), ('deflated.npz', zipfile.ZIP_DEFLATED)):\n"
             "    with zipfile.ZipFile(sys.argv[1] + '/' + name, 'w', m) as z: z.writestr('logits.npy', npy)\n"
             "PY", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void backward_equals_stored(void **state)
{
    (void)state;
    char ps[128], pd[128];
    snprintf(ps, sizeof ps, "%s/stored.npz", dir);
    snprintf(pd, sizeof pd, "%s/deflated.npz", dir);
    struct source *a = NULL, *b = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open(ps, NULL, &a, &e), LS_OK);
    assert_int_equal(source_open(pd, NULL, &b, &e), LS_OK);
    assert_int_equal(b->n_steps, 96);
    uint32_t V = a->vocab_size;
    float *za = malloc(V * sizeof *za), *zb = malloc(V * sizeof *zb);
    struct step_info si;
    /* forward once (takes the checkpoints), then backward, then scattered */
    for (uint32_t s = 0; s < 96; s++) assert_int_equal(source_read_step(b, s, zb, &si, &e), LS_OK);
    double t0 = now();
    for (uint32_t k = 0; k < 96 + 40; k++) {
        uint32_t s = k < 96 ? 95 - k : (uint32_t)((k * 37u) % 96u);
        assert_int_equal(source_read_step(a, s, za, &si, &e), LS_OK);
        assert_int_equal(source_read_step(b, s, zb, &si, &e), LS_OK);
        assert_memory_equal(za, zb, V * sizeof *za);
    }
    /* 136 backward or scattered steps of a 15 MB member: from the start
     * each would inflate up to 15 MB (about 2 GB in all); from a
     * checkpoint at most 1 MB each. Generous bound for a busy machine. */
    double dt = now() - t0;
    fprintf(stderr, "# backward and scattered steps: %.2f s\n", dt);
    if (dt > 20.0) fail_msg("backward steps took %.1f s", dt);
    free(za);
    free(zb);
    source_close(a);
    source_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backward_equals_stored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
