/* eval_reference.c: reference-based evaluators for rows that carry a
 * reference answer or an expected list (a dataset manifest's `reference`
 * and `expected`, eval_config.reference / .expected): exact match,
 * contains-all-of-list, word-level F1 and ROUGE-L over the N continuations.
 * Lexical stand-ins for answer similarity (eval_ref.h), named for what they
 * are. Scores are shares / means over the continuations; NaN when the
 * config has no reference (exact, F1, ROUGE-L) or no expected list
 * (contains-all), or the source has no vocabulary. */
#include "eval/eval_impl.h"
#include "eval/eval_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

size_t ref_normalise(const char *s, size_t n, char *out)
{
    size_t o = 0;
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) { pending = o > 0; continue; }
        if (pending) { out[o++] = ' '; pending = 0; }
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[o] = 0;
    return o;
}

/* normalised copy (malloc'd, NUL-terminated) */
static char *norm_dup(const char *s, size_t n, size_t *len)
{
    char *b = malloc(n + 1);
    if (b) *len = ref_normalise(s, n, b);
    return b;
}

int ref_exact(const char *a, size_t na, const char *b, size_t nb)
{
    size_t la = 0, lb = 0;
    char *x = norm_dup(a, na, &la), *y = norm_dup(b, nb, &lb);
    int eq = x && y && la == lb && !memcmp(x, y, la);
    free(x);
    free(y);
    return eq;
}

/* normalised text t contains normalised item it (of length li)? */
static int has_item(const char *t, const char *it, size_t li)
{
    return li == 0 || strstr(t, it) != NULL;
}

int ref_contains_all(const char *s, size_t n, const char *const *items, int n_items)
{
    size_t ls = 0;
    char *t = norm_dup(s, n, &ls);
    int all = t != NULL;
    for (int i = 0; i < n_items && all; i++) {
        size_t li = 0, l = strlen(items[i]);
        char *it = norm_dup(items[i], l, &li);
        all = it && has_item(t, it, li);
        free(it);
    }
    free(t);
    return all;
}

/* A word: its 64-bit FNV-1a hash and length (words compare by both). */
struct word { uint64_t h; size_t len; };

/* The words of s (lower-cased on the fly); *n receives the count. */
static struct word *words_of(const char *s, size_t n, size_t *nw)
{
    struct word *w = malloc(REF_MAX_WORDS * sizeof *w);
    *nw = 0;
    if (!w) return NULL;
    for (size_t i = 0; i < n && *nw < REF_MAX_WORDS;) {
        if (!is_word((unsigned char)s[i])) { i++; continue; }
        uint64_t h = 1469598103934665603ull;
        size_t st = i;
        for (; i < n && is_word((unsigned char)s[i]); i++) {
            unsigned char c = (unsigned char)s[i];
            h = (h ^ (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c)) * 1099511628211ull;
        }
        w[(*nw)++] = (struct word){ h, i - st };
    }
    return w;
}

