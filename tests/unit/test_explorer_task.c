/* test_explorer_task.c: the explorer's one worker shell (explorer_task.h):
 * a task's settle hook decides the state after a run (EXT_DONE to collect,
 * EXT_IDLE for a cancelled run it disposed of), a cancel reaches the
 * function at its safe points, a slice waits at most its budget, a task
 * handed over before the shell is destroyed still runs, and an unthreaded
 * shell runs everything in place. A warm-up list (ex_warm) faults its
 * buffers in without changing a byte, a piece's worth per call at least,
 * and lists every buffer a chain run writes (chain_buffers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "explorer/explorer_task.h"
#include "sampling/presets.h"

#include <stdlib.h>
#include <string.h>

/* A function that blocks until the test opens its gate. */
struct gated {
    pthread_mutex_t mx;
    pthread_cond_t cv;
    int open, entered, runs, saw_cancel, settles, disposed;
    struct ex_task *t;
};

static void gated_init(struct gated *g, struct ex_task *t)
{
    *g = (struct gated){0};
    pthread_mutex_init(&g->mx, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->t = t;
}

static void gated_free(struct gated *g)
{
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mx);
}

static void gate_open(struct gated *g)
{
    pthread_mutex_lock(&g->mx);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mx);
}

static void until_entered(struct gated *g)
{
    pthread_mutex_lock(&g->mx);
    while (!g->entered) pthread_cond_wait(&g->cv, &g->mx);
    pthread_mutex_unlock(&g->mx);
}

static void gated_run(void *arg)
{
    struct gated *g = arg;
    pthread_mutex_lock(&g->mx);
    g->entered = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->open) pthread_cond_wait(&g->cv, &g->mx);
    pthread_mutex_unlock(&g->mx);
    g->saw_cancel = ex_task_cancelled(g->t);   /* the safe point */
    g->runs++;
}

/* under the shell's lock: a cancelled run is disposed of, never collected */
static int gated_settle(void *arg, int cancelled)
{
    struct gated *g = arg;
    g->settles++;
    if (cancelled) { g->disposed++; return EXT_IDLE; }
    return EXT_DONE;
}

static void test_settle_and_cancel(void **st)
{
    (void)st;
    struct ex_task t;
    struct gated g;
    assert_int_equal(ex_task_init(&t, 1), 0);
    gated_init(&g, &t);
    g.open = 1;   /* a plain run: collected */
    ex_task_start(&t, gated_run, gated_settle, &g);
    assert_int_equal(ex_task_wait(&t), EXT_DONE);
    assert_int_equal(ex_task_cancel(&t), 0);          /* finished: stays so */
    assert_int_equal(ex_task_state(&t), EXT_DONE);
    assert_int_equal(g.saw_cancel, 0);
    assert_int_equal(g.disposed, 0);
    ex_task_idle(&t);
    g.open = g.entered = 0;   /* idle: the main thread's fields */
    ex_task_start(&t, gated_run, gated_settle, &g);
    until_entered(&g);
    assert_int_equal(ex_task_cancel(&t), 1);
    assert_int_equal(ex_task_cancel(&t), 0);          /* once */
    gate_open(&g);
    assert_int_equal(ex_task_wait(&t), EXT_IDLE);     /* settle disposed of it */
    assert_int_equal(g.saw_cancel, 1);
    assert_int_equal(g.disposed, 1);
    assert_int_equal(g.settles, 2);
    g.open = 1;   /* the cancel does not outlive its task */
    ex_task_start(&t, gated_run, NULL, &g);
    assert_int_equal(ex_task_wait(&t), EXT_DONE);     /* no settle: done */
    assert_int_equal(g.saw_cancel, 0);
    assert_int_equal(g.runs, 3);
    ex_task_destroy(&t);
    gated_free(&g);
}

static void test_slice_waits_at_most_budget(void **st)
{
    (void)st;
    struct ex_task *t = ex_task_new();
    struct gated g;
    assert_non_null(t);
    gated_init(&g, t);
    ex_task_start(t, gated_run, gated_settle, &g);
    until_entered(&g);
    assert_int_equal(ex_task_slice(t, 0, 0), EXT_QUEUED);          /* no budget left */
    assert_int_equal(ex_task_slice(t, 1000000000L, 1), EXT_QUEUED); /* nowait */
    assert_int_equal(ex_task_slice(t, 2000000L, 0), EXT_QUEUED);   /* 2 ms, the gate still shut */
    gate_open(&g);
    assert_int_equal(ex_task_slice(t, 60000000000L, 0), EXT_DONE);
    ex_task_idle(t);
    assert_int_equal(ex_task_state(t), EXT_IDLE);
    ex_task_free(t);
    ex_task_free(NULL);
    gated_free(&g);
}

