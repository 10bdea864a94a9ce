/* eval_report.c: the score table (eval_report.h) and its renderings: JSON
 * keys, the aligned text table, the sweep columns and the explorer's panel
 * rows; the evaluator definitions as JSON and wrapped text. */
#include "report/eval_report.h"
#include "base/display.h"
#include "base/json_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* --- the table ------------------------------------------------------------ */

enum kind { K_NUM, K_U32, K_U64, K_BOOL, K_CI, K_BREAKS };
/* when a score applies */
enum {
    NEED_TEXT = 1,       /* a vocabulary (token text) */
    NEED_REGEX = 2,      /* --regex given */
    NEED_KEYS = 4,       /* --json-keys given */
    NONZERO = 8,         /* JSON: left out while 0 */
    NEED_REF = 16,       /* a reference answer (dataset rows) */
    NEED_EXP = 32,       /* an expected list (dataset rows) */
    OMIT = 64            /* JSON: left out (not null) unless it applies */
};

typedef void detail_fn(char *b, size_t n, const struct eval_config *cfg, const struct eval_scores *s);
/* writes the panel value; returns its hint, or -1 for no row */
typedef int row_fn(char *b, size_t n, const struct eval_scores *s);

struct desc {
    const char *key;
    int kind;
    size_t off;                  /* in struct eval_scores */
    int json_need;               /* null (or left out) unless it applies */
    detail_fn *text;             /* the eval text table's detail (NULL: no row) */
    int text_need;               /* left out unless cfg asks; "-" without text */
    const char *sweep;           /* sweep column head (NULL: none) */
    int share;                   /* sweep: a share in [0, 1] */
    const char *chart;           /* sweep: chart title in words */
    const char *label;           /* panel row label (NULL: none) */
    int panel;                   /* panel position, most telling first */
    row_fn *row;
};

#define F(x) offsetof(struct eval_scores, x)
#define P(...) snprintf(b, n, __VA_ARGS__)

static void d_ppl_raw(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    char se[48] = "", masked[64] = "";
    if (isfinite(s->perplexity_raw_se)) snprintf(se, sizeof se, "+/- %.6g; ", s->perplexity_raw_se);
    /* on a top-N file a recorded token without a logprob is one it does not list */
    if (s->n_raw_masked)
        snprintf(masked, sizeof masked, s->n_topn ? " (%u more not listed: p unknown)" : " (%u more masked: -inf logit)",
                 s->n_raw_masked);
    P("%s%u recorded tokens%s, %s", se, s->n_recorded - s->n_raw_masked, masked,
      s->post_sampling ? "POST-SAMPLING probabilities (not the model's fit)"
      : s->n_topn ? "the file's log-probabilities (model fit)" : "raw logits (model fit)");
}
/* "0.4 bits", or "-" as the value column says when there is no value
 * (no scored tokens): never "nan bits" */
