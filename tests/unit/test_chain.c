/* test_chain.c: the sampling engine (core/chain.h) against hand-computed
 * answers and a naive full-sort reference implementation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/chain.h"
#include "base/rng.h"
#include "sampling/draw.h"
#include "sampling/topn.h"
#include "sampling/presets.h"

#include "chain_fx.h"

/* these tests pin the exact reference; test_exactness.c the systems */
static struct fx *fx_new(uint32_t V, enum preset ps) { return fx_new_mode(V, ps, 1); }

static double sum_p(const struct fx *f, const double *p)
{
    double s = 0;
    for (uint32_t i = 0; i < f->V; i++) s += p[i];
    (void)f;
    return s;
}

static float *random_logits(uint32_t V, uint64_t seed, double scale)
{
    struct rng g;
    rng_seed(&g, seed);
    float *z = malloc(V * sizeof *z);
    for (uint32_t i = 0; i < V; i++) z[i] = (float)((rng_uniform(&g) * 2 - 1) * scale);
    return z;
}

static void test_sums_to_one(void **state)
{
    (void)state;
    struct fx *f = fx_new(1000, PRESET_HF);
    float *z = random_logits(1000, 1, 8);
    f->p.temperature = 0.7; f->p.top_p = 0.9; f->p.top_k = 100; f->p.min_p = 0.01;
    run(f, z);
    assert_true(fabs(sum_p(f, f->r.p_raw) - 1) < 1e-9);
    assert_true(fabs(sum_p(f, f->r.p) - 1) < 1e-9);
    free(z);
    fx_free(f);
}

static void test_order_preserved(void **state)
{
    (void)state;
    struct fx *f = fx_new(500, PRESET_HF);
    float *z = random_logits(500, 2, 5);
    f->p.temperature = 1.7;
    run(f, z);
    for (uint32_t i = 0; i < 500; i++)
        for (uint32_t j = 0; j < 500; j++)
            if (z[i] > z[j]) { assert_true(f->r.p_raw[i] >= f->r.p_raw[j]); assert_true(f->r.p[i] >= f->r.p[j]); }
    free(z);
    fx_free(f);
}

static void test_shift_invariant_scale_not(void **state)
{
    (void)state;
    struct fx *f = fx_new(4, PRESET_HF);
    float a[4] = {1, 2, 3, 0.5f}, b[4], c[4];
    for (int i = 0; i < 4; i++) { b[i] = a[i] + 100; c[i] = a[i] * 2; }
    double pa[4], pb[4];
    run(f, a); memcpy(pa, f->r.p, sizeof pa);
    run(f, b); memcpy(pb, f->r.p, sizeof pb);
    for (int i = 0; i < 4; i++) assert_true(fabs(pa[i] - pb[i]) < 1e-12);
    run(f, c);
    assert_true(fabs(pa[2] - f->r.p[2]) > 0.05); /* scaling sharpens */
    fx_free(f);
}

static void test_temperature_divides(void **state)
{
    (void)state;
    struct fx *f = fx_new(3, PRESET_HF);
    float z[3] = {1, 2, 3}, zt[3] = {2, 4, 6};
    f->p.temperature = 0.5;
    run(f, z);
    double p0 = f->r.p[0], p2 = f->r.p[2];
    f->p.temperature = 1;
    run(f, zt);
    assert_true(fabs(p0 - f->r.p[0]) < 1e-12);
    assert_true(fabs(p2 - f->r.p[2]) < 1e-12);
    fx_free(f);
}

static void test_greedy(void **state)
{
    (void)state;
    struct fx *f = fx_new(5, PRESET_HF);
    float z[5] = {1, 4, 2, 4, 3}; /* tie at ids 1 and 3: first maximum wins */
    f->p.temperature = 0;
    run(f, z);
    assert_int_equal(f->r.n_kept, 1);
    assert_int_equal(f->r.kept[0], 1);
    assert_true(f->r.p[1] == 1.0);
    assert_true(f->r.greedy);
    /* T -> 0 approaches the argmax */
    float y[3] = {1, 3, 2.9f};
    struct fx *g = fx_new(3, PRESET_HF);
    g->p.temperature = 1e-3;
    run(g, y);
    assert_true(g->r.p[1] > 1 - 1e-12);
    g->p.temperature = 0.05;
    run(g, y);
    assert_true(g->r.p[1] > 0.8 && g->r.p[1] < 1);
    fx_free(g);
    /* greedy in llama.cpp order (temperature last) still picks the argmax */
    chain_preset(&f->ch, PRESET_LLAMACPP);
    f->ch.exact = 1;
    f->p.top_k = 3;
    run(f, z);
    assert_int_equal(f->r.n_kept, 1);
    assert_int_equal(f->r.kept[0], 1);
    fx_free(f);
}

