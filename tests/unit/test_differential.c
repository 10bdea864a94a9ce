/* test_differential.c: a random differential test of the fast paths. For
 * every preset and custom chains (the four stages in a random order each
 * step), 5,000 random steps (20,000 in all: ties, plateaus, exact-mass
 * boundaries, +-1e30, -inf and NaN masks; V from 1 to 40 mostly, and 1 step
 * in 100 with V up to 262,144 so the vector passes,
 * sampled thresholds and the implicit all-token candidates run) go through
 * the engine's exact mode and through the straightforward reference below,
 * written independently: sort everything by (logit desc, id asc), then
 * apply each stage's textbook rule in double with libm's exp. Kept sets must
 * be identical, final and raw probabilities agree to 1e-9, and 20 draws
 * with one seed give the same tokens.
 * The system modes' shortcut (emu_trim: llama.cpp's first top-k without
 * the whole array) must give exactly what the whole-array path gives
 * (chain_ws.reference = 1): same kept set, p, stage reports and draws.
 * A run that only draws (CHAIN_WANT_DRAW, no raw pass) must keep the same
 * set with the same p and draws, in every mode.
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
#include "sampling/draw.h"
#include "base/rng.h"

#define CASES 5000
#define MAXV 40
#define BIGV 262144

struct ref { double *z; int *id; int n; double T; const float *z_in; /* the raw logits (z: after a bias) */ };

