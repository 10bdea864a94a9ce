/* sparse.c: top-N log-probability sources (see sparse.h). */
#include "input/sparse.h"
#include "base/display.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SP_NONE UINT32_MAX
#define SP_MAX_STEPS (1u << 26)
/* Ids above this, 8 times sparser than the distinct tokens listed, are
 * numbered compactly (issue 14: one id near 2^24 must not make every step
 * 16.7 M entries wide); source_file_id gives the file's id back. */
#define SP_COMPACT_MIN (1u << 20)
#define SP_MASS_SLACK 1e-3   /* rounding in the listed mass that is normal */

struct sp_raw {
    int64_t id;       /* -1 if none */
    uint32_t text;    /* index into names */
    double lp;        /* finite log-probability */
    int chosen;       /* the step's recorded token (its twin in the list is no duplicate) */
};

struct sp_rstep {
    size_t first;     /* first raw entry */
    uint32_t n;       /* raw entries */
    int has_chosen;
    int64_t chosen_id;
    uint32_t chosen_text;
};

struct sp_builder {
    struct source *s;
    struct vocab *names;      /* distinct token byte strings */
    uint32_t *ht;             /* open addressing: name index + 1, 0 = empty */
    uint32_t ht_cap;
    struct sp_raw *raw;
    size_t n_raw, cap_raw;
    struct sp_rstep *steps;
    uint32_t n_steps, cap_steps;
    int all_ids;              /* every entry and chosen token so far has an id */
    int64_t max_id;
};

struct sp_impl {
    struct vocab *names;      /* recorded-token texts (s->vocab may be replaced by --vocab) */
    uint32_t *key;            /* token id of each entry, step-contiguous */
    float *logit;
    size_t *first;            /* per step */
    uint32_t *n;
    int32_t *chosen;          /* -1 if none */
    uint32_t *chosen_text;    /* index into names, SP_NONE if none */
    double *tail;
    int32_t *file_id;         /* compact ids: the file's id of each (source.file_id) */
};

int sp_is_sentinel(double v)
{
    return v == -9999.0 || v <= -1e30;
}

struct sp_builder *sp_new(const struct source_ops *ops, const char *path)
{
    struct sp_builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->s = source_alloc(ops, path);
    b->names = vocab_new();
    b->ht_cap = 1024;
    b->ht = calloc(b->ht_cap, sizeof *b->ht);
    if (!b->s || !b->names || !b->ht) { sp_abort(b); return NULL; }
    b->all_ids = 1;
    b->max_id = -1;
    b->s->sparse = 1;
    b->s->dtype = "f32";
    return b;
}

struct source *sp_source(struct sp_builder *b) { return b->s; }
uint32_t sp_steps(const struct sp_builder *b) { return b->n_steps; }

void sp_abort(struct sp_builder *b)
{
    if (!b) return;
    source_close(b->s);
    vocab_free(b->names);
    free(b->ht);
    free(b->raw);
    free(b->steps);
    free(b);
}

static uint32_t hash_bytes(const char *t, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)t[i]; h *= 16777619u; }
    return h;
}

/* Index of text in names, adding it if new; SP_NONE on out of memory. */
static uint32_t intern(struct sp_builder *b, const char *t, size_t n)
{
    if ((b->names->n + 1) * 2 > b->ht_cap) {
        uint32_t nc = b->ht_cap * 2;
        uint32_t *nh = calloc(nc, sizeof *nh);
        if (!nh) return SP_NONE;
        for (uint32_t i = 0; i < b->names->n; i++) {
            size_t l;
            const char *x = vocab_get(b->names, (int32_t)i, &l);
            uint32_t j = hash_bytes(x, l) & (nc - 1);
            while (nh[j]) j = (j + 1) & (nc - 1);
            nh[j] = i + 1;
        }
        free(b->ht);
        b->ht = nh;
        b->ht_cap = nc;
    }
    uint32_t j = hash_bytes(t, n) & (b->ht_cap - 1);
    while (b->ht[j]) {
        size_t l;
        const char *x = vocab_get(b->names, (int32_t)(b->ht[j] - 1), &l);
        if (l == n && (n == 0 || !memcmp(x, t, n))) return b->ht[j] - 1;
        j = (j + 1) & (b->ht_cap - 1);
    }
    int32_t id = vocab_add(b->names, t, n);
    if (id < 0) return SP_NONE;
    b->ht[j] = (uint32_t)id + 1;
    return (uint32_t)id;
}

