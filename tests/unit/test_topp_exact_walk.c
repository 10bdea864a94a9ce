/* test_topp_exact_walk.c: the exact chain's top-p over every token
 * (topp.c with the candidate list left implicit: band_of_every's vector
 * collect, cut.c's cut_iota_walk summing the removed masses run by run)
 * against the same chain with the list written out and walked
 * (chain_ws.reference = 1), bit for bit: kept set, cut_by, p, every
 * stage's removed masses (of q and of the raw softmax), entropy and
 * retained mass. Steps: Zipf-like logits with noise, quantised ones (runs
 * of equal logits, the crossing inside a run: the tie rule keeps ids up to
 * the crossing token's), a flat one (the band is most of the tokens) and
 * one with a deep tail (the histogram's last, open bucket),
 * V from 4097 (the histogram's threshold) to 262144; top-p alone, after a
 * temperature (T 1: q is the raw softmax; 0.7, 1.3), before a min-p, and
 * at p placed on a run's mass, for every caller's want. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "base/rng.h"
#include "sampling/chain.h"
#include "chain_cmp.h"

/* Zipf-like with noise, quantised to 1/q when q > 0; kind 2: flat (every
 * logit within 0.05 of 0); kind 3: a deep tail (one token in 7 from 40 to
 * 300 nats down: the histogram's open last bucket, 255, and those below
 * it) */
static void step(struct rng *g, float *z, uint32_t V, double q, int kind)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        double v = kind == 2 ? 0.05 * w : -1.1 * log(1 + u * V) + 3.0 * w;
        if (kind == 3 && i % 7 == 0) v -= 40.0 + 260.0 * rng_uniform(g);
        z[i] = (float)(q > 0 ? round(v * q) / q : v);
    }
}

static void both(struct chain_pair *f, const struct params *p, const float *z, uint32_t V, int min_p_after)
{
    static const enum chain_want wants[] = { CHAIN_WANT_ALL, CHAIN_WANT_SCORES };
    struct ls_error err = {0};
    struct chain c;
    chain_preset(&c, min_p_after ? PRESET_LLAMACPP : PRESET_HF);
    c.exact = 1;
    for (int w = 0; w < 2; w++) {
        f->ref.want = f->fast.want = wants[w];
        assert_int_equal(chain_run(&c, p, z, V, &f->ref, &f->a, &err), 0);
        assert_int_equal(chain_run(&c, p, z, V, &f->fast, &f->b, &err), 0);
        chain_cmp(&f->a, &f->b, CMP_SCORES | CMP_MASSES);
    }
}

/* p equal to the mass of the top runs (and a step beside): the crossing on
 * a run's last token or just past it */
static void at_runs(struct chain_pair *f, const float *z, uint32_t V, double T)
{
    double mx = -INFINITY, S = 0, acc = 0;
    for (uint32_t i = 0; i < V; i++) if (z[i] > mx) mx = z[i];
    for (uint32_t i = 0; i < V; i++) S += exp(((double)z[i] - mx) / T);
    int runs = 0;
    for (double v = mx; runs < 6 && acc < 0.999; v -= 0.25, runs++) {
        for (uint32_t i = 0; i < V; i++) if (fabs(z[i] - v) < 1e-4) acc += exp(((double)z[i] - mx) / T) / S;
        double tops[] = { acc, nextafter(acc, 0), acc + 1e-9 };
        for (int t = 0; t < 3; t++) {
            struct params p = PARAMS_OFF;
            p.temperature = T;
            p.top_p = tops[t];
            if (p.top_p > 0 && p.top_p < 1) both(f, &p, z, V, 0);
        }
    }
}

static void test_walk(void **st)
{
    (void)st;
    static const uint32_t Vs[] = { 4097, 20000, 131072, 262144 };
    static const double Ts[] = { 1.0, 0.7, 1.3 }, tops[] = { 0.3, 0.9, 0.99, 0.9999 };
    struct rng g;
    rng_seed(&g, 77);
    for (int vi = 0; vi < 4; vi++) {
        uint32_t V = Vs[vi];
        struct chain_pair f;
        float *z = malloc(V * sizeof *z);
        assert_non_null(z);
        chain_pair_init(&f, V);
        for (int kind = 0; kind < 4; kind++) {
            step(&g, z, V, kind == 1 ? 4.0 : 0.0, kind);
            for (int ti = 0; ti < 3; ti++)
                for (int pi = 0; pi < 4; pi++) {
                    struct params p = PARAMS_OFF;
                    p.temperature = Ts[ti];
                    p.top_p = tops[pi];
                    both(&f, &p, z, V, 0);
                    p.min_p = 0.01; /* llama.cpp's order: top-p, then min-p, then T */
                    both(&f, &p, z, V, 1);
                }
            if (kind == 1 && V <= 20000) { at_runs(&f, z, V, 1.0); at_runs(&f, z, V, 0.7); }
        }
        chain_pair_free(&f);
        free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
