/* test_topn.c: the chain on a top-N step (sampling/topn.h) against
 * hand-computed answers: the file's own p_raw, exact where the listed
 * tokens decide, bounds that contain the truth where the tail decides. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sampling/topn.h"
#include "sampling/draw.h"

#define V 6
/* legacy Completions: " Paris" -0.02, " Lyon" -4.1 (ids 1, 3); tail 1 - sum */
struct fx { struct chain_ws ws; struct chain_result r; struct chain ch; struct params p; float z[V]; double tail; int32_t rec; };

static void fx_init(struct fx *f, enum preset ps)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(chain_ws_init(&f->ws, V), 0);
    assert_int_equal(chain_result_init(&f->r, V), 0);
    chain_preset(&f->ch, ps);
    f->p = PARAMS_OFF;
    for (int i = 0; i < V; i++) f->z[i] = -INFINITY;
    f->z[1] = -0.02f;
    f->z[3] = -4.1f;
    f->tail = 1.0 - exp(-0.02) - exp(-4.1);
    f->rec = -1;
}

static void fx_run(struct fx *f)
{
    struct ls_error e = {0};
    assert_int_equal(topn_run(&f->ch, &f->p, f->z, V, f->tail, f->rec, 0, &f->ws, &f->r, &e), 0);
}

static void fx_free(struct fx *f)
{
    chain_ws_free(&f->ws);
    chain_result_free(&f->r);
}

static void test_raw_is_the_files(void **st)
{
    (void)st;
    struct fx f;
    fx_init(&f, PRESET_HF);
    fx_run(&f);
    assert_true(fabs(f.r.p_raw[1] - 0.980199) < 5e-7);        /* exp(-0.02), not renormalised */
    assert_true(f.r.topn.sparse && f.r.topn.exact);
    assert_int_equal(f.r.cut_by[0], CUT_UNLISTED);             /* unknown, never masked */
    double lo, hi;
    topn_p_bounds(&f.r, 1, &lo, &hi);
    /* T = 1, nothing cut: p = p_raw (up to the float32 the logit is kept in) */
    assert_true(lo == hi && fabs(lo - f.r.p_raw[1]) < 5e-9);
    topn_tail_bounds(&f.r, &lo, &hi);
    assert_true(fabs(lo - f.tail) < 1e-9 && fabs(hi - f.tail) < 1e-9);
    fx_free(&f);
}

/* The four classic knobs over every other parameter off (PARAMS_OFF):
 * a positional initializer would leave the newer samplers at 0, which for
 * some of them (typical-p, top-n-sigma) is not "off". */
static struct params knobs(double t, int32_t k, double p, double m)
{
    struct params r = PARAMS_OFF;
    r.temperature = t; r.top_k = k; r.top_p = p; r.min_p = m;
    return r;
}

static void test_exact_cases(void **st)
{
    (void)st;
    struct fx f;
    /* top-k 1 <= 2 listed; top-p crossing inside the list; min-p above the smallest listed */
    const struct params cases[] = { knobs(1.0, 1, 1.0, 0.0), knobs(0.7, 0, 0.9, 0.0), knobs(1.0, 0, 1.0, 0.05) };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fx_init(&f, PRESET_HF);
        f.p = cases[i];
        fx_run(&f);
        assert_true(f.r.topn.exact);
        assert_false(f.r.topn.tail_kept);
        assert_int_equal(f.r.n_kept, 1);
        assert_true(f.r.p[1] == 1.0 && f.r.topn.f_lo == 1.0 && f.r.topn.f_hi == 1.0);
        fx_free(&f);
    }
    /* llama.cpp order: top-k cuts the tail before temperature: exact */
    fx_init(&f, PRESET_LLAMACPP);
    f.p.top_k = 1;
    f.p.temperature = 0.5;
    fx_run(&f);
    assert_true(f.r.topn.exact);
    fx_free(&f);
}

