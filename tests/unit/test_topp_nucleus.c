/* test_topp_nucleus.c: top-p over a large nucleus (tens of thousands of
 * tokens up to V = 262144, the explorer's top-p 0.99 without top-k) on
 * every preset, against the whole-array replay (chain_ws.reference = 1),
 * bit for bit: cut_by and the final p of every token, the kept list, the
 * counts, decided flags and notes, every stage's masses (not to a
 * tolerance: the shortcuts sum the same sequences), entropy and retained
 * mass. Steps: Zipf-like logits with noise, and quantised ones (runs of
 * equal logits across every boundary: the cut falls inside a run of
 * ties), T off and on, top-p from 0.5 to 0.9999, with and without a
 * min-p after (llama.cpp) and min-keep. Covers emu_torch_topp_run.c
 * (HF, vLLM) and emu_topp_value.c (llama.cpp). */
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

/* the bench's step (Zipf-like with noise), quantised to 1/q when q > 0 */
static void step(struct rng *g, float *z, uint32_t V, double q, double noise)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g), w = rng_uniform(g);
        double v = -1.1 * log(1 + u * V) + noise * w;
        z[i] = (float)(q > 0 ? round(v * q) / q : v);
    }
}

/* HF's and vLLM's margin-decided first cut (emu_trim_torch.c) sums its own
 * way (to 1e-12, and not at all for a caller that reads no masses): only
 * where the crossing token's share is above twice its margin (4e-6) */
static int torch_trim_may_run(const struct chain *c, const struct chain_result *a)
{
    if (c->preset == PRESET_LLAMACPP) return 0;
    double pmin = INFINITY;
    for (uint32_t j = 0; j < a->n_kept; j++) if (a->p[a->kept[j]] < pmin) pmin = a->p[a->kept[j]];
    double removed = 0;
    for (int k = 0; k < a->n_stages; k++) if (a->stages[k].active) removed = a->stages[k].mass_removed;
    return !(pmin * (1 - removed) < 2e-6);
}

/* one step through the reference and the shortcuts (the fast workspace
 * reused, as the explorer does), for each thing a caller may want */
static void both(struct chain_pair *f, const struct chain *c, const struct params *p, const float *z)
{
    struct ls_error err = {0};
    static const enum chain_want wants[] = { CHAIN_WANT_ALL, CHAIN_WANT_SCORES, CHAIN_WANT_DRAW };
    for (int w = 0; w < 3; w++) {
        f->ref.want = f->fast.want = wants[w];
        assert_int_equal(chain_run(c, p, z, f->V, &f->ref, &f->a, &err), 0);
        assert_int_equal(chain_run(c, p, z, f->V, &f->fast, &f->b, &err), 0);
        int loose = wants[w] != CHAIN_WANT_ALL || torch_trim_may_run(c, &f->a);
        chain_cmp(&f->a, &f->b, CMP_SCORES | (loose ? CMP_MASSES_NEAR : CMP_MASSES));
    }
}

struct setting { enum preset sys; double T, top_p, min_p; int min_keep; };

static const struct setting settings[] = {
    { PRESET_HF, 1.0, 0.99, 0, 0 },
    { PRESET_HF, 1.05, 0.99, 0, 0 },
    { PRESET_HF, 0.7, 0.95, 0, 1 },
    { PRESET_HF, 1.3, 0.9999, 0, 0 },
    { PRESET_HF, 0.7, 0.5, 0, 2 },        /* min-keep 2: the array path */
    { PRESET_VLLM, 1.0, 0.99, 0, 0 },
    { PRESET_VLLM, 1.05, 0.9, 0, 0 },
    { PRESET_VLLM, 0.7, 0.999, 0, 0 },
    { PRESET_VLLM, 1.05, 0.99, 0.001, 0 },  /* min-p first: not this path */
    { PRESET_LLAMACPP, 1.0, 0.99, 0, 0 },
    { PRESET_LLAMACPP, 1.05, 0.99, 0, 0 },
    { PRESET_LLAMACPP, 0.7, 0.95, 0, 0 },
    { PRESET_LLAMACPP, 0.7, 0.5, 0, 0 },   /* a stop within the first 256 */
    { PRESET_LLAMACPP, 1.05, 0.999, 0.0001, 0 },
    { PRESET_LLAMACPP, 1.05, 0.99, 0, 3 },
};

