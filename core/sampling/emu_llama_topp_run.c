/* emu_llama_topp_run.c: a whole llama.cpp run whose first active stage is
 * top-p and whose only later one is a plain temperature (or none), over
 * every token (see emu.h emu_llama_top_p_run). Written for the explorer's
 * top-p 0.99 without top-k: a nucleus of 10^5 tokens.
 *
 * What llama.cpp computes there, and what of it anything reads:
 *   - its float softmax in array order (token order: nothing sorted yet);
 *   - its float cumulative sum over the candidates in descending logit
 *     order (the best 256 bucket-sorted, then all), stopping at the first
 *     cum >= p: a sequence of values that does not depend on how equal
 *     logits are ordered, so one radix sort of the logits (those above a
 *     mass threshold the sum should not pass) gives the same stop; the
 *     kept set is every logit at or above the stop's, unless a run of
 *     equal logits straddles the stop (then the sorts' tie order chooses:
 *     not applied here, the replay runs);
 *   - beside it the exact cumulative mass (d = exp(z - max), libm's, over
 *     its sum) says whether float32 alone decided (DECIDED_F32): decided
 *     from estimates when the exact sums at the stop and before it are
 *     farther than EST_MARGIN from p, else summed exactly;
 *   - the accounting's masses (emu_account_first_est, or libm's d);
 *   - the temperature divides the survivors' logits; the final softmax
 *     sums in the array's order, which is descending value order again
 *     (ties: equal terms; seqsum over estimates, to the bit), p by id, and
 *     the kept list is in id order.
 * tests/unit/test_topp_nucleus.c compares it with the whole replay.
 * Units: logits in nats, p as llama.cpp's float or the final double. */
#include "sampling/stage.h"
#include "sampling/seqsum_exp.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

#define EST_MARGIN 1e-9         /* the estimated cumulative masses' error is below 2e-10 */

/* top-p's chain position and the temperature's after it (-1: none), when
 * top-p is the first active stage and a plain temperature the only one
 * after it; 0 otherwise */
static int shape(const struct emu *e, int *kp, int *kt)
{
    const struct params *p = e->p;
    *kp = *kt = -1;
    for (int k = 0; k < e->c->n; k++) {
        enum stage_kind s = e->c->order[k];
        if (!stage_active(s, p)) continue;
        if (s == STAGE_TOP_P && *kp < 0) *kp = k;
        else if (s == STAGE_TEMPERATURE && *kp >= 0 && *kt < 0) *kt = k;
        else return 0;
    }
    if (*kp < 0 || p->min_keep > 1 || p->mirostat > 0) return 0;
    if (*kt < 0) return 1;
    double T = p->temperature;
    return T > 0 && !(p->dynatemp_range > 0) && !(T < e->c->temp_floor); /* no dynamic T, no note */
}

/* llama.cpp's float softmax sum in token order: cum of expf(z - max) in
 * float; 0 when a logit is beyond its bucket sort's range
 * (DECIDED_OVERFLOW). Beside it the same terms' mass by distance below
 * the maximum (HB bins a nat), for the sort's threshold. */
#define HB 32
#define HN 2048
static float llama_cum(const float *z, uint32_t V, float mx, double *mass)
{
    float cum = 0.0f, lo = mx;
    memset(mass, 0, HN * sizeof *mass);
    for (uint32_t i = 0; i < V; i++) {
        float e = expf(z[i] - mx), b = (mx - z[i]) * HB;
        cum += e;
        mass[b < HN - 1 ? (uint32_t)b : HN - 1] += e;
        lo = z[i] < lo ? z[i] : lo;
    }
    return lo > -1e8f && mx < 1e8f ? cum : 0.0f;
}

/* a logit threshold holding mass (P + SORT_SPARE) of the sum (-inf: all):
 * llama.cpp's float sum should stop above it (else the sort is redone
 * over every token) */
#define SORT_SPARE 0.002
static double sort_threshold(const double *mass, float mx, float P)
{
    double tot = 0.0, acc = 0.0, want;
    for (int b = 0; b < HN; b++) tot += mass[b];
    want = ((double)P + SORT_SPARE) * tot;
    if (!(want < tot)) return -INFINITY;
    for (int b = 0; b < HN - 1; b++) {
        acc += mass[b];
        if (acc >= want) return (double)mx - (double)(b + 1) / HB;
    }
    return -INFINITY;
}

/* the order keys (-0 and +0 one value) of the logits at or above zlo,
 * sorted descending (LSD radix, digits of 11, 11 and 10 bits, over the
 * complemented keys); their count */
