/* ngram.c: Kneser-Ney tables after counting: discounts, indexes, the
 * unigram base, and the full-vocabulary log-probabilities (see ngram.h). */
#include "model/ngram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double estimate_discount(const uint32_t *counts, size_t n, size_t stride)
{
    uint64_t n1 = 0, n2 = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = counts[i * stride];
        n1 += c == 1;
        n2 += c == 2;
    }
    double d = n1 + n2 ? (double)n1 / ((double)n1 + 2.0 * (double)n2) : 0.5;
    return d < 0.05 ? 0.05 : d > 0.95 ? 0.95 : d;
}

static int finish_level(struct ngram_level *lv, uint32_t n)
{
    lv->total = malloc(((size_t)lv->n_ctx + 1) * sizeof *lv->total);
    if (!lv->total || nghash_init(&lv->index, n - 1, lv->n_ctx)) return -1;
    for (uint32_t c = 0; c < lv->n_ctx; c++) {
        uint64_t t = 0;
        for (uint32_t f = lv->fol_off[c]; f < lv->fol_off[c + 1]; f++) t += lv->fol[f].count;
        lv->total[c] = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
        uint32_t *slot = nghash_put(&lv->index, lv->ctx_ids + (size_t)c * (n - 1));
        if (!slot) return -1;
        *slot = c;
    }
    return 0;
}

static void fill_base(struct ngram *m)
{
    uint64_t c = 0, types = 0;
    for (uint32_t w = 0; w < m->V; w++) { c += m->uni[w]; types += m->uni[w] > 0; }
    double D = m->discount[1];
    for (uint32_t w = 0; w < m->V; w++) {
        double p = 1.0 / m->V;
        if (c) p = (m->uni[w] > D ? (m->uni[w] - D) : 0.0) / (double)c + D * (double)types / (double)c / m->V;
        m->base[w] = p;
        m->log_base[w] = (float)log(p);
    }
}

int ngram_finish(struct ngram *m, int estimate, struct ls_error *err)
{
    if (estimate) {
        m->discount[1] = estimate_discount(m->uni, m->V, 1);
        for (uint32_t n = 2; n <= m->order; n++)
            m->discount[n] = estimate_discount(&m->lv[n].fol[0].count, m->lv[n].fol_off[m->lv[n].n_ctx], 2);
    }
    m->log_base = malloc(m->V * sizeof *m->log_base);
    m->base = malloc(m->V * sizeof *m->base);
    m->acc = calloc(m->V, sizeof *m->acc);
    m->touched = malloc(m->V * sizeof *m->touched);
    int bad = !m->log_base || !m->base || !m->acc || !m->touched;
    for (uint32_t n = 2; n <= m->order && !bad; n++) bad = finish_level(&m->lv[n], n);
    if (bad) return ls_fail(err, LS_ELIMIT, "out of memory for the n-gram model");
    fill_base(m);
    return LS_OK;
}

void ngram_free(struct ngram *m)
{
    for (uint32_t n = 2; n <= NGRAM_MAX_ORDER; n++) {
        struct ngram_level *lv = &m->lv[n];
        free(lv->ctx_ids); free(lv->fol_off); free(lv->total); free(lv->fol);
        nghash_free(&lv->index);
    }
    free(m->uni); free(m->log_base); free(m->base); free(m->acc); free(m->touched);
    memset(m, 0, sizeof *m);
}

/* Add order n's interpolated share for history hist into acc; returns the
 * factor by which the lower orders' share is scaled (1 when unseen). */
static double add_level(struct ngram *m, uint32_t n, const int32_t *hist, uint32_t n_hist,
                        double weight, uint32_t *n_touched)
{
    uint32_t key[NGRAM_MAX_ORDER];
    for (uint32_t k = 0; k < n - 1; k++) {   /* the last n-1 tokens, e before the start */
        uint32_t back = n - 1 - k;
        key[k] = back <= n_hist ? (uint32_t)hist[n_hist - back] : m->eos;
    }
    const struct ngram_level *lv = &m->lv[n];
    const uint32_t *ci = nghash_get(&lv->index, key);
    if (!ci) return 1.0;
    double c = lv->total[*ci], D = m->discount[n];
    uint32_t lo = lv->fol_off[*ci], hi = lv->fol_off[*ci + 1];
    for (uint32_t f = lo; f < hi; f++) {
        uint32_t w = lv->fol[f].tok;
        if (m->acc[w] == 0.0) m->touched[(*n_touched)++] = w;
        m->acc[w] += weight * (lv->fol[f].count - D) / c;
    }
    return D * (double)(hi - lo) / c;
}

/* out[w] = base[w] + c over [0, V): blocks of 8 independent adds that the
 * compiler turns into vector instructions at -O2 (a plain loop over an
 * unknown V stays scalar under gcc's cheap cost model); the same float
 * additions, so the same results. */
static void add_const(float *restrict out, const float *restrict base, uint32_t V, float c)
{
    uint32_t w = 0;
    for (; w + 8 <= V; w += 8) {
        float *o = out + w;
        const float *b = base + w;
        o[0] = b[0] + c; o[1] = b[1] + c; o[2] = b[2] + c; o[3] = b[3] + c;
        o[4] = b[4] + c; o[5] = b[5] + c; o[6] = b[6] + c; o[7] = b[7] + c;
    }
    for (; w < V; w++) out[w] = base[w] + c;
}

void ngram_logprobs(struct ngram *m, const int32_t *hist, uint32_t n_hist, float *out)
{
    double weight = 1.0;
    uint32_t n_touched = 0;
    for (uint32_t n = m->order; n >= 2; n--)
        weight *= add_level(m, n, hist, n_hist, weight, &n_touched);
    float lw = (float)log(weight);
    add_const(out, m->log_base, m->V, lw);
    for (uint32_t i = 0; i < n_touched; i++) {
        uint32_t w = m->touched[i];
        out[w] = (float)log(m->acc[w] + weight * m->base[w]);
        m->acc[w] = 0.0;
    }
}

uint64_t ngram_count(const struct ngram *m, uint32_t n)
{
    if (n == 1) {
        uint64_t t = 0;
        for (uint32_t w = 0; w < m->V; w++) t += m->uni[w] > 0;
        return t;
    }
    return n <= m->order ? m->lv[n].fol_off[m->lv[n].n_ctx] : 0;
}
