/* test_sample_steps.c: sample's draws on several step workers
 * (cli/sample_steps.c over base/step_pipe.c) are the serial ones.
 *
 * The pipe itself: commits come in step order whatever order the computes
 * finish in, every step is taken once and in order, and a failure is the
 * first failing step in step order with nothing committed after it; the
 * same when the workers are chosen by timing (step_pipe_run_auto), whose
 * choice follows the takes' and computes' costs; the same again with a
 * ring of steps in flight (ops.ahead: the failure's ring entry named, a
 * slow step no longer holding the other workers up).
 * sample: the same draws (the JSON items, bit for bit) on 1, 2, 3 and 5
 * workers and on the default's timed choice, for every preset's defaults, top-p only, min-p only, exact; a
 * NaN step, two NaN steps and a file cut under its map give the serial
 * error after the serial items, also where the workers read at once
 * (float32 steps of V >= 16384); chains that read the history stay on one
 * worker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "base/step_pipe.h"
#include "cli/sample_steps.h"
#include "input/synth_source.h"
#include "npy_fx.h"

/* ---- the pipe: a log of takes and commits, computes of random length ---- */
#define NSTEP 300
struct log {
    uint32_t taken[NSTEP], committed[NSTEP];
    int n_taken, n_committed, computed[NSTEP];
    uint32_t fail_take, fail_compute[2];
    int worker_failed[STEP_PIPE_MAX_WORKERS];
    int auto_workers;      /* step_pipe_run_auto */
    long take_ns, compute_ns; /* > 0: every take / compute sleeps this long (else random computes) */
    int worker_of[NSTEP];  /* the worker that computed each step */
    uint32_t ahead;        /* step_pipe_ops.ahead */
    uint32_t slow;         /* > 0: step slow - 1's compute sleeps 50 ms */
    int done_order[NSTEP], n_done; /* the steps in the order their computes ended */
};

static int log_take(void *ctx, int w, uint32_t step)
{
    (void)w;
    struct log *L = ctx;
    L->taken[L->n_taken++] = step;
    if (L->take_ns) nanosleep(&(struct timespec){ 0, L->take_ns }, NULL);
    return step == L->fail_take ? 7 : 0;
}

static int log_compute(void *ctx, int w, uint32_t step)
{
    struct log *L = ctx;
    /* later steps often finish first: a failure at the later one comes first in time */
    struct timespec ts = { 0, (long)((step * 7919u) % 5u) * 200000L };
    if (step == L->fail_compute[0]) ts.tv_nsec = 3000000L;
    if (L->take_ns || L->compute_ns) ts.tv_nsec = L->compute_ns;
    if (L->slow && step == L->slow - 1) ts.tv_nsec = 50000000L;
    if (ts.tv_nsec) nanosleep(&ts, NULL);
    L->worker_of[step] = w;
    L->done_order[__atomic_fetch_add(&L->n_done, 1, __ATOMIC_SEQ_CST)] = (int)step;
    __atomic_fetch_add(&L->computed[step], 1, __ATOMIC_SEQ_CST);
    if (step == L->fail_compute[0] || step == L->fail_compute[1]) {
        L->worker_failed[w] = (int)step;
        return 100 + (int)step;
    }
    return 0;
}

static int log_commit(void *ctx, int w, uint32_t step)
{
    (void)w;
    struct log *L = ctx;
    L->committed[L->n_committed++] = step;
    return 0;
}

static void run_log(struct log *L, int workers, uint32_t first, uint32_t n, int want_rc)
{
    int failed = -1;
    const struct step_pipe_ops ops = { log_take, log_compute, log_commit, L->ahead };
    int rc = (L->auto_workers ? step_pipe_run_auto : step_pipe_run)(&ops, L, workers, first, n, &failed);
    assert_int_equal(rc, want_rc);
    for (int i = 0; i < L->n_taken; i++) assert_int_equal(L->taken[i], first + (uint32_t)i);
    for (int i = 0; i < L->n_committed; i++) assert_int_equal(L->committed[i], first + (uint32_t)i);
    /* the failure's state: its worker's, or (ahead) its ring entry */
    if (rc >= 100 && !L->ahead) assert_int_equal(L->worker_failed[failed], rc - 100);
    if (rc >= 100 && L->ahead) assert_int_equal(failed, (rc - 100) % (int)L->ahead);
}

