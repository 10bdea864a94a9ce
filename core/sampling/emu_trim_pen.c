/* emu_trim_pen.c: HF's and vLLM's penalties (then a plain temperature or
 * none) before their first cut, a top-k or a min-p, and llama.cpp's
 * penalties (then DRY or not) before its first top-k, without the whole
 * array (llama.cpp's: llama_trim_pen below). Owner: hC (issue 9). Units: logits in nats; d the unnormalised
 * weights exp(y - ymax) of emu_run's accounting.
 *
 * On the array path the penalties, the temperature and the cut each pass
 * over V records, and the cut's accounting takes a libm exp per token.
 * Here the penalties change a float copy of the logits at the history
 * tokens only (emu_penalties_ids: every other logit is left as it is),
 * y = copy / T is torch's float division (monotonic for T > 0, so a
 * threshold on y is one on the copy), and the cut is decided over the
 * few tokens a vector pass collects:
 *   top-k  y >= the k-th largest y, ties kept (emu_top_k's rule);
 *   min-p  y >= ymax + ln(min_p) when no token lies in the float32 band
 *          around that boundary (the band emu_trim_torch.c's min-p uses:
 *          torch's float ratio test then agrees with it).
 * The report is emu_run's, to the bit: the masses are the same sequential
 * sums of libm's exp(y - ymax) in id order (seqsum_exp.h: a vector exp's
 * estimates, libm's value wherever an estimate could round another way),
 * the tie flag compares libm's weights of the kept tokens and of the cut
 * ones near the boundary (any other is over DELTA nats below: far apart).
 * Not applied (emu_run runs the whole array, as before): llama.cpp or
 * exact rules, a masked logit, min-keep above 1, a temperature with a
 * note to write, anything between, a collection that misses. */
#include "sampling/stage.h"
#include "sampling/select.h"
#include "sampling/seqsum_exp.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

#define DELTA 1e-6      /* nats: weights this far apart never round to one */

/* the stages: penalties (kp), a temperature (kt, -1: none), the cut (kc) */
struct pen_plan { int kp, kt, kc; float Tf; };

static int plan(const struct emu *e, struct pen_plan *pl)
{
    int k = emu_first_active(e, 0);
    if (k < 0 || e->c->order[k] != STAGE_PENALTIES) return 0;
    pl->kp = k;
    pl->kt = -1;
    pl->Tf = 1.0f;
    k = emu_first_active(e, k + 1);
    if (k >= 0 && e->c->order[k] == STAGE_TEMPERATURE) {
        double T = e->p->temperature;
        /* greedy, a floor raised or a limit passed: their notes (the array path) */
        if (!(T > 0) || T < e->c->temp_floor || (e->sys == PRESET_VLLM && T > 2)) return 0;
        pl->kt = k;
        pl->Tf = (float)T;
        k = emu_first_active(e, k + 1);
    }
    pl->kc = k;
    return k >= 0 && (e->c->order[k] == STAGE_TOP_K || e->c->order[k] == STAGE_MIN_P);
}

static double get_y(const void *ctx, uint32_t i) { return (double)((const float *)ctx)[i]; }

/* The smallest float >= thr: every float below thr is at most the float
 * before it, so an uncollected token's y is at most (that float) / T. */
static double y_bound_below(double thr, float Tf)
{
    float f = (float)thr;
    if ((double)f < thr) f = nextafterf(f, INFINITY);
    return (double)(f / Tf);
}

/* The tokens with copy >= thr into e->ix (ascending), their y into e->yf;
 * the count. *yb: no other token's y is above it. */
static uint32_t collect(struct emu *e, const float *y0, uint32_t V, float Tf, double thr, double *yb)
{
    uint32_t c = (uint32_t)vm_collect_ge(y0, V, thr, e->ix);
    for (uint32_t j = 0; j < c; j++) e->yf[e->ix[j]] = y0[e->ix[j]] / Tf;
    *yb = y_bound_below(thr, Tf);
    return c;
}

/* top-k: the k-th largest y; keeps y >= it. NAN when not decided. */
static double cut_top_k(struct emu *e, const float *y0, uint32_t V, float Tf, double *yb, uint32_t *c)
{
    uint32_t k = (uint32_t)e->p->top_k;
    double thr;
    if (k >= V || !select_sample_threshold(get_y, y0, V, k + 1, &thr)) return NAN;
    *c = collect(e, y0, V, Tf, thr, yb);
    if (*c < k + 1) return NAN;
    for (uint32_t j = 0; j < *c; j++) e->v[j] = (double)e->yf[e->ix[j]];
    return select_kth_largest(e->v, *c, k - 1);
}

