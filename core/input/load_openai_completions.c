/* load_openai_completions.c: OpenAI legacy Completions logprobs (formats.md 2, 5).
 *
 *   {"choices": [{"logprobs": {"tokens": ["The", " capital"],
 *                              "token_logprobs": [null, -6.1],
 *                              "top_logprobs": [null, {" capital": -6.1, " first": -2.2}],
 *                              "text_offset": [0, 3]},
 *                 "prompt_logprobs": [null, {"6864": {"logprob": -7.2, "rank": 3,
 *                                                      "decoded_token": " capital"}}]}]}
 *
 * Parallel arrays: tokens and token_logprobs are required and must have the
 * same length; top_logprobs and text_offset, when present, too. top_logprobs
 * objects are keyed by token text; duplicate keys are legitimate (two ids
 * that decode to the same text) and all are kept. A position whose logprob
 * and top_logprobs are both null has nothing to show and is not a step; a
 * warning says how many, telling the first position (an echoed prompt's
 * first token) from later ones (vLLM's last position) by where they are. No ids and no bytes:
 * tokens are identified by text, or by id when every token reads
 * "token_id:N" (vLLM return_tokens_as_token_ids). vLLM's prompt_logprobs
 * (per choice) become steps before that choice's generated tokens. */
#include "input/json_api.h"
#include "input/loader.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int same_len(struct api_ctx *c, const cJSON *a, const char *an, const cJSON *b,
                    const char *bn, const char *p, struct ls_error *err)
{
    int na = json_array_size(a), nb = json_array_size(b);
    char where[64] = "";
    if (na != nb) {
        if (c->jc && c->jc->buf) json_where(c->jc->buf, c->jc->len, p, where, sizeof where);
        return ls_fail(err, LS_EDATA, "%s: %s has %d entries but %s has %d (they must be parallel)%s",
                       p, bn, nb, an, na, where);
    }
    return LS_OK;
}

struct compl_tally {
    uint32_t n_first, n_other, n_with;   /* positions without a value: first, others */
    char other[API_PATH];                 /* the first of the others */
    struct api_skipped skipped;           /* choices with text but no logprobs */
};

/* text_offset, when present: parallel to tokens, integers. */
static int check_offsets(struct api_ctx *c, const cJSON *toks, const cJSON *off, const char *q,
                         struct ls_error *err)
{
    char r[API_PATH];
    if (!off || cJSON_IsNull(off)) return LS_OK;
    api_path(r, "%s.text_offset", q);
    int rc = api_expect(c, off, cJSON_Array, "array or null", r, err);
    if (!rc) rc = same_len(c, toks, "tokens", off, "text_offset", q, err);
    if (rc) return rc;
    size_t oi = 0;
    const cJSON *o;
    struct json_elems it;
    json_elems_begin(&it, off);
    while (!rc && (o = json_elems_next(&it))) {
        long v;
        api_path(r, "%s.text_offset[%zu]", q, oi);
        oi++;
        rc = json_get_int(c->jc, o, r, 0, 2147483647L, &v, err);
    }
    return json_elems_end(&it, rc, err);
}

/* The parallel arrays of a logprobs object at q: tokens and token_logprobs
 * required, top_logprobs (*top NULL when absent or null) and text_offset
 * optional, all the same length. */
static int check_arrays(struct api_ctx *c, const cJSON *lp, const char *q, const cJSON **toks,
                        const cJSON **tlp, const cJSON **top, struct ls_error *err)
{
    char r[API_PATH];
    *toks = cJSON_GetObjectItemCaseSensitive(lp, "tokens");
    *tlp = cJSON_GetObjectItemCaseSensitive(lp, "token_logprobs");
    *top = cJSON_GetObjectItemCaseSensitive(lp, "top_logprobs");
    api_path(r, "%s.tokens", q);
    int rc = api_expect(c, *toks, cJSON_Array, "array", r, err);
    if (rc) return rc;
    api_path(r, "%s.token_logprobs", q);
    if ((rc = api_expect(c, *tlp, cJSON_Array, "array", r, err))) return rc;
    if ((rc = same_len(c, *toks, "tokens", *tlp, "token_logprobs", q, err))) return rc;
    if (*top && !cJSON_IsNull(*top)) {
        api_path(r, "%s.top_logprobs", q);
        if ((rc = api_expect(c, *top, cJSON_Array, "array or null", r, err))) return rc;
        if ((rc = same_len(c, *toks, "tokens", *top, "top_logprobs", q, err))) return rc;
    } else *top = NULL;
    return check_offsets(c, *toks, cJSON_GetObjectItemCaseSensitive(lp, "text_offset"), q, err);
}

/* One position j: the chosen token and its top_logprobs object tp. */
static int load_position(struct api_ctx *c, const cJSON *tk, const cJSON *tl, const cJSON *tp,
                         const char *q, size_t j, struct compl_tally *t, struct ls_error *err)
{
    char r[API_PATH];
    api_path(r, "%s.tokens[%zu]", q, j);
    int rc = api_expect(c, tk, cJSON_String, "string", r, err);
    if (rc) return rc;
    api_path(r, "%s.token_logprobs[%zu]", q, j);
    double v;
    if ((rc = api_number(c, tl, r, &v, err))) return rc;
    int top_null = !tp || cJSON_IsNull(tp);
    if (cJSON_IsNull(tl) && top_null) {
        if (j == 0) t->n_first++;
        else if (!t->n_other++) api_path(t->other, "%s.token_logprobs[%zu]", q, j);
        return LS_OK;
    }
    if ((rc = sp_step_begin(c->b, err))) return rc;
    const char *tx;
    size_t n;
    if ((rc = api_plain_text(c, tk->valuestring, &tx, &n, err))) return rc;
    if ((rc = sp_add(c->b, -1, tx, n, v, 1, err))) return rc;
    if (top_null) return LS_OK;
    api_path(r, "%s.top_logprobs[%zu]", q, j);
    if ((rc = api_expect(c, tp, cJSON_Object, "object or null", r, err))) return rc;
    const cJSON *x;
    cJSON_ArrayForEach(x, tp) {
        char xp[API_PATH];
        const char *key = x->string ? x->string : "";
        api_path(xp, "%s.%s", r, key);
        double d;
        if ((rc = api_number(c, x, xp, &d, err))) return rc;
        if ((rc = api_plain_text(c, key, &tx, &n, err))) return rc;
        if ((rc = sp_add(c->b, -1, tx, n, d, 0, err))) return rc;
    }
    return LS_OK;
}

