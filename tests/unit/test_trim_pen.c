/* test_trim_pen.c: the system emulation's shortcuts for a first cut after
 * penalties (emu_trim_pen.c: HF and vLLM, penalties then a plain
 * temperature or none, then a top-k or min-p; llama.cpp, penalties then
 * DRY or not, then a top-k) and what follows them on the
 * few survivors, against the whole-array path (chain_ws.reference = 1):
 * the same result to the bit: kept set, p, cut_by, every stage's counts,
 * masses and decided flags, notes, entropy and retained mass. Cases: every
 * preset, small top-k (1 to 40) with every later stage on, min-p first
 * (vLLM's order), temperatures, penalties that lower and that raise,
 * frequency and presence penalties, long histories with repeats, ties and
 * plateaus at the k-th value, history tokens at the top, a logit bias
 * first (the whole array: the accounting of its cuts over many candidates,
 * emu_lazy.c), and the vocabulary sizes that take the shortcut and those
 * that do not. A case that should
 * take it must (chain_result.cut_n: a trim's survivors remembered). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/chain.h"
#include "base/rng.h"
#include "chain_cmp.h"

#define BIG 262144
#define NHMAX 2000

/* Zipf-like logits with noise; shape 1: a plateau of equal values around
 * the 10th best, 2: the history's tokens on top, 3: few distinct values,
 * 4: the last history token alone on top */
static void make_step(struct rng *g, float *z, uint32_t V, int shape, const int32_t *hist, uint32_t nh)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        z[i] = (float)(-1.1 * log(1 + u * V) + 3 * w);
        if (shape == 3) z[i] = (float)floor(z[i] * 2) / 2;
    }
    if (shape == 1) {
        float lvl = -1.0f;
        for (uint32_t i = 0; i < 24; i++) z[(i * 7907u) % V] = lvl;
        for (uint32_t i = 0; i < V; i++) if (z[i] > lvl + 0.5f) z[i] = lvl + 0.5f + (float)(i % 9) * 0.25f;
    }
    if (shape == 2) for (uint32_t t = 0; t < nh; t++) z[hist[t]] = 6.0f + (float)(t % 5) * 0.5f;
    if (shape == 4 && nh > 0) { /* the last token on top, alone */
        float mx = z[0];
        for (uint32_t i = 1; i < V; i++) if (z[i] > mx) mx = z[i];
        z[hist[nh - 1]] = mx + 0.5f;
    }
}

/* a history: ids among the best of the step and elsewhere, with repeats */
static uint32_t make_hist(struct rng *g, int32_t *hist, uint32_t V, int kind)
{
    static const uint32_t lens[4] = { 0, 1, 48, NHMAX };
    uint32_t n = lens[kind];
    for (uint32_t t = 0; t < n; t++) {
        uint32_t r = (uint32_t)(rng_uniform(g) * V);
        hist[t] = t % 3 == 0 ? (int32_t)(r % 97) : t % 3 == 1 ? hist[t / 2] : (int32_t)r;
    }
    return n;
}

struct pcase { enum preset ps; struct params p; };

/* every later stage on (the explorer's "all stages" keys) */
static struct params all_stages(int k, double T)
{
    struct params p = PARAMS_OFF;
    p.temperature = T; p.top_k = k; p.top_p = 0.99; p.min_p = 0.05; p.min_keep = 1;
    p.epsilon = 0.05; p.eta = 0.01; p.xtc_probability = 0.05; p.xtc_threshold = 0.1;
    p.repeat_penalty = 1.1; p.presence_penalty = 0.1; p.repeat_last_n = 64;
    p.dry_multiplier = 0.05; p.dry_base = 1.85; p.dry_allowed_length = 2; p.dry_last_n = 9;
    return p;
}

static void run_both(const struct chain *c, const struct params *p, const float *z, uint32_t V,
                     struct chain_ws *ws, struct chain_result *a, struct chain_result *b, int want)
{
    struct ls_error e = {0};
    ws->want = want;
    ws->reference = 1;
    assert_int_equal(chain_run(c, p, z, V, ws, b, &e), 0);
    ws->reference = 0;
    assert_int_equal(chain_run(c, p, z, V, ws, a, &e), 0);
    ws->want = CHAIN_WANT_ALL;
    chain_cmp(a, b, want == CHAIN_WANT_ALL ? CMP_MASSES | CMP_SCORES : 0);
}