static void bits(char *b, size_t n, double v)
{
    if (isfinite(v)) P("%.6g bits", v);
    else P("-");
}
static void d_nll_raw(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; bits(b, n, s->nll_raw_bits); }
static void d_bpb(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    P("%llu bytes of recorded text%s", (unsigned long long)s->recorded_bytes,
      isfinite(s->bits_per_byte) ? "" : " (token bytes unknown)");
}
static void d_ppl_chain(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    char unk[48] = "";
    if (s->n_chain_unknown) snprintf(unk, sizeof unk, " (%u with p unknown: not listed)", s->n_chain_unknown);
    P("over %u uncut of %u recorded tokens%s", s->n_uncut, s->n_recorded, unk);
}
static void d_nll_chain(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; bits(b, n, s->nll_chain_bits); }
static void d_cut(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    char unk[48] = "";
    if (s->n_chain_unknown) snprintf(unk, sizeof unk, "; %u with p unknown (not listed)", s->n_chain_unknown);
    P("%u of %u recorded tokens have p = 0 under the chain%s", s->n_cut, s->n_recorded, unk);
}
static void d_top1(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; (void)s; P("greedy token == recorded token"); }
static void d_entropy(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; P("final distribution (raw: %.6g)", s->mean_entropy_raw_nats); }
static void d_kept(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; (void)s; P("tokens kept per step"); }
static void d_clip(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    P("%llu of %llu logits non-finite or |z| > %g, in %u steps", (unsigned long long)s->n_clipped,
      (unsigned long long)s->n_logits_checked, c->clip_threshold, s->n_clipped_steps);
}
static void d_json(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    P("95%% CI [%.4f, %.4f]; %u of %u continuations", s->json_valid_ci[0], s->json_valid_ci[1],
      s->n_json_valid, s->n_samples);
}
/* "step 3: 40, step 5: 12 (12 more invalid ones end too early)" */
static void breaks_text(char *b, size_t n, const struct eval_scores *s, const char *sep, int paren)
{
    size_t o = 0;
    b[0] = 0;
    for (uint32_t k = 0; k < s->n_json_breaks && o + 24 < n; k++)
        o += (size_t)snprintf(b + o, n - o, paren ? "%sstep %u (%u)" : "%sstep %u: %u", k ? sep : "",
                              s->json_break_step[k], s->json_break_n[k]);
    if (s->n_json_incomplete && o + 8 < n)
        snprintf(b + o, n - o, "%s%u end too early", o ? sep : "", s->n_json_incomplete);
}
static void d_breaks(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    char t[200];
    breaks_text(t, sizeof t, s, ", ", 0);
    P("invalid continuations by the step whose token breaks them: %s", s->n_json_broken + s->n_json_incomplete ? t : "none");
}
static void d_keys(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    P("95%% CI [%.4f, %.4f]; %u objects with keys %s", s->json_keys_ci[0], s->json_keys_ci[1],
      s->n_json_keys, c->json_keys);
}
static void d_regex(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{
    (void)c;
    P("95%% CI [%.4f, %.4f]; %u matches", s->regex_match_ci[0], s->regex_match_ci[1], s->n_regex_match);
}
static void d_d1(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; P("distinct tokens / tokens over %u continuations", s->n_samples); }
static void d_d2(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; (void)s; P("distinct bigrams / bigrams"); }
static void d_ref(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; P("lexical, against the reference, mean over %u continuations", s->n_samples); }
static void d_contains(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)s; P("share containing all %d expected items (normalised)", c->n_expected); }
static void d_agree(char *b, size_t n, const struct eval_config *c, const struct eval_scores *s)
{ (void)c; (void)s; P("sampled token == recorded token"); }

