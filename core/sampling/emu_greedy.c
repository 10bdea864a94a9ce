/* emu_greedy.c: HF's and vLLM's greedy step (temperature 0, the first
 * active stage, any later one a truncation that keeps the lone survivor:
 * hf's defaults with -t 0 keep their top-k 50) without the array path
 * (see emu.h emu_trim_greedy).
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

/* stages that keep a lone candidate as it is (torch's truncations keep at
 * least one token: the most likely, the only one here), reporting one in,
 * one out and no mass, and writing no note (eta would: its cutoff and the
 * entropy) */
static int keeps_lone(enum stage_kind s)
{
    return s == STAGE_TOP_K || s == STAGE_TOP_P || s == STAGE_MIN_P || s == STAGE_TYPICAL_P || s == STAGE_EPSILON;
}

/* the first active stage when it is the only one or every later active
 * one keeps a lone candidate (with min-keep 1), or -1 */
static int greedy_first(const struct emu *e)
{
    int kt = -1;
    for (int k = 0; k < e->c->n; k++) {
        enum stage_kind s = e->c->order[k];
        if (!stage_active(s, e->p)) continue;
        if (kt < 0) kt = k;
        else if (!keeps_lone(s) || emu_min_keep(e) > 1) return -1;
    }
    return kt;
}

/* The mass the greedy stage removes: every token's share but the kept
 * one's, summed in id order as emu_run's accounting sums it. The stage's
 * input is the raw distribution (nothing ran before it). Alone (`lone`),
 * with the raw pass run, its shares are p_raw and no exp is spent (the
 * removed mass then differs from the array path's weight sum / total in
 * the last bits: this path's numbers since it began); with later stages
 * the weights come from one vector exp pass, as emu_run lists them on the
 * untouched array, so the numbers are the array path's, which that chain
 * always had. Only a run that reports masses (e->masses) makes them (as emu_trim_torch's
 * masses): a greedy draw is then the scan's argmax and the tie check,
 * instead of an exp pass over V. */
static void account_greedy(struct emu *e, int32_t best, int lone, double *rem, double *raw)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double sw = 0.0;
    if (!e->masses) { /* no pass spent on masses nobody reads */
        *rem = *raw = NAN;
        return;
    }
    *raw = r->have_raw ? chain_raw_sum_except(r, best) : NAN;
    if (r->have_raw && lone) {
        *rem = *raw;
        return;
    }
    double S = vm_exp_shift(e->z, V, r->max_logit, 1.0, e->d, NULL);
    for (uint32_t i = 0; i < V; i++) if ((int32_t)i != best) sw += e->d[i];
    *rem = S > 0 ? sw / S : 0.0;
}

int emu_trim_greedy(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    int kt = greedy_first(e);
    if (!emu_torch(e) || kt < 0 || e->c->order[kt] != STAGE_TEMPERATURE || !(e->p->temperature <= 0)) return 0;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V || r->argmax < 0) return 0;
    int32_t best = r->argmax;
    e->z = z;
    for (int k = 0; k < e->c->n; k++) {
        struct stage_report *rep = &r->stages[k];
        memset(rep, 0, sizeof *rep);
        rep->kind = e->c->order[k];
        rep->kept_in = rep->kept_out = k <= kt ? V : 1; /* after it, torch has dropped the masked */
        rep->active = k > kt && stage_active(rep->kind, e->p); /* a later one keeps the lone token */
    }
    struct stage_report *rep = &r->stages[kt];
    rep->active = 1;
    rep->kept_out = 1;
    e->rep = rep;
    account_greedy(e, best, emu_first_active(e, kt + 1) < 0, &rep->mass_removed, &rep->raw_mass_removed);
    if (e->sys == PRESET_HF)
        chain_note(r, "hf rejects temperature 0 (it asks for do_sample=False); computed as greedy");
    /* (eval's scores read no decided flag: no pass spent on it) */
    if (e->flags_read && vm_collect_ge(z, V, (double)z[best], e->ix) > 1) emu_decided(e, DECIDED_TIE);
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
