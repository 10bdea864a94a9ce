/* div_bounds.c: one step's divergences when a side is top-N, exact where
 * the files decide and bounded otherwise (divergence.h div_step_bounds),
 * and the summary's bounds (div_stats_bounds).
 *
 * A top-N side lists tokens with their true probabilities p = exp(z) and
 * leaves a tail tau = 1 - sum(listed p) (0 when the listed p reach 1) over
 * the unlisted tokens, each at most cap: the smallest listed p other than
 * the recorded token's (an API lists the chosen token even when it is
 * outside its top-N, so it says nothing about the others), or tau when
 * nothing else is listed; cap <= tau. With tau = 0 every unlisted token is
 * a known 0. A full side knows every id in [0, V) and there is nothing
 * beyond (one tokenizer on both sides).
 *
 * Tokens fall in four cells by who knows them:
 *   both  known to both: exact terms;
 *   OA    known to A (mass pa, na tokens), unknown to B: Q(OA) = y;
 *   OB    known to B (mass qb, nb tokens), unknown to A: P(OB) = x;
 *   R     unknown to both: P(R) = tauA - x, Q(R) = tauB - y.
 * Every completion has 0 <= x <= min(tauA, nb capA), 0 <= y <= min(tauB,
 * na capB). R exists only when both sides are top-N with a tail (their
 * unlisted tokens are then unbounded in number); otherwise the tails have
 * nowhere else to go: x = tauA, y = tauB (as far as the caps allow).
 *
 * Lower bounds. KL and JS are f-divergences, D = sum_i Q_i phi(P_i / Q_i)
 * with phi convex, so merging tokens into cells never increases them (the
 * log-sum inequality). For every completion therefore
 *   D >= D_both + g(x, y),  g = d(pa, y) + d(x, qb) + d(tauA - x, tauB - y)
 * with d the divergence's term for one cell, and the bound is min g over
 * the box. g is jointly convex. For fixed x the minimum over y is where
 * the cells' ratios P/Q agree (for any f-divergence the derivative in Q of
 * Q phi(P/Q) depends on P/Q alone): y*(x) = tauB pa / (pa + tauA - x),
 * clamped to the box; h(x) = g(x, y*(x)) is convex and golden-section
 * search minimises it. The search returns a value of h at a feasible
 * point, which can exceed the true minimum by the variation of h over the
 * last bracket (width < 1e-15): DIV_SLACK is taken off so the bound stays
 * below. (Without R nothing is searched: x and y are forced.) A lower and
 * an upper bound within 1e-13 of each other are one value spelled two
 * ways (e.g. (tauB/2) ln 2 computed as a cell term) and made equal. Without the caps the minimum is the one-cell bound
 * P(O) ln(P(O) / Q(O)), O = every token not known to both.
 *
 * Upper bounds. KL: +inf as soon as some of A's mass may sit where B may
 * put none (A has an unknown tail, or gives p > 0 to a token B does not
 * know): an unknown probability has no lower bound above 0. Otherwise every
 * token with P > 0 is known to both and KL is exact. JS: each token's term
 * is at most (P_i + Q_i) ln 2 / 2, reached when one side is 0, so
 *   JS <= JS_both + (P(O) + Q(O)) ln 2 / 2,  P(O) = pa + tauA, Q(O) = qb + tauB,
 * the value of completions that put the two sides' unknown mass on
 * different tokens.
 *
 * The recorded token: listed -> exact; unlisted on a top-N side ->
 * [0, cap]. dp and NLL follow by monotonicity. A side's top is its largest
 * listed token when that is at least cap (no unlisted token can exceed it;
 * a tie is settled by the file's own listing) or the side has no unknown
 * token; otherwise it is unknown, and so is same_top. */
#include "sampling/divergence.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LN2 0.69314718055994530942
#define DIV_SLACK 1e-10
#define GOLD 0.61803398874989484820

