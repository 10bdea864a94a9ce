/* divergence.c: per-step KL / JS divergence and the llama-perplexity
 * summary statistics (see divergence.h). */
#include "sampling/divergence.h"
#include "base/vmath_exp_ids.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LN2 0.69314718055994530942

/* Tokens a block of vector exps covers (their results on the stack). */
#define DIV_BLK 256

/* out[k] = exp((double)z[k] - mx) for k < n <= DIV_BLK, each libm's exp bit
 * for bit (vm_libm_exp_kept: its vector copy where vmath proved it equal
 * to this machine's libm, else libm itself): the same value a scalar
 * exp(d - mx) gives. A non-finite z[k] gets exp of it, which no caller
 * reads (they test isfinite first, as the scalar loops did). */
static void exps(const float *z, uint32_t n, double mx, double *out)
{
    static const uint8_t every[DIV_BLK];   /* code 0 at every position: all kept */
    int32_t ids[DIV_BLK];
    for (uint32_t k = 0; k < n; k++) ids[k] = (int32_t)k;
    vm_libm_exp_kept(z, ids, n, every, 0, n, mx, out);
}

/* max over finite logits, argmax = first maximum: ids [lo, hi) */
static void pass_max(struct div_calc *c, const float *z, uint32_t lo, uint32_t hi)
{
    double m = c->m;   /* locals: the compiler may not keep c's fields in registers */
    int32_t am = c->am;
    for (uint32_t i = lo; i < hi; i++) {
        double d = (double)z[i];
        if (isfinite(d) && d > m) { m = d; am = (int32_t)i; }
    }
    c->m = m;
    c->am = am;
}

/* the sum of exp(z - max) over finite logits, in id order: ids [lo, hi) */
static void pass_sum(struct div_calc *c, const float *z, uint32_t lo, uint32_t hi)
{
    double e[DIV_BLK], s = c->s;
    for (uint32_t b = lo; b < hi; b += DIV_BLK) {
        uint32_t n = hi - b < DIV_BLK ? hi - b : DIV_BLK;
        exps(z + b, n, c->m, e);
        for (uint32_t k = 0; k < n; k++)
            if (isfinite((double)z[b + k])) s += e[k];
    }
    c->s = s;
}

/* the KLD and JSD terms in id order: ids [lo, hi) */
static void pass_pair(struct div_calc *c, uint32_t lo, uint32_t hi)
{
    double ea[DIV_BLK], eb[DIV_BLK], kl = c->kl, js = c->js;
    const double la = c->la, lb = c->lb;
    for (uint32_t blk = lo; blk < hi; blk += DIV_BLK) {
        uint32_t n = hi - blk < DIV_BLK ? hi - blk : DIV_BLK;
        exps(c->za + blk, n, la, ea);   /* exp(lpa), exp(lpb) below */
        exps(c->zb + blk, n, lb, eb);
        for (uint32_t k = 0; k < n; k++) {
            double a = (double)c->za[blk + k], b = (double)c->zb[blk + k];
            int fa = isfinite(a), fb = isfinite(b);
            double lpa = fa ? a - la : -INFINITY, lpb = fb ? b - lb : -INFINITY;
            double pa = fa ? ea[k] : 0.0, pb = fb ? eb[k] : 0.0;
            if (pa > 0) {
                if (fb) kl += pa * (lpa - lpb);
                else c->inf = 1;
            }
            if (pa > 0 || pb > 0) {
                /* ln M = logaddexp(ln P, ln Q) - ln 2: exact 0 terms when P = Q */
                double h = lpa > lpb ? lpa : lpb, l = lpa > lpb ? lpb : lpa;
                double lm = h + log1p(exp(l - h)) - LN2;
                if (pa > 0) js += 0.5 * pa * (lpa - lm);
                if (pb > 0) js += 0.5 * pb * (lpb - lm);
            }
        }
    }
    c->kl = kl;
    c->js = js;
}

void div_calc_begin(struct div_calc *c, const float *za, const float *zb, uint32_t V, int32_t token)
{
    memset(c, 0, sizeof *c);
    c->za = za;
    c->zb = zb;
    c->V = V;
    c->token = token;
    c->m = -INFINITY;
    c->am = -1;
}

/* a pass ended: its results, the next pass's start */
static void next_pass(struct div_calc *c)
{
    c->at = 0;
    if ((c->pass == 0 || c->pass == 2) && c->am < 0) {   /* no finite logit on that side */
        c->fail = c->pass == 0 ? 1 : 2;
        c->pass = 5;
        return;
    }
    if (c->pass == 1 || c->pass == 3) {   /* the side's log-sum-exp */
        double lse = c->m + log(c->s);
        if (c->pass == 1) { c->la = lse; c->ta = c->am; }
        else { c->lb = lse; c->tb = c->am; }
        c->m = -INFINITY;
        c->am = -1;
    }
    c->s = 0.0;
    c->pass++;
}

