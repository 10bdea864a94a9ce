/* test_differential.c: a random differential test. For every preset,
 * >= 5,000 random steps (ties, plateaus, exact-mass boundaries, +-1e30,
 * -inf masks) run through the engine's exact mode and through the
 * straightforward reference below, written independently: sort everything
 * by (logit desc, id asc), then apply each stage's textbook rule in double.
 * Kept sets must be identical and probabilities agree to 1e-9.
 * A second property covers the system modes: a system may keep a different
 * set than the exact reference only where it says tie order, float32
 * rounding or an overflow decided (r.decided != 0), and never when every
 * value is distinct and far from a boundary. */
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

#define CASES 5000
#define MAXV 40

struct ref { double z[MAXV]; int id[MAXV]; int n; double T; };

static int before(const struct ref *r, int a, int b)
{
    return r->z[a] > r->z[b] || (r->z[a] == r->z[b] && a < b);
}

/* r->id[0..n) sorted by (z desc, id asc): insertion sort */
static void ref_sort(struct ref *r)
{
    for (int i = 1; i < r->n; i++)
        for (int j = i; j > 0 && before(r, r->id[j], r->id[j - 1]); j--) {
            int t = r->id[j]; r->id[j] = r->id[j - 1]; r->id[j - 1] = t;
        }
}

static double ref_max(const struct ref *r)
{
    double m = -INFINITY;
    for (int j = 0; j < r->n; j++) if (r->z[r->id[j]] > m) m = r->z[r->id[j]];
    return m;
}

static void ref_temperature(struct ref *r, const struct chain *c, double T)
{
    if (T > 0 && T < c->temp_floor) T = c->temp_floor;
    if (T > 0) { r->T = T; return; }
    ref_sort(r);
    r->n = 1; /* the lowest id among the maxima */
}

static void ref_top_k(struct ref *r, const struct chain *c, int k)
{
    if (k <= 0 || k >= r->n) return;
    ref_sort(r);
    if (c->topk_ties == TIES_BY_ID) { r->n = k; return; }
    double kth = r->z[r->id[k - 1]];
    int m = k;
    while (m < r->n && r->z[r->id[m]] == kth) m++;
    r->n = m;
}

static void ref_top_p(struct ref *r, double p)
{
    if (p >= 1) return;
    ref_sort(r);
    double mx = ref_max(r), S = 0, cum = 0;
    for (int j = 0; j < r->n; j++) S += exp((r->z[r->id[j]] - mx) / r->T);
    for (int j = 0; j < r->n; j++) {
        cum += exp((r->z[r->id[j]] - mx) / r->T) / S;
        if (cum >= p - 1e-12) { r->n = j + 1; return; }
    }
}

static void ref_min_p(struct ref *r, double mp)
{
    if (mp <= 0) return;
    double thr = ref_max(r) + r->T * log(mp);
    int m = 0;
    for (int j = 0; j < r->n; j++) if (r->z[r->id[j]] >= thr) r->id[m++] = r->id[j];
    r->n = m;
}

/* logit bias: z += v on listed ids still alive; -inf removes them, unless
 * that would remove every one (then no ban applies) */
static void ref_logit_bias(struct ref *r, const struct logit_bias *b)
{
    int alive[MAXV] = {0}, banned = 0;
    for (int j = 0; j < r->n; j++) alive[r->id[j]] = 1;
    for (uint32_t k = 0; k < b->n; k++) banned += alive[b->id[k]] && b->v[k] == -INFINITY;
    int bans = banned < r->n;
    for (uint32_t k = 0; k < b->n; k++) {
        if (!alive[b->id[k]]) continue;
        if (b->v[k] != -INFINITY) r->z[b->id[k]] += b->v[k];
        else if (bans) alive[b->id[k]] = 0;
    }
    int m = 0;
    for (int j = 0; j < r->n; j++) if (alive[r->id[j]]) r->id[m++] = r->id[j];
    r->n = m;
}

static void ref_run(const struct chain *c, const struct params *p, const float *z, int V, struct ref *r)
{
    r->n = 0;
    r->T = 1;
    for (int i = 0; i < V; i++) { r->z[i] = z[i]; if (isfinite(z[i])) r->id[r->n++] = i; }
    for (int s = 0; s < c->n; s++) {
        switch (c->order[s]) {
        case STAGE_TEMPERATURE: if (p->temperature != 1) ref_temperature(r, c, p->temperature); break;
        case STAGE_TOP_K: ref_top_k(r, c, p->top_k); break;
        case STAGE_TOP_P: ref_top_p(r, p->top_p); break;
        case STAGE_MIN_P: ref_min_p(r, p->min_p); break;
        case STAGE_LOGIT_BIAS: ref_logit_bias(r, &p->bias); break;
        default: break; /* the other stages stay off in this test */
        }
    }
}

