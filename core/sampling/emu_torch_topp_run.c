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
 * the array is in id order): one pass forms d, one torch's exp and its
 * float total (a sum in any order with its error bound decides the
 * float: vm_expf_shift_sumf), the same bands decide (forming the float
 * p as they bin), and one pass does the masking and the kept list (the
 * path's vector width: vm_path_lanes), one the accounting and the final
 * sums, in the same id order, so every sum is the same sequence of adds.
 * The final p of a survivor is d / s: finish's exp(y - max) over the
 * survivors is d's (the maximum is always kept).
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
#include "sampling/emu_lanes.h"
#include "sampling/seqsum_exp.h"
#include "base/vmath.h"
#include "base/vmath_torch_expf.h"
#include "base/vmath_exp_ids.h"

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

/* emu_trim_torch's top-p gave up at once and left y = z / T in e->yf and
 * the estimates of exp(y - max) in e->d (no trim between writes either:
 * they take llama.cpp's rules or penalties first) */
static int reused(const struct emu *e, const struct plan *pl)
{
    return pl->kpen < 0 && pl->kt >= 0 && e->yf_T == pl->Tf;
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
        if (!reused(e, pl)) vm_fdiv(z, V, pl->Tf, e->yf);
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

/* torch's float exps of y - mx into ef (libm's expf, by
 * vm_expf_shift_sumf: a vector copy proven equal where there is one) and
 * their float total (torch sums in double, then rounds); their sum in
 * any order into *sum */
static float torch_exps(const float *y, uint32_t V, double mx, float *ef, double *sum)
{
    return vm_expf_shift_sumf(y, V, mx, ef, sum);
}

/* per stage (top-p 0, min-p 1): the removed d and raw p, the survivors;
 * ks: the d top-p keeps; ret: the raw p of the last survivors; tie: top-p's
 * largest cut d equals its smallest kept one (min-p's never do: its band
 * keeps every survivor over 2e-6 nats from every cut token); dk: the
 * estimates of d were not made (e->d: top_p_cut decided without them):
 * libm's d of the survivors is made into r->p first and ks summed there */
struct tally { double S, rem[2], raw[2], ks, ret; uint32_t m[2]; int tie, dk; };

/* the smallest float >= x, and the largest <= x: for a float y,
 * (double)y < x is y < f_ceil(x), (double)y <= x is y <= f_floor(x) */
static float f_ceil(double x)
{
    float f = (float)x;
    return (double)f < x ? nextafterf(f, INFINITY) : f;
}
static float f_floor(double x)
{
    float f = (float)x;
    return (double)f > x ? nextafterf(f, -INFINITY) : f;
}

/* Top-p's tie flag: libm's largest cut d against its smallest kept one,
 * which only tokens within DELTA nats of the boundary y[first] can be
 * when they are equal (one further has a true weight e^DELTA times apart,
 * far beyond exp's error): those tokens' d, in lanes flagged by classify */
#define DELTA 1e-6
struct window { double cmax, kmin; uint32_t ncut; };

static void window_add(struct window *w, const float *y, const uint8_t *cb, uint32_t i, uint32_t n, double mx,
                       float lo, float hi, uint8_t code)
{
    for (uint32_t j = i; j < i + n; j++) {
        if (y[j] < lo || y[j] > hi) continue;
        double d = exp((double)y[j] - mx);
        if (cb[j] == code) w->cmax = d > w->cmax ? d : w->cmax, w->ncut++;
        else w->kmin = d < w->kmin ? d : w->kmin;
    }
}

/* the limits of classify's tests, as floats (see f_ceil) */
struct limits { float yb, at, alo, ahi, wlo, whi; uint32_t first; uint8_t c0, c1; };

/* positions [i, n) one by one: cut_by, the kept list from *m, the counts */
static void classify_tail(struct chain_result *r, const float *y, uint32_t i, uint32_t n, const struct limits *l,
                          uint32_t *m, uint32_t *m1, uint32_t *near)
{
    for (; i < n; i++) {
        int cut = y[i] < l->yb || (y[i] == l->yb && i < l->first), cut2 = !cut && y[i] < l->at;
        r->cut_by[i] = cut ? l->c0 : cut2 ? l->c1 : CUT_NONE;
        r->kept[*m] = (int32_t)i;
        *m += !cut && !cut2;
        *m1 += !cut;
        *near += !cut && y[i] >= l->alo && y[i] < l->ahi;
    }
}

/* for each 4-bit mask of kept lanes: their lane numbers, in order, first
 * (the rest any), and how many */
typedef int32_t v4i_t __attribute__((vector_size(16)));
static const struct { v4i_t lane; uint32_t n; } pack[16] = {
    { { 0, 1, 2, 3 }, 0 }, { { 0, 1, 2, 3 }, 1 }, { { 1, 0, 2, 3 }, 1 }, { { 0, 1, 2, 3 }, 2 },
    { { 2, 0, 1, 3 }, 1 }, { { 0, 2, 1, 3 }, 2 }, { { 1, 2, 0, 3 }, 2 }, { { 0, 1, 2, 3 }, 3 },
    { { 3, 0, 1, 2 }, 1 }, { { 0, 3, 1, 2 }, 2 }, { { 1, 3, 0, 2 }, 2 }, { { 0, 1, 3, 2 }, 3 },
    { { 2, 3, 0, 1 }, 2 }, { { 0, 2, 3, 1 }, 3 }, { { 1, 2, 3, 0 }, 3 }, { { 0, 1, 2, 3 }, 4 },
};

/* the kept ids of positions [i, i + n) (n a multiple of 4) from their
 * cut_by bytes, appended at *m: four bytes a word, the zero ones' lanes
 * by pack (four ids stored each time: *m + 4 <= i + 4 <= V) */
static void kept_words(struct chain_result *r, uint32_t i, uint32_t n, uint32_t *m)
{
    uint32_t k = *m;
    for (uint32_t j = i; j < i + n; j += 4) {
        uint32_t wd, nz, km;
        memcpy(&wd, r->cut_by + j, sizeof wd);
        nz = (((wd & 0x7f7f7f7fu) + 0x7f7f7f7fu) | wd) & 0x80808080u; /* a byte's top bit: nonzero (codes < 0x80) */
        km = ((~nz & 0x80808080u) * 0x00204081u) >> 28;               /* bits 7, 15, 23, 31 to 28..31 */
        v4i_t ids = pack[km].lane + (int32_t)j;
        memcpy(r->kept + k, &ids, sizeof ids);
        k += pack[km].n;
    }
    *m = k;
}

/* classify's blocks of CB positions, W lanes at a time (the path's
 * width: the same tests lane by lane), up to the last whole block; the
 * window's lanes (rare) by window_add over their block; the survivors'
 * counts added to cnt[0] (of top-p) and cnt[1] (near min-p's boundary);
 * returns the positions done */
enum { CB = 256 };
#define CLASSIFY_FN(NAME, ATTR, VF, VI, W)                                                          \
    ATTR static uint32_t NAME(struct chain_result *r, const float *y, const struct limits *l, double mx,  \
                              struct window *w, uint32_t *m, uint32_t cnt[2])                        \
    {                                                                                              \
        typedef uint8_t VB __attribute__((vector_size(W))); /* a code a lane */                  \
        VI c0 = { 0 }, c1 = { 0 }, acc1 = { 0 }, accn = { 0 }, idx, fv = { 0 };                   \
        uint32_t V = r->V, i = 0;                                                                  \
        for (int k = 0; k < W; k++) idx[k] = k;                                                    \
        c0 += l->c0, c1 += l->c1, fv += (int32_t)(l->first < V ? l->first : V);                    \
        for (; i + CB <= V; i += CB) {                                                             \
            VI win = { 0 };                                                                        \
            for (uint32_t j = i; j < i + CB; j += W, idx += W) {                                   \
                VF v;                                                                              \
                memcpy(&v, y + j, sizeof v);                                                       \
                VI cut = (v < l->yb) | ((v == l->yb) & (idx < fv)), cut2 = ~cut & (v < l->at);     \
                win |= (v >= l->wlo) & (v <= l->whi);                                              \
                acc1 -= ~cut;                                                                      \
                accn -= ~cut & (v >= l->alo) & (v < l->ahi);                                       \
                VB cb = __builtin_convertvector((cut & c0) | (cut2 & c1), VB);                     \
                memcpy(r->cut_by + j, &cb, sizeof cb);                                             \
            }                                                                                      \
            kept_words(r, i, CB, m);                                                               \
            int any = 0;                                                                           \
            for (int k = 0; k < W; k++) any |= win[k];                                             \
            if (any) window_add(w, y, r->cut_by, i, CB, mx, l->wlo, l->whi, l->c0);                \
        }                                                                                          \
        for (int k = 0; k < W; k++) cnt[0] += (uint32_t)acc1[k], cnt[1] += (uint32_t)accn[k];      \
        return i;                                                                                  \
    }
EMU_AT_WIDTHS(CLASSIFY_FN, classify)

/* cut_by and the kept list, in id order: top-p cuts before position
 * first in (y, position) order (first == V: nothing), min-p (code[1])
 * the rest below at (-inf: none); the survivors of top-p within band of
 * at counted (returned: then min-p is not decided here, and the pass
 * runs again without it); top-p's tie flag. W lanes at a time (the ids
 * are in no order of y: no branches but for the window's rare blocks). */
static uint32_t classify(struct emu *e, const float *y, double mx, uint32_t first, const uint8_t code[2],
                         double at, double band, struct tally *t)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, m = 0, cnt[2] = { 0, 0 }, i;
    float yb = first < V ? y[first] : -INFINITY;
    struct limits l = { yb, f_ceil(at), f_ceil(at - band), f_ceil(at + band), f_ceil((double)yb - DELTA),
                        f_floor((double)yb + DELTA), first, code[0], code[1] };
    struct window w = { -INFINITY, INFINITY, 0 };
    i = EMU_AT_WIDTH(classify, vm_path_lanes())(r, y, &l, mx, &w, &m, cnt);
    classify_tail(r, y, i, V, &l, &m, &cnt[0], &cnt[1]);
    window_add(&w, y, r->cut_by, i, V - i, mx, l.wlo, l.whi, code[0]);
    t->m[0] = cnt[0], t->m[1] = m;
    t->tie = w.ncut && w.cmax == w.kmin;
    return cnt[1];
}

/* the sums of src[0..n) (n <= SEQSUM_MAX, one array) over V, cnt[k] the
 * number of terms src[k] takes: the dense ones (a sixteenth of V or more)
 * in one seqsum_many, sharing the loads; the others alone (a sum that
 * stays 0 holds its seqsum in the scalar loop: alone it holds up no
 * other); 0.0 for none taken */
static void sum_group(const struct seqsum_src *src, const uint32_t *cnt, int n, uint32_t V, double *out)
{
    struct seqsum_src dense[SEQSUM_MAX];
    int map[SEQSUM_MAX], nd = 0;
    double o[SEQSUM_MAX];
    for (int k = 0; k < n; k++) {
        if (cnt[k] == 0) out[k] = 0.0;
        else if (cnt[k] >= V / 16) dense[nd] = src[k], map[nd++] = k;
        else out[k] = seqsum(&src[k], V);
    }
    if (nd) seqsum_many(dense, nd, V, o);
    for (int j = 0; j < nd; j++) out[map[j]] = o[j];
}

/* the stages' sums in id order, to the bit, each over the tokens its
 * cut_by code selects: of libm's d from the estimates in e->d
 * (seqsum_exp.h), of the raw p (pr) exactly; a raw sum is NaN when the
 * raw softmax is not made and any term is taken (as a sum of NaN terms) */
static void sums(struct emu *e, const float *y, double mx, const uint8_t code[2], const double *pr, struct tally *t)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, m0 = t->m[0], m1 = t->m[1];
    /* a caller that reads no masses (a draw) needs the kept sum alone */
    uint32_t all = e->masses ? V : 0, cut = e->masses ? V - m0 : 0;
    const uint32_t cnt[4] = { all, cut, m0, m0 - m1 }, rcnt[2] = { V - m0, m0 - m1 };
    const uint8_t *cb = r->cut_by;
    struct seqsum_exp x = { y, 1.0f, mx };
    const struct seqsum_src src[4] = { seqsum_exp_src(&x, e->d, 1.0, NULL),
                                       seqsum_select(seqsum_exp_src(&x, e->d, 1.0, cb), code[0], 1),
                                       seqsum_select(seqsum_exp_src(&x, e->d, 1.0, cb), code[0], 0),
                                       seqsum_select(seqsum_exp_src(&x, e->d, 1.0, cb), code[1], 1) };
    double s[4], w[2], ret = 0.0;
    if (t->dk) { /* (no masses, no min-p: the kept sum alone, of libm's d in r->p, 0 elsewhere) */
        vm_libm_exp_kept(y, r->kept, m0, cb, CUT_NONE, V, mx, r->p);
        s[0] = s[1] = s[3] = s[2] = 0.0;
        if (m0 < V / 16) /* the survivors listed in id order: the sum itself */
            for (uint32_t j = 0; j < m0; j++) s[2] += r->p[r->kept[j]];
        else
            s[2] = seqsum_plain(r->p, V); /* (+0 at the others: the same sum) */
    } else {
        sum_group(src, cnt, 4, V, s);
    }
    t->S = all ? s[0] : NAN, t->rem[0] = e->masses ? s[1] : NAN, t->ks = s[2], t->rem[1] = s[3];
    if (!r->have_raw) {
        t->raw[0] = rcnt[0] ? NAN : 0.0, t->raw[1] = rcnt[1] ? NAN : 0.0, t->ret = m1 ? NAN : 0.0;
        return;
    }
    const struct seqsum_src raw[2] = { seqsum_select(seqsum_exact_src(pr, cb), code[0], 1),
                                       seqsum_select(seqsum_exact_src(pr, cb), code[1], 1) };
    sum_group(raw, rcnt, 2, V, w);
    if (m1 < V / 16) { /* the survivors listed in id order: the sum itself */
        for (uint32_t j = 0; j < m1; j++) ret += pr[r->kept[j]];
    } else {
        const struct seqsum_src fin = seqsum_select(seqsum_exact_src(pr, cb), CUT_NONE, 1);
        ret = seqsum(&fin, V);
    }
    t->raw[0] = w[0], t->raw[1] = w[1], t->ret = ret;
}

