/* test_typical_eps.c: HF's newer samplers on their fast paths against the
 * whole-array path (chain_ws.reference = 1), to the bit: kept set, p,
 * cut_by, every stage's counts, masses and decided flags, notes, entropy
 * and retained mass, in every caller mode.
 *   epsilon and eta as the first cut (emu_trim_eps.c), after a
 *   temperature or none, with later stages on the survivors;
 *   typical-p as the first cut (emu_trim_typical.c: the prefix sort),
 *   masses from 1e-6 to 0.999999, epsilon after it or not;
 *   the cases it must leave to the array (exact rules, vLLM's min-keep 0,
 *   min-keep 3, llama.cpp's order, a -inf mask, a temperature note).
 * Steps: Zipf-like noise, ties, a plateau, a flat step, two flat steps,
 * an already sorted step, +-1e30, one peaked token, a -inf mask, two
 * best a float apart (the min-keep rule alone keeps the larger: a tie); V from 1
 * to 262144; floors exactly on a token's float probability (torch's
 * p = float(ls_expf(y - ymax) / float(sum)), made here as the stage does).
 * A case that should take the shortcut must (a flag the fast run leaves:
 * the survivors remembered, chain_result.cut_n). */
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
#include "base/vmath_expf.h"
#include "chain_cmp.h"

enum shape { S_ZIPF, S_TIES, S_PLATEAU, S_FLAT, S_STEPS, S_SORTED, S_HUGE, S_PEAK, S_MASK, S_NEAR, S__N };

static void make_step(struct rng *g, float *z, uint32_t V, enum shape sh)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        z[i] = (float)(-1.1 * log(1 + u * V) + 3 * w);
        if (sh == S_TIES) z[i] = (float)floor(z[i] * 2) / 2;
        if (sh == S_FLAT) z[i] = 0.25f;
        if (sh == S_STEPS) z[i] = i % 3 ? -2.0f : 1.5f;
        if (sh == S_SORTED) z[i] = 5.0f - (float)i * 0.01f;
        if (sh == S_HUGE) z[i] = i % 5 == 1 ? 1e30f : -1e30f;
        if (sh == S_PEAK) z[i] = i == V / 2 ? 40.0f : z[i];
    }
    if (sh == S_PLATEAU) for (uint32_t i = 0; i < V; i++) if (z[i] > -3.0f) z[i] = -3.0f;
    if (sh == S_MASK && V >= 2) z[V / 2] = -INFINITY;
    if (sh == S_NEAR) { /* two best a float apart: one weight (exp's and expf's), only the max rule tells them */
        for (uint32_t i = 0; i < V; i++) z[i] = -2.0f - (float)(i % 7);
        z[V / 3] = 1e-12f;
        z[V - 1] = nextafterf(1e-12f, 0.0f);
    }
}

/* torch's float probability of token i after a float division by T (the
 * stage's own arithmetic: emu_softmax), for a floor exactly on it */
static double torch_p(const float *z, uint32_t V, float T, uint32_t i)
{
    double mx = -INFINITY, s = 0.0;
    for (uint32_t j = 0; j < V; j++) if ((double)(z[j] / T) > mx) mx = (double)(z[j] / T);
    for (uint32_t j = 0; j < V; j++) s += (double)ls_expf((float)((double)(z[j] / T) - mx));
    s = (double)(float)s;
    return (double)(float)((double)ls_expf((float)((double)(z[i] / T) - mx)) / s);
}

/* one step through every caller mode, the reference (f->a) and the fast
 * path (f->b); 1 when the fast path remembered its survivors */