int div_calc_run(struct div_calc *c, uint32_t n)
{
    while (c->pass < 5) {
        uint32_t hi = c->V - c->at <= n ? c->V : c->at + n;
        switch (c->pass) {
        case 0: pass_max(c, c->za, c->at, hi); break;
        case 1: pass_sum(c, c->za, c->at, hi); break;
        case 2: pass_max(c, c->zb, c->at, hi); break;
        case 3: pass_sum(c, c->zb, c->at, hi); break;
        default: pass_pair(c, c->at, hi); break;
        }
        n -= hi - c->at;
        c->at = hi;
        if (c->at == c->V) next_pass(c);
        if (n == 0) break;
    }
    return c->pass == 5;
}

int div_step_compute(const float *za, const float *zb, uint32_t V, int32_t token,
                     struct div_step *o, struct ls_error *err)
{
    struct div_calc c;
    div_calc_begin(&c, za, zb, V, token);
    while (!div_calc_run(&c, UINT32_MAX)) ;
    return div_calc_end(&c, o, err);
}

int div_calc_end(const struct div_calc *c, struct div_step *o, struct ls_error *err)
{
    memset(o, 0, sizeof *o);
    if (c->fail) return ls_fail(err, LS_EDATA, c->fail == 1 ? "A: no finite logit" : "B: no finite logit");
    const float *za = c->za, *zb = c->zb;
    const uint32_t V = c->V;
    const int32_t token = c->token, ta = c->ta, tb = c->tb;
    const double la = c->la, lb = c->lb, kl = c->kl, js = c->js;
    const int inf = c->inf;
    o->kld = inf ? INFINITY : kl;
    o->jsd = js;
    o->top_a = ta;
    o->top_b = tb;
    o->same_top = ta == tb;
    if (token >= 0 && (uint32_t)token < V) {
        double a = (double)za[token], b = (double)zb[token];
        o->nll_a = isfinite(a) ? la - a : INFINITY;
        o->nll_b = isfinite(b) ? lb - b : INFINITY;
        o->p_a = isfinite(a) ? exp(a - la) : 0.0;
        o->p_b = isfinite(b) ? exp(b - lb) : 0.0;
        o->dp = o->p_b - o->p_a;
    } else {
        o->nll_a = o->nll_b = o->dp = o->p_a = o->p_b = NAN;
    }
    /* a full distribution decides everything */
    o->kld_lo = o->kld_hi = o->kld;
    o->jsd_lo = o->jsd_hi = o->jsd;
    o->dp_lo = o->dp_hi = o->dp;
    o->nll_a_lo = o->nll_a_hi = o->nll_a;
    o->nll_b_lo = o->nll_b_hi = o->nll_b;
    o->p_a_lo = o->p_a_hi = o->p_a;
    o->p_b_lo = o->p_b_hi = o->p_b;
    o->top_a_known = o->top_b_known = 1;
    return LS_OK;
}

uint32_t div_compared_vocab(uint32_t va, int sparse_a, uint32_t vb, int sparse_b, int *differ)
{
    int a_short = va < vb;
    uint32_t lo = a_short ? va : vb, hi = a_short ? vb : va;
    *differ = 0;
    if (a_short ? sparse_a : sparse_b) return hi;
    *differ = va != vb;
    return lo;
}

