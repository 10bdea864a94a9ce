/* eval_report.c: eval scores as JSON keys and as an aligned table. */
#include "eval/eval.h"
#include "base/display.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

static void num(cJSON *o, const char *k, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static void ci(cJSON *o, const char *k, const double c[2])
{
    if (!isfinite(c[0]) || !isfinite(c[1])) { cJSON_AddNullToObject(o, k); return; }
    cJSON *a = cJSON_AddArrayToObject(o, k);
    cJSON_AddItemToArray(a, cJSON_CreateNumber(c[0]));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(c[1]));
}

static void count_or_null(cJSON *o, const char *k, int have, double v)
{
    if (have) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

void eval_scores_json(cJSON *o, const struct eval_config *cfg, const struct eval_scores *s)
{
    cJSON_AddBoolToObject(o, "approximate", s->approximate);
    cJSON_AddNumberToObject(o, "n_recorded", s->n_recorded);
    cJSON_AddNumberToObject(o, "n_recorded_masked", s->n_raw_masked);
    num(o, "perplexity_raw", s->perplexity_raw);
    num(o, "perplexity_raw_se", s->perplexity_raw_se);
    num(o, "nll_raw_nats", s->nll_raw_nats);
    num(o, "nll_raw_bits", s->nll_raw_bits);
    num(o, "bits_per_byte", s->bits_per_byte);
    num(o, "perplexity_chain", s->perplexity_chain);
    num(o, "nll_chain_nats", s->nll_chain_nats);
    num(o, "nll_chain_bits", s->nll_chain_bits);
    cJSON_AddNumberToObject(o, "n_uncut", s->n_uncut);
    num(o, "cut_rate", s->cut_rate);
    cJSON_AddNumberToObject(o, "n_cut", s->n_cut);
    num(o, "top1_agreement", s->top1_agreement);
    num(o, "mean_entropy_nats", s->mean_entropy_nats);
    num(o, "mean_entropy_raw_nats", s->mean_entropy_raw_nats);
    num(o, "mean_kept", s->mean_kept);
    num(o, "clipping_rate", s->clipping_rate);
    cJSON_AddNumberToObject(o, "clipped_logits", (double)s->n_clipped);
    cJSON_AddNumberToObject(o, "clipped_steps", s->n_clipped_steps);
    num(o, "json_valid_share", s->json_valid_share);
    ci(o, "json_valid_ci", s->json_valid_ci);
    count_or_null(o, "json_valid", s->texts_known, s->n_json_valid);
    num(o, "json_keys_share", s->json_keys_share);
    ci(o, "json_keys_ci", s->json_keys_ci);
    num(o, "regex_match_share", s->regex_match_share);
    ci(o, "regex_match_ci", s->regex_match_ci);
    count_or_null(o, "regex_matches", s->texts_known && cfg->regex, s->n_regex_match);
    num(o, "distinct_1", s->distinct_1);
    num(o, "distinct_2", s->distinct_2);
    num(o, "recorded_agreement", s->recorded_agreement);
    if (s->n_unknown_text) cJSON_AddNumberToObject(o, "tokens_without_text", (double)s->n_unknown_text);
    for (int j = 0; j < cfg->n_ext; j++) num(o, cfg->ext[j].name, s->ext_mean[j]);
    if (cfg->n_ext) {
        cJSON *ex = cJSON_AddObjectToObject(o, "external");
        for (int j = 0; j < cfg->n_ext; j++) {
            cJSON *e = cJSON_AddObjectToObject(ex, cfg->ext[j].name);
            num(e, "mean", s->ext_mean[j]);
            num(e, "min", s->ext_min[j]);
            num(e, "max", s->ext_max[j]);
            char buf[1024];
            disp_escape(cfg->ext[j].command, strlen(cfg->ext[j].command), DISP_BACKSLASH, buf, sizeof buf);
            cJSON_AddStringToObject(e, "command", buf);
        }
    }
}

static void row(FILE *f, const char *k, double v, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void row(FILE *f, const char *k, double v, const char *fmt, ...)
{
    char val[32];
    if (isfinite(v)) snprintf(val, sizeof val, "%.6g", v);
    else snprintf(val, sizeof val, "-");
    fprintf(f, "%-22s %12s", k, val);
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs("  ", f);
        vfprintf(f, fmt, ap);
        va_end(ap);
    }
    fputc('\n', f);
}

void eval_scores_text(FILE *f, const struct eval_config *cfg, const struct eval_scores *s)
{
    const char *nt = s->texts_known ? "" : "no vocabulary: token text unknown";
    fprintf(f, "%-22s %12s  %s\n", "score", "value", "detail");
    char se[48] = "";
    if (isfinite(s->perplexity_raw_se)) snprintf(se, sizeof se, "+/- %.6g; ", s->perplexity_raw_se);
    char masked[64] = "";
    if (s->n_raw_masked) snprintf(masked, sizeof masked, " (%u more masked: -inf logit)", s->n_raw_masked);
    row(f, "perplexity_raw", s->perplexity_raw, "%s%u recorded tokens%s, raw logits (model fit)",
        se, s->n_recorded - s->n_raw_masked, masked);
    row(f, "nll_raw_nats", s->nll_raw_nats, "%.6g bits", s->nll_raw_bits);
    row(f, "bits_per_byte", s->bits_per_byte, "%llu bytes of recorded text%s",
        (unsigned long long)s->recorded_bytes, isfinite(s->bits_per_byte) ? "" : " (token bytes unknown)");
    row(f, "perplexity_chain", s->perplexity_chain, "over %u uncut of %u recorded tokens", s->n_uncut, s->n_recorded);
    row(f, "nll_chain_nats", s->nll_chain_nats, "%.6g bits", s->nll_chain_bits);
    row(f, "cut_rate", s->cut_rate, "%u of %u recorded tokens have p = 0 under the chain", s->n_cut, s->n_recorded);
    row(f, "top1_agreement", s->top1_agreement, "greedy token == recorded token");
    row(f, "mean_entropy_nats", s->mean_entropy_nats, "final distribution (raw: %.6g)", s->mean_entropy_raw_nats);
    row(f, "mean_kept", s->mean_kept, "tokens kept per step");
    row(f, "clipping_rate", s->clipping_rate, "%llu of %llu logits non-finite or |z| > %g, in %u steps",
        (unsigned long long)s->n_clipped, (unsigned long long)s->n_logits_checked, cfg->clip_threshold,
        s->n_clipped_steps);
    if (s->texts_known)
        row(f, "json_valid_share", s->json_valid_share, "95%% CI [%.4f, %.4f]; %u of %u continuations",
            s->json_valid_ci[0], s->json_valid_ci[1], s->n_json_valid, s->n_samples);
    else
        row(f, "json_valid_share", NAN, "%s", nt);
    if (cfg->json_keys) {
        if (s->texts_known)
            row(f, "json_keys_share", s->json_keys_share, "95%% CI [%.4f, %.4f]; %u objects with keys %s",
                s->json_keys_ci[0], s->json_keys_ci[1], s->n_json_keys, cfg->json_keys);
        else
            row(f, "json_keys_share", NAN, "%s", nt);
    }
    if (cfg->regex) {
        if (s->texts_known)
            row(f, "regex_match_share", s->regex_match_share, "95%% CI [%.4f, %.4f]; %u matches",
                s->regex_match_ci[0], s->regex_match_ci[1], s->n_regex_match);
        else
            row(f, "regex_match_share", NAN, "%s", nt);
    }
    row(f, "distinct_1", s->distinct_1, "distinct tokens / tokens over %u continuations", s->n_samples);
    row(f, "distinct_2", s->distinct_2, "distinct bigrams / bigrams");
    row(f, "recorded_agreement", s->recorded_agreement, "sampled token == recorded token");
    for (int j = 0; j < cfg->n_ext; j++) {
        if (s->texts_known)
            row(f, cfg->ext[j].name, s->ext_mean[j], "external: mean (min %.6g, max %.6g)", s->ext_min[j], s->ext_max[j]);
        else
            row(f, cfg->ext[j].name, NAN, "%s", nt);
    }
    if (s->n_unknown_text)
        fprintf(f, "note: %llu sampled tokens have no text in the vocabulary (shown as <id N>)\n",
                (unsigned long long)s->n_unknown_text);
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
