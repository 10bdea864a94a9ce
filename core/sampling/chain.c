/* chain.c: running the sampler chain over one step (see chain.h).
 *
 * Cost per step is O(V) plus O(m log m) for the m survivors a top-p stage
 * has to order near its boundary; nothing sorts the whole vocabulary. The
 * O(V) part is a few vector passes (base/vmath.h): the max and non-finite
 * scan, the raw softmax (skipped when the caller only draws), and the
 * first cut, which collects the few tokens at or above its boundary while
 * the candidates are still every token (cand_iota). Every pass after the
 * first cut walks the survivors only.
 * Numerics: logits are read as float32 and processed in double; softmax is
 * log-sum-exp (subtract the max), so logits of 1e30 or -1e30 give exact,
 * finite probabilities. Sums are in double, in one fixed order, so every
 * machine and vector path gives the same bits. */
#include "sampling/stage.h"
#include "sampling/select.h"
#include "sampling/draw.h"
#include "base/vmath.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int chain_result_init(struct chain_result *r, uint32_t V)
{
    memset(r, 0, sizeof *r);
    r->V = V;
    r->tr_id = -1;
    size_t n = V ? V : 1;
    r->p_raw = malloc(n * sizeof *r->p_raw);
    r->p = calloc(n, sizeof *r->p); /* zero outside kept, as every run leaves it */
    r->cut_by = malloc(n);
    r->kept = malloc(n * sizeof *r->kept);
    if (!r->p_raw || !r->p || !r->cut_by || !r->kept) { chain_result_free(r); return LS_ELIMIT; }
    return LS_OK;
}

void chain_result_free(struct chain_result *r)
{
    free(r->p_raw); free(r->p); free(r->cut_by); free(r->kept); free(r->tr_top); free(r->tr_band); free(r->blk);
    memset(r, 0, sizeof *r);
    r->tr_id = -1;
}

/* The workspace's V-long arrays: one list for making, freeing and listing
 * them (chain_buffers) */
#define WS_ARRAYS(X) X(finite) X(tmp) X(idx) X(cand) X(q)

int chain_ws_init(struct chain_ws *ws, uint32_t V)
{
    memset(ws, 0, sizeof *ws);
    ws->V = V;
    size_t n = V ? V : 1;
    int ok = 1;
#define MAKE(f) ok &= (ws->f = malloc(n * sizeof *ws->f)) != NULL;
    WS_ARRAYS(MAKE)
#undef MAKE
    ws->pre_thr = NAN;
    ws->scan_min = NAN;
    ws->rank_hint = -1;
    if (!ok) { chain_ws_free(ws); return LS_ELIMIT; }
    return LS_OK;
}

void chain_ws_free(struct chain_ws *ws)
{
    emu_scratch_free(ws);
#define FREE(f) free(ws->f);
    WS_ARRAYS(FREE)
#undef FREE
    free(ws->pre_ids);
    memset(ws, 0, sizeof *ws);
}

/* Only the previous survivors have p != 0 (every run leaves it so, and
 * chain_result_init zeroes it): zero those instead of all V. */
static void clear_p(struct chain_result *r)
{
    /* every token kept (n_kept distinct ids): one contiguous store pass
     * instead of a scattered one through kept */
    if (r->n_kept == r->V) memset(r->p, 0, (size_t)r->V * sizeof *r->p);
    else for (uint32_t j = 0; j < r->n_kept; j++) r->p[r->kept[j]] = 0.0;
}

/* The previous run kept every token of this V: its p is nonzero anywhere,
 * and clearing it costs a full store pass that a run keeping every token
 * again (finish_every) rewrites at once. run() then clears it late, only
 * on the paths that do not rewrite the whole array (p_settle). */
static int p_stale_from(const struct chain_result *r, uint32_t V)
{
    return r->n_kept == r->V && r->V == V && V > 0;
}

static void p_settle(struct chain_result *r, int *stale)
{
    if (*stale) memset(r->p, 0, (size_t)r->V * sizeof *r->p);
    *stale = 0;
}

