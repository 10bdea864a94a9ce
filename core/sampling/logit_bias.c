/* logit_bias.c: the logit-bias stage (array path only): z_id += bias for
 * every listed id still a candidate, as each system does it:
 *   llama.cpp  first in its chain, also under mirostat; z += bias in float;
 *              -inf bans (the entry stays in its array at -inf)
 *   HF         sequence_bias, first of the processors (before repetition
 *              penalty); float32 add; -inf bans (NoBadWords' mask)
 *   vLLM       the OpenAI rule: bias clamped to [-100, 100] (so -inf is
 *              -100, not a ban), float32 add, before the penalties
 *   exact      the plain double sum; -inf bans
 * The text form and resolution to ids: logit_bias.h. A bias on a token that
 * is already masked (-inf) changes nothing. Should every remaining candidate
 * be banned, the systems would sample from NaN (llama.cpp, torch): the bans
 * are then not applied, and a note says so. */
#include "sampling/stage.h"

#include <math.h>

#define VLLM_BIAS_MAX 100.0

/* the bias as the system applies it (vLLM clamps) */
static double bias_value(const struct emu *e, double v)
{
    if (e->sys != PRESET_VLLM || !e->f32 || fabs(v) <= VLLM_BIAS_MAX) return v;
    return v < 0 ? -VLLM_BIAS_MAX : VLLM_BIAS_MAX;
}

/* position of id in the array, or -1 (e->ix maps ids to positions) */
static int64_t pos_of(const struct emu *e, int32_t id)
{
    if (id < 0 || (uint32_t)id >= e->ws->V) return -1;
    int32_t i = e->ix[id];
    return i >= 0 && (uint32_t)i < e->n && e->a[i].id == id ? i : -1;
}

/* every alive candidate would be banned */
static int bans_all(const struct emu *e, const struct logit_bias *b)
{
    uint32_t alive = 0, banned = 0;
    for (uint32_t i = 0; i < e->n; i++) alive += e->a[i].logit != -INFINITY;
    for (uint32_t k = 0; k < b->n; k++) {
        int64_t i = pos_of(e, b->id[k]);
        if (i >= 0 && e->a[i].logit != -INFINITY && bias_value(e, b->v[k]) == -INFINITY) banned++;
    }
    return alive > 0 && banned >= alive;
}

void emu_logit_bias(struct emu *e)
{
    const struct logit_bias *b = &e->p->bias;
    for (uint32_t i = 0; i < e->n; i++) e->ix[e->a[i].id] = (int32_t)i;
    int keep_bans = !bans_all(e, b);
    if (!keep_bans) chain_note(e->r, "logit-bias bans every candidate: bans not applied (the system would sample from NaN)");
    for (uint32_t k = 0; k < b->n; k++) {
        int64_t i = pos_of(e, b->id[k]);
        if (i < 0 || e->a[i].logit == -INFINITY) continue;
        double v = bias_value(e, b->v[k]);
        if (v != b->v[k])
            chain_note(e->r, "vllm clamps logit bias %g to %g%s", b->v[k], v, b->v[k] == -INFINITY ? " (not a ban)" : "");
        if (v == -INFINITY && !keep_bans) continue;
        e->a[i].logit = emu_f(e, e->a[i].logit + emu_f(e, v));
    }
    e->sorted = 0;
}
