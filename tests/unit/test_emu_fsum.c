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
#include "sampling/emu_fsum.h"
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

/* fsum_group's layout, read directly: the grouped values (z >= thr) in
 * buckets of disjoint value ranges from the top down, each bucket's values
 * in id order; the left out after them in id order; n and the smallest
 * grouped value. V not a multiple of 4 (the counting sort's parts leave a
 * rest), a short `at` (its counts on the stack), repeated values, ties at
 * the threshold. */
static void check_group(const float *z, uint32_t V, double thr, uint32_t cap)
{
    float *v = malloc(V * sizeof *v), mx = -INFINITY;
    uint32_t *at = malloc(cap * sizeof *at), *tmp = malloc(V * sizeof *tmp), *ptr = malloc(cap * sizeof *ptr);
    float *bmin = malloc(cap * sizeof *bmin), *bmax = malloc(cap * sizeof *bmax);
    double *est = malloc(V * sizeof *est);
    for (uint32_t i = 0; i < V; i++) mx = z[i] > mx ? z[i] : mx;
    struct fsum_groups g;
    fsum_group(&g, z, V, mx, thr, v, at, cap, est, tmp);
    assert_true(g.nb >= 1 && g.nb + 2 <= cap);
    uint32_t n = 0;
    float lo = mx;
    for (uint32_t i = 0; i < V; i++)
        if ((double)z[i] >= thr) n++, lo = z[i] < lo ? z[i] : lo;
    assert_int_equal(g.n, n);
    assert_true(g.lo == lo);
    assert_int_equal(at[0], 0);
    assert_int_equal(at[g.nb], n);
    float below = INFINITY; /* every value of the buckets so far */
    uint32_t nne = 0, *ne = tmp; /* the full buckets, in order (tmp is free again) */
    for (uint32_t b = 0; b < g.nb; b++) {
        assert_true(at[b] <= at[b + 1]);
        ptr[b] = at[b];
        bmax[b] = -INFINITY, bmin[b] = INFINITY;
        for (uint32_t j = at[b]; j < at[b + 1]; j++) bmax[b] = fmaxf(bmax[b], v[j]), bmin[b] = fminf(bmin[b], v[j]);
        if (at[b] == at[b + 1]) continue;
        ne[nne++] = b;
        assert_true(bmax[b] < below); /* ranges disjoint, from the top down */
        below = bmin[b];
    }
    uint32_t rest = n;
    for (uint32_t i = 0; i < V; i++) {
        if ((double)z[i] < thr) { assert_memory_equal(&v[rest++], &z[i], sizeof *z); continue; }
        uint32_t lo_k = 0, hi_k = nne; /* the first full bucket whose least value is <= z[i] */
        while (lo_k < hi_k) {
            uint32_t mid = (lo_k + hi_k) / 2;
            if (bmin[ne[mid]] <= z[i]) hi_k = mid;
            else lo_k = mid + 1;
        }
        assert_true(lo_k < nne);
        uint32_t b = ne[lo_k]; /* the one bucket whose value range holds z[i] */
        assert_true(z[i] <= bmax[b] && ptr[b] < at[b + 1]);
        assert_memory_equal(&v[ptr[b]++], &z[i], sizeof *z); /* in id order */
    }
    assert_int_equal(rest, V);
    for (uint32_t b = 0; b < g.nb; b++) assert_int_equal(ptr[b], at[b + 1]);
    free(v), free(at), free(tmp), free(ptr), free(bmin), free(bmax), free(est);
}

static void test_group_layout(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 4242);
    static const uint32_t sizes[] = { 1, 3, 5, 7, 63, 64, 66, 301, 4099, 65537, 131075 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint32_t V = sizes[k];
        float *z = malloc(V * sizeof *z);
        for (int s = 0; s < N_SHAPES; s++) {
            logits(&g, z, V, (enum shape)s);
            float mx = -INFINITY;
            for (uint32_t i = 0; i < V; i++) mx = z[i] > mx ? z[i] : mx;
            double thr[3] = { (double)mx - 8.0, (double)mx - 40.0, (double)z[V / 2] }; /* the last: a tie at thr */
            for (int t = 0; t < 3; t++) {
                check_group(z, V, thr[t], V >= 3 ? V : 3);
                check_group(z, V, thr[t], 15); /* counts on the stack */
                check_group(z, V, thr[t], 16);
            }
        }
        free(z);
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
        cmocka_unit_test(test_group_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
