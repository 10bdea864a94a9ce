/* json_api.c: shared entry parsing for the JSON API loaders (see json_api.h). */
#include "input/json_api.h"
#include "base/json_lazy.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_ctx_free(struct api_ctx *c)
{
    free(c->scratch);
    c->scratch = NULL;
    c->scap = 0;
}

void api_path(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, API_PATH, fmt, ap);
    va_end(ap);
    if (n >= API_PATH) memcpy(out + API_PATH - 4, "...", 4);
}

int api_expect(struct api_ctx *c, const cJSON *v, int mask, const char *tname, const char *path,
               struct ls_error *err)
{
    return json_expect(c->jc, v, mask, tname, path, err);
}

static int fail_at(struct api_ctx *c, const char *path, struct ls_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct api_ctx *c, const char *path, struct ls_error *err, const char *fmt, ...)
{
    char what[256], where[64] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->jc && c->jc->buf) json_where(c->jc->buf, c->jc->len, path, where, sizeof where);
    return ls_fail(err, LS_EDATA, "%s: %s%s", path, what, where);
}

/* "parent.key: missing (expected T) (line L, column C)" located at the parent. */
static int missing_at(struct api_ctx *c, const char *parent, const char *key, const char *tname,
                      struct ls_error *err)
{
    char where[64] = "";
    if (c->jc && c->jc->buf) json_where(c->jc->buf, c->jc->len, parent, where, sizeof where);
    return ls_fail(err, LS_EDATA, "%s.%s: missing (expected %s)%s", parent, key, tname, where);
}

int api_number(struct api_ctx *c, const cJSON *v, const char *p, double *lp, struct ls_error *err)
{
    *lp = NAN;
    if (cJSON_IsNull(v)) return LS_OK;
    int rc = json_expect(c->jc, v, cJSON_Number, "number or null", p, err);
    if (rc) return rc;
    if (c->kind == API_KIND_UNSET) c->kind = API_KIND_LOGPROB;
    else if (c->kind != API_KIND_LOGPROB)
        return fail_at(c, p, err, "the file mixes probabilities and log-probabilities");
    double d = v->valuedouble;
    if (!isfinite(d)) return fail_at(c, p, err, "expected a finite number, got %g", d);
    if (sp_is_sentinel(d)) return LS_OK;
    if (d > FLT_MAX || d < -FLT_MAX) return fail_at(c, p, err, "%.9g is outside the float32 range", d);
    *lp = d;
    return LS_OK;
}