/* the shortcut applies: HF or vLLM rules, penalties first, a top-k or a
 * min-p next (after a plain temperature), V large enough to sample, the
 * survivors few (the trim remembers up to CHAIN_CUT_IDS) */
static int expect_trim(enum preset ps, const struct params *p, uint32_t V)
{
    if (p->bias.n > 0) return 0;
    if (p->repeat_penalty == 1.0 && p->presence_penalty == 0 && p->frequency_penalty == 0) return 0;
    if (ps == PRESET_LLAMACPP) return p->top_k > 0 && (uint32_t)p->top_k < V; /* then DRY, then emu_trim's top-k */
    if (ps == PRESET_CUSTOM || V < 16384 || p->min_keep > 1) return 0;
    if (ps == PRESET_VLLM && (p->presence_penalty < 0 || p->frequency_penalty < 0)) return 0;
    return ps == PRESET_VLLM ? p->min_p > 0 || p->top_k > 0 : p->top_k > 0 && p->top_k <= 40;
}

/* the survivors of the first stage that cut (the trimmed one) */
static uint32_t first_cut_out(const struct chain_result *a)
{
    for (int k = 0; k < a->n_stages; k++)
        if (a->stages[k].kept_out < a->stages[k].kept_in) return a->stages[k].kept_out;
    return a->V;
}

/* one step through every mode; 1 when the shortcut ran (for CHAIN_WANT_ALL) */
static int one_case(struct rng *g, uint32_t V, int shape, int hk, const struct pcase *pc, int32_t *hist, float *z,
                    struct chain_ws *ws, struct chain_result *a, struct chain_result *b)
{
    struct chain c;
    int took = 0;
    chain_preset(&c, pc->ps);
    if (pc->ps == PRESET_CUSTOM) { chain_preset(&c, PRESET_HF); c.exact = 1; }
    uint32_t nh = make_hist(g, hist, V, hk);
    make_step(g, z, V, shape, hist, nh);
    chain_ws_set_context(ws, hist, nh, nh / 3, nh, 7);
    for (int want = CHAIN_WANT_ALL; want <= CHAIN_WANT_SCORES; want++) {
        run_both(&c, &pc->p, z, V, ws, a, b, want);
        if (want == CHAIN_WANT_ALL) took = a->cut_n > 0;
    }
    return took;
}

static void run_cases(uint32_t V, int n_cases, uint64_t seed, int *trimmed, int *expected)
{
    struct chain_ws ws;
    struct chain_result a, b;
    assert_int_equal(chain_ws_init(&ws, V), 0);
    assert_int_equal(chain_result_init(&a, V), 0);
    assert_int_equal(chain_result_init(&b, V), 0);
    float *z = malloc(V * sizeof *z);
    int32_t *hist = malloc(NHMAX * sizeof *hist);
    struct rng g;
    rng_seed(&g, seed);
    static const enum preset pss[4] = { PRESET_HF, PRESET_VLLM, PRESET_LLAMACPP, PRESET_CUSTOM };
    static const int ks[6] = { 1, 2, 3, 10, 40, 0 };
    static const double Ts[4] = { 1.0, 1.05, 0.7, 1.9 };
    for (int t = 0; t < n_cases; t++) {
        struct pcase pc;
        pc.ps = pss[t % 4];
        pc.p = all_stages(ks[(t / 4) % 6], Ts[(t / 24) % 4]);
        int v = (int)(rng_uniform(&g) * 8);
        if (v == 1) pc.p.repeat_penalty = 0.8;               /* raises the history's logits */
        if (v == 2) pc.p.frequency_penalty = 0.4, pc.p.min_p = 0.2;
        if (v == 3) pc.p.presence_penalty = -0.3;            /* vLLM: not taken (a -0.0 logit) */
        if (v == 4) pc.p.min_keep = 3;
        if (v == 5) pc.p.min_p = 0.0;
        if (v == 6) pc.p.top_k = 0, pc.p.min_p = 0.3;       /* a min-p first for HF too: not taken */
        if (v == 7) { /* a bias first: the whole array, its cuts' accounting over many (emu_lazy.c) */
            pc.p.bias.n = 2;
            pc.p.bias.id[0] = 3, pc.p.bias.v[0] = 0.5;
            pc.p.bias.id[1] = 4, pc.p.bias.v[1] = -INFINITY;
        }
        int shape = (int)(rng_uniform(&g) * 4), hk = 1 + (int)(rng_uniform(&g) * 3);
        if (t % 17 == 0) hk = 0;                             /* no history: the note */
        int took = one_case(&g, V, shape, hk, &pc, hist, z, &ws, &a, &b);
        if (expect_trim(pc.ps, &pc.p, V) && first_cut_out(&a) <= CHAIN_CUT_IDS && shape != 3) {
            (*expected)++;
            *trimmed += took;
            if (!took)
                fprintf(stderr, "case %d: preset %d k %d T %g v %d shape %d: not trimmed\n", t, (int)pc.ps,
                        pc.p.top_k, pc.p.temperature, v, shape);
        }
    }
    free(z);
    free(hist);
    chain_ws_free(&ws);
    chain_result_free(&a);
    chain_result_free(&b);
}