/* A prefilter in the first pass when the first truncation is a top-k or
 * a min-p (after a temperature: the torch systems' y = z / T and the exact
 * q keep the order of z) and there is a threshold: a top-k's from a sample
 * of this step's logits (select.h: its k + 1 best lie above it, with a
 * wide margin), else the one the last step left. The last step's misses
 * whenever the steps' breadth differs (on broad synthetic steps of
 * varying sharpness 39% of top-k steps listed too few or overflowed, and
 * paid a sample and a second pass); the sample reads 2048 logits. Any
 * threshold gives the same answers: the list's readers check that it
 * covers theirs (chain_ws_pre_covers, emu_topk_candidates). */
#define PRE_CAP 8192u
static int prefilter_on(const struct chain *c, const struct params *p, struct chain_ws *ws,
                        struct select_sample *smp)
{
    if (ws->reference) return 0;
    int k0 = 0, temp = 0;
    for (; k0 < c->n; k0++) { /* the first truncation; a positive temperature keeps the order */
        if (!stage_active(c->order[k0], p)) continue;
        if (c->order[k0] != STAGE_TEMPERATURE || temp || !(p->temperature > 0)) break;
        temp = 1;
    }
    if (k0 == c->n || (c->order[k0] != STAGE_TOP_K && c->order[k0] != STAGE_MIN_P)) return 0;
    double t;
    if (c->order[k0] == STAGE_TOP_K && p->top_k > 0 && p->top_k < INT32_MAX &&
        select_sample_floats_rank(smp, (uint32_t)p->top_k + 1, &t) && isfinite(t))
        ws->pre_thr = t;
    return isfinite(ws->pre_thr);
}

/* The first pass with chain_top_rank's candidates for ws->rank_hint
 * gathered from the logits (vm_scan_rank): the tokens whose logit lies
 * more than d above the hinted token's surely have a larger p_raw, those
 * more than d below a smaller one (p_raw is exp(z - max) / sum: a relative
 * gap of d >= 2^-20 in exp's argument dwarfs our exp's error and every
 * rounding, chain_top_rank checks that p_raw is normal), those within d
 * are compared exactly later; and the tokens at or above a sampled
 * threshold hold the top rows (checked against a bound later). 1 when sc
 * is filled (with or without the candidates), 0: scan as usual. */
static int scan_rank(const float *logits, uint32_t V, int pre, struct select_sample *smp, struct chain_ws *ws,
                     struct chain_result *r, struct vm_scan *sc)
{
    int32_t id = ws->rank_hint;
    double top;
    if (ws->want != CHAIN_WANT_ALL || id < 0 || (uint32_t)id >= V || !isfinite(logits[id])) return 0;
    if (!select_sample_floats_rank(smp, CHAIN_TR_TOP, &top) || !isfinite(top)) return 0;
    if (!r->tr_top) r->tr_top = malloc(CHAIN_TR_CAP * sizeof *r->tr_top);
    if (!r->tr_band) r->tr_band = malloc(CHAIN_TR_CAP * sizeof *r->tr_band);
    if (!r->tr_top || !r->tr_band) return 0;
    double zt = logits[id], d = 0x1p-20 * (fabs(zt) > 1.0 ? fabs(zt) : 1.0);
    struct vm_rank q = { zt - d, zt + d, top, r->tr_top, r->tr_band, CHAIN_TR_CAP, pre ? ws->pre_thr : NAN,
                         pre ? ws->pre_ids : NULL, PRE_CAP, 0, 0, 0, SIZE_MAX, NAN };
    int got = vm_scan_rank(logits, V, &q, sc);
    ws->scan_min = q.zmin;
    if (got) {
        r->tr_id = id;
        r->tr_gt = q.n_gt, r->tr_ntop = q.n_top, r->tr_nband = q.n_band;
        r->tr_bound = top; /* a logit: chain_top_rank makes it a p_raw bound */
    }
    if (pre) { /* the first cut's prefilter, as vm_scan_collect gives it */
        ws->pre_n = q.n_pre == SIZE_MAX ? 0 : (uint32_t)q.n_pre;
        ws->pre_valid = q.n_pre != SIZE_MAX;
        ws->pre_at = ws->pre_thr;
    }
    if (pre && !ws->pre_valid && got && q.n_top <= PRE_CAP) {
        /* the last step's threshold passed too many on this one (a flatter
         * step): the top list is the same kind of list (every logit at or
         * above top, ascending) and usually holds a first top-k, which
         * else collects its candidates in a pass of its own */
        memcpy(ws->pre_ids, r->tr_top, (size_t)q.n_top * sizeof *ws->pre_ids);
        ws->pre_n = q.n_top;
        ws->pre_valid = 1;
        ws->pre_at = top;
    }
    return 1;
}