/* the whole tally: cut_by, the kept list, the sums and top-p's tie flag;
 * at: min-p's boundary (-inf: none) and its band; returns at, or -inf
 * when min-p was left to the array (scratch: e->v the divided raw p) */
static double tally(struct emu *e, const float *y, double mx, uint32_t first, const uint8_t code[2], double at,
                    double band, struct tally *t)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    const double *pr = r->p_raw;
    if (r->have_raw && r->raw_div > 0) { /* chain_raw_p's quotients, in one vector pass */
        vm_divide_into(r->p_raw, V, r->raw_div, e->v);
        pr = e->v;
    }
    if (classify(e, y, mx, first, code, at, band, t)) at = -INFINITY, classify(e, y, mx, first, code, at, 0, t);
    sums(e, y, mx, code, pr, t);
    return at;
}

/* the survivors' final p and the entropy after (finish's terms, in its
 * order: p = d / s, then h -= p (y - max - ln s)): libm's d at the
 * survivors (vm_libm_exp_kept), then every p over s and the terms' sum in
 * id order in one vector pass (vm_divide_entropy: its term p (ln s - (y
 * - max)) is minus finish's, added where finish subtracts, so the same
 * sums; a cut token's p is 0 (cleared before the run) and adds +0, as a
 * survivor's whose d / s underflows, which finish skips) */