/* One side of a step, scanned. */
struct sside {
    const struct div_side *s;
    double lse;          /* full side: log-sum-exp of the finite logits */
    double tail, cap, pmax;
    int32_t top;         /* largest known (listed) p, first by id; -1 if none */
    uint32_t n;          /* finite entries */
    int unknowns;        /* some token's p is unknown: top-N with tail > 0 */
};

static int scan(const struct div_side *s, uint32_t V, int32_t token, struct sside *m)
{
    double zmax = -INFINITY, sum = 0, acc = 0;
    memset(m, 0, sizeof *m);
    m->s = s;
    m->top = -1;
    m->cap = INFINITY;
    for (uint32_t i = 0; i < V; i++) {
        double z = (double)s->z[i];
        if (!isfinite(z)) continue;
        m->n++;
        if (z > zmax) { zmax = z; m->top = (int32_t)i; }
        if (s->sparse && (int32_t)i != token && exp(z) < m->cap) m->cap = exp(z);
    }
    if (!s->sparse) {
        if (m->top < 0) return -1;
        for (uint32_t i = 0; i < V; i++)
            if (isfinite(s->z[i])) acc += exp((double)s->z[i] - zmax);
        m->lse = zmax + log(acc);
        m->pmax = exp(zmax - m->lse);
        m->cap = 0;
        return 0;
    }
    for (uint32_t i = 0; i < V; i++)
        if (isfinite(s->z[i])) sum += exp((double)s->z[i]);
    m->tail = sum < 1 ? 1 - sum : 0;
    if (m->cap > m->tail) m->cap = m->tail;
    m->pmax = m->top >= 0 ? exp(zmax) : 0;
    m->unknowns = m->tail > 0;
    return 0;
}

/* Token i's probability on a side; NAN when the file leaves it unknown. */
static double p_of(const struct sside *m, uint32_t i)
{
    double z = (double)m->s->z[i];
    if (!m->s->sparse) return isfinite(z) ? exp(z - m->lse) : 0;
    if (isfinite(z)) return exp(z);
    return m->unknowns ? NAN : 0;
}

static double d_kl(double p, double q)
{
    if (!(p > 0)) return 0;
    return q > 0 ? p * log(p / q) : INFINITY;
}

static double d_js(double p, double q)
{
    double m = 0.5 * (p + q), s = 0;
    if (p > 0) s += 0.5 * p * log(p / m);
    if (q > 0) s += 0.5 * q * log(q / m);
    return s;
}

typedef double (*cell_fn)(double p, double q);

struct cells {
    double kl_both, js_both;
    double pa, qb, na, nb;   /* na, nb may be +inf (a top-N side's known zeros) */
    double ta, tb, xmax, ymax;
    int rest;                /* R exists */
};

static double room(double n, double cap, double tail)
{
    if (isinf(n)) return tail;
    return n * cap < tail ? n * cap : tail;
}

static void tally(const struct sside *A, const struct sside *B, uint32_t V, struct cells *c)
{
    memset(c, 0, sizeof *c);
    for (uint32_t i = 0; i < V; i++) {
        double pa = p_of(A, i), pb = p_of(B, i);
        if (!isnan(pa) && !isnan(pb)) { c->kl_both += d_kl(pa, pb); c->js_both += d_js(pa, pb); }
        else if (!isnan(pa)) { c->pa += pa; c->na++; }
        else if (!isnan(pb)) { c->qb += pb; c->nb++; }
    }
    /* a top-N side without a tail knows every token beyond V too (0) */
    if (A->s->sparse && !A->unknowns) c->na = INFINITY;
    if (B->s->sparse && !B->unknowns) c->nb = INFINITY;
    c->ta = A->tail;
    c->tb = B->tail;
    c->xmax = room(c->nb, A->cap, c->ta);
    c->ymax = room(c->na, B->cap, c->tb);
    c->rest = A->unknowns && B->unknowns;
}