/* Pass 1: the first maximum and the non-finite count in one vector pass.
 * When every logit is finite (the usual step) the finite list is 0..V-1,
 * written once per buffer; otherwise the ids of the finite logits, and
 * the others are cut as masked with p_raw 0. Returns the finite count. */
static uint32_t scan_finite(const float *logits, uint32_t V, int pre, struct select_sample *smp,
                            struct chain_ws *ws, struct chain_result *r)
{
    struct vm_scan sc;
    const float *given = ws->scan_z;
    ws->scan_z = NULL; /* consumed here, whatever the logits */
    ws->pre_valid = 0;
    ws->scan_min = NAN; /* unknown unless the rank pass finds it */
    if (pre && !ws->pre_ids) ws->pre_ids = malloc(PRE_CAP * sizeof *ws->pre_ids);
    if (scan_rank(logits, V, pre && ws->pre_ids, smp, ws, r, &sc)) { /* with chain_top_rank's candidates */
    } else if (pre && ws->pre_ids) { /* with the first cut's prefilter: no other pass over the vocabulary */
        size_t m = vm_scan_collect(logits, V, ws->pre_thr, ws->pre_ids, PRE_CAP, &sc);
        ws->pre_n = m == SIZE_MAX ? 0 : (uint32_t)m;
        ws->pre_valid = m != SIZE_MAX;
        ws->pre_at = ws->pre_thr;
    } else if (given == logits && ws->scan_n == V) { /* the caller's first pass scanned them (chain_ws.scan_z) */
        sc = ws->scan_pre;
    } else {
        vm_scan(logits, V, &sc);
    }
    r->n_nan = r->n_posinf = r->n_neginf = 0;
    r->argmax = (int32_t)sc.argmax;
    r->max_logit = sc.max;
    uint32_t n = 0;
    if (sc.n_nonfinite == 0) {
        if (ws->finite_iota_n != V)
            for (uint32_t i = 0; i < V; i++) ws->finite[i] = (int32_t)i;
        ws->finite_iota_n = n = V;
    } else {
        ws->finite_iota_n = 0;
        for (uint32_t i = 0; i < V; i++) {
            float z = logits[i];
            if (isfinite(z)) { ws->finite[n++] = (int32_t)i; continue; }
            r->cut_by[i] = CUT_MASKED;
            if (isnan(z)) r->n_nan++;
            else if (z > 0) r->n_posinf++;
            else r->n_neginf++;
        }
    }
    ws->n_finite = n;
    r->n_finite = n;
    return n;
}

/* Pass 2: the raw (T=1) softmax of the finite logits (non-finite ones get
 * 0) and its entropy, subtracting the maximum: with d = z - max and
 * e = exp(d), S = sum e, p = e / S and H = ln S - sum(e d) / S, so one
 * vector pass and one division pass. want8: the same pass also sums the
 * weights in vm_exp_fdiv's order (raw_sum8), the total a torch emulation
 * at T 1 reads, which would else cost a pass over them of its own. */
/* Whether this run read every p_raw, into the average that decides the
 * next run's division (chain_ws.raw_full_rate) */
