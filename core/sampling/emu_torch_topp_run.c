/* emu_torch_topp_run.c: a whole HF or vLLM run whose only active stages
 * are a plain temperature (or none) and then top-p, over every token,
 * without the array path (see emu.h emu_torch_top_p_run).
 *
 * When the margin check of emu_trim_torch cannot decide (a nucleus of
 * tens of thousands of tokens: the crossing token's mass is far below the
 * float32 error margin), emu_run would copy every token into its array,
 * form the stage's input distribution d (libm's exp, summed in id order),
 * torch's float32 softmax, mass bands over both (emu_topp_torch.c), mask,
 * compact, account the removed masses and build the final softmax of the
 * survivors with libm's exp again. Here the same values are formed by
 * position in plain arrays (position = token id: every token is finite and
 * the array is in id order): one pass forms d and torch's exp, one the
 * float p, the same bands decide, and one pass does the masking, the
 * accounting and the final sums, in the same id order, so every sum is
 * the same sequence of adds. The final p of a survivor is d / s: finish's
 * exp(y - max) over the survivors is d's (the maximum is always kept).
 * Units: y = z / T in float32 as torch divides; d unnormalised. */
#include "sampling/stage.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

/* The temperature's chain position (-1: inactive) and top-p's, when those
 * are the only active stages, in that order, the temperature plain (no
 * note, not greedy); 0 otherwise. */
static int shape(const struct emu *e, int *kt, int *kp)
{
    const struct params *p = e->p;
    *kt = *kp = -1;
    for (int k = 0; k < e->c->n; k++) {
        enum stage_kind s = e->c->order[k];
        if (!stage_active(s, p)) continue;
        if (s == STAGE_TEMPERATURE && *kt < 0 && *kp < 0) *kt = k;
        else if (s == STAGE_TOP_P && *kp < 0) *kp = k;
        else return 0;
    }
    if (*kp < 0) return 0;
    if (*kt < 0) return 1;
    double T = p->temperature;
    if (!(T > 0) || p->dynatemp_range > 0 || T < e->c->temp_floor) return 0;
    return !(e->sys == PRESET_VLLM && T > 2); /* emu_temperature's notes */
}

/* d = exp(y - mx) (libm's, the accounting's), torch's float exp beside it;
 * the sum of d into *S, the sum of the float exps (torch sums in double,
 * then rounds) returned */
static double exps(const float *y, uint32_t V, double mx, double *d, float *ef, double *S)
{
    double s = 0.0, sf = 0.0;
    for (uint32_t i = 0; i < V; i++) {
        double t = (double)y[i] - mx;
        d[i] = exp(t);
        ef[i] = expf((float)t);
        s += d[i];
        sf += (double)ef[i];
    }
    *S = s;
    return sf;
}

/* torch's p = (float)(e / sum) in place, e the float exps: four lanes at
 * a time (IEEE division and rounding per lane: the same quotients) */
typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
static void torch_p(float *pf, uint32_t V, float sf)
{
    uint32_t i = 0;
    v4d s = { sf, sf, sf, sf };
    for (; i + 4 <= V; i += 4) {
        v4f x;
        memcpy(&x, pf + i, sizeof x);
        x = __builtin_convertvector(__builtin_convertvector(x, v4d) / s, v4f);
        memcpy(pf + i, &x, sizeof x);
    }
    for (; i < V; i++) pf[i] = (float)((double)pf[i] / (double)sf);
}

struct tally { double rem, raw, kept_s, ret, cut_max, kept_min; uint32_t m; };

/* cut_by, the kept list and the sums of account and finish, in id order
 * (first == V: nothing cut). Branch-free: the ids are in no order of y,
 * and adding +0.0 to a sum of terms >= 0 (or NaN) leaves it as it was. */
static void tally(struct emu *e, const float *y, uint32_t first, uint8_t code, struct tally *t)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, m = 0;
    const double *d = e->d, *pr = r->p_raw;
    if (r->have_raw && r->raw_div > 0) { /* chain_raw_p's quotients, in one vector pass */
        vm_divide_into(r->p_raw, V, r->raw_div, e->v);
        pr = e->v;
    }
    double rem = 0.0, raw = 0.0, ks = 0.0, ret = 0.0;
    double cmax = -INFINITY, kmin = INFINITY;
    int have = r->have_raw;
    float yb = first < V ? y[first] : -INFINITY;
    for (uint32_t i = 0; i < V; i++) {
        int cut = y[i] < yb || (y[i] == yb && i < first);
        double di = d[i], rw = have ? pr[i] : NAN;
        r->cut_by[i] = cut ? code : CUT_NONE;
        r->p[i] = cut ? 0.0 : di; /* divided by the survivors' sum in finish_kept */
        r->kept[m] = (int32_t)i;
        m += !cut;
        rem += cut ? di : 0.0;
        raw += cut ? rw : 0.0;
        ks += cut ? 0.0 : di;
        ret += cut ? 0.0 : rw;
        cmax = cut && di > cmax ? di : cmax;
        kmin = !cut && di < kmin ? di : kmin;
    }
    *t = (struct tally){ rem, raw, ks, ret, cmax, kmin, m };
}

