/* chain.c: running the sampler chain over one step (see chain.h).
 *
 * Cost per step is O(V) plus O(m log m) for the m survivors a top-p stage
 * has to order near its boundary; nothing sorts the whole vocabulary.
 * Numerics: logits are read as float32 and processed in double; softmax is
 * log-sum-exp (subtract the max), so logits of 1e30 or -1e30 give exact,
 * finite probabilities. */
#include "sampling/stage.h"
#include "base/rng.h"

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
    ws->finite = malloc(n * sizeof *ws->finite);
    ws->tmp = malloc(n * sizeof *ws->tmp);
    ws->idx = malloc(n * sizeof *ws->idx);
    ws->cand = malloc(n * sizeof *ws->cand);
    ws->q = malloc(n * sizeof *ws->q);
    if (!ws->finite || !ws->tmp || !ws->idx || !ws->cand || !ws->q) { chain_ws_free(ws); return LS_ELIMIT; }
    return LS_OK;
}

void chain_ws_free(struct chain_ws *ws)
{
    free(ws->finite); free(ws->tmp); free(ws->idx); free(ws->cand); free(ws->q);
    memset(ws, 0, sizeof *ws);
}

const double *stage_q(const struct stage_ctx *x)
{
    return x->ws->q_is_raw ? x->r->p_raw : x->ws->q;
}

