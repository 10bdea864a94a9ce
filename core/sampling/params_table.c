/* params_table.c: the parameter table and its lookups (see params_table.h).
 *
 * The aliases are the spellings people type: the other systems' names
 * (top_k in HF/vLLM, temp in llama.cpp), run-together forms (topk) and the
 * one-letter forms of the chain shorthand (k, p, m, t). */
#include "sampling/params_table.h"
#include "base/words.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define F(field) offsetof(struct params, field)

static const struct param_def defs[PARAM__COUNT] = {
    [PARAM_TEMPERATURE] = {
        "temperature", "temperature", {"temp", "t", NULL}, "temp", 't', 'T', 0,
        0.0, HUGE_VAL, 1.0, OFF_EQUAL, F(temperature),
        "a finite number >= 0", NULL,
        "divide the logits by T; 0 = greedy, 1 = off", STAGE_TEMPERATURE, SYS_ALL },
    [PARAM_TOP_K] = {
        "top-k", "top_k", {"topk", "k", NULL}, NULL, 'k', 'k', 1,
        0.0, (double)INT32_MAX, 0.0, OFF_AT_OR_BELOW, F(top_k),
        ">= 0", "0 = off",
        "keep the k most likely tokens; 0 = off", STAGE_TOP_K, SYS_ALL },
    [PARAM_TOP_P] = {
        "top-p", "top_p", {"topp", "p", NULL}, NULL, 'p', 'p', 0,
        0.0, 1.0, 1.0, OFF_AT_OR_ABOVE, F(top_p),
        "in [0, 1]", "1 = off",
        "keep the fewest most likely tokens whose mass reaches p; 1 = off", STAGE_TOP_P, SYS_ALL },
    [PARAM_MIN_P] = {
        "min-p", "min_p", {"minp", "m", NULL}, NULL, 0, 'm', 0,
        0.0, 1.0, 0.0, OFF_AT_OR_BELOW, F(min_p),
        "in [0, 1]", "0 = off",
        "keep tokens with p >= min-p * p_max; 0 = off", STAGE_MIN_P, SYS_ALL },
    [PARAM_MIN_KEEP] = {
        "min-keep", "min_keep", {"min_tokens_to_keep", "minkeep", NULL}, NULL, 0, 0, 1,
        0.0, (double)INT32_MAX, 0.0, OFF_AT_OR_BELOW, F(min_keep),
        ">= 0", "0 = none",
        "tokens top-p, min-p, typical-p, xtc, epsilon and eta always keep; 0 = none", STAGE_NONE, SYS_HF | SYS_LLAMA },
    [PARAM_TYPICAL_P] = {
        "typical-p", "typical_p", {"typical", "typ_p", "y", NULL}, NULL, 0, 'y', 0,
        0.0, 1.0, 1.0, OFF_AT_OR_ABOVE, F(typical_p),
        "in [0, 1]", "1 = off",
        "keep the tokens closest to the entropy until their mass passes p; 1 = off", STAGE_TYPICAL_P, SYS_HF | SYS_LLAMA },
    [PARAM_TOP_N_SIGMA] = {
        "top-n-sigma", "top_n_sigma", {"topnsigma", "s", NULL}, NULL, 0, 's', 0,
        -HUGE_VAL, HUGE_VAL, 0.0, OFF_AT_OR_BELOW, F(top_n_sigma),
        "a finite number", "<= 0 = off",
        "keep logits within n standard deviations of the max; <= 0 = off", STAGE_TOP_N_SIGMA, SYS_LLAMA },
    [PARAM_EPSILON] = {
        "epsilon", "epsilon_cutoff", {"epsilon-cutoff", "eps", NULL}, NULL, 0, 'E', 0,
        0.0, 1.0, 0.0, OFF_AT_OR_BELOW, F(epsilon),
        "in [0, 1]", "0 = off",
        "drop tokens with p < epsilon; 0 = off", STAGE_EPSILON, SYS_HF },
    [PARAM_ETA] = {
        "eta", "eta_cutoff", {"eta-cutoff", NULL}, NULL, 0, 'H', 0,
        0.0, 1.0, 0.0, OFF_AT_OR_BELOW, F(eta),
        "in [0, 1]", "0 = off",
        "drop tokens with p < min(eta, sqrt(eta) e^-H); 0 = off", STAGE_ETA, SYS_HF },
    [PARAM_XTC_PROBABILITY] = {
        "xtc-probability", "xtc_probability", {"xtc", "xtc_p", "x", NULL}, NULL, 0, 'x', 0,
        0.0, 1.0, 0.0, OFF_AT_OR_BELOW, F(xtc_probability),
        "in [0, 1]", "0 = off",
        "chance per position that XTC drops the top choices; 0 = off", STAGE_XTC, SYS_LLAMA },
    [PARAM_XTC_THRESHOLD] = {
        "xtc-threshold", "xtc_threshold", {"xtc_t", NULL}, NULL, 0, 0, 0,
        0.0, 1.0, 0.1, OFF_NEVER, F(xtc_threshold),
        "in [0, 1]", "above 0.5 XTC does nothing",
        "probability a token needs to count as a top choice for XTC", STAGE_XTC, SYS_LLAMA },
    [PARAM_REPEAT_PENALTY] = {
        "repeat-penalty", "repetition_penalty", {"repeat_penalty", "penalty_repeat", "rep", "e"}, NULL, 0, 'e', 0,
        DBL_MIN, HUGE_VAL, 1.0, OFF_EQUAL, F(repeat_penalty),
        "a finite number > 0", "1 = off",
        "divide positive (multiply negative) logits of tokens seen before; 1 = off", STAGE_PENALTIES, SYS_ALL },
    [PARAM_FREQUENCY_PENALTY] = {
        "frequency-penalty", "frequency_penalty", {"freq", "penalty_freq", NULL}, NULL, 0, 0, 0,
        -HUGE_VAL, HUGE_VAL, 0.0, OFF_EQUAL, F(frequency_penalty),
        "a finite number", "0 = off",
        "subtract this times a token's count so far; 0 = off", STAGE_PENALTIES, SYS_LLAMA | SYS_VLLM },
    [PARAM_PRESENCE_PENALTY] = {
        "presence-penalty", "presence_penalty", {"presence", "penalty_present", NULL}, NULL, 0, 0, 0,
        -HUGE_VAL, HUGE_VAL, 0.0, OFF_EQUAL, F(presence_penalty),
        "a finite number", "0 = off",
        "subtract this from tokens seen before; 0 = off", STAGE_PENALTIES, SYS_LLAMA | SYS_VLLM },
    [PARAM_REPEAT_LAST_N] = {
        "repeat-last-n", "repeat_last_n", {"penalty_last_n", "last_n", NULL}, NULL, 0, 0, 1,
        -1.0, (double)INT32_MAX, 64.0, OFF_NEVER, F(repeat_last_n),
        ">= -1", "-1 = the whole history; 0 = penalties off in llama.cpp",
        "llama.cpp's penalty window: the last N tokens", STAGE_PENALTIES, SYS_LLAMA },
    [PARAM_DYNATEMP_RANGE] = {
        "dynatemp-range", "dynatemp_range", {"dynatemp", NULL}, NULL, 0, 0, 0,
        0.0, HUGE_VAL, 0.0, OFF_AT_OR_BELOW, F(dynatemp_range),
        "a finite number >= 0", "0 = off",
        "entropy-driven temperature in [T - range, T + range]; 0 = off", STAGE_TEMPERATURE, SYS_LLAMA },
    [PARAM_DYNATEMP_EXPONENT] = {
        "dynatemp-exponent", "dynatemp_exponent", {"dynatemp_exp", NULL}, NULL, 0, 0, 0,
        -HUGE_VAL, HUGE_VAL, 1.0, OFF_NEVER, F(dynatemp_exponent),
        "a finite number", NULL,
        "exponent on the normalised entropy for dynatemp", STAGE_TEMPERATURE, SYS_LLAMA },
    [PARAM_MIROSTAT] = {
        "mirostat", "mirostat", {"mirostat_mode", NULL}, NULL, 0, 'M', 1,
        0.0, 2.0, 0.0, OFF_AT_OR_BELOW, F(mirostat),
        "0, 1 or 2", "0 = off",
        "mirostat version (replaces llama.cpp's chain except temperature); 0 = off", STAGE_MIROSTAT, SYS_LLAMA },
    [PARAM_MIROSTAT_TAU] = {
        "mirostat-tau", "mirostat_tau", {"tau", NULL}, NULL, 0, 0, 0,
        0.0, HUGE_VAL, 5.0, OFF_NEVER, F(mirostat_tau),
        "a finite number >= 0", NULL,
        "mirostat's target surprise in bits", STAGE_MIROSTAT, SYS_LLAMA },
    [PARAM_MIROSTAT_ETA] = {
        "mirostat-eta", "mirostat_eta", {"mirostat_lr", NULL}, NULL, 0, 0, 0,
        0.0, HUGE_VAL, 0.1, OFF_NEVER, F(mirostat_eta),
        "a finite number >= 0", NULL,
        "mirostat's learning rate", STAGE_MIROSTAT, SYS_LLAMA },
    [PARAM_DRY_MULTIPLIER] = {
        "dry-multiplier", "dry_multiplier", {"dry", "d", NULL}, NULL, 0, 'd', 0,
        0.0, HUGE_VAL, 0.0, OFF_AT_OR_BELOW, F(dry_multiplier),
        "a finite number >= 0", "0 = off",
        "DRY: subtract multiplier * base^(L - allowed) from tokens extending a repeat; 0 = off", STAGE_DRY, SYS_LLAMA },
    [PARAM_DRY_BASE] = {
        "dry-base", "dry_base", {NULL}, NULL, 0, 0, 0,
        0.0, HUGE_VAL, 1.75, OFF_NEVER, F(dry_base),
        "a finite number >= 0", "below 1 DRY does nothing",
        "DRY's growth per repeated token", STAGE_DRY, SYS_LLAMA },
    [PARAM_DRY_ALLOWED_LENGTH] = {
        "dry-allowed-length", "dry_allowed_length", {NULL}, NULL, 0, 0, 1,
        0.0, (double)INT32_MAX, 2.0, OFF_NEVER, F(dry_allowed_length),
        ">= 0", NULL,
        "repeats up to this length are not penalised by DRY", STAGE_DRY, SYS_LLAMA },
    [PARAM_DRY_LAST_N] = {
        "dry-last-n", "dry_penalty_last_n", {"dry_last_n", NULL}, NULL, 0, 0, 1,
        -1.0, (double)INT32_MAX, -1.0, OFF_NEVER, F(dry_last_n),
        ">= -1", "-1 = the whole history; 0 = DRY off",
        "DRY's window: the last N tokens", STAGE_DRY, SYS_LLAMA },
};