static void test_big_vocabulary(void **st)
{
    (void)st;
    int trimmed = 0, expected = 0;
    run_cases(BIG, 96, 91, &trimmed, &expected);
    fprintf(stderr, "V %d: %d of the %d cases expected to took the shortcut (a sample may miss)\n", BIG, trimmed,
            expected);
    assert_true(expected > 15);
    assert_true(trimmed * 10 >= expected * 8); /* the shortcut is the usual path */
}

static void test_mid_and_small_vocabularies(void **st)
{
    (void)st;
    int trimmed = 0, expected = 0;
    run_cases(40000, 96, 92, &trimmed, &expected);
    assert_true(trimmed * 10 >= expected * 8);
    run_cases(5000, 48, 93, &trimmed, &expected); /* too small to sample: the whole array (llama.cpp's trims) */
    run_cases(37, 48, 94, &trimmed, &expected);
}

/* a workspace and two results for V = BIG, and their release */
static float *big_open(struct chain_ws *ws, struct chain_result *a, struct chain_result *b)
{
    assert_int_equal(chain_ws_init(ws, BIG), 0);
    assert_int_equal(chain_result_init(a, BIG), 0);
    assert_int_equal(chain_result_init(b, BIG), 0);
    return malloc(BIG * sizeof(float));
}

static void big_close(float *z, struct chain_ws *ws, struct chain_result *a, struct chain_result *b)
{
    free(z);
    chain_ws_free(ws);
    chain_result_free(a);
    chain_result_free(b);
}

/* the explorer's keys from the issue: one step, every preset */
static void test_issue_keys(void **st)
{
    (void)st;
    struct chain_ws ws;
    struct chain_result a, b;
    float *z = big_open(&ws, &a, &b);
    int32_t hist[48];
    struct rng g;
    rng_seed(&g, 95);
    for (int i = 0; i < 48; i++) hist[i] = (int32_t)((i * 7919) % 64 + (i % 5) * 1000);
    chain_ws_set_context(&ws, hist, 48, 0, 48, 1);
    static const int ks[3] = { 10, 2, 0 };
    for (int shape = 0; shape <= 4; shape += 2) { /* 2, 4: the history on top, raised above the raw maximum */
        make_step(&g, z, BIG, shape, hist, 48);
        for (int ps = PRESET_HF; ps <= PRESET_VLLM; ps++)
            for (int j = 0; j < 6; j++) {
                struct chain c;
                chain_preset(&c, (enum preset)ps);
                struct params p = all_stages(ks[j % 3], 1.05);
                if (j >= 3) p.repeat_penalty = 0.8;
                run_both(&c, &p, z, BIG, &ws, &a, &b, CHAIN_WANT_ALL);
                if (ks[j % 3] > 0 && j < 3) assert_true(a.cut_n > 0); /* the shortcut ran */
            }
    }
    big_close(z, &ws, &a, &b);
}

/* HF's min-p keeps min-keep tokens by torch's stable descending argsort:
 * among tokens tied at the min-keep-th logit, the first positions (min_p.c
 * picks them by selection, without sorting the array) */
