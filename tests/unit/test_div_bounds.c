/* test_div_bounds.c: diff's bounds on top-N steps (div_bounds.c) against
 * brute force: random file pairs, each completed many times at random
 * (every unlisted token at most the cap, the tails summing right); every
 * completion's exact KL, JS, dp, NLL, top agreement and summary statistics
 * must lie inside the bounds. Plus the exact cases and hand values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/divergence.h"
#include "base/rng.h"

#define NEAR(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))
#define MAXV 16
#define EXTRA 6     /* tokens beyond V a completion of two top-N sides may use */
#define TOL 1e-9

enum kind { FULL, TAIL, NOTAIL, EMPTY };

static double unif(struct rng *r) { return rng_uniform(r); }
static uint32_t below(struct rng *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }

/* A side of kind k over V ids: full logits, or listed log-probabilities. */
static void make_side(struct rng *r, enum kind k, uint32_t V, float *z)
{
    for (uint32_t i = 0; i < V; i++) z[i] = -INFINITY;
    if (k == FULL) {
        for (uint32_t i = 0; i < V; i++) z[i] = unif(r) < 0.1 ? -INFINITY : (float)(4 * unif(r) - 2);
        z[below(r, V)] = 1;
        return;
    }
    if (k == EMPTY) return;
    uint32_t n = 1 + below(r, V < 6 ? V : 6);
    double w[MAXV], s = 0, keep = k == NOTAIL ? 1.0 : 0.3 + 0.65 * unif(r);
    int32_t ids[MAXV];
    for (uint32_t i = 0; i < V; i++) ids[i] = (int32_t)i;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i + below(r, V - i);
        int32_t t = ids[i]; ids[i] = ids[j]; ids[j] = t;
        w[i] = 0.05 + unif(r);
        s += w[i];
    }
    for (uint32_t i = 0; i < n; i++) z[ids[i]] = (float)log(w[i] / s * keep);
}

/* The cap div_bounds.c uses (its header comment), recomputed. */
static double cap_of(const float *z, uint32_t V, int32_t token, double tail)
{
    double cap = INFINITY;
    for (uint32_t i = 0; i < V; i++)
        if (isfinite(z[i]) && (int32_t)i != token && exp((double)z[i]) < cap) cap = exp((double)z[i]);
    return cap < tail ? cap : tail;
}

/* Spread tail over the unknown ids (flag u) with each at most cap, at
 * random; 0 when it cannot fit. */
static int spread(struct rng *r, double *p, const int *u, uint32_t n, double tail, double cap)
{
    double w[MAXV + EXTRA], s = 0, expo = 1 + 6 * unif(r);
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) if (u[i]) m++;
    if ((double)m * cap < tail * (1 + 1e-12)) return 0;
    for (uint32_t i = 0; i < n; i++) { w[i] = u[i] ? pow(unif(r), expo) + 1e-9 : 0; s += w[i]; }
    for (uint32_t i = 0; i < n; i++) w[i] = w[i] / s * tail;
    for (int round = 0; round < 64; round++) {        /* water-fill the excess */
        double ex = 0, room = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (w[i] > cap) { ex += w[i] - cap; w[i] = cap; }
            else if (u[i]) room += cap - w[i];
        }
        if (ex <= 0) break;
        for (uint32_t i = 0; i < n; i++)
            if (u[i] && w[i] < cap) w[i] += ex * (cap - w[i]) / room;
    }
    for (uint32_t i = 0; i < n; i++) if (u[i]) p[i] = w[i];
    return 1;
}

/* One completion of a side into p[0..V+extra). */
static int complete(struct rng *r, const float *z, enum kind k, uint32_t V, uint32_t extra,
                    int32_t token, double *p)
{
    uint32_t n = V + extra;
    int u[MAXV + EXTRA] = {0};
    double sum = 0, zmax = -INFINITY, lse = 0;
    for (uint32_t i = 0; i < n; i++) p[i] = 0;
    if (k == FULL) {
        for (uint32_t i = 0; i < V; i++) if (z[i] > zmax) zmax = z[i];
        for (uint32_t i = 0; i < V; i++) if (isfinite(z[i])) lse += exp(z[i] - zmax);
        for (uint32_t i = 0; i < V; i++) p[i] = isfinite(z[i]) ? exp(z[i] - zmax) / lse : 0;
        return 1;
    }
    for (uint32_t i = 0; i < V; i++) if (isfinite(z[i])) { p[i] = exp((double)z[i]); sum += p[i]; }
    double tail = sum < 1 ? 1 - sum : 0;
    if (tail <= 0) return 1;
    for (uint32_t i = 0; i < n; i++) u[i] = i >= V || !isfinite(z[i]);
    return spread(r, p, u, n, tail, cap_of(z, V, token, tail));
}

