/* topp.c: the top-p (nucleus) stage.
 *
 * Keeps the smallest set of most likely candidates whose probability mass
 * reaches p, *including* the token that crosses p (llama.cpp: stop at the
 * first i with cum >= p; HF/vLLM: mask where the ascending cumsum <= 1 - p;
 * both give this set in exact arithmetic). Probabilities are the softmax of
 * the current candidates (renormalised after earlier stages), in double.
 *
 * Boundary rule: the crossing test is cum >= p - 1e-12. Summation order in
 * double varies with the selection below (~1e-16 relative), and the slack
 * makes "mass exactly p" cases (0.25 + 0.25 vs p = 0.5) keep the same set
 * whatever order the sums ran in. Real systems accumulate in float32, whose
 * rounding (~1e-7) can move the boundary token; we document, not mimic, it.
 * Ties in probability are ordered by lower token id.
 *
 * No full sort: a quickselect-style partition on the mass finds the
 * crossing token in expected O(n); only a small final range is sorted.
 * The crossing token becomes a boundary in (logit desc, id asc) order,
 * applied by stage_cut (probability order equals logit order). */
#include "sampling/stage.h"

#include <stdlib.h>

#define TOPP_EPS 1e-12
#define TOPP_SMALL 48

/* position a ranks before b: higher probability, then lower position (id) */
static inline int before(const double *t, int32_t a, int32_t b)
{
    return t[a] > t[b] || (t[a] == t[b] && a < b);
}

static void insertion_sort(int32_t *a, size_t n, const double *t)
{
    for (size_t i = 1; i < n; i++) {
        int32_t v = a[i];
        size_t j = i;
        while (j > 0 && before(t, v, a[j - 1])) { a[j] = a[j - 1]; j--; }
        a[j] = v;
    }
}

static const double *g_sort_t; /* qsort has no context argument in C11 */
static int cmp_rank(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return before(g_sort_t, a, b) ? -1 : (before(g_sort_t, b, a) ? 1 : 0);
}

/* Returns the position of the crossing token. */
static int32_t find_crossing(int32_t *pos, size_t n, const double *t, double target)
{
    size_t lo = 0, hi = n, rounds = 0;
    double acc = 0.0;
    while (hi - lo > TOPP_SMALL && rounds++ < 200) {
        int32_t a = pos[lo], b = pos[lo + (hi - lo) / 2], c = pos[hi - 1];
        int32_t piv = before(t, a, b) ? (before(t, b, c) ? b : (before(t, a, c) ? c : a))
                                      : (before(t, a, c) ? a : (before(t, b, c) ? c : b));
        /* A = elements ranked before-or-equal the pivot go first */
        size_t i = lo;
        double mass = 0.0;
        for (size_t j = lo; j < hi; j++) {
            int32_t v = pos[j];
            if (!before(t, piv, v)) {
                pos[j] = pos[i]; pos[i] = v; i++;
                mass += t[v];
            }
        }
        if (acc + mass >= target) {
            if (i == hi) {
                /* the pivot is the last-ranked element of the whole range */
                if (acc + mass - t[piv] >= target) {
                    for (size_t j = lo; j < hi; j++)
                        if (pos[j] == piv) { pos[j] = pos[hi - 1]; pos[hi - 1] = piv; break; }
                    hi--;
                } else {
                    return piv;
                }
            } else {
                hi = i;
            }
        } else {
            acc += mass;
            lo = i;
        }
    }
    if (hi - lo <= TOPP_SMALL) insertion_sort(pos + lo, hi - lo, t);
    else { g_sort_t = t; qsort(pos + lo, hi - lo, sizeof *pos, cmp_rank); }
    for (size_t j = lo; j < hi; j++) {
        acc += t[pos[j]];
        if (acc >= target) return pos[j];
    }
    return pos[hi - 1]; /* mass never reached p (rounding): keep the whole range */
}

/* Histogram prefilter: bucket candidates by (z_max - z) / T in steps of
 * 1/TOPP_BPN nats; a bucket's tokens all rank after the buckets above it,
 * so only the bucket where the cumulative mass crosses p needs ordering. */
#define TOPP_NB 256
#define TOPP_BPN 4.0

void stage_top_p(struct stage_ctx *x)
{
    double p = x->p->top_p;
    struct chain_ws *ws = x->ws;
    if (p >= 1.0) return;
    x->rep->active = 1;
    const double *q = stage_q(x);
    const float *z = x->z;
    double *t = ws->tmp;
    int32_t *pos = ws->idx;
    uint32_t n = x->n, m = 0;
    double target, acc = 0.0;
    if (n > 4096) {
        double mass[TOPP_NB] = {0}, S = 0.0, zmax = x->r->max_logit, sc = TOPP_BPN / ws->T;
        for (uint32_t j = 0; j < n; j++) {
            int32_t id = ws->cand[j];
            double d = (zmax - (double)z[id]) * sc;
            int b = d < TOPP_NB - 1 ? (int)d : TOPP_NB - 1;
            mass[b] += q[id];
        }
        for (int b = 0; b < TOPP_NB; b++) S += mass[b];
        target = (p - TOPP_EPS) * S;
        int B = 0;
        while (B < TOPP_NB - 1 && acc + mass[B] < target) acc += mass[B++];
        for (uint32_t j = 0; j < n; j++) {
            int32_t id = ws->cand[j];
            double d = (zmax - (double)z[id]) * sc;
            int b = d < TOPP_NB - 1 ? (int)d : TOPP_NB - 1;
            if (b == B) { t[j] = q[id]; pos[m++] = (int32_t)j; }
        }
    } else {
        double S = 0.0;
        for (uint32_t j = 0; j < n; j++) { t[j] = q[ws->cand[j]]; S += t[j]; pos[j] = (int32_t)j; }
        m = n;
        target = (p - TOPP_EPS) * S;
    }
    /* the crossing is found on unnormalised q against p * S */
    int32_t c = find_crossing(pos, m, t, target - acc);
    int32_t id = ws->cand[c];
    stage_cut(x, (double)z[id], TIE_UPTO, id);
}
