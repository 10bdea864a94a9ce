/* presets.c: the systems a chain can imitate, as one table: name, aliases,
 * stage order, tie rule, temperature floors and default values (see
 * chain.h; sampling-reference.md b.0 for the orders, b.3 for the values):
 *   hf         logit-bias, penalties, T, top-k, top-p, min-p, typical-p, epsilon, eta
 *              T 1.0, top-k 50, top-p 1.0, min-p off, min-keep 1
 *   llama.cpp  logit-bias, penalties, dry, top-n-sigma, top-k, typical-p, top-p, min-p, xtc,
 *              T, mirostat   T 0.8, top-k 40, top-p 0.95, min-p 0.05,
 *              penalty window 64, min-keep 0
 *   vllm       logit-bias, penalties, T, min-p, top-k, top-p
 *              T 1.0, top-k off, top-p 1.0, min-p 0
 * Every other parameter is at its off value (PARAMS_OFF). A preset runs
 * in the system's own arithmetic unless the chain is made exact; "custom"
 * is a user's stage list: exact, hf's tie rule, no defaults. */
#include "sampling/presets.h"
#include "base/words.h"

#include <string.h>
#include <strings.h>

struct preset_def {
    const char *name;
    const char *aliases[3];  /* NULL-terminated */
    int n;
    enum stage_kind order[CHAIN_MAX_STAGES];
    enum topk_ties ties;
    double greedy_below, temp_floor;
    struct params defaults;
};

#define P0 PARAMS_OFF

static const struct preset_def presets[PRESET__COUNT] = {
    /* processors (sequence_bias, repetition penalty) first, then the warpers in order */
    [PRESET_HF] = { "hf", {"transformers", NULL}, 9,
        {STAGE_LOGIT_BIAS, STAGE_PENALTIES, STAGE_TEMPERATURE, STAGE_TOP_K, STAGE_TOP_P, STAGE_MIN_P, STAGE_TYPICAL_P,
         STAGE_EPSILON, STAGE_ETA}, TIES_KEEP, 0, 0,
        {.temperature = 1.0, .top_k = 50, .top_p = 1.0, .min_p = 0.0, .min_keep = 1, .typical_p = 1.0,
         .top_n_sigma = -1.0, .xtc_threshold = 0.1, .repeat_penalty = 1.0, .repeat_last_n = -1,
         .dynatemp_exponent = 1.0, .mirostat_tau = 5.0, .mirostat_eta = 0.1,
         .dry_base = 1.75, .dry_allowed_length = 2, .dry_last_n = -1} },
    /* logit-bias (common/sampling.cpp adds it before the user chain), then
     * common.h's default sequence (e d s k y p m x t); mirostat last:
     * when on, it replaces everything but logit-bias and temperature */
    [PRESET_LLAMACPP] = { "llama.cpp", {"llamacpp", "llama", NULL}, 11,
        {STAGE_LOGIT_BIAS, STAGE_PENALTIES, STAGE_DRY, STAGE_TOP_N_SIGMA, STAGE_TOP_K, STAGE_TYPICAL_P, STAGE_TOP_P, STAGE_MIN_P,
         STAGE_XTC, STAGE_TEMPERATURE, STAGE_MIROSTAT}, TIES_BY_ID, 0, 0,
        {.temperature = 0.8, .top_k = 40, .top_p = 0.95, .min_p = 0.05, .min_keep = 0, .typical_p = 1.0,
         .top_n_sigma = -1.0, .xtc_threshold = 0.1, .repeat_penalty = 1.0, .repeat_last_n = 64,
         .dynatemp_exponent = 1.0, .mirostat_tau = 5.0, .mirostat_eta = 0.1,
         .dry_base = 1.75, .dry_allowed_length = 2, .dry_last_n = -1} },
    /* vLLM: logit bias (clamped), penalties, then temperature, min-p, top-k/top-p; 0 < T < 0.01
     * is raised to 0.01, so only T = 0 is greedy */
    [PRESET_VLLM] = { "vllm", {NULL}, 6,
        {STAGE_LOGIT_BIAS, STAGE_PENALTIES, STAGE_TEMPERATURE, STAGE_MIN_P, STAGE_TOP_K, STAGE_TOP_P}, TIES_KEEP, 0, 0.01,
        {.temperature = 1.0, .top_k = 0, .top_p = 1.0, .min_p = 0.0, .min_keep = 0, .typical_p = 1.0,
         .top_n_sigma = -1.0, .xtc_threshold = 0.1, .repeat_penalty = 1.0, .repeat_last_n = -1,
         .dynatemp_exponent = 1.0, .mirostat_tau = 5.0, .mirostat_eta = 0.1,
         .dry_base = 1.75, .dry_allowed_length = 2, .dry_last_n = -1} },
    [PRESET_CUSTOM] = { "custom", {NULL}, 4,
        {STAGE_TEMPERATURE, STAGE_TOP_K, STAGE_TOP_P, STAGE_MIN_P}, TIES_KEEP, 0, 0, P0 },
};

const char *preset_name(enum preset p)
{
    return (unsigned)p < PRESET__COUNT ? presets[p].name : "?";
}

void chain_preset(struct chain *c, enum preset p)
{
    if ((unsigned)p >= PRESET__COUNT) p = PRESET_CUSTOM;
    const struct preset_def *d = &presets[p];
    memset(c, 0, sizeof *c);
    c->preset = p;
    c->n = d->n;
    memcpy(c->order, d->order, sizeof d->order);
    c->exact = p == PRESET_CUSTOM;
    c->topk_ties = d->ties;
    c->greedy_below = d->greedy_below;
    c->temp_floor = d->temp_floor;
}

int preset_parse(const char *s, enum preset *p)
{
    for (int i = 0; i < PRESET__COUNT; i++) {
        if (i == PRESET_CUSTOM) continue; /* a list, not a system */
        int hit = !strcasecmp(s, presets[i].name);
        for (int a = 0; !hit && presets[i].aliases[a]; a++) hit = !strcasecmp(s, presets[i].aliases[a]);
        if (hit) { *p = (enum preset)i; return 1; }
    }
    return 0;
}

struct params preset_defaults(enum preset p)
{
    return presets[(unsigned)p < PRESET__COUNT ? p : PRESET_CUSTOM].defaults;
}

static const char *system_at(const void *ctx, int i) { (void)ctx; return presets[i].name; }

void preset_names_join(const char *sep, char *buf, size_t bufsz)
{
    /* the systems are the presets before "custom" */
    _Static_assert(PRESET_CUSTOM == PRESET__COUNT - 1, "custom is the last preset");
    words_join(system_at, NULL, PRESET_CUSTOM, sep, buf, bufsz);
}
