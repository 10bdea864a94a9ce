/* emu_trim_torch.c: HF's and vLLM's first truncation without torch's
 * whole-array work (see emu.h emu_trim_torch).
 *
 * On the array path a first top-k, top-p or min-p over V tokens costs a
 * float32 softmax, a stable sort of V and a float cumulative sum. Here
 * y = z / T in float32 (what torch's division gives) is formed only for the
 * tokens a cut collects (float division by T > 0 is monotonic, so y >= t
 * is a threshold on z: z_at_or_above), and d = exp(y - ymax) in double
 * (the stage's input distribution, as emu_run accounts it) over every
 * token only when the stage's removed mass is reported; then:
 *   top-k  keep y >= the k-th largest y, ties kept: the same comparison
 *          torch makes, found by a sampled threshold and a quickselect;
 *   min-p  keep y >= ymax + ln(min_p), provided no token lies within the
 *          float32 error band of that boundary (then torch's float ratio
 *          test p_i < min_p * p_max must agree);
 *   top-p  keep every token with less than p of the mass strictly above
 *          it, provided the crossing token's y is unique (so torch's tie
 *          order cannot matter) and the mass above it is more than the
 *          float32 error margin away from p on both sides.
 * Float32 error bounds: each torch probability carries at most a few float
 * roundings (expf of a rounded difference, two divisions), about 2.5e-7
 * relative plus 6e-8 per nat of distance from the maximum; summed masses
 * at most ~1.2e-6 of the total (with the entropy-sized argument term).
 * F32_MARGIN is several times that. When a check fails, or min-keep is
 * above 1, or any logit is masked, nothing is trimmed and emu_run takes
 * the whole-array path (tests/unit/test_differential.c compares both). */
#include "sampling/stage.h"
#include "sampling/select.h"
#include "base/vmath.h"
#include "base/vmath_fdiv_list.h"
#include "base/vmath_exp_ids.h"

#include <math.h>
#include <string.h>

#define F32_MARGIN 4e-6

/* The logits and torch's divisor: y = z / T is formed only for the tokens
 * a cut collects (the rest never need it). */
struct zdiv { const float *z; float T; };

static double get_y(const void *ctx, uint32_t i)
{
    const struct zdiv *q = ctx;
    return (double)(q->z[i] / q->T);
}

/* The smallest float zt with z / T >= ythr (float division by T > 0 is
 * monotonic: z >= zt iff y >= ythr), by bisection over the floats; +inf
 * when none (NaN ythr: none). */
static float z_at_or_above(double ythr, float T)
{
    if (!(ythr > -INFINITY)) return ythr == -INFINITY ? -INFINITY : INFINITY;
    uint32_t lo = emu_float_key(-INFINITY), hi = emu_float_key(INFINITY);
    if (!((double)(INFINITY / T) >= ythr)) return INFINITY;
    while (lo < hi) { /* the answer is in [lo, hi] */
        uint32_t mid = lo + (hi - lo) / 2;
        if ((double)(emu_float_of_key(mid) / T) >= ythr) hi = mid;
        else lo = mid + 1;
    }
    return emu_float_of_key(lo);
}

/* The ids with y >= ythr (ascending) into ids, their y into e->yf; the count. */
static size_t collect_y_ge(struct emu *e, const float *z, uint32_t V, float T, double ythr, int32_t *ids)
{
    float zt = z_at_or_above(ythr, T);
    size_t c = 0;
    if (zt != INFINITY && chain_ws_pre_covers(e->ws, (double)zt)) { /* the first pass's list holds them */
        for (uint32_t j = 0; j < e->ws->pre_n; j++) if (z[e->ws->pre_ids[j]] >= zt) ids[c++] = e->ws->pre_ids[j];
    } else if (zt != INFINITY) {
        c = vm_collect_ge(z, V, (double)zt, ids);
    }
    for (size_t j = 0; j < c; j++) e->yf[ids[j]] = z[ids[j]] / T;
    return c;
}