int api_value(struct api_ctx *c, const cJSON *obj, const char *path, const char *lpkey,
              const char *pkey, int required, double *lp, struct ls_error *err)
{
    char p[API_PATH];
    const cJSON *v = lpkey ? cJSON_GetObjectItemCaseSensitive(obj, lpkey) : NULL;
    const cJSON *pv = pkey ? cJSON_GetObjectItemCaseSensitive(obj, pkey) : NULL;
    *lp = NAN;
    if (v && pv) {
        api_path(p, "%s.%s", path, pkey);
        return fail_at(c, p, err, "has both %s and %s", lpkey, pkey);
    }
    if (!v && !pv) {
        if (!required) return LS_OK;
        return missing_at(c, path, lpkey ? lpkey : pkey, "number", err);
    }
    enum api_kind k = v ? API_KIND_LOGPROB : API_KIND_PROB;
    api_path(p, "%s.%s", path, v ? lpkey : pkey);
    if (!v) v = pv;
    if (cJSON_IsNull(v)) return LS_OK;
    int rc = json_expect(c->jc, v, cJSON_Number, "number", p, err);
    if (rc) return rc;
    if (c->kind == API_KIND_UNSET) c->kind = k;
    else if (c->kind != k)
        return fail_at(c, p, err, "the file mixes probabilities (%s) and log-probabilities (%s)",
                       pkey ? pkey : "prob", lpkey ? lpkey : "logprob");
    double d = v->valuedouble;
    if (!isfinite(d)) return fail_at(c, p, err, "expected a finite number, got %g", d);
    if (k == API_KIND_PROB) {
        if (d < 0 || d > 1.0 + 1e-6) return fail_at(c, p, err, "expected a probability in [0, 1], got %.9g", d);
        if (d > 1) d = 1;
        *lp = d > 0 ? log(d) : NAN;
        return LS_OK;
    }
    if (sp_is_sentinel(d)) return LS_OK;
    if (d > FLT_MAX || d < -FLT_MAX) return fail_at(c, p, err, "%.9g is outside the float32 range", d);
    *lp = d;
    return LS_OK;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static int scratch_reserve(struct api_ctx *c, size_t need, struct ls_error *err)
{
    if (need <= c->scap) return LS_OK;
    size_t nc = need < 64 ? 64 : need;
    unsigned char *ns = realloc(c->scratch, nc);
    if (!ns) return ls_oom(err);
    c->scratch = ns;
    c->scap = nc;
    return LS_OK;
}

/* Escaped bytes as text: old llama.cpp's "byte: \xNN" (one byte, only when
 * c->byte_prefix) and OpenAI's "bytes:\xe2\x80" (a token that is part of a
 * UTF-8 character, when there is no bytes array: legacy Completions never
 * has one). Every byte must be spelled \xHH; anything else is plain text.
 * Decodes into c->scratch; 0 when the text is not such a spelling. */
static int escaped_bytes(struct api_ctx *c, const char **t, size_t *n, struct ls_error *err, int *rc)
{
    const char *s = *t;
    size_t pl = c->byte_prefix && *n == 10 && !memcmp(s, "byte: ", 6) ? 6
              : *n > 6 && !memcmp(s, "bytes:", 6) ? 6 : 0;
    if (!pl || (*n - pl) % 4) return 0;
    for (size_t i = pl; i < *n; i += 4)
        if (s[i] != '\\' || s[i + 1] != 'x' || hexval(s[i + 2]) < 0 || hexval(s[i + 3]) < 0) return 0;
    if ((*rc = scratch_reserve(c, (*n - pl) / 4, err))) return 1;
    size_t k = 0;
    for (size_t i = pl; i < *n; i += 4)
        c->scratch[k++] = (unsigned char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
    *t = (const char *)c->scratch;
    *n = k;
    return 1;
}

int api_plain_text(struct api_ctx *c, const char *s, const char **t, size_t *n, struct ls_error *err)
{
    int rc = LS_OK;
    *t = s;
    *n = strlen(s);
    escaped_bytes(c, t, n, err, &rc);
    return rc;
}

int api_text(struct api_ctx *c, const cJSON *obj, const char *path, const char *textkey,
             const char **t, size_t *n, struct ls_error *err)
{
    char p[API_PATH];
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(obj, "bytes");
    if (by && !cJSON_IsNull(by)) {
        api_path(p, "%s.bytes", path);
        int rc = json_expect(c->jc, by, cJSON_Array, "array", p, err);
        if (rc) return rc;
        if ((rc = scratch_reserve(c, (size_t)json_array_size(by), err))) return rc;
        size_t i = 0;
        const cJSON *x;
        struct json_elems it;
        json_elems_begin(&it, by);
        while (!rc && (x = json_elems_next(&it))) {
            long v;
            api_path(p, "%s.bytes[%zu]", path, i);
            if (!(rc = json_get_int(c->jc, x, p, 0, 255, &v, err))) c->scratch[i++] = (unsigned char)v;
        }
        *t = (const char *)c->scratch;
        *n = i;
        return json_elems_end(&it, rc, err);
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, textkey);
    if (!s) return missing_at(c, path, textkey, "string", err);
    api_path(p, "%s.%s", path, textkey);
    int rc = json_expect(c->jc, s, cJSON_String, "string", p, err);
    if (rc) return rc;
    return api_plain_text(c, s->valuestring, t, n, err);
}

int api_id(struct api_ctx *c, const cJSON *obj, const char *path, int64_t *id, struct ls_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "id");
    *id = -1;
    if (!v || cJSON_IsNull(v)) return LS_OK;
    char p[API_PATH];
    long l;
    api_path(p, "%s.id", path);
    int rc = json_get_int(c->jc, v, p, 0, (long)LS_MAX_VOCAB - 1, &l, err);
    if (rc) return rc;
    *id = l;
    return LS_OK;
}

int api_entry(struct api_ctx *c, const cJSON *e, const char *path, const char *textkey,
              const char *lpkey, const char *pkey, int chosen, struct ls_error *err)
{
    int rc = json_expect(c->jc, e, cJSON_Object, "object", path, err);
    if (rc) return rc;
    int64_t id;
    double lp;
    const char *t;
    size_t n;
    if ((rc = api_id(c, e, path, &id, err))) return rc;
    if ((rc = api_value(c, e, path, lpkey, pkey, 1, &lp, err))) return rc;
    if ((rc = api_text(c, e, path, textkey, &t, &n, err))) return rc;
    return sp_add(c->b, id, t, n, lp, chosen, err);
}

/* One entry "<id>": {logprob, rank, decoded_token} of a prompt position. */
static int prompt_entry(struct api_ctx *c, const cJSON *e, const char *q, int64_t rec, int *found,
                        struct ls_error *err)
{
    const char *k = e->string ? e->string : "";
    size_t kl = strlen(k);
    if (kl == 0 || kl > 8 || strspn(k, "0123456789") != kl) return fail_at(c, q, err, "expected a token id as key");
    long id = strtol(k, NULL, 10);
    if (id >= (long)LS_MAX_VOCAB) return fail_at(c, q, err, "token id %ld exceeds the limit of %u", id, LS_MAX_VOCAB - 1);
    int rc = json_expect(c->jc, e, cJSON_Object, "object", q, err);
    double lp;
    if (rc || (rc = api_value(c, e, q, "logprob", NULL, 1, &lp, err))) return rc;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "decoded_token");
    char synth[32], r[API_PATH];
    const char *t = synth;
    snprintf(synth, sizeof synth, "token_id:%ld", id);
    if (dt && !cJSON_IsNull(dt)) {
        api_path(r, "%s.decoded_token", q);
        if ((rc = json_expect(c->jc, dt, cJSON_String, "string or null", r, err))) return rc;
        t = dt->valuestring;
    }
    int chosen = id == rec && !*found;
    if (chosen) *found = 1;
    return sp_add(c->b, id, t, strlen(t), lp, chosen, err);
}

