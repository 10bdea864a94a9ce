/* test_mirostat_sorted.c: llama.cpp's mirostat (v1, v2) where its cut
 * falls below the value groups or keeps every token (mu large: the
 * sorted way of emu_trim_mirostat.c, keep_sorted / keeps_all, with the
 * survivors' weights put in r->p for emu_run's finish), against the
 * whole-array path (chain_ws.reference = 1: llama.cpp's sorts, its float
 * softmax and its cut position by position). mu is set before each step,
 * from tiny to huge (every p kept, p underflowing to 0 cut), on logits
 * with ties at the top and at the cut, plateaus (few distinct values),
 * wide spreads (terms underflowing in float), one token far above the
 * rest (the weights' sum below 2: emu_fsum's three groups, with and
 * without runs of equal values), -inf masks, V from 200 to
 * 40000, after no temperature, a plain one or temp-ext's; a run reading
 * everything (masses, entropy) and a draw's. Everything the caller reads
 * must be the same to the bit, and the carried mu after accepting a token. */
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
#include "sampling/chain.h"
#include "chain_cmp.h"

enum shape { SMOOTH, WIDE, TIED, PLATEAU, MASKED, PEAKED, PEAKED_RUNS, N_SHAPES };

static void logits(struct rng *g, float *z, uint32_t V, enum shape s)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        if (s == WIDE) z[i] = (float)(20.0 - 140.0 * pow(u, 0.5) - w);
        else if (s == PLATEAU) z[i] = (float)(-(double)(int)(u * 12) * 1.5);
        else z[i] = (float)(-1.1 * log(1 + u * V) + 3 * w);
    }
    if (s == TIED) { /* a tied top, and runs of equal values down the order */
        for (int k = 0; k < 5; k++) z[(uint32_t)(rng_uniform(g) * V)] = 9.0f;
        for (uint32_t i = 0; i < V; i += 7) z[i] = (float)(-0.5 * (double)(i % 40));
    }
    if (s == MASKED) for (uint32_t i = 0; i < V; i += 5) z[i] = -INFINITY;
    if (s >= PEAKED) { /* one token far above (the sum below 2): terms near the grid's ties, runs of equal ones */
        z[(uint32_t)(rng_uniform(g) * V)] = (float)(9.0 + 4.0 * rng_uniform(g));
        for (uint32_t i = 0; s == PEAKED_RUNS && i < V; i += 3) z[i] = (float)(3.0 - 0.25 * (double)(i % 64));
    }
}

struct setting { int mirostat; double T, dyn; };

static const struct setting settings[] = {
    { 2, 1.0, 0 }, { 2, 0.8, 0 }, { 2, 1.3, 0.4 }, { 1, 1.0, 0 }, { 1, 0.7, 0 }, { 1, 1.1, 0.3 },
};

static const double mus[] = { 0.001, 0.5, 3, 10, 22, 26, 31, 40, 55, 80, 120, 149, 150, 200, 1e4 };

static void apply(const struct setting *s, struct chain *c, struct params *p)
{
    chain_preset(c, PRESET_LLAMACPP);
    *p = PARAMS_OFF;
    p->temperature = s->T;
    p->dynatemp_range = s->dyn;
    p->mirostat = s->mirostat;
    p->mirostat_tau = 5;
    p->mirostat_eta = 0.1;
}

/* the whole-array reference (ws[0]) and the shortcuts (ws[1]) */
struct pair { struct chain_ws ws[2]; struct chain_result res[2]; };

static void pair_init(struct pair *q, uint32_t V, enum chain_want want)
{
    for (int k = 0; k < 2; k++) {
        assert_int_equal(chain_ws_init(&q->ws[k], V), 0);
        assert_int_equal(chain_result_init(&q->res[k], V), 0);
    }
    q->ws[0].reference = 1;
    q->ws[1].want = want;
}

static void pair_free(struct pair *q)
{
    for (int k = 0; k < 2; k++) chain_ws_free(&q->ws[k]), chain_result_free(&q->res[k]);
}

/* one step at mu through both, compared as the caller reads it; then a
 * kept token accepted by both, and the carried mu compared */
static void step(struct pair *q, const struct chain *c, const struct params *p, const float *z, uint32_t V, double mu,
                 struct rng *g)
{
    struct ls_error err = {0};
    for (int k = 0; k < 2; k++) {
        q->ws[k].mu = mu;
        q->ws[k].mu_set = 1;
        assert_int_equal(chain_run(c, p, z, V, &q->ws[k], &q->res[k], &err), 0);
    }
    const struct chain_result *b = &q->res[1];
    chain_cmp(&q->res[0], b, q->ws[1].want == CHAIN_WANT_ALL ? CMP_MASSES | CMP_SCORES : 0);
    if (!b->n_kept) return;
    int32_t tok = b->kept[(uint32_t)(rng_uniform(g) * b->n_kept) % b->n_kept];
    for (int k = 0; k < 2; k++) chain_accept(c, p, &q->ws[k], &q->res[k], tok);
    assert_true(q->ws[0].mu == q->ws[1].mu);
}

static void one_size(const struct chain *c, const struct params *p, struct rng *g, uint32_t V, enum chain_want want)
{
    struct pair q;
    pair_init(&q, V, want);
    float *z = malloc(V * sizeof *z);
    for (int s = 0; s < N_SHAPES; s++) {
        for (size_t k = 0; k < sizeof mus / sizeof *mus; k++) {
            logits(g, z, V, (enum shape)s);
            step(&q, c, p, z, V, mus[k], g);
        }
    }
    free(z);
    pair_free(&q);
}

static void test_mu_range(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 2611);
    static const uint32_t sizes[] = { 200, 3000, 40000 };
    for (size_t k = 0; k < sizeof settings / sizeof *settings; k++) {
        struct chain c;
        struct params p;
        apply(&settings[k], &c, &p);
        for (size_t v = 0; v < sizeof sizes / sizeof *sizes; v++) {
            one_size(&c, &p, &g, sizes[v], CHAIN_WANT_ALL);
            one_size(&c, &p, &g, sizes[v], CHAIN_WANT_DRAW);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mu_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