/* collect_y_ge for emu_topk_candidates (ctx: the struct zdiv) */
static size_t collect_q_ge(struct emu *e, const void *ctx, uint32_t V, double ythr)
{
    const struct zdiv *q = ctx;
    return collect_y_ge(e, q->z, V, q->T, ythr, e->ix);
}

/* top-k as torch does it on y; kept ids into e->ix (their y into e->yf).
 * y is formed as it is read: the candidates' y are not stored (a store
 * per candidate into a V-long array misses the cache), only the kept
 * ones'. 0: not applied. */
static int cut_top_k(struct emu *e, const float *z, uint32_t V, float Tf, double ymax, uint32_t *m)
{
    uint32_t k = e->p->top_k < 1 ? 1 : (uint32_t)e->p->top_k;
    double next = -INFINITY;
    if (k >= V) return 0;
    struct zdiv q = { z, Tf };
    const int32_t *ids;
    size_t c = emu_topk_candidates(e, V, k + 1, get_y, &q, collect_q_ge, &q, &ids);
    if (c < (size_t)k + 1) return 0;
    /* the k-th largest y is the k-th largest z's y: float division by
     * T > 0 keeps the order (two z may give one y: a value, not an order) */
    double kth;
    if (select_best_floats(z, ids, (uint32_t)c, (double)z[e->r->argmax], k, e->ix2)) { /* the usual */
        kth = (double)(z[e->ix2[k - 1]] / Tf);
    } else {
        for (size_t j = 0; j < c; j++) e->v[j] = (double)(z[ids[j]] / Tf);
        kth = emu_kth_largest(e, e->v, (uint32_t)c, k - 1);
    }
    chain_ws_pre_next(e->ws, kth * (double)Tf, (double)z[e->r->argmax]);
    uint32_t n = 0;
    for (size_t j = 0; j < c; j++) { /* keep y >= kth, in order (ids may be e->ix: n <= j) */
        int32_t id = ids[j];
        float y = z[id] / Tf;
        if ((double)y >= kth) { e->yf[id] = y; e->ix[n++] = id; }
        else if ((double)y > next) next = (double)y;
    }
    /* the best cut token below the threshold: then the uncollected may tie
     * with it (the list is every z >= a threshold: their y are at most
     * the least listed one, below kth once a listed token is) */
    if (next == -INFINITY) return 0;
    /* emu_run's accounting calls a cut as likely as a kept one a tie */
    if (exp(next - ymax) == exp(kth - ymax)) emu_decided(e, DECIDED_TIE);
    *m = n; /* kth >= thr: every kept token was collected */
    return 1;
}

/* min-p: no token in the float32 band around the boundary */
static int cut_min_p(struct emu *e, const float *z, uint32_t V, float Tf, double ymax, uint32_t *m)
{
    double lnm = log(e->p->min_p), band = 1e-6 + 1.2e-7 * fabs(lnm);
    if (!(lnm > -80.0)) return 0; /* torch's float p would underflow there */
    size_t c = collect_y_ge(e, z, V, Tf, ymax + lnm - band, e->ix);
    chain_ws_pre_next(e->ws, (ymax + lnm - band) * (double)Tf, (double)z[e->r->argmax]);
    for (size_t j = 0; j < c; j++) if ((double)e->yf[e->ix[j]] < ymax + lnm + band) return 0;
    *m = (uint32_t)c;
    return 1;
}

/* y = z / T and d = exp(y - ymax) by id, where top-p reads them: e->yf
 * and e->d, or (T = 1, the masses reported) the logits and the raw
 * softmax's weights themselves */
struct yd { const float *y; const double *d; };

/* The band of the top-p crossing over ids[0..n), then the crossing token:
 * the first, in (d desc, id asc) order, where the cumulative d reaches the
 * target; its mass strictly above into *above, its y's count into *nb. */
