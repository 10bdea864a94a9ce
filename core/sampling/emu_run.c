/* emu_run.c: running a chain on the array path (see emu.h), and turning
 * the array into a chain_result exactly as the fast path fills it: final
 * p, cut_by per token, survivors in ascending id order, per-stage counts
 * and removed mass, entropy after.
 *
 * Accounting per stage: before the stage the alive ids (finite logit) are
 * listed and their softmax (the stage's input distribution) noted; after
 * it, every listed id that is gone from the array or masked was cut by it.
 * That costs one exp per candidate per active stage, on top of what the
 * system itself computes. */
#include "sampling/stage.h"
#include "sampling/emu_lazy.h"
#include "base/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The same over the untouched array (every token, in id order, its raw
 * logit): one vector pass. Used for a greedy temperature first (hf, vllm
 * at T = 0), whose accounting would otherwise cost a libm exp per token;
 * its removed mass may differ from the scalar sum in the last bits. */
static uint32_t list_alive_pristine(struct emu *e, double *S)
{
    uint32_t V = e->n;
    double mx = e->r->max_logit;
    for (uint32_t i = 0; i < V; i++) e->in[i] = (int32_t)i;
    *S = e->S_in = vm_exp_shift(e->z, V, mx, 1.0, e->d, NULL);
    e->mx_in = mx;
    return V;
}

/* exp(l - mx) once per distinct l met: a small memo keyed by the bits (an
 * n-gram model's steps repeat a few hundred values thousands of times;
 * the values are libm's, as without it) */
enum { MEMO_SLOTS = 512 };
struct exp_memo { uint64_t key[MEMO_SLOTS]; double val[MEMO_SLOTS]; double mx; };

static void memo_init(struct exp_memo *m, double mx)
{
    memset(m->key, 0xFF, sizeof m->key); /* a NaN's bits: never a logit here */
    m->mx = mx;
}

static double memo_exp(struct exp_memo *m, double l)
{
    uint64_t u;
    memcpy(&u, &l, sizeof u);
    uint32_t h = (uint32_t)((u * 0x9E3779B97F4A7C15ull) >> 55);
    if (m->key[h] != u) { m->key[h] = u; m->val[h] = exp(l - m->mx); }
    return m->val[h];
}

/* the alive ids into e->in and their input distribution into e->d[id] */
static uint32_t list_alive(struct emu *e, double *S)
{
    if (e->pristine && e->rep->kind == STAGE_TEMPERATURE) return list_alive_pristine(e, S);
    struct exp_memo memo;
    double mx = -INFINITY, s = 0.0;
    uint32_t m = 0;
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->a[i].logit > mx) mx = e->a[i].logit;
        __builtin_prefetch(&e->d[e->a[i].id], 1); /* by id: scattered over V doubles, usually cold */
    }
    memo_init(&memo, mx);
    for (uint32_t i = 0; i < e->n; i++) {
        double l = e->a[i].logit;
        if (l == -INFINITY) continue;
        int32_t id = e->a[i].id;
        e->in[m++] = id;
        e->d[id] = memo_exp(&memo, l);
        s += e->d[id];
    }
    *S = s;
    e->S_in = s;
    e->mx_in = mx;
    return m;
}

/* how many are alive before a stage that cannot cut (its counts only) */
static uint32_t count_alive(const struct emu *e)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < e->n; i++) m += e->a[i].logit != -INFINITY;
    return m;
}

/* stages that change logits but never remove a candidate */
static int never_cuts(const struct emu *e, enum stage_kind k)
{
    return k == STAGE_PENALTIES || k == STAGE_DRY || (k == STAGE_TEMPERATURE && e->p->temperature > 0);
}

/* HF, vLLM and exact drop masked entries (order kept); llama.cpp keeps them */
static void compact(struct emu *e)
{
    if (emu_llama(e)) return;
    uint32_t m = 0;
    while (m < e->n && e->a[m].logit != -INFINITY) m++; /* (no copy before the first mask) */
    for (uint32_t i = m; i < e->n; i++) if (e->a[i].logit != -INFINITY) e->a[m++] = e->a[i];
    e->n = m;
}