static double finish_kept(struct chain_result *r, const float *y, uint32_t m, double s, double mx, int made)
{
    if (!made) vm_libm_exp_kept(y, r->kept, m, r->cut_by, CUT_NONE, r->V, mx, r->p);
    return vm_divide_entropy(r->p, y, r->V, s, mx, 1.0, log(s), r->p);
}

/* one stage's masses and tie flag (j: top-p 0, min-p 1) */
static void stage_sums(struct emu *e, struct stage_report *rep, uint32_t in, double S, const struct tally *t, int j)
{
    rep->kept_in = in;
    rep->kept_out = t->m[j];
    rep->mass_removed = S > 0 ? t->rem[j] / S : isnan(S) ? NAN : 0.0; /* (NaN: not summed, a draw) */
    rep->raw_mass_removed = t->raw[j];
    e->rep = rep;
    if (j == 0 && t->tie) emu_decided(e, DECIDED_TIE); /* only the tie order chose */
}

/* the reports of stages 0..upto (the rest: emu_run's) */
static void report(struct emu *e, const struct plan *pl, int upto, const struct tally *t)
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
    stage_sums(e, &r->stages[pl->kp], r->V, t->S, t, 0);
    if (upto == pl->km) stage_sums(e, &r->stages[pl->km], t->m[0], t->ks, t, 1);
}