static int32_t crossing_in(struct emu *e, const struct yd *v, const int32_t *ids, uint32_t n_ids,
                           struct select_band b, double ymax, double *above, uint32_t *nb)
{
    uint32_t n = 0;
    for (uint32_t j = 0; j < n_ids; j++)
        if (select_bucket_of(ymax, (double)v->y[ids[j]], 4.0) == b.bucket) e->ix2[n++] = ids[j];
    memcpy(e->in, e->ix2, (size_t)n * sizeof *e->in); /* select_mass_crossing reorders */
    int32_t c = select_mass_crossing(e->in, n, v->d, b.target - b.before);
    double D = b.before;
    uint32_t same = 0;
    for (uint32_t j = 0; j < n; j++) {
        float y = v->y[e->ix2[j]];
        if (y > v->y[c]) D += v->d[e->ix2[j]];
        same += y == v->y[c];
    }
    *above = D;
    *nb = same;
    return c;
}

/* y = z / T (torch's float division) and d = exp(y - ymax) (libm's bits:
 * vm_libm_exp_ids) at the listed tokens, by id into e->yf and e->d */
static void list_yd(struct emu *e, const float *z, const int32_t *ids, uint32_t n, float Tf, double ymax)
{
    for (uint32_t j = 0; j < n; j++) e->yf[ids[j]] = z[ids[j]] / Tf;
    vm_libm_exp_ids(e->yf, ids, n, ymax, e->d);
}

/* The crossing over the list e->ix[0..n) (y and d known for each), when
 * the listed mass reaches P S; else TOPP_DEEPER. A list is every token at
 * or above a threshold in y, so its tokens come first in the order the
 * mass is cumulated in: when they reach P S the crossing is one of them
 * and every token above it is listed, however far the band's bucket
 * reaches below the list. The buckets above the band and the band's
 * tokens above the crossing are a deeper list's, in the same id order:
 * the same sums, so the same margin test. (Before, the band had to lie
 * whole inside the list: a band straddling a tier's edge cost the next
 * tier's pass and exps, and below the middle tier the window's, a pass
 * and an exp over up to every token.) */
#define TOPP_DEEPER (-2)
static int32_t listed_crossing(struct emu *e, const struct yd *v, uint32_t n, double ymax, double P, double S,
                               double *above, uint32_t *nb)
{
    struct select_band b = select_mass_band_to(e->ix, n, v->y, v->d, ymax, 4.0, P, P * S);
    if (b.total >= b.target) return crossing_in(e, v, e->ix, n, b, ymax, above, nb);
    return TOPP_DEEPER;
}

/* Between the middle tier and the window (no masses: the total S is the
 * float one): the tokens with d >= 7.9e-6 S decide whether cut_top_p's
 * margin test can pass at all. It passes only for a crossing token with
 * d_c / S > 2 F32_MARGIN (8e-6) and the mass D above it plus d_c over
 * (P + margin) S; every token above it has d >= d_c, so then those tokens
 * hold more than P S. When they hold less (a broad nucleus: thousands of
 * tokens each far below the margin), the window would only compute exps
 * that the test then throws away: -1. Those tokens lie within
 * -ln(7.8e-6 S) nats of the top (0.013 nats to spare for exp's rounding);
 * below the middle tier's list (at lo) they are listed into e->ix[0..*w),
 * a tier of their own, which holds the crossing whenever the test can
 * pass (listed_crossing): the crossing, or -1; so a run without the
 * masses never lists the window. */
