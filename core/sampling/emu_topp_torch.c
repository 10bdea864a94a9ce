/* emu_topp_torch.c: HF's and vLLM's top-p on the array path without the
 * stable sort of every candidate (see emu.h emu_torch_top_p_bands).
 *
 * torch sorts the float probabilities ascending (stable: equal logits in
 * array order), accumulates them in double, rounds each prefix sum to
 * float and masks the positions whose rounded sum is <= thr (never the
 * last min-keep); beside it, the exact prefix sums of the input
 * distribution d against 1 - p say whether float32 alone decided. Both
 * are monotone, so each is one crossing: the first position whose sum
 * passes a boundary (for the float test, the midpoint between thr and the
 * next float: a double at or below it rounds to thr or lower, above it
 * to more). Found here in two passes:
 *   1. mass bands: the candidates binned by logit (ascending, NB bins
 *      over their range), each bin's summed weight; the bin where the
 *      running sum passes the boundary holds the crossing;
 *   2. that bin alone sorted by (logit, position) and summed on.
 * Summed in another order than torch's, a prefix sum of n terms of at
 * most 1 differs from its by at most n ulps of 1 on each side (every
 * partial sum stays below 2); the crossing is taken only when the sums
 * just before and after it are farther than that (EPS_N) from the
 * boundary, else nothing is decided here and the sort runs as before.
 * tests/unit/test_topp_large.c builds cases at the boundary and compares
 * both ways on random and tie-heavy steps. */
#include "sampling/emu.h"

#include <math.h>
#include <string.h>

#define NB 2048
#define MIN_N 4096                 /* below: the sort is cheap */
#define EPS_N (4.0 * 0x1p-52)      /* per term, with a factor 2 to spare */

struct bands {
    double lo, scale;              /* bin(l) = (l - lo) * scale */
    uint32_t cnt[NB];
    double w[2][NB];               /* summed weight(s, i, which) */
};

/* The candidates by position: the array (a, its p and the stage's d by
 * id), or plain arrays by position (y, p: float values; d over S) */
struct src {
    const struct emu *e;
    const float *y, *p;            /* NULL: read e->a */
    const double *d;
    double S;
    uint32_t n;
    const double *w1;              /* d / S by position, or NULL */
    uint16_t *bin;                 /* each position's bin (filled here), or NULL */
};

static inline double logit_at(const struct src *s, uint32_t i)
{
    return s->y ? (double)s->y[i] : s->e->a[i].logit;
}

/* weight of position i: torch's float p (which 0) or the exact d (which 1) */
static inline double weight(const struct src *s, uint32_t i, int which)
{
    if (s->y) return which ? (s->w1 ? s->w1[i] : s->d[i] / s->S) : (double)s->p[i];
    return which ? s->e->d[s->e->a[i].id] / s->e->S_in : s->e->a[i].p;
}

static uint32_t bin_of(const struct bands *b, double l)
{
    double x = (l - b->lo) * b->scale;
    return x < 0 ? 0 : x >= NB - 1 ? NB - 1 : (uint32_t)x;
}

/* The number of leading positions (ascending (logit, position)) whose
 * prefix sum stays at or below B; the first position past it into *first
 * (n when none). Returns -1 when the margin does not decide. */
