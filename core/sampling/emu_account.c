/* emu_account.c: a first stage's removed masses and tie flag: the
 * definition (emu_account_first, as emu_run's accounting gives them) and
 * the same numbers without a libm exp per token.
 *
 * emu_account_first sums d_i = exp(z_i - max) (libm's) in id order: all
 * of them (S), the cut ones (rem), and the cut tokens' p_raw (raw). Here
 * d_i is estimated from the raw softmax already made (p_raw_i times its
 * sum, or the weight itself while the division is pending) or from a
 * vector exp, and summed to the bit by seqsum_exp.h (its bound: the
 * estimate's interval decides an add, libm's d_i the few others). The tie
 * flag compares libm's largest cut d with its smallest kept one, over the
 * few tokens that can be either. Units: d unnormalised. */
#include "sampling/stage.h"
#include "sampling/seqsum_exp.h"
#include "base/vmath.h"

#include <math.h>

/* The stage's masses and tie flag exactly as emu_run's accounting gives
 * them (list_alive, account: the input distribution d = exp(z - max) in
 * id order, the same sums in the same order), from cut_by and e->d. */
void emu_account_first(struct emu *e, struct stage_report *rep)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    double S = 0.0, rem = 0.0, raw = 0.0, kept_min = INFINITY, cut_max = -INFINITY;
    r->raw_full_used = 1; /* lazy: a division per cut token, eager is cheaper */
    for (uint32_t i = 0; i < V; i++) {
        double d = e->d[i];
        S += d;
        if (r->cut_by[i] == CUT_NONE) { if (d < kept_min) kept_min = d; continue; }
        if (d > cut_max) cut_max = d;
        rem += d;
        raw += chain_raw_p(r, i);
    }
    if (cut_max == kept_min) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = S > 0 ? rem / S : 0.0;
    rep->raw_mass_removed = raw;
}

/* raw: the cut tokens' p_raw summed in id order; the division pending
 * (raw_div): one per cut token, in order (eager is cheaper then, so say
 * the whole p_raw is read) */
static double raw_removed(struct chain_result *r)
{
    r->raw_full_used = 1;
    if (r->raw_div > 0) {
        double s = 0.0;
        for (uint32_t i = 0; i < r->V; i++) if (r->cut_by[i] != CUT_NONE) s += chain_raw_p(r, i);
        return s;
    }
    const struct seqsum_src src = seqsum_exact_src(r->p_raw, r->cut_by);
    return seqsum(&src, r->V);
}

/* S, rem and raw over the raw softmax's weights: p_raw times its sum
 * (divided), or p_raw itself (its division pending: raw_div); the divided
 * p_raw's three sums share one pass over it */