static int32_t deep_tier(struct emu *e, const struct yd *v, const float *z, uint32_t V, size_t *w, float Tf,
                         double ymax, double lo, double P, double S, double *above, uint32_t *nb)
{
    double th = 7.9e-6 * S, deep = ymax + log(7.8e-6 * S), H = 0.0;
    int listed = !(deep >= lo);
    if (listed) { /* (the middle tier's tokens, z >= zlo, have their y and d: the others only) */
        float zlo = z_at_or_above(lo, Tf);
        uint32_t k = 0;
        *w = vm_collect_ge(z, V, (double)z_at_or_above(deep, Tf), e->ix);
        for (size_t j = 0; j < *w; j++) e->ix2[k] = e->ix[j], k += z[e->ix[j]] < zlo;
        list_yd(e, z, e->ix2, k, Tf, ymax);
    }
    for (size_t j = 0; j < *w; j++) H += e->d[e->ix[j]] >= th ? e->d[e->ix[j]] : 0.0;
    if (H < (P - 1e-9) * S) return -1;
    /* those tokens come first in the mass's order: when the list's mass
     * stays below P S (the middle tier's did, when not listed), the
     * crossing lies below th, where the test cannot pass */
    if (!listed) return -1;
    int32_t c = listed_crossing(e, v, (uint32_t)*w, ymax, P, S, above, nb);
    return c == TOPP_DEEPER ? -1 : c;
}

/* Whether no crossing can pass cut_top_p's margin test, asked of a run
 * without the masses before its middle tier lists anything. A pass needs
 * a crossing token with d_c / S > 2 margin (its two sides) and the tokens
 * with d >= d_c holding more than (P + margin) S (D + d_c: every token
 * cumulated before the crossing has d >= d_c); so when the tokens with d
 * over 2 margin S hold less, no tier can pass (a broad nucleus: thousands
 * of tokens, each far below the margin) and nothing is listed: 1 at once,
 * where the middle tier and deep_tier listed them and made libm's d by id
 * first (about 100 us of such a step at V = 131072). Their mass is
 * bounded above by the float32 sum of every token within 0.01 nats of
 * that threshold or above (vm_expf_sum_div and its bound; libm's d is
 * within an ulp of the true exp): a few float operations a token, no
 * store by id. The answer only chooses the path: either way the cut is
 * the whole-array path's. 0: the middle tier's list (the ids at or above
 * lo, ascending, as its collect gives it) is left in e->ix[0..*w). */
static int outweighed(struct emu *e, const float *z, uint32_t V, size_t *w, float Tf, double ymax, double lo,
                      double P, double S, double margin)
{
    double th = 2.0 * margin * S, deep = ymax + log(th) - 0.01, err;
    size_t n = vm_collect_ge(z, V, (double)z_at_or_above(deep, Tf), e->ix), k = 0;
    float *zl = (float *)(void *)e->v, zlo = z_at_or_above(lo, Tf);
    for (size_t j = 0; j < n; j++) zl[j] = z[e->ix[j]];
    double hi = vm_expf_sum_div(zl, n, Tf, (float)ymax, INFINITY, NULL, NULL, &err) + err;
    if (hi * (1.0 + 1e-12) < (P + margin - 1e-9) * S) return 1;
    if (deep > lo) { /* the middle tier lists more than the test did */
        *w = vm_collect_ge(z, V, (double)zlo, e->ix);
        return 0;
    }
    for (size_t j = 0; j < n; j++) if (z[e->ix[j]] >= zlo) e->ix[k++] = e->ix[j];
    *w = k;
    return 0;
}

/* Whether outweighed is worth asking: the first tier's list (e->ix[0..n),
 * its d made) holds under BROAD_NEAR of the mass. The test lists and sums
 * a deeper tier than the middle one, which a step the middle tier decides
 * pays for nothing (8-17 us at V = 131072). On bench_sample's synthetic
 * [2048, 131072] dump (hf T 0.7, p 0.9) the first tier held 30-62% of the
 * mass on the 315 steps the test outweighs, 61-90% on the 681 others that
 * reach the middle tier. Only the speed depends on it. */
#define BROAD_NEAR 0.6
static int broad(const struct emu *e, const struct yd *v, size_t n, double S)
{
    double m = 0.0;
    for (size_t j = 0; j < n; j++) m += v->d[e->ix[j]];
    return m < BROAD_NEAR * S;
}