int sp_step_begin(struct sp_builder *b, struct ls_error *err)
{
    if (b->n_steps >= SP_MAX_STEPS)
        return ls_fail(err, LS_ELIMIT, "more than %u positions", SP_MAX_STEPS);
    if (b->n_steps == b->cap_steps) {
        uint32_t nc = b->cap_steps ? b->cap_steps * 2 : 64;
        struct sp_rstep *ns = realloc(b->steps, (size_t)nc * sizeof *ns);
        if (!ns) return ls_oom(err);
        b->steps = ns;
        b->cap_steps = nc;
    }
    struct sp_rstep *st = &b->steps[b->n_steps++];
    memset(st, 0, sizeof *st);
    st->first = b->n_raw;
    st->chosen_id = -1;
    st->chosen_text = SP_NONE;
    return LS_OK;
}

void sp_step_drop_if_empty(struct sp_builder *b)
{
    if (b->n_steps && !b->steps[b->n_steps - 1].has_chosen && b->steps[b->n_steps - 1].n == 0)
        b->n_steps--;
}

int sp_add(struct sp_builder *b, int64_t id, const char *text, size_t len, double lp,
           int chosen, struct ls_error *err)
{
    if (!b->n_steps) return ls_fail(err, LS_EINTERNAL, "sp_add before sp_step_begin");
    struct sp_rstep *st = &b->steps[b->n_steps - 1];
    if (!chosen && isnan(lp)) return LS_OK;   /* an alternative without a value says nothing */
    uint32_t ti = intern(b, text, len);
    if (ti == SP_NONE) return ls_fail(err, LS_ELIMIT, "out of memory (token texts)");
    if (id < 0) b->all_ids = 0;
    else if (id > b->max_id) b->max_id = id;
    if (chosen) {
        st->has_chosen = 1;
        st->chosen_id = id;
        st->chosen_text = ti;
    }
    if (isnan(lp)) return LS_OK;
    if (b->n_raw == b->cap_raw) {
        size_t nc = b->cap_raw ? b->cap_raw * 2 : 256;
        struct sp_raw *nr = realloc(b->raw, nc * sizeof *nr);
        if (!nr) return ls_oom(err);
        b->raw = nr;
        b->cap_raw = nc;
    }
    b->raw[b->n_raw].id = id;
    b->raw[b->n_raw].text = ti;
    b->raw[b->n_raw].lp = lp;
    b->raw[b->n_raw].chosen = chosen;
    b->n_raw++;
    st->n++;
    return LS_OK;
}

/* "token_id:N" (vLLM return_tokens_as_token_ids) -> N, else -1. */
static int64_t token_id_text(const char *t, size_t n)
{
    static const char pre[] = "token_id:";
    size_t pl = sizeof pre - 1;
    if (n <= pl || n > pl + 8 || memcmp(t, pre, pl)) return -1;
    int64_t v = 0;
    for (size_t i = pl; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') return -1;
        v = v * 10 + (t[i] - '0');
    }
    return v < (int64_t)LS_MAX_VOCAB ? v : -1;
}

struct kv { uint32_t key; double lp; uint32_t text; int chosen; };

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

static void impl_free(struct sp_impl *im)
{
    if (!im) return;
    vocab_free(im->names);
    free(im->key);
    free(im->logit);
    free(im->first);
    free(im->n);
    free(im->chosen);
    free(im->chosen_text);
    free(im->tail);
    free(im->file_id);
    free(im);
}

void sp_close(struct source *s)
{
    impl_free(s->impl);
    s->impl = NULL;
}