static int word_cmp(const void *pa, const void *pb)
{
    const struct word *a = pa, *b = pb;
    if (a->h != b->h) return a->h < b->h ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

static double f1_of(double overlap, size_t nc, size_t nr)
{
    if (nc == 0 && nr == 0) return 1.0;
    if (nc == 0 || nr == 0 || overlap == 0) return 0.0;
    double p = overlap / (double)nc, r = overlap / (double)nr;
    return 2 * p * r / (p + r);
}

/* F1 of word lists x (a words) and y (b words), both sorted (word_cmp) */
static double f1_sorted(const struct word *x, size_t a, const struct word *y, size_t b)
{
    size_t i = 0, j = 0, overlap = 0;
    while (i < a && j < b) {   /* multiset intersection of two sorted lists */
        int c = word_cmp(&x[i], &y[j]);
        if (c == 0) { overlap++; i++; j++; }
        else if (c < 0) i++;
        else j++;
    }
    return f1_of((double)overlap, a, b);
}

/* ROUGE-L F of word sequences x (a words) and y (b words); -1 out of memory */
static double rouge_words(const struct word *x, size_t a, const struct word *y, size_t b)
{
    uint32_t *row = calloc(b + 1, sizeof *row);
    if (!row) return -1;
    for (size_t i = 1; i <= a; i++) {   /* LCS, one row of the table */
        uint32_t diag = 0;
        for (size_t j = 1; j <= b; j++) {
            uint32_t up = row[j];
            row[j] = !word_cmp(&x[i - 1], &y[j - 1]) ? diag + 1 : (row[j - 1] > up ? row[j - 1] : up);
            diag = up;
        }
    }
    double l = row[b];
    free(row);
    return f1_of(l, a, b);
}

double ref_token_f1(const char *cand, size_t nc, const char *ref, size_t nr)
{
    size_t a = 0, b = 0;
    struct word *x = words_of(cand, nc, &a), *y = words_of(ref, nr, &b);
    double f = -1;
    if (x && y) {
        qsort(x, a, sizeof *x, word_cmp);
        qsort(y, b, sizeof *y, word_cmp);
        f = f1_sorted(x, a, y, b);
    }
    free(x);
    free(y);
    return f;
}

double ref_rouge_l(const char *cand, size_t nc, const char *ref, size_t nr)
{
    size_t a = 0, b = 0;
    struct word *x = words_of(cand, nc, &a), *y = words_of(ref, nr, &b);
    double f = x && y ? rouge_words(x, a, y, b) : -1;
    free(x);
    free(y);
    return f;
}

enum { R_EXACT, R_CONTAINS, R_F1, R_ROUGE };

/* state: the run's reference and expected items, normalised and split into
 * words once at init (not again for every continuation); NULL when the
 * config has neither. Read-only while samples are scored (shared by the
 * workers). */
struct ref_state {
    char *ref;                   /* the reference normalised (exact match); NULL none */
    size_t ref_len;
    struct word *ref_seq, *ref_sorted;   /* its words in order (ROUGE-L) and sorted (F1) */
    size_t n_words;
    char **items;                /* the expected items normalised */
    size_t *item_len;
    int n_items;
};

static void release(void *state)
{
    struct ref_state *st = state;
    if (!st) return;
    free(st->ref);
    free(st->ref_seq);
    free(st->ref_sorted);
    for (int i = 0; st->items && i < st->n_items; i++) free(st->items[i]);
    free(st->items);
    free(st->item_len);
    free(st);
}

static int prepare_reference(struct ref_state *st, const char *ref)
{
    size_t n = strlen(ref);
    st->ref = norm_dup(ref, n, &st->ref_len);
    st->ref_seq = words_of(ref, n, &st->n_words);
    st->ref_sorted = st->ref_seq ? malloc((st->n_words ? st->n_words : 1) * sizeof *st->ref_sorted) : NULL;
    if (!st->ref || !st->ref_sorted) return LS_ELIMIT;
    memcpy(st->ref_sorted, st->ref_seq, st->n_words * sizeof *st->ref_sorted);
    qsort(st->ref_sorted, st->n_words, sizeof *st->ref_sorted, word_cmp);
    return LS_OK;
}

static int prepare_items(struct ref_state *st, const char *const *items, int n)
{
    st->items = calloc((size_t)n, sizeof *st->items);
    st->item_len = calloc((size_t)n, sizeof *st->item_len);
    if (!st->items || !st->item_len) return LS_ELIMIT;
    st->n_items = n;
    for (int i = 0; i < n; i++)
        if (!(st->items[i] = norm_dup(items[i], strlen(items[i]), &st->item_len[i]))) return LS_ELIMIT;
    return LS_OK;
}

static int init(const struct eval_config *cfg, void **state, struct ls_error *err)
{
    if (!cfg->reference && cfg->n_expected <= 0) return LS_OK;
    struct ref_state *st = calloc(1, sizeof *st);
    int rc = st ? LS_OK : LS_ELIMIT;
    if (!rc && cfg->reference) rc = prepare_reference(st, cfg->reference);
    if (!rc && cfg->n_expected > 0) rc = prepare_items(st, cfg->expected, cfg->n_expected);
    if (rc) { release(st); return ls_oom(err); }
    *state = st;
    return LS_OK;
}

/* The reference scores of one continuation t[0..len) (normalised: tn). */
static int score_reference(const struct ref_state *st, struct eval_acc *a, const char *t, size_t len,
                           const char *tn, size_t ln)
{
    size_t nw = 0;
    struct word *x = words_of(t, len, &nw);
    double rl = x ? rouge_words(x, nw, st->ref_seq, st->n_words) : -1, f1 = 0;
    if (rl >= 0) {
        qsort(x, nw, sizeof *x, word_cmp);
        f1 = f1_sorted(x, nw, st->ref_sorted, st->n_words);
    }
    free(x);
    if (rl < 0) return LS_ELIMIT;
    a->ref_sum[R_EXACT] += ln == st->ref_len && !memcmp(tn, st->ref, ln);
    a->ref_sum[R_F1] += f1;
    a->ref_sum[R_ROUGE] += rl;
    return LS_OK;
}

static int sample(const void *state, const struct eval_run *r, struct eval_acc *a, uint32_t i,
                  const char *text, size_t len, struct ls_error *err)
{
    (void)r; (void)i;
    const struct ref_state *st = state;
    if (!st) return LS_OK;
    size_t ln = 0;
    char *tn = norm_dup(text, len, &ln);
    int rc = tn ? LS_OK : LS_ELIMIT, all = 1;
    if (!rc && st->ref) rc = score_reference(st, a, text, len, tn, ln);
    for (int k = 0; !rc && k < st->n_items && all; k++) all = has_item(tn, st->items[k], st->item_len[k]);
    if (!rc && st->n_items > 0) a->ref_sum[R_CONTAINS] += all;
    free(tn);
    return rc ? ls_oom(err) : LS_OK;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state; (void)err;
    struct eval_scores *s = &a->sc;
    double n = a->n_text_samples;
    int ref = r->cfg.reference && n > 0, exp_ = r->cfg.n_expected > 0 && n > 0;
    s->ref_exact_match = ref ? a->ref_sum[R_EXACT] / n : NAN;
    s->ref_token_f1 = ref ? a->ref_sum[R_F1] / n : NAN;
    s->ref_rouge_l = ref ? a->ref_sum[R_ROUGE] / n : NAN;
    s->ref_contains_all = exp_ ? a->ref_sum[R_CONTAINS] / n : NAN;
    return LS_OK;
}

const struct evaluator eval_reference = {
    .name = "reference",
    .keys = "ref_exact_match ref_contains_all ref_token_f1 ref_rouge_l",
    .definition =
    "Reference-based, lexical (for rows that carry a reference answer or an expected list, "
    "e.g. a dataset manifest's \"reference\" and \"expected\"): texts are normalised (ASCII "
    "lower case, whitespace runs to one space, trimmed). ref_exact_match = share of "
    "continuations equal to the reference; ref_contains_all = share containing every expected "
    "item as a substring; ref_token_f1 = mean word-level F1 against the reference (multiset "
    "overlap of words: runs of letters, digits and non-ASCII bytes); ref_rouge_l = mean ROUGE-L "
    "F1 (longest common word subsequence). Lexical stand-ins for answer similarity, not "
    "semantic scores; null without a reference (or list).",
    .init = init,
    .free = release,
    .sample = sample,
    .finish = finish,
};