/* Top-p's crossing: usually the mass P lies within a few nats of the top:
 * the tokens within TOPP_NEAR nats, then, when their mass stays below
 * p, those within TOPP_MID, then TOPP_WINDOW (tier[0] .. tier[1] - 1 of
 * these: tier[2] says the first one's list is e->ix[0..*w), from the pass
 * that formed the total; one more pass lists each other; the middle tier
 * matters: at T 0.7 a nucleus of a few dozen tokens often reaches past 4
 * nats, while 16 nats list a tenth of the vocabulary) give the crossing
 * when they hold p of the mass (listed_crossing). full: y and d are known
 * for every token, and when no
 * list will do (or one holds every token) every token gives the band
 * (*w = V, e->ix every id); else y and d are formed for the listed tokens
 * only: before the middle tier lists anything, outweighed may find that
 * no tier can pass the margin test (asked on broad steps), and after it
 * deep_tier decides (the window is for full runs); -1 says the band lies
 * below the window, or below the tiers tried (tier[1] < 3), or outweighed
 * or deep_tier found the test hopeless. */
#define TOPP_WINDOW 16.0
#define TOPP_NEAR 4.0
#define TOPP_MID 8.0
static int32_t crossing(struct emu *e, const struct yd *v, const float *z, uint32_t V, size_t *w, float Tf,
                        double ymax, double P, double S, double margin, int full, const int tier[3], double *above,
                        uint32_t *nb)
{
    static const double tiers[3] = { TOPP_NEAR, TOPP_MID, TOPP_WINDOW };
    for (int t = tier[0]; t < tier[1]; t++) {
        double lo = ymax - tiers[t];
        int listed = t == tier[0] && tier[2];
        if (!full && t == 1 && t > tier[0] && broad(e, v, *w, S)) { /* (the middle tier's list is left by the test) */
            if (outweighed(e, z, V, w, Tf, ymax, lo, P, S, margin)) return -1;
            listed = 1;
        }
        if (!listed) *w = vm_collect_ge(z, V, (double)z_at_or_above(lo, Tf), e->ix);
        uint32_t n = (uint32_t)*w;
        if (full && n == V) break;
        if (!full) list_yd(e, z, e->ix, n, Tf, ymax);
        int32_t c = listed_crossing(e, v, n, ymax, P, S, above, nb);
        if (c == TOPP_DEEPER && !full && t == 1) /* (a run without the masses never lists the window) */
            c = deep_tier(e, v, z, V, w, Tf, ymax, lo, P, S, above, nb);
        if (c != TOPP_DEEPER) return c;
    }
    if (!full || (tier[1] < 3 && *w < V)) return -1;
    vm_iota(e->ix, V);
    *w = V;
    struct select_band b = select_mass_band(e->ix, V, v->y, v->d, ymax, 4.0, P);
    return crossing_in(e, v, e->ix, V, b, ymax, above, nb);
}

/* Top-p. full: d and y are known for every token and S is its total; else
 * the total is the float32 sum with its error bound, formed in one pass
 * over z that also lists the window (y is formed near the top only), and
 * the margin widens by the total's error. e->ix[0..*w): the first tier's
 * list (full), tier: the tiers to try (crossing). 1: cut, *m kept in
 * e->ix; 0: not decided; -1 (full): the band lies below the tiers tried */