/* panel rows: the most telling first; the main panel shows what fits */
static int r_approx(char *b, size_t n, const struct eval_scores *s)
{
    if (!s->n_topn) return -1;
    if (!s->n_topn_bounded) { P("exact at all %u steps", s->n_topn); return EVAL_ROW_NORMAL; }
    P("%u of %u steps bounded", s->n_topn_bounded, s->n_topn);
    return EVAL_ROW_WARN;
}
static int r_post(char *b, size_t n, const struct eval_scores *s)
{ if (!s->post_sampling) return -1; P("post-sampling file"); return EVAL_ROW_WARN; }
static int share_row(char *b, size_t n, const struct eval_scores *s, double v, const double ci[2], uint32_t k)
{
    /* option-driven shares (--json-keys, --regex) are NaN when not asked for */
    if (!s->texts_known || !isfinite(v)) return -1;
    P("%.3f [%.3f, %.3f] %u/%u", v, ci[0], ci[1], k, s->n_samples);
    return EVAL_ROW_NORMAL;
}
static int r_json(char *b, size_t n, const struct eval_scores *s)
{
    if (!s->texts_known) { P("n/a (no vocabulary)"); return EVAL_ROW_PENDING; }
    P("%.3f [%.3f, %.3f] %u/%u", s->json_valid_share, s->json_valid_ci[0], s->json_valid_ci[1],
      s->n_json_valid, s->n_samples);
    return EVAL_ROW_NORMAL;
}
static int r_breaks(char *b, size_t n, const struct eval_scores *s)
{
    if (!s->texts_known || !(s->n_json_broken + s->n_json_incomplete)) return -1;
    breaks_text(b, n, s, ", ", 1);
    return EVAL_ROW_NORMAL;
}
static int r_keys(char *b, size_t n, const struct eval_scores *s)
{ return share_row(b, n, s, s->json_keys_share, s->json_keys_ci, s->n_json_keys); }
static int r_regex(char *b, size_t n, const struct eval_scores *s)
{ return share_row(b, n, s, s->regex_match_share, s->regex_match_ci, s->n_regex_match); }
static int r_distinct(char *b, size_t n, const struct eval_scores *s)
{ if (!s->texts_known) return -1; P("%.3f / %.3f", s->distinct_1, s->distinct_2); return EVAL_ROW_NORMAL; }
static int r_agree(char *b, size_t n, const struct eval_scores *s)
{
    if (!isfinite(s->recorded_agreement)) return -1;
    P("%.1f%% of sampled tokens", 100.0 * s->recorded_agreement);
    return EVAL_ROW_NORMAL;
}
static int r_top1(char *b, size_t n, const struct eval_scores *s)
{ if (!isfinite(s->top1_agreement)) return -1; P("%.1f%%", 100.0 * s->top1_agreement); return EVAL_ROW_NORMAL; }
/* a perplexity too large for a double still has its mean NLL */
static int ppl_row(char *b, size_t n, double ppl, double nll, const char *na)
{
    if (isfinite(ppl)) return EVAL_ROW_NORMAL;
    if (isfinite(nll)) { P("exp overflows: mean nll %.4g nats", nll); return EVAL_ROW_WARN; }
    P("%s", na);
    return EVAL_ROW_PENDING;
}
static int r_ppl_raw(char *b, size_t n, const struct eval_scores *s)
{
    char se[32] = "";
    if (isfinite(s->perplexity_raw_se)) snprintf(se, sizeof se, " +/-%.3g", s->perplexity_raw_se);
    int h = ppl_row(b, n, s->perplexity_raw, s->nll_raw_nats, "n/a (no recorded tokens)");
    if (h == EVAL_ROW_NORMAL) P("%.4g%s (%.3g bits)", s->perplexity_raw, se, s->nll_raw_bits);
    return h;
}
static int r_ppl_chain(char *b, size_t n, const struct eval_scores *s)
{
    int h = ppl_row(b, n, s->perplexity_chain, s->nll_chain_nats,
                    s->n_recorded ? "n/a (every recorded token cut)" : "n/a (no recorded tokens)");
    if (h == EVAL_ROW_NORMAL && !s->n_recorded) P("%.4g over %u generated tokens", s->perplexity_chain, s->n_uncut);
    else if (h == EVAL_ROW_NORMAL) P("%.4g over %u of %u uncut", s->perplexity_chain, s->n_uncut, s->n_recorded);
    return h;
}
static int r_bpb(char *b, size_t n, const struct eval_scores *s)
{ if (!isfinite(s->bits_per_byte)) return -1; P("%.4g", s->bits_per_byte); return EVAL_ROW_NORMAL; }
static int r_cut(char *b, size_t n, const struct eval_scores *s)
{
    if (!isfinite(s->cut_rate)) return -1;
    P("%.1f%% (%u of %u)", 100.0 * s->cut_rate, s->n_cut, s->n_recorded);
    return s->n_cut ? EVAL_ROW_WARN : EVAL_ROW_NORMAL;
}
/* NaN: not measured (generated continuations have no per-step chain runs) */
static int r_entropy(char *b, size_t n, const struct eval_scores *s)
{ if (!isfinite(s->mean_entropy_nats)) return -1; P("%.3f nats (raw %.3f)", s->mean_entropy_nats, s->mean_entropy_raw_nats); return EVAL_ROW_NORMAL; }
static int r_kept(char *b, size_t n, const struct eval_scores *s)
{ if (!isfinite(s->mean_kept)) return -1; P("%.4g", s->mean_kept); return EVAL_ROW_NORMAL; }
static int r_clip(char *b, size_t n, const struct eval_scores *s)
{
    if (!isfinite(s->clipping_rate)) return -1;
    P("%.2g%% (%llu logits, %u steps)", 100.0 * s->clipping_rate, (unsigned long long)s->n_clipped,
      s->n_clipped_steps);
    return s->n_clipped ? EVAL_ROW_WARN : EVAL_ROW_NORMAL;
}
#undef P

/* In JSON order; the text table and the sweep columns keep this order, the
 * panel its own (panel). */