/* exact truth of one completion (double, not via float logits) */
static void truth(const double *P, const double *Q, uint32_t n, int32_t token, struct div_step *t)
{
    double kl = 0, js = 0;
    int32_t ta = 0, tb = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (P[i] > 0) kl += Q[i] > 0 ? P[i] * log(P[i] / Q[i]) : INFINITY;
        double m = 0.5 * (P[i] + Q[i]);
        if (P[i] > 0) js += 0.5 * P[i] * log(P[i] / m);
        if (Q[i] > 0) js += 0.5 * Q[i] * log(Q[i] / m);
        if (P[i] > P[ta]) ta = (int32_t)i;
        if (Q[i] > Q[tb]) tb = (int32_t)i;
    }
    memset(t, 0, sizeof *t);
    t->kld = kl;
    t->jsd = js;
    t->top_a = ta;
    t->top_b = tb;
    t->same_top = ta == tb;
    t->p_a = token >= 0 ? P[token] : NAN;
    t->p_b = token >= 0 ? Q[token] : NAN;
    t->dp = t->p_b - t->p_a;
    t->nll_a = -log(t->p_a);
    t->nll_b = -log(t->p_b);
}

#include <stdio.h>
#define inside(lo, v, hi) inside_(lo, v, hi, #v)
static void inside_(double lo, double v, double hi, const char *what)
{
    if (isnan(v) || v == lo || v == hi) return;
    if (!(v >= lo - TOL * (1 + fabs(lo))) || !(v <= hi + TOL * (1 + fabs(hi))))
        fprintf(stderr, "%s: %.17g not in [%.17g, %.17g]\n", what, v, lo, hi);
    if (v == lo || v == hi) return;
    assert_true(v >= lo - TOL * (1 + fabs(lo)));
    assert_true(v <= hi + TOL * (1 + fabs(hi)));
}

static void check_step(const struct div_step *b, const struct div_step *t, const double *P, const double *Q)
{
    inside(b->kld_lo, t->kld, b->kld_hi);
    inside(b->jsd_lo, t->jsd, b->jsd_hi);
    inside(b->dp_lo, t->dp, b->dp_hi);
    inside(b->nll_a_lo, t->nll_a, b->nll_a_hi);
    inside(b->nll_b_lo, t->nll_b, b->nll_b_hi);
    inside(b->p_a_lo, t->p_a, b->p_a_hi);
    /* a decided top is a maximum of every completion (a tie with an
     * unlisted token at the cap is settled by the file's listing) */
    if (b->top_a_known) assert_true(P[b->top_a] >= P[t->top_a] * (1 - 1e-6));
    if (b->top_b_known) assert_true(Q[b->top_b] >= Q[t->top_b] * (1 - 1e-6));
}

struct pair { enum kind ka, kb; uint32_t V; int32_t token; float za[MAXV], zb[MAXV]; };

static void random_pair(struct rng *r, struct pair *p)
{
    p->V = 2 + below(r, MAXV - 1);
    p->ka = (enum kind)below(r, 4);
    p->kb = (enum kind)below(r, 4);
    if (p->ka == FULL && p->kb == FULL) p->kb = TAIL;
    make_side(r, p->ka, p->V, p->za);
    make_side(r, p->kb, p->V, p->zb);
    p->token = unif(r) < 0.2 ? -1 : (int32_t)below(r, p->V);
}

/* extra tokens beyond V exist only when both sides are top-N */
static uint32_t extra_of(const struct pair *p) { return p->ka != FULL && p->kb != FULL ? EXTRA : 0; }

static void test_random_completions(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 12);
    int checked = 0;
    for (int k = 0; k < 400; k++) {
        struct pair p;
        struct div_step b, t;
        struct ls_error err = {0};
        random_pair(&r, &p);
        struct div_side A = { p.za, p.ka != FULL }, B = { p.zb, p.kb != FULL };
        assert_int_equal(div_step_bounds(&A, &B, p.V, p.token, &b, &err), LS_OK);
        assert_true(b.kld_lo <= b.kld_hi && b.jsd_lo <= b.jsd_hi);
        uint32_t n = p.V + extra_of(&p);
        for (int c = 0; c < 150; c++) {
            double P[MAXV + EXTRA], Q[MAXV + EXTRA];
            if (!complete(&r, p.za, p.ka, p.V, extra_of(&p), p.token, P)) break;
            if (!complete(&r, p.zb, p.kb, p.V, extra_of(&p), p.token, Q)) break;
            truth(P, Q, n, p.token, &t);
            check_step(&b, &t, P, Q);
            checked++;
        }
    }
    assert_true(checked > 20000);
}

