/* temperature.c: the temperature stage.
 *
 * z <- z / T on the current candidates. Stages compare logits in raw space
 * (a positive T keeps the order), so this stage only recomputes the
 * probabilities q = exp((z - zmax) / T), one exp per candidate; zmax is the
 * raw maximum, which every truncation keeps.
 *
 * T = 0 (and, per preset, T below a greedy floor) keeps only the first
 * maximum: among equal maxima the lowest token id, which is "first in array
 * order" for llama.cpp's unsorted array and a deterministic stand-in for the
 * others. vLLM raises 0 < T < 0.01 to 0.01 (with a warning in vLLM; a note
 * here). T below 1e-6 is treated as greedy everywhere: the distribution is
 * already one-hot in double. The chain skips this stage at T = 1 (off). */
#include "sampling/stage.h"

#include <math.h>
#include <stdio.h>

#define LS_TEMP_GREEDY_MIN 1e-6

void stage_temperature(struct stage_ctx *x)
{
    double T = x->p->temperature;
    struct chain_result *r = x->r;
    struct chain_ws *ws = x->ws;
    if (T > 0 && T < x->c->temp_floor && !(T < x->c->greedy_below)) {
        snprintf(r->note, sizeof r->note, "temperature %.9g raised to %.9g (%s rule)", T,
                 x->c->temp_floor, preset_name(x->c->preset));
        T = x->c->temp_floor;
    }
    r->effective_temperature = T;
    x->rep->active = 1;
    if (T <= 0 || T < x->c->greedy_below || T < LS_TEMP_GREEDY_MIN) {
        r->greedy = 1;
        r->effective_temperature = 0;
        /* r->argmax is the lowest id among the raw maxima; every stage keeps it */
        stage_cut(x, (double)x->z[r->argmax], TIE_UPTO, r->argmax);
        return;
    }
    double zmax = r->max_logit, inv = 1.0 / T, s = 0.0;
    for (uint32_t j = 0; j < x->n; j++) {
        int32_t id = ws->cand[j];
        double e = exp(((double)x->z[id] - zmax) * inv);
        ws->q[id] = e;
        s += e;
    }
    ws->q_is_raw = 0;
    ws->T = T;
    ws->S = s;
    ws->S_valid = 1;
}
