/* chain.c: running the sampler chain over one step (see chain.h).
 *
 * Cost per step is O(V) plus O(m log m) for the m survivors a top-p stage
 * has to order near its boundary; nothing sorts the whole vocabulary.
 * Numerics: logits are read as float32 and processed in double; softmax is
 * log-sum-exp (subtract the max), so logits of 1e30 or -1e30 give exact,
 * finite probabilities. */
#include "stage.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int chain_result_init(struct chain_result *r, uint32_t V)
{
    memset(r, 0, sizeof *r);
    r->V = V;
    size_t n = V ? V : 1;
    r->p_raw = malloc(n * sizeof *r->p_raw);
    r->p = malloc(n * sizeof *r->p);
    r->cut_by = malloc(n);
    r->kept = malloc(n * sizeof *r->kept);
    if (!r->p_raw || !r->p || !r->cut_by || !r->kept) { chain_result_free(r); return LS_ELIMIT; }
    return LS_OK;
}

void chain_result_free(struct chain_result *r)
{
    free(r->p_raw); free(r->p); free(r->cut_by); free(r->kept);
    memset(r, 0, sizeof *r);
}

int chain_ws_init(struct chain_ws *ws, uint32_t V)
{
    memset(ws, 0, sizeof *ws);
    ws->V = V;
    size_t n = V ? V : 1;
    ws->w = malloc(n * sizeof *ws->w);
    ws->tmp = malloc(n * sizeof *ws->tmp);
    ws->idx = malloc(n * sizeof *ws->idx);
    ws->cand = malloc(n * sizeof *ws->cand);
    ws->q = malloc(n * sizeof *ws->q);
    if (!ws->w || !ws->tmp || !ws->idx || !ws->cand || !ws->q) { chain_ws_free(ws); return LS_ELIMIT; }
    return LS_OK;
}

void chain_ws_free(struct chain_ws *ws)
{
    free(ws->w); free(ws->tmp); free(ws->idx); free(ws->cand); free(ws->q);
    memset(ws, 0, sizeof *ws);
}

double stage_softmax(struct stage_ctx *x)
{
    struct chain_ws *ws = x->ws;
    const int32_t *cand = ws->cand;
    double *t = ws->tmp;
    if (!ws->q_valid) {
        double m = -INFINITY;
        for (uint32_t j = 0; j < x->n; j++) if (ws->w[cand[j]] > m) m = ws->w[cand[j]];
        for (uint32_t j = 0; j < x->n; j++) ws->q[cand[j]] = exp(ws->w[cand[j]] - m);
        ws->qm = m;
        ws->q_valid = 1;
        ws->q_is_raw = 0;
    }
    /* the maximum always survives truncation, so q never underflows to all-zero */
    const double *q = ws->q_is_raw ? x->r->p_raw : ws->q;
    double s = 0.0;
    for (uint32_t j = 0; j < x->n; j++) { t[j] = q[cand[j]]; s += t[j]; }
    for (uint32_t j = 0; j < x->n; j++) t[j] /= s; /* divide: a lone survivor gets exactly 1 */
    return ws->q_is_raw ? x->r->max_logit : ws->qm;
}

void stage_compact(struct stage_ctx *x, int have_probs)
{
    int32_t *cand = x->ws->cand;
    const int32_t *keep = x->ws->idx;
    const double *t = x->ws->tmp;
    const double *praw = x->r->p_raw;
    double removed = 0.0, raw_removed = 0.0;
    uint32_t m = 0;
    for (uint32_t j = 0; j < x->n; j++) {
        int32_t id = cand[j];
        if (keep[j]) { cand[m++] = id; continue; }
        x->r->cut_by[id] = x->code;
        if (have_probs) removed += t[j];
        raw_removed += praw[id];
    }
    x->rep->kept_in = x->n;
    x->rep->kept_out = m;
    x->rep->mass_removed = removed;
    x->rep->raw_mass_removed = raw_removed;
    x->n = m;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Three-way quickselect (equal keys are never moved twice, so runs of
 * tied logits cost O(n)). Pivot: median of three. If the loop runs far more
 * rounds than log2(n) (an adversarial input), fall back to sorting the
 * remaining range, bounding the worst case at O(n log n). */
double select_kth_largest(double *v, uint32_t n, uint32_t k)
{
    size_t lo = 0, hi = n, rounds = 0;
    while (hi - lo > 1) {
        if (++rounds > 64) {
            qsort(v + lo, hi - lo, sizeof *v, cmp_desc);
            return v[k];
        }
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
        double piv = (a > b) ? ((b > c) ? b : (a > c ? c : a)) : ((a > c) ? a : (b > c ? c : b));
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double t;
            if (v[i] > piv) { t = v[lt]; v[lt] = v[i]; v[i] = t; lt++; i++; }
            else if (v[i] < piv) { gt--; t = v[gt]; v[gt] = v[i]; v[i] = t; }
            else i++;
        }
        if (k < lt) hi = lt;
        else if (k >= gt) lo = gt;
        else return piv;
    }
    return v[lo];
}