/* The summary's bounds hold every completion's summary. */
static void test_stats_bounds(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 7);
    enum { N = 9 };
    for (int k = 0; k < 60; k++) {
        struct pair p[N];
        struct div_step b[N], t[N];
        struct div_stats lo, hi, tv;
        struct ls_error err = {0};
        for (int s = 0; s < N; s++) {
            random_pair(&r, &p[s]);
            if (p[s].token < 0) p[s].token = 0;
            struct div_side A = { p[s].za, p[s].ka != FULL }, B = { p[s].zb, p[s].kb != FULL };
            assert_int_equal(div_step_bounds(&A, &B, p[s].V, p[s].token, &b[s], &err), LS_OK);
        }
        assert_int_equal(div_stats_bounds(b, N, &lo, &hi, &err), LS_OK);
        for (int c = 0; c < 40; c++) {
            int ok = 1;
            for (int s = 0; s < N && ok; s++) {
                double P[MAXV + EXTRA], Q[MAXV + EXTRA];
                ok = complete(&r, p[s].za, p[s].ka, p[s].V, extra_of(&p[s]), p[s].token, P) &&
                     complete(&r, p[s].zb, p[s].kb, p[s].V, extra_of(&p[s]), p[s].token, Q);
                if (ok) truth(P, Q, p[s].V + extra_of(&p[s]), p[s].token, &t[s]);
            }
            if (!ok) break;
            assert_int_equal(div_stats_compute(t, N, &tv, &err), LS_OK);
            for (size_t i = 0; i < n_diff_stats; i++) {
                const struct diff_stat *x = &diff_stats[i];
                if (x->count || !strcmp(x->key, "cor_ln_ppl") || !strcmp(x->key, "same_top")) continue;
                inside(diff_stat_value(&lo, x->off), diff_stat_value(&tv, x->off), diff_stat_value(&hi, x->off));
            }
        }
    }
}

/* Raise the last listed value until the listed p reach 1 (float logs of
 * exact fractions fall short by rounding, which is a tail). */
static void close_list(float *z, uint32_t V)
{
    double s;
    int last = -1;
    for (uint32_t i = 0; i < V; i++) if (isfinite(z[i])) last = (int)i;
    do {
        s = 0;
        for (uint32_t i = 0; i < V; i++) if (isfinite(z[i])) s += exp((double)z[i]);
        if (s < 1) z[last] = nextafterf(z[last], INFINITY);
    } while (s < 1);
}

/* Both sides complete (no tail): exact, and equal to the full computation. */
static void test_exact_cases(void **state)
{
    (void)state;
    struct ls_error err = {0};
    struct div_step b, d;
    /* top-N lists that reach 1: every unlisted token is a known 0 */
    float a[4] = { (float)log(0.5), (float)log(0.5), -INFINITY, -INFINITY };
    float c[4] = { (float)log(0.25), (float)log(0.75), -INFINITY, -INFINITY };
    close_list(a, 4);
    close_list(c, 4);
    struct div_side A = { a, 1 }, B = { c, 1 };
    assert_int_equal(div_step_bounds(&A, &B, 4, 1, &b, &err), LS_OK);
    assert_int_equal(div_step_compute(a, c, 4, 1, &d, &err), LS_OK);
    NEAR(b.kld, d.kld, 1e-7);
    assert_true(b.kld_lo == b.kld_hi && b.jsd_lo == b.jsd_hi);
    assert_int_equal(div_step_basis(&b), DIV_EXACT);
    /* both full: exactly div_step_compute */
    struct div_side FA = { a, 0 }, FB = { c, 0 };
    assert_int_equal(div_step_bounds(&FA, &FB, 4, 1, &b, &err), LS_OK);
    assert_true(b.kld == d.kld && b.jsd == d.jsd && b.dp == d.dp);
    /* A complete, B lists every token A gives mass to, B has a tail: KL exact */
    float e[4] = { (float)log(0.3), (float)log(0.5), -INFINITY, -INFINITY };
    struct div_side E = { e, 1 };
    assert_int_equal(div_step_bounds(&A, &E, 4, 0, &b, &err), LS_OK);
    NEAR(b.kld_lo, 0.5 * log(0.5 / 0.3) + 0.5 * log(0.5 / 0.5), 1e-7);
    assert_true(b.kld_lo == b.kld_hi);
    /* B's tail 0.2 can only sit on tokens A gives 0: JS is decided too */
    NEAR(b.jsd_lo, 0.5 * (0.5 * log(0.5 / 0.4) + 0.3 * log(0.3 / 0.4)) + 0.5 * (0.2 * log(2.0)), 1e-7);
    assert_true(b.jsd_lo == b.jsd_hi);
    assert_int_equal(div_step_basis(&b), DIV_EXACT);
    char why[160];
    div_step_why(&b, why, sizeof why);
    assert_string_equal(why, "B's unlisted tail 0.2 changes none of these values");
    /* ... but not when A lists a token B does not: where B's tail sits matters */
    float g[4] = { (float)log(0.5), -INFINITY, (float)log(0.5), -INFINITY };
    close_list(g, 4);
    struct div_side G = { g, 1 };
    assert_int_equal(div_step_bounds(&G, &E, 4, 0, &b, &err), LS_OK);
    assert_true(b.jsd_lo < b.jsd_hi && isinf(b.kld_hi));
    assert_int_equal(div_step_basis(&b), DIV_BOUNDED);
}

