/* draw_blocks.c: draw.h's rule from block sums, certified by an error
 * bound, with the exact prefix sums as the fallback (see draw.h). */
#include "sampling/draw.h"

#include "base/vmath.h"
#include "base/vmath_divblk.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

size_t draw_blocks_len(uint32_t n)
{
    return (size_t)(n / DRAW_BLOCK) + 2;
}

/* draws by blocks walk up to DRAW_BLOCK survivors each: they pay off when
 * the draws are few against the survivors */
static int blocks_pay(uint32_t n_kept, uint32_t n_draws)
{
    return (uint64_t)n_draws * DRAW_BLOCK * 2 < n_kept;
}

/* Sum of survivors [j0, j1) in four independent chains: the adds overlap
 * instead of waiting on each other (any order: the margin covers it). */
static double block_sum(const double *p, const int32_t *kept, uint32_t j0, uint32_t j1)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    uint32_t j = j0;
    for (; j + 4 <= j1; j += 4) {
        a0 += p[kept[j]];
        a1 += p[kept[j + 1]];
        a2 += p[kept[j + 2]];
        a3 += p[kept[j + 3]];
    }
    for (; j < j1; j++) a0 += p[kept[j]];
    return (a0 + a1) + (a2 + a3);
}

struct draw_blocks draw_blocks_build(const struct chain_result *r, uint32_t n_draws, double *pre, double *cum)
{
    struct draw_blocks d = { r, pre, r->n_kept, 0, 0.0, cum, 0, { 0 }, NULL };
    uint32_t n = r->n_kept;
    if (!blocks_pay(n, n_draws)) {
        d.exact = draw_cdf_build(r, cum);
        d.have_cum = 1;
        return d;
    }
    d.nb = (n + DRAW_BLOCK - 1) / DRAW_BLOCK;
    /* survivors are ascending ids: the last minus the first is n - 1 only
     * when they are one run, whose p are summed in place by vector blocks */
    if (n > 0 && (uint32_t)(r->kept[n - 1] - r->kept[0]) == n - 1) d.run_p = r->p + r->kept[0];
    if (r->blk_ok && n == r->V && n > 0 && r->kept[0] == 0) { /* the run formed them (chain_result.blk) */
        d.pre = r->blk;
    } else if (d.run_p) {
        vm_block_sums(d.run_p, n, DRAW_BLOCK, pre);
    } else {
        double s = 0.0;
        pre[0] = 0.0;
        for (uint32_t b = 0; b < d.nb; b++) {
            uint32_t j0 = b * DRAW_BLOCK, j1 = j0 + DRAW_BLOCK < n ? j0 + DRAW_BLOCK : n;
            s += block_sum(r->p, r->kept, j0, j1);
            pre[b + 1] = s;
        }
    }
    double s = d.pre[d.nb];
    /* each of the exact and the approximate sums of n terms is within
     * gamma_n * sum of the true one, so they are within 2 gamma_n * sum of
     * each other; u * total adds that once more and two roundings of the
     * product. 4.5 n u * s bounds all of it (gamma_n < 1.01 n u here), and
     * DBL_MIN covers a product that lands in the subnormals. */
    d.margin = (4.5 * (double)n + 4.0) * (DBL_EPSILON / 2) * s + DBL_MIN;
    return d;
}

/* r->blk, made once: r->V only shrinks (chain.c's run), so blk made for
 * it fits every later V; NULL without memory */
static double *blk_of(struct chain_result *r)
{
    if (!r->blk) r->blk = malloc(draw_blocks_len(r->V) * sizeof *r->blk);
    r->blk_ok = r->blk != NULL;
    return r->blk;
}

void draw_blocks_divide(struct chain_result *r, const double *q, double S)
{
    if (!blk_of(r)) {
        vm_divide_into(q, r->V, S, r->p);
        return;
    }
    vm_divide_blocks(q, r->V, S, r->p, DRAW_BLOCK, r->blk);
}

