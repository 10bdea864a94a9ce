/* emu_fsum.c: llama.cpp's float sums over the candidates in descending
 * value order, without sorting them (owner: hD; see emu_fsum.h).
 *
 * llama.cpp's sorted softmax adds expf(v - max) into a float, v in
 * descending order; temp-ext's entropy adds -p logf p the same way. A
 * float sum depends on the order of its adds, but only through the
 * binades its running sum c passes: while c stays in [2^e, 2^(e+1)),
 * every float there is a multiple of g = 2^(e-23), so c + x rounds to
 * c + x rounded to a multiple of g (x >= 0; a term exactly half way
 * between two multiples is a tie that c's parity decides). The terms
 * added while c stays in one binade can thus be rounded each on its own
 * and their sum (an integer count of g) is exact in any order: only
 * where c leaves a binade (a few times per sum) is the order read.
 *
 * So the values are grouped by value (one counting pass into slices of
 * their range, the slices from the top down) and spans of slices are
 * added whole while c stays in its binade; the slice where c would leave
 * it (or holds a tie, or a term too large for the rounding trick) is
 * sorted and added term by term. A term is not computed with libm's expf
 * or logf where an estimate decides its rounding: the vector exp (about 1
 * ulp in double) of v - mx taken in double, with a bound that covers the
 * float subtraction, libm's expf and logf (taken as within 2 ulp each:
 * glibc documents 0.502 and 0.818) and the float divide and product; a
 * term whose interval holds a rounding boundary is computed as llama.cpp
 * does, and its exact value rounded (no order needed unless it is a tie).
 * A span whose terms all round to 0 ends the sum: every later term is
 * smaller. emu_run's double masses over an array sorted by value (after
 * temp-ext's sort) are the same walk with 2^(e-52) for g.
 * Units: see emu_fsum.h. */
#include "sampling/emu_fsum.h"
#include "sampling/seqsum_exp.h"
#include "base/vmath.h"
#include "base/vmath_expf.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { PER_BUCKET = 64, MAX_BUCKETS = 65536, EST_CHUNK = 4096, CHUNK = 4096, BLOCK = 256 };
#define ROUND_M 0x1p52 /* (q + M) - M: q rounded to an integer, for 0 <= q < 2^51 */
#define BIG 0x1p50

/* the sums: llama.cpp's float ones over y, emu_run's double ones */
enum kind { K_EXPF, K_ENTROPY, K_DEXP, K_RAW };

struct term {
    enum kind kind;
    float my, cum;      /* the shift; the entropy's softmax sum */
    double lncum;
    double rel, abs;    /* |exact - estimate| < rel * estimate + abs */
    double raw_sum;     /* K_RAW: the raw softmax's sum */
};

static int is_double(const struct term *t) { return t->kind >= K_DEXP; }

static double exact_term(const struct term *t, const struct fsum_groups *g, uint32_t j)
{
    if (t->kind == K_RAW) return g->west[j] / t->raw_sum;
    if (t->kind == K_DEXP) {
        const struct seqsum_exp x = { g->y, 1.0f, (double)t->my };
        return seqsum_exp_d(&x, j);
    }
    float ex = ls_expf(g->y[j] - t->my);
    if (t->kind == K_EXPF) return ex;
    float pr = ex / t->cum;
    return pr > 0.0f ? -(pr * logf(pr)) : 0.0f;
}

/* the term at position j in units of g (ig = 1 / g) when its rounding is
 * decided (not a tie, not near one), else -1. The entropy's terms are
 * decided only for p <= 0.3, where -p ln p grows with p (so with y). */
static double units(const struct term *t, const struct fsum_groups *g, uint32_t j, double ig)
{
    double x = t->kind == K_RAW ? g->west[j] * (1.0 / t->raw_sum) : g->est[j];
    if (t->kind == K_ENTROPY) {
        double p = x * (1.0 / (double)t->cum);
        if (!(p <= 0.3)) return -1.0;
        x = p * (t->lncum - ((double)g->y[j] - (double)t->my));
    }
    double q = x * ig, d = x * (t->rel * ig) + t->abs * ig;
    /* lo == hi: no half-integer in [q - d, q + d], so not a tie either
     * (d is at least 4 ulp of q: q +- d are not q) */
    double lo = ((q - d) + ROUND_M) - ROUND_M, hi = ((q + d) + ROUND_M) - ROUND_M;
    return lo == hi && hi < BIG ? lo : -1.0;
}

