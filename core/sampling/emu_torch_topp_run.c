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

struct tally { double rem, raw, kept_s, ret, cut_max, kept_min; uint32_t m; };

/* cut_by, the kept list and the sums of account and finish, in id order;
 * first == V: nothing cut */
static void tally(struct emu *e, const float *y, uint32_t first, uint8_t code, struct tally *t)
{
    struct chain_result *r = e->r;
    const double *d = e->d;
    uint32_t V = r->V;
    float yb = first < V ? y[first] : -INFINITY;
    *t = (struct tally){ 0.0, 0.0, 0.0, 0.0, -INFINITY, INFINITY, 0 };
    for (uint32_t i = 0; i < V; i++) {
        double raw = r->have_raw ? chain_raw_p(r, i) : NAN;
        if (y[i] < yb || (y[i] == yb && i < first)) {
            r->cut_by[i] = code;
            t->rem += d[i];
            t->raw += raw;
            if (d[i] > t->cut_max) t->cut_max = d[i];
        } else {
            r->cut_by[i] = CUT_NONE;
            r->kept[t->m++] = (int32_t)i;
            t->kept_s += d[i];
            t->ret += raw;
            if (d[i] < t->kept_min) t->kept_min = d[i];
        }
    }
}

/* the survivors' final p and the entropy after (finish's terms) */
static double finish_kept(struct chain_result *r, const float *y, const double *d, uint32_t m, double s, double mx)
{
    double lnS = log(s), h = 0.0;
    for (uint32_t j = 0; j < m; j++) {
        int32_t i = r->kept[j];
        if (d[i] > 0) h -= d[i] / s * ((double)y[i] - mx - lnS);
        r->p[i] = d[i] / s;
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

int emu_torch_top_p_run(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, first = V;
    int kt, kp;
    if (!emu_torch(e) || e->ws->reference || emu_min_keep(e) > 1 || V < 4096) return 0;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V || !shape(e, &kt, &kp)) return 0;
    float Tf = kt >= 0 ? (float)e->p->temperature : 1.0f;
    const float *y = z;
    if (kt >= 0) { vm_fdiv(z, V, Tf, e->yf); y = e->yf; }
    double mx = (double)y[r->argmax], S = 0.0; /* division by T > 0 is monotonic */
    float *pf = e->yd; /* the float exps, then torch's p (no DRY runs here) */
    float sf = (float)exps(y, V, mx, e->d, pf, &S);
    for (uint32_t i = 0; i < V; i++) pf[i] = (float)((double)pf[i] / (double)sf);
    double P = e->p->top_p;
    float thr = e->sys == PRESET_HF ? (float)(1.0 - P) : 1.0f - (float)P;
    struct stage_report *rep = &r->stages[kp];
    rep->decided = 0;
    e->rep = rep;
    unsigned before = r->decided;
    if (!emu_torch_top_p_cut(e, y, pf, e->d, S, V, thr, 1, &first)) { r->decided = before; return 0; }
    struct tally t;
    if (r->raw_div > 0) r->raw_full_used = 1; /* every p_raw is read */
    tally(e, y, first, (uint8_t)(CUT_STAGE0 + kp), &t);
    double h = finish_kept(r, y, e->d, t.m, t.kept_s, mx);
    report(e, kt, kp, t.m, S, &t);
    r->n_kept = t.m;
    r->retained_mass = t.ret;
    r->entropy_after = h > 0 ? h : 0.0;
    return 1;
}