double draw_blocks_divide_entropy(struct chain_result *r, const double *q, const float *z, double S, double off,
                                  double invT)
{
    double *pre = blk_of(r);
    return vm_divide_entropy_blocks(q, z, r->V, S, off, invT, log(S), r->p, pre ? DRAW_BLOCK : 0, pre);
}

static uint32_t fallback(struct draw_blocks *d, double u)
{
    if (!d->have_cum) {
        d->exact = draw_cdf_build(d->r, d->cum);
        d->have_cum = 1;
    }
    return draw_position(&d->exact, u);
}

/* The draw for u at x = u * pre[nb] within block lo (the first block
 * whose end passes x, or the last): a walk over the block's values, its
 * answer certified by the margin, else the exact rule */
static uint32_t walk(struct draw_blocks *d, double u, double x, uint32_t lo)
{
    if (d->have_cum) return draw_position(&d->exact, u); /* a fallback came first: the rule itself */
    const double *p = d->run_p ? d->run_p : d->r->p, *pre = d->pre;
    const int32_t *kept = d->run_p ? NULL : d->r->kept;
    double m = d->margin;
    uint32_t j = lo * DRAW_BLOCK, j1 = j + DRAW_BLOCK < d->n ? j + DRAW_BLOCK : d->n;
    double before = pre[lo], c = before;
    for (; j < j1; j++) {
        c = before + (kept ? p[kept[j]] : p[j]);
        if (x < c) break;
        before = c;
    }
    if (j == j1) return fallback(d, u);             /* rounding put x past the block */
    int low_ok = j == 0 || x - m >= before;   /* exact x >= exact prefix before j */
    int high_ok = j + 1 == d->n || x + m < c;               /* exact x < exact prefix at j */
    return low_ok && high_ok ? j : fallback(d, u);
}

uint32_t draw_blocks_position(struct draw_blocks *d, double u)
{
    if (d->have_cum) return draw_position(&d->exact, u);
    const double *pre = d->pre;
    double x = u * pre[d->nb];
    /* the first block whose end passes x (the last when none does; the
     * prefix never decreases): halving [lo, lo + len) without a branch on
     * x, the first true test of x < pre[b + 1] staying inside */
    uint32_t lo = 0, len = d->nb;
    while (len > 1) {
        uint32_t half = len / 2;
        lo = x < pre[lo + half] ? lo : lo + half;
        len -= half;
    }
    return walk(d, u, x, lo);
}

/* draw_blocks_position's searches for DRAW_LANES draws side by side: the
 * halvings take the same lengths for every draw, so each level's loads
 * are independent of one another instead of one draw's chain of them */
enum { DRAW_LANES = 16 };

void draw_blocks_tokens_at(struct draw_blocks *d, const double *u, uint32_t m, int32_t *out)
{
    for (uint32_t i0 = 0; i0 < m; i0 += DRAW_LANES) {
        uint32_t k = m - i0 < DRAW_LANES ? m - i0 : DRAW_LANES, lo[DRAW_LANES];
        double x[DRAW_LANES];
        if (d->have_cum || !d->n) { /* the rule itself (or nothing kept) */
            for (uint32_t j = 0; j < k; j++) out[i0 + j] = draw_blocks_token_at(d, u[i0 + j]);
            continue;
        }
        const double *pre = d->pre;
        for (uint32_t j = 0; j < k; j++) x[j] = u[i0 + j] * pre[d->nb], lo[j] = 0;
        for (uint32_t len = d->nb; len > 1;) {
            uint32_t half = len / 2;
            for (uint32_t j = 0; j < k; j++) lo[j] = x[j] < pre[lo[j] + half] ? lo[j] : lo[j] + half;
            len -= half;
        }
        for (uint32_t j = 0; j < k; j++) out[i0 + j] = d->r->kept[walk(d, u[i0 + j], x[j], lo[j])];
    }
}

int32_t draw_blocks_token_at(struct draw_blocks *d, double u)
{
    return d->n ? d->r->kept[draw_blocks_position(d, u)] : -1;
}

int32_t draw_blocks_token(struct draw_blocks *d, struct rng *g)
{
    return draw_blocks_token_at(d, rng_uniform(g));
}