static void test_pipe_order(void **state)
{
    (void)state;
    for (int k = 0; k < 6; k++) {
        int w = 1 + 3 * (k % 3); /* 1, 4 and 7 workers, each without and with a ring of 5 */
        struct log L = { .fail_take = ~0u, .fail_compute = { ~0u, ~0u }, .ahead = k < 3 ? 0u : 5u };
        run_log(&L, w, 10, 200, 0);
        assert_int_equal(L.n_taken, 200);
        assert_int_equal(L.n_committed, 200);
        for (uint32_t s = 10; s < 210; s++) assert_int_equal(L.computed[s], 1);
    }
}

static void test_pipe_first_failure(void **state)
{
    (void)state;
    for (int k = 0; k < 6; k++) {
        int w = 1 + 3 * (k % 3);
        uint32_t a = k < 3 ? 0u : 5u;
        /* step 57's compute is slow, 60's fails at once: 57 is the failure */
        struct log L = { .fail_take = ~0u, .fail_compute = { 57, 60 }, .ahead = a };
        run_log(&L, w, 0, 200, 157);
        assert_int_equal(L.n_committed, 57);
        /* a failed take: nothing after it is taken, the steps before it commit */
        struct log T = { .fail_take = 80, .fail_compute = { ~0u, ~0u }, .ahead = a };
        run_log(&T, w, 0, 200, 7);
        assert_int_equal(T.n_taken, 81);
        assert_int_equal(T.n_committed, 80);
        /* a take failure after a compute failure: the compute's */
        struct log B = { .fail_take = 90, .fail_compute = { 85, ~0u }, .ahead = a };
        run_log(&B, w, 0, 200, 185);
        assert_int_equal(B.n_committed, 85);
    }
}

/* With a ring of 8 steps in flight, a slow step (50 ms, the others under
 * 1 ms) holds up only its own worker: the other computes the 7 steps
 * after it meanwhile, all ending before it. Without a ring each worker
 * waits for its step's turn: at most one step after it ends first. */
static void test_pipe_ahead_slow_step(void **state)
{
    (void)state;
    for (uint32_t a = 0; a <= 8; a += 8) {
        struct log L = { .fail_take = ~0u, .fail_compute = { ~0u, ~0u }, .ahead = a, .slow = 11 };
        run_log(&L, 2, 0, 40, 0);
        assert_int_equal(L.n_committed, 40);
        int before = 0;
        for (int i = 0; i < L.n_done && L.done_order[i] != 10; i++) before += L.done_order[i] > 10;
        if (a) assert_int_equal(before, 7);
        else assert_true(before <= 1);
    }
}

/* The same order and failures when the workers are chosen by timing
 * (step_pipe_run_auto): failures inside the probe's steps (worker 0 alone)
 * and after it. */
static void test_pipe_auto_order(void **state)
{
    (void)state;
    for (int k = 0; k < 6; k++) {
        int w = 1 + 3 * (k % 3);
        uint32_t a = k < 3 ? 0u : 5u;
        struct log L = { .fail_take = ~0u, .fail_compute = { ~0u, ~0u }, .auto_workers = 1, .ahead = a };
        run_log(&L, w, 10, 200, 0);
        assert_int_equal(L.n_taken, 200);
        assert_int_equal(L.n_committed, 200);
        for (uint32_t s = 10; s < 210; s++) assert_int_equal(L.computed[s], 1);
        struct log P = { .fail_take = ~0u, .fail_compute = { 20, 23 }, .auto_workers = 1, .ahead = a };
        run_log(&P, w, 0, 200, 120);
        assert_int_equal(P.n_taken, 21);     /* in the probe: serial, nothing after the failure is taken */
        assert_int_equal(P.n_committed, 20);
        struct log A = { .fail_take = ~0u, .fail_compute = { 97, 100 }, .auto_workers = 1, .ahead = a };
        run_log(&A, w, 0, 200, 197);
        assert_int_equal(A.n_committed, 97);
        struct log T = { .fail_take = 30, .fail_compute = { ~0u, ~0u }, .auto_workers = 1, .ahead = a };
        run_log(&T, w, 0, 200, 7);
        assert_int_equal(T.n_taken, 31);
        assert_int_equal(T.n_committed, 30);
    }
}