static const double *sort_z; /* qsort has no context argument */
static int by_rank(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (sort_z[x] != sort_z[y]) return sort_z[x] > sort_z[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* r->id[0..n) sorted by (z desc, id asc) */
static void ref_sort(struct ref *r)
{
    sort_z = r->z;
    qsort(r->id, (size_t)r->n, sizeof *r->id, by_rank);
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
    r->n = 1; /* the lowest id among the maxima (the list is sorted) */
}

static void ref_top_k(struct ref *r, const struct chain *c, int k)
{
    if (k <= 0 || k >= r->n) return;
    if (c->topk_ties == TIES_BY_ID) { r->n = k; return; }
    double kth = r->z[r->id[k - 1]];
    int m = k;
    while (m < r->n && r->z[r->id[m]] == kth) m++;
    r->n = m;
}

static void ref_top_p(struct ref *r, double p)
{
    if (p >= 1) return;
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

/* id is among the candidates */
static int ref_alive(const struct ref *r, int id)
{
    for (int j = 0; j < r->n; j++) if (r->id[j] == id) return 1;
    return 0;
}

/* logit bias: z += v on listed ids still alive; -inf removes them, unless
 * that would remove every one (then no ban applies); the order is taken
 * again after (a shifted logit moves) */
static void ref_logit_bias(struct ref *r, const struct logit_bias *b)
{
    int banned = 0, ban[LS_MAX_BIAS] = {0};
    for (uint32_t k = 0; k < b->n; k++) banned += ref_alive(r, b->id[k]) && b->v[k] == -INFINITY;
    for (uint32_t k = 0; k < b->n; k++) {
        if (!ref_alive(r, b->id[k])) continue;
        if (b->v[k] != -INFINITY) r->z[b->id[k]] += b->v[k];
        else ban[k] = banned < r->n;
    }
    int m = 0;
    for (int j = 0; j < r->n; j++) {
        int out = 0;
        for (uint32_t k = 0; k < b->n; k++) out |= ban[k] && b->id[k] == r->id[j];
        if (!out) r->id[m++] = r->id[j];
    }
    r->n = m;
    ref_sort(r);
}

static void ref_run(const struct chain *c, const struct params *p, const float *z, int V, struct ref *r)
{
    r->n = 0;
    r->T = 1;
    r->z_in = z;
    for (int i = 0; i < V; i++) { r->z[i] = z[i]; if (isfinite(z[i])) r->id[r->n++] = i; }
    ref_sort(r); /* every stage keeps a prefix of this order */
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
    int big = rng_uniform(g) < 0.01;
    *V = big ? 1 + (int)(rng_uniform(g) * BIGV) : 1 + (int)(rng_uniform(g) * MAXV);
    int kind = (int)(rng_uniform(g) * (big ? 5 : 4));
    double masks = big && rng_uniform(g) < 0.5 ? 0.0 : 1.0; /* big steps: often none (the vector path) */
    for (int i = 0; i < *V; i++) {
        double u = rng_uniform(g);
        z[i] = kind == 0 ? (float)(int)(u * 3)              /* plateaus: equal masses */
             : kind == 1 ? (float)(u * 8 - 4)
             : kind == 2 ? (float)((int)(u * 5) * 0.5)
             : kind == 3 ? (float)(u * 20 - 10)
             : (float)(-1.1 * log(1 + u * *V) + 3 * rng_uniform(g)); /* Zipf-like, as vocabularies look */
        double w = rng_uniform(g) * masks;
        if (masks == 0.0) continue;
        if (w < 0.05) z[i] = -INFINITY;
        else if (w < 0.06) z[i] = NAN;
        else if (w < 0.07) z[i] = 1e30f;
        else if (w < 0.09) z[i] = -1e30f;
    }
    if (rng_uniform(g) < 0.03) for (int i = 0; i < *V; i++) z[i] = -INFINITY;
    static const double temps[] = {0, 1e-7, 0.005, 0.5, 1, 1, 2.5};
    static const double tops[] = {1, 1, 0.5, 0.25, 0.75, 0, 0.9};
    static const double mins[] = {0, 0, 0.1, 0.5, 1, 0.05};
    *p = PARAMS_OFF;
    p->temperature = temps[(int)(rng_uniform(g) * 7)];
    p->top_k = (int32_t)(rng_uniform(g) * (big ? 300 : *V + 2)) * (rng_uniform(g) < 0.6);
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

/* 20 draws from one seed: the engine's result against the reference's p */
static void check_draws(const struct chain_result *res, double *want_p, int V)
{
    double *cum = malloc((size_t)V * sizeof *cum), *cum2 = malloc((size_t)V * sizeof *cum2);
    struct chain_result ref = *res;
    ref.p = want_p;
    struct draw_cdf d = draw_cdf_build(res, cum), d2 = draw_cdf_build(&ref, cum2);
    struct rng g1, g2;
    rng_seed(&g1, 7);
    rng_seed(&g2, 7);
    for (int i = 0; i < 20; i++) assert_int_equal(draw_token(&d, &g1), draw_token(&d2, &g2));
    free(cum);
    free(cum2);
}

static void check_exact(const struct chain_result *res, const struct ref *r, int V)
{
    uint8_t *keep = calloc((size_t)V, 1);
    double *want_p = calloc((size_t)V, sizeof *want_p);
    for (int j = 0; j < r->n; j++) keep[r->id[j]] = 1;
    assert_int_equal(res->n_kept, (uint32_t)r->n);
    double mx = ref_max(r), S = 0, zmax = -INFINITY, S1 = 0;
    for (int j = 0; j < r->n; j++) S += exp((r->z[r->id[j]] - mx) / r->T);
    for (int i = 0; i < V; i++) if (isfinite(r->z_in[i]) && r->z_in[i] > zmax) zmax = r->z_in[i];
    for (int i = 0; i < V; i++) if (isfinite(r->z_in[i])) S1 += exp(r->z_in[i] - zmax);
    for (int i = 0; i < V; i++) {
        assert_int_equal(res->cut_by[i] == CUT_NONE, keep[i]);
        want_p[i] = keep[i] ? (r->n == 1 ? 1.0 : exp((r->z[i] - mx) / r->T) / S) : 0.0;
        assert_true(fabs(res->p[i] - want_p[i]) < 1e-9);
        double raw = isfinite(r->z_in[i]) ? exp(r->z_in[i] - zmax) / S1 : 0.0;
        assert_true(fabs(res->p_raw[i] - raw) < 1e-9);
    }
    check_draws(res, want_p, V);
    free(keep);
    free(want_p);
}

/* a run that only draws (CHAIN_WANT_DRAW) keeps the same set with the same
 * p and draws, and says it has no raw numbers; a run for scores
 * (CHAIN_WANT_SCORES) keeps the same set and p and has the same raw numbers
 * and entropies */
static void check_draw_only(const struct chain *c, const struct params *p, const float *z, int V,
                            struct chain_ws *ws, const struct chain_result *res, struct chain_result *res2)
{
    struct ls_error e = {0};
    for (int want = CHAIN_WANT_SCORES; want >= CHAIN_WANT_DRAW; want--) {
        ws->want = want;
        ws->raw_full_rate = 0.0; /* the lazy raw division each time (full reads make it eager) */
        assert_int_equal(chain_run(c, p, z, (uint32_t)V, ws, res2, &e), 0);
        ws->want = CHAIN_WANT_ALL;
        assert_int_equal(res2->have_raw, want == CHAIN_WANT_SCORES);
        assert_int_equal(res->n_kept, res2->n_kept);
        for (uint32_t j = 0; j < res->n_kept; j++) {
            assert_int_equal(res->kept[j], res2->kept[j]);
            assert_true(fabs(res->p[res->kept[j]] - res2->p[res2->kept[j]]) < 1e-12);
        }
        for (int i = 0; i < V; i++) assert_int_equal(res->cut_by[i], res2->cut_by[i]);
        if (want == CHAIN_WANT_SCORES) {
            assert_true(res->entropy_after == res2->entropy_after || fabs(res->entropy_after - res2->entropy_after) < 1e-12);
            assert_true(res->lse_raw == res2->lse_raw);
            /* scores may leave the raw division pending (raw_div): the
             * same probabilities through chain_raw_p, the same sums */
            for (int i = 0; i < V; i++) assert_true(res->p_raw[i] == chain_raw_p(res2, (uint32_t)i));
            /* a plain temperature's scores leave retained_mass NaN (eval
             * reads none): every token kept, it is the step's raw total */
            if (isnan(res2->retained_mass) && res2->n_kept == (uint32_t)V)
                assert_true(res->retained_mass == chain_raw_total(res2));
            else
                assert_true(res->retained_mass == res2->retained_mass);
            assert_true(res->entropy_before == res2->entropy_before);
        }
        check_draws(res, res2->p, V);
    }
}

/* the system mode's shortcut against its whole-array path: the same answer */
static void check_system(const struct chain *sys, const struct params *p, const float *z, int V,
                         struct chain_ws *ws, struct chain_result *res, struct chain_result *res2)
{
    struct ls_error e = {0};
    ws->reference = 1;
    assert_int_equal(chain_run(sys, p, z, (uint32_t)V, ws, res2, &e), 0);
    ws->reference = 0;
    assert_int_equal(chain_run(sys, p, z, (uint32_t)V, ws, res, &e), 0);
    assert_int_equal(res->n_kept, res2->n_kept);
    assert_int_equal(res->decided, res2->decided);
    for (uint32_t j = 0; j < res->n_kept; j++) {
        assert_int_equal(res->kept[j], res2->kept[j]);
        assert_true(fabs(res->p[res->kept[j]] - res2->p[res2->kept[j]]) < 1e-12);
    }
    for (int i = 0; i < V; i++) assert_int_equal(res->cut_by[i], res2->cut_by[i]);
    for (int k = 0; k < res->n_stages; k++) {
        const struct stage_report *a = &res->stages[k], *b = &res2->stages[k];
        assert_int_equal(a->kept_in, b->kept_in);
        assert_int_equal(a->kept_out, b->kept_out);
        assert_int_equal(a->active, b->active);
        assert_true(fabs(a->mass_removed - b->mass_removed) < 1e-9);
        assert_true(fabs(a->raw_mass_removed - b->raw_mass_removed) < 1e-9);
    }
    check_draws(res, res2->p, V);
    check_draw_only(sys, p, z, V, ws, res, res2);
}

static void run_preset(enum preset ps)
{
    struct chain c, sys;
    chain_preset(&c, ps);
    c.exact = 1;
    chain_preset(&sys, ps);
    struct chain_ws ws;
    struct chain_result res, res2;
    float *z = malloc(BIGV * sizeof *z);
    struct ref r = { malloc(BIGV * sizeof *r.z), malloc(BIGV * sizeof *r.id), 0, 1, NULL };
    assert_int_equal(chain_ws_init(&ws, BIGV), 0);
    assert_int_equal(chain_result_init(&res, BIGV), 0);
    assert_int_equal(chain_result_init(&res2, BIGV), 0);
    struct rng g;
    rng_seed(&g, 1100 + (uint64_t)ps);
    int done = 0;
    for (int t = 0; done < CASES; t++) {
        int V;
        struct params p;
        struct ls_error e = {0};
        random_case(&g, z, &V, &p);
        if (ps == PRESET_CUSTOM) { /* a custom chain: any order of the four stages */
            for (int i = 3; i > 0; i--) {
                int j = (int)(rng_uniform(&g) * (i + 1));
                enum stage_kind t0 = c.order[i]; c.order[i] = c.order[j]; c.order[j] = t0;
            }
        }
        /* a result and workspace serve one vocabulary size */
        chain_ws_free(&ws); chain_result_free(&res); chain_result_free(&res2);
        assert_int_equal(chain_ws_init(&ws, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&res, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&res2, (uint32_t)V), 0);
        int rc = chain_run(&c, &p, z, (uint32_t)V, &ws, &res, &e);
        if (!any_finite(z, V)) { assert_int_equal(rc, LS_EDATA); continue; }
        assert_int_equal(rc, 0);
        ref_run(&c, &p, z, V, &r);
        check_exact(&res, &r, V);
        check_draw_only(&c, &p, z, V, &ws, &res, &res2);
        /* the system mode differs only where it says so; a bias is added in
         * float (or clamped by vLLM) outside any stage's own decision, so
         * with one only the shortcut is compared with the whole array */
        if (ps != PRESET_CUSTOM) {
            uint32_t n_exact = res.n_kept;
            uint8_t *kept = malloc((size_t)V);
            for (int i = 0; i < V; i++) kept[i] = res.cut_by[i] == CUT_NONE;
            check_system(&sys, &p, z, V, &ws, &res, &res2);
            int same = res.n_kept == n_exact;
            for (int i = 0; i < V && same; i++) same = kept[i] == (res.cut_by[i] == CUT_NONE);
            if (!same && !res.decided) {
                fprintf(stderr, "%s case %d: V %d T %g k %d p %g m %g; exact %u system %u\n", preset_name(ps), t, V,
                        p.temperature, (int)p.top_k, p.top_p, p.min_p, n_exact, res.n_kept);
            }
            assert_true(same || res.decided != 0 || p.bias.n);
            free(kept);
        }
        done++;
    }
    chain_ws_free(&ws);
    chain_result_free(&res);
    chain_result_free(&res2);
    free(z);
    free(r.z);
    free(r.id);
}

/* One step through check_system on its own workspace; whole_fields: also
 * the notes, greedy flag, temperature, retained mass, entropy and tie flags
 * against a fresh whole-array run (check_system leaves a draw-only run in
 * its second result). */
static void check_system_step(const struct chain *sys, const struct params *p, const float *z, int V,
                              int whole_fields)
{
    struct chain_ws ws;
    struct chain_result res, res2;
    struct ls_error e = {0};
    assert_int_equal(chain_ws_init(&ws, (uint32_t)V), 0);
    assert_int_equal(chain_result_init(&res, (uint32_t)V), 0);
    assert_int_equal(chain_result_init(&res2, (uint32_t)V), 0);
    check_system(sys, p, z, V, &ws, &res, &res2);
    if (whole_fields) {
        ws.reference = 1;
        assert_int_equal(chain_run(sys, p, z, (uint32_t)V, &ws, &res2, &e), 0);
        ws.reference = 0;
        assert_string_equal(res.note, res2.note);
        assert_int_equal(res.greedy, res2.greedy);
        assert_true(res.effective_temperature == res2.effective_temperature);
        assert_true(fabs(res.retained_mass - res2.retained_mass) < 1e-12);
        assert_true(fabs(res.entropy_after - res2.entropy_after) < 1e-9);
        for (int k = 0; k < res.n_stages; k++) assert_int_equal(res.stages[k].decided, res2.stages[k].decided);
    }
    chain_ws_free(&ws);
    chain_result_free(&res);
    chain_result_free(&res2);
}

/* A step for the shortcut tests: kind 0 plateaus of `levels` values (ties,
 * the maximum tied), 1 uniform, else Zipf-like as vocabularies look. */
static float *shortcut_step(struct rng *g, int V, int kind, int levels)
{
    float *z = malloc((size_t)V * sizeof *z);
    for (int i = 0; i < V; i++) {
        double u = rng_uniform(g);
        z[i] = kind == 0 ? (float)(int)(u * levels) : kind == 1 ? (float)(u * 16 - 8)
             : (float)(-1.1 * log(1 + u * V) + 3 * rng_uniform(g));
    }
    return z;
}

/* The system shortcuts on the steps they are for: V above the sampled
 * threshold's minimum, one truncation, with or without a temperature, on
 * realistic, tied and plateau logits: 600 steps against the whole array. */
static void test_system_shortcuts(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 4242);
    for (int t = 0; t < 600; t++) {
        int V = 2 + (int)(rng_uniform(&g) * (t % 2 ? 32000 : 8000)), kind = (int)(rng_uniform(&g) * 4);
        float *z = shortcut_step(&g, V, kind, 6);
        static const enum preset ps[3] = { PRESET_HF, PRESET_VLLM, PRESET_LLAMACPP };
        static const double temps[4] = { 1.0, 0.7, 1.3, 0.05 };
        struct chain sys;
        chain_preset(&sys, ps[t % 3]);
        struct params p = PARAMS_OFF;
        if (ps[t % 3] == PRESET_HF) p.min_keep = 1;
        p.temperature = temps[(int)(rng_uniform(&g) * 4)];
        int which = (int)(rng_uniform(&g) * 3);
        if (which == 0) p.top_k = 1 + (int32_t)(rng_uniform(&g) * 300);
        else if (which == 1) p.top_p = 0.5 + 0.49 * rng_uniform(&g);
        else p.min_p = 0.01 + 0.3 * rng_uniform(&g);
        check_system_step(&sys, &p, z, V, 0);
        free(z);
    }
}

/* Greedy and temperature-only system chains (emu_greedy.c, emu_trim.c's
 * temperature-only pass) against the whole array: also the notes, the
 * greedy flag, the retained mass and the entropy. Plateau logits make the
 * maximum tied; a truncation beside the temperature makes the shortcuts
 * decline. */
static void test_greedy_and_temperature_only(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 777);
    for (int t = 0; t < 400; t++) {
        int V = 1 + (int)(rng_uniform(&g) * (t % 2 ? 20000 : 3000)), kind = (int)(rng_uniform(&g) * 3);
        float *z = shortcut_step(&g, V, kind, 3);
        static const enum preset ps[3] = { PRESET_HF, PRESET_VLLM, PRESET_LLAMACPP };
        static const double temps[5] = { 0, -0.5, 0, 0.7, 1.6 };
        struct chain sys;
        chain_preset(&sys, ps[t % 3]);
        struct params p = PARAMS_OFF;
        p.temperature = temps[(int)(rng_uniform(&g) * 5)];
        if (t % 7 == 0) p.top_p = 0.9; /* not the only stage: the whole array */
        check_system_step(&sys, &p, z, V, 1);
        free(z);
    }
}

/* The exact top-p over every token in a draw (topp.c's window and its
 * certificate, the deferred temperature): a draw-only run against a run
 * for everything and the double reference, on realistic, uniform, plateau
 * and tied steps above the histogram's size, with stages after it. */
static void test_exact_top_p_window(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 9090);
    struct ref r = { malloc(70000 * sizeof *r.z), malloc(70000 * sizeof *r.id), 0, 1, NULL };
    for (int t = 0; t < 240; t++) {
        int V = 4097 + (int)(rng_uniform(&g) * 65000), kind = (int)(rng_uniform(&g) * 4);
        float *z = shortcut_step(&g, V, kind, t % 2 ? 6 : 40);
        static const enum preset ps[3] = { PRESET_HF, PRESET_VLLM, PRESET_LLAMACPP };
        static const double temps[5] = { 0.7, 1.0, 1.3, 0.05, 3.0 };
        struct chain c;
        chain_preset(&c, ps[t % 3]);
        c.exact = 1;
        struct params p = PARAMS_OFF;
        p.temperature = temps[(int)(rng_uniform(&g) * 5)];
        p.top_p = t % 5 == 0 ? 0.5 : 0.3 + 0.69 * rng_uniform(&g);
        if (t % 4 == 1) p.min_p = 0.02;
        struct chain_ws ws;
        struct chain_result res, res2;
        struct ls_error e = {0};
        assert_int_equal(chain_ws_init(&ws, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&res, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&res2, (uint32_t)V), 0);
        assert_int_equal(chain_run(&c, &p, z, (uint32_t)V, &ws, &res, &e), 0);
        ref_run(&c, &p, z, V, &r);
        check_exact(&res, &r, V);
        check_draw_only(&c, &p, z, V, &ws, &res, &res2);
        chain_ws_free(&ws);
        chain_result_free(&res);
        chain_result_free(&res2);
        free(z);
    }
    free(r.z);
    free(r.id);
}

/* A first cut's prefilter (chain.c: a first top-k's threshold sampled
 * from the step, else the last step's, applied in the first pass) over a
 * run of steps on one workspace, as sample --all runs them, against a
 * fresh workspace each step (no last step) and the whole-array path
 * (chain_ws.reference: no prefilter, no shortcut): the same kept set, p
 * and cut_by, for llama.cpp's and HF's system top-k, vLLM's min-p and the
 * exact stages, on steps alike (the threshold fits), shifted, broader and
 * narrower (it lets few or many through) and tied. */
static void test_topk_prefilter(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 5150);
    for (int run = 0; run < 18; run++) {
        int V = 9000 + (int)(rng_uniform(&g) * 40000);
        struct chain c;
        static const enum preset ps[3] = { PRESET_LLAMACPP, PRESET_HF, PRESET_VLLM };
        chain_preset(&c, ps[(run / 2) % 3]); /* hf, vllm: the temperature first; vllm: min-p first */
        c.exact = run % 2;
        struct params p = PARAMS_OFF;
        p.top_k = 1 + (int32_t)(rng_uniform(&g) * 120);
        if (c.preset == PRESET_VLLM) p.min_p = run % 4 < 2 ? 0.05 : 0.2;
        p.top_p = run % 3 ? 0.95 : 1.0;
        p.temperature = 0.8;
        struct chain_ws ws, fresh;
        struct chain_result a, b, whole;
        struct ls_error e = {0};
        assert_int_equal(chain_ws_init(&ws, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&a, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&b, (uint32_t)V), 0);
        assert_int_equal(chain_result_init(&whole, (uint32_t)V), 0);
        ws.want = fresh.want = CHAIN_WANT_DRAW;
        for (int t = 0; t < 30; t++) {
            float *z = shortcut_step(&g, V, t % 7 == 6 ? 0 : 2, 5);
            float shift = t % 5 == 3 ? 4.0f : t % 5 == 4 ? -3.0f : 0.0f;
            float breadth = t % 6 == 1 ? 0.3f : t % 6 == 2 ? 3.0f : 1.0f; /* sharpness from step to step */
            for (int i = 0; i < V; i++) z[i] = z[i] * breadth + shift;
            for (int w = 0; w < 2; w++) { /* b: a fresh workspace, then the whole array */
                assert_int_equal(chain_ws_init(&fresh, (uint32_t)V), 0);
                fresh.want = ws.want;
                fresh.reference = w;
                if (!w) assert_int_equal(chain_run(&c, &p, z, (uint32_t)V, &ws, &a, &e), 0);
                assert_int_equal(chain_run(&c, &p, z, (uint32_t)V, &fresh, w ? &whole : &b, &e), 0);
                const struct chain_result *o = w ? &whole : &b;
                assert_int_equal(a.n_kept, o->n_kept);
                for (uint32_t j = 0; j < a.n_kept; j++) {
                    assert_int_equal(a.kept[j], o->kept[j]);
                    assert_true(a.p[a.kept[j]] == o->p[o->kept[j]]);
                }
                assert_memory_equal(a.cut_by, o->cut_by, (size_t)V);
                chain_ws_free(&fresh);
            }
            free(z);
        }
        chain_ws_free(&ws);
        chain_result_free(&a);
        chain_result_free(&b);
        chain_result_free(&whole);
    }
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
        cmocka_unit_test(test_system_shortcuts),
        cmocka_unit_test(test_greedy_and_temperature_only),
        cmocka_unit_test(test_exact_top_p_window),
        cmocka_unit_test(test_topk_prefilter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