static void apply(const struct setting *s, struct chain *c, struct params *p)
{
    chain_preset(c, s->sys);
    *p = PARAMS_OFF;
    p->temperature = s->T;
    p->top_p = s->top_p;
    p->min_p = s->min_p;
    p->min_keep = s->min_keep;
}

/* every setting, or (sparse) every third */
static void run_all(uint32_t V, const double *qs, int nq, double noise, uint64_t seed, int sparse)
{
    struct chain_pair f;
    struct rng g;
    float *z = malloc(V * sizeof *z);
    assert_non_null(z);
    chain_pair_init(&f, V);
    rng_seed(&g, seed);
    for (int qi = 0; qi < nq; qi++) {
        step(&g, z, V, qs[qi], noise);
        for (size_t s = sparse ? (size_t)qi % 3 : 0; s < sizeof settings / sizeof *settings; s += sparse ? 3 : 1) {
            struct chain c;
            struct params p;
            apply(&settings[s], &c, &p);
            both(&f, &c, &p, z);
        }
    }
    chain_pair_free(&f);
    free(z);
}

/* the explorer's size: plain and heavily tied */
static void test_v262144(void **st)
{
    (void)st;
    static const double qs[] = { 0, 8 };
    run_all(262144, qs, 2, 3.0, 11, 1);
}

/* smaller steps, more tie patterns (q 4: a few dozen values, every cut
 * inside a run; q 1000: short runs) and a flatter or a sharper noise */
static void test_sizes_and_ties(void **st)
{
    (void)st;
    static const double qs[] = { 0, 4, 64, 1000 };
    run_all(1500, qs, 4, 3.0, 4, 0);
    run_all(4096, qs, 4, 3.0, 5, 0);
    run_all(20000, qs, 4, 0.5, 6, 0);
    run_all(50000, qs, 4, 6.0, 7, 1);
}

/* top-p at every cut position over a quantised step: p placed on the
 * mass of each distinct value's run (and one float beside it), so the
 * float and exact sums land on, before and after a run's end */
static void test_cut_in_runs(void **st)
{
    (void)st;
    const uint32_t V = 12000;
    struct chain_pair f;
    struct rng g;
    float *z = malloc(V * sizeof *z);
    assert_non_null(z);
    chain_pair_init(&f, V);
    rng_seed(&g, 3);
    step(&g, z, V, 6, 3.0);
    double mx = -INFINITY, S = 0, acc = 0;
    for (uint32_t i = 0; i < V; i++) if (z[i] > mx) mx = z[i];
    for (uint32_t i = 0; i < V; i++) S += exp((double)z[i] - mx);
    for (double v = mx; v > mx - 12 && acc < 0.9999; v -= 1.0 / 6) {
        for (uint32_t i = 0; i < V; i++) if (fabs(z[i] - v) < 1e-3) acc += exp((double)z[i] - mx) / S;
        double tops[] = { acc, nextafter(acc, 0), acc - 1e-5, acc + 2e-7 };
        for (int t = 0; t < 4; t++) {
            static const enum preset sys[] = { PRESET_HF, PRESET_VLLM, PRESET_LLAMACPP };
            for (int s = 0; s < 3; s++) {
                struct chain c;
                struct params p;
                chain_preset(&c, sys[s]);
                p = PARAMS_OFF;
                p.top_p = tops[t];
                p.temperature = t & 1 ? 1.05 : 1.0;
                if (p.top_p > 0 && p.top_p < 1) both(&f, &c, &p, z);
            }
        }
    }
    chain_pair_free(&f);
    free(z);
}

/* the systems' own float sums placed on the boundary: top-p equal to one
 * of llama.cpp's float cumulative sums (descending), or to torch's
 * threshold at one of its float prefix sums (ascending), and a few float
 * steps beside; the exact path must agree to the bit */
static const float *bz;
static int z_desc(const void *x, const void *y)
{
    float a = bz[*(const int32_t *)x], b = bz[*(const int32_t *)y];
    return a > b ? -1 : a < b;
}

