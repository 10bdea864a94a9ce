/* load_ollama.c: Ollama native /api/generate and /api/chat logprobs
 * (formats.md 6; Ollama v0.12.11 and later).
 *
 *   {"model": "m", "response": "Hi", "done": true,
 *    "logprobs": [{"token": "Hi", "logprob": -0.12, "bytes": [72, 105],
 *                  "top_logprobs": [{"token": "Hi", "logprob": -0.12, "bytes": [72, 105]}, ...]}]}
 *
 * A top-level array next to "response" (generate) or "message" (chat).
 * bytes and top_logprobs are omitted when empty (omitempty). A streamed
 * capture (NDJSON: one chunk per line) concatenates; chunks without logprobs
 * are skipped. No ids: tokens are identified by their bytes/text. Ollama's
 * bytes come from the token string, so partial UTF-8 pieces read U+FFFD. */
#include "input/json_api.h"
#include "input/loader.h"

#include <stdio.h>

struct ollama_tally { size_t n_items; uint32_t n_with; struct api_skipped skipped; };

static int load_item(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err)
{
    struct ollama_tally *t = st;
    char p[API_PATH], q[API_PATH];
    const char *pre = it->path;
    int rc = api_expect(c, it->node, cJSON_Object, "object", pre[0] ? pre : "(top level)", err);
    if (rc) return rc;
    const cJSON *lp = cJSON_GetObjectItemCaseSensitive(it->node, "logprobs");
    api_path(p, "%s%slogprobs", pre, pre[0] ? "." : "");
    if ((!lp || cJSON_IsNull(lp)) && t->n_items > 1) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it->node, "message");
        if (api_has_text(it->node, "response") || api_has_text(m, "content")) api_skip(&t->skipped, pre, it->line);
        return LS_OK;
    }
    if ((rc = api_expect(c, lp, cJSON_Array, "array", p, err))) return rc;
    t->n_with++;
    size_t ei = 0;
    const cJSON *e;
    struct json_elems ee;
    json_elems_begin(&ee, lp);
    while (!rc && (e = json_elems_next(&ee))) {
        api_path(q, "%s[%zu]", p, ei);
        ei++;
        rc = api_token_step(c, e, q, NULL, err);
    }
    return json_elems_end(&ee, rc, err);
}

/* A top-level logprobs array beside response (generate), message (chat) or done. */
int ollama_sniff(const struct input_probe *p)
{
    const cJSON *o = p->item;
    if (!cJSON_IsObject(o) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "logprobs"))) return 0;
    return cJSON_GetObjectItemCaseSensitive(o, "response") || cJSON_GetObjectItemCaseSensitive(o, "message") ||
           cJSON_GetObjectItemCaseSensitive(o, "done");
}

int load_ollama(const struct input_job *j, struct source **out, struct ls_error *err)
{
    struct api_ctx c;
    struct ollama_tally t = { j->n_items, 0, { 0, "" } };
    int rc = api_load_items(&c, j->ops, j->path, j->docs, load_item, &t, err);
    if (rc) return rc;
    if (!t.n_with) return api_abort(&c, "no logprobs found (request \"logprobs\": true)", err);
    api_skip_warn(sp_source(c.b), &t.skipped);
    return api_finish(&c, out, err);
}
