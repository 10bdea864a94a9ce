/* stage.c: the stage table (see stage.h): one entry per stage kind, in
 * enum stage_kind order. Letters follow llama.cpp's --sampling-seq where it
 * has the stage (e s k y p m x t), except temperature's historical 'T';
 * logit-bias is 'b'. */
#include "sampling/stage.h"
#include "base/words.h"

#include <strings.h>

static const struct stage_def stages[STAGE__COUNT] = {
    [STAGE_TEMPERATURE] = { NULL, NULL, 0, PARAM_TEMPERATURE, stage_temperature, emu_temperature },
    [STAGE_TOP_K] = { NULL, NULL, 0, PARAM_TOP_K, stage_top_k, emu_top_k },
    [STAGE_TOP_P] = { NULL, NULL, 0, PARAM_TOP_P, stage_top_p, emu_top_p },
    [STAGE_MIN_P] = { NULL, NULL, 0, PARAM_MIN_P, stage_min_p, emu_min_p },
    [STAGE_TYPICAL_P] = { NULL, NULL, 0, PARAM_TYPICAL_P, NULL, emu_typical },
    [STAGE_TOP_N_SIGMA] = { NULL, NULL, 0, PARAM_TOP_N_SIGMA, NULL, emu_top_n_sigma },
    [STAGE_EPSILON] = { NULL, NULL, 0, PARAM_EPSILON, NULL, emu_epsilon },
    [STAGE_ETA] = { NULL, NULL, 0, PARAM_ETA, NULL, emu_eta },
    [STAGE_XTC] = { "xtc", NULL, 0, PARAM_XTC_PROBABILITY, NULL, emu_xtc },
    [STAGE_PENALTIES] = { "penalties", "penalty", 0, PARAM_REPEAT_PENALTY, NULL, emu_penalties },
    [STAGE_MIROSTAT] = { NULL, NULL, 0, PARAM_MIROSTAT, NULL, emu_mirostat },
    [STAGE_DRY] = { "dry", NULL, 0, PARAM_DRY_MULTIPLIER, NULL, emu_dry },
    /* its value is a list (params_table.h's list rows), no scalar */
    [STAGE_LOGIT_BIAS] = { "logit-bias", "bias", 'b', PARAM_NONE, NULL, emu_logit_bias },
};

const struct stage_def *stage_def(enum stage_kind k)
{
    return (unsigned)k < STAGE__COUNT ? &stages[k] : NULL;
}

const char *stage_name(enum stage_kind k)
{
    if ((unsigned)k >= STAGE__COUNT) return "?";
    return stages[k].name ? stages[k].name : param_name(stages[k].param);
}

char stage_initial(enum stage_kind k)
{
    if ((unsigned)k >= STAGE__COUNT) return '?';
    /* a stage without a scalar parameter (logit-bias) names its own */
    return stages[k].initial ? stages[k].initial : param_def(stages[k].param)->initial;
}

int stage_parse(const char *s, enum stage_kind *k)
{
    for (int i = 0; i < STAGE__COUNT; i++) {
        const char *al = stages[i].alias;
        if (!strcasecmp(s, stage_name((enum stage_kind)i)) || (al && !strcasecmp(s, al))) {
            *k = (enum stage_kind)i;
            return 1;
        }
    }
    enum param_id id;
    if (!param_lookup(s, &id) || param_def(id)->stage == STAGE_NONE) return 0;
    *k = param_def(id)->stage;
    return 1;
}

int stage_active(enum stage_kind k, const struct params *p)
{
    switch (k) {
    case STAGE_TEMPERATURE: return p->temperature != 1.0 || p->dynatemp_range > 0;
    case STAGE_PENALTIES:
        return p->repeat_penalty != 1.0 || p->frequency_penalty != 0.0 || p->presence_penalty != 0.0;
    case STAGE_XTC: return p->xtc_probability > 0 && p->xtc_threshold <= 0.5;
    case STAGE_DRY: return p->dry_multiplier != 0 && p->dry_base >= 1 && p->dry_last_n != 0;
    case STAGE_LOGIT_BIAS: return p->bias.n > 0;
    default: return (unsigned)k < STAGE__COUNT && !param_is_off(p, stages[k].param);
    }
}

int param_idle(const struct params *p, enum param_id id)
{
    const struct param_def *d = param_def(id);
    if (!d) return 1;
    if (d->off_rule != OFF_NEVER) return param_is_off(p, id);
    /* the exponent shapes only the dynamic part of the temperature stage */
    if (id == PARAM_DYNATEMP_EXPONENT) return param_is_off(p, PARAM_DYNATEMP_RANGE);
    return d->stage == STAGE_NONE || !stage_active(d->stage, p);
}

static const char *name_at(const void *ctx, int i) { (void)ctx; return stage_name((enum stage_kind)i); }

void stage_names_join(const char *sep, char *buf, size_t bufsz)
{
    words_join(name_at, NULL, STAGE__COUNT, sep, buf, bufsz);
}
