/* temperature.c: the temperature stage.
 *
 * z <- z / T on the current candidates. T = 0 (and, per preset, T below a
 * greedy floor) keeps only the first maximum: among equal maxima the lowest
 * token id, which is "first in array order" for llama.cpp's unsorted array
 * and a deterministic stand-in for the others. vLLM raises 0 < T < 0.01 to
 * 0.01 (with a warning in vLLM; a note here). T below 1e-6 is treated as
 * greedy everywhere: the distribution is already one-hot in double. */
#include "stage.h"

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
    if (T <= 0 || T < x->c->greedy_below || T < LS_TEMP_GREEDY_MIN) {
        r->greedy = 1;
        r->effective_temperature = 0;
        x->rep->active = 1;
        /* first maximum in ascending id order */
        uint32_t best = 0;
        for (uint32_t j = 1; j < x->n; j++)
            if (ws->w[ws->cand[j]] > ws->w[ws->cand[best]]) best = j;
        double m = stage_softmax(x);
        (void)m;
        for (uint32_t j = 0; j < x->n; j++) ws->idx[j] = (j == best);
        stage_compact(x, 1);
        return;
    }
    x->rep->active = (T != 1.0);
    if (T != 1.0) {
        for (uint32_t j = 0; j < x->n; j++) ws->w[ws->cand[j]] /= T;
        ws->q_valid = 0; /* probabilities change shape: recompute lazily */
    }
}
