/* sparse.c: top-N log-probability sources (see sparse.h). */
#include "input/sparse.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SP_NONE UINT32_MAX
#define SP_MAX_STEPS (1u << 26)

struct sp_raw {
    int64_t id;       /* -1 if none */
    uint32_t text;    /* index into names */
    double lp;        /* finite log-probability */
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
        if (!ns) return ls_fail(err, LS_ELIMIT, "out of memory");
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
        if (!nr) return ls_fail(err, LS_ELIMIT, "out of memory");
        b->raw = nr;
        b->cap_raw = nc;
    }
    b->raw[b->n_raw].id = id;
    b->raw[b->n_raw].text = ti;
    b->raw[b->n_raw].lp = lp;
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

struct kv { uint32_t key; double lp; };

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

int sp_finish(struct sp_builder *b, struct source **out, struct ls_error *err)
{
    struct source *s = b->s;
    struct sp_impl *im = NULL;
    int64_t *tid = NULL;
    uint32_t *first_text = NULL;
    struct kv *tmp = NULL;
    int rc = LS_OK;
    *out = NULL;
    if (b->n_steps == 0) { rc = ls_fail(err, LS_EDATA, "no token logprobs found in the file"); goto fail; }

    /* token identity */
    enum { BY_ID, BY_TID, BY_TEXT } mode = BY_TEXT;
    if (b->all_ids && b->max_id >= 0) mode = BY_ID;
    else {
        tid = malloc((size_t)(b->names->n ? b->names->n : 1) * sizeof *tid);
        if (!tid) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
        int all = b->names->n > 0;
        for (uint32_t i = 0; i < b->names->n; i++) {
            size_t l;
            const char *t = vocab_get(b->names, (int32_t)i, &l);
            tid[i] = token_id_text(t, l);
            if (tid[i] < 0) all = 0;
        }
        if (all) mode = BY_TID;
    }
    uint64_t V;
    if (mode == BY_ID) V = (uint64_t)b->max_id + 1;
    else if (mode == BY_TID) {
        int64_t mx = -1;
        for (uint32_t i = 0; i < b->names->n; i++) if (tid[i] > mx) mx = tid[i];
        V = (uint64_t)mx + 1;
    } else V = b->names->n;
    if (V == 0) { rc = ls_fail(err, LS_EDATA, "no tokens found in the file"); goto fail; }
    if (V > LS_MAX_VOCAB) { rc = ls_fail(err, LS_ELIMIT, "token id %llu exceeds the limit of %u", (unsigned long long)(V - 1), LS_MAX_VOCAB - 1); goto fail; }
    s->vocab_size = (uint32_t)V;
    s->local_ids = mode == BY_TEXT;

    im = calloc(1, sizeof *im);
    uint32_t ns = b->n_steps;
    if (!im) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
    im->first = malloc((size_t)ns * sizeof *im->first);
    im->n = malloc((size_t)ns * sizeof *im->n);
    im->chosen = malloc((size_t)ns * sizeof *im->chosen);
    im->chosen_text = malloc((size_t)ns * sizeof *im->chosen_text);
    im->tail = malloc((size_t)ns * sizeof *im->tail);
    im->key = malloc((b->n_raw ? b->n_raw : 1) * sizeof *im->key);
    im->logit = malloc((b->n_raw ? b->n_raw : 1) * sizeof *im->logit);
    tmp = malloc((b->n_raw ? b->n_raw : 1) * sizeof *tmp);
    if (!im->first || !im->n || !im->chosen || !im->chosen_text || !im->tail || !im->key ||
        !im->logit || !tmp) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }

    size_t o = 0;
    uint32_t n_pos = 0, n_over = 0, n_merged = 0, n_empty = 0, top_n = 0;
    double worst_pos = 0, worst_sum = 0;
    for (uint32_t si = 0; si < ns; si++) {
        const struct sp_rstep *st = &b->steps[si];
        for (uint32_t i = 0; i < st->n; i++) {
            const struct sp_raw *r = &b->raw[st->first + i];
            int64_t k = mode == BY_ID ? r->id : mode == BY_TID ? tid[r->text] : (int64_t)r->text;
            tmp[i].key = (uint32_t)k;
            tmp[i].lp = r->lp;
        }
        qsort(tmp, st->n, sizeof *tmp, kv_cmp);
        uint32_t m = 0;
        for (uint32_t i = 0; i < st->n; i++) {
            if (m && tmp[m - 1].key == tmp[i].key) {
                double a = tmp[m - 1].lp, c = tmp[i].lp;
                if (fabs(a - c) > 1e-6 * (1.0 + fabs(a))) {
                    double hi = a > c ? a : c, lo = a > c ? c : a;
                    tmp[m - 1].lp = hi + log1p(exp(lo - hi));
                    n_merged++;
                }
                continue;
            }
            tmp[m++] = tmp[i];
        }
        double sum = 0;
        im->first[si] = o;
        im->n[si] = m;
        for (uint32_t i = 0; i < m; i++) {
            double lp = tmp[i].lp;
            if (lp > 0) { n_pos++; if (lp > worst_pos) worst_pos = lp; }
            if (lp > FLT_MAX) lp = FLT_MAX;
            if (lp < -FLT_MAX) lp = -FLT_MAX;
            im->key[o] = tmp[i].key;
            im->logit[o] = (float)lp;
            sum += exp(tmp[i].lp);
            o++;
        }
        if (sum > 1.0 + 1e-3) { n_over++; if (sum > worst_sum) worst_sum = sum; }
        im->tail[si] = sum < 1.0 ? 1.0 - sum : 0.0;
        if (m == 0) n_empty++;
        if (m > top_n) top_n = m;
        im->chosen_text[si] = st->has_chosen ? st->chosen_text : SP_NONE;
        if (!st->has_chosen) im->chosen[si] = -1;
        else if (mode == BY_ID) im->chosen[si] = (int32_t)st->chosen_id;
        else if (mode == BY_TID) im->chosen[si] = (int32_t)tid[st->chosen_text];
        else im->chosen[si] = (int32_t)st->chosen_text;
        if (st->has_chosen) s->has_tokens = 1;
    }
    s->n_steps = ns;
    s->top_n = top_n;

    /* the vocabulary shown for ids */
    s->vocab = vocab_new();
    if (!s->vocab) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
    if (mode == BY_TEXT) {
        for (uint32_t i = 0; i < b->names->n; i++) {
            size_t l;
            const char *t = vocab_get(b->names, (int32_t)i, &l);
            if (vocab_add(s->vocab, t, l) < 0) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
        }
    } else {
        first_text = malloc((size_t)V * sizeof *first_text);
        if (!first_text) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
        for (uint64_t i = 0; i < V; i++) first_text[i] = SP_NONE;
        for (uint32_t si = 0; si < ns; si++) {
            const struct sp_rstep *st = &b->steps[si];
            if (st->has_chosen) {
                int64_t k = mode == BY_ID ? st->chosen_id : tid[st->chosen_text];
                if (first_text[k] == SP_NONE) first_text[k] = st->chosen_text;
            }
            for (uint32_t i = 0; i < st->n; i++) {
                const struct sp_raw *r = &b->raw[st->first + i];
                int64_t k = mode == BY_ID ? r->id : tid[r->text];
                if (first_text[k] == SP_NONE) first_text[k] = r->text;
            }
        }
        for (uint64_t i = 0; i < V; i++) {
            size_t l = 0;
            const char *t = first_text[i] == SP_NONE ? "" : vocab_get(b->names, (int32_t)first_text[i], &l);
            if (vocab_add(s->vocab, t, l) < 0) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
        }
    }
    if (n_pos)
        source_warn(s, "%u log-probabilities are > 0 (largest %.6g): the file may hold logits, not log-probabilities", n_pos, worst_pos);
    if (n_over)
        source_warn(s, "%u steps have known probabilities summing to more than 1 (largest %.6g)", n_over, worst_sum);
    if (n_merged)
        source_warn(s, "%u tokens appeared twice in one step with different values; their probabilities were added", n_merged);
    if (n_empty)
        source_warn(s, "%u steps have no known log-probability (only sentinels or nulls)", n_empty);

    im->names = b->names;
    b->names = NULL;
    s->impl = im;
    *out = s;
    b->s = NULL;
    free(tid);
    free(first_text);
    free(tmp);
    sp_abort(b);
    return LS_OK;
fail:
    free(tid);
    free(first_text);
    free(tmp);
    impl_free(im);
    sp_abort(b);
    return rc;
}
