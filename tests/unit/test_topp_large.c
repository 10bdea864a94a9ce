/* test_topp_large.c: the top-p shortcuts for large nuclei against the
 * whole replay (chain_ws.reference = 1):
 *   - llama.cpp past its first 256 candidates (emu_topp_value.c: value
 *     order, the stop's bucket replayed when a tie straddles it);
 *   - HF's and vLLM's top-p on the array path (emu_topp_torch.c: mass
 *     bands, certified against the rounding of the sums).
 * Random Zipf-like steps, plain and quantised (ties everywhere: runs of
 * equal logits across every boundary), V from 1100 to 70000, with the
 * stages each system may run after top-p; and steps built so that top-p
 * falls exactly on a prefix sum of the ascending order (the certified
 * path must then leave the decision to the sort), or one float step
 * beside it. Every result must be the reference's bit for bit: cut_by,
 * final p, counts, decided flags, masses, entropy. (This found two slips
 * of the replay itself, both fixed: a top-p that never stops left the
 * array in unsorted bucket order, and a first-stage top-p the trim gave up
 * on left the array marked sorted.) */
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

static void zipf_step(struct rng *g, float *z, uint32_t V, double q)
{
    double sharp = 0.6 + 1.2 * rng_uniform(g);
    uint64_t off = rng_next(g) % V;
    for (uint32_t i = 0; i < V; i++) {
        double rank = (double)(((uint64_t)i * 2654435761u + off) % V);
        double v = -sharp * 1.1 * log(1.0 + rank) + 0.3 * rng_uniform(g);
        z[i] = (float)(q > 0 ? round(v * q) / q : v);
    }
}

static void same_result(const struct chain_result *a, const struct chain_result *b, uint32_t V)
{
    assert_int_equal(a->n_kept, b->n_kept);
    assert_int_equal(a->decided, b->decided);
    for (uint32_t i = 0; i < V; i++) {
        assert_int_equal(a->cut_by[i], b->cut_by[i]);
        assert_true(a->p[i] == b->p[i]);
    }
    assert_true(a->entropy_after == b->entropy_after);
    for (int k = 0; k < a->n_stages; k++) {
        assert_int_equal(a->stages[k].kept_out, b->stages[k].kept_out);
        assert_int_equal(a->stages[k].decided, b->stages[k].decided);
        assert_true(a->stages[k].mass_removed == b->stages[k].mass_removed ||
                    fabs(a->stages[k].mass_removed - b->stages[k].mass_removed) <= 1e-12);
    }
}

/* one step through the reference and the shortcuts */
static void both(const struct chain *c, const struct params *p, const float *z, uint32_t V)
{
    struct chain_ws ref, fast;
    struct chain_result a, b;
    struct ls_error err = {0};
    assert_int_equal(chain_ws_init(&ref, V), 0);
    assert_int_equal(chain_ws_init(&fast, V), 0);
    assert_int_equal(chain_result_init(&a, V), 0);
    assert_int_equal(chain_result_init(&b, V), 0);
    ref.reference = 1;
    assert_int_equal(chain_run(c, p, z, V, &ref, &a, &err), 0);
    assert_int_equal(chain_run(c, p, z, V, &fast, &b, &err), 0);
    same_result(&a, &b, V);
    chain_ws_free(&ref); chain_ws_free(&fast);
    chain_result_free(&a); chain_result_free(&b);
}

struct setting { enum preset sys; double T, top_p, min_p, xtc; int min_keep; };

static const struct setting settings[] = {
    { PRESET_LLAMACPP, 1.0, 0.99, 0, 0, 0 },
    { PRESET_LLAMACPP, 0.7, 0.999, 0.0005, 0, 0 },
    { PRESET_LLAMACPP, 1.3, 0.95, 0, 0.5, 0 },     /* xtc after: not applied */
    { PRESET_LLAMACPP, 1.0, 0.98, 0.001, 0, 4 },   /* min-keep: not applied */
    /* float sums that never reach p: nothing cut, the whole array sorted */
    { PRESET_LLAMACPP, 0.8, 0.99999, 0.05, 0, 0 },
    { PRESET_LLAMACPP, 1.0, 0.99999, 0, 0.3, 0 },
    { PRESET_HF, 1.0, 0.99, 0, 0, 2 },             /* min-keep 2: the array path */
    { PRESET_HF, 0.8, 0.9, 0, 0, 3 },
    { PRESET_VLLM, 1.2, 0.995, 0.0001, 0, 0 },
    { PRESET_VLLM, 1.0, 0.5, 0, 0, 0 },
};