/* The recorded id of prompt position i (the next element of ids, the walk
 * over prompt_token_ids, or none: NULL), -1 if none. */
static int prompt_id(struct api_ctx *c, struct json_elems *ids, const char *ipath, size_t i, int64_t *rec,
                     struct ls_error *err)
{
    char p[API_PATH];
    long v;
    *rec = -1;
    if (!ids) return LS_OK;
    api_path(p, "%s[%zu]", ipath, i);
    int rc = json_get_int(c->jc, json_elems_next(ids), p, 0, (long)LS_MAX_VOCAB - 1, &v, err);
    if (!rc) *rec = v;
    return rc;
}

/* One prompt position pos (an object of "<id>": entry) at p: a step. */
static int prompt_position(struct api_ctx *c, const cJSON *pos, const char *p, int64_t rec, struct ls_error *err)
{
    char q[API_PATH];
    int rc = json_expect(c->jc, pos, cJSON_Object, "object or null", p, err);
    if (rc || (rc = sp_step_begin(c->b, err))) return rc;
    const cJSON *e;
    int found = 0;
    cJSON_ArrayForEach(e, pos) {
        api_path(q, "%s.%s", p, e->string ? e->string : "");
        if ((rc = prompt_entry(c, e, q, rec, &found, err))) return rc;
    }
    if (rec >= 0 && !found) {
        char synth[32];
        snprintf(synth, sizeof synth, "token_id:%lld", (long long)rec);
        if ((rc = sp_add(c->b, rec, synth, strlen(synth), NAN, 1, err))) return rc;
    }
    sp_step_drop_if_empty(c->b);
    return LS_OK;
}

int api_prompt_logprobs(struct api_ctx *c, const cJSON *arr, const char *path, const cJSON *ids,
                        const char *ipath, struct ls_error *err)
{
    char p[API_PATH];
    int rc = json_expect(c->jc, arr, cJSON_Array, "array", path, err);
    if (rc) return rc;
    if (ids && !cJSON_IsArray(ids)) ids = NULL;
    if (ids && json_array_size(ids) != json_array_size(arr))
        return fail_at(c, ipath, err, "has %d entries but %s has %d (one per prompt token)",
                       json_array_size(ids), path, json_array_size(arr));
    size_t i = 0;
    const cJSON *pos;
    struct json_elems it, iit;
    json_elems_begin(&it, arr);
    json_elems_begin(&iit, ids);
    while (!rc && (pos = json_elems_next(&it))) {
        api_path(p, "%s[%zu]", path, i);
        int64_t rec;
        if ((rc = prompt_id(c, ids ? &iit : NULL, ipath, i++, &rec, err))) break;
        if (!cJSON_IsNull(pos)) rc = prompt_position(c, pos, p, rec, err); /* null: position 0, nothing conditions it */
    }
    rc = json_elems_end(&iit, rc, err);
    return json_elems_end(&it, rc, err);
}

int api_finish(struct api_ctx *c, struct source **out, struct ls_error *err)
{
    struct source *s = sp_source(c->b);
    s->post_sampling = c->kind == API_KIND_PROB;
    int rc = sp_finish(c->b, out, err);
    c->b = NULL;
    api_ctx_free(c);
    return rc;
}