/* The legacy step: Paris -0.02, Lyon -4.1, the same file twice. */
static void test_paris_self(void **state)
{
    (void)state;
    struct ls_error err = {0};
    struct div_step b;
    float z[3] = { -0.02f, -4.1f, -INFINITY };
    struct div_side A = { z, 1 };
    assert_int_equal(div_step_bounds(&A, &A, 3, 0, &b, &err), LS_OK);
    double tail = 1 - exp(-0.02) - exp(-4.1);
    NEAR(b.tail_a, tail, 1e-7);
    NEAR(b.kld_lo, 0, 1e-9);                       /* the same tail is possible */
    assert_true(isinf(b.kld_hi));                   /* ... and one B puts no mass on */
    NEAR(b.jsd_hi, log(2.0) * tail, 1e-7);          /* both tails on different tokens */
    NEAR(b.p_a, exp(-0.02), 1e-7);                  /* the file's p, not renormalised */
    assert_true(b.dp == 0 && b.same_top && b.top_a_known);
    assert_int_equal(div_step_basis(&b), DIV_BOUNDED);
    char why[160];
    div_step_why(&b, why, sizeof why);
    assert_non_null(strstr(why, "A's unlisted tail"));
}

/* A step listing nothing is unknown, not an error; a full side without a
 * finite logit still is. */
static void test_empty(void **state)
{
    (void)state;
    struct ls_error err = {0};
    struct div_step b;
    float none[3] = { -INFINITY, -INFINITY, -INFINITY }, z[3] = { -0.1f, -3.0f, -INFINITY };
    struct div_side E = { none, 1 }, A = { z, 1 }, F = { none, 0 };
    assert_int_equal(div_step_bounds(&A, &E, 3, 2, &b, &err), LS_OK);
    assert_int_equal(div_step_basis(&b), DIV_UNKNOWN);
    assert_true(b.open & DIV_EMPTY_B);
    assert_false(b.top_b_known);
    NEAR(b.kld_lo, 0, 1e-9);
    assert_true(isinf(b.kld_hi));
    NEAR(b.p_b_hi, 1, 0);
    assert_true(isnan(b.dp) && b.dp_lo < 0 && b.dp_hi > 0);
    char why[160];
    div_step_why(&b, why, sizeof why);
    assert_non_null(strstr(why, "B lists no token"));
    assert_int_equal(div_step_bounds(&F, &A, 3, 0, &b, &err), LS_EDATA);
    assert_string_equal(err.msg, "A: no finite logit");
}

/* The caps tighten the bound: A lists a token B does not, B's unknown
 * tokens are each below 0.01, so Q of that token is at most 0.01. */
static void test_cap_tightens(void **state)
{
    (void)state;
    struct ls_error err = {0};
    struct div_step b;
    float a[3] = { (float)log(0.6), (float)log(0.3), -INFINITY };
    float c[3] = { (float)log(0.6), -INFINITY, (float)log(0.01) };
    struct div_side A = { a, 1 }, B = { c, 1 };
    assert_int_equal(div_step_bounds(&A, &B, 3, -1, &b, &err), LS_OK);
    /* the one-cell bound: P(O) = 0.4, Q(O) = 0.4 -> 0; the caps keep
     * 0.3 ln(0.3 / 0.01) = 1.02 from being matched */
    assert_true(b.kld_lo > 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_completions),
        cmocka_unit_test(test_stats_bounds),
        cmocka_unit_test(test_exact_cases),
        cmocka_unit_test(test_paris_self),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_cap_tightens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