static void sums_raw(struct chain_result *r, const float *z, double out[3])
{
    struct seqsum_exp x = { z, 1.0f, r->max_logit };
    _Static_assert(CUT_NONE == 0, "seqsum takes the tokens whose mask byte is not 0");
    if (r->raw_div > 0) {
        seqsum_exp_masses(&x, r->p_raw, 1.0, r->cut_by, r->V, out);
        out[2] = raw_removed(r);
        return;
    }
    const struct seqsum_src src[3] = {
        seqsum_exp_src(&x, r->p_raw, r->raw_sum, NULL),     /* S: every token */
        seqsum_exp_src(&x, r->p_raw, r->raw_sum, r->cut_by), /* rem: cut_by != CUT_NONE */
        seqsum_exact_src(r->p_raw, r->cut_by),  /* raw */
    };
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

/* the report from S, rem and raw (s) and the tie flag */
static void put(struct emu *e, int tie, const double s[3], struct stage_report *rep)
{
    if (tie) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = s[0] > 0 ? s[1] / s[0] : 0.0;
    rep->raw_mass_removed = s[2];
}

/* raw (the cut tokens' p_raw in id order) while the deferred division is
 * made, in one pass: the cut tokens are every token but the few kept
 * (cut_ids[0..cut_n), emu_cut_end's; every other cut_by is the stage's
 * code), so the sum runs over the runs between them, each a vm_divide_sum
 * going on from the last (its quotients are vm_divide's: chain_raw_settle's
 * division, made here). 0 (nothing done) when that does not apply. */
static int settle_raw_removed(struct chain_result *r, double *raw)
{
    uint32_t m = r->cut_n, V = r->V, at = 0;
    int32_t ids[CHAIN_CUT_IDS];
    if (!r->raw_deferred || !(r->raw_div > 0) || m == 0 || m > CHAIN_CUT_IDS) return 0;
    for (uint32_t j = 0; j < m; j++) { /* ascending (a top-k keeps them by logit) */
        int32_t id = r->cut_ids[j];
        if (id < 0 || (uint32_t)id >= V || r->cut_by[id] != CUT_NONE) return 0;
        uint32_t k = j;
        while (k > 0 && ids[k - 1] > id) { ids[k] = ids[k - 1]; k--; }
        ids[k] = id;
    }
    double d = r->raw_div, s = 0.0;
    for (uint32_t j = 0; j <= m; j++) {
        uint32_t end = j < m ? (uint32_t)ids[j] : V;
        s = vm_divide_sum(r->p_raw + at, end - at, d, r->p_raw + at, s);
        if (j < m) vm_divide(r->p_raw + end, 1, d);
        at = end + 1;
    }
    r->raw_div = 0;
    r->raw_deferred = 0;
    *raw = s;
    return 1;
}

/* The step's whole p_raw is read (CHAIN_WANT_ALL): its deferred division
 * is made here. With the kept few known (settle_raw_removed), S and rem
 * are summed over the weights before it (est = the weight itself) and raw
 * while dividing; else divided first, then the three sums over p_raw. */
int emu_account_first_est(struct emu *e, const float *z, double zk, struct stage_report *rep)
{
    struct chain_result *r = e->r;
    int all = e->masses;
    int fused = all && r->raw_deferred && r->raw_div > 0 && r->cut_n > 0;
    if (all && !fused) chain_raw_settle(r); /* read whole: divided once, then the vector pass */
    double mul = r->raw_div > 0 ? 1.0 : r->raw_sum, s[3];
    int tie = -1;
    /* the raw logits only (not DRY's: emu_trim_dry), all finite; the
     * estimates belong to this step: the maximum's weight is 1 */
    if (z == e->z && r->have_raw && mul > 0 && r->argmax >= 0 && r->n_finite == r->V &&
        fabs(r->p_raw[r->argmax] * mul - 1.0) < 0x1p-40)
        tie = tie_flag(e, z, r->max_logit, zk, 1);
    if (tie >= 0 && fused) {
        struct seqsum_exp x = { z, 1.0f, r->max_logit };
        seqsum_exp_masses(&x, r->p_raw, 1.0, r->cut_by, r->V, s);
        if (settle_raw_removed(r, &s[2])) {
            put(e, tie, s, rep);
            return 1;
        }
    }
    if (all) chain_raw_settle(r);
    if (tie < 0) return 0;
    sums_raw(r, z, s);
    put(e, tie, s, rep);
    return 1;
}

static int account_y(struct emu *e, const float *y, double mx, double yk, const double *sums,
                        struct stage_report *rep)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    if (!r->have_raw || r->n_finite != V) return 0;
    int tie = tie_flag(e, y, mx, yk, 0);
    if (tie < 0) return 0;
    double s[3];
    if (!sums) {
        struct seqsum_exp x = { y, 1.0f, mx };
        seqsum_exp_estimate(&x, V, e->d);
        seqsum_exp_masses(&x, e->d, 1.0, r->cut_by, V, s);
        s[2] = raw_removed(r);
        sums = s;
    }
    put(e, tie, sums, rep);
    return 1;
}

/* a run that reads no masses: the tie flag, the masses NaN; 0 when undecided */
static int account_tie(struct emu *e, const float *y, double mx, double yk, int raw, struct stage_report *rep)
{
    int tie = tie_flag(e, y, mx, yk, raw);
    if (tie < 0) return 0;
    if (tie) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = rep->raw_mass_removed = NAN;
    return 1;
}

void emu_account_first_report(struct emu *e, const float *y, double mx, double yk, int raw, const double *sums,
                              struct stage_report *rep)
{
    if (!e->masses && account_tie(e, y, mx, yk, raw, rep)) return;
    if (raw ? emu_account_first_est(e, y, yk, rep) : account_y(e, y, mx, yk, sums, rep)) return;
    emu_exp_memo(y, e->r->V, mx, e->d); /* the stage's input distribution, as list_alive's */
    emu_account_first(e, rep);
}
