/* test_emu_ties.c: the system modes' tie-aware shortcuts against the
 * whole-array path (chain_ws.reference = 1), on the logits they are for:
 *   - synthetic n-gram-like steps: a few dozen to a few hundred distinct
 *     log-probabilities over thousands of tokens, a big back-off plateau,
 *     a handful of distinct leaders (V 200 to 9000);
 *   - real steps of the built-in model (samples/model.lsm), along a
 *     continuation of the explorer's default prompt.
 * Every preset's own order runs with the parameter sets the bench uses
 * (each system's defaults, T with top-p, min-p, typical-p, top-n-sigma,
 * XTC, mirostat 1 and 2 over a run of steps so mu moves, top-k around
 * 128, min-keep, a repetition penalty or DRY before the top-k over a
 * history with repeats, a dynamic temperature before mirostat). The shortcut must give exactly what the whole array
 * gives: the same cut_by for every token, the same final p bit for bit,
 * the same stage counts, decided flags and notes, masses (or both NaN;
 * to 1e-12 where HF's and vLLM's first truncation sums its own way),
 * and the same carried mu. The run that only draws keeps the same set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "model/generate.h"
#include "sampling/chain.h"
#include "chain_cmp.h"

struct setting { const char *system; double T, top_p, min_p, typical, sigma, xtc; int top_k, mirostat, min_keep; double rep, dry, dyn, eps, eta; };

static const struct setting settings[] = {
    { "hf", -1, -1, -1, -1, -1, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, -1, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "vllm", -1, -1, -1, -1, -1, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "hf", 0.8, 0.9, -1, -1, -1, -1, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.5, 0.95, 0, -1, -1, -1, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 0.7, 0.5, 0, -1, -1, -1, 0, 0, 3, 0, 0, 0, 0, 0 },
    { "vllm", 1.0, -1, 0.1, -1, -1, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, 0.9, -1, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, 1.0, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, 2.5, -1, 100, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, -1, 0.5, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, -1, -1, -1, 1, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, -1, -1, -1, 2, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.0, -1, 0, -1, -1, -1, 128, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.0, -1, 0, -1, -1, -1, 7, 0, -1, 0, 0, 0, 0, 0 },
    { "hf", 1.0, -1, -1, -1, -1, -1, 77, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, -1, -1, -1, 0, -1, 1.3, 0, 0, 0, 0 },   /* a top-k after penalties */
    { "llama.cpp", -1, -1, -1, -1, -1, -1, 128, 0, -1, 1.1, 0, 0, 0, 0 },
    { "hf", -1, -1, -1, -1, -1, -1, -1, 0, -1, 1.3, 0, 0, 0, 0 },
    { "llama.cpp", -1, -1, -1, -1, -1, -1, -1, 0, -1, 0, 0.8, 0, 0, 0 },    /* a top-k after DRY */
    { "llama.cpp", -1, -1, -1, -1, -1, -1, 200, 0, -1, 0, 3.0, 0, 0, 0 },
    { "llama.cpp", 1.3, -1, -1, -1, -1, -1, -1, 2, -1, 0, 0, 0, 0, 0 },      /* mirostat after another T */
    { "llama.cpp", -1, -1, -1, -1, 0.5, -1, 7, 0, -1, 0, 0.8, 0, 0, 0 },    /* top-n-sigma after DRY */
    /* top-p's nucleus past 256 candidates (emu_topp_value.c), first or after penalties */
    { "llama.cpp", 1.0, 0.99, 0, -1, -1, -1, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.5, 0.999, 0.001, -1, -1, -1, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 0.9, 0.995, 0, -1, -1, -1, 0, 0, -1, 1.2, 0, 0, 0, 0 },
    { "llama.cpp", 1.0, 0.99, 0, -1, -1, 0.5, 0, 0, -1, 0, 0, 0, 0, 0 },    /* xtc after: the replay */
    { "llama.cpp", 1.0, 0.99, 0.01, -1, -1, -1, 0, 0, 3, 0, 0, 0, 0, 0 },   /* min-keep: the replay */
    /* temp-ext's dynamic temperature before mirostat (emu_defer_sort.c):
     * its entropy's sort owed, then mirostat's cut, kept as is or replayed */
    { "llama.cpp", 1.0, -1, -1, -1, -1, -1, -1, 2, -1, 0, 0, 0.5, 0, 0 },
    { "llama.cpp", 0.8, -1, -1, -1, -1, -1, -1, 1, -1, 0, 0, 0.25, 0, 0 },
    { "llama.cpp", 1.3, -1, -1, -1, -1, -1, -1, 2, -1, 1.1, 0.8, 1.5, 0, 0 },
    { "llama.cpp", 0.3, -1, -1, -1, -1, -1, -1, 2, -1, 0, 0, 0.3, 0, 0 },
    /* greedy first, then truncations that keep the lone token (emu_greedy.c), or not */
    { "hf", 0, 0.9, 0.05, 0.9, -1, -1, -1, 0, -1, 0, 0, 0, 0, 0 },
    { "vllm", 0, 0.8, 0.1, -1, -1, -1, 20, 0, -1, 0, 0, 0, 0, 0 },
    { "hf", 0, 0.9, -1, -1, -1, -1, -1, 0, 3, 0, 0, 0, 0, 0 },
    { "hf", 0, -1, -1, -1, -1, -1, 3, 0, -1, 0, 0, 0, 0.001, 0 },
    { "hf", 0, -1, -1, -1, -1, -1, 3, 0, -1, 0, 0, 0, 0.001, 0.001 },   /* eta notes its cutoff: the array path */
    { "hf", 0, -1, -1, -1, -1, -1, -1, 0, -1, 1.3, 0, 0, 0, 0 },
    /* penalties, then a plain temperature or none, nothing else (emu_trim.c's temperature-only path) */
    { "vllm", -1, -1, -1, -1, -1, -1, -1, 0, -1, 1.3, 0, 0, 0, 0 },
    { "vllm", 0.7, -1, -1, -1, -1, -1, -1, 0, -1, 1.2, 0, 0, 0, 0 },
    { "hf", 0.8, -1, -1, -1, -1, -1, 0, 0, -1, 1.3, 0, 0, 0, 0 },
    { "hf", -1, -1, -1, -1, -1, -1, 0, 0, -1, 0.8, 0, 0, 0, 0 },   /* a penalty below 1 lifts: the maximum may move */
    /* the newer samplers on the whole vocabulary (no top-k, top-p or
     * min-p): temp-ext's and XTC's sorts owed with nothing or a plain
     * temperature after them (emu_defer_sort.c), top-n-sigma's survivors
     * sorted alone (top_n_sigma.c); whole_vocab() picks these rows */
    { "llama.cpp", 0.8, 1.0, 0, -1, -1, -1, 0, 0, -1, 0, 0, 0.5, 0, 0 },
    { "llama.cpp", 1.0, 1.0, 0, -1, -1, -1, 0, 0, -1, 0, 0, 1.0, 0, 0 },
    { "llama.cpp", 0.8, 1.0, 0, -1, -1, 1.0, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.0, 1.0, 0, -1, -1, 0.5, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 0, 1.0, 0, -1, -1, 1.0, 0, 0, -1, 0, 0, 0, 0, 0 },      /* greedy after XTC: its sort made */
    { "llama.cpp", 0.8, 1.0, 0, -1, -1, 1.0, 0, 0, -1, 0, 0, 0.5, 0, 0 },  /* temp-ext after XTC: the same */
    { "llama.cpp", 0.8, 1.0, 0, -1, -1, 1.0, 0, 0, 2, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.2, 1.0, 0, -1, -1, 1.0, 0, 0, -1, 1.3, 0, 0, 0, 0 },  /* penalties first: not untouched */
    { "llama.cpp", 0.8, 1.0, 0, -1, 1.5, -1, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 1.0, 1.0, 0, -1, 1.0, 1.0, 0, 0, -1, 0, 0, 0, 0, 0 },
    { "llama.cpp", 0.8, 1.0, 0, -1, 2.0, -1, 0, 0, -1, 0, 0, 0.5, 0, 0 },
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