/* min-p: keeps y >= ymax + ln(min_p), no token in the band around it */
static double cut_min_p(struct emu *e, const float *y0, uint32_t V, float Tf, double ymax, double *yb, uint32_t *c)
{
    double lnm = log(e->p->min_p), band = 1e-6 + 1.2e-7 * fabs(lnm), at = ymax + lnm;
    if (!(lnm > -80.0)) return NAN; /* torch's float p would underflow there */
    double lo = (at - band - 2 * DELTA) * (double)Tf;
    *c = collect(e, y0, V, Tf, lo - fabs(lo) * 1e-6 - 1e-6, yb);
    for (uint32_t j = 0; j < *c; j++) {
        double y = (double)e->yf[e->ix[j]];
        if (y >= at - band && y < at + band) return NAN;
    }
    return at;
}

/* The kept (y >= cut) first in e->ix, ascending; their count. The tie
 * flag: libm's smallest kept weight against its largest cut one among
 * the collected within DELTA; -1 when the uncollected could reach it. */
static int32_t keep(struct emu *e, uint32_t c, double cut, double ymax, double yb, int *tie)
{
    uint32_t m = 0;
    double ykmin = INFINITY, kept_min = INFINITY, cut_max = -INFINITY;
    for (uint32_t j = 0; j < c; j++) {
        double y = (double)e->yf[e->ix[j]];
        if (y >= cut) { if (y < ykmin) ykmin = y; e->ix2[m++] = e->ix[j]; }
    }
    if (m == 0 || !(yb < cut) || !(yb < ykmin - DELTA)) return -1;
    for (uint32_t j = 0; j < c; j++) {
        double y = (double)e->yf[e->ix[j]];
        if (y < ykmin - DELTA) continue;
        double d = exp(y - ymax);
        if (y >= cut) { if (d < kept_min) kept_min = d; }
        else if (d > cut_max) cut_max = d;
    }
    if (!(kept_min >= 0x1p-1000)) return -1; /* too small for relative bounds */
    *tie = cut_max == kept_min;
    memcpy(e->ix, e->ix2, (size_t)m * sizeof *e->ix);
    return (int32_t)m;
}

/* the cut's masses as emu_run's account sums them (cut_by written) */
static void masses(struct emu *e, const float *y0, float Tf, double ymax, struct stage_report *rep)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    struct seqsum_exp w = { y0, Tf, ymax };
    double s[2];
    chain_raw_settle(r); /* (emu_run settled it already for a caller that reads all) */
    seqsum_exp_estimate(&w, V, e->d);
    _Static_assert(CUT_NONE == 0, "seqsum takes the tokens whose mask byte is not 0");
    seqsum_exp_masses(&w, e->d, 1.0, r->cut_by, V, s); /* S: every token; rem: the cut ones */
    const struct seqsum_src raw = seqsum_exact_src(r->p_raw, r->cut_by);
    rep->mass_removed = s[0] > 0 ? s[1] / s[0] : 0.0;
    rep->raw_mass_removed = seqsum(&raw, V);
}

/* the reports of the stages before the cut, and the cut's counts */
static void report(struct emu *e, const struct pen_plan *pl, uint32_t m)
{
    struct chain_result *r = e->r;
    for (int j = 0; j < pl->kc; j++) {
        memset(&r->stages[j], 0, sizeof r->stages[j]);
        r->stages[j].kind = e->c->order[j];
        r->stages[j].kept_in = r->stages[j].kept_out = r->V;
        r->stages[j].active = j == pl->kp || j == pl->kt;
    }
    if (pl->kt >= 0) r->effective_temperature = e->p->temperature;
    e->rep->kept_in = r->V;
    e->rep->kept_out = m;
}

/* The cut over the penalised copy e->yd; the kept count (-1: not decided). */
static int32_t decide(struct emu *e, const struct pen_plan *pl, double *ymax, int *tie)
{
    uint32_t V = e->r->V, c = 0;
    struct vm_scan sc;
    vm_scan(e->yd, V, &sc);
    *ymax = (double)((float)sc.max / pl->Tf); /* the largest y: the largest copy's (monotonic) */
    double yb = INFINITY, cut = e->c->order[pl->kc] == STAGE_TOP_K ? cut_top_k(e, e->yd, V, pl->Tf, &yb, &c)
                                                                  : cut_min_p(e, e->yd, V, pl->Tf, *ymax, &yb, &c);
    return isnan(cut) ? -1 : keep(e, c, cut, *ymax, yb, tie);
}

