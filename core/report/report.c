/* report.c: show documents, JSON and text (see report.h). */
#include "report/report.h"
#include "base/json_util.h"
#include "base/display.h"
#include "sampling/params_table.h"
#include "sampling/topn.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LN2 0.69314718055994530942

/* Length of the valid UTF-8 sequence at t[0..n) (no overlongs, surrogates
 * or NUL), 0 if the bytes there are not one. */
static size_t utf8_seq(const unsigned char *t, size_t n)
{
    unsigned c = t[0];
    size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!k || k > n || c == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4) return 0;
    for (size_t i = 1; i < k; i++) if ((t[i] & 0xC0) != 0x80) return 0;
    if (k == 3 && ((c == 0xE0 && t[1] < 0xA0) || (c == 0xED && t[1] >= 0xA0))) return 0;
    if (k == 4 && ((c == 0xF0 && t[1] < 0x90) || (c == 0xF4 && t[1] >= 0x90))) return 0;
    return k;
}

/* The exact text when it is valid UTF-8 without NUL (returns 1); else the
 * text with each undecodable byte as U+FFFD (returns 0). Caller frees *out. */
static int json_text(const char *t, size_t len, char **out)
{
    char *o = malloc(len * 3 + 1);
    size_t w = 0;
    int clean = 1;
    if (!o) { *out = NULL; return 0; }
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq((const unsigned char *)t + i, len - i);
        if (k) { memcpy(o + w, t + i, k); w += k; i += k; continue; }
        memcpy(o + w, "\xEF\xBF\xBD", 3);
        w += 3;
        i++;
        clean = 0;
    }
    o[w] = 0;
    *out = o;
    return clean;
}

void report_add_raw_text(cJSON *obj, const char *key, const char *t, size_t len)
{
    char *txt;
    int clean = json_text(t, len, &txt);
    cJSON_AddStringToObject(obj, key, txt ? txt : "");
    free(txt);
    if (clean) return;
    char bkey[64];
    snprintf(bkey, sizeof bkey, "%s_bytes", key);
    if (!strcmp(key, "text")) snprintf(bkey, sizeof bkey, "bytes");
    cJSON *arr = cJSON_AddArrayToObject(obj, bkey);
    for (size_t i = 0; i < len && arr; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((unsigned char)t[i]));
}

/* Bytes at t of a code point a terminal may act on that cJSON prints raw:
 * DEL, the C1 controls, and the bidirectional controls (which reorder what
 * follows on screen). Returns its length and *cp, or 0. */
static size_t unsafe_cp(const unsigned char *t, unsigned *cp)
{
    if (t[0] == 0x7F) { *cp = 0x7F; return 1; }
    if (t[0] == 0xC2 && t[1] >= 0x80 && t[1] <= 0x9F) { *cp = t[1]; return 2; }
    if (t[0] == 0xD8 && t[1] == 0x9C) { *cp = 0x061C; return 2; }
    if (t[0] != 0xE2 || !t[1] || !t[2]) return 0;
    unsigned c = 0x2000 + ((t[1] & 0x3Fu) << 6) + (t[2] & 0x3Fu);
    if (c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
        *cp = c;
        return 3;
    }
    return 0;
}

