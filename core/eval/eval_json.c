/* eval_json.c: JSON validity of the sampled continuations, and schema-lite
 * (required top-level keys). */
#include "eval/eval_impl.h"
#include "base/json_prefix.h"
#include "base/json_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* state: the schema-lite keys (a split copy of cfg->json_keys); NULL when
 * no keys were asked for */
struct keys {
    int n;
    const char *k[EVAL_MAX_KEYS];
    char buf[];
};

static int init(const struct eval_config *cfg, void **state, struct ls_error *err)
{
    if (!cfg->json_keys) return LS_OK;
    size_t l = strlen(cfg->json_keys);
    struct keys *ks = malloc(sizeof *ks + l + 1);
    if (!ks) return ls_oom(err);
    ks->n = 0;
    memcpy(ks->buf, cfg->json_keys, l + 1);
    for (char *p = ks->buf;;) {
        char *c = strchr(p, ',');
        if (c) *c = 0;
        int rc = LS_OK;
        if (!*p) rc = ls_fail(err, LS_EUSAGE, "empty key in '%.60s'", cfg->json_keys);
        else if (ks->n >= EVAL_MAX_KEYS) rc = ls_fail(err, LS_EUSAGE, "at most %d keys", EVAL_MAX_KEYS);
        if (rc) { free(ks); return rc; }
        ks->k[ks->n++] = p;
        if (!c) break;
        p = c + 1;
    }
    *state = ks;
    return LS_OK;
}

static void release(void *state)
{
    free(state);
}

/* An invalid continuation i: the step whose token first makes its text
 * impossible to complete as JSON (json_prefix.h), counted in a->json_brk;
 * none (a valid beginning that ends too early) counts as incomplete. The
 * walk is sample_text's (eval.c): token bytes up to the first stop token. */
static void where_it_breaks(const struct eval_run *r, struct eval_acc *a, uint32_t i)
{
    struct json_prefix jp;
    const int32_t *t = a->tokens + (size_t)i * r->n_steps;
    jp_init(&jp);
    for (uint32_t s = 0; s < r->n_steps && !eval_stop_token(r, t[s]); s++) {
        if (t[s] < 0) continue;   /* no token drawn: no bytes, as in sample_text */
        char tmp[32];
        size_t l;
        int known;
        const char *p = vocab_text(r->src->vocab, t[s], tmp, sizeof tmp, &l, &known);
        if (jp_feed(&jp, p, l) < 0) { a->json_brk[s]++; return; }
    }
    a->n_json_incomplete++;
}

static int sample(const void *state, const struct eval_run *r, struct eval_acc *a, uint32_t i,
                  const char *text, size_t len, struct ls_error *err)
{
    (void)err;
    const struct keys *ks = state;
    cJSON *doc = json_value_of(text, len);
    if (!doc) { where_it_breaks(r, a, i); return LS_OK; }
    a->n_json_valid++;
    if (ks && cJSON_IsObject(doc)) {
        int all = 1;
        for (int k = 0; k < ks->n && all; k++)
            if (!cJSON_GetObjectItemCaseSensitive(doc, ks->k[k])) all = 0;
        if (all) a->n_json_keys++;
    }
    cJSON_Delete(doc);
    return LS_OK;
}

/* The EVAL_JSON_BREAKS steps where most invalid continuations break. */
static void breaks_summary(const struct eval_run *r, const struct eval_acc *a, struct eval_scores *s)
{
    s->n_json_breaks = s->n_json_broken = 0;
    s->n_json_incomplete = a->n_json_incomplete;
    for (uint32_t st = 0; st < r->n_steps; st++) {
        uint32_t c = a->json_brk[st];
        if (!c) continue;
        s->n_json_broken += c;
        uint32_t k = s->n_json_breaks < EVAL_JSON_BREAKS ? s->n_json_breaks++ : EVAL_JSON_BREAKS;
        if (k == EVAL_JSON_BREAKS && c <= s->json_break_n[k - 1]) continue;
        if (k == EVAL_JSON_BREAKS) k--;
        /* insertion by count, descending; a later step never passes an equal count */
        while (k > 0 && s->json_break_n[k - 1] < c) {
            s->json_break_n[k] = s->json_break_n[k - 1];
            s->json_break_step[k] = s->json_break_step[k - 1];
            k--;
        }
        s->json_break_n[k] = c;
        s->json_break_step[k] = st;
    }
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)err;
    struct eval_scores *s = &a->sc;
    breaks_summary(r, a, s);
    uint32_t n = a->n_text_samples;
    s->n_json_valid = a->n_json_valid;
    s->n_json_keys = a->n_json_keys;
    s->json_valid_share = s->json_keys_share = NAN;
    s->json_valid_ci[0] = s->json_valid_ci[1] = s->json_keys_ci[0] = s->json_keys_ci[1] = NAN;
    if (!n) return LS_OK;
    s->json_valid_share = (double)a->n_json_valid / n;
    eval_wilson(a->n_json_valid, n, s->json_valid_ci);
    if (state) {
        s->json_keys_share = (double)a->n_json_keys / n;
        eval_wilson(a->n_json_keys, n, s->json_keys_ci);
    }
    return LS_OK;
}

const struct evaluator eval_json = {
    .name = "json",
    .keys = "json_valid_share json_valid_ci json_valid json_breaks json_incomplete json_keys_share json_keys_ci",
    .definition =
    "JSON validity: each of the N sampled continuations (one token per step, token bytes "
    "concatenated, ending before the first end-of-generation token, see --stop) is parsed with cJSON (cJSON_ParseWithLengthOpts, require null "
    "terminated: one value, only whitespace after it; a NUL byte makes it invalid). "
    "json_valid_share = valid / N with a Wilson score 95% interval json_valid_ci [lo, hi]. "
    "Where JSON breaks: for each invalid continuation, the first step whose token makes the text "
    "impossible to complete as JSON (a streaming RFC 8259 syntax check); json_breaks lists the "
    "8 steps where most break, json_incomplete counts the invalid ones that are a valid beginning "
    "ending too early. "
    "Schema-lite (--json-keys a,b): json_keys_share = share of continuations that are a "
    "valid JSON object holding every listed top-level key, with its Wilson interval. "
    "Needs a vocabulary (token text).",
    .field = EVAL_FIELD_JSON_KEYS,
    .init = init,
    .free = release,
    .sample = sample,
    .finish = finish,
};