static const struct list_param_def list_defs[LPARAM__COUNT] = {
    [LPARAM_LOGIT_BIAS] = {
        "logit-bias", "logit_bias", {"bias", "sequence_bias", NULL},
        "ID=BIAS, ID+BIAS, ID-BIAS or 'TEXT'=BIAS, comma-separated; -inf or false bans",
        STAGE_LOGIT_BIAS, SYS_ALL },
    [LPARAM_DRY_BREAKERS] = {
        "dry-sequence-breaker", "dry_sequence_breakers", {"dry-breaker", "dry_sequence_breaker", NULL},
        "STR: one DRY breaker; repeatable, replaces \\n : \" * (none: no breakers)",
        STAGE_DRY, SYS_LLAMA },
};

const struct list_param_def *list_param_def(enum list_param_id id)
{
    return (unsigned)id < LPARAM__COUNT ? &list_defs[id] : NULL;
}

/* word is name, key or one of the aliases (case-insensitive) */
static int names_hit(const char *word, const char *name, const char *key, const char *const *aliases)
{
    int hit = !strcasecmp(word, name) || !strcasecmp(word, key);
    for (int a = 0; !hit && aliases[a]; a++) hit = !strcasecmp(word, aliases[a]);
    return hit;
}

int list_param_lookup(const char *word, enum list_param_id *id)
{
    for (int i = 0; i < LPARAM__COUNT; i++)
        if (names_hit(word, list_defs[i].name, list_defs[i].key, list_defs[i].aliases)) { *id = (enum list_param_id)i; return 1; }
    return 0;
}

