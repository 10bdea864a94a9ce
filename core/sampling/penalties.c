/* penalties.c: repetition, frequency and presence penalties (array path
 * only). History: the tokens before this step (chain_ws_set_context),
 * the first n_prompt of them prompt tokens. A token's count c is how often
 * it occurs in the window each system looks at:
 *   llama.cpp  the last repeat-last-n tokens (-1: all; 0: off), prompt
 *              included (llama.cpp accepts prompt tokens into the sampler):
 *              z <= 0 ? z * r : z / r, then z -= c * freq + [c > 0] * presence,
 *              in float; the array becomes unsorted
 *   HF         repetition only, once per distinct token anywhere in the
 *              history: z < 0 ? z * r : z / r (float32); frequency and
 *              presence do not exist in HF (ignored, with a note)
 *   vLLM       repetition over prompt and output: z > 0 ? z / r : z * r;
 *              frequency and presence over output tokens only (float32)
 *   exact      llama.cpp's rule in double
 * With no history the stage changes nothing (said in a note).
 * emu_penalties_ids: the same on id-indexed float logits, history tokens
 * only (emu_trim_pen.c), so that the stage costs O(history), not O(V). */
#include "sampling/stage.h"

#include <math.h>

/* v[id] = occurrences of id in hist[from..): zeroed for the array's ids
 * and the window's, then counted (other entries of v are never read) */
static void count(const struct emu *e, double *v, uint32_t from)
{
    const struct chain_ws *ws = e->ws;
    for (uint32_t i = 0; i < e->n; i++) v[e->a[i].id] = 0;
    for (uint32_t t = from; t < ws->n_hist; t++)
        if (ws->hist[t] >= 0 && (uint32_t)ws->hist[t] < ws->V) v[ws->hist[t]] = 0;
    for (uint32_t t = from; t < ws->n_hist; t++)
        if (ws->hist[t] >= 0 && (uint32_t)ws->hist[t] < ws->V) v[ws->hist[t]] += 1;
}

static uint32_t window_start(const struct emu *e)
{
    const struct chain_ws *ws = e->ws;
    int32_t n = e->p->repeat_last_n;
    if (e->sys == PRESET_HF || e->sys == PRESET_VLLM || n < 0 || (uint32_t)n >= ws->n_hist) return 0;
    return ws->n_hist - (uint32_t)n;
}

static double penalise(const struct emu *e, double z, double c, double c_out)
{
    double r = emu_f(e, e->p->repeat_penalty);
    if (e->sys == PRESET_HF) return c > 0 ? emu_f(e, z < 0 ? z * r : z / r) : z;
    if (e->sys == PRESET_VLLM) {
        if (c > 0) z = emu_f(e, z > 0 ? z / r : z * r);
        z = emu_f(e, z - emu_f(e, emu_f(e, e->p->frequency_penalty) * c_out));
        return emu_f(e, z - emu_f(e, e->p->presence_penalty) * (c_out > 0));
    }
    if (c <= 0) return z;
    z = emu_f(e, z <= 0 ? z * r : z / r);
    double sub = emu_f(e, emu_f(e, c * emu_f(e, e->p->frequency_penalty)) + emu_f(e, e->p->presence_penalty));
    return emu_f(e, z - sub);
}

static void notes(struct emu *e)
{
    const struct params *p = e->p;
    if (e->sys == PRESET_HF && (p->frequency_penalty != 0 || p->presence_penalty != 0))
        chain_note(e->r, "hf has no frequency or presence penalty: ignored");
    if (e->sys == PRESET_VLLM && (p->frequency_penalty < -2 || p->frequency_penalty > 2 ||
                                  p->presence_penalty < -2 || p->presence_penalty > 2))
        chain_note(e->r, "vllm rejects frequency or presence penalties outside [-2, 2]; computed anyway");
}

/* notes, then 0 when the stage changes nothing (no history: said too) */
static int begin(struct emu *e)
{
    notes(e);
    if (e->ws->n_hist == 0 || (e->sys == PRESET_LLAMACPP && e->p->repeat_last_n == 0)) {
        chain_note(e->r, "penalties: no history before this step, nothing to penalise");
        return 0;
    }
    return 1;
}

void emu_penalties(struct emu *e)
{
    struct chain_ws *ws = e->ws;
    if (!begin(e)) return;
    uint32_t from = window_start(e), out_from = e->sys == PRESET_VLLM ? ws->n_prompt : from;
    double *c = e->v, *co = e->v2;
    count(e, c, from);
    count(e, co, out_from);
    for (uint32_t i = 0; i < e->n; i++) {
        int32_t id = e->a[i].id;
        if (e->a[i].logit == -1.0 / 0.0) continue;
        e->a[i].logit = penalise(e, e->a[i].logit, c[id], co[id]);
    }
    e->sorted = 0;
}

/* A token outside both windows has counts 0, and penalise leaves its
 * logit as it is: HF, llama.cpp and exact return it; vLLM subtracts freq * 0 and
 * presence * 0, which is z itself unless a factor is negative (then the
 * product is -0.0 and a -0.0 logit would become +0.0: not applied). So
 * only the windows' tokens are visited, each once (its count set to -1
 * once done). e->v and e->v2 hold the counts of those ids only. */
int emu_penalties_ids(struct emu *e, float *y)
{
    const struct chain_ws *ws = e->ws;
    if (e->sys == PRESET_VLLM && (e->p->frequency_penalty < 0 || e->p->presence_penalty < 0)) return 0;
    if (!begin(e)) return 1;
    uint32_t from = window_start(e), out_from = e->sys == PRESET_VLLM ? ws->n_prompt : from;
    uint32_t lo = from < out_from ? from : out_from;
    double *c = e->v, *co = e->v2;
    for (uint32_t t = lo; t < ws->n_hist; t++)
        if (ws->hist[t] >= 0 && (uint32_t)ws->hist[t] < ws->V) c[ws->hist[t]] = co[ws->hist[t]] = 0;
    for (uint32_t t = from; t < ws->n_hist; t++)
        if (ws->hist[t] >= 0 && (uint32_t)ws->hist[t] < ws->V) c[ws->hist[t]] += 1;
    for (uint32_t t = out_from; t < ws->n_hist; t++)
        if (ws->hist[t] >= 0 && (uint32_t)ws->hist[t] < ws->V) co[ws->hist[t]] += 1;
    for (uint32_t t = lo; t < ws->n_hist; t++) {
        int32_t id = ws->hist[t];
        if (id < 0 || (uint32_t)id >= ws->V || c[id] < 0) continue;
        double v = penalise(e, (double)y[id], c[id], co[id]);
        if (!isfinite(v)) return 0;
        y[id] = (float)v; /* (a float: every rule rounds its result under system rules) */
        c[id] = -1;
    }
    return 1;
}