/* logits with ties, plateaus, huge values and masks */
static void random_case(struct rng *g, float *z, int *V, struct params *p)
{
    *V = 1 + (int)(rng_uniform(g) * MAXV);
    int kind = (int)(rng_uniform(g) * 4);
    for (int i = 0; i < *V; i++) {
        double u = rng_uniform(g);
        z[i] = kind == 0 ? (float)(int)(u * 3)              /* plateaus: equal masses */
             : kind == 1 ? (float)(u * 8 - 4)
             : kind == 2 ? (float)((int)(u * 5) * 0.5)
             : (float)(u * 20 - 10);
        double w = rng_uniform(g);
        if (w < 0.05) z[i] = -INFINITY;
        else if (w < 0.07) z[i] = 1e30f;
        else if (w < 0.09) z[i] = -1e30f;
    }
    if (rng_uniform(g) < 0.03) for (int i = 0; i < *V; i++) z[i] = -INFINITY;
    static const double temps[] = {0, 1e-7, 0.005, 0.5, 1, 1, 2.5};
    static const double tops[] = {1, 1, 0.5, 0.25, 0.75, 0, 0.9};
    static const double mins[] = {0, 0, 0.1, 0.5, 1, 0.05};
    *p = PARAMS_OFF;
    p->temperature = temps[(int)(rng_uniform(g) * 7)];
    p->top_k = (int32_t)(rng_uniform(g) * (*V + 2)) * (rng_uniform(g) < 0.6);
    p->top_p = rng_uniform(g) < 0.3 ? rng_uniform(g) : tops[(int)(rng_uniform(g) * 7)];
    p->min_p = mins[(int)(rng_uniform(g) * 6)];
    /* a logit bias in a third of the cases: bans, and shifts that make or
     * break ties (distinct ids; an id may be masked already) */
    static const double biases[] = { -INFINITY, -2, 0.5, 3, -INFINITY, 1e30 };
    if (rng_uniform(g) < 0.33)
        for (int k = 0, n = 1 + (int)(rng_uniform(g) * 3); k < n && k < *V; k++) {
            p->bias.id[p->bias.n] = (int32_t)(((unsigned)(rng_uniform(g) * *V) + (unsigned)k) % (unsigned)*V);
            int dup = 0;
            for (uint32_t j = 0; j < p->bias.n; j++) dup |= p->bias.id[j] == p->bias.id[p->bias.n];
            if (!dup) p->bias.v[p->bias.n++] = biases[(int)(rng_uniform(g) * 6)];
        }
}

static int any_finite(const float *z, int V)
{
    for (int i = 0; i < V; i++) if (isfinite(z[i])) return 1;
    return 0;
}

static void check_exact(const struct chain_result *res, const struct ref *r, int V)
{
    uint8_t keep[MAXV] = {0};
    for (int j = 0; j < r->n; j++) keep[r->id[j]] = 1;
    assert_int_equal(res->n_kept, (uint32_t)r->n);
    double mx = ref_max(r), S = 0;
    for (int j = 0; j < r->n; j++) S += exp((r->z[r->id[j]] - mx) / r->T);
    for (int i = 0; i < V; i++) {
        assert_int_equal(res->cut_by[i] == CUT_NONE, keep[i]);
        double want = keep[i] ? (r->n == 1 ? 1.0 : exp((r->z[i] - mx) / r->T) / S) : 0.0;
        assert_true(fabs(res->p[i] - want) < 1e-9);
    }
}

static void run_preset(enum preset ps)
{
    struct chain c, sys;
    chain_preset(&c, ps);
    c.exact = 1;
    chain_preset(&sys, ps);
    struct chain_ws ws;
    struct chain_result res;
    assert_int_equal(chain_ws_init(&ws, MAXV), 0);
    assert_int_equal(chain_result_init(&res, MAXV), 0);
    struct rng g;
    rng_seed(&g, 1100 + (uint64_t)ps);
    int done = 0;
    for (int t = 0; done < CASES; t++) {
        float z[MAXV];
        int V;
        struct params p;
        struct ref r;
        struct ls_error e = {0};
        random_case(&g, z, &V, &p);
        /* a result and workspace serve one vocabulary size */
        chain_ws_free(&ws); chain_result_free(&res);
        assert_int_equal(chain_ws_init(&ws, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&res, (uint32_t)V), 0);
        int rc = chain_run(&c, &p, z, (uint32_t)V, &ws, &res, &e);
        if (!any_finite(z, V)) { assert_int_equal(rc, LS_EDATA); continue; }
        assert_int_equal(rc, 0);
        ref_run(&c, &p, z, V, &r);
        check_exact(&res, &r, V);
        /* the system mode differs only where it says so (a bias is added in
         * float, or clamped by vLLM, outside any stage's own decision) */
        if (ps != PRESET_CUSTOM && !p.bias.n) {
            uint32_t n_exact = res.n_kept;
            uint8_t kept[MAXV];
            for (int i = 0; i < V; i++) kept[i] = res.cut_by[i] == CUT_NONE;
            assert_int_equal(chain_run(&sys, &p, z, (uint32_t)V, &ws, &res, &e), 0);
            int same = res.n_kept == n_exact;
            for (int i = 0; i < V && same; i++) same = kept[i] == (res.cut_by[i] == CUT_NONE);
            if (!same && !res.decided) {
                fprintf(stderr, "%s case %d: V %d T %g k %d p %g m %g; exact %u system %u:", preset_name(ps), t, V,
                        p.temperature, (int)p.top_k, p.top_p, p.min_p, n_exact, res.n_kept);
                for (int i = 0; i < V; i++) fprintf(stderr, " %g", (double)z[i]);
                fputc('\n', stderr);
            }
            assert_true(same || res.decided != 0);
        }
        done++;
    }
    chain_ws_free(&ws);
    chain_result_free(&res);
}

static void test_hf(void **st) { (void)st; run_preset(PRESET_HF); }
static void test_llama(void **st) { (void)st; run_preset(PRESET_LLAMACPP); }
static void test_vllm(void **st) { (void)st; run_preset(PRESET_VLLM); }
static void test_custom(void **st) { (void)st; run_preset(PRESET_CUSTOM); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hf),
        cmocka_unit_test(test_llama),
        cmocka_unit_test(test_vllm),
        cmocka_unit_test(test_custom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