static void apply(const struct setting *s, struct chain *c, struct params *p)
{
    struct ls_error err = {0};
    *p = PARAMS_OFF;
    assert_int_equal(chain_defaults(s->system, c, p, &err), 0);
    if (s->T >= 0) p->temperature = s->T;
    if (s->top_p >= 0) p->top_p = s->top_p;
    if (s->min_p >= 0) p->min_p = s->min_p;
    if (s->typical >= 0) p->typical_p = s->typical;
    if (s->sigma >= 0) p->top_n_sigma = s->sigma;
    if (s->xtc >= 0) { p->xtc_probability = s->xtc; p->xtc_threshold = 0.1; }
    if (s->top_k >= 0) p->top_k = s->top_k;
    if (s->mirostat) p->mirostat = s->mirostat;
    if (s->min_keep >= 0) p->min_keep = s->min_keep;
    if (s->rep > 0) p->repeat_penalty = s->rep;
    if (s->dry > 0) p->dry_multiplier = s->dry;
    if (s->dyn > 0) p->dynatemp_range = s->dyn;
    if (s->eps > 0) p->epsilon = s->eps;
    if (s->eta > 0) p->eta = s->eta;
    if (s->dry > 0 && s->dry < 1) p->dry_base = 1.0; /* a penalty of the multiplier itself: within reach of the top-k */
}