static double y_star(const struct cells *c, double x)
{
    if (!c->rest) return c->ymax;
    double r = c->ta - x > 0 ? c->ta - x : 0;
    double y = c->pa + r > 0 ? c->tb * c->pa / (c->pa + r) : c->ymax;
    return y < 0 ? 0 : y > c->ymax ? c->ymax : y;
}

static double g_at(cell_fn d, const struct cells *c, double x)
{
    double y = y_star(c, x), r = c->ta - x, s = c->tb - y;
    return d(c->pa, y) + d(x, c->qb) + d(r > 0 ? r : 0, s > 0 ? s : 0);
}

/* min over the box of g (see the header comment); *searched: the value is
 * a search's, from above (the caller takes DIV_SLACK off). */
static double cells_min(cell_fn d, const struct cells *c, int *searched)
{
    *searched = c->rest && c->xmax > 0;
    if (!*searched) return g_at(d, c, c->rest ? 0 : c->xmax);
    double a = 0, b = c->xmax, best = fmin(g_at(d, c, a), g_at(d, c, b));
    double x1 = b - GOLD * (b - a), x2 = a + GOLD * (b - a), f1 = g_at(d, c, x1), f2 = g_at(d, c, x2);
    for (int it = 0; it < 100 && b - a > 1e-15; it++) {
        if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - GOLD * (b - a); f1 = g_at(d, c, x1); }
        else { a = x1; x1 = x2; f1 = f2; x2 = a + GOLD * (b - a); f2 = g_at(d, c, x2); }
    }
    return fmin(best, fmin(f1, f2));
}

/* A lower bound: a searched minimum less DIV_SLACK, never below 0. */
static double lower(cell_fn d, const struct cells *c, double both)
{
    int searched;
    double v = both + cells_min(d, c, &searched);
    if (searched) v -= DIV_SLACK * (1 + v);
    return v > 0 ? v : 0;
}

/* Bounds that meet up to rounding (two spellings of one value) are one. */
static void snap(double *lo, double *hi)
{
    if (*lo > *hi || *hi - *lo <= 1e-13 * (1 + *hi)) *lo = *hi;
}

static void bound_div(const struct cells *c, int exact, struct div_step *o)
{
    if (exact) {
        o->kld_lo = o->kld_hi = c->kl_both;
        o->jsd_lo = o->jsd_hi = c->js_both;
        return;
    }
    if (c->ta > 0 || c->pa > 0) {
        o->kld_lo = isinf(c->kl_both) ? INFINITY : lower(d_kl, c, c->kl_both);
        o->kld_hi = INFINITY;
    } else {
        o->kld_lo = o->kld_hi = c->kl_both;   /* every token with P > 0 is known to both */
    }
    o->jsd_lo = lower(d_js, c, c->js_both);
    o->jsd_hi = c->js_both + 0.5 * LN2 * (c->pa + c->ta + c->qb + c->tb);
    if (o->jsd_hi > LN2) o->jsd_hi = LN2;
    snap(&o->jsd_lo, &o->jsd_hi);
}

static int top_known(const struct sside *m)
{
    return !m->s->sparse || !m->unknowns || (m->n > 0 && m->pmax >= m->cap);
}

/* The recorded token's probability interval on one side. */
static int token_p(const struct sside *m, int32_t token, double *lo, double *hi)
{
    double p = p_of(m, (uint32_t)token);
    if (!isnan(p)) { *lo = *hi = p; return 0; }
    *lo = 0;
    *hi = m->cap;
    return 1;
}

static double point(double lo, double hi) { return lo == hi ? lo : NAN; }