#define MARK 0xFF

/* stages that only remove candidates (their input order is their logits') */
static int cuts_only(enum stage_kind k)
{
    return k != STAGE_TEMPERATURE && k != STAGE_PENALTIES && k != STAGE_LOGIT_BIAS;
}

static void account(struct emu *e, uint32_t n_in, double S, uint8_t code)
{
    struct chain_result *r = e->r;
    uint32_t out = 0;
    for (uint32_t i = 0; i < e->n; i++)
        if (e->a[i].logit != -INFINITY) { r->cut_by[e->a[i].id] = MARK; out++; }
    double rem = 0.0, raw = 0.0, kept_min = INFINITY, cut_max = -INFINITY;
    for (uint32_t j = 0; j < n_in; j++) {
        int32_t id = e->in[j];
        if (r->cut_by[id] == MARK) { if (e->d[id] < kept_min) kept_min = e->d[id]; continue; }
        if (e->d[id] > cut_max) cut_max = e->d[id];
        r->cut_by[id] = code;
        rem += e->d[id];
        raw += r->have_raw ? chain_raw_p(r, (uint32_t)id) : NAN;
    }
    for (uint32_t i = 0; i < e->n; i++)
        if (e->a[i].logit != -INFINITY) r->cut_by[e->a[i].id] = CUT_NONE;
    /* a cut token as likely as a kept one: only the tie order chose */
    if (cut_max == kept_min && cuts_only(e->rep->kind)) emu_decided(e, DECIDED_TIE);
    e->rep->kept_in = n_in;
    e->rep->kept_out = out;
    e->rep->mass_removed = S > 0 ? rem / S : 0.0;
    e->rep->raw_mass_removed = raw;
}

/* llama.cpp with mirostat on runs only logit-bias, temperature and mirostat */
static int replaced_by_mirostat(const struct emu *e, enum stage_kind k)
{
    return e->sys == PRESET_LLAMACPP && e->p->mirostat > 0 && k != STAGE_TEMPERATURE && k != STAGE_MIROSTAT &&
           k != STAGE_LOGIT_BIAS;
}

/* Which chain positions will run (active, not replaced by mirostat), as
 * bits into e->runs, and from one backward sweep e->later[k] (the kinds
 * running after position k, bits 1u << kind) and e->next_at[k] (the first
 * of them, STAGE_NONE: none): one stage_active per position a run,
 * instead of one per pair of positions (121 a step for llama.cpp's 11) */
static void plan_running(struct emu *e)
{
    unsigned later = 0;
    enum stage_kind next = STAGE_NONE;
    e->runs = 0;
    for (int k = e->c->n - 1; k >= 0; k--) {
        enum stage_kind s = e->c->order[k];
        e->later[k] = later;
        e->next_at[k] = next;
        if (!stage_active(s, e->p) || replaced_by_mirostat(e, s)) continue;
        e->runs |= 1u << k;
        later |= 1u << s;
        next = s;
    }
}

static void run_stage(struct emu *e, int k)
{
    enum stage_kind kind = e->c->order[k];
    struct stage_report *rep = &e->r->stages[k];
    memset(rep, 0, sizeof *rep);
    rep->kind = kind;
    rep->kept_in = rep->kept_out = e->n;
    e->rep = rep;
    if (!(e->runs >> k & 1u)) return;
    double S = 0.0;
    int cuts = !never_cuts(e, kind), lazy = 0;
    uint32_t n_in = 0;
    /* only top-p reads the input distribution itself: for any other stage
     * over many candidates its sums can wait until after the stage */
    if (cuts && kind != STAGE_TOP_P && !(e->pristine && kind == STAGE_TEMPERATURE) && !e->ws->reference)
        lazy = emu_lazy_list(e, &n_in);
    if (!lazy) n_in = cuts ? list_alive(e, &S) : count_alive(e);
    rep->active = 1;
    e->next_kind = e->next_at[k];
    stage_def(kind)->emu(e);
    e->pristine = 0;
    compact(e);
    if (lazy) emu_lazy_account(e, n_in, (uint8_t)(CUT_STAGE0 + k), cuts_only(kind));
    else if (cuts) account(e, n_in, S, (uint8_t)(CUT_STAGE0 + k));
    else rep->kept_in = rep->kept_out = n_in;
}

