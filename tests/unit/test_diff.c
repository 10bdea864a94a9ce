/* test_diff.c: per-step divergences against hand values and a direct
 * double-precision computation; the llama-perplexity summary statistics
 * (sampling-reference.md c.2) recomputed here from their definitions. */
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

static void test_known_kl(void **state)
{
    (void)state;
    struct div_step d;
    struct ls_error err = {0};
    /* P = (1/2, 1/2, 0), Q = (1/4, 3/4, 0) */
    float a[3] = { 0, 0, -INFINITY }, b[3] = { 0, (float)log(3.0), -INFINITY };
    assert_int_equal(div_step_compute(a, b, 3, 1, &d, &err), LS_OK);
    double q1 = 1.0 / (1.0 + exp(-(double)b[1])), q0 = 1 - q1;
    NEAR(d.kld, 0.5 * log(0.5 / q0) + 0.5 * log(0.5 / q1), 1e-15);
    NEAR(d.kld, 0.5 * log(2.0) + 0.5 * log(2.0 / 3.0), 1e-7); /* the float32 ln 3 */
    double m0 = (0.5 + q0) / 2, m1 = (0.5 + q1) / 2;
    double js = 0.5 * (0.5 * log(0.5 / m0) + 0.5 * log(0.5 / m1)) + 0.5 * (q0 * log(q0 / m0) + q1 * log(q1 / m1));
    NEAR(d.jsd, js, 1e-15);
    NEAR(d.dp, q1 - 0.5, 1e-15);
    NEAR(d.nll_a, log(2.0), 1e-15);
    NEAR(d.nll_b, -log(q1), 1e-15);
    assert_int_equal(d.top_a, 0);   /* first maximum */
    assert_int_equal(d.top_b, 1);
    assert_false(d.same_top);
    /* identical: exactly 0 */
    assert_int_equal(div_step_compute(b, b, 3, -1, &d, &err), LS_OK);
    NEAR(d.kld, 0, 0);
    NEAR(d.jsd, 0, 0);
    assert_true(isnan(d.dp));
    assert_true(d.same_top);
    /* P > 0 where Q is masked: infinite KL, finite JSD (<= ln 2) */
    float c[3] = { 0, -INFINITY, -INFINITY };
    assert_int_equal(div_step_compute(a, c, 3, 0, &d, &err), LS_OK);
    assert_true(isinf(d.kld));
    NEAR(d.jsd, 0.5 * (0.5 * log(0.5 / 0.75) + 0.5 * log(0.5 / 0.25)) + 0.5 * log(1 / 0.75), 1e-15);
    /* extreme logits stay finite */
    float e[2] = { 1e30f, -1e30f }, f2[2] = { -1e30f, 1e30f };
    assert_int_equal(div_step_compute(e, f2, 2, 0, &d, &err), LS_OK);
    NEAR(d.kld, 2e30, 1e24);
    /* no finite logit */
    float g[2] = { -INFINITY, -INFINITY };
    assert_int_equal(div_step_compute(g, e, 2, 0, &d, &err), LS_EDATA);
}

/* direct double-precision KL on random logits */
static void test_direct(void **state)
{
    (void)state;
    enum { V = 300 };
    float a[V], b[V];
    struct rng g;
    rng_seed(&g, 99);
    for (int rep = 0; rep < 20; rep++) {
        for (int i = 0; i < V; i++) {
            a[i] = (float)(rng_uniform(&g) * 20 - 10);
            b[i] = (float)(a[i] + rng_uniform(&g) * 2 - 1);
        }
        double sa = 0, sb = 0;
        for (int i = 0; i < V; i++) { sa += exp((double)a[i]); sb += exp((double)b[i]); }
        double kl = 0, js = 0;
        for (int i = 0; i < V; i++) {
            double p = exp((double)a[i]) / sa, q = exp((double)b[i]) / sb, m = (p + q) / 2;
            kl += p * log(p / q);
            js += 0.5 * p * log(p / m) + 0.5 * q * log(q / m);
        }
        struct div_step d;
        struct ls_error err = {0};
        assert_int_equal(div_step_compute(a, b, V, 7, &d, &err), LS_OK);
        NEAR(d.kld, kl, 1e-12 * (1 + kl));
        NEAR(d.jsd, js, 1e-12);
        NEAR(d.dp, exp((double)b[7]) / sb - exp((double)a[7]) / sa, 1e-15);
    }
}