static const struct desc table[] = {
    { "approximate", K_BOOL, F(approximate), 0, 0, 0, 0, 0, 0, "top-N", 1, r_approx },
    { "post_sampling", K_BOOL, F(post_sampling), 0, 0, 0, 0, 0, 0, "values", 2, r_post },
    { "topn_steps", K_U32, F(n_topn), NONZERO, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "topn_bounded_steps", K_U32, F(n_topn_bounded), NONZERO, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "n_recorded", K_U32, F(n_recorded), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "n_recorded_masked", K_U32, F(n_raw_masked), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "perplexity_raw", K_NUM, F(perplexity_raw), 0, d_ppl_raw, 0, 0, 0, 0, "ppl raw", 4, r_ppl_raw },
    { "perplexity_raw_se", K_NUM, F(perplexity_raw_se), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "nll_raw_nats", K_NUM, F(nll_raw_nats), 0, d_nll_raw, 0, 0, 0, 0, 0, 0, 0 },
    { "nll_raw_bits", K_NUM, F(nll_raw_bits), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "bits_per_byte", K_NUM, F(bits_per_byte), 0, d_bpb, 0, 0, 0, 0, "bits/byte", 13, r_bpb },
    { "perplexity_chain", K_NUM, F(perplexity_chain), 0, d_ppl_chain, 0, "ppl_chain", 0, "perplexity (chain)", "ppl chain", 3, r_ppl_chain },
    { "nll_chain_nats", K_NUM, F(nll_chain_nats), 0, d_nll_chain, 0, 0, 0, 0, 0, 0, 0 },
    { "nll_chain_bits", K_NUM, F(nll_chain_bits), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "n_uncut", K_U32, F(n_uncut), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "n_chain_unknown", K_U32, F(n_chain_unknown), NONZERO, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "cut_rate", K_NUM, F(cut_rate), 0, d_cut, 0, "cut_rate", 1, "cut rate", "cut rate", 5, r_cut },
    { "n_cut", K_U32, F(n_cut), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "top1_agreement", K_NUM, F(top1_agreement), 0, d_top1, 0, 0, 0, 0, "top-1 agree", 12, r_top1 },
    { "mean_entropy_nats", K_NUM, F(mean_entropy_nats), 0, d_entropy, 0, "entropy", 0, "mean entropy (nats)", "mean entropy", 14, r_entropy },
    { "mean_entropy_raw_nats", K_NUM, F(mean_entropy_raw_nats), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "mean_kept", K_NUM, F(mean_kept), 0, d_kept, 0, "kept", 0, "mean kept", "mean kept", 15, r_kept },
    { "clipping_rate", K_NUM, F(clipping_rate), 0, d_clip, 0, 0, 0, 0, "clipping", 16, r_clip },
    { "clipped_logits", K_U64, F(n_clipped), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "clipped_steps", K_U32, F(n_clipped_steps), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "json_valid_share", K_NUM, F(json_valid_share), 0, d_json, NEED_TEXT, "json_valid [95% CI]", 1, "json valid",
      "json valid", 6, r_json },
    { "json_valid_ci", K_CI, F(json_valid_ci), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "json_valid", K_U32, F(n_json_valid), NEED_TEXT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "json_breaks", K_BREAKS, F(n_json_broken), NEED_TEXT, d_breaks, NEED_TEXT, 0, 0, 0, "json breaks", 7, r_breaks },
    { "json_incomplete", K_U32, F(n_json_incomplete), NEED_TEXT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "json_keys_share", K_NUM, F(json_keys_share), 0, d_keys, NEED_TEXT | NEED_KEYS, "json_keys", 1, "json keys",
      "json keys", 8, r_keys },
    { "json_keys_ci", K_CI, F(json_keys_ci), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "regex_match_share", K_NUM, F(regex_match_share), 0, d_regex, NEED_TEXT | NEED_REGEX, "regex", 1, "regex match",
      "regex match", 9, r_regex },
    { "regex_match_ci", K_CI, F(regex_match_ci), 0, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "regex_matches", K_U32, F(n_regex_match), NEED_TEXT | NEED_REGEX, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "distinct_1", K_NUM, F(distinct_1), 0, d_d1, 0, "distinct_1", 0, "distinct-1", "distinct-1/2", 10, r_distinct },
    { "distinct_2", K_NUM, F(distinct_2), 0, d_d2, 0, "distinct_2", 0, "distinct-2", 0, 0, 0 },
    { "recorded_agreement", K_NUM, F(recorded_agreement), 0, d_agree, 0, "agreement", 1, "recorded agreement",
      "recorded agr", 11, r_agree },
    { "ref_exact_match", K_NUM, F(ref_exact_match), NEED_TEXT | NEED_REF | OMIT, d_ref, NEED_TEXT | NEED_REF,
      "exact", 1, "exact match", 0, 0, 0 },
    { "ref_contains_all", K_NUM, F(ref_contains_all), NEED_TEXT | NEED_EXP | OMIT, d_contains, NEED_TEXT | NEED_EXP,
      "contains_all", 1, "contains all expected", 0, 0, 0 },
    { "ref_token_f1", K_NUM, F(ref_token_f1), NEED_TEXT | NEED_REF | OMIT, d_ref, NEED_TEXT | NEED_REF,
      "token_f1", 1, "word F1 (lexical)", 0, 0, 0 },
    { "ref_rouge_l", K_NUM, F(ref_rouge_l), NEED_TEXT | NEED_REF | OMIT, d_ref, NEED_TEXT | NEED_REF,
      "rouge_l", 1, "ROUGE-L (lexical)", 0, 0, 0 },
    { "tokens_without_text", K_U64, F(n_unknown_text), NONZERO, 0, 0, 0, 0, 0, 0, 0, 0 },
};
#define N_TABLE (sizeof table / sizeof *table)

