/* params_table.h: the one table of sampling parameters (temperature, top-k,
 * top-p, min-p): canonical name, aliases, JSON key, valid range, "off"
 * value, the struct params field and a one-line help.
 *
 * Every place that names a parameter reads it here: the CLI's options
 * (--NAME, plus the short letter), the explorer's `:set NAME` (NAME or any
 * alias, case-insensitive), chain lists (`--chain top-k,p`), stage names in
 * reports and the chain shorthand "T>k>p>m". The spelling in text is the
 * canonical name ("top-k"); JSON documents use the key ("top_k"), which
 * the goldens and downstream scripts pin.
 *
 * Units: temperature is a divisor of logits (1 = off); top-k a token count
 * (0 = off); top-p a probability mass (1 = off); min-p a fraction of the
 * largest probability (0 = off). The later entries (min-keep, typical-p,
 * top-n-sigma, epsilon, eta, xtc-*, the penalties, dynatemp-*, mirostat-*)
 * say their unit in their help line; each names the stage it configures
 * and the systems that have it, so the explorer can dim a parameter whose
 * stage is not in the chain. Values are handled as double; top-k is an
 * integer in [0, INT32_MAX]. Nothing here parses numbers. */
#ifndef LS_PARAMS_TABLE_H
#define LS_PARAMS_TABLE_H

#include <stddef.h>
#include "base/status.h"
#include "sampling/chain.h"

enum param_id {
    PARAM_TEMPERATURE = 0, PARAM_TOP_K, PARAM_TOP_P, PARAM_MIN_P,
    PARAM_MIN_KEEP, PARAM_TYPICAL_P, PARAM_TOP_N_SIGMA, PARAM_EPSILON, PARAM_ETA,
    PARAM_XTC_PROBABILITY, PARAM_XTC_THRESHOLD,
    PARAM_REPEAT_PENALTY, PARAM_FREQUENCY_PENALTY, PARAM_PRESENCE_PENALTY, PARAM_REPEAT_LAST_N,
    PARAM_DYNATEMP_RANGE, PARAM_DYNATEMP_EXPONENT,
    PARAM_MIROSTAT, PARAM_MIROSTAT_TAU, PARAM_MIROSTAT_ETA,
    PARAM_DRY_MULTIPLIER, PARAM_DRY_BASE, PARAM_DRY_ALLOWED_LENGTH, PARAM_DRY_LAST_N,
    PARAM__COUNT,
    PARAM_NONE = -1   /* a stage with no scalar parameter (logit-bias) */
};

/* Which systems have a parameter (param_def.systems), by enum preset. */
#define SYS_HF (1u << PRESET_HF)
#define SYS_LLAMA (1u << PRESET_LLAMACPP)
#define SYS_VLLM (1u << PRESET_VLLM)
#define SYS_ALL (SYS_HF | SYS_LLAMA | SYS_VLLM)

/* How the off value disables a stage: at it, or anywhere at or beyond it. */
enum param_off { OFF_EQUAL, OFF_AT_OR_BELOW, OFF_AT_OR_ABOVE,
                 OFF_NEVER /* a setting of its stage (xtc-threshold), never off by itself */ };

#define PARAM_MAX_ALIASES 4

struct param_def {
    const char *name;       /* canonical spelling: "top-k" (text, --top-k) */
    const char *key;        /* JSON key: "top_k" */
    const char *aliases[PARAM_MAX_ALIASES + 1]; /* NULL-terminated, besides name and key */
    const char *opt_alias;  /* an extra long option spelling ("temp"), or NULL */
    char opt_short;         /* short option letter, or 0 */
    char initial;           /* the chain shorthand letter ("T>k>p>m") */
    int is_int;             /* integer-valued (top-k) */
    double lo, hi;          /* valid range, inclusive; hi = HUGE_VAL: no upper bound */
    double off;             /* the value that turns the stage off */
    enum param_off off_rule;
    size_t offset;          /* of the field in struct params */
    const char *range_text; /* the range in words, for messages: "in [0, 1]" */
    const char *off_text;   /* "0 = off", said next to a range error, or NULL */
    const char *help;       /* one line, for usage messages */
    enum stage_kind stage;  /* the stage it configures (STAGE_NONE: every truncation, min-keep) */
    unsigned systems;       /* SYS_* that have it */
};

/* Parameters whose value is a list given as text and resolved against the
 * vocabulary by the caller (sampling/logit_bias.h, sampling/dry_breakers.h):
 * rows of this table too, outside the scalar ids above, so the loops over
 * scalar parameters (options, :set, sweep, the parameter bar) stay scalar.
 *   logit-bias             ID=BIAS, ID+BIAS, ID-BIAS or 'TEXT'=BIAS, comma-
 *                          separated; BIAS a number, -inf or false (ban)
 *   dry-sequence-breaker   one breaker string each time given; "none"
 *                          clears llama.cpp's defaults \n : " * */
enum list_param_id { LPARAM_LOGIT_BIAS = 0, LPARAM_DRY_BREAKERS, LPARAM__COUNT };

struct list_param_def {
    const char *name;       /* "logit-bias" (text, --logit-bias, :set) */
    const char *key;        /* JSON key: "logit_bias" */
    const char *aliases[PARAM_MAX_ALIASES + 1];
    const char *help;       /* one line */
    enum stage_kind stage;
    unsigned systems;
};
const struct list_param_def *list_param_def(enum list_param_id id);
int list_param_lookup(const char *word, enum list_param_id *id);

/* The entry for id (NULL if out of range). */
const struct param_def *param_def(enum param_id id);
/* Canonical name ("?" if out of range). */
const char *param_name(enum param_id id);
/* Canonical name, key or alias, case-insensitive, to id. Returns 1 if known. */
int param_lookup(const char *word, enum param_id *id);

double param_get(const struct params *p, enum param_id id);
/* a and b hold the same value for every parameter of the table
 * (temperature only when with_t) and the same logit bias: whether cached
 * results still apply. */
int params_same(const struct params *a, const struct params *b, int with_t);
/* Stores v (truncated toward zero for integer parameters; no range check). */
void param_set(struct params *p, enum param_id id, double v);
/* The parameter's value disables its stage. */
int param_is_off(const struct params *p, enum param_id id);
/* v lies in the parameter's range (and is an integer if it must be). */
int param_in_range(enum param_id id, double v);

#endif