static void test_extreme_logits(void **state)
{
    (void)state;
    struct fx *f = fx_new(4, PRESET_HF);
    float z[4] = {1e30f, -1e30f, 0, -INFINITY};
    run(f, z);
    assert_true(f->r.p[0] == 1.0);
    assert_true(f->r.p[1] == 0.0 && f->r.p[2] == 0.0 && f->r.p[3] == 0.0);
    assert_true(isfinite(f->r.entropy_before) && f->r.entropy_before == 0.0);
    float w[4] = {1000, 1000, -1000, -1000};
    run(f, w);
    assert_true(f->r.p[0] == 0.5 && f->r.p[1] == 0.5);
    assert_true(fabs(f->r.entropy_before - log(2)) < 1e-12);
    assert_int_equal(f->r.n_neginf, 0);
    fx_free(f);
}

static void test_nonfinite_masked(void **state)
{
    (void)state;
    struct fx *f = fx_new(4, PRESET_HF);
    float z[4] = {NAN, 1, INFINITY, -INFINITY};
    run(f, z);
    assert_int_equal(f->r.n_nan, 1);
    assert_int_equal(f->r.n_posinf, 1);
    assert_int_equal(f->r.n_neginf, 1);
    assert_int_equal(f->r.n_kept, 1);
    assert_true(f->r.p[1] == 1.0);
    assert_int_equal(f->r.cut_by[0], CUT_MASKED);
    float all[4] = {-INFINITY, -INFINITY, NAN, -INFINITY};
    struct ls_error e = {0};
    assert_int_equal(chain_run(&f->ch, &f->p, all, 4, &f->ws, &f->r, &e), LS_EDATA);
    fx_free(f);
}

static void test_top_p_crossing(void **state)
{
    (void)state;
    struct fx *f = fx_new(3, PRESET_HF);
    float z[3] = {(float)log(0.5), (float)log(0.3), (float)log(0.2)};
    f->p.top_p = 0.6; /* 0.5 < 0.6: the 0.3 token crosses and stays */
    run(f, z);
    assert_int_equal(f->r.n_kept, 2);
    assert_int_equal(f->r.cut_by[2], CUT_STAGE0 + 4); /* hf: logit-bias, penalties, temperature, top-k, top-p */
    f->p.top_p = 0.5; /* mass exactly p after the first token: stop there */
    run(f, z);
    assert_int_equal(f->r.n_kept, 1);
    f->p.top_p = 0.81;
    run(f, z);
    assert_int_equal(f->r.n_kept, 3);
    f->p.top_p = 0.0; /* keeps the top token */
    run(f, z);
    assert_int_equal(f->r.n_kept, 1);
    /* equal probabilities: 0.25 + 0.25 reaches 0.5 exactly, lower ids first */
    struct fx *g = fx_new(4, PRESET_HF);
    float u[4] = {0, 0, 0, 0};
    g->p.top_p = 0.5;
    run(g, u);
    assert_int_equal(g->r.n_kept, 2);
    assert_int_equal(g->r.kept[0], 0);
    assert_int_equal(g->r.kept[1], 1);
    fx_free(g);
    fx_free(f);
}

static void test_top_k_ties(void **state)
{
    (void)state;
    float z[6] = {2, 3, 2, 1, 2, 0};
    struct fx *hf = fx_new(6, PRESET_HF), *ll = fx_new(6, PRESET_LLAMACPP), *vl = fx_new(6, PRESET_VLLM);
    hf->p.top_k = ll->p.top_k = vl->p.top_k = 2;
    run(hf, z); run(ll, z); run(vl, z);
    assert_int_equal(hf->r.n_kept, 4); /* 3 and every token tied with the 2nd value */
    assert_int_equal(vl->r.n_kept, 4);
    assert_int_equal(ll->r.n_kept, 2); /* exactly k: id 1, then the lowest tied id 0 */
    assert_int_equal(ll->r.kept[0], 0);
    assert_int_equal(ll->r.kept[1], 1);
    assert_int_equal(ll->r.cut_by[2], CUT_STAGE0 + 4); /* llama.cpp: logit-bias, penalties, dry, top-n-sigma, top-k */
    fx_free(hf); fx_free(ll); fx_free(vl);
}

