/* presets.c: the systems a chain can imitate, as one table: name, aliases,
 * stage order, tie rule, temperature floors and default values (see
 * chain.h; sampling-reference.md b.0 for the orders, b.3 for the values):
 *   hf         T, top-k, top-p, min-p   T 1.0, top-k 50, top-p 1.0,  min-p off
 *   llama.cpp  top-k, top-p, min-p, T   T 0.8, top-k 40, top-p 0.95, min-p 0.05
 *   vllm       T, min-p, top-k, top-p   T 1.0, top-k off, top-p 1.0, min-p 0
 * "custom" is a user's stage list; it has hf's rules and no defaults. */
#include "sampling/presets.h"
#include "base/words.h"

#include <string.h>
#include <strings.h>

struct preset_def {
    const char *name;
    const char *aliases[3];  /* NULL-terminated */
    enum stage_kind order[STAGE__COUNT];
    enum topk_ties ties;
    double greedy_below, temp_floor;
    struct params defaults;
};

static const struct preset_def presets[PRESET__COUNT] = {
    [PRESET_HF] = { "hf", {"transformers", NULL},
        {STAGE_TEMPERATURE, STAGE_TOP_K, STAGE_TOP_P, STAGE_MIN_P}, TIES_KEEP, 0, 0,
        {1.0, 50, 1.0, 0.0} },
    [PRESET_LLAMACPP] = { "llama.cpp", {"llamacpp", "llama", NULL},
        {STAGE_TOP_K, STAGE_TOP_P, STAGE_MIN_P, STAGE_TEMPERATURE}, TIES_BY_ID, 0, 0,
        {0.8, 40, 0.95, 0.05} },
    /* vLLM: T < 1e-5 is greedy; 0 < T < 0.01 is raised to 0.01 */
    [PRESET_VLLM] = { "vllm", {NULL},
        {STAGE_TEMPERATURE, STAGE_MIN_P, STAGE_TOP_K, STAGE_TOP_P}, TIES_KEEP, 1e-5, 0.01,
        {1.0, 0, 1.0, 0.0} },
    [PRESET_CUSTOM] = { "custom", {NULL},
        {STAGE_TEMPERATURE, STAGE_TOP_K, STAGE_TOP_P, STAGE_MIN_P}, TIES_KEEP, 0, 0,
        {1.0, 0, 1.0, 0.0} },
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
    c->n = STAGE__COUNT;
    memcpy(c->order, d->order, sizeof d->order);
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