/* units(), or for a term it leaves undecided the units of its exact
 * value (libm's) when that is not a tie: no order needed either way; -1
 * for a tie or a term too large for the rounding trick */
static double units_exact(const struct term *t, const struct fsum_groups *g, uint32_t j, double ig)
{
    double u = units(t, g, j, ig);
    if (u >= 0) return u;
    double q = exact_term(t, g, j) * ig;
    if (!(q < BIG)) return -1.0;
    double r = (q + ROUND_M) - ROUND_M, f = q - r;
    return f != 0.5 && f != -0.5 ? r : -1.0;
}

/* the walk's hot loop: each term's units over a bucket, in vector lanes
 * (two on the baseline, SSE2's own width: wider generic vectors go
 * through scalar compares there; four where AVX2 is: the same arithmetic
 * per lane, so the same decisions). The estimates are divided as
 * products with the reciprocal: within the bound's room. */
struct bulk_in {
    const double *x;     /* the estimates (times mul) */
    const float *y;      /* the values (the entropy's ln p) */
    double mul, ig, rel, ab, my, lncum;
    int entropy;
};

#define BULK_FN(NAME, ATTR, W)                                                                  \
    ATTR static int NAME(const struct bulk_in *b, uint32_t n, double *U, long long *bad)      \
    {                                                                                         \
        typedef double vd __attribute__((vector_size(8 * W)));                                \
        typedef long long vl __attribute__((vector_size(8 * W)));                             \
        vd acc = { 0 }, l = { 0 };                                                            \
        vl any = { 0 };                                                                       \
        const double *px = b->x, mul = b->mul, ig = b->ig, rel = b->rel, ab = b->ab;          \
        const double my = b->my, lncum = b->lncum;                                            \
        const float *py = b->y;                                                               \
        const int entropy = b->entropy;                                                       \
        uint32_t j = 0;                                                                       \
        for (; j + W <= n; j += W) {                                                          \
            vd x;                                                                             \
            vl no = { 0 };                                                                    \
            memcpy(&x, px + j, sizeof x);                                                     \
            x = x * mul;                                                                      \
            if (entropy) {                                                                    \
                for (int k = 0; k < W; k++) l[k] = (double)py[j + k] - my;                    \
                no = ~(x <= 0.3);                                                             \
                x = x * (lncum - l);                                                          \
            }                                                                                 \
            vd q = x * ig, d = x * rel + ab;                                                  \
            vd lo = ((q - d) + ROUND_M) - ROUND_M, hi = ((q + d) + ROUND_M) - ROUND_M;        \
            no |= (lo != hi) | (hi >= BIG);                                                   \
            memcpy(bad + j, &no, sizeof no);                                                  \
            any |= no;                                                                        \
            vl keep = (vl)lo & ~no; /* the decided lanes' units (0 elsewhere) */              \
            acc += (vd)keep;                                                                  \
        }                                                                                     \
        long long a = 0;                                                                      \
        double s = 0.0;                                                                       \
        for (int k = 0; k < W; k++) a |= any[k], s += acc[k]; /* integers: exact */           \
        *U = s;                                                                               \
        return a ? -(int)j - 1 : (int)j;                                                      \
    }
BULK_FN(bulk2, , 2)
BULK_FN(bulk4, __attribute__((target("avx2"))), 4)

/* the units of positions [a, a + n) (n <= BLOCK): 1 with their sum in
 * *U when every term is decided or resolved (units_exact), else 0 */
