/* dry_breakers.c: DRY's sequence breakers (see dry_breakers.h). */
#include "sampling/dry_breakers.h"

#include <stdlib.h>
#include <string.h>

const char *const dry_default_breakers[4] = { "\n", ":", "\"", "*" };

/* texts sorted by (bytes, id): the longest-match tokeniser's index */
struct text_ix {
    const char *p;
    size_t len;
    int32_t id;
};

struct builder {
    struct dry_breakers *b;
    uint32_t cap, tcap;
    uint32_t V;
    token_text_fn text;
    const void *ctx;
    struct text_ix *ix;   /* built on first use */
    uint32_t n_ix;
};

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static int cmp_ix(const void *x, const void *y)
{
    const struct text_ix *a = x, *b = y;
    int c = cmp_bytes(a->p, a->len, b->p, b->len);
    return c ? c : (a->id > b->id) - (a->id < b->id);
}

static int build_index(struct builder *bd)
{
    if (bd->ix) return LS_OK;
    if (!(bd->ix = malloc((size_t)(bd->V ? bd->V : 1) * sizeof *bd->ix))) return LS_ELIMIT;
    for (uint32_t id = 0; id < bd->V; id++) {
        size_t len;
        const char *t = bd->text(bd->ctx, (int32_t)id, &len);
        if (t && len) bd->ix[bd->n_ix++] = (struct text_ix){ t, len, (int32_t)id };
    }
    qsort(bd->ix, bd->n_ix, sizeof *bd->ix, cmp_ix);
    return LS_OK;
}