static int cut_top_p(struct emu *e, const struct yd *v, const float *z, uint32_t V, float Tf, double ymax, int full,
                     double S, size_t *w, const int tier[3], uint32_t *m)
{
    double P = e->p->top_p, D, margin = F32_MARGIN;
    uint32_t same;
    int32_t c;
    if (!full) {
        double err;
        S = vm_expf_sum_div(z, V, Tf, (float)ymax, z_at_or_above(ymax - TOPP_NEAR, Tf), e->ix, w, &err);
        if (!(err < 0.1 * S)) return 0;
        margin += 2 * err / (S - err);
    }
    c = crossing(e, v, z, V, w, Tf, ymax, P, S, margin, full, tier, &D, &same);
    if (c < 0) return full ? -1 : 0;
    double yc = (double)v->y[c];
    if (same != 1 || !(v->d[c] > 1e-300) || fabs(yc) < 1e-6) return 0; /* a tie torch would order */
    if (!(D / S < P - margin && (D + v->d[c]) / S > P + margin)) return 0;
    /* the kept tokens are the listed ones with y >= yc (their y formed;
     * the crossing lies in the list, so every one above it does) */
    float zc = z_at_or_above(yc, Tf);
    uint32_t k = 0;
    for (size_t j = 0; j < *w; j++) if (z[e->ix[j]] >= zc) e->ix[k++] = e->ix[j];
    *m = k;
    return 1;
}

/* Top-p with the masses (y and d of every token in v, total S; the
 * tokens within TOPP_MID nats in e->ix[0..near): listing costs no exp
 * here, so the first tier is skipped): that list first;
 * emu_torch_top_p_hopeless only when it does not decide. A cut it decides
 * has a crossing token over 8e-6 S and every token above it, so tokens
 * over 7.9e-6 S holding more than p: the test would have said no, and
 * skipping it changes nothing. When it says yes, nothing is cut, and y
 * and d in e->yf, e->d are left for emu_torch_top_p_run (hB). */
static int cut_top_p_masses(struct emu *e, const struct yd *v, const float *z, uint32_t V, float Tf, double ymax,
                            double S, size_t near, uint32_t *m)
{
    static const int first[3] = { 1, 2, 1 }, rest[3] = { 2, 3, 0 };
    size_t w = near;
    int ok = cut_top_p(e, v, z, V, Tf, ymax, 1, S, &w, first, m);
    if (ok > 0) return 1;
    int hopeless = emu_torch_top_p_hopeless(v->d, V, S, e->p->top_p);
    if (hopeless && z == e->z && v->d == e->d) e->yf_T = Tf, e->yf_dsum = S;
    if (ok == 0 || hopeless) return 0;
    return cut_top_p(e, v, z, V, Tf, ymax, 1, S, &w, rest, m) > 0;
}

/* the first active stage at or after `from` (every stage between inactive) */
static int next_active(const struct emu *e, int from)
{
    for (int k = from; k < e->c->n; k++) if (stage_active(e->c->order[k], e->p)) return k;
    return -1;
}

/* The temperature torch divides by, or 0 when the first stages are not a
 * plain temperature (or none) then a truncation; *kc the truncation. */
static float plain_temperature(const struct emu *e, int *kt, int *kc)
{
    int k = next_active(e, 0);
    float Tf = 1.0f;
    *kt = -1;
    if (k >= 0 && e->c->order[k] == STAGE_TEMPERATURE) {
        double T = e->p->temperature;
        if (!(T > 0) || (e->sys == PRESET_VLLM && (T < e->c->temp_floor || T > 2))) return 0.0f; /* notes, greedy */
        Tf = (float)T;
        *kt = k;
        k = next_active(e, k + 1);
    }
    *kc = k;
    if (k < 0) return 0.0f;
    enum stage_kind s = e->c->order[k];
    return s == STAGE_TOP_K || s == STAGE_TOP_P || s == STAGE_MIN_P ? Tf : 0.0f;
}

