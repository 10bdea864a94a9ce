/* test_eval_steps.c: eval_source on step workers (eval_steps.c, also with
 * one) gives exactly what eval_run_step over the steps in turn gives (one
 * result for every setting, draws at once): every score, series and
 * continuation token,
 * for sweeps over the presets and for chains that read the recorded history
 * (penalties, DRY); and a failing step is reported as a single pass reports
 * it (the first in step order), however many steps are in flight. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/eval_impl.h"
#include "input/synth_source.h"
#include "npy_fx.h"

static struct eval_run *run_with(struct source *s, const struct eval_settings *set, size_t n, int threads,
                                 const volatile int *cancel, struct ls_error *err, int *rc)
{
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 37;
    cfg.threads = threads;
    struct eval_run *r = NULL;
    *rc = eval_source(s, &cfg, set, n, cancel, &r, err);
    return r;
}

/* the reference: eval_run_step over every step read in turn (eval.h's use) */
static struct eval_run *run_serial(struct source *s, const struct eval_settings *set, size_t n)
{
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 37;
    struct eval_run *r = NULL;
    struct ls_error err = {0};
    struct step_info si;
    float *z = malloc(s->vocab_size * sizeof *z);
    assert_true(z != NULL);
    assert_int_equal(eval_run_new(s, &cfg, set, n, &r, &err), 0);
    for (uint32_t i = 0; i < s->n_steps; i++) {
        assert_int_equal(source_read_step(s, i, z, &si, &err), 0);
        assert_int_equal(eval_run_step(r, z, &si, &err), 0);
    }
    assert_int_equal(eval_run_finish(r, NULL, &err), 0);
    free(z);
    return r;
}

/* a and b agree on every number, bit for bit (NaN where the other is NaN) */
static void assert_same_runs(const struct eval_run *a, const struct eval_run *b, size_t n_set)
{
    for (size_t k = 0; k < n_set; k++) {
        assert_memory_equal(eval_run_scores(a, k), eval_run_scores(b, k), sizeof(struct eval_scores));
        assert_memory_equal(eval_run_tokens(a, k), eval_run_tokens(b, k),
                            (size_t)a->cfg.n_samples * a->n_steps * sizeof(int32_t));
        struct eval_step_series sa, sb;
        eval_run_series(a, k, &sa);
        eval_run_series(b, k, &sb);
        assert_memory_equal(sa.nll_raw, sb.nll_raw, a->n_steps * sizeof(double));
        assert_memory_equal(sa.p_chain, sb.p_chain, a->n_steps * sizeof(double));
        assert_memory_equal(sa.entropy, sb.entropy, a->n_steps * sizeof(double));
        assert_memory_equal(sa.kept, sb.kept, a->n_steps * sizeof(double));
        assert_memory_equal(sa.clipped, sb.clipped, a->n_steps * sizeof(uint32_t));
    }
}

static struct eval_settings setting(enum preset ps, double T, int32_t k, double p, double m)
{
    struct eval_settings st;
    chain_preset(&st.chain, ps);
    st.params = PARAMS_OFF;
    st.params.temperature = T;
    st.params.top_k = k;
    st.params.top_p = p;
    st.params.min_p = m;
    return st;
}

static void check_threads_agree(const struct eval_settings *set, size_t n)
{
    struct source *s;
    struct ls_error err = {0};
    assert_int_equal(source_synthetic(700, 160, 11, &s, &err), 0);
    int rc;
    struct eval_run *one = run_serial(s, set, n);
    static const int threads[] = { 1, 2, 3, 8 };
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        struct eval_run *many = run_with(s, set, n, threads[t], NULL, &err, &rc);
        assert_int_equal(rc, 0);
        assert_same_runs(one, many, n);
        eval_run_free(many);
    }
    eval_run_free(one);
    source_close(s);
}