/* step_pipe_auto_workers: a worker per two takes one compute spans */
static void test_pipe_auto_count(void **state)
{
    (void)state;
    static const struct { double take, compute; int max, want; } t[] = {
        { 100, 0, 8, 1 },   { 0, 100, 8, 8 },    { 0, 0, 8, 1 },      { 100, 150, 8, 1 },
        { 100, 199, 8, 1 }, { 100, 200, 8, 2 },  { 100, 1000, 8, 6 }, { 100, 1e6, 2, 2 },
        { 100, 1e6, 1, 1 }, { 100, 1e6, 20, 8 }, { 100, 1e6, 0, 1 },  { 100, 599, 8, 3 },
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        assert_int_equal(step_pipe_auto_workers(t[i].take, t[i].compute, t[i].max), t[i].want);
}

/* Slow takes and instant computes stay on worker 0; slow computes and
 * instant takes spread over the workers (1 ms sleeps: the choice is 1
 * against 1 + 1e6 / (2 * ~1e3)). */
static void test_pipe_auto_choice(void **state)
{
    (void)state;
    struct log R = { .fail_take = ~0u, .fail_compute = { ~0u, ~0u }, .auto_workers = 1, .take_ns = 1000000 };
    run_log(&R, 4, 0, 80, 0);
    for (uint32_t s = 0; s < 80; s++) assert_int_equal(R.worker_of[s], 0);
    struct log C = { .fail_take = ~0u, .fail_compute = { ~0u, ~0u }, .auto_workers = 1, .compute_ns = 1000000 };
    run_log(&C, 4, 0, 80, 0);
    int others = 0;
    for (uint32_t s = 0; s < 20; s++) assert_int_equal(C.worker_of[s], 0); /* the probe: a quarter of 80 */
    for (uint32_t s = 20; s < 80; s++) others += C.worker_of[s] != 0;
    assert_true(others > 0);
}

/* ---- sample's draws ---- */
struct sampled { char *json; int rc; char msg[1100]; int workers; };

static struct sampled sample_from(struct source *s, const struct chain *ch, const struct params *pr, int threads,
                                  int auto_threads, uint32_t first)
{
    struct cli_one c;
    memset(&c, 0, sizeof c);
    c.o.chain = *ch;
    c.o.params = *pr;
    c.o.seed = 42;
    c.o.all = 1;
    c.s = s;
    assert_int_equal(cli_step_init(&c.st, s->vocab_size), 0);
    struct sample_plan plan = { .first = first, .n = s->n_steps - first, .count = 1, .all = 1, .threads = threads,
                                .auto_threads = auto_threads };
    struct rng g;
    rng_seed(&g, c.o.seed);
    cJSON *arr = cJSON_CreateArray();
    int approx = 0;
    struct sampled r = { 0 };
    r.workers = sample_steps_workers(&c, &plan);
    r.rc = sample_steps_run(&c, &plan, &g, arr, &approx);
    snprintf(r.msg, sizeof r.msg, "%s", r.rc ? c.err.msg : "");
    r.json = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    cli_step_free(&c.st);
    return r;
}

static struct sampled sample_with(struct source *s, const struct chain *ch, const struct params *pr, int threads,
                                  int auto_threads)
{
    return sample_from(s, ch, pr, threads, auto_threads, 0);
}

/* the same items and error on 1, 2, 3 and 5 workers and on up to 3
 * chosen by timing (the command's default); returns the serial run */
static struct sampled check_agree(struct source *s, const struct chain *ch, const struct params *pr)
{
    struct sampled one = sample_with(s, ch, pr, 1, 0);
    assert_int_equal(one.workers, 1);
    static const int threads[] = { 2, 3, 5, -3 };
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        int n = abs(threads[t]);
        struct sampled many = sample_with(s, ch, pr, n, threads[t] < 0);
        assert_int_equal(many.workers, replay_needed(ch, pr) ? 1 : n);
        assert_int_equal(many.rc, one.rc);
        assert_string_equal(many.msg, one.msg);
        assert_string_equal(many.json, one.json);
        free(many.json);
    }
    return one;
}