static int run(const struct chain *c, const struct params *p, const float *logits,
               uint32_t V, struct chain_ws *ws, struct chain_result *r,
               struct ls_error *err, int reuse_raw)
{
    if (V == 0 || V > r->V || V > ws->V)
        return ls_fail(err, LS_EINTERNAL, "chain_run: vocabulary size %u exceeds buffers", V);
    if (reuse_raw && (r->V != V || r->n_finite == 0)) reuse_raw = 0;
    r->V = V;
    r->note[0] = 0;
    r->greedy = 0;
    r->effective_temperature = p->temperature;

    /* Pass 1: candidates, max, non-finite accounting. */
    double m = -INFINITY;
    int32_t argmax = -1;
    uint32_t n = 0;
    if (reuse_raw) {
        for (uint32_t i = 0; i < V; i++) {
            float z = logits[i];
            r->p[i] = 0.0;
            if (isfinite(z)) { r->cut_by[i] = CUT_NONE; ws->cand[n++] = (int32_t)i; ws->w[i] = (double)z; }
            else r->cut_by[i] = CUT_MASKED;
        }
        goto stages;
    }
    r->n_nan = r->n_posinf = r->n_neginf = 0;
    for (uint32_t i = 0; i < V; i++) {
        float z = logits[i];
        r->p[i] = 0.0;
        if (isfinite(z)) {
            r->cut_by[i] = CUT_NONE;
            ws->cand[n++] = (int32_t)i;
            ws->w[i] = (double)z;
            if ((double)z > m) { m = (double)z; argmax = (int32_t)i; }
        } else {
            r->cut_by[i] = CUT_MASKED;
            r->p_raw[i] = 0.0;
            if (isnan(z)) r->n_nan++;
            else if (z > 0) r->n_posinf++;
            else r->n_neginf++;
        }
    }
    r->n_finite = n;
    r->argmax = argmax;
    r->max_logit = m;
    if (n == 0) {
        r->n_kept = 0;
        r->n_stages = 0;
        return ls_fail(err, LS_EDATA, "no finite logit (all %u masked or non-finite)", V);
    }

    /* Pass 2: raw softmax and entropy, in double. */
    double s = 0.0;
    for (uint32_t j = 0; j < n; j++) {
        int32_t id = ws->cand[j];
        double e = exp(ws->w[id] - m);
        r->p_raw[id] = e;
        s += e;
    }
    double lse = m + log(s), inv = 1.0 / s, h = 0.0;
    for (uint32_t j = 0; j < n; j++) {
        int32_t id = ws->cand[j];
        double pr = r->p_raw[id] * inv;
        r->p_raw[id] = pr;
        if (pr > 0) h -= pr * (ws->w[id] - lse);
    }
    r->lse_raw = lse;
    r->entropy_before = h < 0 ? 0.0 : h;

stages:
    /* q starts as the raw distribution: exp(z - lse) = p_raw */
    ws->q_valid = 1;
    ws->q_is_raw = 1;
    ws->qm = r->lse_raw;
    /* Stages in chain order. */
    struct stage_ctx x = { c, p, ws, r, n, 0, NULL };
    r->n_stages = c->n;
    for (int k = 0; k < c->n; k++) {
        struct stage_report *rep = &r->stages[k];
        memset(rep, 0, sizeof *rep);
        rep->kind = c->order[k];
        rep->kept_in = rep->kept_out = x.n;
        x.code = (uint8_t)(CUT_STAGE0 + k);
        x.rep = rep;
        switch (c->order[k]) {
        case STAGE_TEMPERATURE: stage_temperature(&x); break;
        case STAGE_TOP_K: stage_top_k(&x); break;
        case STAGE_TOP_P: stage_top_p(&x); break;
        case STAGE_MIN_P: stage_min_p(&x); break;
        default: break;
        }
    }

