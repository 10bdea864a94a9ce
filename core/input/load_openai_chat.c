/* load_openai_chat.c: OpenAI Chat Completions logprobs (formats.md 1, 5).
 *
 *   {"choices": [{"logprobs": {"content": [
 *       {"token": "Hi", "logprob": -0.03, "bytes": [72, 105],
 *        "top_logprobs": [{"token": "Hi", "logprob": -0.03, "bytes": [72, 105]}, ...]}]}}]}
 *
 * Also what vLLM, llama.cpp's and Ollama's /v1 endpoints and TGI's chat
 * endpoint return; llama.cpp adds "id" (used as the token id when every entry
 * has one) and, with post_sampling_probs, "prob"/"top_probs" (probabilities
 * after the sampler chain, converted to log space). One step per content
 * entry, for every choice of every response in file order (streaming chunks
 * concatenate naturally). `bytes` is the token text when present; -9999 and
 * null are "unknown". A vLLM top-level prompt_logprobs array adds one step
 * per prompt position before the response's generated tokens. */
#include "input/json_api.h"
#include "input/loader.h"

#include <stdio.h>
#include <string.h>

struct chat_tally { uint32_t n_multi, n_refusal, n_with; struct api_skipped skipped; };

/* A choice without logprobs whose message (or stream delta) has content. */
static void note_skipped(struct chat_tally *t, const cJSON *ch, const char *p, long line)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(ch, "message");
    if (!m) m = cJSON_GetObjectItemCaseSensitive(ch, "delta");
    if (api_has_text(m, "content")) api_skip(&t->skipped, p, line);
}

/* The content array of one choice at q: a step per entry. */
static int load_content(struct api_ctx *c, const cJSON *content, const char *q, struct ls_error *err)
{
    char r[API_PATH];
    size_t ei = 0;
    const cJSON *e;
    int rc = LS_OK;
    struct json_elems it;
    json_elems_begin(&it, content);
    while (!rc && (e = json_elems_next(&it))) {
        api_path(r, "%s[%zu]", q, ei);
        ei++;
        rc = api_token_step(c, e, r, "prob", err);
    }
    return json_elems_end(&it, rc, err);
}

/* One choice at p. */
static int load_choice(struct api_ctx *c, struct chat_tally *t, const cJSON *ch, const char *p, long line,
                       struct ls_error *err)
{
    char q[API_PATH];
    int rc = api_expect(c, ch, cJSON_Object, "object", p, err);
    if (rc) return rc;
    const cJSON *lp = cJSON_GetObjectItemCaseSensitive(ch, "logprobs");
    if (!lp || cJSON_IsNull(lp)) { note_skipped(t, ch, p, line); return LS_OK; }
    api_path(q, "%s.logprobs", p);
    if ((rc = api_expect(c, lp, cJSON_Object, "object or null", q, err))) return rc;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(lp, "refusal");
    if (cJSON_IsArray(ref) && json_array_size(ref) > 0) t->n_refusal++;
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(lp, "content");
    api_path(q, "%s.logprobs.content", p);
    if (!content) return ls_fail(err, LS_EDATA, "%s: missing (expected array or null)", q);
    if (cJSON_IsNull(content)) return LS_OK;
    if ((rc = api_expect(c, content, cJSON_Array, "array or null", q, err))) return rc;
    t->n_with++;
    return load_content(c, content, q, err);
}

static int load_item(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err)
{
    struct chat_tally *t = st;
    char p[API_PATH], q[API_PATH];
    const char *pre = it->path;
    int rc = api_expect(c, it->node, cJSON_Object, "object", pre[0] ? pre : "(top level)", err);
    if (rc) return rc;
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(it->node, "prompt_logprobs");
    if (pl && !cJSON_IsNull(pl)) {
        api_path(p, "%s%sprompt_logprobs", pre, pre[0] ? "." : "");
        api_path(q, "%s%sprompt_token_ids", pre, pre[0] ? "." : "");
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(it->node, "prompt_token_ids");
        if ((rc = api_prompt_logprobs(c, pl, p, ids, q, err))) return rc;
    }
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(it->node, "choices");
    api_path(p, "%s%schoices", pre, pre[0] ? "." : "");
    if ((rc = api_expect(c, choices, cJSON_Array, "array", p, err))) return rc;
    if (json_array_size(choices) > 1) t->n_multi++;
    size_t ci = 0;
    const cJSON *ch;
    struct json_elems ce;
    json_elems_begin(&ce, choices);
    while (!rc && (ch = json_elems_next(&ce))) {
        api_path(p, "%s%schoices[%zu]", pre, pre[0] ? "." : "", ci);
        ci++;
        rc = load_choice(c, t, ch, p, it->line, err);
    }
    return json_elems_end(&ce, rc, err);
}

/* Chat shape: the first choice whose logprobs say which shape they are says
 * content/refusal; or no choice says and a vLLM top-level prompt_logprobs
 * array is there. */
int openai_chat_sniff(const struct input_probe *p)
{
    const cJSON *o = p->item;
    if (!cJSON_IsObject(o)) return 0;
    enum api_shape k = api_choices_shape(o);
    return k == API_SHAPE_CHAT ||
           (k == API_SHAPE_NONE && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "choices")) &&
            cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "prompt_logprobs")));
}

int load_openai_chat(const struct input_job *j, struct source **out, struct ls_error *err)
{
    struct api_ctx c;
    struct chat_tally t = {0};
    int rc = api_load_items(&c, j->ops, j->path, j->docs, load_item, &t, err);
    if (rc) return rc;
    if (!t.n_with && sp_steps(c.b) == 0)
        return api_abort(&c, "no choice has logprobs.content (request logprobs: true)", err);
    struct source *s = sp_source(c.b);
    if (t.n_multi) source_warn(s, "%u responses have several choices; their steps follow each other in file order", t.n_multi);
    api_skip_warn(s, &t.skipped);
    if (t.n_refusal) source_warn(s, "logprobs.refusal entries are not loaded (%u choices)", t.n_refusal);
    return api_finish(&c, out, err);
}