static void llama_sums(const float *z, uint32_t V, int32_t *ord, float *p)
{
    float mx = -INFINITY, cum = 0.0f;
    for (uint32_t i = 0; i < V; i++) if (z[i] > mx) mx = z[i];
    for (uint32_t i = 0; i < V; i++) { p[i] = expf(z[i] - mx); cum += p[i]; ord[i] = (int32_t)i; }
    for (uint32_t i = 0; i < V; i++) p[i] = p[i] / cum;
    bz = z;
    qsort(ord, V, sizeof *ord, z_desc);
}

static void torch_sums(const float *z, uint32_t V, float *p)
{
    double mx = -INFINITY, s = 0.0;
    for (uint32_t i = 0; i < V; i++) if (z[i] > mx) mx = z[i];
    for (uint32_t i = 0; i < V; i++) { p[i] = expf((float)((double)z[i] - mx)); s += p[i]; }
    float sf = (float)s;
    for (uint32_t i = 0; i < V; i++) p[i] = (float)((double)p[i] / (double)sf);
}

static void test_float_boundaries(void **st)
{
    (void)st;
    const uint32_t V = 20000;
    struct chain_pair f;
    struct rng g;
    float *z = malloc(V * sizeof *z), *p = malloc(V * sizeof *p);
    int32_t *ord = malloc(V * sizeof *ord);
    assert_non_null(z); assert_non_null(p); assert_non_null(ord);
    chain_pair_init(&f, V);
    rng_seed(&g, 21);
    step(&g, z, V, 0, 3.0);
    static const uint32_t ms[] = { 3000, 9000, 15000 };
    llama_sums(z, V, ord, p);
    for (int k = 0; k < 3; k++) {
        float cum = 0.0f;
        for (uint32_t t = 0; t < ms[k]; t++) cum += p[ord[t]];
        for (int u = -2; u <= 2; u++) {
            struct chain c;
            struct params q = PARAMS_OFF;
            chain_preset(&c, PRESET_LLAMACPP);
            float P = cum;
            for (int j = 0; j < u; j++) P = nextafterf(P, 1.0f);
            for (int j = 0; j > u; j--) P = nextafterf(P, 0.0f);
            q.top_p = (double)P;
            both(&f, &c, &q, z);
        }
    }
    torch_sums(z, V, p);
    for (uint32_t i = 0; i < V; i++) ord[i] = (int32_t)(V - 1 - i);
    qsort(ord, V, sizeof *ord, z_desc); /* descending; ascending is read backwards */
    for (int k = 0; k < 3; k++) {
        double acc = 0.0;
        for (uint32_t t = 0; t < V - ms[k]; t++) acc += p[ord[V - 1 - t]];
        for (int u = -3; u <= 3; u++) {
            struct chain c;
            struct params q = PARAMS_OFF;
            chain_preset(&c, k & 1 ? PRESET_HF : PRESET_VLLM);
            q.top_p = 1.0 - (double)(float)acc + u * 1e-8;
            both(&f, &c, &q, z);
        }
    }
    chain_pair_free(&f);
    free(z); free(p); free(ord);
}

/* top-p equal to llama.cpp's float cumulative sum at 24 positions (and
 * a float step below): its stop falls exactly there */
static void llama_at_sums(struct chain_pair *f, const float *z, uint32_t V)
{
    float *p = malloc(V * sizeof *p);
    int32_t *ord = malloc(V * sizeof *ord);
    assert_non_null(p); assert_non_null(ord);
    llama_sums(z, V, ord, p);
    float cum = 0.0f;
    for (uint32_t t = 0, next = 1; t < V; t++) {
        cum += p[ord[t]];
        if (t + 1 != next) continue;
        next = next * 3 / 2 + 1;
        for (int u = 0; u < 2 && cum < 1.0f; u++) {
            struct chain c;
            struct params q = PARAMS_OFF;
            chain_preset(&c, PRESET_LLAMACPP);
            q.top_p = (double)(u ? nextafterf(cum, 0.0f) : cum);
            both(f, &c, &q, z);
        }
    }
    free(p); free(ord);
}

