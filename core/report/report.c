/* report.c: show documents, JSON and text (see report.h). */
#include "report/report.h"
#include "base/display.h"
#include "sampling/params_table.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LN2 0.69314718055994530942

void report_add_raw_text(cJSON *obj, const char *key, const char *t, size_t len)
{
    char buf[1024];
    disp_escape(t, len, DISP_BACKSLASH, buf, sizeof buf);
    cJSON_AddStringToObject(obj, key, buf);
    if (!disp_is_clean(t, len, 0) || memchr(t, '\\', len)) {
        char bkey[64];
        snprintf(bkey, sizeof bkey, "%s_bytes", key);
        if (!strcmp(key, "text")) snprintf(bkey, sizeof bkey, "bytes");
        cJSON *arr = cJSON_AddArrayToObject(obj, bkey);
        for (size_t i = 0; i < len && arr; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateNumber((unsigned char)t[i]));
    }
}

void report_add_text(cJSON *obj, const struct source *s, int32_t id)
{
    char tmp[32];
    size_t len;
    int known;
    const char *t = vocab_text(s->vocab, id, tmp, sizeof tmp, &len, &known);
    if (known) report_add_raw_text(obj, "text", t, len);
    else cJSON_AddStringToObject(obj, "text", t);
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* The tokens a show document lists: the --top most likely by raw
 * probability (a sparse step: its known tokens only). Caller frees. */
static int32_t *top_ids(const struct report_ctx *c, uint32_t *n)
{
    const struct chain_result *r = c->res;
    uint32_t want = c->top < 0 ? r->V : (uint32_t)(c->top < (long)r->V ? c->top : (long)r->V);
    if (c->info->sparse && want > c->info->n_known) want = c->info->n_known;
    int32_t *ids = malloc((size_t)(want ? want : 1) * sizeof *ids);
    if (ids) *n = chain_top_raw(r, want, ids);
    return ids;
}

/* A token's chain outcome, as the recorded token and every listed token
 * carry it: final p, kept, the stage that cut it. */
static void add_outcome(cJSON *o, const struct chain_result *r, int32_t id)
{
    cJSON_AddNumberToObject(o, "p", r->p[id]);
    cJSON_AddBoolToObject(o, "kept", r->cut_by[id] == CUT_NONE);
    const char *cb = chain_cut_name(r, r->cut_by[id]);
    cJSON_AddItemToObject(o, "cut_by", cb ? cJSON_CreateString(cb) : cJSON_CreateNull());
}

void report_add_source_json(cJSON *d, const struct source *s, long step)
{
    char buf[1024];
    disp_escape(s->path, strlen(s->path), DISP_BACKSLASH, buf, sizeof buf);
    cJSON_AddStringToObject(d, "file", buf);
    cJSON_AddStringToObject(d, "format", s->ops->format);
    if (step >= 0) cJSON_AddNumberToObject(d, "step", (double)step);
    cJSON_AddNumberToObject(d, "steps", s->n_steps);
    cJSON_AddNumberToObject(d, "vocab_size", s->vocab_size);
}

void report_add_chain_json(cJSON *d, const struct chain *ch, const struct params *p)
{
    cJSON_AddStringToObject(d, "preset", preset_name(ch->preset));
    cJSON_AddStringToObject(d, "mode", chain_mode_name(ch));
    cJSON *arr = cJSON_AddArrayToObject(d, "chain");
    for (int i = 0; i < ch->n; i++) cJSON_AddItemToArray(arr, cJSON_CreateString(stage_name(ch->order[i])));
    if (!p) return;
    cJSON *pa = cJSON_AddObjectToObject(d, "params");
    /* keys from the parameter table: temperature, top_k, top_p, min_p */
    for (int i = 0; i < PARAM__COUNT; i++)
        cJSON_AddNumberToObject(pa, param_def((enum param_id)i)->key, param_get(p, (enum param_id)i));
}

/* DECIDED_* bits as words, for JSON and text */
static const char *const decided_words[] = { "tie order", "float32 rounding", "llama.cpp would mis-sort this step" };

static void add_decided_json(cJSON *o, unsigned bits)
{
    if (!bits) return;
    cJSON *a = cJSON_AddArrayToObject(o, "decided_by");
    for (int b = 0; b < 3; b++) if (bits & (1u << b)) cJSON_AddItemToArray(a, cJSON_CreateString(decided_words[b]));
}

void report_chain_text(FILE *f, const struct chain *ch, const struct params *p, const uint64_t *seed)
{
    char order[256];
    chain_format(ch, order, sizeof order);
    fprintf(f, "chain %s: %s\nmode: %s\n", preset_name(ch->preset), order, chain_mode_text(ch));
    if (!p) return;
    fprintf(f, "params: temperature %.9g  top-k %d  top-p %.9g  min-p %.9g", p->temperature, (int)p->top_k,
            p->top_p, p->min_p);
    if (seed) fprintf(f, "  seed %llu", (unsigned long long)*seed);
    /* the other parameters only when they differ from their off values */
    const struct params off = PARAMS_OFF;
    int any = 0;
    for (int i = PARAM_MIN_P + 1; i < PARAM__COUNT; i++) {
        double v = param_get(p, (enum param_id)i);
        if (v == param_get(&off, (enum param_id)i)) continue;
        fprintf(f, "%s%s %.9g", any++ ? "  " : "\nmore params: ", param_name((enum param_id)i), v);
    }
    fputc('\n', f);
}

static void decided_text(FILE *f, const struct chain_result *r)
{
    for (int i = 0; i < r->n_stages; i++) {
        unsigned bits = r->stages[i].decided;
        for (int b = 0; b < 3; b++)
            if (bits & (1u << b))
                fprintf(f, "decided: %s: %s%s\n", stage_name(r->stages[i].kind), b == 2 ? "" : "only by ",
                        decided_words[b]);
    }
}

static void add_stages(cJSON *d, const struct chain_result *r)
{
    cJSON *st = cJSON_AddArrayToObject(d, "stages");
    for (int i = 0; i < r->n_stages; i++) {
        const struct stage_report *sr = &r->stages[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", stage_name(sr->kind));
        cJSON_AddBoolToObject(o, "active", sr->active);
        cJSON_AddNumberToObject(o, "kept_in", sr->kept_in);
        cJSON_AddNumberToObject(o, "kept_out", sr->kept_out);
        cJSON_AddNumberToObject(o, "mass_removed", sr->mass_removed);
        cJSON_AddNumberToObject(o, "raw_mass_removed", sr->raw_mass_removed);
        add_decided_json(o, sr->decided);
        cJSON_AddItemToArray(st, o);
    }
}

cJSON *report_show_json(const struct report_ctx *c)
{
    const struct chain_result *r = c->res;
    const struct source *s = c->src;
    cJSON *d = cJSON_CreateObject();
    if (!d) return NULL;
    report_add_source_json(d, s, c->step);
    report_add_chain_json(d, c->chain, c->params);
    cJSON_AddNumberToObject(d, "seed", (double)c->seed);
    add_stages(d, r);
    cJSON_AddNumberToObject(d, "kept", r->n_kept);
    cJSON_AddNumberToObject(d, "candidates", r->n_finite);
    cJSON_AddNumberToObject(d, "entropy_nats_before", r->entropy_before);
    cJSON_AddNumberToObject(d, "entropy_bits_before", r->entropy_before / LN2);
    cJSON_AddNumberToObject(d, "entropy_nats_after", r->entropy_after);
    cJSON_AddNumberToObject(d, "entropy_bits_after", r->entropy_after / LN2);
    cJSON_AddNumberToObject(d, "exp_entropy_before", exp(r->entropy_before));
    cJSON_AddNumberToObject(d, "exp_entropy_after", exp(r->entropy_after));
    cJSON_AddNumberToObject(d, "retained_mass", r->retained_mass);
    cJSON_AddNumberToObject(d, "effective_temperature", r->effective_temperature);
    cJSON_AddBoolToObject(d, "greedy", r->greedy);
    cJSON *nf = cJSON_AddObjectToObject(d, "nonfinite");
    cJSON_AddNumberToObject(nf, "nan", r->n_nan);
    cJSON_AddNumberToObject(nf, "posinf", r->n_posinf);
    cJSON_AddNumberToObject(nf, "neginf", r->n_neginf);
    cJSON_AddNumberToObject(nf, "total", r->n_nan + r->n_posinf + r->n_neginf);
    cJSON_AddBoolToObject(d, "approximate", c->info->sparse);
    if (c->info->sparse) cJSON_AddNumberToObject(d, "tail_mass", c->info->tail_mass);
    if (s->post_sampling) cJSON_AddBoolToObject(d, "post_sampling", 1);
    if (r->note[0]) cJSON_AddStringToObject(d, "note", r->note);
    add_decided_json(d, r->decided);
    int32_t tok = c->info->token;
    if (tok >= 0 && (uint32_t)tok < r->V) {
        cJSON *rec = cJSON_AddObjectToObject(d, "recorded");
        cJSON_AddNumberToObject(rec, "id", tok);
        report_add_text(rec, s, tok);
        cJSON_AddNumberToObject(rec, "rank", chain_rank(r, tok));
        cJSON_AddNumberToObject(rec, "p_raw", r->p_raw[tok]);
        add_outcome(rec, r, tok);
    } else {
        cJSON_AddNullToObject(d, "recorded");
    }
    uint32_t n;
    int32_t *ids = top_ids(c, &n);
    if (!ids) { cJSON_Delete(d); return NULL; }
    cJSON *toks = cJSON_AddArrayToObject(d, "tokens");
    for (uint32_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", id);
        report_add_text(o, s, id);
        cJSON_AddItemToObject(o, "logit", num_or_null((double)c->logits[id]));
        cJSON_AddNumberToObject(o, "p_raw", r->p_raw[id]);
        add_outcome(o, r, id);
        cJSON_AddItemToArray(toks, o);
    }
    free(ids);
    return d;
}

void report_token_cell(const struct source *s, int32_t id, unsigned disp, int cols, char *out, size_t outsz)
{
    char tmp[32];
    size_t len;
    int known, used;
    const char *t = vocab_text(s->vocab, id, tmp, sizeof tmp, &len, &known);
    disp_fit(t, len, known ? (disp | DISP_TOKEN) : disp, cols, out, outsz, &used);
    /* pad to the column width (display columns, not bytes) */
    size_t o = strlen(out);
    while (used < cols && o + 1 < outsz) { out[o++] = ' '; used++; }
    out[o] = 0;
}

void report_show_text(FILE *f, const struct report_ctx *c, unsigned disp)
{
    const struct chain_result *r = c->res;
    const struct source *s = c->src;
    char buf[512];
    disp_escape(s->path, strlen(s->path), disp, buf, sizeof buf);
    fprintf(f, "%s  step %u of %u  V=%u  format %s\n", buf, c->step, s->n_steps, s->vocab_size, s->ops->format);
    report_chain_text(f, c->chain, c->params, &c->seed);
    if (r->note[0]) fprintf(f, "note: %s\n", r->note);
    decided_text(f, r);
    if (c->info->sparse)
        fprintf(f, "APPROXIMATE: this step holds only the top %u tokens (unknown tail mass %.6f); "
                "results are recomputed over them\n", c->info->n_known, c->info->tail_mass);
    if (s->post_sampling)
        fprintf(f, "POST-SAMPLING: the file holds probabilities after its sampler chain, not the model's raw distribution\n");
    if (r->n_nan + r->n_posinf + (c->info->sparse ? 0 : r->n_neginf)) /* sparse: -inf = unknown tail */
        fprintf(f, "non-finite logits: %u NaN, %u +inf, %u -inf (masked)\n", r->n_nan, r->n_posinf, r->n_neginf);
    fprintf(f, "\n%-12s %8s %8s %14s %14s\n", "stage", "in", "out", "mass removed", "raw removed");
    for (int i = 0; i < r->n_stages; i++) {
        const struct stage_report *sr = &r->stages[i];
        fprintf(f, "%-12s %8u %8u %14.6f %14.6f%s\n", stage_name(sr->kind), sr->kept_in, sr->kept_out,
                sr->mass_removed, sr->raw_mass_removed, sr->active ? "" : "  (off)");
    }
    fprintf(f, "\nkept %u of %u  retained mass %.6f\n", r->n_kept, r->n_finite, r->retained_mass);
    fprintf(f, "entropy %.6f -> %.6f nats (%.6f -> %.6f bits)  exp(H) %.3f -> %.3f\n",
            r->entropy_before, r->entropy_after, r->entropy_before / LN2, r->entropy_after / LN2,
            exp(r->entropy_before), exp(r->entropy_after));
    int32_t tok = c->info->token;
    if (tok >= 0 && (uint32_t)tok < r->V) {
        report_token_cell(s, tok, disp, 24, buf, sizeof buf);
        const char *cb = chain_cut_name(r, r->cut_by[tok]);
        fprintf(f, "recorded token %d %s rank %u  p_raw %.6f  p %.6f%s%s\n", tok, buf, chain_rank(r, tok),
                r->p_raw[tok], r->p[tok], cb ? "  cut by " : "", cb ? cb : "");
    }
    uint32_t n;
    int32_t *ids = top_ids(c, &n);
    if (!ids) return;
    fprintf(f, "\n%5s %8s  %-24s %12s %10s %10s  %s\n", "rank", "id", "token", "logit", "p_raw", "p", "cut by");
    for (uint32_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        const char *cb = chain_cut_name(r, r->cut_by[id]);
        report_token_cell(s, id, disp, 24, buf, sizeof buf);
        fprintf(f, "%5u %8d  %s %12.6g %10.6f %10.6f  %s\n", i + 1, id, buf, (double)c->logits[id],
                r->p_raw[id], r->p[id], cb ? cb : "-");
    }
    free(ids);
}