static uint32_t sort_desc(const float *z, uint32_t V, double zlo, uint32_t *k, uint32_t *tmp)
{
    static const int sh[3] = { 0, 11, 22 };
    uint32_t cnt[3][2048], n = 0;
    memset(cnt, 0, sizeof cnt);
    for (uint32_t i = 0; i < V; i++) {
        uint32_t u;
        float f = z[i] == 0.0f ? 0.0f : z[i];
        if (!((double)f >= zlo)) continue;
        memcpy(&u, &f, sizeof u);
        k[n] = u & 0x80000000u ? u : ~(u | 0x80000000u); /* ~(ascending key) */
        for (int d = 0; d < 3; d++) cnt[d][(k[n] >> sh[d]) & 2047]++;
        n++;
    }
    uint32_t *a = k, *b = tmp;
    for (int d = 0; d < 3; d++) {
        uint32_t sum = 0;
        for (int j = 0; j < 2048; j++) { uint32_t c = cnt[d][j]; cnt[d][j] = sum; sum += c; }
        for (uint32_t i = 0; i < n; i++) b[cnt[d][(a[i] >> sh[d]) & 2047]++] = a[i];
        uint32_t *x = a; a = b; b = x;
    }
    if (a != k) memcpy(k, a, (size_t)n * sizeof *k);
    return n;
}

/* the logit of a sorted key */
static inline float key_z(uint32_t k)
{
    uint32_t a = ~k, u = a & 0x80000000u ? a ^ 0x80000000u : ~a;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* llama.cpp's stop over the logits in descending order: the first
 * position whose float cum of p = expf(z - max) / cum reaches P (0: none) */
static uint32_t float_stop(const uint32_t *k, uint32_t V, float mx, float sum, float P)
{
    float cum = 0.0f, p = 0.0f;
    for (uint32_t t = 0; t < V; t++) {
        if (!t || k[t] != k[t - 1]) p = expf(key_z(k[t]) - mx) / sum; /* equal logits, equal p */
        cum += p;
        if (cum >= P) return t + 1;
    }
    return 0;
}

/* sum of w[i] over the tokens with z[i] >= zs, any order (an estimate) */
static double mass_ge(const float *z, const double *w, uint32_t V, double zs)
{
    double K[8] = {0};
    uint32_t i = 0;
    for (; i + 8 <= V; i += 8)
        for (int j = 0; j < 8; j++) K[j] += (double)z[i + j] >= zs ? w[i + j] : 0.0;
    for (; i < V; i++) K[0] += (double)z[i] >= zs ? w[i] : 0.0;
    return ((K[0] + K[1]) + (K[2] + K[3])) + ((K[4] + K[5]) + (K[6] + K[7]));
}

/* DECIDED_F32 when exact arithmetic (the cumulative d / S, libm's d)
 * stops elsewhere than last (zs the logit there): from estimates when
 * they decide (the accounting's removed share, else the raw softmax's p or
 * a vector exp: within a few ulp of d / S each), else summed exactly.
 * After account (its e->d is free again) */
static int f32_decided(struct emu *e, const float *z, const uint32_t *k, uint32_t last, double zs)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double mx = r->max_logit, P = e->p->top_p, S = 1.0, dz;
    const double *w = r->p_raw;
    if (r->have_raw && r->raw_div > 0) S = r->raw_div; /* its division pending */
    else if (!r->have_raw) S = vm_exp_shift(z, V, mx, 1.0, e->d, NULL), w = e->d;
    dz = exp(zs - mx) / (r->have_raw ? r->raw_sum : S);
    /* the kept mass: 1 - the accounting's removed share when it ran */
    double hi = isnan(e->rep->mass_removed) ? mass_ge(z, w, V, zs) / S : 1.0 - e->rep->mass_removed, lo = hi - dz;
    if (lo < P - EST_MARGIN && hi >= P + EST_MARGIN) return 0;
    if (lo >= P + EST_MARGIN || hi < P - EST_MARGIN) return 1;
    emu_exp_memo(z, V, mx, e->d); /* undecided: the exact sums */
    double Sx = 0.0, cd = 0.0;
    for (uint32_t i = 0; i < V; i++) Sx += e->d[i];
    for (uint32_t t = 0; t < last; t++) {
        cd += exp((double)key_z(k[t]) - mx) / Sx;
        if (cd >= P) return t + 1 != last;
    }
    return 1; /* exact arithmetic has not stopped by last (last < V) */
}

/* the top-p stage's masses and tie flag as take_prefix gives them (zs the
 * smallest kept logit, zn the largest cut one; cut_by written) */
static void account(struct emu *e, const float *z, double zs, double zn, struct stage_report *rep)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    if (r->have_raw && e->ws->want == CHAIN_WANT_ALL) {
        if (!emu_account_first_est(e, z, zs, rep)) {
            emu_exp_memo(z, V, r->max_logit, e->d);
            emu_account_first(e, rep);
        }
        return;
    }
    double mx = r->max_logit;
    if (exp(zs - mx) == exp(zn - mx)) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = rep->raw_mass_removed = NAN;
}

/* the survivor's logit after the temperature (or none) */
static inline double y_of(float z, int kt, float Tf) { return kt >= 0 ? (double)(z / Tf) : (double)z; }

/* finish's sums run in the survivors' value order over exp(y - max),
 * libm's: from vector estimates (seqsum_exp.h), libm asked only where an
 * estimate could round a sum otherwise. The entropy's terms d / s * -ln(d
 * / s) keep the same relative bound: the quotient and the product add a
 * few ulp, within its 16. */
struct term_ctx { struct seqsum_exp w; double s, lnS; };

