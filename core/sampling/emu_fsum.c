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
 * their range, the slices from the top down) and the slices are added
 * whole while c stays in its binade; a slice where c leaves it, or one
 * with a term that rounds either way, is sorted and added term by term.
 * A term is not computed with libm's expf or logf where an estimate
 * decides its rounding: the vector exp (about 1 ulp in double) of v - mx
 * taken in double, with a bound that covers the float subtraction, libm's
 * expf and logf (taken as within 2 ulp each: glibc documents 0.502 and
 * 0.818) and the float divide and product; a term whose interval holds a
 * rounding boundary is computed as llama.cpp does. A slice whose terms
 * all round to 0 ends the sum: every later term is smaller.
 * Units: see emu_fsum.h. */
#include "sampling/emu_fsum.h"
#include "base/vmath.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PER_BUCKET = 16, MAX_BUCKETS = 65536, EST_CHUNK = 4096 };
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
    if (t->kind == K_DEXP) return exp((double)g->y[j] - (double)t->my);
    float ex = expf(g->y[j] - t->my);
    if (t->kind == K_EXPF) return ex;
    float pr = ex / t->cum;
    return pr > 0.0f ? -(pr * logf(pr)) : 0.0f;
}

/* the term at position j in units of g (ig = 1 / g) when its rounding is
 * decided (not a tie, not near one), else -1. The entropy's terms are
 * decided only for p <= 0.3, where -p ln p grows with p (so with y). */
static double units(const struct term *t, const struct fsum_groups *g, uint32_t j, double ig)
{
    double x = t->kind == K_RAW ? g->west[j] / t->raw_sum : g->est[j];
    if (t->kind == K_ENTROPY) {
        double p = x / t->cum;
        if (!(p <= 0.3)) return -1.0;
        x = p * (t->lncum - ((double)g->y[j] - (double)t->my));
    }
    double q = x * ig, d = x * (t->rel * ig) + t->abs * ig;
    double lo = ((q - d) + ROUND_M) - ROUND_M, hi = ((q + d) + ROUND_M) - ROUND_M, f = q - lo;
    return lo == hi && hi < BIG && f != 0.5 && f != -0.5 ? lo : -1.0;
}

/* two lanes: SSE2's own width, so that the baseline build keeps them in
 * registers (four-lane compares there go through scalar code) */
typedef double vd2 __attribute__((vector_size(16)));
typedef long long vl2 __attribute__((vector_size(16)));

/* the same over positions [a, a + n) two lanes at a time: 1 with the
 * units' sum in *U when every term is decided, else 0 */
static int bulk(const struct term *t, const struct fsum_groups *g, uint32_t a, uint32_t n, double ig, double *U)
{
    const double *est = t->kind == K_RAW ? g->west + a : g->est + a;
    const float *y = g->y + a;
    const enum kind kind = t->kind;
    const double rel = t->rel * ig, ab = t->abs * ig, div = kind == K_RAW ? t->raw_sum : (double)t->cum;
    const double my = (double)t->my, lncum = t->lncum;
    vd2 acc = { 0, 0 };
    vl2 bad = { 0, 0 };
    uint32_t j = 0;
    for (; j + 2 <= n; j += 2) {
        vd2 x;
        memcpy(&x, est + j, sizeof x);
        if (kind == K_RAW) x = x / div;
        if (kind == K_ENTROPY) {
            vd2 p = x / div, l = { (double)y[j] - my, (double)y[j + 1] - my };
            bad |= ~(p <= 0.3);
            x = p * (lncum - l);
        }
        vd2 q = x * ig, d = x * rel + ab;
        vd2 lo = ((q - d) + ROUND_M) - ROUND_M, hi = ((q + d) + ROUND_M) - ROUND_M, f = q - lo;
        bad |= (lo != hi) | (hi >= BIG) | (f == 0.5) | (f == -0.5);
        acc += lo;
    }
    if (bad[0] | bad[1]) return 0;
    double s = acc[0] + acc[1]; /* integers below 2^53: exact */
    for (; j < n; j++) {
        double u = units(t, g, a + j, ig);
        if (u < 0) return 0;
        s += u;
    }
    *U = s;
    return 1;
}

/* the estimates the term reads, up to position upto (in chunks) */
static void ensure_est(struct fsum_groups *g, const struct term *t, uint32_t upto)
{
    int raw = t->kind == K_RAW;
    uint32_t *have = raw ? &g->west_upto : &g->est_upto;
    if (upto <= *have) return;
    if (upto < *have + EST_CHUNK) upto = *have + EST_CHUNK;
    if (upto > g->n) upto = g->n;
    if (raw) vm_exp_shift(g->z + *have, upto - *have, (double)g->mz, 1.0, g->west + *have, NULL);
    else vm_exp_shift(g->y + *have, upto - *have, (double)g->my, 1.0, g->est + *have, NULL);
    *have = upto;
}

/* v[0..n) in descending order: insertion for a few, else an LSD radix
 * sort on the float keys (tmp: scratch of n) that skips the digits every
 * key shares (a run of equal values costs one pass) */
