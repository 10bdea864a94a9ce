/* temperature.c: the temperature stage.
 *
 * z <- z / T on the current candidates. Stages compare logits in raw space
 * (a positive T keeps the order), so this stage only recomputes the
 * probabilities q = exp((z - zmax) / T), one exp per candidate; zmax is the
 * raw maximum, which every truncation keeps.
 *
 * Only T <= 0 is greedy: it keeps only the first maximum (on the fast path
 * the lowest id among equal maxima). Any positive T divides, however small
 * (llama.cpp and HF do; [3,3,0,0] at T = 1e-7 is 0.5/0.5, not one-hot).
 * vLLM first raises 0 < T < 0.01 to 0.01 (with a warning in vLLM; a note
 * here), so only its T = 0 is greedy. The chain skips this stage at T = 1
 * (off) unless a dynamic-temperature range is set.
 *
 * The array path (emu_temperature) per system:
 *   llama.cpp  temp / temp-ext: logit /= T in float; T <= 0 keeps the first
 *              maximum in the array's current order (strict >), which after
 *              top-k is the partial sort's order, not the ids'; with a
 *              dynatemp range, T from the normalised entropy (float)
 *   HF         scores / T in float32; T = 0 is rejected by HF (it asks for
 *              do_sample=False): computed as greedy with a note
 *   vLLM       T > 2 is rejected by vLLM (computed, with a note); T = 0 is
 *              greedy by argmax (the first maximum, lowest id) */
#include "sampling/stage.h"
#include "base/vmath.h"

#include <math.h>
#include <stdio.h>

void stage_temperature(struct stage_ctx *x)
{
    double T = x->p->temperature;
    struct chain_result *r = x->r;
    struct chain_ws *ws = x->ws;
    if (T > 0 && T < x->c->temp_floor && !(T < x->c->greedy_below)) {
        chain_note(r, "temperature %.9g raised to %.9g (%s rule)", T, x->c->temp_floor,
                   preset_name(x->c->preset));
        T = x->c->temp_floor;
    }
    r->effective_temperature = T;
    x->rep->active = 1;
    if (T <= 0 || T < x->c->greedy_below) {
        r->greedy = 1;
        r->effective_temperature = 0;
        /* r->argmax is the lowest id among the raw maxima; every stage keeps it */
        stage_cut(x, (double)x->z[r->argmax], TIE_UPTO, r->argmax);
        return;
    }
    double zmax = r->max_logit, inv = 1.0 / T, s = 0.0;
    if (ws->cand_iota && ws->q_lazy) {
        /* nobody reads the masses (a draw): the whole-vocabulary exp pass
         * waits until a stage needs q (stage_q), over the survivors only */
        ws->q_is_raw = 0;
        ws->q_vec = 1;
        ws->T = T;
        ws->S_valid = 0;
        return;
    }
    if (ws->cand_iota) {
        s = vm_exp_shift(x->z, x->n, zmax, inv, ws->q, NULL); /* every token: one vector pass */
    } else {
        for (uint32_t j = 0; j < x->n; j++) {
            int32_t id = ws->cand[j];
            double e = exp(((double)x->z[id] - zmax) * inv);
            ws->q[id] = e;
            s += e;
        }
    }
    ws->q_is_raw = 0;
    ws->q_lazy = 0;
    ws->T = T;
    ws->S = s;
    ws->S_valid = 1;
}

/* keep only the first maximum in array order (strict >); the others -inf */
static void greedy(struct emu *e)
{
    uint32_t best = 0, ties = 0;
    for (uint32_t i = 1; i < e->n; i++) if (e->a[i].logit > e->a[best].logit) best = i;
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->a[i].logit == e->a[best].logit) ties++;
        if (i != best) emu_mask(e, i);
    }
    if (ties > 1) emu_decided(e, DECIDED_TIE);
    e->r->greedy = 1;
    e->r->effective_temperature = 0;
}

/* llama.cpp's temp-ext with a range: T from the normalised entropy of the
 * current candidates (ln of their count, not of the vocabulary) */
static double dynamic_t(struct emu *e, double T)
{
    float lo = (float)T - (float)e->p->dynatemp_range, hi = (float)T + (float)e->p->dynatemp_range;
    if (lo < 0) lo = 0;
    float maxh = -logf(1.0f / (float)e->n), h = 0.0f;
    if (!emu_sort_defer(e)) emu_llama_softmax(e, 1); /* the same p and value order, sort owed */
    for (uint32_t i = 0; i < e->n; i++) { /* in sorted order: a float sum */
        float pr = (float)e->a[i].p;
        if (pr > 0.0f) h -= pr * logf(pr);
    }
    float dyn = lo + (hi - lo) * powf(h / maxh, (float)e->p->dynatemp_exponent);
    e->deferred_T = dyn;
    if (!(dyn > 0) || !isfinite(dyn)) emu_sort_settle(e); /* greedy reads the array's order */
    chain_note(e->r, "dynamic temperature %.6g (entropy %.4g of max %.4g)", (double)dyn, (double)h, (double)maxh);
    return dyn;
}

/* the requested T after the system's rules; notes for rejected values */
static double system_t(struct emu *e)
{
    double T = e->p->temperature;
    const struct chain *c = e->c;
    if (T > 0 && T < c->temp_floor) {
        chain_note(e->r, "temperature %.9g raised to %.9g (%s rule)", T, c->temp_floor, preset_name(c->preset));
        T = c->temp_floor;
    }
    if (!e->f32) return T;
    if (e->sys == PRESET_HF && T <= 0)
        chain_note(e->r, "hf rejects temperature 0 (it asks for do_sample=False); computed as greedy");
    if (e->sys == PRESET_VLLM && T > 2)
        chain_note(e->r, "vllm rejects temperature %.9g (its limit is 2); computed anyway", T);
    if (e->sys == PRESET_LLAMACPP && e->p->dynatemp_range > 0 && e->n > 1) T = dynamic_t(e, T);
    return T;
}

void emu_temperature(struct emu *e)
{
    double T = system_t(e);
    e->r->effective_temperature = T;
    if (T <= 0) { greedy(e); return; }
    for (uint32_t i = 0; i < e->n; i++)
        e->a[i].logit = e->f32 ? (double)((float)e->a[i].logit / (float)T) : e->a[i].logit / T;
}