static int both_modes(struct chain_pair *f, const struct chain *c, const struct params *p, const float *z)
{
    struct ls_error e = {0};
    int took = 0;
    for (int want = CHAIN_WANT_ALL; want <= CHAIN_WANT_SCORES; want++) {
        f->ref.want = f->fast.want = want;
        if (chain_run(c, p, z, f->V, &f->ref, &f->a, &e) != 0) fprintf(stderr, "V %u: %s\n", f->V, e.msg);
        assert_int_equal(e.code, 0);
        assert_int_equal(chain_run(c, p, z, f->V, &f->fast, &f->b, &e), 0);
        chain_cmp(&f->b, &f->a, want == CHAIN_WANT_ALL ? CMP_MASSES | CMP_SCORES : 0);
        if (want == CHAIN_WANT_ALL) took = f->b.cut_n > 0;
    }
    return took;
}

struct ecase { enum preset ps; int order; double T, eps, eta; int32_t min_keep; double typ; };

/* the chain: the preset's (order 0), or its rules with the cut first
 * (order 1) or after the temperature (order 2), every later stage after
 * it, on the survivors */
static void make_chain(struct chain *c, const struct ecase *k)
{
    chain_preset(c, k->ps == PRESET_CUSTOM ? PRESET_HF : k->ps);
    if (k->ps == PRESET_CUSTOM) c->exact = 1;
    if (k->order == 0) return;
    static const enum stage_kind ord[2][7] = {
        { STAGE_EPSILON, STAGE_ETA, STAGE_TEMPERATURE, STAGE_TOP_K, STAGE_TYPICAL_P, STAGE_TOP_P, STAGE_MIN_P },
        { STAGE_TEMPERATURE, STAGE_EPSILON, STAGE_ETA, STAGE_TOP_K, STAGE_TYPICAL_P, STAGE_TOP_P, STAGE_MIN_P },
    };
    c->n = 7;
    memcpy(c->order, ord[k->order - 1], sizeof ord[0]);
}

static struct params make_params(const struct ecase *k, int later)
{
    struct params p = PARAMS_OFF;
    p.temperature = k->T;
    p.epsilon = k->eps;
    p.typical_p = k->typ > 0 ? k->typ : 1.0;
    p.eta = k->eta;
    p.min_keep = k->min_keep;
    if (later) p.top_k = 50, p.typical_p = 0.95, p.top_p = 0.9, p.min_p = 0.01;
    return p;
}

/* the shortcut applies: torch rules, min-keep 1 (HF's 0 counts as 1), no
 * mask, the cut first (after a temperature or none) */
static int expect_trim(const struct ecase *k, enum shape sh)
{
    if (k->ps == PRESET_CUSTOM || k->ps == PRESET_LLAMACPP || sh == S_MASK) return 0;
    if (k->min_keep > 1 || (k->ps == PRESET_VLLM && k->min_keep < 1)) return 0;
    if (k->order == 2 && k->ps == PRESET_VLLM && (k->T < 0.01 || k->T > 2)) return 0; /* its notes */
    if (k->order) return k->eps > 0 || k->eta > 0;
    return k->ps == PRESET_HF && (k->eps > 0 || k->eta > 0 || k->typ > 0); /* (vLLM's own chain has none) */
}

static void check_case(const struct ecase *k, const float *z, enum shape sh, struct chain_pair *f, int *took,
                       int *expected)
{
    struct chain c;
    make_chain(&c, k);
    struct params p = make_params(k, k->order != 0);
    int t = both_modes(f, &c, &p, z);
    const struct chain_result *a = &f->b;
    /* the fast run's survivors of the cut are remembered when few (cut_n:
     * at most CHAIN_CUT_IDS) */
    uint32_t out = 0;
    for (int j = 0; j < a->n_stages && !out; j++)
        if (a->stages[j].active && (a->stages[j].kind == STAGE_EPSILON || a->stages[j].kind == STAGE_ETA ||
                                     a->stages[j].kind == STAGE_TYPICAL_P))
            out = a->stages[j].kept_out;
    if (expect_trim(k, sh) && out > 0 && out <= CHAIN_CUT_IDS) {
        (*expected)++;
        *took += t;
        if (!t) fprintf(stderr, "V %u shape %d preset %d T %g eps %g eta %g: not trimmed\n", f->V, (int)sh,
                        (int)k->ps, k->T, k->eps, k->eta);
    }
}