static void note_raw_reads(struct chain_ws *ws, const struct chain_result *r)
{
    ws->raw_full_rate = ws->raw_full_rate * 0.875 + (r->raw_full_used ? 0.125 : 0.0);
}

static void raw_softmax(const float *logits, uint32_t V, struct chain_result *r, int lazy, int want8, double zmin)
{
    double m = r->max_logit, sed = 0.0;
    r->raw_sum8 = 0.0;
    /* zmin (chain_ws.scan_min) and the maximum bound every logit */
    double s = vm_exp_raw(logits, V, m, r->p_raw, &sed, want8 ? &r->raw_sum8 : NULL, zmin, m);
    r->raw_div = lazy ? s : 0.0; /* lazy: readers divide (chain_raw_p) */
    if (!lazy) r->raw_sum8 = 0.0; /* p_raw holds the quotients below */
    if (!lazy) vm_divide(r->p_raw, V, s);
    double h = log(s) - sed / s;
    r->lse_raw = m + log(s);
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
    if (p->min_keep > 1) return 0;
    if (!chain_is_exact(c)) { /* a system's chain with every stage off: the softmax, in double either way */
        for (int i = 0; i < c->n; i++) if (stage_active(c->order[i], p)) return 0;
        return 1;
    }
    for (int i = 0; i < c->n; i++) {
        const struct stage_def *d = stage_def(c->order[i]);
        if (d && !d->run && stage_active(c->order[i], p)) return 0;
    }
    return 1;
}

static void span_add(struct chain_span *out, size_t cap, size_t *n, void *p, size_t bytes)
{
    if (p && *n < cap) out[(*n)++] = (struct chain_span){ p, bytes };
}

int chain_buffers(const struct chain *c, const struct params *p, struct chain_ws *ws, struct chain_result *r,
                  struct chain_span *out, size_t cap, size_t *n)
{
    const size_t V = ws->V ? ws->V : 1;
    *n = 0;
#define SPAN(f) span_add(out, cap, n, ws->f, V * sizeof *ws->f);
    WS_ARRAYS(SPAN)
#undef SPAN
    span_add(out, cap, n, r->p_raw, V * sizeof *r->p_raw);
    span_add(out, cap, n, r->p, V * sizeof *r->p);
    span_add(out, cap, n, r->cut_by, V);
    span_add(out, cap, n, r->kept, V * sizeof *r->kept);
    if (use_fast(c, p)) return LS_OK;
    if (emu_scratch(ws)) return LS_ELIMIT;   /* as chain_run would make it */
    emu_scratch_spans(ws, out, cap, n);
    return LS_OK;
}

void chain_owned_spans(const struct chain_ws *ws, const struct chain_result *r, struct chain_span *out, size_t cap,
                       size_t *n)
{
    if (ws) {
        const size_t V = ws->V ? ws->V : 1;
#define SPAN(f) if (ws->f) span_add(out, cap, n, ws->f, V * sizeof *ws->f);
        WS_ARRAYS(SPAN)
#undef SPAN
        emu_scratch_spans(ws, out, cap, n);
    }
    if (r) {
        const size_t V = r->V ? r->V : 1;
        if (r->p_raw) span_add(out, cap, n, r->p_raw, V * sizeof *r->p_raw);
        if (r->p) span_add(out, cap, n, r->p, V * sizeof *r->p);
        if (r->cut_by) span_add(out, cap, n, r->cut_by, V);
        if (r->kept) span_add(out, cap, n, r->kept, V * sizeof *r->kept);
    }
}

int chain_free_buf(struct chain_ws *ws, struct chain_result *r, const void *p)
{
    if (!p) return 0;
#define FREE_AT(o, f) if ((const void *)(o)->f == p) { free((o)->f); (o)->f = NULL; return 1; }
    if (ws) {
#define WS_AT(f) FREE_AT(ws, f)
        WS_ARRAYS(WS_AT)
#undef WS_AT
        if (emu_scratch_free_buf(ws, p)) return 1;
    }
    if (r) {
        FREE_AT(r, p_raw)
        FREE_AT(r, p)
        FREE_AT(r, cut_by)
        FREE_AT(r, kept)
    }
#undef FREE_AT
    return 0;
}

