/* chain_rank.c: what is read from a finished result by rank (see
 * chain.h): a token's rank by raw probability, the top n by raw
 * probability, and both at once for the explorer (chain_top_rank). Its
 * own file because running the chain (chain.c) and reading its ranks
 * share nothing but the result. Units: probabilities as chain_raw_p
 * gives them (a pending division applied); ranks from 1; ties by lower
 * id first. */
#include "sampling/chain.h"
#include "sampling/select.h"
#include "base/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint32_t chain_rank(const struct chain_result *r, int32_t id)
{
    if (id < 0 || (uint32_t)id >= r->V) return 0;
    double pt = chain_raw_p(r, (uint32_t)id);
    uint32_t rank = 1;
    if (!(r->raw_div > 0)) /* the tokens before id rank above it when equal */
        return rank + vm_count_above(r->p_raw, 0, (uint32_t)id, pt, 1) +
               vm_count_above(r->p_raw, (uint32_t)id + 1, r->V, pt, 0);
    for (uint32_t i = 0; i < r->V; i++) {
        double q = chain_raw_p(r, i);
        if (q > pt || (q == pt && (int32_t)i < id)) rank++;
    }
    return rank;
}

static double get_p(const void *ctx, uint32_t i) { return ((const double *)ctx)[i]; }

uint32_t chain_top_raw(const struct chain_result *r, uint32_t n, int32_t *out)
{
    const double *p = r->p_raw;
    if (n > r->V) n = r->V;
    if (n == 0) return 0;
    /* for n << V the heap only sees tokens at or above a sampled threshold;
     * if fewer than n pass (the sample misjudged), look at every token */
    double thr;
    if (select_sample_threshold(get_p, p, r->V, n, &thr) && select_top(p, r->V, thr, n, out) == n) return n;
    return select_top(p, r->V, -1.0, n, out);
}

/* a candidate of best_of's sort: its p and id */
struct pid { double p; int32_t id; };

/* x ranks before y: select_before's order (higher p, then lower id) */
static inline int pid_before(const struct pid *x, const struct pid *y)
{
    return x->p > y->p || (x->p == y->p && x->id < y->id);
}

/* The n best of ids[0..m) by select_before, in rank order, by one merge
 * sort of the candidates (inline compares): for a long list (the
 * explorer's 512 rows), where the insertion below would shift up to n
 * entries per candidate. 0: no memory. */
static uint32_t best_of_sorted(const double *p, const int32_t *ids, uint32_t m, uint32_t n, int32_t *out)
{
    struct pid *buf = malloc(2 * (size_t)(m ? m : 1) * sizeof *buf), *v = buf, *t = buf + m;
    if (!buf) return 0;
    double cut = -INFINITY; /* many more candidates than rows: only those at or above the n-th largest p */
    if (m > 2 * n) {
        double *q = (double *)(void *)t; /* t's room, free until the sort */
        for (uint32_t j = 0; j < m; j++) q[j] = p[ids[j]];
        cut = select_kth_largest(q, m, n - 1);
    }
    uint32_t mm = 0;
    for (uint32_t j = 0; j < m; j++)
        if (p[ids[j]] >= cut) v[mm].p = p[ids[j]], v[mm++].id = ids[j];
    m = mm;
    for (uint32_t w = 1; w < m; w *= 2) {
        for (uint32_t lo = 0; lo < m; lo += 2 * w) {
            uint32_t mid = lo + w < m ? lo + w : m, hi = lo + 2 * w < m ? lo + 2 * w : m, i = lo, j = mid, k = lo;
            while (i < mid && j < hi) t[k++] = pid_before(&v[j], &v[i]) ? v[j++] : v[i++];
            while (i < mid) t[k++] = v[i++];
            while (j < hi) t[k++] = v[j++];
        }
        struct pid *x = v;
        v = t, t = x;
    }
    uint32_t k = m < n ? m : n;
    for (uint32_t j = 0; j < k; j++) out[j] = v[j].id;
    free(buf);
    return k;
}

