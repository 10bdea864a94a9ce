/* emu_llama_topp_run.c: a whole llama.cpp run whose first active stage is
 * top-p and whose only later one is a plain temperature (or none), over
 * every token (see emu.h emu_llama_top_p_run). Written for the explorer's
 * top-p 0.99 without top-k (a nucleus of 10^5 tokens) and the draw path's
 * top-p 0.9 (10^4).
 *
 * What llama.cpp computes there, and what of it anything reads:
 *   - its float softmax in array order (token order: nothing sorted yet):
 *     the terms expf(z - max) and their float sum in that order, both to
 *     the bit from vm_expf_seqsum (base/vmath_expf.h: glibc's expf in
 *     vector lanes, the sum in lanes where its binade makes the order
 *     irrelevant), with an estimate of the exact sum beside;
 *   - its float cumulative sum over the candidates in descending logit
 *     order (the best 256 bucket-sorted, then all), stopping at the first
 *     cum >= p: a sequence of values that does not depend on how equal
 *     logits are ordered, so one radix sort of the logits at or above a
 *     threshold the sum should stop above gives the same stop (the
 *     threshold from a histogram of every 8th token's term, narrowed on
 *     the collected tokens' exact terms; a lower one, at last every token,
 *     when the sum does not stop above it); the kept set is every logit
 *     at or above the stop's, unless a run of equal logits straddles the
 *     stop (then the sorts' tie order chooses: not applied here, the
 *     replay runs);
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
#include "base/vmath_expf.h"

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

/* The sort's threshold: llama.cpp's float sum should stop above it (else
 * a lower one is tried, at last every token). Taken on the terms of every
 * SAMPLE-th token (an estimate: it only steers the work), binned by their
 * float bits (16 bins a binade, about 0.04 nats), from the top down. */
#define SAMPLE 8
#define HSHIFT 19                       /* ef's bits >> HSHIFT: 16 bins a binade */
#define HN ((0x3F800000u >> HSHIFT) + 1) /* ef <= 1 */

static void sample_hist(const float *ef, uint32_t V, double *mass)
{
    double h[4][HN];
    memset(h, 0, sizeof h);
    uint32_t i = 0, u[4];
    for (; i + 4 * SAMPLE <= V; i += 4 * SAMPLE) { /* four histograms: no chain through one bin */
        for (int q = 0; q < 4; q++) memcpy(&u[q], &ef[i + q * SAMPLE], sizeof u[q]);
        for (int q = 0; q < 4; q++) h[q][u[q] >> HSHIFT] += ef[i + q * SAMPLE];
    }
    for (; i < V; i += SAMPLE) {
        memcpy(&u[0], &ef[i], sizeof u[0]);
        h[0][u[0] >> HSHIFT] += ef[i];
    }
    for (uint32_t b = 0; b < HN; b++) mass[b] = (h[0][b] + h[1][b]) + (h[2][b] + h[3][b]);
}

/* the term threshold (a float's bits' bin edge) holding share want of the
 * sampled mass; 0 (every token) when want >= 1 */
static float term_threshold(const double *mass, double want)
{
    double tot = 0.0, acc = 0.0;
    for (uint32_t b = 0; b < HN; b++) tot += mass[b];
    if (!(want < 1.0)) return 0.0f;
    for (uint32_t b = HN; b-- > 1;) {
        acc += mass[b];
        if (acc >= want * tot) {
            uint32_t u = b << HSHIFT;
            float f;
            memcpy(&f, &u, sizeof f);
            return f;
        }
    }
    return 0.0f;
}

/* the order key of a logit (-0 and +0 one value): ascending keys are
 * descending logits */
static inline uint32_t z_key(float f)
{
    uint32_t u;
    f = f == 0.0f ? 0.0f : f;
    memcpy(&u, &f, sizeof u);
    return u & 0x80000000u ? u : ~(u | 0x80000000u);
}

/* The order keys of z at ids[0..n), sorted ascending (descending
 * logits): LSD radix, digits of 11, 11 and 10 bits (a digit every key
 * shares is skipped); tmp: room for n */
