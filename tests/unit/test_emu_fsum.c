/* test_emu_fsum.c: llama.cpp's mirostat (v1, v2) after a plain or a
 * dynamic temperature, on logits with many distinct values, where the
 * shortcut (emu_trim_mirostat.c, emu_trim_dynatemp.c) sums by groups of
 * values (emu_fsum.c) instead of sorting, against the whole-array path
 * (chain_ws.reference = 1). Logits: Zipf-like with noise (every value
 * distinct, a narrow range: no term is too small to count), a wide
 * real-model-like spread, a mix of a few heavily repeated values and
 * distinct ones (cuts and binade crossings inside runs of equal values),
 * V from 300 to 262144; mu carried over runs of steps (accepting a kept
 * token), tau small and large, penalties and DRY set over a long history
 * (mirostat replaces them). Everything must be the same: cut_by of every token, final p bit
 * for bit, stage counts, decided flags, notes (the dynamic T's digits),
 * masses, effective temperature and the carried mu. */
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

enum shape { ZIPF, WIDE, MIXED, N_SHAPES };

static void logits(struct rng *g, float *z, uint32_t V, enum shape s)
{
    float reps[6];
    for (int k = 0; k < 6; k++) reps[k] = (float)(-1.0 - 9.0 * rng_uniform(g));
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        if (s == ZIPF) z[i] = (float)(-1.1 * log(1 + u * V) + 3 * w);
        else if (s == WIDE) z[i] = (float)(12.0 - 30.0 * pow(u, 0.3) - 4.0 * w);
        else z[i] = u < 0.6 ? reps[(int)(w * 6)] : (float)(-1.1 * log(1 + u * V) + 2 * w);
    }
    if (s == MIXED) for (int k = 0; k < 40; k++) z[(uint32_t)(rng_uniform(g) * V)] = reps[0] + 2.0f; /* a tied top */
}

struct setting { int mirostat; double T, dyn, tau, eta; };

static const struct setting settings[] = {
    { 2, 1.05, 0.25, 5, 0.25 }, /* the explorer bench's key */
    { 2, 1.05, 0, 5, 0.25 },
    { 2, 1.0, 0, 3, 0.5 },      /* no temperature stage */
    { 2, 0.7, 0.5, 2, 0.3 },
    { 2, 1.3, 1.5, 8, 0.1 },    /* dynamic T over a range down to 0 */
    { 1, 0.8, 0.25, 5, 0.1 },
    { 1, 1.2, 0, 3, 0.2 },
    { 2, 0.3, 0.3, 1, 0.5 },
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

static void apply(const struct setting *s, struct chain *c, struct params *p)
{
    chain_preset(c, PRESET_LLAMACPP);
    *p = PARAMS_OFF;
    p->temperature = s->T;
    p->dynatemp_range = s->dyn;
    p->mirostat = s->mirostat;
    p->mirostat_tau = s->tau;
    p->mirostat_eta = s->eta;
    p->repeat_penalty = 1.1;
    p->presence_penalty = 0.1;
    p->dry_multiplier = 0.05;
    p->dry_base = 1.85;
    p->top_k = 10;
    p->top_p = 0.98;
    p->min_p = 0.05;
}

/* steps of one shape and size: both paths, mu carried by both; a
 * history of NH tokens (penalties and DRY would read it: mirostat
 * replaces them) */
enum { NH = 3000 };
static int32_t hist[NH];

static void run_steps(const struct chain *c, const struct params *p, struct rng *g, uint32_t V, enum shape s, int steps)
{
    struct chain_ws ref, fast;
    struct chain_result a, b;
    struct ls_error err = {0};
    uint32_t nh = steps > 2 ? NH : 48;
    for (uint32_t i = 0; i < nh; i++) hist[i] = (int32_t)(((i % 16 + i / 700) * 2654435761u) % V);
    assert_int_equal(chain_ws_init(&ref, V), 0);
    assert_int_equal(chain_ws_init(&fast, V), 0);
    assert_int_equal(chain_result_init(&a, V), 0);
    assert_int_equal(chain_result_init(&b, V), 0);
    ref.reference = 1;
    chain_ws_set_context(&ref, hist, nh, 0, nh, 1);
    chain_ws_set_context(&fast, hist, nh, 0, nh, 1);
    float *z = malloc(V * sizeof *z);
    for (int t = 0; t < steps; t++) {
        logits(g, z, V, s);
        assert_int_equal(chain_run(c, p, z, V, &ref, &a, &err), 0);
        assert_int_equal(chain_run(c, p, z, V, &fast, &b, &err), 0);
        chain_cmp(&a, &b, CMP_MASSES | CMP_SCORES);
        int32_t tok = b.kept[(uint32_t)(rng_uniform(g) * b.n_kept) % b.n_kept];
        chain_accept(c, p, &ref, &a, tok);
        chain_accept(c, p, &fast, &b, tok);
        assert_int_equal(ref.mu_set, fast.mu_set);
        assert_true(ref.mu == fast.mu);
    }
    free(z);
    chain_ws_free(&ref);
    chain_ws_free(&fast);
    chain_result_free(&a);
    chain_result_free(&b);
}

static void test_many_values(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 909);
    static const uint32_t sizes[] = { 300, 2000, 9000, 65536 };
    for (size_t k = 0; k < N_SETTINGS; k++) {
        struct chain c;
        struct params p;
        apply(&settings[k], &c, &p);
        for (int s = 0; s < N_SHAPES; s++)
            for (size_t v = 0; v < sizeof sizes / sizeof sizes[0]; v++)
                run_steps(&c, &p, &g, sizes[v], (enum shape)s, v == 3 ? 2 : 5);
    }
}

/* the explorer bench's size, its two keys */
static void test_full_size(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 77);
    for (size_t k = 0; k < 2; k++) {
        struct chain c;
        struct params p;
        apply(&settings[k], &c, &p);
        run_steps(&c, &p, &g, 262144, ZIPF, 2);
        run_steps(&c, &p, &g, 262144, WIDE, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_values),
        cmocka_unit_test(test_full_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