/* min-p after top-p: its boundary y = mx + ln min_p, decided over the
 * survivors when none lies in the float32 band around it (*band; torch's
 * float ratio test then agrees: tally checks); -inf when min-p is not
 * decided so (the array decides) */
static double min_p_at(const struct emu *e, double mx, double *band)
{
    double lnm = log(e->p->min_p);
    *band = 1e-6 + 1.2e-7 * fabs(lnm);
    /* a float p far from underflow; the maximum clearly kept */
    return lnm > -60.0 && lnm < -2 * *band ? mx + lnm : -INFINITY;
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

/* eight sums (any order would do: an estimate): tokens i with i mod 8 =
 * k in id order in lane k mod 2 of b(k / 2), the tail in b0's lane 0
 * (2-double vectors: GCC keeps their compares in SSE2's lanes) */
typedef double v2d_h __attribute__((vector_size(16)));
typedef int64_t v2l_h __attribute__((vector_size(16)));
int emu_torch_top_p_hopeless(const double *d, uint32_t V, double S, double P)
{
    double th = 7.9e-6 * S;
    v2d_h b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, tv = (v2d_h){0} + th, x0, x1, x2, x3;
    uint32_t i = 0;
    for (; i + 8 <= V; i += 8) { /* d below th (or NaN): +0 */
        memcpy(&x0, d + i, sizeof x0);
        memcpy(&x1, d + i + 2, sizeof x1);
        memcpy(&x2, d + i + 4, sizeof x2);
        memcpy(&x3, d + i + 6, sizeof x3);
        b0 += (v2d_h)((v2l_h)x0 & (x0 >= tv));
        b1 += (v2d_h)((v2l_h)x1 & (x1 >= tv));
        b2 += (v2d_h)((v2l_h)x2 & (x2 >= tv));
        b3 += (v2d_h)((v2l_h)x3 & (x3 >= tv));
    }
    for (; i < V; i++) b0[0] += d[i] >= th ? d[i] : 0.0;
    double b = ((b0[0] + b0[1]) + (b1[0] + b1[1])) + ((b2[0] + b2[1]) + (b3[0] + b3[1]));
    return b < (P - 1e-9) * S;
}

/* top-p's cut over y (exps, torch's p, the bands): the first kept
 * position into *first; 0 when not decided. *dk: the estimates of d
 * were not made. A draw without a min-p (no masses: d only sums the
 * survivors, which finish then needs exact anyway) first takes the float
 * exps for d in the bands (emu_torch_top_p_cut with d NULL); only when
 * that margin does not decide are the estimates made and the bands asked
 * again. */
static int top_p_cut(struct emu *e, const float *y, double mx, const struct plan *pl, uint32_t *first, int *dk)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double P = e->p->top_p, Sf;
    float *pf = e->yd; /* the float exps (no DRY runs here; the penalised copy is done) */
    struct seqsum_exp x = { y, 1.0f, mx };
    float sf = torch_exps(y, V, mx, pf, &Sf); /* torch's p: pf / sf, formed by the bands */
    float thr = e->sys == PRESET_HF ? (float)(1.0 - P) : 1.0f - (float)P;
    struct stage_report *rep = &r->stages[pl->kp];
    unsigned before = r->decided;
    int ok = -1;
    rep->decided = 0;
    e->rep = rep;
    *dk = !e->masses && pl->km < 0 && !reused(e, pl);
    if (*dk) ok = emu_torch_top_p_cut(e, y, pf, sf, NULL, Sf, V, thr, 1, first);
    if (ok < 0) {
        r->decided = before, rep->decided = 0, *dk = 0;
        /* libm's d within SEQSUM_EXP_REL (the exact sums' estimates, tally),
         * and their sum in any order, within (V + 1) 2^-53 of the exact S;
         * d / S (the bands divide) within 2^-48 + (V + 3) 2^-53 of the
         * quotients the array path's bands sum, well inside their margin
         * (its factor 2 to spare is 4 V 2^-53) */
        double Se = reused(e, pl) ? e->yf_dsum : seqsum_exp_estimate(&x, V, e->d);
        ok = emu_torch_top_p_cut(e, y, pf, sf, e->d, Se, V, thr, 1, first);
    }
    if (ok > 0) return 1;
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
    double mx;
    const float *y = values(e, z, &pl, &mx);
    int dk = 0;
    if (!y || !top_p_cut(e, y, mx, &pl, &first, &dk)) {
        r->note[note] = 0; /* emu_run's array writes the penalties' notes again */
        return 0;
    }
    double band = 0.0, at = pl.km >= 0 ? min_p_at(e, mx, &band) : -INFINITY;
    const uint8_t code[2] = { (uint8_t)(CUT_STAGE0 + pl.kp), (uint8_t)(CUT_STAGE0 + pl.km) };
    struct tally t;
    t.dk = dk;
    r->raw_full_used = 1; /* every p_raw is read */
    at = tally(e, y, mx, first, code, at, band, &t);
    int fin = pl.km < 0, done = at > -INFINITY ? pl.km : pl.kp;
    report(e, &pl, fin ? e->c->n - 1 : done, &t);
    *upto = fin ? -1 : done;
    if (!fin) {
        load(e, y, t.m[done == pl.km]);
        return 1;
    }
    double h = finish_kept(r, y, t.m[0], t.ks, mx, t.dk);
    r->n_kept = t.m[0];
    r->retained_mass = t.ret;
    r->entropy_after = h > 0 ? h : 0.0;
    return 1;
}