double div_percentile(const double *s, size_t n, double f)
{
    if (n == 0) return NAN;
    if (n == 1) return s[0];
    double x = f * (double)(n - 1);
    size_t lo = (size_t)floor(x);
    if (lo >= n - 1) return s[n - 1];
    double fr = x - (double)lo;
    if (fr == 0) return s[lo];
    if (isinf(s[lo + 1])) return s[lo + 1];
    return s[lo] + fr * (s[lo + 1] - s[lo]);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* standard error of the mean from sums: sqrt((<x^2> - <x>^2)/(n-1)) */
static double se_of(double sum, double sq, double n)
{
    if (n < 2) return NAN;
    double m = sum / n, v = sq / n - m * m;
    return sqrt((v > 0 ? v : 0) / (n - 1));
}

int div_stats_compute(const struct div_step *st, uint32_t n, struct div_stats *o,
                      struct ls_error *err)
{
    memset(o, 0, sizeof *o);
    o->n = n;
    double *k = malloc((size_t)(n ? n : 1) * sizeof *k);
    if (!k) return ls_oom(err);
    double ks = 0, kq = 0, js = 0, ds = 0, dq = 0, d4 = 0, sa = 0, sb = 0, qa = 0, qb = 0, ab = 0;
    uint32_t same = 0, nt = 0;
    for (uint32_t t = 0; t < n; t++) {
        double x = st[t].kld;
        k[t] = x;
        if (isinf(x)) o->n_inf++;
        ks += x; kq += x * x;
        js += st[t].jsd;
        same += st[t].same_top ? 1u : 0u;
        if (isfinite(st[t].dp)) {
            double d = st[t].dp, d2 = d * d;
            ds += d; dq += d2; d4 += d2 * d2;
            double a = st[t].nll_a, b = st[t].nll_b;
            sa += a; sb += b; qa += a * a; qb += b * b; ab += a * b;
            nt++;
        }
    }
    o->n_tok = nt;
    qsort(k, n, sizeof *k, cmp_d);
    double N = n;
    o->mean_kld = n ? ks / N : NAN;
    o->mean_kld_se = o->n_inf ? NAN : se_of(ks, kq, N);
    o->kld_max = n ? k[n - 1] : NAN;
    o->kld_p999 = div_percentile(k, n, 0.999);
    o->kld_p99 = div_percentile(k, n, 0.99);
    o->kld_p95 = div_percentile(k, n, 0.95);
    o->kld_p90 = div_percentile(k, n, 0.90);
    o->kld_median = div_percentile(k, n, 0.5);
    o->kld_p10 = div_percentile(k, n, 0.10);
    o->kld_p05 = div_percentile(k, n, 0.05);
    o->kld_p01 = div_percentile(k, n, 0.01);
    o->kld_min = n ? k[0] : NAN;
    free(k);
    o->mean_jsd = n ? js / N : NAN;
    double f = n ? (double)same / N : NAN;
    o->same_top = f;
    o->same_top_se = n > 1 ? sqrt(f * (1 - f) / (N - 1)) : NAN;
    double T = nt;
    if (nt) {
        o->mean_dp = ds / T;
        o->mean_dp_se = se_of(ds, dq, T);
        o->rms_dp = sqrt(dq / T);
        double se2 = se_of(dq, d4, T);
        o->rms_dp_se = o->rms_dp > 0 ? se2 / (2 * o->rms_dp) : NAN;
        double ma = sa / T, mb = sb / T;
        o->ppl_a = exp(ma);
        o->ppl_b = exp(mb);
        o->ln_ppl_ratio = mb - ma;
        if (nt > 1 && isfinite(sa) && isfinite(sb)) {
            double sea = se_of(sa, qa, T), seb = se_of(sb, qb, T);
            double cov = (ab / T - ma * mb) / (T - 1);
            double v = sea * sea + seb * seb - 2 * cov;
            o->ln_ppl_ratio_se = sqrt(v > 0 ? v : 0);
            o->cor_ln_ppl = (sea > 0 && seb > 0) ? cov / (sea * seb) : NAN;
        } else {
            o->ln_ppl_ratio_se = o->cor_ln_ppl = NAN;
        }
    } else {
        o->mean_dp = o->mean_dp_se = o->rms_dp = o->rms_dp_se = NAN;
        o->ppl_a = o->ppl_b = o->ln_ppl_ratio = o->ln_ppl_ratio_se = o->cor_ln_ppl = NAN;
    }
    return LS_OK;
}

/* The summary statistics, in report order (divergence.h). */
#define S(f) offsetof(struct div_stats, f)
const struct diff_stat diff_stats[] = {
    {"n_tokens", NULL, S(n_tok), 0, 1},
    {"mean_kld", "Mean KLD (nats)", S(mean_kld), S(mean_kld_se), 0},
    {"kld_max", "Maximum KLD", S(kld_max), 0, 0},
    {"kld_p999", "99.9% KLD", S(kld_p999), 0, 0},
    {"kld_p99", "99.0% KLD", S(kld_p99), 0, 0},
    {"kld_p95", "95.0% KLD", S(kld_p95), 0, 0},
    {"kld_p90", "90.0% KLD", S(kld_p90), 0, 0},
    {"kld_median", "Median KLD", S(kld_median), 0, 0},
    {"kld_p10", "10.0% KLD", S(kld_p10), 0, 0},
    {"kld_p05", "5.0% KLD", S(kld_p05), 0, 0},
    {"kld_p01", "1.0% KLD", S(kld_p01), 0, 0},
    {"kld_min", "Minimum KLD", S(kld_min), 0, 0},
    {"infinite_kld_steps", NULL, S(n_inf), 0, 1},
    {"mean_jsd", "Mean JSD (nats)", S(mean_jsd), 0, 0},
    {"mean_dp", "Mean dp (B - A)", S(mean_dp), S(mean_dp_se), 0},
    {"rms_dp", "RMS dp", S(rms_dp), S(rms_dp_se), 0},
    {"same_top", "Same top", S(same_top), S(same_top_se), 0},
    {"ppl_a", "PPL(A)", S(ppl_a), 0, 0},
    {"ppl_b", "PPL(B)", S(ppl_b), 0, 0},
    {"ln_ppl_ratio", "Mean ln(PPL(B)/PPL(A))", S(ln_ppl_ratio), S(ln_ppl_ratio_se), 0},
    {"cor_ln_ppl", "Cor(ln PPL(B), ln PPL(A))", S(cor_ln_ppl), 0, 0},
};
#undef S
const size_t n_diff_stats = sizeof diff_stats / sizeof diff_stats[0];

double diff_stat_value(const struct div_stats *s, size_t off)
{
    double v;
    memcpy(&v, (const char *)s + off, sizeof v);
    return v;
}