/* the survivors' final p and the entropy after (finish's terms, in its
 * order: p = d / s, then h -= p (y - max - ln s)) */
static double finish_kept(struct chain_result *r, const float *y, uint32_t m, double s, double mx)
{
    double lnS = log(s), h = 0.0;
    const int32_t *kept = r->kept;
    /* every p (tally left d, the cut ones' 0) over s in one vector pass:
     * the survivors' d / s, the cut ones' 0 again (cleared before the run) */
    vm_divide_into(r->p, r->V, s, r->p);
    for (uint32_t j = 0; j < m; j++) { /* p > 0 where d > 0 but for an underflow, whose term adds 0 */
        int32_t i = kept[j];
        if (r->p[i] > 0) h -= r->p[i] * ((double)y[i] - mx - lnS);
    }
    return h;
}

static void report(struct emu *e, int kt, int kp, uint32_t m, double S, const struct tally *t)
{
    struct chain_result *r = e->r;
    for (int k = 0; k < e->c->n; k++) {
        struct stage_report *rep = &r->stages[k];
        unsigned keep = rep->decided; /* top-p's, set by the bands */
        memset(rep, 0, sizeof *rep);
        rep->kind = e->c->order[k];
        rep->kept_in = rep->kept_out = k < kp ? r->V : m;
        rep->active = k == kt || k == kp;
        if (k == kp) rep->decided = keep;
    }
    if (kt >= 0) r->effective_temperature = e->p->temperature;
    struct stage_report *rep = &r->stages[kp];
    rep->kept_in = r->V;
    rep->mass_removed = S > 0 ? t->rem / S : 0.0;
    rep->raw_mass_removed = t->raw;
    e->rep = rep;
    if (t->cut_max == t->kept_min) emu_decided(e, DECIDED_TIE); /* only the tie order chose */
}

int emu_torch_top_p_hopeless(const double *d, uint32_t V, double S, double P)
{
    double th = 7.9e-6 * S, B[8] = {0};
    uint32_t i = 0;
    for (; i + 8 <= V; i += 8) /* eight sums (any order: an estimate) */
        for (int k = 0; k < 8; k++) B[k] += d[i + k] >= th ? d[i + k] : 0.0;
    for (; i < V; i++) B[0] += d[i] >= th ? d[i] : 0.0;
    double b = ((B[0] + B[1]) + (B[2] + B[3])) + ((B[4] + B[5]) + (B[6] + B[7]));
    return b < (P - 1e-9) * S;
}

int emu_torch_top_p_run(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, first = V;
    int kt, kp;
    if (!emu_torch(e) || e->ws->reference || emu_min_keep(e) > 1 || V < 4096) return 0;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V || !shape(e, &kt, &kp)) return 0;
    float Tf = kt >= 0 ? (float)e->p->temperature : 1.0f;
    const float *y = z;
    double mx = (double)(z[r->argmax] / Tf), S = 0.0, P = e->p->top_p; /* division by T > 0 is monotonic */
    if (kt >= 0) { vm_fdiv(z, V, Tf, e->yf); y = e->yf; }
    float *pf = e->yd; /* the float exps, then torch's p (no DRY runs here) */
    float sf = (float)exps(y, V, mx, e->d, pf, &S);
    torch_p(pf, V, sf);
    double *w1 = (double *)(void *)e->buf; /* V doubles in V records */
    vm_divide_into(e->d, V, S, w1);
    float thr = e->sys == PRESET_HF ? (float)(1.0 - P) : 1.0f - (float)P;
    struct stage_report *rep = &r->stages[kp];
    rep->decided = 0;
    e->rep = rep;
    unsigned before = r->decided;
    if (!emu_torch_top_p_cut(e, y, pf, w1, V, thr, 1, &first)) { r->decided = before; return 0; }
    struct tally t;
    if (r->raw_div > 0) r->raw_full_used = 1; /* every p_raw is read */
    tally(e, y, first, (uint8_t)(CUT_STAGE0 + kp), &t);
    double h = finish_kept(r, y, t.m, t.kept_s, mx);
    report(e, kt, kp, t.m, S, &t);
    r->n_kept = t.m;
    r->retained_mass = t.ret;
    r->entropy_after = h > 0 ? h : 0.0;
    return 1;
}