static int bulk(const struct term *t, const struct fsum_groups *g, uint32_t a, uint32_t n, double ig, double *U)
{
    long long bad[BLOCK];
    int wide = vm_path_lanes() >= 8; /* avx2 or wider: the CPU has AVX2 */
    struct bulk_in b = { t->kind == K_RAW ? g->west + a : g->est + a, g->y + a, 1.0, ig, t->rel * ig, t->abs * ig,
                         (double)t->my, t->lncum, t->kind == K_ENTROPY };
    if (t->kind == K_RAW) b.mul = 1.0 / t->raw_sum;
    if (t->kind == K_ENTROPY) b.mul = 1.0 / (double)t->cum;
    double s;
    int j = wide ? bulk4(&b, n, &s, bad) : bulk2(&b, n, &s, bad);
    if (j < 0) { /* some lanes undecided: those term by term */
        j = -j - 1;
        for (int i = 0; i < j; i++) {
            if (!bad[i]) continue;
            double u = units_exact(t, g, a + (uint32_t)i, ig);
            if (u < 0) return 0;
            s += u;
        }
    }
    for (; (uint32_t)j < n; j++) {
        double u = units_exact(t, g, a + (uint32_t)j, ig);
        if (u < 0) return 0;
        s += u;
    }
    *U = s;
    return 1;
}

/* out[0..n): the vector estimates of exp(v - m) (seqsum_exp.h's) */
static void est_of(const float *v, uint32_t n, float m, double *out)
{
    const struct seqsum_exp x = { v, 1.0f, (double)m };
    seqsum_exp_estimate(&x, n, out);
}

/* the estimates the term reads, up to position upto (in chunks) */
static void ensure_est(struct fsum_groups *g, const struct term *t, uint32_t upto)
{
    int raw = t->kind == K_RAW;
    uint32_t *have = raw ? &g->west_upto : &g->est_upto;
    if (upto <= *have) return;
    if (upto < *have + EST_CHUNK) upto = *have + EST_CHUNK;
    if (upto > g->n) upto = g->n;
    if (raw) est_of(g->z + *have, upto - *have, g->mz, g->west + *have);
    else est_of(g->y + *have, upto - *have, g->my, g->est + *have);
    *have = upto;
}

/* v[0..n) in descending order: insertion for a few, else an LSD radix
 * sort on the float keys (tmp: scratch of n) that skips the digits every
 * key shares (a run of equal values costs one pass; a bucket's values
 * share their top bits). Digits of 8 bits up to 1024 keys (256 counts a
 * pass), else 11. A bucket of 48-1024 values went to qsort before: with
 * its call per comparison, 45% of a mirostat step at V = 131072. Only
 * the values are sorted (no ids), so any exact sort gives these bits. */
static void sort_desc(float *v, uint32_t n, uint32_t *tmp)
{
    if (n <= 48) {
        for (uint32_t i = 1; i < n; i++) {
            float x = v[i];
            uint32_t j = i;
            for (; j > 0 && v[j - 1] < x; j--) v[j] = v[j - 1];
            v[j] = x;
        }
        return;
    }
    uint32_t *k = (uint32_t *)(void *)v, and_all = ~0u, or_all = 0;
    for (uint32_t i = 0; i < n; i++) { /* ~ the ascending key: descending values first */
        uint32_t u = k[i];
        if (u == 0x80000000u) u = 0; /* -0 and +0 are one value */
        k[i] = u & 0x80000000u ? u : ~(u | 0x80000000u);
        and_all &= k[i], or_all |= k[i];
    }
    const int bits = n <= 1024 ? 8 : 11;
    const uint32_t mask = (1u << bits) - 1;
    uint32_t *src = k, *dst = tmp;
    for (int sh = 0; sh < 32; sh += bits) {
        if (!(((and_all ^ or_all) >> sh) & mask)) continue;
        uint32_t cnt[2049];
        memset(cnt, 0, (mask + 2) * sizeof *cnt);
        for (uint32_t i = 0; i < n; i++) cnt[((src[i] >> sh) & mask) + 1]++;
        for (uint32_t b = 0; b < mask + 1; b++) cnt[b + 1] += cnt[b];
        for (uint32_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & mask]++] = src[i];
        uint32_t *s = src;
        src = dst, dst = s;
    }
    for (uint32_t i = 0; i < n; i++) { /* back to float bits */
        uint32_t u = src[i];
        k[i] = u & 0x80000000u ? u : ~u & 0x7FFFFFFFu;
    }
}