static void sort_desc(float *v, uint32_t n, uint32_t *tmp)
{
    if (n <= 32) {
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
    uint32_t *src = k, *dst = tmp;
    for (int sh = 0; sh < 32; sh += 11) {
        if (!(((and_all ^ or_all) >> sh) & 0x7FFu)) continue;
        uint32_t cnt[2049] = { 0 };
        for (uint32_t i = 0; i < n; i++) cnt[((src[i] >> sh) & 0x7FFu) + 1]++;
        for (int b = 0; b < 2048; b++) cnt[b + 1] += cnt[b];
        for (uint32_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & 0x7FFu]++] = src[i];
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
        vm_exp_shift(g->y + a, m, (double)g->my, 1.0, g->est + a, NULL);
    }
    if (a < g->west_upto) {
        uint32_t m = g->west_upto - a < n ? g->west_upto - a : n;
        vm_exp_shift(g->z + a, m, (double)g->mz, 1.0, g->west + a, NULL);
    }
}

/* the running sum's grid and the top of its binade; 0 when c is too small
 * (zero or subnormal) to have one */
static int grid(double c, int dbl, double *gr, double *top)
{
    if (!(c >= (dbl ? DBL_MIN : FLT_MIN))) return 0;
    int e = ilogb(c);
    *gr = ldexp(1.0, e - (dbl ? 52 : 23));
    *top = ldexp(1.0, e + 1);
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

/* the sum from position `from` on (its bucket sorted when from is inside it) */
static double walk(struct fsum_groups *g, const struct term *t, uint32_t from)
{
    double c = 0.0;
    int dbl = is_double(t);
    if (from >= g->n) return c;
    uint32_t b = bucket_of(g, from);
    if (from > g->at[b]) {
        ensure_est(g, t, g->at[b + 1]);
        c = add_sorted(g, t, from, g->at[b + 1], c);
        b++;
    }
    for (; b < g->nb; b++) {
        uint32_t a = g->at[b], n = g->at[b + 1] - a;
        double gr, top, U;
        if (!n) continue;
        ensure_est(g, t, a + n);
        if (grid(c, dbl, &gr, &top) && bulk(t, g, a, n, 1.0 / gr, &U)) {
            if (U == 0.0) return c; /* these and every later (smaller) term leave c */
            if (c + U * gr < top) {
                c += U * gr;
                continue;
            }
        }
        sort_bucket(g, b);
        c = add_sorted(g, t, a, a + n, c);
    }
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

double fsum_dexp(struct fsum_groups *g, uint32_t from)
{
    /* the vector exp is within 2 ulp of libm's exp (emu_account.c) */
    struct term t = { K_DEXP, g->my, 1.0f, 0.0, 0x1p-48, 0x1p-1000, 0.0 };
    return walk(g, &t, from);
}

double fsum_raw(struct fsum_groups *g, uint32_t from, double *west, double raw_sum)
{
    struct term t = { K_RAW, g->mz, 1.0f, 0.0, 0.0, 0.0, raw_sum };
    if (g->west != west) g->west = west, g->west_upto = 0;
    return walk(g, &t, from);
}

void fsum_sort_upto(struct fsum_groups *g, uint32_t upto)
{
    for (; g->sorted_b < g->nb && g->at[g->sorted_b] < upto; g->sorted_b++) sort_bucket(g, g->sorted_b);
}

void fsum_divide(struct fsum_groups *g, float T, float *yv)
{
    for (uint32_t j = 0; j < g->n; j++) yv[j] = g->z[j] / T;
    g->y = yv;
    g->T = T;
    g->my = g->mz / T;
    g->est_upto = 0;
}

/* the count and smallest of the z[i] >= thr */
static uint32_t range_ge(const float *z, uint32_t V, double thr, float *lo)
{
    uint32_t n = 0;
    float m = INFINITY;
    for (uint32_t i = 0; i < V; i++) {
        int in = (double)z[i] >= thr;
        n += (uint32_t)in;
        if (in && z[i] < m) m = z[i];
    }
    *lo = m;
    return n;
}

void fsum_group(struct fsum_groups *g, const float *z, uint32_t V, float mx, double thr, float *v,
                uint32_t *at, uint32_t cap, double *est, uint32_t *tmp)
{
    g->z = g->y = v, g->at = at, g->est = est, g->west = NULL, g->tmp = tmp;
    g->mz = g->my = mx, g->T = 1.0f;
    g->est_upto = g->west_upto = g->sorted_b = 0;
    g->n = range_ge(z, V, thr, &g->lo);
    uint32_t nb = g->n / PER_BUCKET;
    if (nb > MAX_BUCKETS) nb = MAX_BUCKETS;
    if (nb > cap - 1) nb = cap - 1;
    if (nb < 1 || !(mx > g->lo)) nb = 1;
    g->nb = nb;
    double scale = (double)nb / ((double)mx - (double)g->lo) * (1.0 - 0x1p-20);
    if (nb == 1) scale = 0.0;
    memset(at, 0, (size_t)(nb + 1) * sizeof *at);
    /* bucket (mx - v) * scale: never smaller for a smaller v */
    for (uint32_t i = 0; i < V; i++) {
        if (!((double)z[i] >= thr)) continue;
        uint32_t b = (uint32_t)(((double)mx - (double)z[i]) * scale);
        at[(b < nb ? b : nb - 1) + 1]++;
    }
    for (uint32_t b = 0; b < nb; b++) at[b + 1] += at[b];
    for (uint32_t i = 0; i < V; i++) {
        if (!((double)z[i] >= thr)) continue;
        uint32_t b = (uint32_t)(((double)mx - (double)z[i]) * scale);
        v[at[b < nb ? b : nb - 1]++] = z[i];
    }
    memmove(at + 1, at, (size_t)nb * sizeof *at);
    at[0] = 0;
}
