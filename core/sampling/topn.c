/* topn.c: the chain on a top-N step, exact where the file decides (topn.h).
 *
 * chain_run runs first over the listed tokens (it gives the counts, the
 * temperature rules and notes, and the result for stages modelled nowhere
 * else); the listed tokens are then replayed here as a prefix of the order
 * (logit desc, id asc) with the unknown tail kept as a raw-mass interval
 * [mlo, mhi] (both 0 once every unlisted token is cut). */
#include "sampling/topn.h"
#include "sampling/stage.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TOPN_EPS 1e-12   /* the top-p crossing slack of topp.c */

struct tn {
    const struct chain *c;
    const struct params *p;
    const struct chain_ws *ws;
    const float *z;
    struct chain_result *r;
    int32_t *ord;        /* listed ids, logit desc then id asc */
    uint32_t n, m;       /* listed, kept prefix */
    uint32_t sure;       /* listed tokens surely ranked above every unlisted one: n, or
                            n - 1 when the last is the recorded token below the file's
                            top-N list (an API lists it even outside its top N) */
    double a;            /* 1 / temperature applied so far */
    double lp0, lpmin;   /* largest and smallest listed log-probability */
    double mlo, mhi;     /* raw mass of the unknown tokens still in */
    int kept_exact;      /* the kept listed set does not depend on the tail */
    int open;            /* an earlier stage's result is unknown: so is every later one */
};

static int before(const float *z, int32_t x, int32_t y)
{
    if (!z) return x < y;
    return z[x] > z[y] || (z[x] == z[y] && x < y);
}

/* Stable bottom-up merge sort of ids by (z desc, id asc), or by id when z
 * is NULL; t is scratch of n ids. */
static void sort_ids(int32_t *a, int32_t *t, uint32_t n, const float *z)
{
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) t[k++] = before(z, a[j], a[i]) ? a[j++] : a[i++];
            while (i < mid) t[k++] = a[i++];
            while (j < hi) t[k++] = a[j++];
        }
        memcpy(a, t, (size_t)n * sizeof *a);
    }
}

static double w_of(const struct tn *t, uint32_t i)
{
    return exp(t->a * ((double)t->z[t->ord[i]] - t->lp0));
}

/* The unknown tokens' weight, in the units of w_of (topn.h's bounds). */
static void tail_w(const struct tn *t, double *lo, double *hi)
{
    *lo = *hi = 0;
    if (!(t->mhi > 0)) return;
    double p0 = exp(t->lp0), xlo = t->mlo / p0, xhi = t->mhi / p0, a = t->a;
    double rr = exp(t->lpmin - t->lp0), M = TOPN_MAX_UNLISTED;
    if (a == 1.0) { *lo = xlo; *hi = xhi; return; }
    double spread_lo = xlo > 0 ? pow(M, 1 - a) * pow(xlo, a) : 0, spread_hi = pow(M, 1 - a) * pow(xhi, a);
    if (a > 1) { *lo = spread_lo; *hi = xhi * pow(rr, a - 1); }
    else { *lo = xlo * pow(rr, a - 1); *hi = spread_hi; }
    if (*hi < *lo) *hi = *lo;
}