static void test_min_p(void **state)
{
    (void)state;
    struct fx *f = fx_new(4, PRESET_HF);
    float z[4] = {0, (float)log(0.5), (float)log(0.11), (float)log(0.09)};
    f->p.min_p = 0.1; /* keep p >= 0.1 * p_max: ratios 1, 0.5, 0.11 kept, 0.09 cut */
    run(f, z);
    assert_int_equal(f->r.n_kept, 3);
    assert_int_equal(f->r.cut_by[3], CUT_STAGE0 + 5); /* hf: ..., top-p, min-p */
    /* after temperature T, min-p with base m equals base m^T at T = 1 */
    f->p.temperature = 2.0;
    f->p.min_p = 0.1;
    run(f, z);
    assert_int_equal(f->r.n_kept, 4); /* 0.09^(1/2) = 0.3 >= 0.1 */
    /* min_p = 1 keeps only the maxima */
    f->p.temperature = 1; f->p.min_p = 1;
    run(f, z);
    assert_int_equal(f->r.n_kept, 1);
    fx_free(f);
}

static void test_chain_order_matters(void **state)
{
    (void)state;
    /* T=0.6 then top-p 0.9 (hf) keeps fewer than top-p at T=1 then T (llama.cpp) */
    float z[4] = {3.5f, 2.7f, 1.5f, 1.0f};
    struct fx *hf = fx_new(4, PRESET_HF), *ll = fx_new(4, PRESET_LLAMACPP);
    hf->p.temperature = ll->p.temperature = 0.6;
    hf->p.top_p = ll->p.top_p = 0.9;
    run(hf, z); run(ll, z);
    assert_int_equal(hf->r.n_kept, 2);
    assert_int_equal(ll->r.n_kept, 3);
    fx_free(hf); fx_free(ll);
}

static void test_vllm_temperature_rules(void **state)
{
    (void)state;
    struct fx *f = fx_new(3, PRESET_VLLM);
    float z[3] = {1, 1.01f, 0};
    f->p.temperature = 0.005; /* raised to 0.01 */
    run(f, z);
    assert_true(f->r.effective_temperature == 0.01);
    assert_true(f->r.note[0] != 0);
    f->p.temperature = 5e-6;  /* raised to 0.01 first, so not greedy (issue 11) */
    run(f, z);
    assert_false(f->r.greedy);
    assert_true(f->r.effective_temperature == 0.01);
    f->p.temperature = 0;     /* only T = 0 is greedy */
    run(f, z);
    assert_true(f->r.greedy);
    assert_int_equal(f->r.n_kept, 1);
    fx_free(f);
}

static void test_stage_reports(void **state)
{
    (void)state;
    struct fx *f = fx_new(1000, PRESET_HF);
    float *z = random_logits(1000, 3, 6);
    f->p.top_k = 50; f->p.top_p = 0.8;
    run(f, z);
    assert_int_equal(f->r.stages[3].kept_in, 1000); /* hf: logit-bias, penalties, temperature, top-k, top-p */
    assert_int_equal(f->r.stages[3].kept_out, 50);
    assert_int_equal(f->r.stages[4].kept_in, 50);
    assert_int_equal(f->r.stages[4].kept_out, f->r.n_kept);
    /* raw mass removed by all stages + retained = 1 */
    double removed = 0;
    for (int i = 0; i < f->r.n_stages; i++) removed += f->r.stages[i].raw_mass_removed;
    assert_true(fabs(removed + f->r.retained_mass - 1) < 1e-9);
    /* every cut token is labelled, every kept one is not */
    uint32_t cut = 0;
    for (uint32_t i = 0; i < 1000; i++) cut += f->r.cut_by[i] != CUT_NONE;
    assert_int_equal(cut + f->r.n_kept, 1000);
    free(z);
    fx_free(f);
}

/* Naive reference: full sort, then the textbook rules. */
static int g_cmp_dir;
static const double *g_vals;
static int cmp_idx(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (g_vals[x] != g_vals[y]) return g_vals[x] > g_vals[y] ? -1 : 1;
    return x < y ? -1 : 1;
    (void)g_cmp_dir;
}