static double value(const struct desc *d, const struct eval_scores *s)
{
    const char *p = (const char *)s + d->off;
    switch (d->kind) {
    case K_U32: case K_BREAKS: return *(const uint32_t *)(const void *)p;
    case K_U64: return (double)*(const uint64_t *)(const void *)p;
    case K_BOOL: return *(const int *)(const void *)p;
    default: return *(const double *)(const void *)p;
    }
}

/* 1 if a score needing `need` applies to this config and these scores */
static int applies(int need, const struct eval_config *cfg, const struct eval_scores *s)
{
    return !((need & NEED_TEXT && !s->texts_known) || (need & NEED_REGEX && !cfg->regex) ||
             (need & NEED_KEYS && !cfg->json_keys) || (need & NEED_REF && !cfg->reference) ||
             (need & NEED_EXP && cfg->n_expected <= 0));
}

/* --- JSON ------------------------------------------------------------------- */

static void json_one(cJSON *o, const struct desc *d, const struct eval_config *cfg, const struct eval_scores *s)
{
    if (d->kind == K_CI) {
        const double *c = (const double *)(const void *)((const char *)s + d->off);
        if (!isfinite(c[0]) || !isfinite(c[1])) { cJSON_AddNullToObject(o, d->key); return; }
        cJSON *a = cJSON_AddArrayToObject(o, d->key);
        cJSON_AddItemToArray(a, cJSON_CreateNumber(c[0]));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(c[1]));
        return;
    }
    if (d->kind == K_BREAKS) {
        if (!applies(d->json_need, cfg, s)) { cJSON_AddNullToObject(o, d->key); return; }
        cJSON *a = cJSON_AddArrayToObject(o, d->key);
        for (uint32_t k = 0; a && k < s->n_json_breaks; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "step", s->json_break_step[k]);
            cJSON_AddNumberToObject(e, "continuations", s->json_break_n[k]);
            cJSON_AddItemToArray(a, e);
        }
        return;
    }
    double v = value(d, s);
    if (d->json_need & NONZERO) { if (v) cJSON_AddNumberToObject(o, d->key, v); return; }
    if (d->json_need & OMIT && !applies(d->json_need & ~(NEED_TEXT | OMIT), cfg, s)) return;
    if (!applies(d->json_need, cfg, s)) cJSON_AddNullToObject(o, d->key);
    else if (d->kind == K_BOOL) cJSON_AddBoolToObject(o, d->key, v != 0);
    else if (d->kind == K_NUM) json_add_num(o, d->key, v);
    else cJSON_AddNumberToObject(o, d->key, v);
}