/* Whether the run will surely keep every token (only a positive
 * temperature active, above the preset's greedy floor): its finish reads
 * the step's raw total, so the raw division may sum it at once. A guess
 * for speed only (the total is summed when read otherwise). */
static int keeps_every(const struct chain *c, const struct params *p)
{
    for (int i = 0; i < c->n; i++) {
        if (!stage_active(c->order[i], p)) continue;
        if (c->order[i] != STAGE_TEMPERATURE || !(p->temperature > 0) || p->temperature < c->greedy_below) return 0;
    }
    return 1;
}

int chain_reads_raw_total(const struct chain *c, const struct params *p)
{
    return use_fast(c, p) && keeps_every(c, p);
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

/* finish when every token is a candidate in id order (cand_iota): q is
 * contiguous, so the division, the entropy terms and their sum (hf -=
 * p_i * (l_i - lnS) over p_i > 0 in id order: the same sum as hf += p_i *
 * (lnS - l_i), each term negated exactly, RN(a - b) being -RN(b - a); a
 * zero p adds +0) are one vector pass (vm_divide_entropy: the scalar
 * loop's quotients and sum), S over the raw q is the step's raw total (the
 * same sum in the same order), and the sum of another q is vm_divide_sum's
 * (the loop's bits). kept_all: the last run kept every token of this V,
 * so kept holds 0..V-1 and every cut_by is CUT_NONE already (no stage of
 * this run wrote them: a cut ends cand_iota). */
static void finish_every(struct stage_ctx *x, const float *logits, const double *q, double off, double invT,
                         int kept_all)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    uint32_t V = x->n;
    double S;
    if (ws->S_valid) S = ws->S;
    else if (ws->q_is_raw) S = chain_raw_total(r);
    else S = vm_divide_sum(q, V, 1.0, NULL, 0.0);
    double hf = NAN;
    /* a draw reads no entropy: the same quotients, and the draws' block
     * sums with them; scores are drawn from too (eval): the block sums
     * in the entropy's pass */
    if (ws->want == CHAIN_WANT_DRAW) draw_blocks_divide(r, q, S);
    else if (ws->want == CHAIN_WANT_SCORES) hf = draw_blocks_divide_entropy(r, q, logits, S, off, invT);
    else hf = vm_divide_entropy(q, logits, V, S, off, invT, log(S), r->p);
    if (!kept_all) {
        memset(r->cut_by, CUT_NONE, V);
        vm_iota(r->kept, V);
    }
    r->n_kept = V;
    r->retained_mass = chain_raw_total(r);
    r->entropy_after = hf > 0 || isnan(hf) ? hf : 0.0;
}

/* Final distribution over the survivors, their entropy and raw mass;
 * p_stale: r->p still holds the previous run's (every token's) values
 * (that run kept every token of this V: p_stale_from). */
static void finish(struct stage_ctx *x, const float *logits, int p_stale)
{
    struct chain_ws *ws = x->ws;
    struct chain_result *r = x->r;
    const double *q = stage_q(x);
    /* ln q without a log per token: q = p_raw = exp(z - lse), or exp((z - zmax) / T) */
    double off = ws->q_is_raw ? r->lse_raw : r->max_logit, invT = ws->q_is_raw ? 1.0 : 1.0 / ws->T;
    if (ws->cand_iota && x->n == r->V && r->V > 0) { finish_every(x, logits, q, off, invT, p_stale); return; }
    p_settle(r, &p_stale); /* only the survivors are written below */
    double S = 0.0;
    cand_materialise(ws, x->n);
    if (ws->S_valid) S = ws->S;
    else for (uint32_t j = 0; j < x->n; j++) S += q[ws->cand[j]];
    double lnS = log(S), ret = 0.0, hf = 0.0;
    /* every token kept, in id order: the step's one sum (same order, same bits) */
    int every = x->n == r->V && r->V > 0 && ws->cand[0] == 0 && ws->cand[x->n - 1] == (int32_t)(x->n - 1);
    for (uint32_t j = 0; j < x->n; j++) {
        int32_t id = ws->cand[j];
        double pf = q[id] / S;
        r->p[id] = pf;
        r->cut_by[id] = CUT_NONE;
        r->kept[j] = id;
        if (!every) ret += stage_raw_p(x, id);
        if (pf > 0) hf -= pf * (((double)logits[id] - off) * invT - lnS);
    }
    r->n_kept = x->n;
    r->retained_mass = every ? chain_raw_total(r) : ret;
    r->entropy_after = hf > 0 ? hf : 0.0;
}

