/* emu_greedy.c: HF's and vLLM's greedy step (temperature 0, the only
 * active stage) without the array path (see emu.h emu_trim_greedy).
 *
 * On the array path a greedy temperature lists every token with its
 * weight (to account the mass it removes), masks all but the first
 * maximum, drops the masked entries, and takes the softmax of the one
 * survivor. The result is known in advance: the first maximum (the scan's
 * argmax: torch keeps the array in id order before the first stage) with
 * p = 1, every other token cut by the temperature stage, the removed mass
 * summed over the cut tokens in id order, and a tie reported when another
 * token shares the maximum. This fills exactly that, in three passes over
 * V instead of a dozen (tests/unit/test_differential.c compares it with
 * the whole-array path). */
#include "sampling/stage.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

/* the one active stage, or -1 */
static int only_active(const struct emu *e)
{
    int kt = -1;
    for (int k = 0; k < e->c->n; k++) {
        if (!stage_active(e->c->order[k], e->p)) continue;
        if (kt >= 0) return -1;
        kt = k;
    }
    return kt;
}

/* The mass the greedy stage removes: every token's share but the kept
 * one's, summed in id order as emu_run's accounting sums it. The stage's
 * input is the raw distribution (nothing ran before it), so when the raw
 * pass ran its shares are p_raw and no exp is spent (the removed mass then
 * differs from the array path's weight sum / total in the last bits);
 * otherwise the weights come from one vector exp pass, as emu_run lists
 * them on the untouched array. Only a CHAIN_WANT_ALL run reports them
 * (as emu_trim_torch's masses): a greedy draw is then the scan's argmax
 * and the tie check, instead of an exp pass over V. */
static void account_greedy(struct emu *e, int32_t best, double *rem, double *raw)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double sr = 0.0, sw = 0.0;
    if (e->ws->want != CHAIN_WANT_ALL) { /* draws and scores read no stage mass: no pass spent on it */
        *rem = *raw = NAN;
        return;
    }
    if (r->have_raw) {
        sr = chain_raw_sum_except(r, best);
        *rem = *raw = sr;
        return;
    }
    double S = vm_exp_shift(e->z, V, r->max_logit, 1.0, e->d, NULL);
    for (uint32_t i = 0; i < V; i++) if ((int32_t)i != best) sw += e->d[i];
    *rem = S > 0 ? sw / S : 0.0;
    *raw = NAN;
}

int emu_trim_greedy(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    int kt = only_active(e);
    if (!emu_torch(e) || kt < 0 || e->c->order[kt] != STAGE_TEMPERATURE || !(e->p->temperature <= 0)) return 0;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V || r->argmax < 0) return 0;
    int32_t best = r->argmax;
    e->z = z;
    for (int k = 0; k < e->c->n; k++) {
        struct stage_report *rep = &r->stages[k];
        memset(rep, 0, sizeof *rep);
        rep->kind = e->c->order[k];
        rep->kept_in = rep->kept_out = k <= kt ? V : 1; /* after it, torch has dropped the masked */
    }
    struct stage_report *rep = &r->stages[kt];
    rep->active = 1;
    rep->kept_out = 1;
    e->rep = rep;
    account_greedy(e, best, &rep->mass_removed, &rep->raw_mass_removed);
    if (e->sys == PRESET_HF)
        chain_note(r, "hf rejects temperature 0 (it asks for do_sample=False); computed as greedy");
    if (vm_collect_ge(z, V, (double)z[best], e->ix) > 1) emu_decided(e, DECIDED_TIE);
    memset(r->cut_by, CUT_STAGE0 + kt, V);
    r->cut_by[best] = CUT_NONE;
    r->p[best] = 1.0;
    r->kept[0] = best;
    r->n_kept = 1;
    r->greedy = 1;
    r->effective_temperature = 0;
    r->retained_mass = r->have_raw ? 0.0 + chain_raw_p(r, (uint32_t)best) : NAN;
    r->entropy_after = 0.0;
    return 1;
}