static void sort_desc(const float *z, const int32_t *ids, uint32_t n, uint32_t *k, uint32_t *tmp)
{
    static const int sh[3] = { 0, 11, 22 };
    uint32_t cnt[3][2048];
    memset(cnt, 0, sizeof cnt);
    for (uint32_t j = 0; j < n; j++) {
        k[j] = z_key(z[ids[j]]);
        for (int d = 0; d < 3; d++) cnt[d][(k[j] >> sh[d]) & 2047]++;
    }
    uint32_t *a = k, *b = tmp;
    for (int d = 0; d < 3; d++) {
        uint32_t sum = 0;
        if (n && cnt[d][(k[0] >> sh[d]) & 2047] == n) continue; /* one digit for all: in order */
        for (int j = 0; j < 2048; j++) { uint32_t c = cnt[d][j]; cnt[d][j] = sum; sum += c; }
        for (uint32_t i = 0; i < n; i++) b[cnt[d][(a[i] >> sh[d]) & 2047]++] = a[i];
        uint32_t *x = a; a = b; b = x;
    }
    if (a != k) memcpy(k, a, (size_t)n * sizeof *k);
}

/* the logit of a sorted key */
static inline float key_z(uint32_t k)
{
    uint32_t a = ~k, u = a & 0x80000000u ? a ^ 0x80000000u : ~a;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* llama.cpp's stop over the sorted logits k[0..n): the first position
 * whose float cum of p = expf(z - max) / sum reaches P (0: none); vz, ev:
 * scratch of n (the logits, their terms) */
static uint32_t float_stop(const uint32_t *k, uint32_t n, float mx, float sum, float P, float *vz, float *ev)
{
    float cum = 0.0f;
    for (uint32_t t = 0; t < n; t++) vz[t] = key_z(k[t]);
    vm_expf_seqsum(vz, n, mx, ev, NULL, NULL);
    for (uint32_t t = 0; t < n; t++) ev[t] = ev[t] / sum; /* the p llama.cpp adds */
    return (uint32_t)vm_fsum_reach(ev, n, P, &cum);
}

/* ids[0..n) narrowed to the logits at or above one whose tokens' terms
 * (ef, exact) hold want (their float sum's share P, with room for its
 * rounding): bins of the terms' bits (NB a binade), from the top down;
 * the count kept */
#define NSHIFT 18
#define NN ((0x3F800000u >> NSHIFT) + 1)
static uint32_t narrow(const float *z, const float *ef, int32_t *ids, uint32_t n, float mx, double want)
{
    double h[NN], acc = 0.0;
    memset(h, 0, sizeof h);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t u;
        memcpy(&u, &ef[ids[j]], sizeof u);
        h[u >> NSHIFT] += ef[ids[j]];
    }
    uint32_t b = NN;
    while (b-- > 1 && (acc += h[b]) < want) {}
    if (b == 0) return n;
    uint32_t u = b << NSHIFT, m = 0;
    float edge;
    memcpy(&edge, &u, sizeof edge);
    double zlo = (double)mx + log((double)edge) - 1e-3; /* as a logit: every larger one stays */
    for (uint32_t j = 0; j < n; j++) {
        ids[m] = ids[j];
        m += (double)z[ids[j]] >= zlo;
    }
    return m;
}

/* llama.cpp's sorted prefix through its stop: the keys k[0..*n) of the
 * logits at or above a threshold (the sample's term threshold as a logit,
 * lower ones when the sum does not stop above it, at last every token:
 * by logit, so that the prefix has every larger logit), narrowed first to
 * the exact terms' share; the stop (0: none, every token sorted) */