const struct param_def *param_def(enum param_id id)
{
    return (unsigned)id < PARAM__COUNT ? &defs[id] : NULL;
}

const char *param_name(enum param_id id)
{
    return (unsigned)id < PARAM__COUNT ? defs[id].name : "?";
}

int param_lookup(const char *word, enum param_id *id)
{
    for (int i = 0; i < PARAM__COUNT; i++)
        if (names_hit(word, defs[i].name, defs[i].key, defs[i].aliases)) { *id = (enum param_id)i; return 1; }
    return 0;
}

double param_get(const struct params *p, enum param_id id)
{
    const char *f = (const char *)p + defs[id].offset;
    if (defs[id].is_int) { int32_t v; memcpy(&v, f, sizeof v); return (double)v; }
    double v;
    memcpy(&v, f, sizeof v);
    return v;
}

int params_same(const struct params *a, const struct params *b, int with_t)
{
    for (int i = 0; i < PARAM__COUNT; i++) {
        if (i == PARAM_TEMPERATURE && !with_t) continue;
        if (param_get(a, (enum param_id)i) != param_get(b, (enum param_id)i)) return 0;
    }
    if (a->bias.n != b->bias.n) return 0;
    for (uint32_t i = 0; i < a->bias.n; i++)
        if (a->bias.id[i] != b->bias.id[i] || a->bias.v[i] != b->bias.v[i]) return 0;
    return 1;
}

