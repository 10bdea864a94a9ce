/* emu_trim_eps.c: HF's (and vLLM's) epsilon, eta or typical-p cutoff as
 * the first cut, after a plain temperature or none, without the whole
 * array (see emu.h emu_trim_eps). Owner: hE (issue 9). Units: y = z / T
 * in float32 as torch divides (nats); ef torch's float weights
 * ls_expf(y - ymax); s their float total; floor a probability.
 *
 * On the array path the stage copies V records, divides each by T, takes
 * torch's float softmax over them (epsilon.c, eta.c, typical.c), a
 * quickselect for min-keep's k-th score (or typical's full argsort),
 * masks, compacts and accounts every one with a libm exp. Epsilon's and
 * eta's decision for token i is
 *
 *     keep  iff  !(float(ef_i / s) < floor)  or  y_i >= ymax  (min-keep 1)
 *
 * and float(f / s) is non-decreasing in f: one float threshold on ef
 * (found by bisection over the floats in [0, 1]) decides every token
 * exactly as that comparison does, with no margin. ef and s are
 * vm_expf_shift_sumf's (the same bits as emu_softmax's ls_expf terms and
 * float-rounded index-order sum). Eta's floor needs the entropy first:
 * its S (libm's exp summed in index order) from emu_soft.c, then the same
 * entropy loop over the arrays. Typical-p sorts only the prefix it reads
 * (emu_trim_typical.c). The survivors go into the array in id order
 * (compact's); the report is emu_account_first_report's (emu_run's
 * accounting to the bit). Not applied (the array path, as before): exact
 * rules, a masked logit, min-keep other than 1 (vLLM's 0 keeps every
 * token: emu_mask_below's rule), a temperature with a note, any other
 * stage before the cut; typical-p when its prefix does not decide. */
#include "sampling/stage.h"
#include "base/vmath.h"
#include "base/vmath_torch_expf.h"

#include <math.h>
#include <string.h>

/* the stages: a temperature (kt, -1: none) and the cut (kc) */
struct eps_plan { int kt, kc; float Tf; };

static int plan(const struct emu *e, struct eps_plan *pl)
{
    int k = emu_first_active(e, 0);
    pl->kt = -1;
    pl->Tf = 1.0f;
    if (k >= 0 && e->c->order[k] == STAGE_TEMPERATURE) {
        double T = e->p->temperature;
        /* greedy, a floor raised or a limit passed: their notes (the array path) */
        if (!(T > 0) || T < e->c->temp_floor || e->p->dynatemp_range > 0 || (e->sys == PRESET_VLLM && T > 2))
            return 0;
        pl->kt = k;
        pl->Tf = (float)T;
        k = emu_first_active(e, k + 1);
    }
    pl->kc = k;
    return k >= 0 && (e->c->order[k] == STAGE_EPSILON || e->c->order[k] == STAGE_ETA ||
                      e->c->order[k] == STAGE_TYPICAL_P);
}

/* The smallest float f in [0, 1] with float(f / s) >= floor (the
 * quotient emu_softmax leaves: a double division rounded to float);
 * +inf when not even 1 passes. */
static float ef_threshold(double s, double floor)
{
    if (!((double)(float)(1.0 / s) >= floor)) return INFINITY;
    uint32_t lo = emu_float_key(0.0), hi = emu_float_key(1.0);
    while (lo < hi) { /* the answer is in [lo, hi] */
        uint32_t mid = lo + (hi - lo) / 2;
        if ((double)(float)((double)emu_float_of_key(mid) / s) >= floor) hi = mid;
        else lo = mid + 1;
    }
    return emu_float_of_key(lo);
}

/* eta's floor (eta.c's arithmetic over the arrays: the same sums in the
 * same order): S in double from libm's exp, the entropy over torch's
 * float p */
static double eta_floor(struct emu *e, const float *y, const float *ef, double s, double ymax)
{
    uint32_t V = e->r->V;
    double lse = emu_lse_seq(e, y, V, ymax), H = 0.0;
    for (uint32_t i = 0; i < V; i++) {
        double p = (double)(float)((double)ef[i] / s);
        if (p > 0) H -= p * (double)(float)((double)y[i] - lse);
    }
    return emu_eta_floor(e, H);
}

/* epsilon's or eta's kept ids (ascending) into e->ix; their count */
static uint32_t keep_ids(struct emu *e, const float *y, const float *ef, double s, double floor, double ymax)
{
    uint32_t V = e->r->V;
    float t = ef_threshold(s, floor);
    /* ef <= 1 always, and 1 for every y = ymax: those pass any t <= 1 */
    return (uint32_t)(t == INFINITY ? vm_collect_ge(y, V, ymax, e->ix) : vm_collect_ge(ef, V, (double)t, e->ix));
}

/* the kept e->ix[0..m) into the array (compact's order), cut_by set; the
 * smallest kept y */
static double keep(struct emu *e, const float *y, uint32_t m, uint8_t code)
{
    struct chain_result *r = e->r;
    double yk = INFINITY;
    emu_cut_begin(r, code);
    for (uint32_t j = 0; j < m; j++) {
        int32_t id = e->ix[j];
        e->a[j] = (struct ls_tok){ .id = id, .logit = (double)y[id], .p = 0.0 }; /* (every stage makes its own) */
        if ((double)y[id] < yk) yk = (double)y[id];
        emu_cut_keep(r, j, id);
    }
    emu_cut_end(r, code, m);
    e->n = m;
    e->sorted = 0;
    return yk;
}

int emu_trim_eps(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    struct eps_plan pl;
    if (!emu_torch(e) || e->ws->n_finite != V || e->ws->finite_iota_n != V || r->argmax < 0) return -1;
    if (emu_min_keep(e) != 1 || !plan(e, &pl)) return -1;
    const float *y = z;
    if (pl.kt >= 0) {
        vm_fdiv(z, V, pl.Tf, e->yf);
        y = e->yf;
    }
    double ymax = (double)(z[r->argmax] / pl.Tf); /* division by T > 0 is monotonic */
    float *ef = (float *)(void *)e->v2;           /* (V doubles: room for V floats) */
    double s = (double)vm_expf_shift_sumf(y, V, ymax, ef, NULL);
    emu_reports_whole(e, pl.kc, pl.kt, -1); /* the stages before the cut */
    struct stage_report *rep = &r->stages[pl.kc];
    memset(rep, 0, sizeof *rep);
    rep->kind = e->c->order[pl.kc];
    rep->active = 1;
    e->rep = rep;
    int32_t m;
    if (rep->kind == STAGE_TYPICAL_P) m = emu_typical_ids(e, y, ef, s, ymax);
    else m = (int32_t)keep_ids(e, y, ef, s, rep->kind == STAGE_EPSILON ? emu_f(e, e->p->epsilon)
                                                                     : eta_floor(e, y, ef, s, ymax), ymax);
    if (m < 0) return -1; /* (emu_run's array path writes every report again) */
    double yk = keep(e, y, (uint32_t)m, (uint8_t)(CUT_STAGE0 + pl.kc));
    rep->kept_in = V;
    rep->kept_out = m;
    emu_account_first_report(e, y, ymax, yk, y == z, NULL, rep);
    return pl.kc;
}