static void report(struct emu *e, int kt, int kc, uint32_t m, double S, double kept_d)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    for (int j = 0; j < kc; j++) {
        memset(&r->stages[j], 0, sizeof r->stages[j]);
        r->stages[j].kind = e->c->order[j];
        r->stages[j].kept_in = r->stages[j].kept_out = V;
        r->stages[j].active = j == kt;
    }
    if (kt >= 0) r->effective_temperature = e->p->temperature;
    double raw = 0.0;
    for (uint32_t j = 0; j < m; j++) raw += r->have_raw ? chain_raw_p(r, (uint32_t)e->a[j].id) : NAN;
    struct stage_report *rep = &r->stages[kc];
    rep->kept_in = V;
    rep->kept_out = m;
    rep->mass_removed = m == V ? 0.0 : (S - kept_d) / S;
    rep->raw_mass_removed = m == V ? 0.0 : raw < 1.0 ? 1.0 - raw : raw >= 1.0 ? 0.0 : raw;
}

/* At T = 1 torch's y is z and its d the raw softmax's weights, bit for
 * bit (the same vector exp of the same argument, z - max): a first top-k
 * or min-p reads them from p_raw while its division is pending (chain.c,
 * CHAIN_WANT_ALL), instead of a second exp pass; so does a top-p, with y
 * the logits themselves (z / 1 is z). */
int emu_torch_reads_weights(const struct emu *e)
{
    int kt, kc;
    if (!emu_torch(e) || !e->masses || emu_min_keep(e) > 1) return 0;
    if (plain_temperature(e, &kt, &kc) != 1.0f) return 0;
    /* (top-p: with no temperature stage, which a hopeless one would hand on) */
    return e->c->order[kc] == STAGE_TOP_K || e->c->order[kc] == STAGE_MIN_P || (e->c->order[kc] == STAGE_TOP_P && kt < 0);
}

/* sum e_i in vm_exp_fdiv's order: token i into slot i mod 8 while whole
 * blocks of four last, the rest into a scalar sum; then slots j and j + 4
 * paired, the pairs added as ((0 + 1) + (2 + 3)), the scalar sum last
 * (tests/unit/test_seqsum.c holds it to vm_exp_fdiv's) */
typedef double v4d __attribute__((vector_size(32)));

/* The sum; with d > 0 also w[i] /= d in place (vm_divide's quotients), a
 * block at a time right after its terms are read (one pass over w) */
static double fdiv_order_sum(double *w, uint32_t n, double d)
{
    enum { BLK = 2048 }; /* a multiple of 8: the lanes' order does not see the blocks */
    v4d lo = {0}, hi = {0}, x; /* slots 0-3 and 4-7: each lane its own sum, in order */
    double s = 0.0;
    uint32_t n4 = n & ~3u, n8 = n4 & ~7u, i;
    for (uint32_t b = 0; b < n8; b += BLK) {
        uint32_t end = n8 - b > BLK ? b + BLK : n8;
        for (i = b; i < end; i += 8) {
            memcpy(&x, w + i, sizeof x);
            lo += x;
            memcpy(&x, w + i + 4, sizeof x);
            hi += x;
        }
        if (d > 0) vm_divide(w + b, end - b, d);
    }
    i = n8;
    if (i < n4) memcpy(&x, w + i, sizeof x), lo += x, i += 4; /* (n8 a multiple of 8: slots 0-3) */
    for (; i < n; i++) s += w[i];
    if (d > 0) vm_divide(w + n8, n - n8, d);
    v4d a = lo + hi;
    return ((a[0] + a[1]) + (a[2] + a[3])) + s;
}

double emu_fdiv_order_sum(const double *w, uint32_t n)
{
    return fdiv_order_sum((double *)(uintptr_t)w, n, 0.0); /* d 0: w only read */
}

/* emu_fdiv_order_sum of the raw softmax's weights while they are in
 * p_raw (raw_div > 0): the raw pass's own (raw_sum8, the same bits) when
 * it gave it, so that no pass reads them for it */
static double weights_order_sum(const struct chain_result *r)
{
    return r->raw_sum8 > 0 ? r->raw_sum8 : emu_fdiv_order_sum(r->p_raw, r->V);
}

/* emu_fdiv_order_sum of the pending p_raw (its weights) while its division
 * is made (chain_raw_settle's, one pass instead of two; the division alone
 * when the raw pass gave the sum) */
