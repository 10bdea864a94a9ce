/* token_detail.c: one token at one step (see token_detail.h). */
#include "report/token_detail.h"
#include "base/numfmt.h"
#include "sampling/topn.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int token_detail(const struct report_ctx *c, int32_t id, struct token_detail *d, struct ls_error *err)
{
    const struct chain_result *r = c->res;
    memset(d, 0, sizeof *d);
    if (id < 0 || (uint32_t)id >= r->V)
        return ls_fail(err, LS_EUSAGE, "token %ld is not in the vocabulary (0..%u)", (long)id, r->V - 1);
    d->id = id;
    d->step = c->step;
    d->text = vocab_text(c->src->vocab, id, d->buf, sizeof d->buf, &d->len, &d->known);
    d->rank = chain_rank(r, id);
    d->logit = c->logits[id];
    d->p_raw = r->p_raw[id];
    topn_p_bounds(r, id, &d->p, &d->p_hi);
    d->unlisted = r->cut_by[id] == CUT_UNLISTED;
    d->cut_by = d->unlisted ? NULL : chain_cut_name(r, r->cut_by[id]);
    d->recorded = c->info->token == id;
    return LS_OK;
}

/* "e2 80 a6": the first 40 bytes in hex, then how many more */
static void hex_bytes(char *b, size_t n, const char *t, size_t len)
{
    size_t o = 0, shown = len < 40 ? len : 40;
    b[0] = 0;
    for (size_t i = 0; i < shown && o < n; i++)
        o += (size_t)snprintf(b + o, n - o, "%s%02x", i ? " " : "", (unsigned char)t[i]);
    if (len > shown && o < n) snprintf(b + o, n - o, " (+%zu more)", len - shown);
}

int token_detail_rows(const struct token_detail *d, struct token_detail_row *out, int max)
{
    char pr[16], pf[16];
    int n = 0;
#define ROW(lab, txt, ...) do { if (n < max) { out[n].label = lab; out[n].is_text = txt; \
        snprintf(out[n].value, sizeof out[n].value, __VA_ARGS__); n++; } } while (0)
    ROW("id", 0, "%ld", (long)d->id);
    if (d->known) {
        ROW("text", 1, "%.*s", (int)(d->len < 150 ? d->len : 150), d->text);
    } else ROW("text", 0, "none (no text in the vocabulary)");
    if (d->known && n < max) {
        out[n].label = "bytes";
        out[n].is_text = 0;
        hex_bytes(out[n].value, sizeof out[n].value, d->text, d->len);
        n++;
    }
    ROW("rank", 0, "%u by raw p", d->rank);
    ROW("logit", 0, "%.6g", d->logit);
    if (d->unlisted) {
        ROW("p raw", 0, "unknown: not listed at this step");
        ROW("p final", 0, "unknown");
    } else {
        char ph[16];
        ROW("p raw", 0, "%s", num_prob(pr, sizeof pr, d->p_raw));
        if (d->p_hi > d->p) ROW("p final", 0, "%s-%s (the unknown tail decides)", num_prob(pf, sizeof pf, d->p),
                                num_prob(ph, sizeof ph, d->p_hi));
        else ROW("p final", 0, "%s", num_prob(pf, sizeof pf, d->p));
    }
    if (d->unlisted) ROW("cut by", 0, "unknown");
    else if (d->cut_by) ROW("cut by", 0, "%s", d->cut_by);
    else ROW("cut by", 0, "none: kept");
    ROW("recorded", 0, "%s", d->recorded ? "yes: the step's recorded token" : "no");
#undef ROW
    return n;
}

cJSON *token_detail_json(const struct report_ctx *c, const struct token_detail *d)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "file", c->src->path);
    cJSON_AddNumberToObject(o, "step", d->step);
    cJSON_AddNumberToObject(o, "id", (double)source_file_id(c->src, d->id));
    report_add_text(o, c->src, d->id);
    cJSON_AddNumberToObject(o, "rank", d->rank);
    if (isfinite(d->logit)) cJSON_AddNumberToObject(o, "logit", d->logit);
    else cJSON_AddNullToObject(o, "logit");
    if (d->unlisted) {   /* a top-N step that does not list it */
        cJSON_AddNullToObject(o, "p_raw");
        cJSON_AddNullToObject(o, "p");
        cJSON_AddBoolToObject(o, "listed", 0);
    } else {
        cJSON_AddNumberToObject(o, "p_raw", d->p_raw);
        if (d->p_hi > d->p) {
            cJSON_AddNullToObject(o, "p");
            cJSON *b = cJSON_AddArrayToObject(o, "p_bounds");
            cJSON_AddItemToArray(b, cJSON_CreateNumber(d->p));
            cJSON_AddItemToArray(b, cJSON_CreateNumber(d->p_hi));
        } else cJSON_AddNumberToObject(o, "p", d->p);
    }
    cJSON_AddBoolToObject(o, "kept", d->cut_by == NULL && !d->unlisted);
    if (d->cut_by) cJSON_AddStringToObject(o, "cut_by", d->cut_by);
    else cJSON_AddNullToObject(o, "cut_by");
    cJSON_AddBoolToObject(o, "recorded", d->recorded);
    return o;
}