struct pair { struct chain_ws ref, fast; struct chain_result a, b; uint32_t V; };

static int32_t hist[64];

static void pair_init(struct pair *q, uint32_t V)
{
    q->V = V;
    /* a period of 24 tokens: repeats for DRY to penalise */
    for (uint32_t i = 0; i < 64; i++) hist[i] = (int32_t)(((i % 24) * 2654435761u) % V);
    assert_int_equal(chain_ws_init(&q->ref, V), 0);
    assert_int_equal(chain_ws_init(&q->fast, V), 0);
    assert_int_equal(chain_result_init(&q->a, V), 0);
    assert_int_equal(chain_result_init(&q->b, V), 0);
    q->ref.reference = 1;
    /* a history, so that penalties change the logits before a top-k */
    chain_ws_set_context(&q->ref, hist, 64, 4, 60, 1);
    chain_ws_set_context(&q->fast, hist, 64, 4, 60, 1);
}

static void pair_free(struct pair *q)
{
    chain_ws_free(&q->ref); chain_ws_free(&q->fast);
    chain_result_free(&q->a); chain_result_free(&q->b);
}

/* one step both ways; both carry mu on (the token: the fast run's first
 * kept one after `pick` survivors) */
static void step(struct pair *q, const struct chain *c, const struct params *p, const float *z, uint32_t pick, int want)
{
    struct ls_error err = {0};
    q->ref.want = q->fast.want = want;
    assert_int_equal(chain_run(c, p, z, q->V, &q->ref, &q->a, &err), 0);
    assert_int_equal(chain_run(c, p, z, q->V, &q->fast, &q->b, &err), 0);
    chain_cmp(&q->a, &q->b, (q->a.have_raw ? CMP_MASSES_NEAR : 0) | CMP_SCORES); /* a draw-only run promises no masses */
    int32_t tok = q->b.kept[pick % q->b.n_kept];
    chain_accept(c, p, &q->ref, &q->a, tok);
    chain_accept(c, p, &q->fast, &q->b, tok);
    assert_int_equal(q->ref.mu_set, q->fast.mu_set);
    assert_true(q->ref.mu == q->fast.mu);
}

/* an n-gram model's step: log-probabilities, few distinct values, a floor */
static void ngram_like(struct rng *g, float *z, uint32_t V)
{
    uint32_t D = 20 + (uint32_t)(rng_uniform(g) * 300), lead = (uint32_t)(rng_uniform(g) * 12);
    float vals[400];
    for (uint32_t d = 0; d < D; d++) vals[d] = (float)(-2.0 - 12.0 * rng_uniform(g));
    float floor_v = (float)(-13.0 - 2.0 * rng_uniform(g));
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g);
        z[i] = u < 0.4 ? floor_v : vals[(uint32_t)(rng_uniform(g) * rng_uniform(g) * D)];
    }
    for (uint32_t j = 0; j < lead; j++) z[(uint32_t)(rng_uniform(g) * V)] = (float)(-0.2 - 3.0 * rng_uniform(g));
}

static void test_ngram_like_steps(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 2026);
    for (size_t s = 0; s < N_SETTINGS; s++) {
        struct chain c;
        struct params p;
        apply(&settings[s], &c, &p);
        for (int t = 0; t < 12; t++) {
            uint32_t V = t % 4 == 0 ? 200 + (uint32_t)(rng_uniform(&g) * 900) : 1500 + (uint32_t)(rng_uniform(&g) * 7500);
            float *z = malloc(V * sizeof *z);
            struct pair q;
            pair_init(&q, V);
            for (int k = 0; k < 6; k++) { /* a run of steps: mirostat's mu moves */
                ngram_like(&g, z, V);
                step(&q, &c, &p, z, (uint32_t)(rng_uniform(&g) * 1000), k % 3 == 2 ? CHAIN_WANT_DRAW : CHAIN_WANT_ALL);
            }
            pair_free(&q);
            free(z);
        }
    }
}

