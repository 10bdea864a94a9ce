/* load_tgi.c: Hugging Face Text Generation Inference /generate `details`
 * (formats.md 7).
 *
 *   {"generated_text": " Paris", "details": {"finish_reason": "length",
 *     "prefill": [{"id": 1, "text": "<s>", "logprob": null}, ...],
 *     "tokens": [{"id": 5465, "text": " Paris", "logprob": -0.05, "special": false}],
 *     "top_tokens": [[{"id": 5465, "text": " Paris", "logprob": -0.05, "special": false}, ...]]}}
 *
 * One step per generated token (details.tokens); top_tokens, when present,
 * must have one list per token. Ids are the token ids; null logprobs (TGI
 * writes non-finite values as null) are "unknown". prefill (prompt tokens,
 * one logprob each and no alternatives) and best_of_sequences are not loaded;
 * a warning says so. A file may be one response or an array of them.
 *
 * /generate_stream (SSE, or its data lines saved as JSON Lines): one event
 * per generated token, the last one also carrying generated_text and details:
 *   data:{"index": 1, "token": {"id": 5465, "text": " Paris", "logprob": -0.05,
 *         "special": false}, "top_tokens": [...], "generated_text": null, "details": null}
 * Each event is one step: its token is the recorded one, its top_tokens (a
 * list, when the request asked top_n_tokens) the alternatives. */
#include "input/json_api.h"
#include "input/loader.h"

#include <stdio.h>
#include <string.h>

struct tgi_tally { uint32_t n_prefill, n_best, n_null; };

/* A recorded token whose logprob TGI wrote as null (a non-finite value:
 * special end-of-text tokens in several recorded snapshots). */
static void count_null(struct tgi_tally *t, const cJSON *tok)
{
    if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(tok, "logprob"))) t->n_null++;
}

/* A /generate_stream event: one step. */
static int load_event(struct api_ctx *c, const struct api_item *it, const char *pre, struct tgi_tally *t,
                      struct ls_error *err)
{
    char p[API_PATH], r[API_PATH];
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(it->node, "token");
    const cJSON *top = cJSON_GetObjectItemCaseSensitive(it->node, "top_tokens");
    api_path(p, "%s%stoken", pre, pre[0] ? "." : "");
    int rc = sp_step_begin(c->b, err);
    if (rc || (rc = api_entry(c, tok, p, "text", "logprob", NULL, 1, err))) return rc;
    count_null(t, tok);
    if (!top || cJSON_IsNull(top)) return LS_OK;
    api_path(r, "%s%stop_tokens", pre, pre[0] ? "." : "");
    return api_entries(c, top, r, "text", "logprob", NULL, err);
}

static int is_event(const cJSON *o)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "token");
    return cJSON_IsObject(t) && cJSON_GetObjectItemCaseSensitive(t, "id") &&
           (cJSON_GetObjectItemCaseSensitive(o, "generated_text") || cJSON_GetObjectItemCaseSensitive(o, "index"));
}

static int load_item(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err)
{
    struct tgi_tally *t = st;
    char p[API_PATH], q[API_PATH], r[API_PATH];
    const char *pre = it->path;
    int rc = api_expect(c, it->node, cJSON_Object, "object", pre[0] ? pre : "(top level)", err);
    if (rc) return rc;
    if (is_event(it->node)) return load_event(c, it, pre, t, err);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(it->node, "details");
    api_path(p, "%s%sdetails", pre, pre[0] ? "." : "");
    if ((rc = api_expect(c, d, cJSON_Object, "object", p, err))) return rc;
    const cJSON *toks = cJSON_GetObjectItemCaseSensitive(d, "tokens");
    const cJSON *top = cJSON_GetObjectItemCaseSensitive(d, "top_tokens");
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(d, "prefill");
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(d, "best_of_sequences");
    api_path(q, "%s.tokens", p);
    if ((rc = api_expect(c, toks, cJSON_Array, "array", q, err))) return rc;
    if (cJSON_IsArray(pf)) t->n_prefill += (uint32_t)json_array_size(pf);
    if (cJSON_IsArray(best)) t->n_best += (uint32_t)json_array_size(best);
    if (top && !cJSON_IsNull(top)) {
        api_path(r, "%s.top_tokens", p);
        if ((rc = api_expect(c, top, cJSON_Array, "array or null", r, err))) return rc;
        int nt = json_array_size(toks), nk = json_array_size(top);
        if (nt != nk) {
            char where[64] = "";
            if (c->jc && c->jc->buf) json_where(c->jc->buf, c->jc->len, p, where, sizeof where);
            return ls_fail(err, LS_EDATA, "%s: top_tokens has %d entries but tokens has %d (one list per token)%s", p, nk, nt, where);
        }
    } else top = NULL;
    const cJSON *e, *tl;
    struct json_elems te, ke;
    json_elems_begin(&te, toks);
    json_elems_begin(&ke, top);
    for (size_t j = 0; !rc && (e = json_elems_next(&te)); j++) {
        tl = top ? json_elems_next(&ke) : NULL;
        api_path(q, "%s.tokens[%zu]", p, j);
        if ((rc = sp_step_begin(c->b, err))) break;
        if ((rc = api_entry(c, e, q, "text", "logprob", NULL, 1, err))) break;
        count_null(t, e);
        if (!tl || cJSON_IsNull(tl)) continue;
        api_path(r, "%s.top_tokens[%zu]", p, j);
        rc = api_entries(c, tl, r, "text", "logprob", NULL, err);
    }
    rc = json_elems_end(&ke, rc, err);
    return json_elems_end(&te, rc, err);
}

int tgi_sniff(const struct input_probe *p)
{
    const cJSON *d = cJSON_IsObject(p->item) ? cJSON_GetObjectItemCaseSensitive(p->item, "details") : NULL;
    return (cJSON_IsObject(d) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d, "tokens"))) ||
           (cJSON_IsObject(p->item) && is_event(p->item));
}

int load_tgi(const struct input_job *j, struct source **out, struct ls_error *err)
{
    struct api_ctx c;
    struct tgi_tally t = {0};
    int rc = api_load_items(&c, j->ops, j->path, j->docs, load_item, &t, err);
    if (rc) return rc;
    struct source *s = sp_source(c.b);
    if (t.n_prefill) source_warn(s, "details.prefill (%u prompt tokens, no alternatives) is not loaded", t.n_prefill);
    if (t.n_null)
        source_warn(s, "%u recorded tokens have logprob null (TGI writes a non-finite value as null): "
                    "their probability is unknown", t.n_null);
    if (t.n_best) source_warn(s, "details.best_of_sequences (%u sequences) is not loaded", t.n_best);
    return api_finish(&c, out, err);
}