/* the lowest id whose text is exactly s[0..len), or -1 */
static int32_t find_text(const struct builder *bd, const char *s, size_t len)
{
    uint32_t lo = 0, hi = bd->n_ix;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cmp_bytes(bd->ix[mid].p, bd->ix[mid].len, s, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < bd->n_ix && !cmp_bytes(bd->ix[lo].p, bd->ix[lo].len, s, len) ? bd->ix[lo].id : -1;
}

/* s[0..len) split by longest match into out (at most DRY_MAX_SEQ_LEN
 * tokens, llama.cpp's cap); 0 when some byte starts no token */
static uint32_t tokenize(const struct builder *bd, const char *s, size_t len, int32_t *out)
{
    uint32_t n = 0;
    for (size_t j = 0; j < len && n < DRY_MAX_SEQ_LEN;) {
        size_t L = len - j;
        int32_t id = -1;
        for (; L > 0 && (id = find_text(bd, s + j, L)) < 0; L--) ;
        if (id < 0) return 0;
        out[n++] = id;
        j += L;
    }
    return n;
}

/* llama.cpp keeps one entry per (head, tail) */
static int same_tail(const struct dry_breakers *b, int32_t head, const int32_t *t, uint32_t n)
{
    if (!n) return b->single[head];
    for (uint32_t i = 0; i < b->n; i++)
        if (b->e[i].head == head && b->e[i].len == n && !memcmp(b->tails + b->e[i].off, t, n * sizeof *t)) return 1;
    return 0;
}

static int add(struct builder *bd, int32_t head, const int32_t *t, uint32_t n)
{
    struct dry_breakers *b = bd->b;
    if (b->n == bd->cap) {
        uint32_t c = bd->cap ? 2 * bd->cap : 64;
        struct dry_breaker *e = realloc(b->e, c * sizeof *e);
        if (!e) return LS_ELIMIT;
        b->e = e;
        bd->cap = c;
    }
    if (b->n_tails + n > bd->tcap) {
        uint32_t c = (bd->tcap + n) * 2;
        int32_t *x = realloc(b->tails, c * sizeof *x);
        if (!x) return LS_ELIMIT;
        b->tails = x;
        bd->tcap = c;
    }
    if (n) memcpy(b->tails + b->n_tails, t, n * sizeof *t);
    b->e[b->n++] = (struct dry_breaker){ head, b->n_tails, n };
    b->n_tails += n;
    if (!n) b->single[head] = 1;
    return LS_OK;
}

static int contains(const char *w, size_t wl, const char *s, size_t sl)
{
    for (size_t i = 0; i + sl <= wl; i++) if (w[i] == s[0] && !memcmp(w + i, s, sl)) return 1;
    return 0;
}

/* the entries of one word (token id) for string s: llama.cpp's loop body */
static int word_entries(struct builder *bd, int32_t id, const char *w, size_t wl, const char *s, size_t sl)
{
    if (contains(w, wl, s, sl)) return same_tail(bd->b, id, NULL, 0) ? LS_OK : add(bd, id, NULL, 0);
    for (size_t pos = 0; pos < wl; pos++) {
        if (w[pos] != s[0]) continue;
        size_t i = 1;
        while (i < sl && pos + i < wl && w[pos + i] == s[i]) i++;
        if (i < sl && pos + i < wl) continue;          /* a mismatch */
        int rc = build_index(bd);
        if (rc) return rc;
        int32_t t[DRY_MAX_SEQ_LEN];
        uint32_t n = tokenize(bd, s + i, sl - i, t);
        if (!n) { bd->b->n_dropped++; continue; }
        if (!same_tail(bd->b, id, t, n) && (rc = add(bd, id, t, n))) return rc;
    }
    return LS_OK;
}

static int cmp_entry(const void *x, const void *y)
{
    const struct dry_breaker *a = x, *b = y;
    if (a->head != b->head) return (a->head > b->head) - (a->head < b->head);
    return (a->off > b->off) - (a->off < b->off);
}

static int build_all(struct builder *bd, const char *const *strs, int n)
{
    for (int k = 0; k < n; k++) {
        size_t sl = strs[k] ? strlen(strs[k]) : 0;
        if (!sl) continue;                          /* llama.cpp skips empty breakers */
        if (sl > DRY_MAX_CHAR_LEN) sl = DRY_MAX_CHAR_LEN;
        for (uint32_t id = 0; id < bd->V; id++) {
            size_t wl;
            const char *w = bd->text(bd->ctx, (int32_t)id, &wl);
            int rc = w && wl ? word_entries(bd, (int32_t)id, w, wl, strs[k], sl) : LS_OK;
            if (rc) return rc;
        }
    }
    return LS_OK;
}

int dry_breakers_build(const char *const *strs, int n, uint32_t V, token_text_fn text, const void *ctx,
                       struct dry_breakers **out, struct ls_error *err)
{
    *out = NULL;
    struct dry_breakers *b = calloc(1, sizeof *b);
    struct builder bd = { b, 0, 0, V, text, ctx, NULL, 0 };
    int rc = b && (b->single = calloc(V ? V : 1, 1)) ? build_all(&bd, strs, n) : LS_ELIMIT;
    free(bd.ix);
    if (rc) { dry_breakers_free(b); return ls_fail(err, LS_ELIMIT, "out of memory for DRY's sequence breakers"); }
    b->V = V;
    if (b->n) qsort(b->e, b->n, sizeof *b->e, cmp_entry);
    *out = b;
    return LS_OK;
}

void dry_breakers_free(struct dry_breakers *b)
{
    if (!b) return;
    free(b->e);
    free(b->tails);
    free(b->single);
    free(b);
}

int dry_breaker_single(const struct dry_breakers *b, int32_t id)
{
    return b && id >= 0 && (uint32_t)id < b->V && b->single[id];
}

/* the first entry whose head is id, or b->n */
static uint32_t first_of(const struct dry_breakers *b, int32_t id)
{
    uint32_t lo = 0, hi = b->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b->e[mid].head < id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* the longest tail of head (at i tokens back) that the i newer tokens
 * begin with, or -1; rat(j) = hist[n_hist - 1 - j] */
static int longest_match(const struct dry_breakers *b, const int32_t *hist, uint32_t n_hist, int i)
{
    int32_t head = hist[n_hist - 1 - (uint32_t)i];
    int best = -1;
    for (uint32_t k = first_of(b, head); k < b->n && b->e[k].head == head; k++) {
        int len = (int)b->e[k].len, j = 0;
        if (len <= best || len > i) continue;
        while (j < len && b->tails[b->e[k].off + (uint32_t)j] == hist[n_hist - 1 - (uint32_t)(i - j - 1)]) j++;
        if (j == len) best = len;
    }
    return best;
}

int dry_breakers_limit(const struct dry_breakers *b, const int32_t *hist, uint32_t n_hist, int n)
{
    if (!b || !b->n) return n;
    for (int i = 0; i < n; i++) {
        int m = longest_match(b, hist, n_hist, i);
        if (m >= 0) return i - m;
    }
    return n;
}
