/* ngram_train.c: counting a token stream into Kneser-Ney tables (ngram.h).
 *
 * The stream is documents separated by the end-of-text token e, starting
 * with one: e d1 e d2 e ... The history of a token never reaches back past
 * its document's e (positions before it read as e), so no n-gram spans two
 * documents and a fresh document starts from the history (e, ..., e), the
 * same one a prompt starts from.
 *
 * Highest order: raw counts. Each lower order n: the continuation count of
 * an n-gram g, the number of distinct tokens x with (x g) seen, read off the
 * distinct keys of order n+1. */
#include "model/ngram.h"

#include <stdlib.h>
#include <string.h>

static int count_top(const int32_t *toks, size_t n, const struct ngram *m, struct nghash *h,
                     ngram_progress_fn progress, void *pctx)
{
    uint32_t key[NGRAM_MAX_ORDER], N = m->order;
    size_t doc = 0;   /* position of the current document's leading e */
    for (size_t i = 1; i < n; i++) {
        for (uint32_t k = 0; k < N; k++) {   /* key = (t[i-N+1] .. t[i]) */
            size_t back = N - 1 - k;
            key[k] = (i < back || i - back < doc) ? m->eos : (uint32_t)toks[i - back];
        }
        uint32_t *c = nghash_put(h, key);
        if (!c) return -1;
        (*c)++;
        if ((uint32_t)toks[i] == m->eos) doc = i;
        if (progress && (i & 0xFFFF) == 0) progress(pctx, i, n);
    }
    return 0;
}

/* Continuation counts of order w-1 from the distinct keys of order w. */
static int count_lower(const struct nghash *hi, struct nghash *lo)
{
    for (size_t i = 0; i < hi->cap; i++) {
        const uint32_t *k = nghash_key(hi, i);
        if (!k) continue;
        uint32_t *c = nghash_put(lo, k + 1);
        if (!c) return -1;
        (*c)++;
    }
    return 0;
}

static int cmp_rows(const uint32_t *x, const uint32_t *y, uint32_t width)
{
    for (uint32_t i = 0; i < width; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* Sort r rows of w uint32 by their first `width` values: a bottom-up merge
 * sort (qsort has no context argument, and core keeps no globals). */
static int sort_rows(uint32_t *rows, size_t r, uint32_t w, uint32_t width)
{
    uint32_t *tmp = malloc((r ? r : 1) * w * sizeof *tmp), *src = rows, *dst = tmp;
    if (!tmp) return -1;
    for (size_t run = 1; run < r; run *= 2) {
        for (size_t lo = 0; lo < r; lo += 2 * run) {
            size_t mid = lo + run < r ? lo + run : r, hi = lo + 2 * run < r ? lo + 2 * run : r;
            size_t a = lo, b = mid, o = lo;
            while (a < mid || b < hi) {
                int take_a = b >= hi || (a < mid && cmp_rows(src + a * w, src + b * w, width) <= 0);
                memcpy(dst + o++ * w, src + (take_a ? a++ : b++) * w, w * sizeof *dst);
            }
        }
        uint32_t *t = src; src = dst; dst = t;
    }
    if (src != rows) memcpy(rows, src, r * w * sizeof *rows);
    free(tmp);
    return 0;
}

/* Order n's table (width n, value count) into level lv, sorted by ids. */
static int fill_level(const struct nghash *h, uint32_t n, struct ngram_level *lv)
{
    uint32_t w = n + 1;   /* key then count */
    uint32_t *rows = malloc((h->n ? h->n : 1) * w * sizeof *rows);
    if (!rows) return -1;
    size_t r = 0;
    for (size_t i = 0; i < h->cap; i++) {
        const uint32_t *k = nghash_key(h, i);
        if (!k) continue;
        memcpy(rows + r * w, k, n * sizeof *k);
        rows[r * w + n] = h->vals[i];
        r++;
    }
    if (sort_rows(rows, r, w, n)) { free(rows); return -1; }
    lv->fol = malloc((r ? r : 1) * sizeof *lv->fol);
    lv->ctx_ids = malloc((r ? r : 1) * (n - 1) * sizeof *lv->ctx_ids);
    lv->fol_off = malloc((r + 1) * sizeof *lv->fol_off);
    if (!lv->fol || !lv->ctx_ids || !lv->fol_off) { free(rows); return -1; }
    lv->n_ctx = 0;
    for (size_t i = 0; i < r; i++) {
        const uint32_t *row = rows + i * w;
        if (i == 0 || memcmp(row, row - w, (n - 1) * sizeof *row)) {
            memcpy(lv->ctx_ids + (size_t)lv->n_ctx * (n - 1), row, (n - 1) * sizeof *row);
            lv->fol_off[lv->n_ctx++] = (uint32_t)i;
        }
        lv->fol[i] = (struct ngram_follow){ row[n - 1], row[n] };
    }
    lv->fol_off[lv->n_ctx] = (uint32_t)r;
    free(rows);
    return 0;
}

static void free_tables(struct nghash *t, uint32_t order)
{
    for (uint32_t n = 1; n <= order; n++) nghash_free(&t[n]);
}

int ngram_train(const int32_t *toks, size_t n, uint32_t V, uint32_t order, uint32_t eos,
                ngram_progress_fn progress, void *pctx, struct ngram *m, struct ls_error *err)
{
    memset(m, 0, sizeof *m);
    if (order < 1 || order > NGRAM_MAX_ORDER) return ls_fail(err, LS_EUSAGE, "order %u is outside 1..%d", order, NGRAM_MAX_ORDER);
    m->V = V; m->order = order; m->eos = eos;
    struct nghash t[NGRAM_MAX_ORDER + 1];
    memset(t, 0, sizeof t);
    int bad = 0;
    /* start small: the tables double as they fill, and distinct n-grams are
     * far fewer than tokens in real text (50 MB: 14M tokens, 2.3M 4-grams) */
    size_t hint = n < ((size_t)1 << 16) ? n : ((size_t)1 << 16);
    for (uint32_t k = 1; k <= order && !bad; k++) bad = nghash_init(&t[k], k, hint);
    if (!bad) bad = count_top(toks, n, m, &t[order], progress, pctx);
    for (uint32_t k = order; k > 1 && !bad; k--) bad = count_lower(&t[k], &t[k - 1]);
    m->uni = calloc(V, sizeof *m->uni);
    bad |= !m->uni;
    for (size_t i = 0; i < t[1].cap && !bad; i++) {
        const uint32_t *k = nghash_key(&t[1], i);
        if (k && *k < V) m->uni[*k] = t[1].vals[i];
    }
    for (uint32_t k = 2; k <= order && !bad; k++) bad = fill_level(&t[k], k, &m->lv[k]);
    free_tables(t, order);
    if (bad) { ngram_free(m); return ls_fail(err, LS_ELIMIT, "out of memory while counting n-grams"); }
    return ngram_finish(m, 1, err);
}