static void test_sweeps_agree(void **state)
{
    (void)state;
    struct eval_settings hf[7] = {
        setting(PRESET_HF, 0, 0, 1, 0), setting(PRESET_HF, 0.4, 0, 0.9, 0), setting(PRESET_HF, 0.7, 50, 0.95, 0),
        setting(PRESET_HF, 1, 0, 1, 0), setting(PRESET_HF, 1.3, 0, 1, 0.05),
        setting(PRESET_HF, 0.6, 0, 1, 0), setting(PRESET_VLLM, 1.7, 0, 1, 0), /* plain temperatures: every p rewritten */
    };
    check_threads_agree(hf, 7);
    struct eval_settings llama[2] = { setting(PRESET_LLAMACPP, 0.8, 40, 0.95, 0.05), setting(PRESET_LLAMACPP, 1.5, 0, 0.9, 0) };
    check_threads_agree(llama, 2);
    struct eval_settings vllm[2] = { setting(PRESET_VLLM, 1, 0, 1, 0.05), setting(PRESET_VLLM, 0.005, 0, 1, 0) };
    vllm[0].chain.exact = 1;
    check_threads_agree(vllm, 2);
}

/* stages that read the recorded tokens before the step, and mirostat's mu
 * (carried from step to step: one worker) */
static void test_history_stages_agree(void **state)
{
    (void)state;
    struct eval_settings st[2] = { setting(PRESET_LLAMACPP, 0.8, 40, 0.95, 0.05), setting(PRESET_HF, 0.9, 0, 1, 0) };
    st[0].params.repeat_penalty = 1.3;
    st[0].params.repeat_last_n = 64;
    st[1].params.repeat_penalty = 1.2;
    check_threads_agree(st, 2);
    struct eval_settings miro = setting(PRESET_LLAMACPP, 0.8, 0, 1, 0);
    miro.params.mirostat = 2;
    check_threads_agree(&miro, 1);
}

/* ---- a source that fails: NaN logits at some steps, a read error at one ---- */
struct bad { struct source *inner; uint32_t nan_at[2], fail_at; };

static int bad_read(struct source *s, uint32_t step, float *z, struct step_info *info, struct ls_error *err)
{
    struct bad *b = s->impl;
    if (step == b->fail_at) return ls_fail(err, LS_EREAD, "step %u: cannot read", step);
    int rc = source_read_step(b->inner, step, z, info, err);
    if (!rc && (step == b->nan_at[0] || step == b->nan_at[1])) { z[3] = NAN; info->n_nan = 1; }
    return rc;
}

static void bad_close(struct source *s)
{
    struct bad *b = s->impl;
    source_close(b->inner);
    free(b);
}

static const struct source_ops bad_ops = { "bad", bad_read, bad_close };

/* inner's steps read by copy (a source without lending), with the faults */
static struct source *wrap(struct source *inner, uint32_t nan0, uint32_t nan1, uint32_t fail)
{
    struct source *s = source_alloc(&bad_ops, "bad.npy");
    struct bad *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->inner = inner;
    b->nan_at[0] = nan0; b->nan_at[1] = nan1; b->fail_at = fail;
    s->impl = b;
    s->n_steps = inner->n_steps;
    s->vocab_size = inner->vocab_size;
    s->has_tokens = inner->has_tokens;
    return s;
}

static struct source *bad_source(uint32_t nan0, uint32_t nan1, uint32_t fail)
{
    struct source *inner;
    struct ls_error err = {0};
    assert_int_equal(source_synthetic(300, 200, 5, &inner, &err), 0);
    inner->has_tokens = 1;
    return wrap(inner, nan0, nan1, fail);
}

static void expect_same_failure(uint32_t nan0, uint32_t nan1, uint32_t fail, const char *needle)
{
    struct eval_settings st = setting(PRESET_HF, 0.7, 0, 0.9, 0);
    struct ls_error e1 = {0}, e2 = {0};
    int rc1, rc2;
    struct source *s = bad_source(nan0, nan1, fail);
    assert_null(run_with(s, &st, 1, 1, NULL, &e1, &rc1));
    for (int t = 2; t <= 8; t += 3) {
        assert_null(run_with(s, &st, 1, t, NULL, &e2, &rc2));
        assert_int_equal(rc1, rc2);
        assert_string_equal(e1.msg, e2.msg);
    }
    assert_non_null(strstr(e1.msg, needle));
    source_close(s);
}