static double order_sum_settle(struct chain_result *r)
{
    if (!r->raw_deferred || !(r->raw_div > 0)) return emu_fdiv_order_sum(r->p_raw, r->V);
    if (r->raw_sum8 > 0) {
        double S8 = r->raw_sum8;
        chain_raw_settle(r); /* vm_divide: fdiv_order_sum's quotients */
        return S8;
    }
    double S = fdiv_order_sum(r->p_raw, r->V, r->raw_div);
    r->raw_div = 0;
    r->raw_deferred = 0;
    return S;
}

int emu_trim_torch(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, m = 0;
    int kt, kc;
    if (!emu_torch(e) || emu_min_keep(e) > 1 || e->ws->n_finite != V || e->ws->finite_iota_n != V) return -1;
    float Tf = plain_temperature(e, &kt, &kc);
    if (Tf == 0.0f) return -1;
    struct stage_report *rep = &r->stages[kc];
    memset(rep, 0, sizeof *rep);
    rep->kind = e->c->order[kc];
    rep->active = 1;
    e->rep = rep;
    double ymax = (double)(z[r->argmax] / Tf), S = NAN;
    size_t near = 0; /* top-p's tokens within TOPP_MID nats (e->ix), when masses */
    /* d over every token only when the stage's removed mass is read (a
     * draw or eval's scores do not read it: top-p then sums in float32) */
    int masses = e->masses;
    float zmin = rep->kind == STAGE_TOP_P ? z_at_or_above(ymax - TOPP_MID, Tf) : INFINITY;
    struct yd v = { e->yf, e->d }; /* top-k and min-p write the y they keep there */
    /* the weights themselves: no second exp pass; a top-k or min-p sums
     * them after its cut, dividing them at once (order_sum_settle) */
    int settle = masses && z == e->z && r->raw_div > 0 && emu_torch_reads_weights(e) && rep->kind != STAGE_TOP_P;
    if (masses && z == e->z && r->raw_div > 0 && emu_torch_reads_weights(e)) {
        v.d = r->p_raw;
        if (!settle) { /* top-p: y = z / 1 is z */
            S = weights_order_sum(r);
            v.y = z, near = vm_collect_ge(z, V, (double)zmin, e->ix);
        }
    } else if (masses) { /* else y only where a cut collects; top-p's first list in the same pass */
        S = vm_exp_fdiv_list(z, V, Tf, ymax, e->yf, e->d, zmin, e->ix, &near);
    }
    static const int all_tiers[3] = { 0, 2, 1 }; /* near and middle: then deep_tier decides */
    int ok = rep->kind == STAGE_TOP_K ? cut_top_k(e, z, V, Tf, ymax, &m)
           : rep->kind == STAGE_MIN_P ? cut_min_p(e, z, V, Tf, ymax, &m)
           : !masses ? cut_top_p(e, &v, z, V, Tf, ymax, 0, S, &near, all_tiers, &m)
           : cut_top_p_masses(e, &v, z, V, Tf, ymax, S, near, &m);
    if (!ok) { r->decided &= ~rep->decided; return -1; }
    double kept_d = 0.0;
    emu_cut_begin(r, (uint8_t)(CUT_STAGE0 + kc));
    for (uint32_t j = 0; j < m; j++) {
        int32_t id = e->ix[j];
        e->a[j] = (struct ls_tok){ .id = id, .logit = (double)v.y[id], .p = 0.0 };
        emu_cut_keep(r, j, id);
        kept_d += masses ? v.d[id] : NAN;
    }
    emu_cut_end(r, (uint8_t)(CUT_STAGE0 + kc), m);
    e->n = m;
    e->sorted = 0;
    if (settle) S = order_sum_settle(r); /* (kept_d read the weights first) */
    report(e, kt, kc, m, S, kept_d);
    return kc;
}
