/* stage.c: the stage table (see stage.h): one entry per stage kind, in
 * enum stage_kind order. */
#include "sampling/stage.h"

static const struct stage_def stages[STAGE__COUNT] = {
    [STAGE_TEMPERATURE] = { PARAM_TEMPERATURE, stage_temperature },
    [STAGE_TOP_K] = { PARAM_TOP_K, stage_top_k },
    [STAGE_TOP_P] = { PARAM_TOP_P, stage_top_p },
    [STAGE_MIN_P] = { PARAM_MIN_P, stage_min_p },
};

const struct stage_def *stage_def(enum stage_kind k)
{
    return (unsigned)k < STAGE__COUNT ? &stages[k] : NULL;
}

const char *stage_name(enum stage_kind k)
{
    return (unsigned)k < STAGE__COUNT ? param_name(stages[k].param) : "?";
}

int stage_parse(const char *s, enum stage_kind *k)
{
    enum param_id id;
    if (!param_lookup(s, &id)) return 0;
    for (int i = 0; i < STAGE__COUNT; i++)
        if (stages[i].param == id) { *k = (enum stage_kind)i; return 1; }
    return 0;
}