/* bucket b sorted, descending (its y and estimates follow) */
static void sort_bucket(struct fsum_groups *g, uint32_t b)
{
    uint32_t a = g->at[b], n = g->at[b + 1] - a;
    sort_desc(g->z + a, n, g->tmp);
    if (g->y != g->z) for (uint32_t j = a; j < a + n; j++) g->y[j] = g->z[j] / g->T;
    if (a < g->est_upto) {
        uint32_t m = g->est_upto - a < n ? g->est_upto - a : n;
        est_of(g->y + a, m, g->my, g->est + a);
    }
    if (a < g->west_upto) {
        uint32_t m = g->west_upto - a < n ? g->west_upto - a : n;
        est_of(g->z + a, m, g->mz, g->west + a);
    }
}

/* 2^k as a double */
static double pow2(int k)
{
    if (k < -1022 || k > 1023) return ldexp(1.0, k);
    uint64_t u = (uint64_t)(k + 1023) << 52;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* the running sum's grid and the top of its binade; 0 when c is too small
 * (zero or subnormal in its precision) to have one */
static int grid(double c, int dbl, double *gr, double *top)
{
    if (!(c >= (dbl ? DBL_MIN : FLT_MIN))) return 0;
    uint64_t u;
    memcpy(&u, &c, sizeof u);
    int e = (int)(u >> 52) - 1023; /* c > 0, normal */
    *gr = pow2(e - (dbl ? 52 : 23));
    *top = pow2(e + 1);
    return 1;
}

/* c after adding the terms at positions [a, end) (sorted) one by one */
static double add_sorted(const struct fsum_groups *g, const struct term *t, uint32_t a, uint32_t end, double c)
{
    int dbl = is_double(t);
    for (uint32_t j = a; j < end; j++) {
        double gr, top;
        if (grid(c, dbl, &gr, &top)) {
            double u = units(t, g, j, 1.0 / gr);
            if (u >= 0 && c + u * gr < top) {
                c += u * gr; /* exactly the add: both on the grid, in the binade */
                continue;
            }
        }
        c = dbl ? c + exact_term(t, g, j) : (double)((float)c + (float)exact_term(t, g, j));
    }
    return c;
}

/* the bucket holding position j */
static uint32_t bucket_of(const struct fsum_groups *g, uint32_t j)
{
    uint32_t lo = 0, hi = g->nb; /* at[lo] <= j < at[hi] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->at[mid] <= j) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* the first bucket e > b with at least CHUNK positions in [at[b], at[e]),
 * or nb */
static uint32_t span_end(const struct fsum_groups *g, uint32_t b)
{
    uint32_t lo = b + 1, hi = g->nb, want = g->at[b] + CHUNK; /* at[lo - 1] < want; at[hi] >= want or hi = nb */
    if (g->at[hi] < want) return hi;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->at[mid] >= want) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* how many of the positions [a, a + n) can be added as units of g (ig =
 * 1 / g), block by block, while every term is decided and their units'
 * sum stays below lim; that sum in *U */
static uint32_t bulk_prefix(const struct term *t, const struct fsum_groups *g, uint32_t a, uint32_t n, double ig,
                            double lim, double *U)
{
    uint32_t off = 0;
    *U = 0.0;
    for (; off < n; off += BLOCK) {
        uint32_t m = n - off < BLOCK ? n - off : BLOCK;
        double u;
        if (!bulk(t, g, a + off, m, ig, &u) || *U + u >= lim) break;
        *U += u;
    }
    return off < n ? off : n;
}

/* the sums of k terms at once (one pass over the groups), each from
 * position `from` on (its bucket sorted when from is inside it), added
 * to c[0..k). Spans of buckets are added whole while every term is
 * decided and each sum stays in its binade; the bucket where that stops
 * is sorted and added term by term. A sum whose whole span rounds to
 * nothing is done: every later term is smaller. */
enum { MAX_TERMS = 3 };
static void walk_k(struct fsum_groups *g, const struct term *t, int k, uint32_t from, double *c)
{
    int live[MAX_TERMS] = { 1, 1, 1 }, nlive = k;
    if (from >= g->n) return;
    uint32_t b = bucket_of(g, from);
    if (from > g->at[b]) {
        for (int i = 0; i < k; i++) {
            ensure_est(g, &t[i], g->at[b + 1]);
            c[i] = add_sorted(g, &t[i], from, g->at[b + 1], c[i]);
        }
        b++;
    }
    while (b < g->nb && nlive) {
        uint32_t e = span_end(g, b), a = g->at[b], n = g->at[e] - a, done = n;
        double gr[MAX_TERMS] = { 0 }, U[MAX_TERMS] = { 0 }, top;
        for (int i = 0; i < k; i++) {
            if (!live[i]) continue;
            ensure_est(g, &t[i], a + n);
            uint32_t d = n && grid(c[i], is_double(&t[i]), &gr[i], &top)
                             ? bulk_prefix(&t[i], g, a, n, 1.0 / gr[i], (top - c[i]) / gr[i], &U[i]) : 0;
            if (d < done) done = d;
        }
        if (done == n) {
            for (int i = 0; i < k; i++) {
                if (live[i] && U[i] == 0.0) live[i] = 0, nlive--; /* these and every later term leave c */
                else if (live[i]) c[i] += U[i] * gr[i]; /* exactly the adds: on the grid, in the binade */
            }
            b = e;
            continue;
        }
        uint32_t bf = bucket_of(g, a + done); /* the bucket where it stopped: term by term */
        for (int i = 0; i < k; i++) {
            if (!live[i]) continue;
            uint32_t m = g->at[bf] - a; /* (decided, inside the binade: a part of what was) */
            if (m && bulk_prefix(&t[i], g, a, m, 1.0 / gr[i], INFINITY, &U[i]) == m) c[i] += U[i] * gr[i];
        }
        sort_bucket(g, bf);
        for (int i = 0; i < k; i++)
            if (live[i]) c[i] = add_sorted(g, &t[i], g->at[bf], g->at[bf + 1], c[i]);
        b = bf + 1;
    }
}

static double walk(struct fsum_groups *g, const struct term *t, uint32_t from)
{
    double c = 0.0;
    walk_k(g, t, 1, from, &c);
    return c;
}

/* the estimates' bound: the float subtraction y - my (half an ulp of up
 * to my - lo), libm's expf (2 ulp) and the vector exp, with room */
static double rel_x(const struct fsum_groups *g)
{
    return 0x1p-20 + 0x1p-23 * ((double)g->my - (double)g->lo / (double)g->T);
}

float fsum_exp(struct fsum_groups *g)
{
    struct term t = { K_EXPF, g->my, 1.0f, 0.0, rel_x(g), 0x1p-125, 0.0 };
    return (float)walk(g, &t, 0);
}

float fsum_entropy(struct fsum_groups *g, float cum)
{
    /* p: rel_x and the float divide; ln p: the same as an absolute error
     * (over |ln p| >= ln(1 / 0.3)) and logf; the product: one rounding */
    struct term t = { K_ENTROPY, g->my, cum, log((double)cum), 4.0 * rel_x(g) + 0x1p-19, 0x1p-120, 0.0 };
    return (float)walk(g, &t, 0);
}

double fsum_dexp(struct fsum_groups *g)
{
    const struct term t = { K_DEXP, g->my, 1.0f, 0.0, SEQSUM_EXP_REL, SEQSUM_EXP_ABS, 0.0 };
    return walk(g, &t, 0);
}

void fsum_masses(struct fsum_groups *g, uint32_t m, double raw_sum, double out[3])
{
    /* the weights' bound is seqsum_exp.h's; the raw p's: the product with
     * the reciprocal within 2 ulp of the quotient */
    const struct term t[3] = {
        { K_DEXP, g->my, 1.0f, 0.0, SEQSUM_EXP_REL, SEQSUM_EXP_ABS, 0.0 },
        { K_DEXP, g->my, 1.0f, 0.0, SEQSUM_EXP_REL, SEQSUM_EXP_ABS, 0.0 },
        { K_RAW, g->mz, 1.0f, 0.0, 0x1p-50, SEQSUM_EXP_ABS, raw_sum },
    };
    double c[3] = { 0.0, 0.0, 0.0 };
    fsum_sort_upto(g, m + 1);
    ensure_est(g, &t[0], m);
    c[0] = add_sorted(g, &t[0], 0, m < g->n ? m : g->n, 0.0); /* S's first m, then S, rem, raw on */
    walk_k(g, t, 3, m, c);
    out[0] = c[0], out[1] = c[1], out[2] = c[2];
}

void fsum_sort_upto(struct fsum_groups *g, uint32_t upto)
{
    for (; g->sorted_b < g->nb && g->at[g->sorted_b] < upto; g->sorted_b++) sort_bucket(g, g->sorted_b);
}

void fsum_divide(struct fsum_groups *g, float T, float *yv, double *est)
{
    for (uint32_t j = 0; j < g->n; j++) yv[j] = g->z[j] / T;
    g->y = yv;
    g->T = T;
    g->my = g->mz / T;
    /* the estimates so far are exp(z - mz), the raw softmax's own weights */
    g->west = g->est, g->west_upto = g->est_upto;
    g->est = est, g->est_upto = 0;
}

void fsum_group3(struct fsum_groups *g, const float *z, uint32_t V, const double thr[3], float mz, float *v,
                 uint32_t *at, double *est, uint32_t *tmp)
{
    g->z = g->y = v, g->at = at, g->est = est, g->west = NULL, g->tmp = tmp;
    g->mz = g->my = mz, g->T = 1.0f;
    g->est_upto = g->west_upto = g->sorted_b = 0;
    g->nb = 3;
    float t[3], lo = mz;
    for (int k = 0; k < 3; k++) { /* z >= t[k]: z >= thr[k] */
        t[k] = (float)thr[k];
        if ((double)t[k] < thr[k]) t[k] = nextafterf(t[k], INFINITY);
    }
    /* one pass: the first bucket from the front, the last from the back
     * (inside a bucket any order), the middle one aside in tmp, then
     * between them (most fall in one bucket: the branches are predicted) */
    float *mid = (float *)(void *)tmp;
    uint32_t w0 = 0, w1 = 0, w2 = V;
    for (uint32_t i = 0; i < V; i++) {
        float x = z[i];
        if (x < t[2]) continue; /* left out */
        lo = x < lo ? x : lo;
        if (x < t[1]) v[--w2] = x;
        else if (x < t[0]) mid[w1++] = x;
        else v[w0++] = x;
    }
    uint32_t n2 = V - w2;
    memmove(v + w0 + w1, v + w2, (size_t)n2 * sizeof *v);
    memcpy(v + w0, mid, (size_t)w1 * sizeof *v);
    g->n = w0 + w1 + n2;
    g->lo = lo;
    at[0] = 0, at[1] = w0, at[2] = w0 + w1, at[3] = g->n;
}

/* The grouping is a counting sort of the whole step (at V = 131072 some
 * 2000 buckets). Run as one loop, consecutive tokens in one bucket made
 * each count and each write position wait on the last one's store (the
 * pair took ~3.4 ns a token here, 90% of it those waits). So the step is
 * cut in QUARTERS parts of consecutive ids, each with its own counts and
 * write positions, stepped together: four independent chains. Part k's
 * tokens of a bucket go after part k - 1's, so every bucket holds its
 * values in id order, as the one loop wrote them. */
enum { QUARTERS = 4 };

struct quarters {
    uint32_t len;             /* parts 0..2 are [k len, (k + 1) len); part 3 also holds the rest up to V */
    uint32_t *cnt[QUARTERS];  /* each nb + 1 entries: counts, then write positions */
};

/* the bucket of z (nb when z < thr: left out), by (mx - z) * scale in
 * float: never smaller for a smaller z */
static inline uint32_t slice_of(float z, float mx, float thr, float scale, uint32_t nb)
{
    float f = (mx - z) * scale;
    return z >= thr ? (f < (float)(nb - 1) ? (uint32_t)f : nb - 1) : nb;
}

/* each z[i]'s bucket into idx and its part's count; the smallest kept value */
static float bucket_pass(const float *z, uint32_t V, float mx, float thr, float scale, uint32_t nb, uint32_t *idx,
                         const struct quarters *q)
{
    float lo[QUARTERS] = { mx, mx, mx, mx };
    for (uint32_t i = 0; i < q->len; i++)
        for (int k = 0; k < QUARTERS; k++) {
            uint32_t j = (uint32_t)k * q->len + i, b = slice_of(z[j], mx, thr, scale, nb);
            idx[j] = b;
            q->cnt[k][b]++;
            lo[k] = z[j] >= thr && z[j] < lo[k] ? z[j] : lo[k];
        }
    for (uint32_t j = QUARTERS * q->len; j < V; j++) {
        uint32_t b = slice_of(z[j], mx, thr, scale, nb);
        idx[j] = b;
        q->cnt[QUARTERS - 1][b]++;
        lo[QUARTERS - 1] = z[j] >= thr && z[j] < lo[QUARTERS - 1] ? z[j] : lo[QUARTERS - 1];
    }
    float m = lo[0];
    for (int k = 1; k < QUARTERS; k++) m = lo[k] < m ? lo[k] : m;
    return m;
}

/* counts -> each part's first write position in each bucket; at[b]: the
 * bucket's start (at[nb]: the left out's, the grouped count) */
static void bucket_starts(const struct quarters *q, uint32_t nb, uint32_t *at)
{
    uint32_t run = 0;
    for (uint32_t b = 0; b <= nb; b++) {
        at[b] = run;
        for (int k = 0; k < QUARTERS; k++) {
            uint32_t c = q->cnt[k][b];
            q->cnt[k][b] = run;
            run += c;
        }
    }
}

static void scatter(const float *z, uint32_t V, const uint32_t *idx, const struct quarters *q, float *v)
{
    for (uint32_t i = 0; i < q->len; i++)
        for (int k = 0; k < QUARTERS; k++) {
            uint32_t j = (uint32_t)k * q->len + i;
            v[q->cnt[k][idx[j]]++] = z[j];
        }
    for (uint32_t j = QUARTERS * q->len; j < V; j++) v[q->cnt[QUARTERS - 1][idx[j]]++] = z[j];
}

void fsum_group(struct fsum_groups *g, const float *z, uint32_t V, float mx, double thr, float *v,
                uint32_t *at, uint32_t cap, double *est, uint32_t *tmp)
{
    g->z = g->y = v, g->at = at, g->est = est, g->west = NULL, g->tmp = tmp;
    g->mz = g->my = mx, g->T = 1.0f;
    g->est_upto = g->west_upto = g->sorted_b = 0;
    uint32_t nb = V / PER_BUCKET;
    if (nb > MAX_BUCKETS) nb = MAX_BUCKETS;
    /* at: the nb + 2 entries, then the parts' counts (4 (nb + 1)); a
     * short at (cap < 16: nb <= 13) leaves the counts on the stack */
    if (cap >= 16) { if (nb > (cap - 6) / 5) nb = (cap - 6) / 5; }
    else if (nb + 2 > cap) nb = cap >= 3 ? cap - 2 : 1;
    if (nb < 1) nb = 1;
    uint32_t small[QUARTERS * 16];
    uint32_t *cnt = cap >= 16 ? at + nb + 2 : small;
    struct quarters q = { V / QUARTERS, { cnt, cnt + (nb + 1), cnt + 2 * (nb + 1), cnt + 3 * (nb + 1) } };
    memset(cnt, 0, (size_t)QUARTERS * (nb + 1) * sizeof *cnt);
    g->nb = nb;
    float thr_f = (float)thr;
    if ((double)thr_f < thr) thr_f = nextafterf(thr_f, INFINITY); /* z >= thr_f: z >= thr */
    float scale = mx > thr_f ? (float)((double)nb / ((double)mx - (double)thr_f)) : 0.0f;
    g->lo = bucket_pass(z, V, mx, thr_f, scale, nb, tmp, &q);
    bucket_starts(&q, nb, at);
    g->n = at[nb];
    scatter(z, V, tmp, &q, v); /* the left out go past the end: v has room for V */
}