static uint32_t naive_top_p(const float *z, uint32_t V, double T, double p, uint8_t *keep)
{
    double *w = malloc(V * sizeof *w), m = -INFINITY, s = 0;
    int32_t *idx = malloc(V * sizeof *idx);
    for (uint32_t i = 0; i < V; i++) { w[i] = z[i] / T; if (w[i] > m) m = w[i]; idx[i] = (int32_t)i; }
    for (uint32_t i = 0; i < V; i++) s += exp(w[i] - m);
    g_vals = w;
    qsort(idx, V, sizeof *idx, cmp_idx);
    memset(keep, 0, V);
    double cum = 0;
    uint32_t n = 0;
    for (uint32_t j = 0; j < V; j++) {
        keep[idx[j]] = 1; n++;
        cum += exp(w[idx[j]] - m) / s;
        if (cum >= p - 1e-12) break;
    }
    free(w); free(idx);
    return n;
}

static void test_top_p_matches_naive(void **state)
{
    (void)state;
    uint32_t V = 20000;
    struct fx *f = fx_new(V, PRESET_HF);
    uint8_t *keep = malloc(V);
    for (int trial = 0; trial < 30; trial++) {
        float *z = random_logits(V, 100 + (uint64_t)trial, 1 + trial);
        if (trial % 5 == 0) for (uint32_t i = 0; i < V; i += 7) z[i] = z[0]; /* many ties */
        double p = 0.05 + 0.9 * (trial / 30.0);
        f->p.temperature = 0.5 + trial * 0.05;
        f->p.top_p = p;
        run(f, z);
        uint32_t n = naive_top_p(z, V, f->p.temperature, p, keep);
        assert_int_equal(f->r.n_kept, n);
        for (uint32_t i = 0; i < V; i++) assert_int_equal(f->r.cut_by[i] == CUT_NONE, keep[i]);
        free(z);
    }
    free(keep);
    fx_free(f);
}

static void test_top_k_matches_naive(void **state)
{
    (void)state;
    uint32_t V = 5000;
    struct fx *f = fx_new(V, PRESET_LLAMACPP);
    for (int trial = 0; trial < 20; trial++) {
        float *z = random_logits(V, 500 + (uint64_t)trial, 3);
        for (uint32_t i = 0; i < V; i++) z[i] = roundf(z[i] * 4) / 4; /* heavy ties */
        int32_t k = 1 + trial * 97;
        f->p.top_k = k;
        run(f, z);
        assert_int_equal(f->r.n_kept, (uint32_t)k);
        /* every kept token ranks before every cut one (logit desc, id asc) */
        float minkept = INFINITY; int32_t maxid_at_min = -1;
        for (uint32_t j = 0; j < f->r.n_kept; j++) {
            int32_t id = f->r.kept[j];
            if (z[id] < minkept || (z[id] == minkept && id > maxid_at_min)) { minkept = z[id]; maxid_at_min = id; }
        }
        for (uint32_t i = 0; i < V; i++)
            if (f->r.cut_by[i] != CUT_NONE) assert_true(z[i] < minkept || (z[i] == minkept && (int32_t)i > maxid_at_min));
        free(z);
    }
    fx_free(f);
}

static void test_top_raw_order(void **state)
{
    (void)state;
    uint32_t V = 3000;
    struct fx *f = fx_new(V, PRESET_HF);
    float *z = random_logits(V, 9, 4);
    run(f, z);
    int32_t ids[100];
    uint32_t n = chain_top_raw(&f->r, 100, ids);
    assert_int_equal(n, 100);
    for (uint32_t i = 1; i < n; i++) assert_true(f->r.p_raw[ids[i - 1]] >= f->r.p_raw[ids[i]]);
    assert_int_equal(chain_rank(&f->r, ids[0]), 1);
    assert_int_equal(chain_rank(&f->r, ids[57]), 58);
    free(z);
    fx_free(f);
}

static void test_top_raw_prefilter_matches_sort(void **state)
{
    (void)state;
    uint32_t V = 60000, n = 200;
    struct fx *f = fx_new(V, PRESET_HF);
    float *z = random_logits(V, 77, 6);
    for (uint32_t i = 0; i < V; i += 3) z[i] = z[1]; /* ties across the boundary */
    run(f, z);
    int32_t *ids = malloc(n * sizeof *ids), *all = malloc(V * sizeof *all);
    assert_int_equal(chain_top_raw(&f->r, n, ids), n);      /* sampled prefilter path */
    assert_int_equal(chain_top_raw(&f->r, V, all), V);      /* full heap path */
    for (uint32_t i = 0; i < n; i++) assert_int_equal(ids[i], all[i]);
    free(ids); free(all); free(z);
    fx_free(f);
}

