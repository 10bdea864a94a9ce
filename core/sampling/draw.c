/* draw.c: see draw.h. */
#include "sampling/draw.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

struct draw_cdf draw_cdf_build(const struct chain_result *r, double *cum)
{
    struct draw_cdf d = { r->kept, cum, r->n_kept, 0.0 };
    uint32_t n = r->n_kept;
    /* survivors are ascending ids: one run (last - first = n - 1) is read
     * in place, its running sums in vector lanes (the loop's bits) */
    if (n > 0 && (uint32_t)(r->kept[n - 1] - r->kept[0]) == n - 1) {
        d.total = vm_prefix_sums(r->p + r->kept[0], n, cum, 0.0);
        return d;
    }
    double s = 0.0;
    for (uint32_t j = 0; j < n; j++) { s += r->p[r->kept[j]]; cum[j] = s; }
    d.total = s;
    return d;
}

uint32_t draw_position(const struct draw_cdf *d, double u)
{
    double x = u * d->total;
    uint32_t lo = 0, hi = d->n - 1;   /* the last position takes x >= total */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x < d->cum[mid]) hi = mid; else lo = mid + 1;
    }
    return lo;
}

int32_t draw_token(const struct draw_cdf *d, struct rng *g)
{
    double u = rng_uniform(g);
    return d->n ? d->kept[draw_position(d, u)] : -1;
}

void draw_interval(const struct draw_cdf *d, uint32_t j, double *lo, double *hi)
{
    *lo = j ? d->cum[j - 1] : -1.0;
    *hi = j + 1 == d->n ? INFINITY : d->cum[j];
}

void draw_count_positions(const struct draw_cdf *d, struct rng *g, uint32_t n, uint32_t *count)
{
    for (uint32_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        if (d->n) count[draw_position(d, u)]++;
    }
}

/* Position of token id in kept (ascending ids), or n when it is not kept. */
static uint32_t kept_position(const struct draw_cdf *d, int32_t id)
{
    uint32_t lo = 0, hi = d->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (d->kept[mid] < id) lo = mid + 1; else hi = mid;
    }
    return lo < d->n && d->kept[lo] == id ? lo : d->n;
}

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));

void draw_count_tokens(const struct draw_cdf *d, struct rng *g, uint32_t n,
                       const int32_t *ids, uint32_t m, uint32_t *count)
{
    enum { M_MAX = 64 };
    double lo_b[M_MAX], hi_b[M_MAX], slo[M_MAX], shi[M_MAX + 1];
    uint32_t ord[M_MAX], k_n = 0;
    if (m > M_MAX) m = M_MAX;
    /* the intervals are disjoint: ordered by start, the only candidate for
     * a draw is the last one starting at or before it */
    for (uint32_t k = 0; k < m; k++) {
        uint32_t j = kept_position(d, ids[k]);
        if (j == d->n) continue;          /* not kept: never drawn */
        draw_interval(d, j, &lo_b[k], &hi_b[k]);
        uint32_t at = k_n++;
        while (at > 0 && lo_b[ord[at - 1]] > lo_b[k]) { ord[at] = ord[at - 1]; at--; }
        ord[at] = k;
    }
    /* padded to an even count with a start no draw reaches (+inf); shi
     * from 1 (shi[0] = -inf: a draw before every start counts nowhere) */
    uint32_t k_pad = (k_n + 1u) & ~1u, hits[M_MAX + 1] = {0};
    shi[0] = -INFINITY;
    for (uint32_t k = 0; k < k_pad; k++) {
        slo[k] = k < k_n ? lo_b[ord[k]] : INFINITY;
        shi[k + 1] = k < k_n ? hi_b[ord[k]] : -INFINITY;
    }
    struct rng gl = *g; /* in registers for the loop */
    for (uint32_t i = 0; i < n; i++) {
        double x = rng_uniform(&gl) * d->total;
        /* how many start at or before x: c, counted without a branch (a
         * search's branches mispredict on random draws), two lanes a
         * compare (true lanes are -1); the draw is interval c - 1's when
         * it ends after x */
        v2d xv = { x, x };
        v2l acc = { 0, 0 };
        for (uint32_t k = 0; k < k_pad; k += 2) {
            v2d st;
            memcpy(&st, slo + k, sizeof st);
            acc += (v2l)(st <= xv);
        }
        uint32_t c = (uint32_t)-(acc[0] + acc[1]);
        hits[c] += x < shi[c];
    }
    *g = gl;
    for (uint32_t c = 1; c <= k_n; c++) count[ord[c - 1]] += hits[c];
}