    /* Final distribution over survivors. */
    stage_softmax(&x);
    const double *q = ws->q_is_raw ? r->p_raw : ws->q;
    double qm = ws->q_is_raw ? r->lse_raw : ws->qm;
    double sq = 0.0, ret = 0.0, hf = 0.0;
    for (uint32_t j = 0; j < x.n; j++) {
        int32_t id = ws->cand[j];
        r->p[id] = ws->tmp[j];
        r->kept[j] = id;
        sq += q[id];
        ret += r->p_raw[id];
    }
    /* H = -sum p ln p with ln p = (w - qm) - ln(sum q), from logits, so tiny
     * probabilities contribute exactly and no exp is needed here */
    double lsq = log(sq);
    for (uint32_t j = 0; j < x.n; j++) {
        double pf = ws->tmp[j];
        if (pf > 0) hf -= pf * (ws->w[ws->cand[j]] - qm - lsq);
    }
    r->n_kept = x.n;
    r->retained_mass = ret;
    r->entropy_after = hf > 0 ? hf : 0.0;
    return LS_OK;
}

int chain_run(const struct chain *c, const struct params *p, const float *logits,
              uint32_t V, struct chain_ws *ws, struct chain_result *r,
              struct ls_error *err)
{
    return run(c, p, logits, V, ws, r, err, 0);
}

int chain_rerun(const struct chain *c, const struct params *p, const float *logits,
                uint32_t V, struct chain_ws *ws, struct chain_result *r,
                struct ls_error *err)
{
    return run(c, p, logits, V, ws, r, err, 1);
}

uint32_t chain_rank(const struct chain_result *r, int32_t id)
{
    if (id < 0 || (uint32_t)id >= r->V) return 0;
    double pt = r->p_raw[id];
    uint32_t rank = 1;
    for (uint32_t i = 0; i < r->V; i++) {
        double q = r->p_raw[i];
        if (q > pt || (q == pt && (int32_t)i < id)) rank++;
    }
    return rank;
}

/* "a ranks before b": higher p_raw, then lower id. */
static int before(const double *p, int32_t a, int32_t b)
{
    return p[a] > p[b] || (p[a] == p[b] && a < b);
}

static void heap_sift_down(int32_t *h, uint32_t n, uint32_t i, const double *p)
{
    /* min-heap on rank order: the root is the worst of the kept n */
    for (;;) {
        uint32_t l = 2 * i + 1, rr = l + 1, w = i;
        if (l < n && before(p, h[w], h[l])) w = l;
        if (rr < n && before(p, h[w], h[rr])) w = rr;
        if (w == i) return;
        int32_t t = h[i]; h[i] = h[w]; h[w] = t;
        i = w;
    }
}

uint32_t chain_top_raw(const struct chain_result *r, uint32_t n, int32_t *out)
{
    const double *p = r->p_raw;
    if (n > r->V) n = r->V;
    if (n == 0) return 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->V; i++) {
        int32_t id = (int32_t)i;
        if (k < n) {
            out[k++] = id;
            if (k == n) for (uint32_t j = n / 2 + 1; j-- > 0;) heap_sift_down(out, n, j, p);
        } else if (before(p, id, out[0])) {
            out[0] = id;
            heap_sift_down(out, n, 0, p);
        }
    }
    if (k < n) { n = k; for (uint32_t j = n / 2 + 1; j-- > 0;) heap_sift_down(out, n, j, p); }
    /* heap sort: repeatedly move the worst to the end */
    for (uint32_t end = n; end > 1; end--) {
        int32_t t = out[0]; out[0] = out[end - 1]; out[end - 1] = t;
        heap_sift_down(out, end - 1, 0, p);
    }
    return n;
}

int32_t chain_sample(const struct chain_result *r, struct rng *g)
{
    if (r->n_kept == 0) return -1;
    double total = 0.0;
    for (uint32_t j = 0; j < r->n_kept; j++) total += r->p[r->kept[j]];
    double u = rng_uniform(g) * total, cum = 0.0;
    for (uint32_t j = 0; j < r->n_kept; j++) {
        cum += r->p[r->kept[j]];
        if (u < cum) return r->kept[j];
    }
    return r->kept[r->n_kept - 1];
}
