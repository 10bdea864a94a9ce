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
 *
 * Penalties may come first (on a float copy at the history ids only:
 * emu_penalties_ids, as emu_trim_pen.c), and a min-p right after top-p is
 * decided in the same pass when no survivor lies in the float32 band
 * around its boundary (y >= ymax + ln min_p: torch's float ratio test
 * agrees there, as emu_trim_torch.c's min-p); its input distribution is
 * top-p's d over the survivors (the same maximum), so its sums are the
 * same pass's, in id order. Later stages then run on emu_run's array over
 * the few survivors (loaded in id order: compact's order).
 * Units: y = z / T in float32 as torch divides; d unnormalised. */
#include "sampling/stage.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

/* The active stages: penalties (kpen), a temperature (kt), top-p (kp),
 * in that order (each but top-p optional), then a min-p (km) and others
 * (rest: emu_run's array) or nothing; -1 for one absent */
struct plan { int kpen, kt, kp, km, rest; float Tf; };

/* the plan when the stages fit it, the temperature plain (no note, not
 * greedy); 0 otherwise */
static int shape(const struct emu *e, struct plan *pl)
{
    const struct params *p = e->p;
    *pl = (struct plan){ -1, -1, -1, -1, 0, 1.0f };
    for (int k = 0; k < e->c->n; k++) {
        enum stage_kind s = e->c->order[k];
        if (!stage_active(s, p)) continue;
        if (pl->kp >= 0) {
            if (s == STAGE_MIN_P && pl->km < 0 && !pl->rest) pl->km = k;
            else pl->rest = 1;
        } else if (s == STAGE_PENALTIES && pl->kpen < 0 && pl->kt < 0) pl->kpen = k;
        else if (s == STAGE_TEMPERATURE && pl->kt < 0) pl->kt = k;
        else if (s == STAGE_TOP_P) pl->kp = k;
        else return 0;
    }
    if (pl->kp < 0 || (pl->rest && pl->km < 0)) return 0; /* (other stages after top-p: the array) */
    if (pl->kt < 0) return 1;
    double T = p->temperature;
    if (!(T > 0) || p->dynatemp_range > 0 || T < e->c->temp_floor) return 0;
    pl->Tf = (float)T;
    return !(e->sys == PRESET_VLLM && T > 2); /* emu_temperature's notes */
}

/* y: the logits after the penalties and the temperature (z itself when
 * neither), their maximum into *mx; NULL when the penalties cannot be
 * applied this way or leave a logit that is not finite */
static const float *values(struct emu *e, const float *z, const struct plan *pl, double *mx)
{
    uint32_t V = e->r->V;
    if (pl->kpen < 0) {
        *mx = (double)(z[e->r->argmax] / pl->Tf); /* division by T > 0 is monotonic */
        if (pl->kt < 0) return z;
        vm_fdiv(z, V, pl->Tf, e->yf);
        return e->yf;
    }
    memcpy(e->yd, z, (size_t)V * sizeof *z);
    if (!emu_penalties_ids(e, e->yd)) return NULL;
    if (pl->kt >= 0) vm_fdiv(e->yd, V, pl->Tf, e->yf);
    else memcpy(e->yf, e->yd, (size_t)V * sizeof *z);
    struct vm_scan sc;
    vm_scan(e->yf, V, &sc);
    *mx = sc.max;
    return sc.n_nonfinite ? NULL : e->yf;
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

/* per stage (top-p 0, min-p 1): the removed d and raw p, the largest cut
 * d and the smallest kept one, the survivors; ks: the d top-p keeps */
struct tally { double rem[2], raw[2], cut_max[2], kept_min[2], ks, ret; uint32_t m[2]; };

/* cut_by, the kept list and the sums of account and finish, in id order:
 * top-p cuts before position first in (y, position) order (first == V:
 * nothing), min-p (code2) the rest below at (-inf: none); fin: the
 * survivors' d into p (finish_kept divides them). Branch-free: the ids
 * are in no order of y, and adding +0.0 to a sum of terms >= 0 (or NaN)
 * leaves it as it was. */
static void tally(struct emu *e, const float *y, uint32_t first, uint8_t code, uint8_t code2, double at, int fin,
                  struct tally *t)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, m = 0, m1 = 0;
    const double *d = e->d, *pr = r->p_raw;
    if (r->have_raw && r->raw_div > 0) { /* chain_raw_p's quotients, in one vector pass */
        vm_divide_into(r->p_raw, V, r->raw_div, e->v);
        pr = e->v;
    }
    double rem = 0.0, raw = 0.0, ks = 0.0, ret = 0.0, rem2 = 0.0, raw2 = 0.0;
    double cmax = -INFINITY, kmin = INFINITY, cmax2 = -INFINITY, kmin2 = INFINITY;
    int have = r->have_raw;
    float yb = first < V ? y[first] : -INFINITY;
    for (uint32_t i = 0; i < V; i++) {
        int cut = y[i] < yb || (y[i] == yb && i < first), cut2 = !cut && (double)y[i] < at;
        double di = d[i], rw = have ? pr[i] : NAN;
        r->cut_by[i] = cut ? code : cut2 ? code2 : CUT_NONE;
        if (fin) r->p[i] = cut ? 0.0 : di; /* divided by the survivors' sum in finish_kept */
        r->kept[m] = (int32_t)i;
        m += !cut && !cut2;
        m1 += !cut;
        rem += cut ? di : 0.0;
        raw += cut ? rw : 0.0;
        ks += cut ? 0.0 : di;
        rem2 += cut2 ? di : 0.0;
        raw2 += cut2 ? rw : 0.0;
        ret += cut || cut2 ? 0.0 : rw;
        cmax = cut && di > cmax ? di : cmax;
        kmin = !cut && di < kmin ? di : kmin;
        cmax2 = cut2 && di > cmax2 ? di : cmax2;
        kmin2 = !cut && !cut2 && di < kmin2 ? di : kmin2;
    }
    *t = (struct tally){ { rem, rem2 }, { raw, raw2 }, { cmax, cmax2 }, { kmin, kmin2 }, ks, ret, { m1, m } };
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

/* one stage's masses and tie flag (j: top-p 0, min-p 1) */
static void stage_sums(struct emu *e, struct stage_report *rep, uint32_t in, double S, const struct tally *t, int j)
{
    rep->kept_in = in;
    rep->kept_out = t->m[j];
    rep->mass_removed = S > 0 ? t->rem[j] / S : 0.0;
    rep->raw_mass_removed = t->raw[j];
    e->rep = rep;
    if (t->cut_max[j] == t->kept_min[j]) emu_decided(e, DECIDED_TIE); /* only the tie order chose */
}

/* the reports of stages 0..upto (the rest: emu_run's) */
static void report(struct emu *e, const struct plan *pl, int upto, double S, const struct tally *t)
{
    struct chain_result *r = e->r;
    for (int k = 0; k <= upto; k++) {
        struct stage_report *rep = &r->stages[k];
        unsigned keep = rep->decided; /* top-p's, set by the bands */
        memset(rep, 0, sizeof *rep);
        rep->kind = e->c->order[k];
        rep->kept_in = rep->kept_out = k < pl->kp ? r->V : k < pl->km || pl->km < 0 ? t->m[0] : t->m[1];
        rep->active = k == pl->kpen || k == pl->kt || k == pl->kp || k == pl->km;
        if (k == pl->kp) rep->decided = keep;
    }
    if (pl->kt >= 0) r->effective_temperature = e->p->temperature;
    stage_sums(e, &r->stages[pl->kp], r->V, S, t, 0);
    if (upto == pl->km) stage_sums(e, &r->stages[pl->km], t->m[0], t->ks, t, 1);
}

/* min-p after top-p: its boundary y = mx + ln min_p over the survivors
 * (y above yb, or at yb from position first on) when none lies in the
 * float32 band around it (torch's float ratio test then agrees); -inf
 * when it cannot be decided so (the array decides) */
static double min_p_at(const struct emu *e, const float *y, uint32_t first, double mx)
{
    uint32_t V = e->r->V, near = 0;
    double lnm = log(e->p->min_p), band = 1e-6 + 1.2e-7 * fabs(lnm), at = mx + lnm;
    /* a float p far from underflow; the maximum clearly kept */
    if (!(lnm > -60.0 && lnm < -2 * band)) return -INFINITY;
    float yb = first < V ? y[first] : -INFINITY;
    for (uint32_t i = 0; i < V; i++) {
        double v = (double)y[i];
        int kept = y[i] > yb || (y[i] == yb && i >= first);
        near += kept && v >= at - band && v < at + band;
    }
    return near ? -INFINITY : at;
}

/* the survivors into emu_run's array, in id order (compact's) */
static void load(struct emu *e, const float *y, uint32_t m)
{
    struct chain_result *r = e->r;
    for (uint32_t j = 0; j < m; j++) {
        int32_t id = r->kept[j];
        e->a[j] = (struct ls_tok){ .id = id, .logit = (double)y[id], .p = 0.0 };
    }
    e->n = m;
    e->sorted = 0;
    r->n_kept = 0;
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

/* top-p's cut over y (exps, torch's p, the bands): the first kept
 * position into *first, the sum of d into *S; 0 when not decided */
static int top_p_cut(struct emu *e, const float *y, double mx, int kp, uint32_t *first, double *S)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double P = e->p->top_p;
    float *pf = e->yd; /* the float exps, then torch's p (no DRY runs here; the penalised copy is done) */
    float sf = (float)exps(y, V, mx, e->d, pf, S);
    torch_p(pf, V, sf);
    double *w1 = (double *)(void *)e->buf; /* V doubles in V records */
    vm_divide_into(e->d, V, *S, w1);
    float thr = e->sys == PRESET_HF ? (float)(1.0 - P) : 1.0f - (float)P;
    struct stage_report *rep = &r->stages[kp];
    rep->decided = 0;
    e->rep = rep;
    unsigned before = r->decided;
    if (emu_torch_top_p_cut(e, y, pf, w1, V, thr, 1, first)) return 1;
    r->decided = before;
    return 0;
}

int emu_torch_top_p_run(struct emu *e, const float *z, int *upto)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, first = V;
    struct plan pl;
    if (!emu_torch(e) || e->ws->reference || emu_min_keep(e) > 1 || V < 4096) return 0;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V || !shape(e, &pl)) return 0;
    size_t note = strlen(r->note);
    double mx, S = 0.0;
    const float *y = values(e, z, &pl, &mx);
    if (!y || !top_p_cut(e, y, mx, pl.kp, &first, &S)) {
        r->note[note] = 0; /* emu_run's array writes the penalties' notes again */
        return 0;
    }
    double at = pl.km >= 0 ? min_p_at(e, y, first, mx) : -INFINITY;
    int fin = pl.km < 0, done = pl.km >= 0 && at > -INFINITY ? pl.km : pl.kp;
    struct tally t;
    if (r->raw_div > 0) r->raw_full_used = 1; /* every p_raw is read */
    tally(e, y, first, (uint8_t)(CUT_STAGE0 + pl.kp), (uint8_t)(CUT_STAGE0 + pl.km), at, fin, &t);
    report(e, &pl, fin ? e->c->n - 1 : done, S, &t);
    *upto = fin ? -1 : done;
    if (!fin) {
        load(e, y, t.m[done == pl.km]);
        return 1;
    }
    double h = finish_kept(r, y, t.m[0], t.ks, mx);
    r->n_kept = t.m[0];
    r->retained_mass = t.ret;
    r->entropy_after = h > 0 ? h : 0.0;
    return 1;
}