static const enum preset PSS[] = { PRESET_HF, PRESET_VLLM, PRESET_CUSTOM, PRESET_LLAMACPP };
static const double TS[] = { 1.0, 0.8, 1.3, 0.7, 2.5, 0.005 }; /* (vLLM raises 0.005, with a note) */
static const double EPS[] = { 1e-4, 3e-3, 0.2, 0.9, 1e-9 };
static const double TYP[] = { 0.9, 0.5, 0.99, 1e-6, 0.999999, 0.3 };

/* a sweep over presets, temperatures, floors (one exactly on a token's p)
 * and orders for one step */
static void sweep_step(struct rng *g, const float *z, enum shape sh, struct chain_pair *fx, int *took, int *expected)
{
    uint32_t V = fx->V;
    for (int t = 0; t < 10; t++) {
        struct ecase k = { PSS[t % 4], t % 3, TS[(t + (int)sh) % 6], 0, 0, (int32_t)(t / 4), 0 };
        if (k.ps == PRESET_VLLM && t % 2) k.min_keep = 1;
        double f = EPS[(t * 3 + (int)sh) % 5];
        if (t % 5 == 4 && sh != S_MASK) { /* on a token's float p: ties at the floor are kept */
            uint32_t i = (uint32_t)(rng_uniform(g) * V);
            f = torch_p(z, V, k.order == 1 ? 1.0f : (float)k.T, i);
            if (!(f > 0)) f = 0x1p-140; /* (0 is off: another stage would cut first) */
        }
        if (t % 2) k.eta = f;
        else k.eps = f;
        check_case(&k, z, sh, fx, took, expected);
        if (t % 2 == 0) { k.eta = f * 10; check_case(&k, z, sh, fx, took, expected); }
        if (t == 4 && sh != S_MASK) { /* just above a p in double: the float floor is that p (kept) */
            k.eta = 0, k.eps = nextafter(f, 1.0);
            check_case(&k, z, sh, fx, took, expected);
        }
    }
    /* a floor above the largest p: the min-keep rule alone keeps the maxima */
    struct ecase top = { PRESET_HF, 0, TS[(int)sh % 4], 0.9, 0, 0, 0 };
    check_case(&top, z, sh, fx, took, expected);
    for (int t = 0; t < 6; t++) { /* typical-p first (HF's order: before epsilon and eta) */
        struct ecase k = { PSS[t % 4], 0, TS[(t + (int)sh) % 6], t == 5 ? 1e-3 : 0, 0, (int32_t)(t / 4), TYP[t] };
        check_case(&k, z, sh, fx, took, expected);
    }
}

static void run_sizes(const uint32_t *sizes, int n_sizes, uint64_t seed, int *took, int *expected)
{
    struct rng g;
    rng_seed(&g, seed);
    for (int si = 0; si < n_sizes; si++) {
        uint32_t V = sizes[si];
        struct chain_pair f;
        chain_pair_init(&f, V);
        float *z = malloc(V * sizeof *z);
        for (int sh = 0; sh < S__N; sh++) {
            make_step(&g, z, V, (enum shape)sh);
            sweep_step(&g, z, (enum shape)sh, &f, took, expected);
        }
        free(z);
        chain_pair_free(&f);
    }
}

static void test_small_vocabularies(void **st)
{
    (void)st;
    static const uint32_t sizes[] = { 1, 2, 3, 17, 200, 1000 };
    int took = 0, expected = 0;
    run_sizes(sizes, 6, 31, &took, &expected);
    assert_int_equal(took, expected);
}

static void test_large_vocabularies(void **st)
{
    (void)st;
    static const uint32_t sizes[] = { 32000, 131072, 262144 };
    int took = 0, expected = 0;
    run_sizes(sizes, 3, 32, &took, &expected);
    fprintf(stderr, "%d of %d cases expected to take the shortcut took it\n", took, expected);
    assert_true(expected > 20);
    assert_int_equal(took, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_vocabularies),
        cmocka_unit_test(test_large_vocabularies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
