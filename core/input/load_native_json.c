/* load_native_json.c: logitscope's own JSON dump format.
 *
 *   {"vocab": ["<s>", "Hello", ...],            optional, strings
 *    "steps": [{"logits": [V numbers],          required, same V every step
 *               "token": 17,                    optional, chosen id in [0, V)
 *               "text": "Hello"}],              optional, chosen token text
 *    "meta": {...}}                             optional, ignored
 *
 * Masked logits: null, -1e999, or Python's -Infinity. NaN and Infinity are
 * loaded as such and reported per step (the CLI refuses them unless asked
 * to treat them as masked). A finite value outside the float32 range is an error:
 * converting it would be undefined behaviour and silently wrong.
 *
 * The whole dump is held in memory (steps x V floats): JSON inputs are
 * capped in size before parsing, so this is bounded. The logits arrays are
 * read by json_rows.h's scanner before cJSON parses the rest, so the parse
 * peaks near 2-3x the file size instead of 10-16x (README). */
#include "input/source.h"
#include "base/json_util.h"
#include "input/json_docs.h"
#include "input/json_rows.h"
#include "input/loader.h"

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

void native_close(struct source *s)
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

int native_read_step(struct source *s, uint32_t step, float *logits,
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

/* A top-level "steps" key in the text; at the item stage, a response with a
 * steps array (a dump that is not the only value: an error, but a clear one). */
int native_sniff(const struct input_probe *p)
{
    if (p->item) return cJSON_IsObject(p->item) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p->item, "steps"));
    if (!p->text) return 0;
    size_t i = p->text_len >= 3 && !memcmp(p->text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    return json_locate(p->text + i, p->text_len - i, "steps") >= 0;
}

/* One step's logits into dst (V of them, V fixed by step 0). */
static int native_logits(const struct json_ctx *jc, const cJSON *lg, uint32_t si, float *dst,
                         struct ls_error *err)
{
    char p[96];
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
                json_where(jc->buf, jc->len, p, where, sizeof where);
                return ls_fail(err, LS_EDATA, "%s: %.9g is outside the float32 range%s", p, d, where);
            }
            dst[k] = (float)d;
        } else {
            snprintf(p, sizeof p, "steps[%u].logits[%u]", si, k);
            return json_expect(jc, v, cJSON_Number, "number", p, err);
        }
        k++;
    }
    return LS_OK;
}

/* The logits array of step si: V and the storage come from step 0. A
 * blanked (empty) array's values were read by the scanner (json_rows.h). */
static int native_step_logits(struct source *s, const struct json_ctx *jc, const cJSON *st,
                              uint32_t si, uint32_t *V, const struct json_rows *rows, struct ls_error *err)
{
    struct native *nv = s->impl;
    char p[96];
    const cJSON *lg = cJSON_GetObjectItemCaseSensitive(st, "logits");
    snprintf(p, sizeof p, "steps[%u].logits", si);
    int rc = json_expect(jc, lg, cJSON_Array, "array", p, err);
    if (rc) return rc;
    int nl = cJSON_GetArraySize(lg);
    int scanned = nl == 0 && si < rows->n_steps && rows->off[si] != JSON_ROW_NONE;
    if (scanned) nl = rows->len[si] > INT32_MAX ? INT32_MAX : (int)rows->len[si];
    if (si == 0) {
        if (nl <= 0) return ls_fail(err, LS_EDATA, "%s: empty (need V >= 1 logits)", p);
        if ((uint32_t)nl > LS_MAX_VOCAB) return ls_fail(err, LS_ELIMIT, "%s: %d logits exceeds the limit of %u", p, nl, LS_MAX_VOCAB);
        *V = (uint32_t)nl;
        nv->logits = malloc((size_t)s->n_steps * *V * sizeof *nv->logits);
        if (!nv->logits) return ls_fail(err, LS_ELIMIT, "out of memory for %u x %u logits", s->n_steps, *V);
    } else if ((uint32_t)nl != *V) {
        return ls_fail(err, LS_EDATA, "%s: has %d logits but steps[0] has %u (every step needs the same vocabulary size)", p, nl, *V);
    }
    if (scanned) {
        memcpy(nv->logits + (size_t)si * *V, rows->v + rows->off[si], (size_t)*V * sizeof *nv->logits);
        return LS_OK;
    }
    return native_logits(jc, lg, si, nv->logits + (size_t)si * *V, err);
}