static void test_bounded_cases(void **st)
{
    (void)st;
    struct fx f;
    /* top-k beyond the list, top-p into the tail, min-p below the smallest
     * listed and the tail (each unlisted token is at most both), temperature */
    const struct params cases[] = { knobs(1.0, 5, 1.0, 0.0), knobs(1.0, 0, 0.999, 0.0), knobs(1.0, 0, 1.0, 0.003),
                                    knobs(0.5, 0, 1.0, 0.0), knobs(2.0, 0, 1.0, 0.0) };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fx_init(&f, PRESET_HF);
        f.p = cases[i];
        fx_run(&f);
        assert_false(f.r.topn.exact);
        assert_true(f.r.topn.why[0] != 0);
        double lo, hi, tlo, thi;
        topn_p_bounds(&f.r, 1, &lo, &hi);
        topn_tail_bounds(&f.r, &tlo, &thi);
        assert_true(lo < hi && tlo < thi);
        /* the truth for one possible tail: all of it in one unknown token
         * (0.0032 is below Lyon's 0.0166, so that is allowed), which every
         * case keeps (min-p 0.003 too: its threshold is 0.00294) */
        double a = 1.0 / f.p.temperature, w1 = pow(exp((double)f.z[1]), a), w3 = pow(exp((double)f.z[3]), a);
        double wt = pow(f.tail, a);
        double truth = w1 / (w1 + w3 + wt);
        assert_true(truth >= lo - 1e-9 && truth <= hi + 1e-9);
        fx_free(&f);
    }
}

/* A step listing no token (TGI's null logprob without top_tokens): its
 * whole mass is the unknown tail; nothing is kept or drawn, the recorded
 * token's p is unknown, and no setting turns that into an error. Greedy
 * and top-k 1 included: they keep one unknown token, never none. */
static void test_nothing_listed(void **st)
{
    (void)st;
    struct fx f;
    const struct params cases[] = { knobs(1.0, 0, 1.0, 0.0), knobs(0.0, 0, 1.0, 0.0), knobs(0.7, 1, 0.5, 0.2) };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fx_init(&f, i == 2 ? PRESET_LLAMACPP : PRESET_HF);
        f.p = cases[i];
        f.z[1] = f.z[3] = -INFINITY;
        f.tail = 1.0;
        fx_run(&f);
        assert_true(f.r.topn.sparse && !f.r.topn.exact && f.r.topn.tail_kept);
        assert_int_equal(f.r.topn.n_listed, 0);
        assert_int_equal(f.r.n_kept, 0);
        assert_int_equal(f.r.n_stages, f.ch.n);
        assert_int_equal(f.r.cut_by[2], CUT_UNLISTED);
        assert_true(topn_p_unknown(&f.r, 2));
        double lo, hi;
        topn_tail_bounds(&f.r, &lo, &hi);
        assert_true(lo == 1.0 && hi == 1.0);
        double cum[V];
        struct draw_cdf d = draw_cdf_build(&f.r, cum);
        struct rng g;
        rng_seed(&g, 42);
        assert_int_equal(draw_token(&d, &g), -1);
        fx_free(&f);
    }
    /* a listed step is not unknown: Lyon is listed, an unlisted id is */
    fx_init(&f, PRESET_HF);
    fx_run(&f);
    assert_false(topn_p_unknown(&f.r, 3));
    assert_true(topn_p_unknown(&f.r, 0));
    fx_free(&f);
}

/* Epsilon: Paris (0.98) passes for every tail, Lyon (0.0166) fails at
 * 0.05 for every tail, and an unlisted token (at most 0.0166) too. */
static void test_epsilon(void **st)
{
    (void)st;
    struct fx f;
    fx_init(&f, PRESET_HF);
    f.p.epsilon = 0.05;
    fx_run(&f);
    assert_true(f.r.topn.exact);
    assert_int_equal(f.r.n_kept, 1);
    assert_int_equal(f.r.kept[0], 1);
    assert_false(f.r.topn.tail_kept);
    /* 0.003: Lyon passes at every tail weight, an unlisted token (at most
     * the tail, 0.0032) may pass as well: bounded, the tail kept in part;
     * at 0.015 no unlisted token can pass: exact */
    f.p.epsilon = 0.015;
    fx_run(&f);
    assert_true(f.r.topn.exact);
    assert_false(f.r.topn.tail_kept);
    f.p.epsilon = 0.003;
    fx_run(&f);
    assert_false(f.r.topn.exact);
    assert_int_equal(f.r.n_kept, 2);
    assert_true(f.r.topn.tail_kept);
    assert_non_null(strstr(f.r.topn.why, "epsilon"));
    assert_int_equal(f.r.topn.open_stages, 0);
    fx_free(&f);
}

/* The stages a top-N step cannot decide: unknown, flagged, nothing cut by
 * them, and every later stage unknown too; final p only in [0, 1]. */