/* llama.cpp: its penalties, then DRY or not, then its first top-k: both
 * on the copy (the array is in id order until that top-k sorts it), then
 * emu_trim's top-k on the copy with them seen as off (as emu_trim_dry.c
 * does for DRY alone), asked for no masses (take_prefix then flags a tie
 * from the boundary's two logits, the same comparison of libm's weights
 * its accounting makes); masses() gives them without a libm exp per
 * token. The first pass's prefilter lists raw logits: not read here (a
 * penalty may raise a logit above its threshold); a penalty that raises
 * one above the raw maximum (a repeat penalty below 1): not applied. */
static int llama_trim_pen(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    struct chain_ws *ws = e->ws;
    int kp = emu_first_active(e, 0), kd = kp < 0 ? -1 : emu_first_active(e, kp + 1);
    if (kp < 0 || e->c->order[kp] != STAGE_PENALTIES || e->p->mirostat > 0) return -1;
    int kk = kd >= 0 && e->c->order[kd] == STAGE_DRY ? emu_first_active(e, kd + 1) : kd;
    if (kk < 0 || e->c->order[kk] != STAGE_TOP_K) return -1;
    if (kk == kd) kd = -1;
    memcpy(e->yd, z, (size_t)r->V * sizeof *z);
    if (!emu_penalties_ids(e, e->yd) || (kd >= 0 && !emu_dry_logits(e, e->yd))) return -1;
    /* emu_trim's top-k takes r->max_logit for the largest logit: only
     * history tokens changed, none may now lie above it */
    for (uint32_t t = 0; t < ws->n_hist; t++) {
        int32_t id = ws->hist[t];
        if (id >= 0 && (uint32_t)id < r->V && (double)e->yd[id] > r->max_logit) return -1;
    }
    struct params applied = *e->p;
    const struct params *p = e->p;
    applied.repeat_penalty = 1.0, applied.frequency_penalty = applied.presence_penalty = 0.0;
    applied.dry_multiplier = 0.0; /* done: the top-k comes first now */
    int report = e->masses, pre = ws->pre_valid, k;
    e->p = &applied;
    e->masses = 0, ws->pre_valid = 0; /* its masses are over the penalised logits: masses() below */
    k = emu_trim(e, e->yd);
    e->p = p;
    e->masses = report, ws->pre_valid = pre;
    if (k < 0) return -1;
    r->stages[kp].active = 1;
    if (kd >= 0) r->stages[kd].active = 1;
    if (r->have_raw && e->masses) masses(e, e->yd, 1.0f, e->a[0].logit, &r->stages[k]);
    return k;
}

/* HF and vLLM (see the top) */
static int torch_trim_pen(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    struct pen_plan pl;
    if (emu_min_keep(e) > 1 || !plan(e, &pl)) return -1;
    memcpy(e->yd, z, (size_t)V * sizeof *z);
    double ymax;
    int tie = 0;
    int32_t m = emu_penalties_ids(e, e->yd) ? decide(e, &pl, &ymax, &tie) : -1;
    if (m < 0) return -1;
    struct stage_report *rep = &r->stages[pl.kc];
    memset(rep, 0, sizeof *rep);
    rep->kind = e->c->order[pl.kc];
    rep->active = 1;
    e->rep = rep;
    uint8_t code = (uint8_t)(CUT_STAGE0 + pl.kc);
    emu_cut_begin(r, code);
    for (int32_t j = 0; j < m; j++) {
        int32_t id = e->ix[j];
        e->a[j] = (struct ls_tok){ .id = id, .logit = (double)e->yf[id], .p = 0.0 };
        emu_cut_keep(r, (uint32_t)j, id);
    }
    emu_cut_end(r, code, (uint32_t)m);
    e->n = (uint32_t)m;
    e->sorted = 0;
    if (tie) emu_decided(e, DECIDED_TIE);
    report(e, &pl, (uint32_t)m);
    if (r->have_raw && e->masses) masses(e, e->yd, pl.Tf, ymax, rep);
    else rep->mass_removed = rep->raw_mass_removed = NAN;
    return pl.kc;
}

int emu_trim_pen(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    if (!(emu_torch(e) || emu_llama(e)) || e->ws->n_finite != V || e->ws->finite_iota_n != V) return -1;
    size_t note = strlen(r->note);
    int k = emu_llama(e) ? llama_trim_pen(e, z) : torch_trim_pen(e, z);
    if (k < 0) r->note[note] = 0; /* emu_run's whole array writes the stages' notes again */
    return k;
}