int sp_read_step(struct source *s, uint32_t step, float *logits, struct step_info *info,
                 struct ls_error *err)
{
    (void)err;
    const struct sp_impl *im = s->impl;
    for (uint32_t i = 0; i < s->vocab_size; i++) logits[i] = -INFINITY;
    size_t f = im->first[step];
    for (uint32_t i = 0; i < im->n[step]; i++) logits[im->key[f + i]] = im->logit[f + i];
    info->sparse = 1;
    info->n_known = im->n[step];
    info->tail_mass = im->tail[step];
    info->token = im->chosen[step];
    if (im->chosen_text[step] != SP_NONE) {
        size_t l = 0;
        info->text = vocab_get(im->names, (int32_t)im->chosen_text[step], &l);
        info->text_len = l;
    }
    return LS_OK;
}

/* How tokens are identified (sparse.h): by the file's ids, by "token_id:N"
 * texts, or by their distinct texts (local ids). */
enum sp_mode { BY_ID, BY_TID, BY_TEXT };

struct sp_plan {
    enum sp_mode mode;
    int64_t *tid;       /* BY_TID/BY_TEXT: id read from each name, -1 if none (owned) */
    uint64_t V;
    int32_t *cid;       /* compact ids: the distinct file ids, ascending (owned), or NULL */
    uint64_t id_space;  /* largest file id + 1 */
};

static int sp_compact(const struct sp_builder *b, struct sp_plan *pl, struct ls_error *err);

/* Choose the identity and V; check the limits. */
static int sp_identity(const struct sp_builder *b, struct sp_plan *pl, struct ls_error *err)
{
    pl->mode = BY_TEXT;
    pl->tid = NULL;
    if (b->all_ids && b->max_id >= 0) pl->mode = BY_ID;
    else {
        pl->tid = malloc((size_t)(b->names->n ? b->names->n : 1) * sizeof *pl->tid);
        if (!pl->tid) return ls_oom(err);
        int all = b->names->n > 0;
        for (uint32_t i = 0; i < b->names->n; i++) {
            size_t l;
            const char *t = vocab_get(b->names, (int32_t)i, &l);
            pl->tid[i] = token_id_text(t, l);
            if (pl->tid[i] < 0) all = 0;
        }
        if (all) pl->mode = BY_TID;
    }
    if (pl->mode == BY_ID) pl->V = (uint64_t)b->max_id + 1;
    else if (pl->mode == BY_TID) {
        int64_t mx = -1;
        for (uint32_t i = 0; i < b->names->n; i++) if (pl->tid[i] > mx) mx = pl->tid[i];
        pl->V = (uint64_t)mx + 1;
    } else pl->V = b->names->n;
    if (pl->V == 0) return ls_fail(err, LS_EDATA, "no tokens found in the file");
    if (pl->V > LS_MAX_VOCAB)
        return ls_fail(err, LS_ELIMIT, "token id %llu exceeds the limit of %u", (unsigned long long)(pl->V - 1), LS_MAX_VOCAB - 1);
    return sp_compact(b, pl, err);
}

/* The source id of an entry with file id `id` and name index `text`
 * (with compact ids: the rank of the file id among the distinct ones). */
static int64_t sp_key(const struct sp_plan *pl, int64_t id, uint32_t text)
{
    int64_t k = pl->mode == BY_ID ? id : pl->mode == BY_TID ? pl->tid[text] : (int64_t)text;
    if (!pl->cid) return k;
    uint64_t lo = 0, hi = pl->V;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (pl->cid[mid] < k) lo = mid + 1; else hi = mid;
    }
    return (int64_t)lo;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* Number ids compactly when the file's ids are far sparser than the tokens
 * it lists: steps then cost O(tokens listed), not O(largest id). */
static int sp_compact(const struct sp_builder *b, struct sp_plan *pl, struct ls_error *err)
{
    pl->id_space = pl->V;
    if (pl->mode == BY_TEXT || pl->V <= SP_COMPACT_MIN) return LS_OK;
    int32_t *k = malloc((b->n_raw + b->n_steps + 1) * sizeof *k);
    if (!k) return ls_oom(err);
    size_t c = 0;
    for (uint32_t si = 0; si < b->n_steps; si++) {
        const struct sp_rstep *st = &b->steps[si];
        if (st->has_chosen) k[c++] = (int32_t)sp_key(pl, st->chosen_id, st->chosen_text);
        for (uint32_t i = 0; i < st->n; i++)
            k[c++] = (int32_t)sp_key(pl, b->raw[st->first + i].id, b->raw[st->first + i].text);
    }
    qsort(k, c, sizeof *k, cmp_i32);
    size_t u = 0;
    for (size_t i = 0; i < c; i++) if (!u || k[u - 1] != k[i]) k[u++] = k[i];
    if ((uint64_t)u * 8 > pl->V) { free(k); return LS_OK; }
    pl->cid = k;
    pl->V = u ? u : 1;
    return LS_OK;
}