/* destroyed while a task waits for the worker: it runs (and settles) first */
static void test_destroy_runs_handed_over(void **st)
{
    (void)st;
    struct ex_task t;
    struct gated g;
    assert_int_equal(ex_task_init(&t, 1), 0);
    gated_init(&g, &t);
    g.open = 1;
    ex_task_start(&t, gated_run, gated_settle, &g);
    ex_task_destroy(&t);
    assert_int_equal(g.runs, 1);
    assert_int_equal(g.settles, 1);
    gated_free(&g);
}

/* unthreaded: the function and its settle run inside ex_task_start */
static void test_in_place(void **st)
{
    (void)st;
    struct ex_task t;
    struct gated g;
    assert_int_equal(ex_task_init(&t, 0), 0);
    gated_init(&g, &t);
    g.open = 1;
    ex_task_start(&t, gated_run, gated_settle, &g);
    assert_int_equal(g.runs, 1);
    assert_int_equal(g.settles, 1);
    assert_int_equal(ex_task_state(&t), EXT_DONE);
    assert_int_equal(t.started, 0);
    ex_task_idle(&t);
    ex_task_destroy(&t);
    gated_free(&g);
}

/* Unaligned buffers of odd lengths (one of them a read(2) target: the
 * copy through the kernel and back) keep every byte, a call with no
 * budget still does a piece's worth, and the list ends. */
static void test_warm_keeps_contents(void **st)
{
    (void)st;
    static const size_t len[] = { 1, 4095, 4097, 65536 + 3, 300001 };
    enum { K = sizeof len / sizeof *len };
    unsigned char *buf[K], *ref[K];
    struct ex_warm w;
    ex_warm_clear(&w);
    assert_true(ex_warm_done(&w));
    for (int k = 0; k < K; k++) {
        buf[k] = malloc(len[k] + 1);
        ref[k] = malloc(len[k]);
        assert_non_null(buf[k]);
        assert_non_null(ref[k]);
        for (size_t i = 0; i < len[k]; i++) ref[k][i] = (unsigned char)(i * 131 + (size_t)k * 7 + 1);
        memcpy(buf[k] + 1, ref[k], len[k]);
        ex_warm_add(&w, buf[k] + 1, len[k], k % 2);
    }
    ex_warm_add(&w, NULL, 10, 0);   /* ignored */
    int calls = 0;
    while (!ex_warm_run(&w, 0, NULL)) calls++;
    assert_true(calls >= 2 && calls <= 8);   /* 370 KiB in 64 KiB pieces */
    for (int k = 0; k < K; k++) {
        assert_memory_equal(buf[k] + 1, ref[k], len[k]);
        free(buf[k]);
        free(ref[k]);
    }
}

/* chain_buffers: the workspace's and the result's buffers, and the
 * emulation's scratch when the setting's run goes through it */
static void test_chain_buffers(void **st)
{
    (void)st;
    struct chain_ws ws;
    struct chain_result r;
    struct chain c;
    struct chain_span sp[CHAIN_SPANS_MAX];
    size_t n = 0;
    assert_int_equal(chain_ws_init(&ws, 1000), 0);
    assert_int_equal(chain_result_init(&r, 1000), 0);
    chain_preset(&c, PRESET_HF);
    struct params off = PARAMS_OFF, def = preset_defaults(PRESET_HF);
    assert_int_equal(chain_buffers(&c, &off, &ws, &r, sp, CHAIN_SPANS_MAX, &n), 0);
    assert_int_equal(n, 9);
    assert_null(ws.emu);
    assert_ptr_equal(sp[6].p, r.p);
    assert_int_equal(sp[6].bytes, 1000 * sizeof *r.p);
    assert_int_equal(chain_buffers(&c, &def, &ws, &r, sp, CHAIN_SPANS_MAX, &n), 0);
    assert_int_equal(n, 19);
    assert_non_null(ws.emu);
    struct ex_warm w;
    ex_warm_clear(&w);
    assert_int_equal(ex_warm_chain(&w, &c, &def, &ws, &r), 0);
    assert_int_equal(w.n, 19);
    assert_true(ex_warm_run(&w, -1, NULL));
    for (uint32_t i = 0; i < 1000; i++) assert_true(r.p[i] == 0.0);   /* still zero outside kept */
    chain_ws_free(&ws);
    chain_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settle_and_cancel),
        cmocka_unit_test(test_slice_waits_at_most_budget),
        cmocka_unit_test(test_destroy_runs_handed_over),
        cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_warm_keeps_contents),
        cmocka_unit_test(test_chain_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