static void test_hf_min_p_min_keep_ties(void **st)
{
    (void)st;
    static const float z[8] = { 5, 1, 1, 1, 0, 0, 1, 0 };
    struct chain c;
    chain_preset(&c, PRESET_HF);
    struct params p = PARAMS_OFF;
    p.min_p = 0.9;
    p.epsilon = 1e-12; /* (cuts nothing: a stage without a fast path, so the system emulation runs) */
    struct chain_ws ws;
    struct chain_result r;
    struct ls_error e = {0};
    assert_int_equal(chain_ws_init(&ws, 8), 0);
    assert_int_equal(chain_result_init(&r, 8), 0);
    static const int32_t want[3][4] = { { 0 }, { 0, 1, 2 }, { 0, 1, 2, 3 } };
    static const int32_t mks[3] = { 1, 3, 4 };
    for (int t = 0; t < 3; t++) {
        p.min_keep = mks[t];
        assert_int_equal(chain_run(&c, &p, z, 8, &ws, &r, &e), 0);
        assert_int_equal(r.n_kept, (uint32_t)mks[t]);
        for (int j = 0; j < mks[t]; j++) assert_int_equal(r.kept[j], want[t][j]);
    }
    chain_ws_free(&ws);
    chain_result_free(&r);
}

/* vLLM's min-p first (after penalties) with tokens on the float32 grid
 * around its boundary max + ln(min_p): torch's float ratio test decides
 * some of them otherwise than the exact one (DECIDED_F32): the shortcut
 * must give way to the whole array there, never guess */
static void test_min_p_boundary(void **st)
{
    (void)st;
    struct chain_ws ws;
    struct chain_result a, b;
    float *z = big_open(&ws, &a, &b);
    int32_t hist[8] = { 1000, 1001, 1002, 1000, 1003, 1004, 1005, 1001 };
    struct rng g;
    rng_seed(&g, 96);
    struct chain c;
    chain_preset(&c, PRESET_VLLM);
    static const double mps[6] = { 0.25, 0.1, 0.05, 0.3, 0.7, 0.02 };
    int f32 = 0;
    for (int t = 0; t < 6; t++) {
        for (uint32_t i = 0; i < BIG; i++) z[i] = (float)(-6.0 - 4.0 * rng_uniform(&g));
        z[0] = 2.0f;
        float at = (float)(2.0 + log(mps[t]));
        for (int k = -20; k <= 20; k++) { /* k ulps from the boundary */
            float v = at;
            for (int j = 0; j < (k < 0 ? -k : k); j++) v = nextafterf(v, k < 0 ? -INFINITY : INFINITY);
            z[100 + k + 20] = v;
        }
        struct params p = all_stages(10, 1.0);
        p.min_p = mps[t];
        chain_ws_set_context(&ws, hist, 8, 0, 8, 3);
        run_both(&c, &p, z, BIG, &ws, &a, &b, CHAIN_WANT_ALL);
        f32 += (b.decided & DECIDED_F32) != 0;
    }
    assert_true(f32 > 0); /* the case is a real one */
    big_close(z, &ws, &a, &b);
}

/* A stage over many candidates that tie order decides (llama.cpp's top-k
 * among equal logits, after a bias: the whole array): its accounting from
 * estimates (emu_lazy.c) flags the tie as the libm weights do */
static void test_lazy_tie(void **st)
{
    (void)st;
    struct chain_ws ws;
    struct chain_result a, b;
    float *z = big_open(&ws, &a, &b);
    struct rng g;
    rng_seed(&g, 97);
    for (uint32_t i = 0; i < BIG; i++) z[i] = (float)(-6.0 - 4.0 * rng_uniform(&g));
    for (uint32_t i = 0; i < 30; i++) z[1000 + 977 * i] = 3.0f;
    chain_ws_set_context(&ws, NULL, 0, 0, 0, 3);
    for (int ps = PRESET_HF; ps <= PRESET_VLLM; ps++) {
        struct chain c;
        chain_preset(&c, (enum preset)ps);
        struct params p = PARAMS_OFF;
        p.top_k = 10;
        p.epsilon = 1e-12; /* (no fast path for HF) */
        p.bias.n = 1, p.bias.id[0] = 5, p.bias.v[0] = 0.25;
        run_both(&c, &p, z, BIG, &ws, &a, &b, CHAIN_WANT_ALL);
        if (ps == PRESET_LLAMACPP) assert_true(a.decided & DECIDED_TIE);
    }
    big_close(z, &ws, &a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hf_min_p_min_keep_ties),
        cmocka_unit_test(test_issue_keys),
        cmocka_unit_test(test_min_p_boundary),
        cmocka_unit_test(test_lazy_tie),
        cmocka_unit_test(test_big_vocabulary),
        cmocka_unit_test(test_mid_and_small_vocabularies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
