/* test_topp_chain.c: HF's and vLLM's top-p over a large nucleus inside a
 * longer chain (emu_torch_topp_run.c: penalties on the history ids first,
 * a plain temperature, top-p, then a min-p decided in the same pass and
 * the other stages on the few survivors), against the whole-array path
 * (chain_ws.reference = 1), bit for bit: kept list, p, cut_by, notes,
 * decided flags, every stage's counts and masses, entropy and retained
 * mass. Cases: the explorer's "every stage, no top-k" key and variations
 * (no penalties, no temperature, no min-p, min-p placed on a token's own
 * boundary so the float band decides, a min-p that cuts nothing, min-keep,
 * histories with the best tokens, lowering and raising penalties, vLLM's
 * negative ones), Zipf-like and quantised steps (runs of ties across the
 * cuts), V from 4096 to 262144, every caller's want. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sampling/chain.h"
#include "chain_cmp.h"

#define NH 300

/* Zipf-like logits with noise, quantised to 1/q when q > 0; the history's
 * tokens among the best when top */
static void step(struct rng *g, float *z, uint32_t V, double q, const int32_t *hist, uint32_t nh, int top)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        double v = -1.1 * log(1 + u * V) + 3.0 * w;
        z[i] = (float)(q > 0 ? round(v * q) / q : v);
    }
    if (top) for (uint32_t t = 0; t < nh; t += 3) z[hist[t]] = 2.5f + (float)(t % 4) * 0.5f;
}

static uint32_t history(struct rng *g, int32_t *hist, uint32_t V, int kind)
{
    uint32_t n = kind == 0 ? 0 : kind == 1 ? 5 : NH;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t r = (uint32_t)(rng_uniform(g) * V);
        hist[t] = t % 4 == 1 && t > 1 ? hist[t / 2] : (int32_t)r;
    }
    return n;
}

/* the explorer's key: every stage HF and vLLM run, no top-k */
static struct params every_stage(void)
{
    struct params p = PARAMS_OFF;
    p.temperature = 1.05; p.top_p = 0.99; p.min_p = 0.05; p.min_keep = 1;
    p.epsilon = 0.05; p.eta = 0.01; p.xtc_probability = 0.05; p.xtc_threshold = 0.1;
    p.repeat_penalty = 1.1; p.presence_penalty = 0.1; p.repeat_last_n = 64;
    p.dry_multiplier = 0.05; p.dry_base = 1.85; p.dry_allowed_length = 2; p.dry_last_n = 9;
    return p;
}

/* variation v of the key */
static void vary(struct params *p, int v, struct rng *g)
{
    switch (v % 12) {
    case 1: p->repeat_penalty = 1.0, p->presence_penalty = 0.0; break; /* no penalties */
    case 2: p->temperature = 1.0; break;
    case 3: p->min_p = 0.0; break;                        /* top-p the last cut: then epsilon */
    case 4: p->min_p = 0.0, p->epsilon = 0.0, p->eta = 0.0; break; /* penalties, T, top-p: the whole run */
    case 5: p->min_p = 1e-9; break;                       /* cuts nothing after top-p */
    case 6: p->repeat_penalty = 0.8; break;               /* raises the history */
    case 7: p->frequency_penalty = 0.3, p->presence_penalty = -0.2; break; /* vLLM: not applied here */
    case 8: p->min_keep = 2; break;                       /* the array path */
    case 9: p->top_p = 0.9 + 0.0999 * rng_uniform(g), p->min_p = 0.3 * rng_uniform(g); break;
    case 10: p->temperature = 0.7, p->epsilon = 0.0; break;
    case 11: p->min_p = 0.02, p->eta = 0.0; break;
    default: break;
    }
}

/* a min-p whose boundary falls on a survivor's logit (y = ymax + ln m): the
 * float32 band must send it to the array */
static void min_p_on_token(struct params *p, const float *z, uint32_t V, int k)
{
    float mx = z[0];
    for (uint32_t i = 1; i < V; i++) if (z[i] > mx) mx = z[i];
    float target = mx - 1.0f - 0.25f * (float)(k % 4);
    float best = -INFINITY;
    for (uint32_t i = 0; i < V; i++) if (z[i] <= target && z[i] > best) best = z[i];
    p->min_p = exp(((double)best - (double)mx) / p->temperature);
}

/* without penalties the first cut may be emu_trim_torch's margin-decided
 * one, whose masses are summed another way (to 1e-12) */
static void both(const struct chain *c, const struct params *p, const float *z, uint32_t V, struct chain_ws *ws,
                 struct chain_result *a, struct chain_result *b)
{
    int pen = p->repeat_penalty != 1.0 || p->presence_penalty != 0 || p->frequency_penalty != 0;
    struct ls_error err = {0};
    static const enum chain_want wants[] = { CHAIN_WANT_ALL, CHAIN_WANT_SCORES, CHAIN_WANT_DRAW };
    for (int w = 0; w < 3; w++) {
        ws->want = wants[w];
        ws->reference = 1;
        assert_int_equal(chain_run(c, p, z, V, ws, b, &err), 0);
        ws->reference = 0;
        assert_int_equal(chain_run(c, p, z, V, ws, a, &err), 0);
        chain_cmp(a, b, wants[w] == CHAIN_WANT_ALL ? (pen ? CMP_MASSES : CMP_MASSES_NEAR) | CMP_SCORES : 0);
    }
    ws->want = CHAIN_WANT_ALL;
}

static void run_cases(uint32_t V, int n, uint64_t seed)
{
    struct chain_ws ws;
    struct chain_result a, b;
    struct rng g;
    float *z = malloc(V * sizeof *z);
    int32_t hist[NH];
    assert_non_null(z);
    assert_int_equal(chain_ws_init(&ws, V), 0);
    assert_int_equal(chain_result_init(&a, V), 0);
    assert_int_equal(chain_result_init(&b, V), 0);
    rng_seed(&g, seed);
    for (int k = 0; k < n; k++) {
        uint32_t nh = history(&g, hist, V, k % 3);
        step(&g, z, V, k % 4 == 3 ? 8.0 : k % 4 == 2 ? 1000.0 : 0.0, hist, nh, k % 5 == 4);
        chain_ws_set_context(&ws, hist, nh, nh / 3, nh, 5);
        struct chain c;
        struct params p = every_stage();
        vary(&p, k, &g);
        if (k % 7 == 6) min_p_on_token(&p, z, V, k);
        chain_preset(&c, (k + k / 12) % 2 ? PRESET_VLLM : PRESET_HF);
        both(&c, &p, z, V, &ws, &a, &b);
    }
    chain_ws_free(&ws);
    chain_result_free(&a);
    chain_result_free(&b);
    free(z);
}

static void test_v262144(void **st)
{
    (void)st;
    run_cases(262144, 28, 31);
}

static void test_smaller(void **st)
{
    (void)st;
    run_cases(4096, 96, 32);
    run_cases(30000, 60, 33);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v262144),
        cmocka_unit_test(test_smaller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