static int64_t crossing(struct emu *e, const struct src *s, struct bands *b, int which, double B, uint32_t *first)
{
    uint32_t n = s->n, below = 0, nb = 0;
    double eps = EPS_N * n, M = 0.0;
    const double *w = b->w[which];
    int k = 0;
    for (; k < NB && M + w[k] <= B + eps; k++) {
        if (M + w[k] > B - eps) return -1; /* too near the boundary at the bin's end */
        M += w[k];
        below += b->cnt[k];
    }
    if (k == NB) { *first = n; return n; }
    uint64_t *kv = (uint64_t *)(void *)e->v, *tmp = (uint64_t *)(void *)e->v2;
    for (uint32_t i = 0; i < n; i++) {
        if (s->bin && s->bin[i] != k) continue;
        double l = logit_at(s, i);
        if (s->bin || bin_of(b, l) == (uint32_t)k) kv[nb++] = (uint64_t)emu_float_key(l) << 32 | i;
    }
    emu_sort_pairs(kv, nb, tmp);
    for (uint32_t t = 0; t < nb; t++) {
        double next = M + weight(s, (uint32_t)kv[t], which);
        if (next > B + eps) {
            if (M > B - eps) return -1;
            *first = (uint32_t)kv[t];
            return below + t;
        }
        if (next > B - eps) return -1;
        M = next;
    }
    return -1; /* the bin summed in order does not reach what it summed to in bulk */
}

/* the midpoint between thr and the next float up: the largest double
 * rounding to thr or lower, but for the midpoint itself (left undecided) */
static double float_boundary(float thr)
{
    return ((double)thr + (double)nextafterf(thr, INFINITY)) / 2.0;
}

/* The bins over the logits' range with their summed weights; 0 when a
 * logit is not finite or all are equal */
static int fill_bands(const struct src *s, struct bands *bb)
{
    uint32_t n = s->n;
    double lo = INFINITY, hi = -INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        double l = logit_at(s, i);
        if (!isfinite(l)) return 0;
        if (l < lo) lo = l;
        if (l > hi) hi = l;
    }
    if (!(hi > lo)) return 0;
    bb->lo = lo;
    bb->scale = (NB - 1) / (hi - lo);
    memset(bb->cnt, 0, sizeof bb->cnt);
    memset(bb->w, 0, sizeof bb->w);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = bin_of(bb, logit_at(s, i));
        if (s->bin) s->bin[i] = (uint16_t)k;
        bb->cnt[k]++;
        bb->w[0][k] += weight(s, i, 0);
        bb->w[1][k] += weight(s, i, 1);
    }
    return 1;
}

/* torch's mask count j and the first kept position (ascending (logit,
 * position)); 0 when a margin does not decide */
static int bands_cut(struct emu *e, const struct src *s, float thr, uint32_t mk, uint32_t *j_out, uint32_t *first)
{
    struct bands bb;
    uint32_t n = s->n, firstd = 0;
    if (n < MIN_N || e->ws->reference || mk >= n || !fill_bands(s, &bb)) return 0;
    int64_t j = crossing(e, s, &bb, 0, float_boundary(thr), first);
    int64_t jd = j < 0 ? -1 : crossing(e, s, &bb, 1, 1.0 - e->p->top_p, &firstd);
    if (j < 0 || jd < 0 || j > n - mk || jd > n - mk) return 0; /* min-keep binding: the sort knows */
    if (j != jd) emu_decided(e, DECIDED_F32);
    *j_out = (uint32_t)j;
    return 1;
}

int emu_torch_top_p_bands(struct emu *e, float thr, uint32_t mk)
{
    struct src s = { e, NULL, NULL, NULL, 0.0, e->n, NULL, NULL };
    uint32_t j = 0, first = 0;
    if (!bands_cut(e, &s, thr, mk, &j, &first)) return 0;
    if (j == 0) return 1;
    /* mask every position before the first kept one in (logit, position) order */
    double lf = e->a[first].logit;
    for (uint32_t i = 0; i < e->n; i++) {
        double l = e->a[i].logit;
        if (l < lf || (l == lf && i < first)) emu_mask(e, i);
    }
    return 1;
}

int emu_torch_top_p_cut(struct emu *e, const float *y, const float *p, const double *w1, uint32_t n, float thr,
                        uint32_t mk, uint32_t *first)
{
    struct src s = { e, y, p, NULL, 1.0, n, w1, (uint16_t *)(void *)e->ix2 };
    uint32_t j = 0;
    if (!bands_cut(e, &s, thr, mk, &j, first)) return 0;
    if (j == 0) *first = n;
    return 1;
}