static int cmpd(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double pct(const double *s, int n, double f)
{
    double x = f * (n - 1);
    int lo = (int)x;
    if (lo >= n - 1) return s[n - 1];
    return s[lo] + (x - lo) * (s[lo + 1] - s[lo]);
}

static void test_percentiles(void **state)
{
    (void)state;
    double s[4] = { 1, 2, 3, 4 };
    NEAR(div_percentile(s, 4, 0.9), 3.7, 1e-15);
    NEAR(div_percentile(s, 4, 0.5), 2.5, 1e-15);   /* median of an even count */
    NEAR(div_percentile(s, 3, 0.5), 2, 0);         /* middle value */
    NEAR(div_percentile(s, 4, 0), 1, 0);
    NEAR(div_percentile(s, 4, 1), 4, 0);
    NEAR(div_percentile(s, 1, 0.999), 1, 0);
    assert_true(isnan(div_percentile(s, 0, 0.5)));
}

/* the summary against a direct computation of the c.2 definitions */
static void test_stats(void **state)
{
    (void)state;
    enum { N = 257 };
    struct div_step st[N];
    struct rng g;
    rng_seed(&g, 5);
    for (int t = 0; t < N; t++) {
        memset(&st[t], 0, sizeof st[t]);
        st[t].kld = rng_uniform(&g) * rng_uniform(&g);
        st[t].jsd = st[t].kld / 3;
        st[t].p_a = rng_uniform(&g);
        st[t].p_b = rng_uniform(&g);
        st[t].dp = st[t].p_b - st[t].p_a;
        st[t].nll_a = -log(st[t].p_a);
        st[t].nll_b = -log(st[t].p_b);
        st[t].same_top = rng_uniform(&g) < 0.8;
    }
    struct div_stats o;
    struct ls_error err = {0};
    assert_int_equal(div_stats_compute(st, N, &o, &err), LS_OK);
    double k[N], sk = 0, sk2 = 0, sd = 0, sd2 = 0, sd4 = 0, sa = 0, sb = 0, sa2 = 0, sb2 = 0, sab = 0, sj = 0;
    int same = 0;
    for (int t = 0; t < N; t++) {
        k[t] = st[t].kld;
        sk += k[t]; sk2 += k[t] * k[t];
        sd += st[t].dp; sd2 += st[t].dp * st[t].dp; sd4 += pow(st[t].dp, 4);
        sa += st[t].nll_a; sb += st[t].nll_b;
        sa2 += st[t].nll_a * st[t].nll_a; sb2 += st[t].nll_b * st[t].nll_b; sab += st[t].nll_a * st[t].nll_b;
        sj += st[t].jsd;
        same += st[t].same_top;
    }
    qsort(k, N, sizeof k[0], cmpd);
    double n = N, mk = sk / n;
    NEAR(o.mean_kld, mk, 1e-14);
    NEAR(o.mean_kld_se, sqrt((sk2 / n - mk * mk) / (n - 1)), 1e-14);
    NEAR(o.kld_max, k[N - 1], 0);
    NEAR(o.kld_min, k[0], 0);
    NEAR(o.kld_p999, pct(k, N, 0.999), 1e-15);
    NEAR(o.kld_p99, pct(k, N, 0.99), 1e-15);
    NEAR(o.kld_p95, pct(k, N, 0.95), 1e-15);
    NEAR(o.kld_p90, pct(k, N, 0.90), 1e-15);
    NEAR(o.kld_median, k[N / 2], 0);  /* odd N: the middle value */
    NEAR(o.mean_jsd, sj / n, 1e-15);
    double md = sd / n;
    NEAR(o.mean_dp, md, 1e-15);
    NEAR(o.mean_dp_se, sqrt((sd2 / n - md * md) / (n - 1)), 1e-14);
    double rms = sqrt(sd2 / n);
    NEAR(o.rms_dp, rms, 1e-15);
    double m2 = sd2 / n;
    NEAR(o.rms_dp_se, sqrt((sd4 / n - m2 * m2) / (n - 1)) / (2 * rms), 1e-14);
    double f = same / n;
    NEAR(o.same_top, f, 1e-15);
    NEAR(o.same_top_se, sqrt(f * (1 - f) / (n - 1)), 1e-15);
    double ma = sa / n, mb = sb / n;
    NEAR(o.ln_ppl_ratio, mb - ma, 1e-14);
    double sea = sqrt((sa2 / n - ma * ma) / (n - 1)), seb = sqrt((sb2 / n - mb * mb) / (n - 1));
    double cov = (sab / n - ma * mb) / (n - 1);
    NEAR(o.ln_ppl_ratio_se, sqrt(sea * sea + seb * seb - 2 * cov), 1e-13);
    NEAR(o.cor_ln_ppl, cov / (sea * seb), 1e-12);
    NEAR(o.ppl_a, exp(ma), 1e-12);
    NEAR(o.ppl_b, exp(mb), 1e-12);
    assert_int_equal(o.n_tok, N);

    /* N = 1: no standard errors */
    assert_int_equal(div_stats_compute(st, 1, &o, &err), LS_OK);
    assert_true(isnan(o.mean_kld_se) && isnan(o.same_top_se) && isnan(o.ln_ppl_ratio_se));
    NEAR(o.kld_median, st[0].kld, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_kl),
        cmocka_unit_test(test_direct),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