static void apply(const struct setting *s, struct chain *c, struct params *p)
{
    chain_preset(c, s->sys);
    *p = PARAMS_OFF;
    p->temperature = s->T;
    p->top_p = s->top_p;
    p->min_p = s->min_p;
    p->min_keep = s->min_keep;
    if (s->xtc > 0) { p->xtc_probability = s->xtc; p->xtc_threshold = 0.1; }
}

static void test_random_and_ties(void **st)
{
    (void)st;
    static const uint32_t Vs[] = { 1100, 5000, 70000 };
    static const double qs[] = { 0, 1000, 16 };
    struct rng g;
    rng_seed(&g, 9);
    float *z = malloc(70000 * sizeof *z);
    assert_non_null(z);
    for (size_t s = 0; s < sizeof settings / sizeof *settings; s++)
        for (int vi = 0; vi < 3; vi++)
            for (int qi = 0; qi < 3; qi++) {
                struct chain c;
                struct params p;
                apply(&settings[s], &c, &p);
                zipf_step(&g, z, Vs[vi], qs[qi]);
                both(&c, &p, z, Vs[vi]);
            }
    free(z);
}

/* HF with min-keep 2 (the array path), T off: top-p placed on the exact
 * prefix sum of the input distribution over the m lowest tokens in
 * ascending (logit, id) order (the sum torch's check adds), and on the
 * float prefix sum's neighbours. */
static int asc(const void *x, const void *y, const float *z)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    if (z[a] != z[b]) return z[a] < z[b] ? -1 : 1;
    return (a > b) - (a < b);
}
static const float *sort_z;
static int asc_cmp(const void *x, const void *y) { return asc(x, y, sort_z); }

static void test_boundaries(void **st)
{
    (void)st;
    const uint32_t V = 6000;
    float *z = malloc(V * sizeof *z);
    int32_t *ord = malloc(V * sizeof *ord);
    double *d = malloc(V * sizeof *d);
    assert_non_null(z); assert_non_null(ord); assert_non_null(d);
    struct rng g;
    rng_seed(&g, 4);
    for (int rep = 0; rep < 2; rep++) {
        zipf_step(&g, z, V, rep ? 8 : 0);
        double mx = -INFINITY, S = 0;
        for (uint32_t i = 0; i < V; i++) if (z[i] > mx) mx = z[i];
        for (uint32_t i = 0; i < V; i++) { d[i] = exp((double)z[i] - mx); S += d[i]; ord[i] = (int32_t)i; }
        sort_z = z;
        qsort(ord, V, sizeof *ord, asc_cmp);
        static const uint32_t ms[] = { 300, 2500, 5000, 5900 };
        for (int k = 0; k < 4; k++) {
            double acc = 0;
            for (uint32_t j = 0; j < ms[k]; j++) acc += d[ord[j]] / S;
            double tops[] = { 1.0 - acc, nextafter(1.0 - acc, 0), nextafter(1.0 - acc, 1),
                              1.0 - (double)(float)acc, 1.0 - (double)nextafterf((float)acc, 1) };
            for (int t = 0; t < 5; t++) {
                struct chain c;
                struct params p;
                chain_preset(&c, PRESET_HF);
                p = PARAMS_OFF;
                p.top_p = tops[t];
                p.min_keep = 2;
                if (!(p.top_p > 0 && p.top_p < 1)) continue;
                both(&c, &p, z, V);
                chain_preset(&c, PRESET_VLLM);
                p.min_keep = 0;
                both(&c, &p, z, V);
            }
        }
    }
    free(z); free(ord); free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_and_ties),
        cmocka_unit_test(test_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