void stage_cut(struct stage_ctx *x, double zb, enum tie_mode mode, int64_t arg)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    int32_t *cand = ws->cand;
    const float *z = x->z;
    const double *q = stage_q(x), *praw = r->p_raw;
    double s_keep = 0.0, s_rem = 0.0, raw_rem = 0.0;
    uint32_t m = 0;
    for (uint32_t j = 0; j < x->n; j++) {
        int32_t id = cand[j];
        double v = (double)z[id];
        int keep;
        if (v > zb) keep = 1;
        else if (v < zb) keep = 0;
        else if (mode == TIE_ALL) keep = 1;
        else if (mode == TIE_UPTO) keep = id <= arg;
        else keep = arg > 0 ? (arg--, 1) : 0;
        if (keep) {
            cand[m++] = id;
            s_keep += q[id];
        } else {
            r->cut_by[id] = x->code;
            s_rem += q[id];
            raw_rem += praw[id];
        }
    }
    x->rep->kept_in = x->n;
    x->rep->kept_out = m;
    x->rep->mass_removed = s_rem / (s_keep + s_rem);
    x->rep->raw_mass_removed = raw_rem;
    ws->S = s_keep;
    ws->S_valid = 1;
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
int select_sample_threshold(select_get_fn get, const void *ctx, uint32_t n, uint32_t k, double *thr)
{
    if ((uint64_t)k * 16 >= n || n <= 4 * SELECT_SAMPLE) return 0;
    double smp[SELECT_SAMPLE];
    uint32_t stride = n / SELECT_SAMPLE;
    for (uint32_t i = 0; i < SELECT_SAMPLE; i++) smp[i] = get(ctx, i * stride);
    qsort(smp, SELECT_SAMPLE, sizeof smp[0], cmp_desc);
    /* expected rank of the k-th value in the sample, with a wide margin */
    uint64_t r = (uint64_t)k * SELECT_SAMPLE / n * 2 + 8;
    if (r >= SELECT_SAMPLE) return 0;
    *thr = smp[r];
    return 1;
}

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
    if (reuse_raw && (r->V != V || r->n_finite == 0 || ws->n_finite != r->n_finite)) reuse_raw = 0;
    r->V = V;
    r->note[0] = 0;
    r->greedy = 0;
    r->effective_temperature = p->temperature;

    if (reuse_raw) {
        /* same logits: only the previous survivors have p != 0; every finite
         * token's cut_by is rewritten below (cut by a stage, or kept) */
        for (uint32_t j = 0; j < r->n_kept; j++) r->p[r->kept[j]] = 0.0;
    } else {
        /* Pass 1: finite candidates, max, non-finite accounting. */
        double m = -INFINITY;
        int32_t argmax = -1;
        uint32_t n = 0;
        r->n_nan = r->n_posinf = r->n_neginf = 0;
        for (uint32_t i = 0; i < V; i++) {
            float z = logits[i];
            r->p[i] = 0.0;
            if (isfinite(z)) {
                ws->finite[n++] = (int32_t)i;
                if ((double)z > m) { m = (double)z; argmax = (int32_t)i; }
            } else {
                r->cut_by[i] = CUT_MASKED;
                r->p_raw[i] = 0.0;
                if (isnan(z)) r->n_nan++;
                else if (z > 0) r->n_posinf++;
                else r->n_neginf++;
            }
        }
        ws->n_finite = n;
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
            int32_t id = ws->finite[j];
            double e = exp((double)logits[id] - m);
            r->p_raw[id] = e;
            s += e;
        }
        double lse = m + log(s), h = 0.0;
        for (uint32_t j = 0; j < n; j++) {
            int32_t id = ws->finite[j];
            double pr = r->p_raw[id] / s;
            r->p_raw[id] = pr;
            if (pr > 0) h -= pr * ((double)logits[id] - lse);
        }
        r->lse_raw = lse;
        r->entropy_before = h < 0 ? 0.0 : h;
    }
    memcpy(ws->cand, ws->finite, (size_t)ws->n_finite * sizeof *ws->cand);
    ws->q_is_raw = 1;
    ws->T = 1.0;
    ws->S = 1.0;
    ws->S_valid = 0;

    /* Stages in chain order. */
    struct stage_ctx x = { c, p, logits, ws, r, ws->n_finite, 0, NULL };
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

    /* Final distribution over survivors, entropy and retained mass. */
    const double *q = stage_q(&x);
    double S = 0.0;
    if (ws->S_valid) S = ws->S;
    else for (uint32_t j = 0; j < x.n; j++) S += q[ws->cand[j]];
    double lnS = log(S), ret = 0.0, hf = 0.0;
    /* ln q without a log per token: q = p_raw = exp(z - lse), or exp((z - zmax) / T) */
    double off = ws->q_is_raw ? r->lse_raw : r->max_logit, invT = ws->q_is_raw ? 1.0 : 1.0 / ws->T;
    for (uint32_t j = 0; j < x.n; j++) {
        int32_t id = ws->cand[j];
        double pf = q[id] / S;
        r->p[id] = pf;
        r->cut_by[id] = CUT_NONE;
        r->kept[j] = id;
        ret += r->p_raw[id];
        if (pf > 0) hf -= pf * (((double)logits[id] - off) * invT - lnS);
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

/* Bounded heap over the ids with p >= thr, then heap sort into rank order. */
static uint32_t heap_top(const double *p, uint32_t V, double thr, uint32_t n, int32_t *out)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < V; i++) {
        if (!(p[i] >= thr)) continue;
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
    for (uint32_t end = n; end > 1; end--) {
        int32_t t = out[0]; out[0] = out[end - 1]; out[end - 1] = t;
        heap_sift_down(out, end - 1, 0, p);
    }
    return n;
}

static double get_p(const void *ctx, uint32_t i) { return ((const double *)ctx)[i]; }

uint32_t chain_top_raw(const struct chain_result *r, uint32_t n, int32_t *out)
{
    const double *p = r->p_raw;
    if (n > r->V) n = r->V;
    if (n == 0) return 0;
    /* for n << V the heap only sees tokens at or above a sampled threshold;
     * if fewer than n pass (the sample misjudged), look at every token */
    double thr;
    if (select_sample_threshold(get_p, p, r->V, n, &thr) && heap_top(p, r->V, thr, n, out) == n) return n;
    return heap_top(p, r->V, -1.0, n, out);
}