static uint32_t sorted_stop(struct emu *e, const float *z, const float *ef, float mx, float sum, uint32_t *n)
{
    static const double spare[] = { 0.02, 0.2 }; /* shares of 1 - P beyond P */
    uint32_t V = e->r->V, *k = (uint32_t *)(void *)e->in; /* not emu_account's ix2 */
    uint32_t *tmp = (uint32_t *)(void *)e->v;
    float P = (float)e->p->top_p, *vz = e->yf, *ev = (float *)(void *)e->d;
    double mass[HN];
    sample_hist(ef, V, mass);
    for (int tier = 0; tier < 3; tier++) {
        float thr = tier < 2 ? term_threshold(mass, (double)P + spare[tier] * (1.0 - (double)P)) : 0.0f;
        if (!(thr > 0.0f) && tier < 2) continue;
        double zlo = thr > 0.0f ? (double)mx + log((double)thr) - 1e-3 : -INFINITY;
        uint32_t all = (uint32_t)vm_collect_ge(z, V, zlo, e->ix);
        *n = narrow(z, ef, e->ix, all, mx, (double)P * (double)sum * (1.0 + 1e-4));
        for (int wide = 0; wide < 2; wide++) {
            if (wide) *n = (uint32_t)vm_collect_ge(z, V, zlo, e->ix);
            sort_desc(z, e->ix, *n, k, tmp);
            uint32_t last = float_stop(k, *n, mx, sum, P, vz, ev);
            if (last && (last < *n || *n == V)) return last;
            if (*n == V) return 0;
            if (*n == all) break;
        }
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

/* the kept tokens' estimated mass: the sum of estimates of exp(z - mx)
 * over k[0..m) (vmath_expf.h: within 2^-31 each) */
static double kept_est(struct emu *e, const uint32_t *k, uint32_t m, float mx)
{
    float *vz = (float *)(void *)e->ix, *ev = (float *)(void *)e->d; /* e->d: free after account */
    double est = 0.0;
    for (uint32_t t = 0; t < m; t++) vz[t] = key_z(k[t]);
    vm_expf_seqsum(vz, m, mx, ev, &est, NULL);
    return est;
}

/* DECIDED_F32 when exact arithmetic (the cumulative d / S, libm's d)
 * stops elsewhere than last (zs the logit there): from estimates when
 * they decide (the accounting's removed share, else the raw softmax's p,
 * else the float pass's estimates, S_est their sum: within 2^-31 of each
 * term, so of each sum), else summed exactly. After account (its e->d is
 * free again) */
static int f32_decided(struct emu *e, const float *z, const uint32_t *k, uint32_t last, double zs, double S_est)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double mx = r->max_logit, P = e->p->top_p, S = 1.0, hi;
    if (!r->have_raw) { /* the draw path: no raw softmax */
        S = S_est;
        hi = kept_est(e, k, last, z[r->argmax]) / S;
    } else {
        if (r->raw_div > 0) S = r->raw_div; /* its division pending */
        /* the kept mass: 1 - the accounting's removed share when it ran */
        hi = isnan(e->rep->mass_removed) ? mass_ge(z, r->p_raw, V, zs) / S : 1.0 - e->rep->mass_removed;
    }
    double dz = exp(zs - mx) / (r->have_raw ? r->raw_sum : S), lo = hi - dz;
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
    if (r->have_raw && e->masses) {
        emu_account_first_report(e, z, r->max_logit, zs, 1, NULL, rep);
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
    struct seqsum_src sh = { est, NULL, 1.0, SEQSUM_EXP_REL, SEQSUM_EXP_ABS, exact_h, &x, 0, 0, NULL };
    *h = seqsum(&sh, m);
    return x.s;
}

/* finish's results over the survivors k[0..m) (descending value order,
 * their logits divided by Tf when kt >= 0): its sums in that order, p by
 * id (libm's exp over the sum), the kept list in id order (from ids, the
 * sorted tokens in id order: every survivor among them), the retained
 * mass; and cut_by (code: the cut ones') */
static void finish_kept(struct emu *e, const float *z, const uint32_t *k, const int32_t *ids, uint32_t m, int kt, float Tf,
                        uint8_t code)
{
    struct chain_result *r = e->r;
    float *y = e->yf;
    for (uint32_t j = 0; j < m; j++) y[j] = kt >= 0 ? key_z(k[j]) / Tf : key_z(k[j]);
    double mx = (double)y[0], h = 0.0, ret = 0.0, s = value_order_sums(y, m, mx, e->v2, &h);
    double zs = (double)key_z(k[m - 1]);
    for (uint32_t j = 0, n = 0; n < m; j++) { /* the sort's ids (ascending) at or above zs: m of them */
        r->kept[n] = ids[j];
        n += (double)z[ids[j]] >= zs;
    }
    memset(r->cut_by, code, r->V);
    for (uint32_t j = 0; j < m; j++) r->cut_by[r->kept[j]] = CUT_NONE;
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
    uint32_t V = r->V, n = 0;
    int kp, kt;
    if (!emu_llama(e) || e->ws->reference || V <= 1024 || e->ws->n_finite != V || e->ws->finite_iota_n != V)
        return 0;
    if (!shape(e, &kp, &kt)) return 0;
    uint32_t *k = (uint32_t *)(void *)e->in; /* not emu_account's ix2 */
    float mx = z[r->argmax], lo = mx, *ef = e->yd;
    double S_est = 0.0;
    float sum = vm_expf_seqsum(z, V, mx, ef, &S_est, &lo); /* llama.cpp's softmax sum in token order */
    if (!(sum > 0) || !(lo > -1e8f && mx < 1e8f)) return 0; /* beyond its bucket sort's range (DECIDED_OVERFLOW) */
    uint32_t last = sorted_stop(e, z, ef, mx, sum, &n);
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
    finish_kept(e, z, k, e->ix, last, kt, kt >= 0 ? (float)e->p->temperature : 1.0f, (uint8_t)(CUT_STAGE0 + kp));
    account(e, z, zs, zn, rep);
    if (f32_decided(e, z, k, last, zs, S_est)) emu_decided(e, DECIDED_F32);
    report(e, kp, kt, last);
    return 1;
}