/* real steps: the built-in model along a greedy-ish continuation */
static void test_model_steps(void **st)
{
    (void)st;
    struct model *md;
    struct ls_error err = {0};
    assert_int_equal(model_open("samples/model.lsm", &md, &err), LS_OK);
    int32_t *ids, ctx[80];
    uint32_t n;
    assert_int_equal(model_encode_prompt(md, "{\"name\": \"", 10, &ids, &n, &err), LS_OK);
    memcpy(ctx, ids, n * sizeof *ctx);
    float *z = malloc(md->V * sizeof *z);
    struct rng g;
    rng_seed(&g, 7);
    for (size_t s = 0; s < N_SETTINGS; s++) {
        struct chain c;
        struct params p;
        apply(&settings[s], &c, &p);
        struct pair q;
        pair_init(&q, md->V);
        uint32_t len = n;
        for (int k = 0; k < 40 && len < 80; k++) {
            assert_int_equal(model_next_logits(md, ctx, len, z, &err), LS_OK);
            step(&q, &c, &p, z, (uint32_t)(rng_uniform(&g) * 4), CHAIN_WANT_ALL);
            int32_t tok = q.b.kept[(uint32_t)(rng_uniform(&g) * 3) % q.b.n_kept];
            ctx[len++] = tok == md->eos ? q.b.kept[0] : tok;
        }
        pair_free(&q);
    }
    free(z);
    free(ids);
    model_close(md);
}

/* a llama.cpp row of the table above with no top-k, top-p or min-p */
static int whole_vocab(const struct setting *s)
{
    return !strcmp(s->system, "llama.cpp") && s->top_k == 0 && s->top_p == 1.0 && s->min_p == 0;
}

/* every whole-vocabulary row on z, one step each way, all and draw */
static void whole_vocab_rows(const float *z, uint32_t V)
{
    for (size_t s = 0; s < N_SETTINGS; s++) {
        if (!whole_vocab(&settings[s])) continue;
        struct chain c;
        struct params p;
        apply(&settings[s], &c, &p);
        struct pair q;
        pair_init(&q, V);
        step(&q, &c, &p, z, 0, CHAIN_WANT_ALL);
        step(&q, &c, &p, z, 1, CHAIN_WANT_DRAW);
        pair_free(&q);
    }
}

/* the steps where value order and id order meet: flat (every logit
 * equal: llama.cpp's sort permutes them all), strictly descending by id
 * (its sort leaves id order), descending in plateaus (ties kept
 * together, id order between them), ascending by id */
static void test_flat_and_sorted(void **st)
{
    (void)st;
    static const uint32_t sizes[] = { 129, 200, 1000, 5003, 131072 };
    for (size_t v = 0; v < sizeof sizes / sizeof sizes[0]; v++) {
        uint32_t V = sizes[v];
        float *z = malloc(V * sizeof *z);
        for (int kind = 0; kind < 4; kind++) {
            for (uint32_t i = 0; i < V; i++) {
                if (kind == 0) z[i] = -3.5f;
                else if (kind == 1) z[i] = 4.0f - (float)i * (16.0f / (float)V);
                else if (kind == 2) z[i] = 2.0f - 0.25f * (float)(i / 7);
                else z[i] = -6.0f + (float)i * (12.0f / (float)V);
            }
            whole_vocab_rows(z, V);
        }
        free(z);
    }
}

/* a few equal leaders above everything else, as many as XTC's threshold
 * passes or one more: its removed run ends inside the tie (llama.cpp's
 * tie order chooses which of them stays), or covers it, or stops before
 * it; a tied run at the threshold too. They share llama.cpp's top bucket
 * (every logit from 9.85 up) with a crowd of unlikely ones, so that its
 * std::sort there partitions (over 16 entries) and permutes the tie. */
static void test_tied_leaders(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 99);
    for (int t = 0; t < 32; t++) {
        uint32_t V = t % 3 == 0 ? 300 + (uint32_t)(rng_uniform(&g) * 700) : 2000 + (uint32_t)(rng_uniform(&g) * 30000);
        uint32_t lead = 2 + (uint32_t)t % 5, tail = 1 + (uint32_t)t % 3, crowd = 20 + (uint32_t)t % 30;
        float top = 22.0f + (float)(t % 4), second = top - 1.0f - (float)(t % 2);
        float *z = malloc(V * sizeof *z);
        for (uint32_t i = 0; i < V; i++) z[i] = (float)(-4.0 * rng_uniform(&g));
        for (uint32_t j = 0; j < crowd; j++) z[(uint32_t)(rng_uniform(&g) * V)] = (float)(10.0 + 5.0 * rng_uniform(&g));
        for (uint32_t j = 0; j < lead; j++) z[(uint32_t)(rng_uniform(&g) * V)] = top;
        for (uint32_t j = 0; j < tail; j++) z[(uint32_t)(rng_uniform(&g) * V)] = second;
        whole_vocab_rows(z, V);
        free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ngram_like_steps),
        cmocka_unit_test(test_model_steps),
        cmocka_unit_test(test_flat_and_sorted),
        cmocka_unit_test(test_tied_leaders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