static void test_open_stages(void **st)
{
    (void)st;
    const char *chains[] = { "typical,top-k", "top-n-sigma,top-k", "eta,top-k", "xtc,top-k", "mirostat,top-k" };
    for (size_t i = 0; i < sizeof chains / sizeof *chains; i++) {
        struct fx f;
        struct ls_error e = {0};
        fx_init(&f, PRESET_HF);
        assert_int_equal(chain_parse(chains[i], &f.ch, &e), 0);
        f.p.typical_p = 0.5;
        f.p.top_n_sigma = 1.0;
        f.p.eta = 0.01;
        f.p.xtc_probability = 1.0;
        f.p.mirostat = 2;
        f.p.top_k = 1;
        fx_run(&f);
        assert_false(f.r.topn.exact);
        assert_int_equal(f.r.topn.open_stages, 3u);           /* the stage and top-k after it */
        assert_non_null(strstr(f.r.topn.why, "unknown on a top-N step"));
        assert_int_equal(f.r.n_kept, 2);                        /* nothing cut */
        assert_true(f.r.topn.tail_kept);
        double lo, hi;
        topn_p_bounds(&f.r, 1, &lo, &hi);
        assert_true(lo == 0 && hi == 1);
        assert_true(f.r.topn.retained_lo == 0);
        fx_free(&f);
    }
}

/* Penalties and DRY change nothing without history: exact; with history
 * they are unknown. A system chain runs exactly on a top-N step. */
static void test_penalties_history(void **st)
{
    (void)st;
    struct fx f;
    struct ls_error e = {0};
    fx_init(&f, PRESET_LLAMACPP);
    f.p.repeat_penalty = 1.3;
    f.p.top_k = 1;
    fx_run(&f);
    assert_true(f.r.topn.exact);
    assert_true(f.r.exact);                                     /* not the float32 emulation */
    assert_int_equal(f.r.n_kept, 1);
    int32_t hist[2] = { 1, 3 };
    chain_ws_set_context(&f.ws, hist, 2, 0, 2, 0);
    fx_run(&f);
    assert_false(f.r.topn.exact);
    assert_true(f.r.topn.open_stages != 0);
    assert_non_null(strstr(f.r.topn.why, "penalties"));
    struct chain ce;
    topn_chain(&f.ch, 1, &ce);
    assert_true(chain_is_exact(&ce));
    topn_chain(&f.ch, 0, &ce);
    assert_false(chain_is_exact(&ce));
    (void)e;
    fx_free(&f);
}

/* The recorded token listed outside the top-N list (id 5 at -8, below
 * -0.5 and -2): it bounds nothing. min-p 0.1 (threshold 0.061) may keep
 * unlisted tokens up to exp(-2) = 0.135, not only those below exp(-8);
 * top-k 3 may keep an unlisted token instead of it; top-k 2 is exact. */
static void test_recorded_outlier(void **st)
{
    (void)st;
    struct fx f;
    fx_init(&f, PRESET_HF);
    f.z[1] = -0.5f;
    f.z[3] = -2.0f;
    f.z[5] = -8.0f;
    f.rec = 5;
    f.tail = 1 - exp(-0.5) - exp(-2.0) - exp(-8.0);
    f.p.min_p = 0.1;
    fx_run(&f);
    assert_true(f.r.topn.tail_kept);                 /* was "cut" with the cap at exp(-8) */
    assert_int_equal(f.r.cut_by[5], CUT_STAGE0 + 4); /* hf: T, k, p, min-p */
    f.p.min_p = 0;
    f.p.top_k = 3;
    fx_run(&f);
    assert_false(f.r.topn.exact);
    assert_non_null(strstr(f.r.topn.why, "recorded token, listed last, may lie outside"));
    assert_true(f.r.topn.tail_kept);
    f.p.top_k = 2;
    fx_run(&f);
    assert_true(f.r.topn.exact);
    assert_int_equal(f.r.n_kept, 2);
    assert_false(f.r.topn.tail_kept);
    /* not the recorded token: an ordinary third listed token */
    f.rec = -1;
    f.p.top_k = 3;
    fx_run(&f);
    assert_true(f.r.topn.exact);
    assert_int_equal(f.r.n_kept, 3);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_is_the_files),
        cmocka_unit_test(test_exact_cases),
        cmocka_unit_test(test_bounded_cases),
        cmocka_unit_test(test_nothing_listed),
        cmocka_unit_test(test_epsilon),
        cmocka_unit_test(test_open_stages),
        cmocka_unit_test(test_penalties_history),
        cmocka_unit_test(test_recorded_outlier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
