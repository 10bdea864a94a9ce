/* load_native_json.c: logitscope's own JSON dump format.
 *
 *   {"vocab": ["<s>", "Hello", ...],            optional, strings
 *    "steps": [{"logits": [V numbers],          required, same V every step
 *               "token": 17,                    optional, chosen id in [0, V)
 *               "text": "Hello"}],              optional, chosen token text
 *    "meta": {...}}                             optional, ignored
 *
 * Masked logits: null, -1e999, or Python's -Infinity. NaN and Infinity are
 * loaded as such and reported per step (the CLI refuses them unless
 * --allow-nonfinite). A finite value outside the float32 range is an error:
 * converting it would be undefined behaviour and silently wrong.
 *
 * The whole dump is held in memory (steps x V floats): JSON inputs are
 * capped in size before parsing, so this is bounded. */
#include "input/source.h"
#include "base/json_util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct native {
    float *logits;       /* n_steps * V */
    int32_t *token;      /* n_steps */
    char **text;         /* n_steps, NULL if none */
    size_t *text_len;
};

static void native_close(struct source *s)
{
    struct native *nv = s->impl;
    if (!nv) return;
    if (nv->text) for (uint32_t i = 0; i < s->n_steps; i++) free(nv->text[i]);
    free(nv->text);
    free(nv->text_len);
    free(nv->logits);
    free(nv->token);
    free(nv);
}

static int native_read(struct source *s, uint32_t step, float *logits,
                       struct step_info *info, struct ls_error *err)
{
    (void)err;
    struct native *nv = s->impl;
    const float *src = nv->logits + (size_t)step * s->vocab_size;
    memcpy(logits, src, (size_t)s->vocab_size * sizeof *logits);
    for (uint32_t i = 0; i < s->vocab_size; i++) {
        if (isnan(src[i])) info->n_nan++;
        else if (isinf(src[i])) { if (src[i] > 0) info->n_posinf++; else info->n_neginf++; }
    }
    info->token = nv->token[step];
    info->text = nv->text[step];
    info->text_len = nv->text_len[step];
    return LS_OK;
}

static const struct source_ops native_ops = { "native", native_read, native_close };