static void why(struct tn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct tn *t, const char *fmt, ...)
{
    struct topn_bounds *b = &t->r->topn;
    if (b->why[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->why, sizeof b->why, fmt, ap);
    va_end(ap);
}

/* Cut the listed tokens from position mm on, by stage k. */
static void cut_to(struct tn *t, uint32_t mm, int k)
{
    double rem = 0;
    for (uint32_t i = mm; i < t->m; i++) {
        t->r->cut_by[t->ord[i]] = (uint8_t)(CUT_STAGE0 + k);
        rem += exp((double)t->z[t->ord[i]]);
    }
    t->r->stages[k].raw_mass_removed += rem;
    if (mm < t->m) t->m = mm;
}

static void tail_cut(struct tn *t, int k)
{
    if (t->mhi > 0 && !t->r->topn.tail_cut_by) t->r->topn.tail_cut_by = (uint8_t)(CUT_STAGE0 + k);
    t->r->stages[k].raw_mass_removed += t->mhi;
    t->mlo = t->mhi = 0;
}

static void st_temperature(struct tn *t, int k)
{
    if (t->r->greedy) { cut_to(t, 1, k); tail_cut(t, k); return; }
    t->a = 1.0 / t->r->effective_temperature;
}

/* The kept prefix that is surely above every unlisted token. */
static uint32_t sure_m(const struct tn *t) { return t->m < t->sure ? t->m : t->sure; }

static void why_outlier(struct tn *t, const char *stage)
{
    t->kept_exact = 0;
    why(t, "%s: the recorded token, listed last, may lie outside the file's top-N list: unlisted tokens may rank above it", stage);
}

static void st_top_k(struct tn *t, int k)
{
    uint32_t kk = (uint32_t)t->p->top_k;
    if (kk <= sure_m(t)) {
        uint32_t mm = kk;
        if (kk < t->m && t->c->topk_ties == TIES_KEEP)
            while (mm < t->m && t->z[t->ord[mm]] == t->z[t->ord[kk - 1]]) mm++;
        cut_to(t, mm, k);
        tail_cut(t, k);
        return;
    }
    if (t->mhi > 0) t->mlo = 0;
    if (sure_m(t) < t->m) why_outlier(t, "top-k");
    else if (t->mhi > 0) why(t, "top-k %u keeps up to %u unlisted tokens", kk, kk - t->m);
}

/* Listed tokens kept by a crossing at target: 1..m, or m + 1 beyond them. */
static uint32_t crossing(const struct tn *t, double target)
{
    double cum = 0;
    for (uint32_t i = 0; i < t->m; i++) {
        cum += w_of(t, i);
        if (cum >= target) return i + 1;
    }
    return t->m + 1;
}

static void st_top_p(struct tn *t, int k)
{
    double pp = t->p->top_p, W = 0, lo, hi;
    for (uint32_t i = 0; i < t->m; i++) W += w_of(t, i);
    tail_w(t, &lo, &hi);
    uint32_t jlo = crossing(t, (pp - TOPN_EPS) * (W + lo)), jhi = crossing(t, (pp - TOPN_EPS) * (W + hi));
    if (jhi <= sure_m(t)) {
        cut_to(t, jhi, k);
        tail_cut(t, k);
        if (jlo != jhi) t->kept_exact = 0;
        if (jlo != jhi) why(t, "top-p %.9g: whether %u listed tokens are kept depends on the unknown tail", pp, jhi - jlo);
        return;
    }
    if (jhi <= t->m) why_outlier(t, "top-p");
    else if (jlo <= t->m) { t->kept_exact = 0; why(t, "top-p %.9g: the crossing depends on the unknown tail", pp); }
    else why(t, "top-p %.9g reaches into the unknown tail", pp);
    t->mlo = 0;
}

static void st_min_p(struct tn *t, int k)
{
    double thr = t->lp0 + log(t->p->min_p) / t->a;
    uint32_t mm = 0;
    while (mm < t->m && (double)t->z[t->ord[mm]] >= thr) mm++;
    cut_to(t, mm, k);
    if (t->lpmin <= thr) tail_cut(t, k);
    else if (t->mhi > 0) {
        t->mlo = 0;
        why(t, "min-p %.9g keeps unlisted tokens with p above %.3g", t->p->min_p, exp(thr));
    }
}

/* HF's epsilon: keep q >= epsilon, q over the current candidates with
 * the tail's weight in [lo, hi] (tail_w): a listed token passes for sure
 * at the tail's upper weight and fails for sure at its lower one; an
 * unlisted token weighs at most the smallest listed one. At least
 * max(1, min-keep) tokens stay (HF's min_tokens_to_keep), listed first. */
static void st_epsilon(struct tn *t, int k)
{
    double W = 0, lo, hi, eps = t->p->epsilon;
    uint32_t sure = 0, keep, mk = t->p->min_keep > 1 ? (uint32_t)t->p->min_keep : 1;
    for (uint32_t i = 0; i < t->m; i++) W += w_of(t, i);
    tail_w(t, &lo, &hi);
    while (sure < t->m && w_of(t, sure) >= eps * (W + hi)) sure++;
    keep = sure;
    while (keep < t->m && w_of(t, keep) >= eps * (W + lo)) keep++;
    if (keep < mk) keep = mk < t->m ? mk : t->m;
    if (sure < keep && sure < mk) sure = keep < mk ? keep : mk;
    if (sure < keep) {
        t->kept_exact = 0;
        why(t, "epsilon %.9g: whether %u listed tokens pass depends on the unknown tail", eps, keep - sure);
    }
    cut_to(t, keep, k);
    if (!(t->mhi > 0)) return;
    if (exp(t->a * (t->lpmin - t->lp0)) < eps * (W + lo)) tail_cut(t, k);
    else { t->mlo = 0; why(t, "epsilon %.9g may keep unlisted tokens", eps); }
}

/* The stages whose result a top-N step leaves unknown, and why: each needs
 * something of the unlisted tokens the file does not give (their number,
 * logits or probabilities), or reorders tokens by values the file does not
 * give. Nothing is cut; every later stage is unknown too (st_open). */
static const char *open_reason(enum stage_kind kind)
{
    switch (kind) {
    case STAGE_TYPICAL_P: return "it ranks tokens by their distance from the whole distribution's entropy";
    case STAGE_TOP_N_SIGMA: return "it needs the standard deviation of every logit, unlisted ones included";
    case STAGE_ETA: return "its threshold depends on the whole distribution's entropy";
    case STAGE_XTC: return "which tokens reach its threshold depends on the unknown tail";
    case STAGE_PENALTIES: return "the file gives log-probabilities, not logits, and penalised tokens may be unlisted";
    case STAGE_MIROSTAT: return "its cut depends on mu and on the unlisted tokens' surprise";
    case STAGE_DRY: return "it penalises the tokens that extend a repeat, unlisted ones included";
    case STAGE_LOGIT_BIAS: return "the file gives log-probabilities, not logits, and biased tokens may be unlisted";
    default: return "it follows a stage whose result is unknown";
    }
}

/* A stage whose result is unknown: nothing is decided from here on. The
 * listed tokens stay candidates (kept or cut is unknown), the tail may be
 * cut or not, and the final probabilities lie anywhere in [0, 1]. */
static void st_open(struct tn *t, int k)
{
    enum stage_kind kind = t->r->stages[k].kind;
    t->r->topn.open_stages |= 1u << k;
    t->kept_exact = 0;
    t->mlo = 0;
    why(t, "%s is unknown on a top-N step: %s", stage_name(kind), t->open ? open_reason(STAGE__COUNT) : open_reason(kind));
    t->open = 1;
}

/* Stages that change nothing when there is no history (penalties, DRY). */
static int needs_history(enum stage_kind kind) { return kind == STAGE_PENALTIES || kind == STAGE_DRY; }

typedef void (*tn_stage_fn)(struct tn *t, int k);

/* Every stage kind has a case: computed exactly or bounded here, or
 * reported unknown (st_open). Never is an unlisted token treated as cut
 * unless a stage cuts it for every possible tail. */
static tn_stage_fn tn_stage(const struct tn *t, enum stage_kind kind)
{
    if (t->open) return st_open;
    switch (kind) {
    case STAGE_TEMPERATURE: return st_temperature;
    case STAGE_TOP_K: return st_top_k;
    case STAGE_TOP_P: return st_top_p;
    case STAGE_MIN_P: return st_min_p;
    case STAGE_EPSILON: return st_epsilon;
    case STAGE_TYPICAL_P: case STAGE_TOP_N_SIGMA: case STAGE_ETA: case STAGE_XTC:
    case STAGE_PENALTIES: case STAGE_MIROSTAT: case STAGE_DRY: case STAGE_LOGIT_BIAS:
    case STAGE__COUNT: case STAGE_NONE:
        break;
    }
    if (needs_history(kind) && t->ws->n_hist == 0) return NULL;   /* nothing to penalise */
    return st_open;
}

static double listed_w(const struct tn *t)
{
    double w = 0;
    for (uint32_t i = 0; i < t->m; i++) w += w_of(t, i);
    return w;
}

/* Each stage's counts and shares; the weights before a stage are the
 * weights after the one before it. */
static void run_stages(struct tn *t)
{
    double wb = listed_w(t), lb, hb;
    tail_w(t, &lb, &hb);
    for (int k = 0; k < t->r->n_stages; k++) {
        struct stage_report *rep = &t->r->stages[k];
        tn_stage_fn fn = rep->active ? tn_stage(t, rep->kind) : NULL;
        double wa, la, ha;
        rep->kept_in = t->m;
        rep->raw_mass_removed = 0;
        if (fn) fn(t, k);
        rep->kept_out = t->m;
        wa = listed_w(t);
        tail_w(t, &la, &ha);
        /* of the stage's input, with the tail at its upper bound: a stage
         * that leaves part of the tail in removes none of it here */
        rep->mass_removed = wb + hb > 0 ? (wb - wa + hb - ha) / (wb + hb) : 0;
        if (rep->mass_removed < 0) rep->mass_removed = 0;
        wb = wa;
        hb = ha;
        (void)lb;
        (void)la;
    }
}

/* The final distribution over the kept listed tokens and the bounds. */
static void finish(struct tn *t, int32_t *scratch)
{
    struct chain_result *r = t->r;
    struct topn_bounds *b = &r->topn;
    double W = 0, ret = 0, h = 0, lo, hi;
    for (uint32_t i = 0; i < t->m; i++) {
        double w = w_of(t, i);
        r->p[t->ord[i]] = w;
        r->cut_by[t->ord[i]] = CUT_NONE;
        W += w;
        ret += exp((double)t->z[t->ord[i]]);
    }
    for (uint32_t i = 0; i < t->m; i++) {
        double q = r->p[t->ord[i]] / W;
        r->p[t->ord[i]] = q;
        if (q > 0) h -= q * log(q);
    }
    for (uint32_t i = t->m; i < t->n; i++) r->p[t->ord[i]] = 0;
    memcpy(r->kept, t->ord, (size_t)t->m * sizeof *r->kept);
    sort_ids(r->kept, scratch, t->m, NULL);
    r->n_kept = t->m;
    r->entropy_after = h > 0 ? h : 0;
    r->retained_mass = ret;
    tail_w(t, &lo, &hi);
    b->f_lo = W / (W + hi);
    b->f_hi = W / (W + lo);
    b->retained_lo = r->topn.open_stages ? 0 : ret + t->mlo;   /* an unknown stage may cut any of it */
    b->retained_hi = ret + t->mhi;
    b->tail_kept = t->mhi > 0;
    if (hi - lo > 1e-12 * W)
        why(t, "temperature %.9g scales the unknown tail by an amount the file does not give", 1.0 / t->a);
}

/* The file's own p_raw for listed tokens; unlisted ones are unknown. */
static void raw_truth(const float *z, uint32_t V, struct chain_result *r)
{
    double h = 0;
    for (uint32_t i = 0; i < V; i++) {
        if (r->cut_by[i] == CUT_MASKED && z[i] == -INFINITY) { r->cut_by[i] = CUT_UNLISTED; continue; }
        if (!isfinite(z[i])) continue;
        double pr = exp((double)z[i]);
        r->p_raw[i] = pr;
        if (pr > 0) h -= pr * (double)z[i];
    }
    r->n_neginf = 0;
    chain_raw_forget(r); /* p_raw changed after the run: probabilities, not a softmax's weights */
    r->lse_raw = 0;   /* the file's log-probabilities are normalised over the whole vocabulary */
    r->entropy_before = h; /* of the listed tokens: a lower bound of the step's entropy */
}

/* A top-N step listing no token (a TGI null logprob without top tokens):
 * its whole mass is the unknown tail. Every stage sees 0 listed tokens and
 * keeps part of the tail (no stage can cut every unlisted token when none
 * is listed), so nothing is kept, nothing can be drawn, and the recorded
 * token's probability is unknown. The one definition every caller gets. */
static int empty_step(const struct chain *c, const struct params *p, uint32_t V,
                      double tail, struct chain_ws *ws, struct chain_result *r)
{
    struct topn_bounds *b = &r->topn;
    int any = 0;
    r->n_kept = 0;
    r->n_finite = ws->n_finite = 0;
    r->n_stages = c->n;
    for (int k = 0; k < c->n; k++) {
        struct stage_report *rep = &r->stages[k];
        memset(rep, 0, sizeof *rep);
        rep->kind = c->order[k];
        rep->active = chain_uses(c, p, c->order[k]);
        any |= rep->active;
    }
    for (uint32_t i = 0; i < V; i++) { r->p[i] = r->p_raw[i] = 0; r->cut_by[i] = CUT_UNLISTED; }
    chain_raw_forget(r);
    r->n_nan = r->n_posinf = r->n_neginf = 0;
    r->entropy_before = r->entropy_after = r->retained_mass = 0;
    r->lse_raw = 0;
    r->exact = chain_is_exact(c);
    r->decided = 0;
    b->sparse = 1;
    b->tail_raw = tail;
    b->n_listed = 0;
    b->f_lo = b->f_hi = 0;       /* the tail's final mass is [1, 1] */
    b->tail_kept = 1;
    b->retained_lo = any ? 0 : tail;
    b->retained_hi = tail;
    snprintf(b->why, sizeof b->why, "no token is listed at this step: its whole mass is unknown");
    return LS_OK;
}

/* The recorded token is an outlier when it is listed strictly below every
 * other listed token: it may lie outside the file's top-N list, so it says
 * nothing about the unlisted tokens (they may rank above it). */
static int outlier(const float *z, const int32_t *ord, uint32_t n, int32_t recorded)
{
    return n >= 2 && recorded >= 0 && ord[n - 1] == recorded && z[ord[n - 2]] > z[recorded];
}

int topn_run(const struct chain *c, const struct params *p, const float *logits,
             uint32_t V, double tail, int32_t recorded, int rerun, struct chain_ws *ws,
             struct chain_result *r, struct ls_error *err)
{
    struct chain ce;
    topn_chain(c, tail >= 0, &ce);
    ws->rank_hint = tail < 0 ? recorded : -1; /* chain_top_rank's token, gathered in the first pass */
    int rc = (rerun && tail < 0 ? chain_rerun : chain_run)(&ce, p, logits, V, ws, r, err);
    memset(&r->topn, 0, sizeof r->topn);
    if (rc == LS_EDATA && tail >= 0 && r->n_finite == 0 && r->n_nan == 0 && r->n_posinf == 0) {
        if (err) { err->code = 0; err->msg[0] = 0; }
        r->cut_n = 0; /* (chain.h) */
        return empty_step(c, p, V, tail, ws, r);
    }
    if (rc || tail < 0) return rc;
    r->cut_n = 0; /* cut_by is rewritten below (chain.h) */
    r->blk_ok = 0; /* and p */
    struct topn_bounds *b = &r->topn;
    b->sparse = 1;
    b->tail_raw = tail;
    b->n_listed = ws->n_finite;
    b->f_lo = b->f_hi = 1;
    raw_truth(logits, V, r);
    struct tn t = { c, p, ws, logits, r, ws->idx, ws->n_finite, ws->n_finite, ws->n_finite, 1.0, 0, 0, tail, tail, 1, 0 };
    memcpy(t.ord, ws->finite, (size_t)t.n * sizeof *t.ord);
    sort_ids(t.ord, ws->cand, t.n, logits);
    if (outlier(logits, t.ord, t.n, recorded)) t.sure = t.n - 1;
    t.lp0 = (double)logits[t.ord[0]];
    /* an unlisted token's p is at most the smallest sure listed one, and at
     * most the whole tail */
    t.lpmin = (double)logits[t.ord[t.sure - 1]];
    if (tail > 0 && log(tail) < t.lpmin) t.lpmin = log(tail);
    run_stages(&t);
    finish(&t, ws->cand);
    b->kept_exact = t.kept_exact;
    b->exact = !b->why[0];
    return LS_OK;
}

void topn_p_bounds(const struct chain_result *r, int32_t id, double *lo, double *hi)
{
    double q = r->p[id];
    if (!r->topn.sparse) { *lo = *hi = q; return; }
    if (r->topn.open_stages) { *lo = 0; *hi = 1; return; }
    *lo = q * r->topn.f_lo;
    *hi = q * r->topn.f_hi;
}

void topn_chain(const struct chain *c, int sparse, struct chain *out)
{
    *out = *c;
    if (sparse) out->exact = 1;
}

int topn_p_unknown(const struct chain_result *r, int32_t id)
{
    return r->topn.sparse && r->topn.tail_kept && id >= 0 && (uint32_t)id < r->V
        && r->cut_by[id] == CUT_UNLISTED;
}

void topn_tail_bounds(const struct chain_result *r, double *lo, double *hi)
{
    *lo = *hi = 0;
    if (!r->topn.sparse || !r->topn.tail_kept) return;
    if (r->topn.open_stages) { *hi = 1; return; }
    *lo = 1 - r->topn.f_hi;
    *hi = 1 - r->topn.f_lo;
}
