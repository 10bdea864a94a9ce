/* token_match.c: two sources' tokens matched by their bytes (see
 * token_match.h). A's ids are sorted by text once (O(V log V)); each of
 * B's texts is found by binary search. */
#include "input/token_match.h"

#include <stdlib.h>
#include <string.h>

/* A's ids in byte order of their texts, for matching B's by text. */
static _Thread_local const struct vocab *g_vocab; /* qsort's context, one per thread */
static int by_text(const void *pa, const void *pb)
{
    size_t la, lb;
    const char *x = vocab_get(g_vocab, *(const int32_t *)pa, &la), *y = vocab_get(g_vocab, *(const int32_t *)pb, &lb);
    int c = memcmp(x, y, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static int32_t find_text(const int32_t *sorted, uint32_t n, const char *t, size_t len)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        size_t lm;
        const char *m = vocab_get(g_vocab, sorted[mid], &lm);
        int c = memcmp(m, t, lm < len ? lm : len);
        if (!c) c = (lm > len) - (lm < len);
        if (!c) return sorted[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}

static int has_texts(const struct source *s)
{
    if (!s->vocab || s->vocab->n < s->vocab_size) return 0;
    for (uint32_t i = 0; i < s->vocab_size; i++) if (s->vocab->unknown[i]) return 0;
    return 1;
}

int token_match_by_text(const struct source *a, const struct source *b, int32_t **b2a_out, uint32_t *V_out,
                        struct ls_error *err)
{
    int32_t *b2a;
    if (!has_texts(a) || !has_texts(b))
        return ls_fail(err, LS_EDATA, "%s identifies tokens by their text, but %s has no text for every id: the tokens "
                       "cannot be matched", (a->local_ids ? a : b)->path, (has_texts(a) ? b : a)->path);
    int32_t *sorted = malloc((size_t)(a->vocab_size ? a->vocab_size : 1) * sizeof *sorted);
    b2a = malloc((size_t)(b->vocab_size ? b->vocab_size : 1) * sizeof *b2a);
    if (!sorted || !b2a) { free(sorted); free(b2a); return ls_fail(err, LS_ELIMIT, "out of memory matching token texts"); }
    for (uint32_t i = 0; i < a->vocab_size; i++) sorted[i] = (int32_t)i;
    g_vocab = a->vocab;
    qsort(sorted, a->vocab_size, sizeof *sorted, by_text);
    uint32_t V = a->vocab_size;
    for (uint32_t j = 0; j < b->vocab_size; j++) {
        size_t len;
        const char *t = vocab_get(b->vocab, (int32_t)j, &len);
        int32_t id = find_text(sorted, a->vocab_size, t, len);
        b2a[j] = id >= 0 ? id : (int32_t)V++;
    }
    free(sorted);
    *b2a_out = b2a;
    *V_out = V;
    return LS_OK;
}