static void test_seed_reproduces(void **state)
{
    (void)state;
    struct fx *f = fx_new(50, PRESET_HF);
    float *z = random_logits(50, 4, 2);
    run(f, z);
    struct rng a, b, c;
    rng_seed(&a, 7); rng_seed(&b, 7); rng_seed(&c, 8);
    double cum[50];
    struct draw_cdf d = draw_cdf_build(&f->r, cum);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        int32_t x = draw_token(&d, &a), y = draw_token(&d, &b), w = draw_token(&d, &c);
        assert_int_equal(x, y);
        differ |= x != w;
    }
    assert_true(differ);
    /* the stream itself is pinned: xoshiro256** seeded by SplitMix64 */
    /* SplitMix64's published first output for seed 0 seeds state word 0 */
    struct rng g;
    rng_seed(&g, 0);
    assert_true(g.s[0] == 0xE220A8397B1DCDAFull);
    free(z);
    fx_free(f);
}

static void test_draws_follow_distribution(void **state)
{
    (void)state;
    uint32_t V = 20;
    struct fx *f = fx_new(V, PRESET_HF);
    float z[20];
    for (uint32_t i = 0; i < V; i++) z[i] = (float)(-0.3 * i);
    f->p.top_k = 12;
    run(f, z);
    long counts[20] = {0};
    struct rng g;
    rng_seed(&g, 12345);
    const long N = 200000;
    double cum[20];
    struct draw_cdf dc = draw_cdf_build(&f->r, cum);
    for (long i = 0; i < N; i++) {
        int32_t t = draw_token(&dc, &g);
        assert_true(t >= 0 && t < 12);
        counts[t]++;
    }
    double chi2 = 0;
    for (uint32_t i = 0; i < 12; i++) {
        double e = (double)N * f->r.p[i], d = (double)counts[i] - e;
        chi2 += d * d / e;
    }
    /* 11 degrees of freedom: P(chi2 > 31.26) = 0.001 */
    assert_true(chi2 < 31.26);
    for (uint32_t i = 12; i < V; i++) assert_int_equal(counts[i], 0);
    fx_free(f);
}

/* p is zero outside the survivors after every run, also when the run
 * before kept every token (chain.c clears that late, only where the new
 * run does not rewrite the whole array) and when a run fails. */
static void assert_p_zero_outside_kept(const struct fx *f)
{
    uint8_t *in = calloc(f->V, 1);
    assert_non_null(in);
    for (uint32_t j = 0; j < f->r.n_kept; j++) in[f->r.kept[j]] = 1;
    for (uint32_t i = 0; i < f->V; i++) if (!in[i]) assert_true(f->r.p[i] == 0.0);
    free(in);
}

static void test_full_keep_then_cut(void **state)
{
    (void)state;
    const uint32_t V = 1003;
    struct fx *f = fx_new(V, PRESET_HF);
    float *z = random_logits(V, 11, 6), *nan = malloc(V * sizeof *nan);
    assert_non_null(nan);
    for (uint32_t i = 0; i < V; i++) nan[i] = NAN;
    struct ls_error e = {0};
    for (int round = 0; round < 3; round++) {
        f->p = PARAMS_OFF;
        run(f, z); /* every token kept */
        assert_int_equal(f->r.n_kept, V);
        if (round == 1) run(f, z); /* every token kept again: the whole array rewritten */
        if (round == 2) { /* a failed run leaves no survivor and p all zero */
            assert_int_not_equal(chain_run(&f->ch, &f->p, nan, V, &f->ws, &f->r, &e), 0);
            assert_int_equal(f->r.n_kept, 0);
            assert_p_zero_outside_kept(f);
        }
        f->p.top_k = round == 0 ? 10 : 200;
        run(f, z);
        assert_true(f->r.n_kept >= 10 && f->r.n_kept < V);
        assert_p_zero_outside_kept(f);
        assert_true(fabs(sum_p(f, f->r.p) - 1) < 1e-12);
    }
    free(nan);
    free(z);
    fx_free(f);
}