static void bound_token(const struct sside *A, const struct sside *B, uint32_t V, int32_t token,
                        struct div_step *o)
{
    if (token < 0 || (uint32_t)token >= V) {
        o->dp = o->nll_a = o->nll_b = o->p_a = o->p_b = NAN;
        o->dp_lo = o->dp_hi = o->nll_a_lo = o->nll_a_hi = o->nll_b_lo = o->nll_b_hi = NAN;
        o->p_a_lo = o->p_a_hi = o->p_b_lo = o->p_b_hi = NAN;
        return;
    }
    if (token_p(A, token, &o->p_a_lo, &o->p_a_hi)) o->open |= DIV_TOKEN_A;
    if (token_p(B, token, &o->p_b_lo, &o->p_b_hi)) o->open |= DIV_TOKEN_B;
    o->dp_lo = o->p_b_lo - o->p_a_hi;
    o->dp_hi = o->p_b_hi - o->p_a_lo;
    o->nll_a_lo = -log(o->p_a_hi);
    o->nll_a_hi = -log(o->p_a_lo);
    o->nll_b_lo = -log(o->p_b_hi);
    o->nll_b_hi = -log(o->p_b_lo);
    o->p_a = point(o->p_a_lo, o->p_a_hi);
    o->p_b = point(o->p_b_lo, o->p_b_hi);
    o->dp = point(o->dp_lo, o->dp_hi);
    o->nll_a = point(o->nll_a_lo, o->nll_a_hi);
    o->nll_b = point(o->nll_b_lo, o->nll_b_hi);
}

int div_step_bounds(const struct div_side *a, const struct div_side *b, uint32_t V, int32_t token,
                    struct div_step *o, struct ls_error *err)
{
    if (!a->sparse && !b->sparse) return div_step_compute(a->z, b->z, V, token, o, err);
    struct sside A, B;
    struct cells c;
    memset(o, 0, sizeof *o);
    if (scan(a, V, token, &A)) return ls_fail(err, LS_EDATA, "A: no finite logit");
    if (scan(b, V, token, &B)) return ls_fail(err, LS_EDATA, "B: no finite logit");
    tally(&A, &B, V, &c);
    bound_div(&c, !A.unknowns && !B.unknowns, o);
    o->kld = point(o->kld_lo, o->kld_hi);
    o->jsd = point(o->jsd_lo, o->jsd_hi);
    o->tail_a = A.tail;
    o->tail_b = B.tail;
    o->open |= (A.unknowns ? DIV_TAIL_A : 0) | (B.unknowns ? DIV_TAIL_B : 0);
    o->open |= (a->sparse && !A.n ? DIV_EMPTY_A : 0) | (b->sparse && !B.n ? DIV_EMPTY_B : 0);
    bound_token(&A, &B, V, token, o);
    o->top_a = A.top;
    o->top_b = B.top;
    o->top_a_known = A.n > 0 && top_known(&A);
    o->top_b_known = B.n > 0 && top_known(&B);
    o->same_top = o->top_a_known && o->top_b_known && A.top == B.top;
    return LS_OK;
}

static int same(double x, double y) { return x == y || (isnan(x) && isnan(y)); }

enum div_basis div_step_basis(const struct div_step *s)
{
    if (s->open & (DIV_EMPTY_A | DIV_EMPTY_B)) return DIV_UNKNOWN;
    if (s->kld_lo == s->kld_hi && s->jsd_lo == s->jsd_hi && same(s->dp_lo, s->dp_hi) &&
        same(s->nll_a_lo, s->nll_a_hi) && same(s->nll_b_lo, s->nll_b_hi) && s->top_a_known && s->top_b_known)
        return DIV_EXACT;
    return DIV_BOUNDED;
}

void div_step_why(const struct div_step *s, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    if (div_step_basis(s) == DIV_EXACT) {
        if (s->open & (DIV_TAIL_A | DIV_TAIL_B))
            snprintf(buf, n, "%s unlisted tail %.4g changes none of these values",
                     s->open & DIV_TAIL_A ? (s->open & DIV_TAIL_B ? "each side's" : "A's") : "B's",
                     s->open & DIV_TAIL_A ? (s->open & DIV_TAIL_B ? s->tail_a + s->tail_b : s->tail_a) : s->tail_b);
        return;
    }
    for (int side = 0; side < 2; side++) {
        const char *name = side ? "B" : "A";
        unsigned empty = side ? DIV_EMPTY_B : DIV_EMPTY_A, tail = side ? DIV_TAIL_B : DIV_TAIL_A;
        unsigned tok = side ? DIV_TOKEN_B : DIV_TOKEN_A;
        const char *sep = k ? "; " : "";
        if (s->open & empty)
            k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s lists no token: all of it is unknown", sep, name);
        else if (s->open & tail)
            k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s's unlisted tail %.4g is unknown%s", sep, name,
                                  side ? s->tail_b : s->tail_a,
                                  s->open & tok ? ", the recorded token among it" : "");
    }
}