static int id_asc(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* the final distribution: double softmax of the surviving logits. Only
 * survivors are touched: every other p is already 0 (chain.c clears the
 * previous survivors before a run), and their cut_by is set. */
/* Every token survived in id order with a float32 logit (a system chain
 * whose stages only divided by a temperature): the final softmax in two
 * vector passes over a float copy, as chain.c's raw softmax. 0 otherwise. */
static int finish_every_token(struct emu *e)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    if (e->n != V) return 0;
    for (uint32_t i = 0; i < V; i++) {
        double v = e->a[i].logit;
        if (e->a[i].id != (int32_t)i || !isfinite(v) || v != (double)(float)v) return 0;
        e->yf[i] = (float)v;
    }
    double mx = -INFINITY, sed = 0.0;
    for (uint32_t i = 0; i < V; i++) if (e->a[i].logit > mx) mx = e->a[i].logit;
    double s = vm_exp_shift(e->yf, V, mx, 1.0, r->p, &sed);
    vm_divide(r->p, V, s);
    double h = log(s) - sed / s, ret = 0.0;
    vm_iota(r->kept, V);
    if (r->have_raw) ret = chain_raw_total(r); /* once per step */
    r->n_kept = V;
    r->retained_mass = r->have_raw ? ret : NAN;
    r->entropy_after = h > 0 ? h : 0.0;
    return 1;
}

/* every token kept (all finite) with its weight in r->p and their sum in
 * the array's order known (e->final_w 2): divided, every id kept, the
 * retained mass as finish sums it; no entropy (NaN: a draw reads none) */
static void finish_summed(struct emu *e)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    vm_divide(r->p, V, e->final_s);
    vm_iota(r->kept, V);
    r->n_kept = V;
    /* every token kept: the retained mass is the step's raw total, the
     * same id-order sum (NaN without the raw pass), shared with the other
     * settings on this step and counted as a full read of p_raw */
    r->retained_mass = chain_raw_total(r);
    r->entropy_after = NAN;
}

static void finish(struct emu *e)
{
    if (e->final_w == 2) { finish_summed(e); return; }
    if (finish_every_token(e)) return;
    struct chain_result *r = e->r;
    struct exp_memo memo;
    double mx = -INFINITY, s = 0.0, h = 0.0, ret = 0.0;
    uint32_t m = 0;
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->a[i].logit > mx) mx = e->a[i].logit;
        __builtin_prefetch(&r->p[e->a[i].id], 1); /* the slots written below: by id, scattered, usually cold */
    }
    memo_init(&memo, mx);
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->a[i].logit == -INFINITY) continue;
        if (!e->final_w) r->p[e->a[i].id] = memo_exp(&memo, e->a[i].logit);
        s += r->p[e->a[i].id];
    }
    double lnS = log(s);
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->a[i].logit == -INFINITY) continue;
        r->kept[m++] = e->a[i].id;
        if (r->p[e->a[i].id] > 0) h -= r->p[e->a[i].id] / s * (e->a[i].logit - mx - lnS);
    }
    /* survivors in ascending id order: sort a few, or walk the ids when many
     * survive (cut_by is CUT_NONE exactly for them) */
    if ((uint64_t)m * 16 <= e->ws->n_finite) {
        qsort(r->kept, m, sizeof *r->kept, id_asc);
    } else {
        m = 0;
        for (uint32_t j = 0; j < e->ws->n_finite; j++)
            if (r->cut_by[e->ws->finite[j]] == CUT_NONE) r->kept[m++] = e->ws->finite[j];
    }
    for (uint32_t j = 0; j < m; j++) {
        r->p[r->kept[j]] /= s;
        ret += r->have_raw ? chain_raw_p(r, (uint32_t)r->kept[j]) : NAN;
    }
    r->n_kept = m;
    r->retained_mass = ret;
    r->entropy_after = h > 0 ? h : 0.0;
}