/* Every token kept: the entropy after is the sum, in id order, of
 * p_i * (ln S - (z_i - lse)) with S the sum of p_raw in id order, the
 * scalar definition, to the bit (chain.c computes the terms in vector
 * lanes: any V, so every tail length). */
static void test_entropy_every_token_bits(void **state)
{
    (void)state;
    for (uint32_t V = 1; V <= 41; V += 4) {
        struct fx *f = fx_new(V, PRESET_HF);
        float *z = random_logits(V, 100 + V, 9);
        run(f, z);
        assert_int_equal(f->r.n_kept, V);
        double S = 0.0, h = 0.0;
        for (uint32_t i = 0; i < V; i++) S += f->r.p_raw[i];
        double lnS = log(S);
        for (uint32_t i = 0; i < V; i++) h += f->r.p[i] * (lnS - (((double)z[i] - f->r.lse_raw) * 1.0));
        assert_true(memcmp(&h, &f->r.entropy_after, sizeof h) == 0 || (h <= 0 && f->r.entropy_after == 0.0));
        free(z);
        fx_free(f);
    }
}

/* chain_top_rank's one pass gives chain_top_raw's list and chain_rank's
 * rank: ties (few distinct logits), V below and above the sampled
 * threshold's reach, the recorded token anywhere (tied with others, the
 * top, the bottom), n from 1 to past V and the explorer's 512. */
static void test_top_rank_matches_separate(void **state)
{
    (void)state;
    static const uint32_t Vs[] = { 1, 7, 40, 3000, 9000, 40000 };
    static const uint32_t ns[] = { 1, 3, 25, 64, 512, 50000 }; /* 512: the explorer's list (one sort) */
    static int32_t a[512], b[512];
    for (size_t vi = 0; vi < sizeof Vs / sizeof *Vs; vi++) {
        uint32_t V = Vs[vi];
        struct fx *f = fx_new(V, PRESET_HF);
        for (int kind = 0; kind < 3; kind++) {
            float *z = random_logits(V, 7 * V + (uint32_t)kind, kind == 2 ? 60 : 8);
            if (kind == 1) for (uint32_t i = 0; i < V; i++) z[i] = (float)(int)(z[i] / 4); /* plateaus */
            run(f, z);
            for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
                uint32_t n = ns[ni] > 512 ? 512 : ns[ni];
                if (ns[ni] > 512 && V > 512) continue;
                int32_t idv[] = { 0, (int32_t)(V / 2), (int32_t)V - 1, f->r.argmax, -1, (int32_t)V };
                for (size_t k = 0; k < sizeof idv / sizeof *idv; k++) {
                    uint32_t rank = 12345, na = chain_top_raw(&f->r, n, a), nb = chain_top_rank(&f->r, n, b, idv[k], &rank);
                    assert_int_equal(na, nb);
                    assert_memory_equal(a, b, na * sizeof *a);
                    assert_int_equal(rank, chain_rank(&f->r, idv[k]));
                }
            }
            free(z);
        }
        fx_free(f);
    }
}

/* chain_top_rank from the candidates the run's first pass gathered for
 * the recorded token (topn_run's hint) against chain_top_raw and
 * chain_rank: near-ties within the exact band (logits a float step
 * apart), plateaus, underflowing tails, the token anywhere; the gathered
 * answer must be taken on most of them (else the test proves nothing) */