char *report_json_print(const cJSON *doc)
{
    char *txt = cJSON_Print(doc);
    if (!txt) return NULL;
    /* such code points occur only inside strings, where \u escapes them:
     * the decoded text stays exact */
    size_t n = strlen(txt), extra = 0, k;
    unsigned cp;
    for (size_t i = 0; i < n; i++) if (unsafe_cp((const unsigned char *)txt + i, &cp)) extra += 6;
    if (!extra) return txt;
    char *o = cJSON_malloc(n + extra + 1);   /* callers free with cJSON_free */
    size_t w = 0;
    for (size_t i = 0; o && i < n; i++) {
        if ((k = unsafe_cp((const unsigned char *)txt + i, &cp))) {
            w += (size_t)sprintf(o + w, "\\u%04x", cp);
            i += k - 1;
        } else {
            o[w++] = txt[i];
        }
    }
    if (o) o[w] = 0;
    cJSON_free(txt);
    return o;
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

/* 1 if a final probability interval is a single value. */
static int is_point(double lo, double hi)
{
    return hi - lo <= 1e-12 * (hi > 1 ? hi : 1);
}

/* "p" (the true final probability, null when the unknown tail leaves it
 * open), and on a top-N step "p_bounds" [lo, hi] and "p_draw" (the share
 * among the kept listed tokens, what draws use). */
static void add_final_p(cJSON *o, const struct chain_result *r, double lo, double hi, double draw)
{
    if (is_point(lo, hi)) cJSON_AddNumberToObject(o, "p", lo);
    else cJSON_AddNullToObject(o, "p");
    if (!r->topn.sparse) return;
    cJSON *b = cJSON_AddArrayToObject(o, "p_bounds");
    cJSON_AddItemToArray(b, cJSON_CreateNumber(lo));
    cJSON_AddItemToArray(b, cJSON_CreateNumber(hi));
    if (draw >= 0) cJSON_AddNumberToObject(o, "p_draw", draw);
}

/* A token's chain outcome, as the recorded token and every listed token
 * carry it: final p, kept, the stage that cut it. */
static void add_outcome(cJSON *o, const struct chain_result *r, int32_t id)
{
    double lo, hi;
    topn_p_bounds(r, id, &lo, &hi);
    add_final_p(o, r, lo, hi, r->p[id]);
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

/* "exact" and, on a top-N step, "tail_mass", "bounded_by",
 * "unknown_stages" (when a stage's result is unknown) and the
 * "(other tokens)" row as "tail". */
static void add_topn_json(cJSON *d, const struct chain_result *r)
{
    const struct topn_bounds *b = &r->topn;
    cJSON_AddBoolToObject(d, "exact", !b->sparse || b->exact);
    if (!b->sparse) return;
    cJSON_AddNumberToObject(d, "tail_mass", b->tail_raw);
    if (b->why[0]) cJSON_AddStringToObject(d, "bounded_by", b->why);
    if (b->open_stages) {   /* the stages whose result the step leaves unknown (topn.h) */
        cJSON *u = cJSON_AddArrayToObject(d, "unknown_stages");
        for (int k = 0; k < r->n_stages; k++)
            if (b->open_stages & (1u << k)) cJSON_AddItemToArray(u, cJSON_CreateString(stage_name(r->stages[k].kind)));
    }
    cJSON *rb = cJSON_AddArrayToObject(d, "retained_mass_bounds");
    cJSON_AddItemToArray(rb, cJSON_CreateNumber(b->retained_lo));
    cJSON_AddItemToArray(rb, cJSON_CreateNumber(b->retained_hi));
    cJSON *t = cJSON_AddObjectToObject(d, "tail");
    double lo, hi;
    topn_tail_bounds(r, &lo, &hi);
    cJSON_AddStringToObject(t, "text", "(other tokens)");
    cJSON_AddNumberToObject(t, "p_raw", b->tail_raw);
    add_final_p(t, r, lo, hi, -1);
    cJSON_AddBoolToObject(t, "kept", b->tail_kept);
    const char *cb = b->tail_cut_by ? chain_cut_name(r, b->tail_cut_by) : NULL;
    cJSON_AddItemToObject(t, "cut_by", cb ? cJSON_CreateString(cb) : cJSON_CreateNull());
}

cJSON *report_show_json(const struct report_ctx *c)
{
    const struct chain_result *r = c->res;
    const struct source *s = c->src;
    cJSON *d = cJSON_CreateObject();
    if (!d) return NULL;
    struct chain ran;   /* the mode that ran: a top-N step is always exact (topn.h) */
    topn_chain(c->chain, r->topn.sparse, &ran);
    report_add_source_json(d, s, c->step);
    report_add_chain_json(d, &ran, c->params);
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
    add_topn_json(d, r);
    if (s->post_sampling) cJSON_AddBoolToObject(d, "post_sampling", 1);
    if (r->note[0]) cJSON_AddStringToObject(d, "note", r->note);
    add_decided_json(d, r->decided);
    int32_t tok = c->info->token;
    if (tok >= 0 && (uint32_t)tok < r->V) {
        cJSON *rec = cJSON_AddObjectToObject(d, "recorded");
        cJSON_AddNumberToObject(rec, "id", (double)source_file_id(s, tok));
        report_add_text(rec, s, tok);
        if (r->cut_by[tok] == CUT_UNLISTED) {
            /* a top-N step that does not list its own recorded token */
            cJSON_AddBoolToObject(rec, "listed", 0);
            cJSON_AddNullToObject(rec, "p_raw");
            cJSON_AddNullToObject(rec, "p");
        } else {
            cJSON_AddNumberToObject(rec, "rank", chain_rank(r, tok));
            cJSON_AddNumberToObject(rec, "p_raw", r->p_raw[tok]);
            add_outcome(rec, r, tok);
        }
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
        cJSON_AddNumberToObject(o, "id", (double)source_file_id(s, id));
        report_add_text(o, s, id);
        cJSON_AddItemToObject(o, "logit", json_num((double)c->logits[id]));
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

/* A final probability cell: the value, or [lo,hi] when the unknown tail
 * of a top-N step leaves it open. */
static void fmt_final(char *b, size_t n, const struct chain_result *r, double lo, double hi)
{
    (void)r;
    if (is_point(lo, hi)) snprintf(b, n, "%.6f", lo);
    else snprintf(b, n, "[%.6f,%.6f]", lo, hi);
}

static void token_final(char *b, size_t n, const struct chain_result *r, int32_t id)
{
    double lo, hi;
    topn_p_bounds(r, id, &lo, &hi);
    fmt_final(b, n, r, lo, hi);
}

/* What a top-N step's numbers rest on (text). */
static void topn_head_text(FILE *f, const struct chain_result *r, const struct chain *ch)
{
    const struct topn_bounds *b = &r->topn;
    fprintf(f, "top-N step: %u tokens listed with the file's own probabilities; the other tokens are unknown "
            "(mass %.6f)\n", b->n_listed, b->tail_raw);
    if (!chain_is_exact(ch))
        fprintf(f, "computed exactly (double precision): the %s system arithmetic is not emulated on a top-N step\n",
                preset_name(ch->preset));
    if (!b->n_listed) {   /* topn.c's empty step: the tail is everything */
        fprintf(f, "nothing listed: the whole mass is the unknown tail; nothing can be drawn at this step\n");
        return;
    }
    if (b->exact) fprintf(f, "exact: every result below is decided by the listed tokens\n");
    else if (b->open_stages)
        fprintf(f, "unknown: %s; nothing is cut from there on and final probabilities are only known to lie in "
                "[0,1]\n", b->why);
    else fprintf(f, "bounded: %s; values it leaves open are shown as [lo,hi]\n", b->why);
    if (b->tail_kept) fprintf(f, "draws come from the kept listed tokens only\n");
}

/* The header: file, chain, parameters and what the numbers rest on. */
static void show_head_text(FILE *f, const struct report_ctx *c, unsigned disp)
{
    const struct chain_result *r = c->res;
    const struct source *s = c->src;
    char buf[512];
    disp_escape(s->path, strlen(s->path), disp, buf, sizeof buf);
    fprintf(f, "%s  step %u of %u  V=%u  format %s\n", buf, c->step, s->n_steps, s->vocab_size, s->ops->format);
    struct chain ran;   /* the mode that ran: a top-N step is always exact (topn.h) */
    topn_chain(c->chain, r->topn.sparse, &ran);
    report_chain_text(f, &ran, c->params, &c->seed);
    if (r->note[0]) fprintf(f, "note: %s\n", r->note);
    decided_text(f, r);
    if (r->topn.sparse) topn_head_text(f, r, c->chain);
    if (s->post_sampling)
        fprintf(f, "POST-SAMPLING: the file holds probabilities after its sampler chain, not the model's raw distribution\n");
    if (r->n_nan + r->n_posinf + r->n_neginf)
        fprintf(f, "non-finite logits: %u NaN, %u +inf, %u -inf (masked)\n", r->n_nan, r->n_posinf, r->n_neginf);
    fprintf(f, "\n%-12s %8s %8s %14s %14s\n", "stage", "in", "out", "mass removed", "raw removed");
    for (int i = 0; i < r->n_stages; i++) {
        const struct stage_report *sr = &r->stages[i];
        fprintf(f, "%-12s %8u %8u %14.6f %14.6f%s\n", stage_name(sr->kind), sr->kept_in, sr->kept_out,
                sr->mass_removed, sr->raw_mass_removed,
                !sr->active ? "  (off)" : r->topn.open_stages & (1u << i) ? "  (unknown on this step)" : "");
    }
}

/* Kept count, retained mass and entropy. */
static void show_summary_text(FILE *f, const struct chain_result *r)
{
    const struct topn_bounds *b = &r->topn;
    char ret[64];
    if (b->sparse) fmt_final(ret, sizeof ret, r, b->retained_lo, b->retained_hi);
    else snprintf(ret, sizeof ret, "%.6f", r->retained_mass);
    fprintf(f, "\nkept %u of %u%s  retained mass %s\n", r->n_kept, r->n_finite, b->sparse ? " listed" : "", ret);
    fprintf(f, "entropy %.6f -> %.6f nats (%.6f -> %.6f bits)  exp(H) %.3f -> %.3f%s\n",
            r->entropy_before, r->entropy_after, r->entropy_before / LN2, r->entropy_after / LN2,
            exp(r->entropy_before), exp(r->entropy_after), b->sparse ? "  (listed tokens only)" : "");
}

/* The (other tokens) row of a top-N step. */
static void tail_row_text(FILE *f, const struct chain_result *r, int pw)
{
    const struct topn_bounds *b = &r->topn;
    double lo, hi;
    char fin[64];
    topn_tail_bounds(r, &lo, &hi);
    fmt_final(fin, sizeof fin, r, lo, hi);
    const char *cb = b->tail_cut_by ? chain_cut_name(r, b->tail_cut_by) : NULL;
    fprintf(f, "%5s %8s  %-24s %12s %10.6f %*s  %s\n", "-", "-", "(other tokens)", "-", b->tail_raw, pw, fin,
            cb ? cb : "-");
}

void report_show_text(FILE *f, const struct report_ctx *c, unsigned disp)
{
    const struct chain_result *r = c->res;
    const struct source *s = c->src;
    char buf[512], fin[64];
    int pw = r->topn.sparse && !r->topn.exact ? 19 : 10;
    show_head_text(f, c, disp);
    show_summary_text(f, r);
    int32_t tok = c->info->token;
    if (tok >= 0 && (uint32_t)tok < r->V) {
        report_token_cell(s, tok, disp, 24, buf, sizeof buf);
        const char *cb = chain_cut_name(r, r->cut_by[tok]);
        token_final(fin, sizeof fin, r, tok);
        if (r->cut_by[tok] == CUT_UNLISTED)
            fprintf(f, "recorded token %lld %s not listed at this step: its p_raw and p are unknown\n",
                    (long long)source_file_id(s, tok), buf);
        else
        fprintf(f, "recorded token %lld %s rank %u  p_raw %.6f  p %s%s%s\n", (long long)source_file_id(s, tok), buf, chain_rank(r, tok),
                r->p_raw[tok], fin, cb ? "  cut by " : "", cb ? cb : "");
    }
    uint32_t n;
    int32_t *ids = top_ids(c, &n);
    if (!ids) return;
    fprintf(f, "\n%5s %8s  %-24s %12s %10s %*s  %s\n", "rank", "id", "token", "logit", "p_raw", pw, "p", "cut by");
    for (uint32_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        const char *cb = chain_cut_name(r, r->cut_by[id]);
        report_token_cell(s, id, disp, 24, buf, sizeof buf);
        token_final(fin, sizeof fin, r, id);
        fprintf(f, "%5u %8lld  %s %12.6g %10.6f %*s  %s\n", i + 1, (long long)source_file_id(s, id), buf, (double)c->logits[id],
                r->p_raw[id], pw, fin, cb ? cb : "-");
    }
    free(ids);
    if (r->topn.sparse) tail_row_text(f, r, pw);
}