static void test_first_failure_in_step_order(void **state)
{
    (void)state;
    expect_same_failure(37, 120, 9999, "step 37");   /* non-finite: the earlier of two */
    expect_same_failure(150, 151, 61, "step 61");    /* a read error before them */
    expect_same_failure(12, 190, 13, "step 12");     /* non-finite just before a read error */
}

static void test_cancel(void **state)
{
    (void)state;
    struct source *s;
    struct ls_error err = {0};
    assert_int_equal(source_synthetic(300, 50, 5, &s, &err), 0);
    struct eval_settings st = setting(PRESET_HF, 0.7, 0, 0.9, 0);
    volatile int stop = 1;
    int rc;
    assert_null(run_with(s, &st, 1, 4, &stop, &err, &rc));
    assert_int_equal(rc, LS_EINTERNAL);
    assert_non_null(strstr(err.msg, "cancelled"));
    source_close(s);
}

/* The synthetic source's steps as a [steps, V] float32 .npy (a file eval
 * lends its steps from); nan_step >= 0 puts a NaN at token 3 of that step. */
static int npy_of(struct source *src, char *path, int nan_step)
{
    uint32_t at = (uint32_t)nan_step;
    return npy_fx_write(src, path, &at, nan_step >= 0, 3);
}

static struct source *open_npy(const char *path)
{
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open(path, NULL, &s, &e), 0);
    return s;
}

/* eval's workers take lent steps (read into their buffers): the same
 * numbers as the steps read by copy, on 1 and 3 workers and on the
 * default's timed choice (-1); a NaN in a lent step (whose counts the
 * reader leaves to eval) is the same error; a file cut under it is "file
 * changed while reading", never a crash. V = 1024: steps read in blocks,
 * in turn; V = 16384: each step alone, read at once by the workers in
 * their computes (source.h lend_concurrent). */
static void lent_steps(uint32_t V)
{
    struct source *syn;
    struct ls_error err = {0};
    assert_int_equal(source_synthetic(V, 90, 3, &syn, &err), 0);
    struct eval_settings set[2] = { setting(PRESET_HF, 0.7, 0, 0.9, 0), setting(PRESET_LLAMACPP, 1.0, 40, 0.95, 0.05) };
    int rc;
    static const int threads[] = { 1, 3, -1 };
    for (size_t i = 0; i < sizeof threads / sizeof *threads; i++) {
        int t = threads[i];
        char path[] = "/tmp/ls_evlend_XXXXXX", bad[] = "/tmp/ls_evlend_XXXXXX";
        int fd = npy_of(syn, path, -1), fb = npy_of(syn, bad, 41);
        struct source *f = open_npy(path), *b = open_npy(bad), *copy = wrap(open_npy(path), ~0u, ~0u, ~0u);
        assert_int_equal(f->lend_concurrent, V >= 16384);
        struct eval_run *ref = run_with(copy, set, 2, 1, NULL, &err, &rc);
        assert_int_equal(rc, 0);
        struct eval_run *lent = run_with(f, set, 2, t, NULL, &err, &rc);
        assert_int_equal(rc, 0);
        assert_same_runs(ref, lent, 2);
        eval_run_free(lent);
        eval_run_free(ref);
        source_close(copy);
        assert_null(run_with(b, set, 2, t, NULL, &err, &rc));
        assert_int_equal(rc, LS_EDATA);
        assert_non_null(strstr(err.msg, "step 41: token 3: NaN logit"));
        assert_int_equal(ftruncate(fd, 128 + 50 * (off_t)V * 4), 0);   /* steps 50.. are gone */
        assert_null(run_with(f, set, 2, t, NULL, &err, &rc));
        assert_int_equal(rc, LS_EREAD);
        assert_non_null(strstr(err.msg, "file changed while reading"));
        source_close(f);
        source_close(b);
        close(fd);
        close(fb);
        unlink(path);
        unlink(bad);
    }
    source_close(syn);
}

static void test_lent_steps(void **state)
{
    (void)state;
    lent_steps(1024);
    lent_steps(16384);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweeps_agree),
        cmocka_unit_test(test_history_stages_agree),
        cmocka_unit_test(test_first_failure_in_step_order),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_lent_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