/* The statistics that combine both ends of the steps' intervals. */
static void mixed(const struct div_step *st, uint32_t n, struct div_stats *lo, struct div_stats *hi)
{
    double d2lo = 0, d2hi = 0, alo = 0, ahi = 0, blo = 0, bhi = 0, T = 0;
    int nll_exact = 1;
    for (uint32_t t = 0; t < n; t++) {
        const struct div_step *s = &st[t];
        if (isnan(s->dp_lo)) continue;
        double a2 = s->dp_lo * s->dp_lo, b2 = s->dp_hi * s->dp_hi;
        d2lo += s->dp_lo <= 0 && s->dp_hi >= 0 ? 0 : (a2 < b2 ? a2 : b2);
        d2hi += a2 > b2 ? a2 : b2;
        alo += s->nll_a_lo; ahi += s->nll_a_hi; blo += s->nll_b_lo; bhi += s->nll_b_hi;
        nll_exact &= s->nll_a_lo == s->nll_a_hi && s->nll_b_lo == s->nll_b_hi;
        T++;
    }
    if (!T) return;
    lo->rms_dp = sqrt(d2lo / T);
    hi->rms_dp = sqrt(d2hi / T);
    if (nll_exact) return;
    lo->ln_ppl_ratio = blo / T - ahi / T;
    hi->ln_ppl_ratio = bhi / T - alo / T;
    if (isnan(lo->ln_ppl_ratio)) lo->ln_ppl_ratio = -INFINITY;
    if (isnan(hi->ln_ppl_ratio)) hi->ln_ppl_ratio = INFINITY;
    lo->cor_ln_ppl = hi->cor_ln_ppl = NAN;
}

/* A statistic that is an interval has no standard error. */
static void open_se(struct div_stats *lo, struct div_stats *hi)
{
    const double nan = NAN;
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        if (!x->se_off || same(diff_stat_value(lo, x->off), diff_stat_value(hi, x->off))) continue;
        memcpy((char *)lo + x->se_off, &nan, sizeof nan);
        memcpy((char *)hi + x->se_off, &nan, sizeof nan);
    }
}

int div_stats_bounds(const struct div_step *st, uint32_t n, struct div_stats *lo,
                     struct div_stats *hi, struct ls_error *err)
{
    struct div_step *e = malloc((size_t)(n ? 2 * n : 1) * sizeof *e);
    if (!e) return ls_oom(err);
    struct div_step *L = e, *H = e + n;
    for (uint32_t t = 0; t < n; t++) {
        const struct div_step *s = &st[t];
        int known = s->top_a_known && s->top_b_known;
        L[t] = H[t] = *s;
        L[t].kld = s->kld_lo; H[t].kld = s->kld_hi;
        L[t].jsd = s->jsd_lo; H[t].jsd = s->jsd_hi;
        L[t].dp = s->dp_lo; H[t].dp = s->dp_hi;
        L[t].nll_a = s->nll_a_lo; H[t].nll_a = s->nll_a_hi;
        L[t].nll_b = s->nll_b_lo; H[t].nll_b = s->nll_b_hi;
        L[t].same_top = known && s->same_top;
        H[t].same_top = !known || s->same_top;
    }
    int rc = div_stats_compute(L, n, lo, err);
    if (!rc) rc = div_stats_compute(H, n, hi, err);
    free(e);
    if (rc) return rc;
    mixed(st, n, lo, hi);
    open_se(lo, hi);
    return LS_OK;
}