/* Pass 1 with its two sampled thresholds (the first top-k's prefilter,
 * the top list's) from one sample of the logits, read once (16 KiB on
 * the stack, not initialised: filled on first use) */
static uint32_t first_pass(const struct chain *c, const struct params *p, const float *logits, uint32_t V,
                           struct chain_ws *ws, struct chain_result *r)
{
    struct select_sample smp;
    smp.z = logits, smp.n = V, smp.have = 0;
    int pre = prefilter_on(c, p, ws, &smp);
    return scan_finite(logits, V, pre, &smp, ws, r);
}

static int run(const struct chain *c, const struct params *p, const float *logits,
               uint32_t V, struct chain_ws *ws, struct chain_result *r,
               struct ls_error *err, int reuse_raw)
{
    if (V == 0 || V > r->V || V > ws->V)
        return ls_fail(err, LS_EINTERNAL, "chain_run: vocabulary size %u exceeds buffers", V);
    if (reuse_raw && (r->V != V || r->n_finite == 0 || ws->n_finite != r->n_finite || !r->have_raw)) reuse_raw = 0;
    r->cut_prev = r->V == V ? r->cut_n : 0; /* what the last run left in cut_by, for this run only */
    r->cut_n = 0;
    int p_stale = p_stale_from(r, V);
    if (!p_stale) clear_p(r); /* over the previous V and survivors */
    r->n_kept = 0;
    r->V = V;
    r->blk_ok = 0;
    r->note[0] = 0;
    r->greedy = 0;
    r->effective_temperature = p->temperature;
    /* every finite token's cut_by is rewritten below (cut by a stage, or kept) */
    if (!reuse_raw) chain_raw_forget(r); /* a new step */
    if (!reuse_raw) r->tr_id = -1;
    if (reuse_raw) {
        /* same logits: the raw softmax, entropy and counts stand */
    } else if (first_pass(c, p, logits, V, ws, r) == 0) {
        p_settle(r, &p_stale);
        r->n_stages = 0;
        return ls_fail(err, LS_EDATA, "no finite logit (all %u masked or non-finite)", V);
    } else if (ws->want == CHAIN_WANT_DRAW) {
        r->have_raw = 0; /* nobody reads the raw distribution: skip its pass */
        r->lse_raw = r->entropy_before = NAN;
    } else {
        r->have_raw = 1;
        /* the division waits for its readers when the caller wants scores
         * and the emulation runs (it reads the kept few), until a step
         * shows the whole array is read anyway (ws->raw_full_rate) */
        int lazy = ws->want == CHAIN_WANT_SCORES && ws->raw_full_rate < 0.125 && !use_fast(c, p);
        /* divided here rather than inside (the same quotients), so that
         * its sum is known (raw_sum); for a caller that reads everything,
         * on the emulation, once its first stage has read the weights
         * themselves (emu_run settles it) */
        /* the weights' sum in torch's order only where a torch emulation
         * may read it (emu_trim_torch): elsewhere its adds are not made */
        raw_softmax(logits, V, r, 1, !use_fast(c, p) && !chain_is_exact(c) && c->preset != PRESET_LLAMACPP, ws->scan_min);
        r->raw_sum = r->raw_div;
        r->raw_deferred = !lazy; /* ours to divide (never a p_raw left lazy for its readers) */
        if (!lazy && (ws->want != CHAIN_WANT_ALL || use_fast(c, p))) {
            /* finish_every reads the total, or a later run on this p_raw will */
            if (chain_reads_raw_total(c, p) || ws->raw_total_wanted) chain_raw_settle_total(r);
            else chain_raw_settle(r);
        }
    }
    r->exact = chain_is_exact(c);
    r->decided = 0;
    r->raw_full_used = 0;
    if (!use_fast(c, p)) {
        if (emu_scratch(ws)) { p_settle(r, &p_stale); return ls_fail(err, LS_ELIMIT, "out of memory for the system emulation"); }
        ws->p_stale = p_stale; /* cleared by emu_run, unless its path rewrites every p */
        emu_run(c, p, logits, ws, r);
        /* a deferred division (reads were through chain_raw_p) */
        if (ws->raw_total_wanted) chain_raw_settle_total(r);
        else chain_raw_settle(r);
        if (ws->want != CHAIN_WANT_ALL) note_raw_reads(ws, r);
        return LS_OK;
    }
    /* every finite token is a candidate: implicit when that is 0..V-1 */
    ws->cand_iota = ws->finite_iota_n == V && ws->n_finite == V;
    if (!ws->cand_iota) memcpy(ws->cand, ws->finite, (size_t)ws->n_finite * sizeof *ws->cand);
    ws->q_is_raw = r->have_raw; /* else q is exp(z - zmax), computed when needed */
    if (ws->q_is_raw && r->raw_div > 0) { /* stage_q's q; finish_every reads the total when every token stays */
        if (keeps_every(c, p)) chain_raw_normalised_total(r, ws->q); /* (use_fast here) */
        else chain_raw_normalised(r, ws->q);
    }
    ws->q_lazy = !r->have_raw;
    ws->q_vec = 0;
    ws->T = 1.0;
    ws->S = 1.0;
    ws->S_valid = 0;