/* llama.cpp's run (emu_llama_topp_run.c) steers its sort by a histogram
 * of every 8th token's term: steps that mislead it (the sampled tokens
 * far below or far above the rest, so the first threshold holds too
 * little mass or far too much and a lower one, at last every token, is
 * tried), logits packed close to 0 (floats dense there, many distinct
 * values within a few ulp), lengths just past the run's 1024 and not a
 * multiple of the vector lanes, and a step whose sum stops inside its
 * first 256 */
static void test_llama_sort_steering(void **st)
{
    (void)st;
    static const uint32_t Vs[] = { 1025, 1041, 40000 };
    static const double tops[] = { 0.3, 0.9, 0.99, 0.999 };
    struct rng g;
    rng_seed(&g, 31);
    for (int vi = 0; vi < 3; vi++) {
        uint32_t V = Vs[vi];
        struct chain_pair f;
        float *z = malloc(V * sizeof *z);
        assert_non_null(z);
        chain_pair_init(&f, V);
        for (int pat = 0; pat < 4; pat++) {
            step(&g, z, V, 0, 3.0);
            for (uint32_t i = 0; i < V; i++) {
                if (pat == 0 && i % 8 == 0) z[i] -= 12.0f; /* the sample sees the tail only */
                if (pat == 1 && i % 8 != 0) z[i] -= 12.0f; /* the sample sees the head only */
                if (pat == 2) z[i] = (float)(1e-3 * (rng_uniform(&g) - 0.5)); /* dense near 0 */
                if (pat == 3 && i % 97 == 0) z[i] = 9.0f;  /* a few dominate */
            }
            llama_at_sums(&f, z, V);
            for (int t = 0; t < 4; t++)
                for (int temp = 0; temp < 2; temp++) {
                    struct chain c;
                    struct params q = PARAMS_OFF;
                    chain_preset(&c, PRESET_LLAMACPP);
                    q.top_p = tops[t];
                    q.temperature = temp ? 0.7 : 1.0;
                    both(&f, &c, &q, z);
                }
        }
        chain_pair_free(&f);
        free(z);
    }
}

/* min-keep binding by one token, or just not: c dominant tokens (equal
 * logits, or a quarter nat apart) over a noisy floor, top-p a little
 * below their mass so the cut keeps c, and min-keep c - 1, c or c + 1
 * (HF's; vLLM keeps 1). The band path (emu_topp_torch.c, bands_cut)
 * decides by its mask count whether min-keep binds and the sort must
 * run: a count or a comparison one off keeps a token too few. */
static void test_min_keep_at_crossing(void **st)
{
    (void)st;
    static const uint32_t Vs[] = { 4096, 20000 };
    struct rng g;
    rng_seed(&g, 41);
    for (int vi = 0; vi < 2; vi++) {
        uint32_t V = Vs[vi];
        struct chain_pair f;
        float *z = malloc(V * sizeof *z);
        assert_non_null(z);
        chain_pair_init(&f, V);
        for (int c = 1; c <= 5; c++)
            for (int tied = 0; tied < 2; tied++) {
                for (uint32_t i = 0; i < V; i++) z[i] = (float)(-rng_uniform(&g));
                double S = 0, top = 0;
                for (int k = 0; k < c; k++) z[(rng_next(&g) % (V / c)) + (uint32_t)k * (V / c)] = tied ? 12.0f : 12.0f - 0.25f * (float)k;
                for (uint32_t i = 0; i < V; i++) S += exp((double)z[i] - 12.0);
                for (uint32_t i = 0; i < V; i++) if (z[i] > 5) top += exp((double)z[i] - 12.0);
                for (int mk = c - 1; mk <= c + 1; mk++)
                    for (int s = 0; s < 4; s++) {
                        struct chain cc;
                        struct params p = PARAMS_OFF;
                        chain_preset(&cc, s & 1 ? PRESET_VLLM : PRESET_HF);
                        p.top_p = top / S - 1e-4;
                        p.temperature = s & 2 ? 1.0 : 0.9;
                        p.min_keep = mk;
                        both(&f, &cc, &p, z);
                    }
            }
        chain_pair_free(&f);
        free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v262144),
        cmocka_unit_test(test_sizes_and_ties),
        cmocka_unit_test(test_cut_in_runs),
        cmocka_unit_test(test_float_boundaries),
        cmocka_unit_test(test_llama_sort_steering),
        cmocka_unit_test(test_min_keep_at_crossing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