/* Step si: logits, then the optional token and text. */
static int native_step(struct source *s, const struct json_ctx *jc, const cJSON *st, uint32_t si,
                       uint32_t *V, const struct json_rows *rows, struct ls_error *err)
{
    struct native *nv = s->impl;
    char p[96];
    snprintf(p, sizeof p, "steps[%u]", si);
    int rc = json_expect(jc, st, cJSON_Object, "object", p, err);
    if (!rc) rc = native_step_logits(s, jc, st, si, V, rows, err);
    if (rc) return rc;
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(st, "token");
    nv->token[si] = -1;
    if (tok && !cJSON_IsNull(tok)) {
        long t;
        snprintf(p, sizeof p, "steps[%u].token", si);
        if ((rc = json_get_int(jc, tok, p, 0, (long)*V - 1, &t, err))) return rc;
        nv->token[si] = (int32_t)t;
        s->has_tokens = 1;
    }
    const cJSON *tx = cJSON_GetObjectItemCaseSensitive(st, "text");
    if (tx && !cJSON_IsNull(tx)) {
        snprintf(p, sizeof p, "steps[%u].text", si);
        if ((rc = json_expect(jc, tx, cJSON_String, "string", p, err))) return rc;
        nv->text[si] = strdup(tx->valuestring);
        if (!nv->text[si]) return ls_oom(err);
        nv->text_len[si] = strlen(tx->valuestring);
    }
    return LS_OK;
}

/* The optional "vocab" array of strings. */
static int native_vocab(struct source *s, const struct json_ctx *jc, const cJSON *root, struct ls_error *err)
{
    const cJSON *voc = cJSON_GetObjectItemCaseSensitive(root, "vocab");
    if (!voc || cJSON_IsNull(voc)) return LS_OK;
    int rc = json_expect(jc, voc, cJSON_Array, "array", "vocab", err);
    if (rc) return rc;
    s->vocab = vocab_new();
    if (!s->vocab) return ls_oom(err);
    uint32_t vi = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, voc) {
        char p[96];
        snprintf(p, sizeof p, "vocab[%u]", vi);
        if ((rc = json_expect(jc, t, cJSON_String, "string", p, err))) return rc;
        if (vocab_add(s->vocab, t->valuestring, strlen(t->valuestring)) < 0)
            return ls_fail(err, LS_ELIMIT, "vocab: too many tokens or out of memory");
        vi++;
    }
    if (s->vocab->n != s->vocab_size)
        source_warn(s, "vocab has %u tokens but the logits have %u; unknown ids show as <id N>", s->vocab->n, s->vocab_size);
    return LS_OK;
}

/* The parsed dump as a source. */
static int native_build(const struct input_job *j, const cJSON *root, const struct json_ctx *jc,
                        const struct json_rows *rows, struct source **out, struct ls_error *err)
{
    int rc = json_expect(jc, root, cJSON_Object, "object", "(top level)", err);
    if (rc) return rc;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    if ((rc = json_expect(jc, steps, cJSON_Array, "array", "steps", err))) return rc;
    int n = cJSON_GetArraySize(steps);
    if (n <= 0) return ls_fail(err, LS_EDATA, "steps: empty (a dump needs at least one step)");
    struct source *s = source_alloc(j->ops, j->path);
    struct native *nv = calloc(1, sizeof *nv);
    if (!s || !nv) { free(nv); source_close(s); return ls_oom(err); }
    s->impl = nv;
    s->n_steps = (uint32_t)n;
    nv->token = malloc((size_t)n * sizeof *nv->token);
    nv->text = calloc((size_t)n, sizeof *nv->text);
    nv->text_len = calloc((size_t)n, sizeof *nv->text_len);
    if (!nv->token || !nv->text || !nv->text_len) rc = ls_oom(err);
    uint32_t V = 0, si = 0;
    const cJSON *st;
    cJSON_ArrayForEach(st, steps) {
        if (rc || (rc = native_step(s, jc, st, si, &V, rows, err))) break;
        si++;
    }
    s->vocab_size = V;
    if (!rc) rc = native_vocab(s, jc, root, err);
    if (rc) { source_close(s); return rc; }
    *out = s;
    return LS_OK;
}

int load_native(const struct input_job *j, struct source **out, struct ls_error *err)
{
    cJSON *root = NULL;
    size_t n_lit = 0;
    struct json_rows rows;
    int rc = json_rows_extract(j->text, j->text_len, &rows, err);
    if (!rc) rc = json_parse(j->text, j->text_len, JSON_LITERALS_REWRITE, &root, &n_lit, err);
    if (rc) {
        if (rc != LS_ELIMIT) json_refine_parse_error(j->text, j->text_len, 0, 0, err);
        json_rows_free(&rows);
        return rc;
    }
    struct json_ctx jc = { j->text, j->text_len };
    rc = native_build(j, root, &jc, &rows, out, err);
    cJSON_Delete(root);
    json_rows_free(&rows);
    return rc;
}
