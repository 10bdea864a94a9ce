/* chain.c: running the sampler chain over one step (see chain.h).
 *
 * Cost per step is O(V) plus O(m log m) for the m survivors a top-p stage
 * has to order near its boundary; nothing sorts the whole vocabulary.
 * Numerics: logits are read as float32 and processed in double; softmax is
 * log-sum-exp (subtract the max), so logits of 1e30 or -1e30 give exact,
 * finite probabilities. */
#include "sampling/stage.h"
#include "sampling/select.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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
    emu_scratch_free(ws);
    free(ws->finite); free(ws->tmp); free(ws->idx); free(ws->cand); free(ws->q);
    memset(ws, 0, sizeof *ws);
}

/* Pass 1: finite candidates into ws->finite, the first maximum, and the
 * non-finite counts (those tokens are cut as masked with p_raw 0). Returns
 * the number of finite logits. */
static uint32_t scan_finite(const float *logits, uint32_t V, struct chain_ws *ws, struct chain_result *r)
{
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
    return n;
}

/* Pass 2: the raw (T=1) softmax of the finite logits and its entropy, in
 * double, subtracting the maximum. */
static void raw_softmax(const float *logits, const struct chain_ws *ws, struct chain_result *r)
{
    uint32_t n = ws->n_finite;
    double m = r->max_logit, s = 0.0;
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

void chain_ws_set_context(struct chain_ws *ws, const int32_t *hist, uint32_t n_hist,
                          uint32_t n_prompt, uint64_t position, uint64_t seed)
{
    ws->hist = hist;
    ws->n_hist = hist ? n_hist : 0;
    ws->n_prompt = n_prompt < ws->n_hist ? n_prompt : ws->n_hist;
    ws->position = position;
    ws->seed = seed;
}

void chain_ws_set_breakers(struct chain_ws *ws, const struct dry_breakers *breaker)
{
    ws->breaker = breaker;
}

void chain_ws_reset_state(struct chain_ws *ws)
{
    ws->mu = 0.0;
    ws->mu_set = 0;
}

static int has_stage(const struct chain *c, enum stage_kind k)
{
    for (int i = 0; i < c->n; i++) if (c->order[i] == k) return 1;
    return 0;
}

int chain_uses(const struct chain *c, const struct params *p, enum stage_kind k)
{
    return has_stage(c, k) && stage_active(k, p);
}

void chain_accept(const struct chain *c, const struct params *p, struct chain_ws *ws,
                  const struct chain_result *r, int32_t token)
{
    if (p->mirostat <= 0 || !has_stage(c, STAGE_MIROSTAT) || token < 0 || (uint32_t)token >= r->V) return;
    double mu = ws->mu_set ? ws->mu : 2.0 * p->mirostat_tau, pt = r->p[token];
    /* a token the chain cut cannot have been drawn by the system (a recorded
     * one replayed): mu stays, instead of becoming -inf for good */
    if (!(pt > 0)) return;
    if (!c->exact) { float s = -log2f((float)pt); mu = (float)((float)mu - (float)p->mirostat_eta * (s - (float)p->mirostat_tau)); }
    else mu -= p->mirostat_eta * (-log2(pt) - p->mirostat_tau);
    ws->mu = mu;
    ws->mu_set = 1;
}

const char *chain_mode_name(const struct chain *c)
{
    return chain_is_exact(c) ? "exact" : "system";
}

const char *chain_mode_text(const struct chain *c)
{
    if (chain_is_exact(c)) return "exact: double precision, ties by lowest id";
    return "system: the system's float32 arithmetic, sorts and tie order";
}

/* The fast path serves exact chains whose active stages all have one;
 * everything else runs on the array path (emu.h). */
static int use_fast(const struct chain *c, const struct params *p)
{
    if (!chain_is_exact(c)) return 0;
    if (p->min_keep > 1) return 0;
    for (int i = 0; i < c->n; i++) {
        const struct stage_def *d = stage_def(c->order[i]);
        if (d && !d->run && stage_active(c->order[i], p)) return 0;
    }
    return 1;
}

/* The stages in chain order, through the stage table; a stage whose
 * parameter is off is reported inactive and not run. */
static void run_stages(struct stage_ctx *x)
{
    const struct chain *c = x->c;
    x->r->n_stages = c->n;
    for (int k = 0; k < c->n; k++) {
        struct stage_report *rep = &x->r->stages[k];
        memset(rep, 0, sizeof *rep);
        rep->kind = c->order[k];
        rep->kept_in = rep->kept_out = x->n;
        x->code = (uint8_t)(CUT_STAGE0 + k);
        x->rep = rep;
        const struct stage_def *d = stage_def(c->order[k]);
        if (d && d->run && stage_active(c->order[k], x->p)) d->run(x);
    }
}

/* Final distribution over the survivors, their entropy and raw mass. */
static void finish(const struct stage_ctx *x, const float *logits)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    const double *q = stage_q(x);
    double S = 0.0;
    if (ws->S_valid) S = ws->S;
    else for (uint32_t j = 0; j < x->n; j++) S += q[ws->cand[j]];
    double lnS = log(S), ret = 0.0, hf = 0.0;
    /* ln q without a log per token: q = p_raw = exp(z - lse), or exp((z - zmax) / T) */
    double off = ws->q_is_raw ? r->lse_raw : r->max_logit, invT = ws->q_is_raw ? 1.0 : 1.0 / ws->T;
    for (uint32_t j = 0; j < x->n; j++) {
        int32_t id = ws->cand[j];
        double pf = q[id] / S;
        r->p[id] = pf;
        r->cut_by[id] = CUT_NONE;
        r->kept[j] = id;
        ret += r->p_raw[id];
        if (pf > 0) hf -= pf * (((double)logits[id] - off) * invT - lnS);
    }
    r->n_kept = x->n;
    r->retained_mass = ret;
    r->entropy_after = hf > 0 ? hf : 0.0;
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
    } else if (scan_finite(logits, V, ws, r) == 0) {
        r->n_kept = 0;
        r->n_stages = 0;
        return ls_fail(err, LS_EDATA, "no finite logit (all %u masked or non-finite)", V);
    } else {
        raw_softmax(logits, ws, r);
    }
    r->exact = chain_is_exact(c);
    r->decided = 0;
    if (!use_fast(c, p)) {
        if (emu_scratch(ws)) return ls_fail(err, LS_ELIMIT, "out of memory for the system emulation");
        emu_run(c, p, logits, ws, r);
        return LS_OK;
    }
    memcpy(ws->cand, ws->finite, (size_t)ws->n_finite * sizeof *ws->cand);
    ws->q_is_raw = 1;
    ws->T = 1.0;
    ws->S = 1.0;
    ws->S_valid = 0;

    struct stage_ctx x = { c, p, logits, ws, r, ws->n_finite, 0, NULL };
    run_stages(&x);
    finish(&x, logits);
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

static double get_p(const void *ctx, uint32_t i) { return ((const double *)ctx)[i]; }

uint32_t chain_top_raw(const struct chain_result *r, uint32_t n, int32_t *out)
{
    const double *p = r->p_raw;
    if (n > r->V) n = r->V;
    if (n == 0) return 0;
    /* for n << V the heap only sees tokens at or above a sampled threshold;
     * if fewer than n pass (the sample misjudged), look at every token */
    double thr;
    if (select_sample_threshold(get_p, p, r->V, n, &thr) && select_top(p, r->V, thr, n, out) == n) return n;
    return select_top(p, r->V, -1.0, n, out);
}