void eval_scores_json(cJSON *o, const struct eval_config *cfg, const struct eval_scores *s)
{
    for (size_t i = 0; i < N_TABLE; i++) json_one(o, &table[i], cfg, s);
    for (int j = 0; j < cfg->n_ext; j++) json_add_num(o, cfg->ext[j].name, s->ext_mean[j]);
    if (!cfg->n_ext) return;
    cJSON *ex = cJSON_AddObjectToObject(o, "external");
    for (int j = 0; j < cfg->n_ext; j++) {
        cJSON *e = cJSON_AddObjectToObject(ex, cfg->ext[j].name);
        json_add_num(e, "mean", s->ext_mean[j]);
        json_add_num(e, "min", s->ext_min[j]);
        json_add_num(e, "max", s->ext_max[j]);
        char buf[1024];
        disp_escape(cfg->ext[j].command, strlen(cfg->ext[j].command), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddStringToObject(e, "command", buf);
    }
}

/* --- text table -------------------------------------------------------------- */

static void row(FILE *f, const char *k, double v, const char *detail)
{
    char val[32];
    if (isfinite(v)) snprintf(val, sizeof val, "%.6g", v);
    else snprintf(val, sizeof val, "-");
    fprintf(f, "%-22s %12s", k, val);
    if (detail && *detail) fprintf(f, "  %s", detail);
    fputc('\n', f);
}

void eval_scores_text(FILE *f, const struct eval_config *cfg, const struct eval_scores *s)
{
    static const char no_text[] = "no vocabulary: token text unknown";
    fprintf(f, "%-22s %12s  %s\n", "score", "value", "detail");
    char b[256];
    for (size_t i = 0; i < N_TABLE; i++) {
        const struct desc *d = &table[i];
        if (!d->text || !applies(d->text_need & ~NEED_TEXT, cfg, s)) continue;
        if (!applies(d->text_need, cfg, s)) { row(f, d->key, NAN, no_text); continue; }
        d->text(b, sizeof b, cfg, s);
        row(f, d->key, value(d, s), b);
    }
    for (int j = 0; j < cfg->n_ext; j++) {
        if (!s->texts_known) { row(f, cfg->ext[j].name, NAN, no_text); continue; }
        snprintf(b, sizeof b, "external: mean (min %.6g, max %.6g)", s->ext_min[j], s->ext_max[j]);
        row(f, cfg->ext[j].name, s->ext_mean[j], b);
    }
    if (s->n_unknown_text)
        fprintf(f, "note: %llu sampled tokens have no text in the vocabulary (shown as <id N>)\n",
                (unsigned long long)s->n_unknown_text);
}

/* --- sweep columns and panel rows -------------------------------------------- */

int eval_sweep_cols(const struct eval_config *cfg, struct eval_sweep_col *out, int max)
{
    int n = 0;
    struct eval_scores any;
    memset(&any, 0, sizeof any);
    any.texts_known = 1;   /* columns depend on the options only */
    /* the text shares (what a sweep is usually about) first, then the rest */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < N_TABLE && n < max; i++)
            if (table[i].sweep && ((table[i].text_need & NEED_TEXT) ? 0 : 1) == pass &&
                applies(table[i].text_need & ~NEED_TEXT, cfg, &any))
                out[n++] = (struct eval_sweep_col){ table[i].key, table[i].sweep, table[i].chart, table[i].share, -1 };
    for (int j = 0; j < cfg->n_ext && n < max; j++)
        out[n++] = (struct eval_sweep_col){ cfg->ext[j].name, cfg->ext[j].name, cfg->ext[j].name, 0, j };
    return n;
}

double eval_sweep_value(const struct eval_sweep_col *c, const struct eval_scores *s)
{
    if (c->ext >= 0) return c->ext < EVAL_MAX_EXT ? s->ext_mean[c->ext] : NAN;
    for (size_t i = 0; i < N_TABLE; i++)
        if (!strcmp(table[i].key, c->key)) return value(&table[i], s);
    return NAN;
}

int eval_panel_rows(const struct eval_scores *s, struct eval_panel_row *out, int max)
{
    int n = 0;
    for (int pos = 1; n < max; pos++) {
        const struct desc *d = NULL;
        for (size_t i = 0; i < N_TABLE && !d; i++) if (table[i].panel == pos) d = &table[i];
        if (!d) break;
        int h = d->row(out[n].value, sizeof out[n].value, s);
        if (h < 0) continue;
        out[n].label = d->label;
        out[n].hint = h;
        n++;
    }
    return n;
}

void eval_definitions_json(cJSON *obj)
{
    cJSON *d = cJSON_AddObjectToObject(obj, "definitions");
    for (int i = 0; eval_registry[i]; i++)
        cJSON_AddStringToObject(d, eval_registry[i]->name, eval_registry[i]->definition);
}

static void wrap(FILE *f, const char *t, int indent, int width)
{
    int col = 0;
    while (*t) {
        size_t w = strcspn(t, " ");
        if (col > indent && col + 1 + (int)w > width) { fputc('\n', f); col = 0; }
        if (col == 0) { fprintf(f, "%*s", indent, ""); col = indent; }
        else { fputc(' ', f); col++; }
        fwrite(t, 1, w, f);
        col += (int)w;
        t += w;
        while (*t == ' ') t++;
    }
    if (col) fputc('\n', f);
}

void eval_definitions_text(FILE *f, int indent, int width)
{
    for (int i = 0; eval_registry[i]; i++) {
        fprintf(f, "%*s%s:\n", indent, "", eval_registry[i]->name);
        if (*eval_registry[i]->keys) {
            char keys[512];
            snprintf(keys, sizeof keys, "keys: %s", eval_registry[i]->keys);
            wrap(f, keys, indent + 2, width);
        }
        wrap(f, eval_registry[i]->definition, indent + 2, width);
    }
}
