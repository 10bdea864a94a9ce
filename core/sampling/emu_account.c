/* emu_account.c: a first stage's removed masses and tie flag, as
 * emu_account_first gives them, without a libm exp per token.
 *
 * emu_account_first sums d_i = exp(z_i - max) (libm's) in id order: all
 * of them (S), the cut ones (rem), and the cut tokens' p_raw (raw). Here
 * d_i is estimated from the raw softmax already made (p_raw_i times its
 * sum, or the weight itself while the division is pending): the vector
 * exp is within 2 ulp of libm's (tests/unit/test_seqsum.c checks it
 * against a sweep), the division and the product add one, so the estimate
 * is within EST_REL of d_i (16 ulp: four times the need) plus EST_ABS for
 * subnormal results. Each add is then done on the estimate when both ends
 * of its interval round to the same sum (then the true d_i does too: a
 * rounded sum is monotonic in its operand), else on libm's d_i. The tie
 * flag compares libm's largest cut d with its smallest kept one, over the
 * few tokens that can be either. Units: d unnormalised. */
#include "sampling/stage.h"
#include "sampling/seqsum.h"
#include "base/vmath.h"

#include <math.h>

#define EST_REL 0x1p-48
#define EST_ABS 0x1p-1000

/* s + d, d known within m of x: the sum the true d gives */
static inline double add_est(double s, double x, double m, const float *z, double mx, uint32_t i)
{
    double lo = s + (x - m), hi = s + (x + m);
    return lo == hi ? lo : s + exp((double)z[i] - mx);
}

/* S, rem and raw in one pass, p_raw holding the weights themselves (its
 * division pending: raw_div): the terms of emu_account_first, in order */
static void sums_lazy(struct chain_result *r, const float *z, double out[3])
{
    const double *pr = r->p_raw, mx = r->max_logit;
    double S = 0.0, rem = 0.0, raw = 0.0;
    r->raw_full_used = 1; /* a division per cut token: eager is cheaper */
    for (uint32_t i = 0; i < r->V; i++) {
        double d = pr[i], m = d * EST_REL + EST_ABS;
        S = add_est(S, d, m, z, mx, i);
        if (r->cut_by[i] == CUT_NONE) continue;
        rem = add_est(rem, d, m, z, mx, i);
        raw += chain_raw_p(r, i);
    }
    out[0] = S, out[1] = rem, out[2] = raw;
}

struct exact_ctx { const float *z; double mx; };

static double exact_d(void *ctx, uint32_t i)
{
    const struct exact_ctx *x = ctx;
    return exp((double)x->z[i] - x->mx);
}

/* The same in vector blocks (seqsum.h) over the divided p_raw: the weight
 * estimated as p_raw times the softmax's sum. */
static void sums_eager(const struct chain_result *r, const float *z, double out[3])
{
    struct exact_ctx x = { z, r->max_logit };
    const struct seqsum_src src[3] = {
        { r->p_raw, NULL, r->raw_sum, EST_REL, EST_ABS, exact_d, &x },       /* S: every token */
        { r->p_raw, r->cut_by, r->raw_sum, EST_REL, EST_ABS, exact_d, &x },  /* rem: cut_by != CUT_NONE */
        { r->p_raw, r->cut_by, 1.0, 0.0, 0.0, NULL, NULL },                  /* raw */
    };
    _Static_assert(CUT_NONE == 0, "seqsum takes the tokens whose mask byte is not 0");
    seqsum_many(src, 3, r->V, out);
}

/* emu_account_first's tie flag: libm's largest cut d equals its smallest
 * kept d. Only kept tokens within DELTA nats of the smallest kept logit zk
 * can be the smallest (one DELTA above has a true weight e^DELTA times
 * larger, far beyond exp's error), and only cut tokens above zk - DELTA
 * can reach it: they come from one collecting pass (or the first pass's
 * list). -1: undecided (a kept weight too small for relative bounds). */
