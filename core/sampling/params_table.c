/* params_table.c: the parameter table and its lookups (see params_table.h).
 *
 * The aliases are the spellings people type: the other systems' names
 * (top_k in HF/vLLM, temp in llama.cpp), run-together forms (topk) and the
 * one-letter forms of the chain shorthand (k, p, m, t). */
#include "sampling/params_table.h"
#include "base/words.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct param_def defs[PARAM__COUNT] = {
    [PARAM_TEMPERATURE] = {
        "temperature", "temperature", {"temp", "t", NULL}, "temp", 't', 'T', 0,
        0.0, HUGE_VAL, 1.0, OFF_EQUAL, offsetof(struct params, temperature),
        "a finite number >= 0", NULL,
        "divide the logits by T; 0 = greedy, 1 = off" },
    [PARAM_TOP_K] = {
        "top-k", "top_k", {"topk", "k", NULL}, NULL, 'k', 'k', 1,
        0.0, (double)INT32_MAX, 0.0, OFF_AT_OR_BELOW, offsetof(struct params, top_k),
        ">= 0", "0 = off",
        "keep the k most likely tokens; 0 = off" },
    [PARAM_TOP_P] = {
        "top-p", "top_p", {"topp", "p", NULL}, NULL, 'p', 'p', 0,
        0.0, 1.0, 1.0, OFF_AT_OR_ABOVE, offsetof(struct params, top_p),
        "in [0, 1]", "1 = off",
        "keep the fewest most likely tokens whose mass reaches p; 1 = off" },
    [PARAM_MIN_P] = {
        "min-p", "min_p", {"minp", "m", NULL}, NULL, 0, 'm', 0,
        0.0, 1.0, 0.0, OFF_AT_OR_BELOW, offsetof(struct params, min_p),
        "in [0, 1]", "0 = off",
        "keep tokens with p >= min-p * p_max; 0 = off" },
};

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
    for (int i = 0; i < PARAM__COUNT; i++) {
        const struct param_def *d = &defs[i];
        int hit = !strcasecmp(word, d->name) || !strcasecmp(word, d->key);
        for (int a = 0; !hit && d->aliases[a]; a++) hit = !strcasecmp(word, d->aliases[a]);
        if (hit) { *id = (enum param_id)i; return 1; }
    }
    return 0;
}

static const char *name_at(const void *ctx, int i) { (void)ctx; return defs[i].name; }

void param_names_join(const char *sep, char *buf, size_t bufsz)
{
    words_join(name_at, NULL, PARAM__COUNT, sep, buf, bufsz);
}

double param_get(const struct params *p, enum param_id id)
{
    const char *f = (const char *)p + defs[id].offset;
    if (defs[id].is_int) { int32_t v; memcpy(&v, f, sizeof v); return (double)v; }
    double v;
    memcpy(&v, f, sizeof v);
    return v;
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