/* The n best of ids[0..m) (in id order) by select_before, in rank order:
 * an insertion into the sorted best few (m is a few hundred), or one sort
 * for many rows (the same list: select_before is a total order). */
static uint32_t best_of(const double *p, const int32_t *ids, uint32_t m, uint32_t n, int32_t *out)
{
    uint32_t k = n > 32 && m > 0 ? best_of_sorted(p, ids, m, n, out) : 0;
    if (k) return k;
    for (uint32_t j = 0; j < m; j++) {
        int32_t id = ids[j];
        if (k == n && !select_before(p, id, out[n - 1])) continue;
        uint32_t at = k < n ? k++ : n - 1;
        while (at > 0 && select_before(p, id, out[at - 1])) { out[at] = out[at - 1]; at--; }
        out[at] = id;
    }
    return k;
}

enum { TOP_RANK_CAP = 4096 };

/* chain_top_rank from the run's candidates (scan_rank), when they are for
 * id and hold the answer: 0 otherwise. Every token outside tr_top has a
 * logit below tr_bound, so a p_raw at most exp(tr_bound - max) / raw_sum
 * (libm's exp, with a margin far above its and our exp's errors): the n
 * best of tr_top are the n best of all when the n-th is above that. */
static int top_rank_gathered(const struct chain_result *r, uint32_t n, int32_t *out, int32_t id, uint32_t *rank,
                             uint32_t *k)
{
    const double *p = r->p_raw;
    if (id < 0 || (uint32_t)id >= r->V || r->tr_id != id || n == 0 || n > CHAIN_TR_TOP || r->raw_div > 0 ||
        !(r->raw_sum > 0) || !(p[id] >= 0x1p-1000))
        return 0;
    double bound = exp(r->tr_bound - r->max_logit) / r->raw_sum * (1.0 + 1e-9);
    uint32_t got = best_of(p, r->tr_top, r->tr_ntop, n, out);
    if (got < n || !(p[out[n - 1]] > bound)) return 0;
    uint32_t c = r->tr_gt;
    double pt = p[id];
    for (uint32_t j = 0; j < r->tr_nband; j++) {
        int32_t i = r->tr_band[j];
        c += i != id && (p[i] > pt || (p[i] == pt && i < id));
    }
    *rank = 1 + c;
    *k = got;
    return 1;
}

uint32_t chain_top_rank(const struct chain_result *r, uint32_t n, int32_t *out, int32_t id, uint32_t *rank)
{
    const double *p = r->p_raw;
    if (n > r->V) n = r->V;
    uint32_t k;
    if (top_rank_gathered(r, n, out, id, rank, &k)) return k;
    double thr = -1.0;
    int32_t ids[TOP_RANK_CAP];
    uint32_t m = 0, cnt;
    int ok = n > 0 && id >= 0 && (uint32_t)id < r->V && !(r->raw_div > 0); /* else the two passes */
    if (ok && !select_sample_threshold(get_p, p, r->V, n, &thr) && r->V > TOP_RANK_CAP) ok = 0;
    if (ok) { /* the tokens before id rank above it when equal (chain_rank) */
        double pt = p[id];
        cnt = vm_count_above_collect(p, 0, (uint32_t)id, pt, 1, thr, ids, &m, TOP_RANK_CAP);
        cnt += vm_count_above_collect(p, (uint32_t)id + 1, r->V, pt, 0, thr, ids, &m, TOP_RANK_CAP);
        if (p[id] >= thr && m < TOP_RANK_CAP) { /* id itself, in id order */
            uint32_t at = m++;
            while (at > 0 && ids[at - 1] > id) { ids[at] = ids[at - 1]; at--; }
            ids[at] = id;
        } else if (p[id] >= thr) m++;
    }
    if (!ok || m > TOP_RANK_CAP || m < n) { /* fewer than n passed, or too many: as separately */
        *rank = chain_rank(r, id);
        return chain_top_raw(r, n, out);
    }
    *rank = 1 + cnt;
    return best_of(p, ids, m, n, out);
}