static void test_top_rank_gathered(void **state)
{
    (void)state;
    static const uint32_t Vs[] = { 9000, 40000, 140000 };
    static const uint32_t ns[] = { 1, 25, 512 };
    static int32_t a[512], b[512];
    uint32_t taken = 0, runs = 0;
    for (size_t vi = 0; vi < sizeof Vs / sizeof *Vs; vi++) {
        uint32_t V = Vs[vi];
        for (int ps = PRESET_HF; ps <= PRESET_VLLM; ps++) {
            struct fx *f = fx_new_mode(V, (enum preset)ps, ps == PRESET_HF);
            f->p = preset_defaults((enum preset)ps);
            for (int kind = 0; kind < 5; kind++) {
                float *z = random_logits(V, 11 * V + (uint32_t)kind + 100u * (uint32_t)ps, kind == 2 ? 300 : 8);
                if (kind == 1) for (uint32_t i = 0; i < V; i++) z[i] = (float)(int)(z[i] / 4); /* plateaus */
                if (kind == 3) for (uint32_t i = 0; i < V; i++) z[i] = nextafterf(2.0f, 3.0f * (float)(i % 3)); /* a float step */
                struct ls_error e = {0};
                int32_t idv[] = { 0, (int32_t)(V / 2), (int32_t)V - 1, (int32_t)(V / 3), 17 };
                if (kind == 4) /* around each token asked for: its logit and its float neighbours, before and after it */
                    for (size_t k = 0; k < sizeof idv / sizeof *idv; k++)
                        for (uint32_t j = 1; j <= 90; j++) {
                            uint32_t at = (uint32_t)(idv[k] + (int32_t)(j * 97)) % V;
                            float zt = z[idv[k]];
                            z[at] = j % 3 == 0 ? zt : nextafterf(zt, j % 3 == 1 ? INFINITY : -INFINITY);
                        }
                for (size_t k = 0; k < sizeof idv / sizeof *idv; k++) {
                    assert_int_equal(topn_run(&f->ch, &f->p, z, V, -1.0, idv[k], 0, &f->ws, &f->r, &e), 0);
                    runs++;
                    taken += f->r.tr_id == idv[k];
                    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
                        uint32_t rank = 12345, n = ns[ni];
                        uint32_t na = chain_top_raw(&f->r, n, a), nb = chain_top_rank(&f->r, n, b, idv[k], &rank);
                        assert_int_equal(na, nb);
                        assert_memory_equal(a, b, na * sizeof *a);
                        assert_int_equal(rank, chain_rank(&f->r, idv[k]));
                    }
                }
                free(z);
            }
            fx_free(f);
        }
    }
    assert_true(taken * 2 > runs);
}

static void test_parse_and_defaults(void **state)
{
    (void)state;
    struct chain c;
    struct ls_error e = {0};
    assert_int_equal(chain_parse("llama.cpp", &c, &e), 0);
    assert_int_equal(c.order[0], STAGE_LOGIT_BIAS); /* sampling.cpp's logit bias, then common.h's default sequence */
    assert_int_equal(c.order[1], STAGE_PENALTIES);
    assert_int_equal(c.order[4], STAGE_TOP_K);
    assert_int_equal(c.order[9], STAGE_TEMPERATURE);
    assert_int_equal(chain_parse("top-k, temperature ,top_p", &c, &e), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.preset, PRESET_CUSTOM);
    assert_int_equal(chain_parse("top-k,bogus", &c, &e), LS_EUSAGE);
    assert_non_null(strstr(e.msg, "bogus"));
    assert_int_equal(chain_parse("top-k,k", &c, &e), LS_EUSAGE);
    struct params p;
    assert_int_equal(params_defaults("llama.cpp", &p, &e), 0);
    assert_true(p.temperature == 0.8 && p.top_k == 40 && p.top_p == 0.95 && p.min_p == 0.05);
    assert_int_equal(params_defaults("hf", &p, &e), 0);
    assert_true(p.temperature == 1.0 && p.top_k == 50 && p.top_p == 1.0 && p.min_p == 0);
    assert_int_equal(params_defaults("vllm", &p, &e), 0);
    assert_true(p.top_k == 0);
    p.top_p = 1.5;
    assert_int_equal(params_check(&p, &e), LS_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_to_one),
        cmocka_unit_test(test_order_preserved),
        cmocka_unit_test(test_shift_invariant_scale_not),
        cmocka_unit_test(test_temperature_divides),
        cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_extreme_logits),
        cmocka_unit_test(test_nonfinite_masked),
        cmocka_unit_test(test_top_p_crossing),
        cmocka_unit_test(test_top_k_ties),
        cmocka_unit_test(test_min_p),
        cmocka_unit_test(test_chain_order_matters),
        cmocka_unit_test(test_vllm_temperature_rules),
        cmocka_unit_test(test_stage_reports),
        cmocka_unit_test(test_top_p_matches_naive),
        cmocka_unit_test(test_top_k_matches_naive),
        cmocka_unit_test(test_top_raw_order),
        cmocka_unit_test(test_top_raw_prefilter_matches_sort),
        cmocka_unit_test(test_seed_reproduces),
        cmocka_unit_test(test_draws_follow_distribution),
        cmocka_unit_test(test_full_keep_then_cut),
        cmocka_unit_test(test_entropy_every_token_bits),
        cmocka_unit_test(test_top_rank_matches_separate),
        cmocka_unit_test(test_top_rank_gathered),
        cmocka_unit_test(test_parse_and_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