/* Choice ch at p of response `resp` (at pre): its prompt_logprobs, whose
 * recorded tokens are prompt_token_ids, the choice's or else the response's. */
static int load_prompt(struct api_ctx *c, const cJSON *ch, const char *p, const cJSON *resp,
                       const char *pre, struct compl_tally *t, struct ls_error *err)
{
    char q[API_PATH], r[API_PATH];
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(ch, "prompt_logprobs");
    if (!pl || cJSON_IsNull(pl)) return LS_OK;
    api_path(q, "%s.prompt_logprobs", p);
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(ch, "prompt_token_ids");
    api_path(r, "%s.prompt_token_ids", p);
    if (!cJSON_IsArray(ids)) {
        ids = cJSON_GetObjectItemCaseSensitive(resp, "prompt_token_ids");
        api_path(r, "%s%sprompt_token_ids", pre, pre[0] ? "." : "");
    }
    t->n_with++;
    return api_prompt_logprobs(c, pl, q, ids, r, err);
}

/* Choice p: its prompt_logprobs, then its logprobs object. */
static int load_choice(struct api_ctx *c, const cJSON *ch, const char *p, const struct api_item *it,
                       struct compl_tally *t, struct ls_error *err)
{
    char q[API_PATH];
    int rc = api_expect(c, ch, cJSON_Object, "object", p, err);
    if (rc || (rc = load_prompt(c, ch, p, it->node, it->path, t, err))) return rc;
    const cJSON *lp = cJSON_GetObjectItemCaseSensitive(ch, "logprobs"), *toks, *tlp, *top;
    if (!lp || cJSON_IsNull(lp)) {
        if (api_has_text(ch, "text") && !cJSON_GetObjectItemCaseSensitive(ch, "prompt_logprobs")) api_skip(&t->skipped, p, it->line);
        return LS_OK;
    }
    api_path(q, "%s.logprobs", p);
    if ((rc = api_expect(c, lp, cJSON_Object, "object or null", q, err))) return rc;
    if ((rc = check_arrays(c, lp, q, &toks, &tlp, &top, err))) return rc;
    t->n_with++;
    const cJSON *tk;
    struct json_elems ik, il, ip;   /* the parallel arrays, walked together */
    json_elems_begin(&ik, toks);
    json_elems_begin(&il, tlp);
    json_elems_begin(&ip, top);
    for (size_t j = 0; !rc && (tk = json_elems_next(&ik)); j++) {
        const cJSON *tl = json_elems_next(&il), *tp = top ? json_elems_next(&ip) : NULL;
        rc = tl ? load_position(c, tk, tl, tp, q, j, t, err) : LS_OK;
    }
    rc = json_elems_end(&ip, rc, err);
    rc = json_elems_end(&il, rc, err);
    return json_elems_end(&ik, rc, err);
}

static int load_item(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err)
{
    char p[API_PATH];
    const char *pre = it->path;
    int rc = api_expect(c, it->node, cJSON_Object, "object", pre[0] ? pre : "(top level)", err);
    if (rc) return rc;
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(it->node, "choices");
    api_path(p, "%s%schoices", pre, pre[0] ? "." : "");
    if ((rc = api_expect(c, choices, cJSON_Array, "array", p, err))) return rc;
    size_t ci = 0;
    const cJSON *ch;
    struct json_elems ce;
    json_elems_begin(&ce, choices);
    while (!rc && (ch = json_elems_next(&ce))) {
        api_path(p, "%s%schoices[%zu]", pre, pre[0] ? "." : "", ci);
        ci++;
        rc = load_choice(c, ch, p, it, st, err);
    }
    return json_elems_end(&ce, rc, err);
}

/* Legacy shape: the first choice that says has logprobs.tokens & co, or a
 * per-choice prompt_logprobs array (vLLM). */
int openai_completions_sniff(const struct input_probe *p)
{
    return cJSON_IsObject(p->item) && api_choices_shape(p->item) == API_SHAPE_COMPLETIONS;
}

int load_openai_completions(const struct input_job *j, struct source **out, struct ls_error *err)
{
    struct api_ctx c;
    struct compl_tally t = {0};
    int rc = api_load_items(&c, j->ops, j->path, j->docs, load_item, &t, err);
    if (rc) return rc;
    if (!t.n_with) return api_abort(&c, "no choice has logprobs (request logprobs: N)", err);
    api_skip_warn(sp_source(c.b), &t.skipped);
    if (t.n_first)
        source_warn(sp_source(c.b), "%u choices start with a position that has neither a logprob nor "
                    "top_logprobs (an echoed prompt's first token: nothing conditions it); it is not a step", t.n_first);
    if (t.n_other)
        source_warn(sp_source(c.b), "%u positions with neither a logprob nor top_logprobs are not steps "
                    "(the first: %s)", t.n_other, t.other);
    return api_finish(&c, out, err);
}