struct cfg { enum preset ps; double T; int32_t k; double p, m; int exact; };
static const struct cfg cfgs[] = {
    { PRESET_LLAMACPP, 0.8, 40, 0.95, 0.05, 0 }, { PRESET_HF, 0.8, 40, 0.95, 0.05, 0 },
    { PRESET_VLLM, 0.8, 40, 0.95, 0.05, 0 }, { PRESET_HF, 0.7, 0, 0.9, 0, 0 },
    { PRESET_VLLM, 1.0, 0, 1.0, 0.05, 0 }, { PRESET_LLAMACPP, 0.8, 40, 0.95, 0.05, 1 },
};

static void set_cfg(const struct cfg *f, struct chain *ch, struct params *pr)
{
    chain_preset(ch, f->ps);
    ch->exact = f->exact;
    *pr = PARAMS_OFF;
    pr->temperature = f->T; pr->top_k = f->k; pr->top_p = f->p; pr->min_p = f->m;
}

static void test_sample_threads_agree(void **state)
{
    (void)state;
    struct source *s;
    struct ls_error err = {0};
    /* read by copy: the workers read into their own buffers */
    assert_int_equal(source_synthetic(2000, 120, 9, &s, &err), 0);
    for (size_t i = 0; i < sizeof cfgs / sizeof *cfgs; i++) {
        struct chain ch;
        struct params pr;
        set_cfg(&cfgs[i], &ch, &pr);
        struct sampled one = check_agree(s, &ch, &pr);
        assert_int_equal(one.rc, 0);
        assert_non_null(strstr(one.json, "{\"step\":119,"));
        free(one.json);
    }
    /* from a later first step: the workers' draws take the stream from
     * the first step's place (one uniform a step), as the serial pass */
    struct chain c0;
    struct params p0;
    set_cfg(&cfgs[3], &c0, &p0);
    struct sampled s1 = sample_from(s, &c0, &p0, 1, 0, 37), s3 = sample_from(s, &c0, &p0, 3, 0, 37);
    assert_int_equal(s3.workers, 3);
    assert_int_equal(s1.rc, 0);
    assert_int_equal(s3.rc, 0);
    assert_string_equal(s3.json, s1.json);
    assert_non_null(strstr(s1.json, "[{\"step\":37,"));
    free(s1.json);
    free(s3.json);
    /* history: one worker, still the same */
    struct chain ch;
    struct params pr;
    set_cfg(&cfgs[0], &ch, &pr);
    pr.repeat_penalty = 1.3;
    free(check_agree(s, &ch, &pr).json);
    source_close(s);
}

/* the synthetic source as a [steps, V] float32 .npy, lent from its map;
 * NaN at token 5 of steps nan0 and nan1 */
static int write_npy(struct source *src, char *path, uint32_t nan0, uint32_t nan1)
{
    uint32_t at[2] = { nan0, nan1 };
    return npy_fx_write(src, path, at, 2, 5);
}

static void expect_failure(struct source *syn, uint32_t nan0, uint32_t nan1, uint32_t cut_at, int want_rc,
                           const char *needle, uint32_t items)
{
    char path[] = "/tmp/ls_sample_steps_XXXXXX";
    int fd = write_npy(syn, path, nan0, nan1);
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open(path, NULL, &s, &e), 0);
    /* float32 steps of 64 KiB and more are read alone, at once by the workers */
    assert_int_equal(s->lend_concurrent, syn->vocab_size >= 16384);
    if (cut_at != ~0u) assert_int_equal(ftruncate(fd, 128 + (off_t)cut_at * syn->vocab_size * 4), 0);
    for (size_t i = 0; i < sizeof cfgs / sizeof *cfgs; i += 3) {
        struct chain ch;
        struct params pr;
        set_cfg(&cfgs[i], &ch, &pr);
        struct sampled one = check_agree(s, &ch, &pr);
        assert_int_equal(one.rc, want_rc);
        assert_non_null(strstr(one.msg, needle));
        char last[32];
        snprintf(last, sizeof last, "{\"step\":%u,", items - 1);
        assert_non_null(strstr(one.json, last));
        snprintf(last, sizeof last, "{\"step\":%u,", items);
        assert_null(strstr(one.json, last));
        free(one.json);
    }
    source_close(s);
    close(fd);
    unlink(path);
}

