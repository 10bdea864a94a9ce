/* eval_json.c: JSON validity of the sampled continuations, and schema-lite
 * (required top-level keys). */
#include "eval/eval_impl.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

/* 1 if text[0..len) (NUL at text[len]) is one JSON value with nothing but
 * whitespace after it. A NUL byte inside is never valid JSON. */
static cJSON *parse(const char *text, size_t len)
{
    if (memchr(text, 0, len)) return NULL;
    const char *end = NULL;
    return cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
}

static int sample(const struct eval_run *r, struct eval_acc *a, uint32_t i,
                  const char *text, size_t len, struct ls_error *err)
{
    (void)i; (void)err;
    cJSON *doc = parse(text, len);
    if (!doc) return LS_OK;
    a->n_json_valid++;
    if (r->n_keys && cJSON_IsObject(doc)) {
        int all = 1;
        for (int k = 0; k < r->n_keys && all; k++)
            if (!cJSON_GetObjectItemCaseSensitive(doc, r->keys[k])) all = 0;
        if (all) a->n_json_keys++;
    }
    cJSON_Delete(doc);
    return LS_OK;
}

static int finish(const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)err;
    struct eval_scores *s = &a->sc;
    uint32_t n = a->n_text_samples;
    s->n_json_valid = a->n_json_valid;
    s->n_json_keys = a->n_json_keys;
    s->json_valid_share = s->json_keys_share = NAN;
    s->json_valid_ci[0] = s->json_valid_ci[1] = s->json_keys_ci[0] = s->json_keys_ci[1] = NAN;
    if (!n) return LS_OK;
    s->json_valid_share = (double)a->n_json_valid / n;
    eval_wilson(a->n_json_valid, n, s->json_valid_ci);
    if (r->n_keys) {
        s->json_keys_share = (double)a->n_json_keys / n;
        eval_wilson(a->n_json_keys, n, s->json_keys_ci);
    }
    return LS_OK;
}

const struct evaluator eval_json = {
    "json",
    "json_valid_share json_valid_ci json_valid json_keys_share json_keys_ci",
    "JSON validity: each of the N sampled continuations (one token per step, token bytes "
    "concatenated, ending before the first end-of-generation token, see --stop) is parsed with cJSON (cJSON_ParseWithLengthOpts, require null "
    "terminated: one value, only whitespace after it; a NUL byte makes it invalid). "
    "json_valid_share = valid / N with a Wilson score 95% interval json_valid_ci [lo, hi]. "
    "Schema-lite (--json-keys a,b): json_keys_share = share of continuations that are a "
    "valid JSON object holding every listed top-level key, with its Wilson interval. "
    "Needs a vocabulary (token text).",
    NULL, sample, finish
};