int api_entries(struct api_ctx *c, const cJSON *arr, const char *path, const char *textkey,
                const char *lpkey, const char *pkey, struct ls_error *err)
{
    int rc = api_expect(c, arr, cJSON_Array, "array", path, err);
    if (rc) return rc;
    size_t i = 0;
    const cJSON *x;
    struct json_elems it;
    json_elems_begin(&it, arr);
    while (!rc && (x = json_elems_next(&it))) {
        char xp[API_PATH];
        api_path(xp, "%s[%zu]", path, i);
        i++;
        rc = api_entry(c, x, xp, textkey, lpkey, pkey, 0, err);
    }
    return json_elems_end(&it, rc, err);
}

int api_token_step(struct api_ctx *c, const cJSON *e, const char *q, const char *pkey, struct ls_error *err)
{
    int rc = sp_step_begin(c->b, err);
    if (rc || (rc = api_entry(c, e, q, "token", "logprob", pkey, 1, err))) return rc;
    const char *tk = c->kind == API_KIND_PROB ? "top_probs" : "top_logprobs";
    const cJSON *top = cJSON_GetObjectItemCaseSensitive(e, tk);
    if (!top || cJSON_IsNull(top)) return LS_OK;   /* Ollama omits it; TGI chat may */
    char r[API_PATH];
    api_path(r, "%s.%s", q, tk);
    return api_entries(c, top, r, "token", "logprob", pkey, err);
}

int api_load_items(struct api_ctx *c, const struct source_ops *ops, const char *path,
                   struct json_docs *docs, api_item_fn fn, void *st, struct ls_error *err)
{
    memset(c, 0, sizeof *c);
    c->b = sp_new(ops, path);
    if (!c->b) return ls_oom(err);
    for (size_t i = 0; i < docs->n_items; i++) {
        const struct api_item *it;
        int rc = json_docs_item(docs, i, &it, err);
        if (!rc) {
            c->jc = &it->jc;
            rc = fn(c, it, st, err);
        }
        if (rc) {
            json_item_fix_line(err, &docs->items[i]);
            sp_abort(c->b);
            api_ctx_free(c);
            return rc;
        }
    }
    return LS_OK;
}

int api_abort(struct api_ctx *c, const char *msg, struct ls_error *err)
{
    sp_abort(c->b);
    api_ctx_free(c);
    return ls_fail(err, LS_EDATA, "%s", msg);
}

enum api_shape api_choices_shape(const cJSON *o)
{
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices"), *c;
    if (!cJSON_IsArray(ch)) return API_SHAPE_NONE;
    enum api_shape k = API_SHAPE_NONE;
    struct json_elems it;
    json_elems_begin(&it, ch);
    while (k == API_SHAPE_NONE && (c = json_elems_next(&it))) {
        const cJSON *lp = cJSON_GetObjectItemCaseSensitive(c, "logprobs");
        if (cJSON_IsObject(lp)) {
            if (cJSON_GetObjectItemCaseSensitive(lp, "content") || cJSON_GetObjectItemCaseSensitive(lp, "refusal"))
                k = API_SHAPE_CHAT;
            else if (cJSON_GetObjectItemCaseSensitive(lp, "tokens") || cJSON_GetObjectItemCaseSensitive(lp, "token_logprobs") ||
                     cJSON_GetObjectItemCaseSensitive(lp, "top_logprobs") || cJSON_GetObjectItemCaseSensitive(lp, "text_offset"))
                k = API_SHAPE_COMPLETIONS;
        }
        if (k == API_SHAPE_NONE && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(c, "prompt_logprobs")))
            k = API_SHAPE_COMPLETIONS;
    }
    json_elems_end(&it, LS_OK, NULL);   /* out of memory: the shape stays unknown */
    return k;
}

void api_skip(struct api_skipped *k, const char *path, long line)
{
    if (k->n++) return;
    if (line > 0) snprintf(k->first, sizeof k->first, "line %ld%s%.200s", line, path[0] ? " " : "", path);
    else snprintf(k->first, sizeof k->first, "%s", path[0] ? path : "(top level)");
}

void api_skip_warn(struct source *s, const struct api_skipped *k)
{
    if (k->n)
        source_warn(s, "%u responses or choices have text but no logprobs (logprobs: null) and are not loaded "
                    "(the first: %s)", k->n, k->first);
}

int api_has_text(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring[0];
}