void param_set(struct params *p, enum param_id id, double v)
{
    char *f = (char *)p + defs[id].offset;
    if (defs[id].is_int) { int32_t i = (int32_t)v; memcpy(f, &i, sizeof i); return; }
    memcpy(f, &v, sizeof v);
}

int param_is_off(const struct params *p, enum param_id id)
{
    double v = param_get(p, id), off = defs[id].off;
    switch (defs[id].off_rule) {
    case OFF_AT_OR_BELOW: return v <= off;
    case OFF_AT_OR_ABOVE: return v >= off;
    case OFF_NEVER: return 0;
    case OFF_EQUAL:
    default: return v == off;
    }
}

int param_in_range(enum param_id id, double v)
{
    const struct param_def *d = &defs[id];
    if (isnan(v) || v < d->lo || v > d->hi) return 0;
    if (d->is_int) return v == floor(v);
    return isfinite(v);
}

int params_check(const struct params *p, struct ls_error *err)
{
    for (int i = 0; i < PARAM__COUNT; i++) {
        const struct param_def *d = &defs[i];
        double v = param_get(p, (enum param_id)i);
        if (param_in_range((enum param_id)i, v)) continue;
        char got[48];
        if (d->is_int) snprintf(got, sizeof got, "%d", (int)v);
        else snprintf(got, sizeof got, "%g", v);
        return ls_fail(err, LS_EUSAGE, "%s must be %s (%s%sgot %s)", d->name, d->range_text,
                       d->off_text ? d->off_text : "", d->off_text ? "; " : "", got);
    }
    return LS_OK;
}