    struct stage_ctx x = { c, p, logits, ws, r, ws->n_finite, 0, NULL };
    run_stages(&x);
    finish(&x, logits, p_stale);
    note_raw_reads(ws, r);
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

void chain_result_copy_raw(struct chain_result *dst, const struct chain_result *src)
{
    uint32_t V = src->V;
    /* dst kept every token of this V (its kept, cut_by and p say so, and
     * stay true with every token finite): left as it is, so that a rerun
     * keeping every token again rewrites p alone (run's p_stale) instead of
     * clearing it here and writing kept and cut_by anew */
    if (!(dst->n_kept == dst->V && dst->V == V && src->n_finite == V && V > 0)) {
        clear_p(dst);   /* keep dst's p zero outside its survivors */
        dst->n_kept = 0;
    }
    dst->V = V;
    if (dst->p_raw != src->p_raw) /* a result may share its step's raw softmax (eval.c) */
        memcpy(dst->p_raw, src->p_raw, (size_t)V * sizeof *dst->p_raw);
    /* the masked tokens' CUT_MASKED (run rewrites every finite token's) */
    if (src->n_finite != V) memcpy(dst->cut_by, src->cut_by, V), dst->cut_n = 0;
    dst->n_finite = src->n_finite;
    dst->n_nan = src->n_nan;
    dst->n_posinf = src->n_posinf;
    dst->n_neginf = src->n_neginf;
    dst->argmax = src->argmax;
    dst->max_logit = src->max_logit;
    dst->lse_raw = src->lse_raw;
    dst->entropy_before = src->entropy_before;
    dst->have_raw = src->have_raw;
    dst->raw_total = src->raw_total;
    dst->raw_total_set = src->raw_total_set;
    dst->raw_div = src->raw_div;
    dst->raw_sum = src->raw_sum;
    dst->raw_sum8 = src->raw_sum8;
    dst->raw_deferred = 0; /* a p_raw it may share is never divided in place through it */
    dst->tr_id = -1;
}
