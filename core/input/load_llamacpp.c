/* load_llamacpp.c: llama.cpp server /completion `completion_probabilities`
 * (formats.md 4).
 *
 * Current shape (since PR #10783, Dec 2024), pre-sampling log-probabilities:
 *   {"completion_probabilities": [{"id": 9468, "token": "", "bytes": [240, 159],
 *     "logprob": -0.41, "top_logprobs": [{"id": 9468, ..., "logprob": -0.41}, ...]}]}
 * post_sampling_probs variant: "prob" / "top_probs", probabilities after the
 * whole sampler chain (linear 0..1): converted to log space and the source is
 * marked post-sampling.
 * Old shape (mid-2023 to Dec 2024), post-sampling probabilities, no ids:
 *   {"completion_probabilities": [{"content": " to", "probs": [{"tok_str": " to", "prob": 0.97}]}]}
 *   where "byte: \xNN" spells a single non-UTF-8 byte.
 * Token ids are used as ids when every entry has one; `bytes` is the token
 * text; -3.4028234663852886e+38 (log 0) and null are "unknown". A file may be
 * one response, an array of them, or the stream's chunks (JSON Lines / SSE),
 * each with a one-element array; chunks without the key (the final one) are
 * skipped. */
#include "input/json_api.h"
#include "input/loader.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct llama_tally {
    size_t n_items;
    uint32_t n_with;
    int shape;   /* 0 unknown, 1 old (content/probs), 2 current */
    double last_tp;          /* the previous chunk's tokens_predicted, -1 if none */
    uint64_t n_missing;      /* positions the stream skipped */
    long gap_line;           /* line of the first chunk after a gap */
    double gap_from, gap_to;
};

/* A stream's chunks count their tokens in tokens_predicted: a chunk whose
 * count jumps past the previous one plus its own entries follows lost
 * chunks (the steps are then not consecutive positions). A count that goes
 * down starts another response. */
static void check_gap(struct llama_tally *t, const cJSON *o, int n_entries, long line)
{
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(o, "tokens_predicted");
    if (!cJSON_IsNumber(tp) || t->n_items < 2) return;
    double v = tp->valuedouble, want = t->last_tp + n_entries;
    if (t->last_tp >= 0 && v > want && v - want < 1e9) {
        if (!t->n_missing) { t->gap_line = line; t->gap_from = t->last_tp; t->gap_to = v; }
        t->n_missing += (uint64_t)(v - want);
    }
    t->last_tp = v;
}

/* One entry e at q of completion_probabilities: a step. */
static int load_entry(struct api_ctx *c, struct llama_tally *tally, const cJSON *e, const char *q,
                      struct ls_error *err)
{
    char r[API_PATH];
    int rc = api_expect(c, e, cJSON_Object, "object", q, err);
    if (rc) return rc;
    int old = cJSON_GetObjectItemCaseSensitive(e, "probs") != NULL;
    if (tally->shape == 0) tally->shape = old ? 1 : 2;
    else if (tally->shape != (old ? 1 : 2))
        return ls_fail(err, LS_EDATA, "%s: the file mixes the old (content/probs) and the current (token/top_logprobs) shapes", q);
    if (!old) return api_token_step(c, e, q, "prob", err);
    if ((rc = sp_step_begin(c->b, err))) return rc;
    const char *t;
    size_t n;
    c->byte_prefix = 1;
    if ((rc = api_text(c, e, q, "content", &t, &n, err))) return rc;
    if ((rc = sp_add(c->b, -1, t, n, NAN, 1, err))) return rc;
    const cJSON *probs = cJSON_GetObjectItemCaseSensitive(e, "probs");
    api_path(r, "%s.probs", q);
    return api_entries(c, probs, r, "tok_str", NULL, "prob", err);
}

static int load_item(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err)
{
    struct llama_tally *tally = st;
    char p[API_PATH], q[API_PATH];
    const char *pre = it->path;
    int rc = api_expect(c, it->node, cJSON_Object, "object", pre[0] ? pre : "(top level)", err);
    if (rc) return rc;
    const cJSON *cp = cJSON_GetObjectItemCaseSensitive(it->node, "completion_probabilities");
    api_path(p, "%s%scompletion_probabilities", pre, pre[0] ? "." : "");
    if (!cp && tally->n_items > 1) return LS_OK;   /* e.g. the final stream chunk */
    if ((rc = api_expect(c, cp, cJSON_Array, "array", p, err))) return rc;
    tally->n_with++;
    check_gap(tally, it->node, json_array_size(cp), it->line);
    size_t ei = 0;
    const cJSON *e;
    struct json_elems ee;
    json_elems_begin(&ee, cp);
    while (!rc && (e = json_elems_next(&ee))) {
        api_path(q, "%s[%zu]", p, ei);
        ei++;
        rc = load_entry(c, tally, e, q, err);
    }
    return json_elems_end(&ee, rc, err);
}

int llamacpp_sniff(const struct input_probe *p)
{
    return cJSON_IsObject(p->item) &&
           cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p->item, "completion_probabilities"));
}

int load_llamacpp(const struct input_job *j, struct source **out, struct ls_error *err)
{
    struct api_ctx c;
    struct llama_tally t = { j->n_items, 0, 0, -1, 0, 0, 0, 0 };
    int rc = api_load_items(&c, j->ops, j->path, j->docs, load_item, &t, err);
    if (rc) return rc;
    if (!t.n_with) return api_abort(&c, "no completion_probabilities found (request n_probs > 0)", err);
    if (t.shape == 1) c.kind = API_KIND_PROB;   /* old shape: always post-sampling */
    if (t.n_missing)
        source_warn(sp_source(c.b), "the stream skips %llu positions (tokens_predicted jumps from %.0f to %.0f "
                    "at line %ld: chunks were lost); steps after a gap do not follow the previous one",
                    (unsigned long long)t.n_missing, t.gap_from, t.gap_to, t.gap_line);
    return api_finish(&c, out, err);
}