static struct sp_impl *impl_alloc(uint32_t ns, size_t n_raw)
{
    struct sp_impl *im = calloc(1, sizeof *im);
    if (!im) return NULL;
    size_t nr = n_raw ? n_raw : 1;
    im->first = malloc((size_t)ns * sizeof *im->first);
    im->n = malloc((size_t)ns * sizeof *im->n);
    im->chosen = malloc((size_t)ns * sizeof *im->chosen);
    im->chosen_text = malloc((size_t)ns * sizeof *im->chosen_text);
    im->tail = malloc((size_t)ns * sizeof *im->tail);
    im->key = malloc(nr * sizeof *im->key);
    im->logit = malloc(nr * sizeof *im->logit);
    if (!im->first || !im->n || !im->chosen || !im->chosen_text || !im->tail || !im->key || !im->logit) {
        impl_free(im);
        return NULL;
    }
    return im;
}

/* The first impossible entry of a kind, for the warning (sparse.h). */
struct sp_seen {
    uint32_t count;      /* entries (or steps) of this kind */
    uint32_t step;       /* where the first one is */
    uint32_t text;       /* its token (name index), SP_NONE for a whole step */
    double v, v2;        /* its value(s) */
};

/* What the warnings report. */
struct sp_tally {
    struct sp_seen pos, over, dup;
    uint32_t n_empty, top_n, step;
    int dup_added;       /* a duplicate had a different value: probabilities added */
};

static void seen(struct sp_seen *s, uint32_t step, uint32_t text, double v, double v2)
{
    if (!s->count++) { s->step = step; s->text = text; s->v = v; s->v2 = v2; }
}

static int kv_same(double a, double c)
{
    return fabs(a - c) <= 1e-6 * (1.0 + fabs(a));
}

/* Sort a step's entries by key and merge repeats. The recorded token and
 * its twin in the list with the same value are one entry; any other repeat
 * is impossible data (warned): equal values count once, different ones
 * (e.g. two partial-UTF-8 tokens that both read U+FFFD) add their
 * probabilities. Returns the entries left. */
static uint32_t merge_step(struct kv *tmp, uint32_t n, struct sp_tally *t)
{
    qsort(tmp, n, sizeof *tmp, kv_cmp);
    uint32_t m = 0, listed = 0;  /* entries of tmp[m - 1]'s key from the list (not the recorded one) */
    for (uint32_t i = 0; i < n; i++) {
        if (!m || tmp[m - 1].key != tmp[i].key) { listed = !tmp[i].chosen; tmp[m++] = tmp[i]; continue; }
        double a = tmp[m - 1].lp, c = tmp[i].lp;
        int same = kv_same(a, c);
        if (!same || (listed && !tmp[i].chosen)) seen(&t->dup, t->step, tmp[i].text, a, c);
        listed += !tmp[i].chosen;
        if (!same) {
            double hi = a > c ? a : c, lo = a > c ? c : a;
            tmp[m - 1].lp = hi + log1p(exp(lo - hi));
            t->dup_added = 1;
        }
        tmp[m - 1].chosen |= tmp[i].chosen;
    }
    return m;
}

/* Step si into im at *o: keys, float logits, tail mass, chosen token. A
 * positive log-probability is taken as 0 (p = 1); listed mass above 1
 * leaves no tail (both warned). */