int load_native_json(const char *path, const cJSON *root, const char *buf, size_t len,
                     const struct source_opts *opts, struct source **out, struct ls_error *err)
{
    (void)opts;
    struct json_ctx jc = { buf, len };
    char p[96];
    int rc = json_expect(&jc, root, cJSON_Object, "object", "(top level)", err);
    if (rc) return rc;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    rc = json_expect(&jc, steps, cJSON_Array, "array", "steps", err);
    if (rc) return rc;
    int n = cJSON_GetArraySize(steps);
    if (n <= 0) return ls_fail(err, LS_EDATA, "steps: empty (a dump needs at least one step)");

    struct source *s = source_alloc(&native_ops, path);
    struct native *nv = calloc(1, sizeof *nv);
    if (!s || !nv) { free(nv); source_close(s); return ls_fail(err, LS_ELIMIT, "out of memory"); }
    s->impl = nv;
    s->n_steps = (uint32_t)n;
    nv->token = malloc((size_t)n * sizeof *nv->token);
    nv->text = calloc((size_t)n, sizeof *nv->text);
    nv->text_len = calloc((size_t)n, sizeof *nv->text_len);
    if (!nv->token || !nv->text || !nv->text_len) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }

    uint32_t V = 0, si = 0;
    const cJSON *st;
    cJSON_ArrayForEach(st, steps) {
        snprintf(p, sizeof p, "steps[%u]", si);
        if ((rc = json_expect(&jc, st, cJSON_Object, "object", p, err))) goto fail;
        const cJSON *lg = cJSON_GetObjectItemCaseSensitive(st, "logits");
        snprintf(p, sizeof p, "steps[%u].logits", si);
        if ((rc = json_expect(&jc, lg, cJSON_Array, "array", p, err))) goto fail;
        int nl = cJSON_GetArraySize(lg);
        if (si == 0) {
            if (nl <= 0) { rc = ls_fail(err, LS_EDATA, "%s: empty (need V >= 1 logits)", p); goto fail; }
            if ((uint32_t)nl > LS_MAX_VOCAB) { rc = ls_fail(err, LS_ELIMIT, "%s: %d logits exceeds the limit of %u", p, nl, LS_MAX_VOCAB); goto fail; }
            V = (uint32_t)nl;
            nv->logits = malloc((size_t)n * V * sizeof *nv->logits);
            if (!nv->logits) { rc = ls_fail(err, LS_ELIMIT, "out of memory for %d x %u logits", n, V); goto fail; }
        } else if ((uint32_t)nl != V) {
            rc = ls_fail(err, LS_EDATA, "%s: has %d logits but steps[0] has %u (every step needs the same vocabulary size)", p, nl, V);
            goto fail;
        }
        float *dst = nv->logits + (size_t)si * V;
        uint32_t k = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, lg) {
            if (cJSON_IsNull(v)) dst[k] = -INFINITY;
            else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0) dst[k] = NAN; /* rewritten NaN literal */
            else if (cJSON_IsNumber(v)) {
                double d = v->valuedouble;
                if (isfinite(d) && fabs(d) > FLT_MAX) {
                    char where[64];
                    snprintf(p, sizeof p, "steps[%u].logits[%u]", si, k);
                    json_where(buf, len, p, where, sizeof where);
                    rc = ls_fail(err, LS_EDATA, "%s: %.9g is outside the float32 range%s", p, d, where);
                    goto fail;
                }
                dst[k] = (float)d;
            } else {
                snprintf(p, sizeof p, "steps[%u].logits[%u]", si, k);
                rc = json_expect(&jc, v, cJSON_Number, "number", p, err);
                goto fail;
            }
            k++;
        }
        const cJSON *tok = cJSON_GetObjectItemCaseSensitive(st, "token");
        nv->token[si] = -1;
        if (tok && !cJSON_IsNull(tok)) {
            long t;
            snprintf(p, sizeof p, "steps[%u].token", si);
            if ((rc = json_get_int(&jc, tok, p, 0, (long)V - 1, &t, err))) goto fail;
            nv->token[si] = (int32_t)t;
            s->has_tokens = 1;
        }
        const cJSON *tx = cJSON_GetObjectItemCaseSensitive(st, "text");
        if (tx && !cJSON_IsNull(tx)) {
            snprintf(p, sizeof p, "steps[%u].text", si);
            if ((rc = json_expect(&jc, tx, cJSON_String, "string", p, err))) goto fail;
            nv->text[si] = strdup(tx->valuestring);
            if (!nv->text[si]) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
            nv->text_len[si] = strlen(tx->valuestring);
        }
        si++;
    }
    s->vocab_size = V;

    const cJSON *voc = cJSON_GetObjectItemCaseSensitive(root, "vocab");
    if (voc && !cJSON_IsNull(voc)) {
        if ((rc = json_expect(&jc, voc, cJSON_Array, "array", "vocab", err))) goto fail;
        s->vocab = vocab_new();
        if (!s->vocab) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
        uint32_t vi = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, voc) {
            snprintf(p, sizeof p, "vocab[%u]", vi);
            if ((rc = json_expect(&jc, t, cJSON_String, "string", p, err))) goto fail;
            if (vocab_add(s->vocab, t->valuestring, strlen(t->valuestring)) < 0) {
                rc = ls_fail(err, LS_ELIMIT, "vocab: too many tokens or out of memory");
                goto fail;
            }
            vi++;
        }
        if (s->vocab->n != V)
            source_warn(s, "vocab has %u tokens but the logits have %u; unknown ids show as <id N>", s->vocab->n, V);
    }
    *out = s;
    return LS_OK;
fail:
    source_close(s);
    return rc;
}
