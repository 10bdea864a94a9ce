/* test_explorer_task.c: the explorer's one worker shell (explorer_task.h):
 * a task's settle hook decides the state after a run (EXT_DONE to collect,
 * EXT_IDLE for a cancelled run it disposed of), a cancel reaches the
 * function at its safe points, a slice waits at most its budget, a task
 * handed over before the shell is destroyed still runs, and an unthreaded
 * shell runs everything in place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "explorer/explorer_task.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settle_and_cancel),
        cmocka_unit_test(test_slice_waits_at_most_budget),
        cmocka_unit_test(test_destroy_runs_handed_over),
        cmocka_unit_test(test_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