static void fill_step(const struct sp_builder *b, const struct sp_plan *pl, uint32_t si,
                      struct kv *tmp, struct sp_impl *im, size_t *o, struct sp_tally *t)
{
    const struct sp_rstep *st = &b->steps[si];
    for (uint32_t i = 0; i < st->n; i++) {
        const struct sp_raw *r = &b->raw[st->first + i];
        tmp[i] = (struct kv){ (uint32_t)sp_key(pl, r->id, r->text), r->lp, r->text, r->chosen };
    }
    t->step = si;
    uint32_t m = merge_step(tmp, st->n, t);
    double sum = 0;
    im->first[si] = *o;
    im->n[si] = m;
    for (uint32_t i = 0; i < m; i++) {
        double lp = tmp[i].lp;
        if (lp > 0) { seen(&t->pos, si, tmp[i].text, lp, 0); lp = 0; }
        if (lp < -FLT_MAX) lp = -FLT_MAX;
        im->key[*o] = tmp[i].key;
        im->logit[*o] = (float)lp;
        sum += exp(lp);   /* the file's value, before float rounding */
        (*o)++;
    }
    if (sum > 1.0 + SP_MASS_SLACK) seen(&t->over, si, SP_NONE, sum, 0);
    im->tail[si] = sum < 1.0 ? 1.0 - sum : 0.0;
    if (m == 0) t->n_empty++;
    if (m > t->top_n) t->top_n = m;
    im->chosen_text[si] = st->has_chosen ? st->chosen_text : SP_NONE;
    im->chosen[si] = st->has_chosen ? (int32_t)sp_key(pl, st->chosen_id, st->chosen_text) : -1;
}

/* The text shown for each id: with local ids the names themselves; with
 * file ids the first text seen for the id ("" if the file never names it). */
static int fill_vocab(const struct sp_builder *b, const struct sp_plan *pl, struct vocab *v,
                      struct ls_error *err)
{
    if (pl->mode == BY_TEXT) {
        for (uint32_t i = 0; i < b->names->n; i++) {
            size_t l;
            const char *t = vocab_get(b->names, (int32_t)i, &l);
            if (vocab_add(v, t, l) < 0) return ls_oom(err);
        }
        return LS_OK;
    }
    uint32_t *first_text = malloc((size_t)pl->V * sizeof *first_text);
    if (!first_text) return ls_oom(err);
    for (uint64_t i = 0; i < pl->V; i++) first_text[i] = SP_NONE;
    uint32_t n_conflict = 0;   /* entries whose id was seen with other bytes */
    int64_t conflict_id = -1;
#define SP_FIRST_TEXT(k, t) do { if (first_text[k] == SP_NONE) first_text[k] = (t); \
        else if (first_text[k] != (t) && !n_conflict++) conflict_id = (k); } while (0)
    for (uint32_t si = 0; si < b->n_steps; si++) {
        const struct sp_rstep *st = &b->steps[si];
        if (st->has_chosen) SP_FIRST_TEXT(sp_key(pl, st->chosen_id, st->chosen_text), st->chosen_text);
        for (uint32_t i = 0; i < st->n; i++) {
            const struct sp_raw *r = &b->raw[st->first + i];
            SP_FIRST_TEXT(sp_key(pl, r->id, r->text), r->text);
        }
    }
#undef SP_FIRST_TEXT
    if (n_conflict)
        source_warn(b->s, "the file gives one token id different bytes (the first such id: %lld); "
                    "each id shows the bytes it has first", (long long)conflict_id);
    int rc = LS_OK;
    for (uint64_t i = 0; i < pl->V && !rc; i++) {
        size_t l = 0;
        const char *t = first_text[i] == SP_NONE ? "" : vocab_get(b->names, (int32_t)first_text[i], &l);
        if (vocab_add(v, t, l) < 0) rc = ls_oom(err);
    }
    free(first_text);
    return rc;
}

/* The token name index i, escaped for a one-line warning. */
static const char *warn_tok(const struct sp_builder *b, uint32_t i, char *buf, size_t n)
{
    size_t l = 0;
    const char *t = vocab_get(b->names, (int32_t)i, &l);
    disp_escape(t ? t : "", l, DISP_BACKSLASH | DISP_TOKEN, buf, n);
    return buf;
}

