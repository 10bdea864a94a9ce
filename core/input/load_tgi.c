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
 * a warning says so. A file may be one response or an array of them. */
#include "input/json_api.h"
#include "input/loader.h"

#include <stdio.h>
#include <string.h>

struct tgi_tally { uint32_t n_prefill, n_best; };

static int load_item(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err)
{
    struct tgi_tally *t = st;
    char p[API_PATH], q[API_PATH], r[API_PATH];
    const char *pre = it->path;
    int rc = api_expect(c, it->node, cJSON_Object, "object", pre[0] ? pre : "(top level)", err);
    if (rc) return rc;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(it->node, "details");
    api_path(p, "%s%sdetails", pre, pre[0] ? "." : "");
    if ((rc = api_expect(c, d, cJSON_Object, "object", p, err))) return rc;
    const cJSON *toks = cJSON_GetObjectItemCaseSensitive(d, "tokens");
    const cJSON *top = cJSON_GetObjectItemCaseSensitive(d, "top_tokens");
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(d, "prefill");
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(d, "best_of_sequences");
    api_path(q, "%s.tokens", p);
    if ((rc = api_expect(c, toks, cJSON_Array, "array", q, err))) return rc;
    if (cJSON_IsArray(pf)) t->n_prefill += (uint32_t)cJSON_GetArraySize(pf);
    if (cJSON_IsArray(best)) t->n_best += (uint32_t)cJSON_GetArraySize(best);
    if (top && !cJSON_IsNull(top)) {
        api_path(r, "%s.top_tokens", p);
        if ((rc = api_expect(c, top, cJSON_Array, "array or null", r, err))) return rc;
        int nt = cJSON_GetArraySize(toks), nk = cJSON_GetArraySize(top);
        if (nt != nk) {
            char where[64] = "";
            if (c->jc && c->jc->buf) json_where(c->jc->buf, c->jc->len, p, where, sizeof where);
            return ls_fail(err, LS_EDATA, "%s: top_tokens has %d entries but tokens has %d (one list per token)%s", p, nk, nt, where);
        }
    } else top = NULL;
    const cJSON *e = toks->child, *tl = top ? top->child : NULL;
    for (size_t j = 0; e; j++, e = e->next, tl = tl ? tl->next : NULL) {
        api_path(q, "%s.tokens[%zu]", p, j);
        if ((rc = sp_step_begin(c->b, err))) return rc;
        if ((rc = api_entry(c, e, q, "text", "logprob", NULL, 1, err))) return rc;
        if (!tl || cJSON_IsNull(tl)) continue;
        api_path(r, "%s.top_tokens[%zu]", p, j);
        if ((rc = api_entries(c, tl, r, "text", "logprob", NULL, err))) return rc;
    }
    return LS_OK;
}

int tgi_sniff(const struct input_probe *p)
{
    const cJSON *d = cJSON_IsObject(p->item) ? cJSON_GetObjectItemCaseSensitive(p->item, "details") : NULL;
    return cJSON_IsObject(d) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d, "tokens"));
}

int load_tgi(const struct input_job *j, struct source **out, struct ls_error *err)
{
    struct api_ctx c;
    struct tgi_tally t = {0};
    int rc = api_load_items(&c, j->ops, j->path, j->items, j->n_items, load_item, &t, err);
    if (rc) return rc;
    struct source *s = sp_source(c.b);
    if (t.n_prefill) source_warn(s, "details.prefill (%u prompt tokens, no alternatives) is not loaded", t.n_prefill);
    if (t.n_best) source_warn(s, "details.best_of_sequences (%u sequences) is not loaded", t.n_best);
    return api_finish(&c, out, err);
}