void emu_run(const struct chain *c, const struct params *p, const float *logits,
             struct chain_ws *ws, struct chain_result *r)
{
    struct emu *e = ws->emu;
    e->c = c; e->p = p; e->ws = ws; e->r = r;
    e->f32 = !chain_is_exact(c);
    e->sys = e->f32 ? c->preset : PRESET_CUSTOM;
    e->n = ws->n_finite;
    e->sorted = 0;
    e->sort_deferred = 0;
    e->final_w = 0;
    e->yf_T = 0.0f;
    r->n_stages = c->n;
    plan_running(e);
    e->z = logits; /* (a trim may run on other logits: emu_trim_dry) */
    e->masses = ws->want == CHAIN_WANT_ALL;
    e->flags_read = ws->want != CHAIN_WANT_SCORES;
    /* a caller that reads everything gets p_raw divided (chain.c): now,
     * unless the first stage reads the weights themselves */
    if (e->masses && (ws->reference || !(emu_torch_reads_weights(e) || emu_llama_reads_weights(e))))
        chain_raw_settle(r);
    /* nothing truncating writes every p (and, on a stale p, leaves kept
     * and cut_by as they are); every other path writes the survivors' only */
    int stale = ws->p_stale;
    if (!ws->reference && emu_trim_untruncated(e, logits)) { ws->p_stale = 0; return; }
    ws->p_stale = 0;
    if (stale) memset(r->p, 0, (size_t)r->V * sizeof *r->p);
    if (!ws->reference && emu_trim_greedy(e, logits)) return;
    if (!ws->reference && emu_llama_top_p_run(e, logits)) return; /* hB */
    int trimmed = ws->reference ? -1 : emu_trim(e, logits);
    if (trimmed < 0 && emu_llama_reads_weights(e)) chain_raw_settle(r); /* it gave up: divided for the others */
    if (trimmed < 0 && !ws->reference) trimmed = emu_trim_sigma(e, logits);
    if (trimmed < 0 && !ws->reference) trimmed = emu_trim_mirostat(e, logits);
    if (trimmed < 0 && !ws->reference) trimmed = emu_trim_dry(e, logits);
    if (trimmed < 0 && !ws->reference) trimmed = emu_trim_pen(e, logits);
    if (trimmed < 0 && !ws->reference) trimmed = emu_trim_eps(e, logits); /* hE */
    if (e->masses) chain_raw_settle(r);
    if (trimmed < 0 && !ws->reference && emu_torch_top_p_run(e, logits, &trimmed) && trimmed < 0) return; /* hB, hG */
    e->pristine = !ws->reference && trimmed < 0 && ws->finite_iota_n == e->n && e->n == r->V;
    if (trimmed < 0) {
        e->n = ws->n_finite; /* (a trim that gave up may have used the array) */
        e->sorted = 0;
        for (uint32_t j = 0; j < e->n; j++) {
            int32_t id = ws->finite[j];
            e->a[j].id = id;
            e->a[j].logit = (double)logits[id];
            e->a[j].p = 0.0;
            r->cut_by[id] = CUT_NONE;
        }
    }
    for (int k = trimmed + 1; k < c->n; k++) run_stage(e, k); /* emu_trim reported 0..trimmed */
    if (e->sys == PRESET_LLAMACPP && p->mirostat > 0)
        chain_note(r, "mirostat %d replaces llama.cpp's chain except logit-bias and temperature", (int)p->mirostat);
    finish(e);
}