/* " (and N more)" when a kind occurred more than once. */
static const char *more(const struct sp_seen *s, const char *what, char *buf, size_t n)
{
    if (s->count > 1) snprintf(buf, n, " (%u %s in all)", s->count, what);
    else buf[0] = 0;
    return buf;
}

/* Impossible data, each kind with the first place it occurs and what was done. */
static void sp_warn(const struct sp_builder *b, struct source *s, const struct sp_tally *t)
{
    char tok[96], m[48];
    if (t->pos.count)
        source_warn(s, "step %u, token '%s': log-probability %.6g > 0 is impossible (the file may hold logits); "
                    "taken as 0 (p = 1)%s", t->pos.step, warn_tok(b, t->pos.text, tok, sizeof tok), t->pos.v,
                    more(&t->pos, "such entries", m, sizeof m));
    if (t->over.count)
        source_warn(s, "step %u: the listed probabilities sum to %.6g, more than 1; values kept as given, "
                    "unknown tail taken as 0%s", t->over.step, t->over.v, more(&t->over, "such steps", m, sizeof m));
    if (t->dup.count)
        source_warn(s, "step %u, token '%s': listed twice in one step (log-probabilities %.6g and %.6g); %s%s",
                    t->dup.step, warn_tok(b, t->dup.text, tok, sizeof tok), t->dup.v, t->dup.v2,
                    kv_same(t->dup.v, t->dup.v2) ? "kept once" : "their probabilities were added",
                    more(&t->dup, "repeats", m, sizeof m));
    if (t->n_empty)
        source_warn(s, "%u steps have no known log-probability (only sentinels or nulls): each is all unknown "
                    "tail, its recorded token's probability is unknown and nothing can be drawn there", t->n_empty);
}

/* The steps and the vocabulary of s, computed from b. */
static int sp_build(struct sp_builder *b, const struct sp_plan *pl, struct sp_impl **imp, struct ls_error *err)
{
    struct source *s = b->s;
    struct sp_tally t = {0};
    struct sp_impl *im = impl_alloc(b->n_steps, b->n_raw);
    struct kv *tmp = malloc((b->n_raw ? b->n_raw : 1) * sizeof *tmp);
    *imp = im;
    if (!im || !tmp) { free(tmp); return ls_oom(err); }
    size_t o = 0;
    for (uint32_t si = 0; si < b->n_steps; si++) {
        fill_step(b, pl, si, tmp, im, &o, &t);
        if (b->steps[si].has_chosen) s->has_tokens = 1;
    }
    free(tmp);
    s->n_steps = b->n_steps;
    s->top_n = t.top_n;
    s->vocab = vocab_new();
    if (!s->vocab) return ls_oom(err);
    int rc = fill_vocab(b, pl, s->vocab, err);
    if (!rc) sp_warn(b, s, &t);
    return rc;
}

int sp_finish(struct sp_builder *b, struct source **out, struct ls_error *err)
{
    struct source *s = b->s;
    struct sp_impl *im = NULL;
    struct sp_plan pl = { BY_TEXT, NULL, 0, NULL, 0 };
    int rc = LS_OK;
    *out = NULL;
    if (b->n_steps == 0) rc = ls_fail(err, LS_EDATA, "no token logprobs found in the file");
    if (!rc) rc = sp_identity(b, &pl, err);
    if (!rc) {
        s->vocab_size = (uint32_t)pl.V;
        s->local_ids = pl.mode == BY_TEXT;
        rc = sp_build(b, &pl, &im, err);
    }
    free(pl.tid);
    if (!rc && pl.cid) {
        im->file_id = pl.cid;
        s->file_id = pl.cid;
        pl.cid = NULL;
        source_warn(s, "token ids reach %llu but the file lists %u distinct tokens: they are numbered compactly "
                    "(V = %u); ids shown are the file's", (unsigned long long)(pl.id_space - 1), s->vocab_size,
                    s->vocab_size);
    }
    free(pl.cid);
    if (rc) {
        impl_free(im);
        sp_abort(b);
        return rc;
    }
    im->names = b->names;
    b->names = NULL;
    s->impl = im;
    *out = s;
    b->s = NULL;
    sp_abort(b);
    return LS_OK;
}