/* the entropy's subtracted term, negated: h -= q is h += (-q), exactly */
static double exact_h(void *ctx, uint32_t j)
{
    const struct term_ctx *x = ctx;
    double t = seqsum_exp_d(&x->w, j);
    return t > 0 ? t / x->s * -((double)x->w.y[j] - x->w.mx - x->lnS) : 0.0;
}

/* s and h over y[0..m) (descending): finish's two loops, to the bit */
static double value_order_sums(const float *y, uint32_t m, double mx, double *est, double *h)
{
    struct term_ctx x = { { y, 1.0f, mx }, 0.0, 0.0 };
    seqsum_exp_estimate(&x.w, m, est);
    struct seqsum_src st = seqsum_exp_src(&x.w, est, 1.0, NULL);
    x.s = seqsum(&st, m);
    x.lnS = log(x.s);
    for (uint32_t j = 0; j < m; j++) est[j] = est[j] / x.s * -((double)y[j] - mx - x.lnS);
    struct seqsum_src sh = { est, NULL, 1.0, SEQSUM_EXP_REL, SEQSUM_EXP_ABS, exact_h, &x, 0, 0 };
    *h = seqsum(&sh, m);
    return x.s;
}

/* finish's results over the survivors k[0..m) (descending value order,
 * their logits divided by Tf when kt >= 0): its sums in that order, p by
 * id (libm's exp over the sum), the kept list in id order, the retained
 * mass; and cut_by (code: the cut ones') */
static void finish_kept(struct emu *e, const float *z, const uint32_t *k, uint32_t m, int kt, float Tf, uint8_t code)
{
    struct chain_result *r = e->r;
    float *y = e->yf;
    for (uint32_t j = 0; j < m; j++) y[j] = kt >= 0 ? key_z(k[j]) / Tf : key_z(k[j]);
    double mx = (double)y[0], h = 0.0, ret = 0.0, s = value_order_sums(y, m, mx, e->v2, &h);
    uint32_t n = 0;
    double zs = (double)key_z(k[m - 1]);
    for (uint32_t i = 0; i < r->V; i++) { /* branch-free: the ids are in no order of z */
        int keep = (double)z[i] >= zs;
        r->cut_by[i] = keep ? CUT_NONE : code;
        r->kept[n] = (int32_t)i;
        n += (uint32_t)keep;
    }
    for (uint32_t j = 0; j < m; j++) {
        uint32_t i = (uint32_t)r->kept[j];
        r->p[i] = exp(y_of(z[i], kt, Tf) - mx) / s;
        ret += r->have_raw ? chain_raw_p(r, i) : NAN;
    }
    r->n_kept = m;
    r->retained_mass = ret;
    r->entropy_after = h > 0 ? h : 0.0;
}

static void report(struct emu *e, int kp, int kt, uint32_t m)
{
    struct chain_result *r = e->r;
    for (int k = 0; k < e->c->n; k++) {
        if (k == kp) continue;
        memset(&r->stages[k], 0, sizeof r->stages[k]);
        r->stages[k].kind = e->c->order[k];
        r->stages[k].kept_in = r->stages[k].kept_out = k < kp ? r->V : m;
        r->stages[k].active = k == kt;
    }
    if (kt >= 0) r->effective_temperature = e->p->temperature;
}

int emu_llama_top_p_run(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    int kp, kt;
    if (!emu_llama(e) || e->ws->reference || V <= 1024 || e->ws->n_finite != V || e->ws->finite_iota_n != V)
        return 0;
    if (!shape(e, &kp, &kt)) return 0;
    uint32_t *k = (uint32_t *)(void *)e->v, *tmp = (uint32_t *)(void *)e->v2;
    double mass[HN];
    float mx = z[r->argmax], P = (float)e->p->top_p, sum = llama_cum(z, V, mx, mass);
    if (!(sum > 0)) return 0;
    double zlo = sort_threshold(mass, mx, P);
    uint32_t n = sort_desc(z, V, zlo, k, tmp), last = float_stop(k, n, mx, sum, P);
    if (!(last < n) && n < V) n = sort_desc(z, V, -INFINITY, k, tmp), last = float_stop(k, n, mx, sum, P);
    if (last == 0 || last >= n) return 0; /* never stops: every token kept, the replay says so */
    double zs = (double)key_z(k[last - 1]), zn = (double)key_z(k[last]);
    if (zn == zs) return 0; /* a run of ties across the stop: the sorts' order decides */
    struct stage_report *rep = &r->stages[kp];
    memset(rep, 0, sizeof *rep);
    rep->kind = STAGE_TOP_P;
    rep->active = 1;
    rep->kept_in = V;
    rep->kept_out = last;
    e->rep = rep;
    finish_kept(e, z, k, last, kt, kt >= 0 ? (float)e->p->temperature : 1.0f, (uint8_t)(CUT_STAGE0 + kp));
    account(e, z, zs, zn, rep);
    if (f32_decided(e, z, k, last, zs)) emu_decided(e, DECIDED_F32);
    report(e, kp, kt, last);
    return 1;
}