static void test_sample_failures(void **state)
{
    (void)state;
    struct source *syn;
    struct ls_error err = {0};
    assert_int_equal(source_synthetic(1500, 100, 4, &syn, &err), 0);
    expect_failure(syn, 41, ~0u, ~0u, LS_EDATA, "step 41: token 5: NaN logit", 41);
    expect_failure(syn, 70, 66, ~0u, LS_EDATA, "step 66: token 5: NaN logit", 66);
    expect_failure(syn, ~0u, ~0u, 50, LS_EREAD, "step 50: file changed while reading", 50);
    expect_failure(syn, 52, ~0u, 50, LS_EREAD, "step 50: file changed while reading", 50);
    expect_failure(syn, 33, ~0u, 50, LS_EDATA, "step 33: token 5: NaN logit", 33);
    source_close(syn);
    /* steps read at once in the workers' computes (source.h lend_concurrent) */
    assert_int_equal(source_synthetic(16384, 90, 4, &syn, &err), 0);
    expect_failure(syn, ~0u, ~0u, ~0u, 0, "", 90);
    expect_failure(syn, 41, ~0u, ~0u, LS_EDATA, "step 41: token 5: NaN logit", 41);
    expect_failure(syn, 70, 66, ~0u, LS_EDATA, "step 66: token 5: NaN logit", 66);
    expect_failure(syn, ~0u, ~0u, 50, LS_EREAD, "step 50: file changed while reading", 50);
    expect_failure(syn, 33, ~0u, 50, LS_EDATA, "step 33: token 5: NaN logit", 33);
    source_close(syn);
}

/* workers only where they pay: enough steps each, buffers within the
 * memory bound, no history */
static void test_sample_workers(void **state)
{
    (void)state;
    struct source fake = { .n_steps = 1000, .vocab_size = 131072 };
    struct cli_one c;
    memset(&c, 0, sizeof c);
    c.s = &fake;
    chain_preset(&c.o.chain, PRESET_LLAMACPP);
    c.o.params = PARAMS_OFF;
    struct sample_plan plan = { .first = 0, .n = 1000, .count = 1, .all = 1, .threads = 2 };
    assert_int_equal(sample_steps_workers(&c, &plan), 2);
    plan.threads = 8;
    assert_int_equal(sample_steps_workers(&c, &plan), 8);
    plan.n = 40;                                  /* 16 steps a worker at least */
    assert_int_equal(sample_steps_workers(&c, &plan), 2);
    plan.n = SAMPLE_MIN_THREADED_STEPS * 2 - 1;
    assert_int_equal(sample_steps_workers(&c, &plan), 1);
    plan.n = 1000;
    fake.vocab_size = 1u << 21;                   /* 160 MiB a worker: 6 more fit in 1 GiB */
    assert_int_equal(sample_steps_workers(&c, &plan), 7);
    fake.vocab_size = 1u << 24;                   /* 1.25 GiB a worker: none more */
    assert_int_equal(sample_steps_workers(&c, &plan), 1);
    fake.vocab_size = 131072;
    c.o.params.mirostat = 2;                      /* mu carried over the draws */
    assert_int_equal(sample_steps_workers(&c, &plan), 1);
    c.o.params.mirostat = 0;
    c.o.params.presence_penalty = 0.5;            /* the history is the draws */
    assert_int_equal(sample_steps_workers(&c, &plan), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_order),
        cmocka_unit_test(test_pipe_first_failure),
        cmocka_unit_test(test_pipe_ahead_slow_step),
        cmocka_unit_test(test_pipe_auto_order),
        cmocka_unit_test(test_pipe_auto_count),
        cmocka_unit_test(test_pipe_auto_choice),
        cmocka_unit_test(test_sample_threads_agree),
        cmocka_unit_test(test_sample_failures),
        cmocka_unit_test(test_sample_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