#define DELTA 1e-6
static int tie_flag(struct emu *e, const float *z, double mx, double zk, int raw)
{
    const struct chain_result *r = e->r;
    double thr = zk - DELTA, cut_max = -INFINITY, kept_min = INFINITY;
    const int32_t *ids = e->ix2;
    size_t n;
    if (raw && chain_ws_pre_covers(e->ws, thr)) ids = e->ws->pre_ids, n = e->ws->pre_n;
    else n = vm_collect_ge(z, r->V, thr, e->ix2);
    for (size_t j = 0; j < n; j++) {
        int32_t i = ids[j];
        int kept = r->cut_by[i] == CUT_NONE;
        if ((double)z[i] < thr || (kept && (double)z[i] > zk + DELTA)) continue;
        double d = exp((double)z[i] - mx);
        if (kept) { if (d < kept_min) kept_min = d; }
        else if (d > cut_max) cut_max = d;
    }
    if (!(kept_min >= 0x1p-1000)) return -1;
    return cut_max == kept_min;
}

int emu_account_first_est(struct emu *e, const float *z, double zk, struct stage_report *rep)
{
    struct chain_result *r = e->r;
    if (e->ws->want == CHAIN_WANT_ALL) chain_raw_settle(r); /* read whole: divided once, then the vector pass */
    double mul = r->raw_div > 0 ? 1.0 : r->raw_sum, s[3];
    /* the raw logits only (not DRY's: emu_trim_dry), all finite */
    if (z != e->z || !r->have_raw || !(mul > 0) || r->argmax < 0 || r->n_finite != r->V) return 0;
    /* the estimates belong to this step: the maximum's weight is 1 */
    if (!(fabs(r->p_raw[r->argmax] * mul - 1.0) < 0x1p-40)) return 0;
    int tie = tie_flag(e, z, r->max_logit, zk, 1);
    if (tie < 0) return 0;
    if (r->raw_div > 0) sums_lazy(r, z, s);
    else sums_eager(r, z, s);
    if (tie) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = s[0] > 0 ? s[1] / s[0] : 0.0;
    rep->raw_mass_removed = s[2];
    return 1;
}

int emu_account_first_y(struct emu *e, const float *y, double mx, double yk, const double *sums,
                        struct stage_report *rep)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    if (!r->have_raw || r->n_finite != V) return 0;
    int tie = tie_flag(e, y, mx, yk, 0);
    if (tie < 0) return 0;
    if (sums) {
        if (tie) emu_decided(e, DECIDED_TIE);
        rep->mass_removed = sums[0] > 0 ? sums[1] / sums[0] : 0.0;
        rep->raw_mass_removed = sums[2];
        return 1;
    }
    struct exact_ctx x = { y, mx };
    vm_exp_shift(y, V, mx, 1.0, e->d, NULL); /* within 2 ulp of libm's: the estimates */
    const struct seqsum_src src[3] = {
        { e->d, NULL, 1.0, EST_REL, EST_ABS, exact_d, &x },      /* S: every token */
        { e->d, r->cut_by, 1.0, EST_REL, EST_ABS, exact_d, &x }, /* rem: cut_by != CUT_NONE */
        { r->p_raw, r->cut_by, 1.0, 0.0, 0.0, NULL, NULL },      /* raw (divided) */
    };
    double s[3];
    seqsum_many(src, 2, V, s); /* (one array per call) */
    if (r->raw_div > 0) { /* lazy: a division per cut token, in order */
        r->raw_full_used = 1;
        s[2] = 0.0;
        for (uint32_t i = 0; i < V; i++) if (r->cut_by[i] != CUT_NONE) s[2] += chain_raw_p(r, i);
    } else {
        s[2] = seqsum(&src[2], V);
    }
    if (tie) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = s[0] > 0 ? s[1] / s[0] : 0.0;
    rep->raw_mass_removed = s[2];
    return 1;
}
