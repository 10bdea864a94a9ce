/* test_trim_reuse.c: the draw path's per-step shortcuts (issue 9) against
 * what they replace.
 *
 * select_best_floats against a full sort (ties, -0/+0, plateaus, an upper
 * bound above the values); and a result reused step after step (a first
 * top-k, llama.cpp's or torch's: emu_cut_begin resets only the ids the
 * last run left, chain_result.cut_n) against a fresh result each step,
 * with steps that leave the shortcut (a non-finite logit, another preset,
 * a top-N run) in between: the same cut_by, p and kept every time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/chain.h"
#include "sampling/select.h"
#include "sampling/topn.h"
#include "base/rng.h"

static const float *g_z;
static int by_rank(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (g_z[x] != g_z[y]) return g_z[x] > g_z[y] ? -1 : 1;
    return (x > y) - (x < y);
}

static void test_best_floats(void **state)
{
    (void)state;
    enum { N = 3000 };
    float *z = malloc(3 * N * sizeof *z);
    int32_t *ids = malloc(N * sizeof *ids), *want = malloc(N * sizeof *want), out[SELECT_BEST_MAX];
    struct rng g;
    rng_seed(&g, 11);
    int done = 0;
    for (int t = 0; t < 3000; t++) {
        uint32_t c = 1 + (uint32_t)(rng_next(&g) % (t % 3 ? 400 : N)), K = 1 + (uint32_t)(rng_next(&g) % 130);
        int levels = (int)(rng_next(&g) % 5); /* 0: continuous, else few distinct values */
        double zmax = -INFINITY;
        for (uint32_t j = 0; j < c; j++) {
            ids[j] = (int32_t)(j * 3 + (uint32_t)(rng_next(&g) % 3));
            double u = rng_uniform(&g);
            float v = levels ? (float)(int)(u * (levels * 7)) - 3.0f : (float)(20.0 * u - 10.0);
            if (v == 0.0f && (j & 1)) v = -0.0f;
            z[ids[j]] = v;
            if (v > zmax) zmax = v;
        }
        if (t % 7 == 0) zmax += 1.0; /* an upper bound above them all */
        if (!select_best_floats(z, ids, c, zmax, K, out)) continue;
        done++;
        assert_true(K <= c);
        memcpy(want, ids, c * sizeof *want);
        g_z = z;
        qsort(want, c, sizeof *want, by_rank);
        for (uint32_t j = 0; j < K; j++) assert_int_equal(out[j], want[j]);
    }
    assert_true(done > 1000);
    free(z); free(ids); free(want);
}

enum { V = 20000, STEPS = 72 };

struct side { struct chain_ws ws; struct chain_result r; };

static void side_init(struct side *s, int want)
{
    assert_int_equal(chain_ws_init(&s->ws, V), 0);
    assert_int_equal(chain_result_init(&s->r, V), 0);
    s->ws.want = want;
}

static void side_free(struct side *s)
{
    chain_ws_free(&s->ws);
    chain_result_free(&s->r);
}

/* step t's logits: a peaked random row; some with a masked token or ties */
static void make_step(float *z, int t, struct rng *g)
{
    for (uint32_t i = 0; i < V; i++) z[i] = (float)(8.0 * rng_uniform(g) - 4.0);
    for (int j = 0; j < 60; j++) z[rng_next(g) % V] = (float)(6.0 + 6.0 * rng_uniform(g));
    if (t % 9 == 4) z[rng_next(g) % V] = -INFINITY;
    if (t % 11 == 6) for (int j = 0; j < 50; j++) z[rng_next(g) % V] = 9.0f;
}

static void run_step(struct side *s, const struct chain *c, const struct params *p, const float *z, int topn)
{
    struct ls_error err = {0};
    int rc = topn ? topn_run(c, p, z, V, 0.01, -1, 0, &s->ws, &s->r, &err)
                  : chain_run(c, p, z, V, &s->ws, &s->r, &err);
    assert_int_equal(rc, 0);
}

static void same(const struct chain_result *a, const struct chain_result *b)
{
    assert_int_equal(a->n_kept, b->n_kept);
    assert_memory_equal(a->cut_by, b->cut_by, V);
    assert_memory_equal(a->kept, b->kept, a->n_kept * sizeof *a->kept);
    assert_memory_equal(a->p, b->p, V * sizeof *a->p);
}

static void test_reused_result(void **state)
{
    (void)state;
    float *z = malloc(V * sizeof *z);
    struct rng g;
    rng_seed(&g, 5);
    for (int want = CHAIN_WANT_ALL; want <= CHAIN_WANT_SCORES; want++) {
        struct side reused, fresh;
        int shortcut = 0;
        side_init(&reused, want);
        for (int t = 0; t < STEPS; t++) {
            struct chain c;
            struct params p = PARAMS_OFF;
            static const enum preset sys[3] = { PRESET_LLAMACPP, PRESET_HF, PRESET_VLLM };
            chain_preset(&c, sys[(t / 12 + (t % 13 == 7)) % 3]); /* runs of each, and a switch within */
            p.temperature = 0.8;
            p.top_k = t % 5 == 3 ? 20 : 40;
            p.top_p = 0.95;
            p.min_p = 0.05;
            make_step(z, t, &g);
            int known = reused.r.cut_n > 0;
            run_step(&reused, &c, &p, z, t % 6 == 5);
            shortcut += known && reused.r.cut_n > 0;
            side_init(&fresh, want);
            run_step(&fresh, &c, &p, z, t % 6 == 5);
            same(&reused.r, &fresh.r);
            side_free(&fresh);
        }
        side_free(&reused);
        assert_true(shortcut > STEPS / 3); /* the reuse ran */
    }
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_floats),
        cmocka_unit_test(test_reused_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
