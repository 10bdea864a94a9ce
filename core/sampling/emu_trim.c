/* emu_trim.c: starting the array path after llama.cpp's first top-k or
 * top-p without building the whole-vocabulary array.
 *
 * llama.cpp's top-k partial-sorts the whole array and keeps the first k.
 * For k <= 128 (std::partial_sort) the heap it runs is replayed exactly
 * over the logits themselves (stdsort_partial_stream): the same k records
 * in the same tie order, with the runs of tokens that cannot enter the
 * heap skipped 16 at a time. Above 128 (its bucket path), when the k + 1
 * largest logits are all distinct, whatever it did the result is those k
 * tokens sorted by logit, descending: we find the k + 1 largest with one
 * vector pass (a sampled threshold, then a sort of the few above it). The
 * stage's report is what emu_run's accounting would give: its input is
 * the raw distribution, so the mass it removes is 1 - the kept p_raw. A
 * tie above 128, a masked logit, or a stage before it that changes
 * logits: not applied (emu_run then runs the whole array, as before). */
#include "sampling/stage.h"
#include "sampling/select.h"
#include "sampling/draw.h"
#include "base/vmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double get_logit(const void *ctx, uint32_t i) { return (double)((const float *)ctx)[i]; }

static int by_logit_desc(const void *a, const void *b)
{
    const struct ls_tok *x = a, *y = b;
    if (x->logit != y->logit) return x->logit > y->logit ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* the first active stage, if every stage before it is inactive */
static int first_active(const struct emu *e)
{
    for (int k = 0; k < e->c->n; k++) if (stage_active(e->c->order[k], e->p)) return k;
    return -1;
}

static size_t collect_z_ge(struct emu *e, const void *z, uint32_t V, double thr)
{
    return vm_collect_ge(z, V, thr, e->ix);
}

/* The k + 1 best (logit desc, id asc) into e->buf[0..k] sorted, and every
 * other candidate at or above the (k+1)-th after them (sorted) or none of
 * them (only buf[0..k] is read); 0 if not found. */
static int best_k1(struct emu *e, const float *z, uint32_t V, uint32_t k)
{
    const int32_t *ids;
    size_t c = emu_topk_candidates(e, V, k + 1, get_logit, z, collect_z_ge, z, &ids);
    if (c < (size_t)k + 1) return 0; /* the sample misjudged: take the long way */
    if (select_best_floats(z, ids, (uint32_t)c, e->r->max_logit, k + 1, e->ix2)) { /* the usual: a few sorted */
        for (uint32_t j = 0; j <= k; j++) e->buf[j] = (struct ls_tok){ e->ix2[j], (double)z[e->ix2[j]], 0.0 };
        chain_ws_pre_next(e->ws, e->buf[k].logit, e->r->max_logit);
        return 1;
    }
    if (ids != e->ix) memcpy(e->ix, ids, c * sizeof *e->ix);
    /* the (k+1)-th largest by quickselect, then sort only those at or above it */
    for (size_t j = 0; j < c; j++) e->v[j] = (double)z[e->ix[j]];
    double kth = select_kth_largest(e->v, (uint32_t)c, k);
    chain_ws_pre_next(e->ws, kth, e->r->max_logit);
    size_t m = 0;
    for (size_t j = 0; j < c; j++) {
        double v = (double)z[e->ix[j]];
        if (v < kth) continue;
        e->buf[m].id = e->ix[j];
        e->buf[m].logit = v;
        e->buf[m++].p = 0.0;
    }
    qsort(e->buf, m, sizeof *e->buf, by_logit_desc);
    return 1;
}

/* the stage input distribution of a first stage as list_alive gives it:
 * e->d[i] = exp(z[i] - max) (libm), with sum: their sum in id order into
 * S_in (a stage reads it; the accounting sums them itself) */
static void first_input(struct emu *e, const float *z, int sum)
{
    uint32_t V = e->r->V;
    double mx = -INFINITY, S = 0.0;
    for (uint32_t i = 0; i < V; i++) if ((double)z[i] > mx) mx = (double)z[i];
    emu_exp_memo(z, V, mx, e->d);
    for (uint32_t i = 0; i < V && sum; i++) S += e->d[i];
    e->S_in = sum ? S : NAN;
    e->mx_in = mx;
}

/* llama.cpp's top-p as the first stage, exactly as emu_top_p runs it on
 * the whole array (its float softmax in array order, its bucket sort of
 * the best 256, then of all, sorted only as far as the cumulative sum
 * reads: ties in its own order), without emu_run's accounting over every
 * token but the input distribution (d, as its list_alive computes it:
 * the float32 check reads it); the report comes from take_prefix. Returns the
 * prefix length (in e->buf and e->a), *next the largest logit cut; 0
 * when nothing is cut (emu_run then runs it itself). */
static uint32_t llama_top_p_prefix(struct emu *e, const float *z, uint32_t V, double *next)
{
    for (uint32_t i = 0; i < V; i++) e->a[i] = (struct ls_tok){ (int32_t)i, (double)z[i], 0.0 };
    e->n = V;
    e->sorted = 0;
    first_input(e, z, 1); /* d and S_in exactly as emu_run's list_alive: the same float32 check */
    emu_top_p(e);
    uint32_t m = e->n, ge = 0;
    if (m >= V || m == 0) return 0;
    double lo = e->a[m - 1].logit, below = -INFINITY;
    for (uint32_t i = 0; i < V; i++) {
        if ((double)z[i] >= lo) ge++;
        else if ((double)z[i] > below) below = (double)z[i];
    }
    *next = ge > m ? lo : below; /* a cut token equal to the last kept one, or the best below */
    return m;
}

/* Start the array at the sorted prefix buf[0..m) as stage k0's survivors,
 * with the reports emu_run's accounting would give (the input of a first
 * stage is the raw distribution); next: the largest logit cut. Without
 * the raw distribution (a run that only draws) the masses are not
 * reported and the tie flag is read off the two logits at the boundary. */
static int take_prefix(struct emu *e, const float *z, int k0, uint32_t m, double next, int d_ready)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    memcpy(e->a, e->buf, (size_t)m * sizeof *e->a);
    e->n = m;
    e->sorted = 1;
    emu_cut_begin(r, (uint8_t)(CUT_STAGE0 + k0));
    for (uint32_t j = 0; j < m; j++) emu_cut_keep(r, j, e->a[j].id);
    emu_cut_end(r, (uint8_t)(CUT_STAGE0 + k0), m);
    emu_reports_whole(e, k0, -1, -1); /* the inactive stages before it saw every token */
    struct stage_report *rep = &r->stages[k0];
    rep->kept_in = V;
    rep->kept_out = m;
    /* the masses only for a caller that reads them (e->masses): their
     * libm exp over every token is most of this stage's cost */
    if (r->have_raw && e->masses) {
        if (d_ready || !emu_account_first_est(e, z, e->a[m - 1].logit, rep)) {
            if (!d_ready) first_input(e, z, 0);
            emu_account_first(e, rep);
        }
        return k0;
    }
    /* emu_run's accounting calls a cut token as likely as a kept one a tie
     * (both weigh 0 once exp underflows, however distinct the logits) */
    double mx = e->a[0].logit;
    if (exp(e->buf[m - 1].logit - mx) == exp(next - mx)) emu_decided(e, DECIDED_TIE);
    rep->mass_removed = rep->raw_mass_removed = NAN;
    return k0;
}

/* llama.cpp's first stage a top-k keeping at most CHAIN_CUT_IDS tokens:
 * its accounting (take_prefix, emu_account_first_est) makes the raw
 * softmax's deferred division itself, fused with the removed raw mass, so
 * emu_run leaves it deferred until then */
int emu_llama_reads_weights(const struct emu *e)
{
    int k0 = first_active(e);
    return emu_llama(e) && e->masses && !e->ws->reference && e->p->mirostat <= 0 && k0 >= 0 &&
           e->c->order[k0] == STAGE_TOP_K && e->p->top_k > 0 && e->p->top_k <= CHAIN_CUT_IDS;
}

static int llama_trim(struct emu *e, const float *z)
{
    const struct chain_ws *ws = e->ws;
    struct chain_result *r = e->r;
    uint32_t V = r->V, m = 0;
    double next = -INFINITY;
    int k0 = first_active(e);
    if (!emu_llama(e) || e->p->mirostat > 0 || k0 < 0) return -1;
    if (ws->n_finite != V || ws->finite_iota_n != V) return -1;
    enum stage_kind kind = e->c->order[k0];
    struct stage_report *rep = &r->stages[k0];
    memset(rep, 0, sizeof *rep);
    rep->kind = kind;
    rep->active = 1;
    e->rep = rep;
    if (kind == STAGE_TOP_K) {
        m = (uint32_t)e->p->top_k;
        if (m >= V) return -1;
        /* the k + 1 best all distinct: partial_sort's order is theirs, found
         * with a sampled threshold; else, for k <= 128, std::partial_sort
         * replayed (emu_llama_psort) */
        /* (a vocabulary too small to sample: the heap is quicker than a
         * quickselect over every tied logit) */
        int distinct = (V > 4 * SELECT_SAMPLE || m > 128) && best_k1(e, z, V, m);
        for (uint32_t j = 0; distinct && j < m; j++) distinct = e->buf[j].logit > e->buf[j + 1].logit;
        if (distinct) next = e->buf[m].logit;
        else if (m <= 128) next = stdsort_partial_stream(e->buf, m, z, V, NULL);
        else return -1;
    } else if (kind == STAGE_TOP_P && V > 1024) { /* llama.cpp sorts small arrays whole */
        if (!(m = llama_top_p_prefix(e, z, V, &next))) { r->decided = 0; return -1; }
    } else {
        return -1;
    }
    return take_prefix(e, z, k0, m, next, kind == STAGE_TOP_P);
}

/* The logits a chain of a plain temperature (or none) reads: z, or with
 * HF's or vLLM's penalties first a float copy penalised at the history
 * tokens only (emu_penalties_ids: its notes written); *kp, *kt the two
 * stages (-1: inactive). NULL when any other stage runs, neither does, the
 * temperature would write a note or be greedy, or the penalties cannot be
 * applied on ids. */
static const float *plain_logits(struct emu *e, const float *z, int *kp, int *kt)
{
    double T = e->p->temperature;
    int k = first_active(e);
    *kp = *kt = -1;
    if (k >= 0 && e->c->order[k] == STAGE_PENALTIES && emu_torch(e)) *kp = k, k = emu_first_active(e, k + 1);
    if (k >= 0 && e->c->order[k] == STAGE_TEMPERATURE) *kt = k, k = emu_first_active(e, k + 1);
    if (k >= 0 || (*kp < 0 && *kt < 0) || e->p->dynatemp_range > 0) return NULL;
    if (*kt >= 0 && (!(T > 0) || T < e->c->temp_floor || (e->sys == PRESET_VLLM && T > 2))) return NULL; /* notes */
    if (*kp < 0) return z;
    memcpy(e->yd, z, (size_t)e->r->V * sizeof *z);
    return emu_penalties_ids(e, e->yd) ? e->yd : NULL;
}

/* p /= s over every token; for a caller that draws (no masses), with the
 * draws' block sums in the same pass (chain_result.blk) */
static void divide_p(struct emu *e, double s)
{
    if (e->masses) vm_divide(e->r->p, e->r->V, s);
    else draw_blocks_divide(e->r, e->r->p, s);
}

/* A chain in which nothing truncates: a plain temperature (every system
 * divides the float32 logit by the float32 T), after HF's or vLLM's
 * penalties or not (or the penalties alone): the final softmax of
 * y = x / T over every token, x the (penalised) logits, in vector passes,
 * with the reports emu_run would write. Returns 1 when done, 0 when not
 * applicable. */
int emu_trim_untruncated(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    size_t note = strlen(r->note);
    int kp, kt;
    if (!e->f32 || e->ws->n_finite != V || e->ws->finite_iota_n != V) return 0;
    const float *x = plain_logits(e, z, &kp, &kt);
    if (!x) { r->note[note] = 0; return 0; } /* emu_run's whole array writes the notes again */
    int64_t am = r->argmax;
    if (x != z) { struct vm_scan sc; vm_scan(x, V, &sc); am = sc.argmax; } /* a penalty may move the maximum */
    /* float division is monotonic for T > 0: the first maximum's y is the maximum */
    float Tf = kt >= 0 ? (float)e->p->temperature : 1.0f, mx = x[am] / Tf;
    /* y = x / T is formed in registers (vm_fdiv's quotients), not stored */
    double sed = 0.0, s = vm_exp_fdiv_shift(x, V, Tf, (double)mx, r->p, &sed), ret = 0.0;
    divide_p(e, s);
    if (!e->ws->p_stale) { /* else the last run kept every token: they stand (chain_ws.p_stale) */
        memset(r->cut_by, CUT_NONE, V);
        vm_iota(r->kept, V);
    }
    /* the retained mass is the step's raw total (once per step), read
     * with the masses only (a draw has no raw softmax; eval's scores read
     * neither): no V-long sum for it otherwise */
    int ret_read = r->have_raw && e->masses;
    if (ret_read) ret = chain_raw_total(r);
    emu_reports_whole(e, e->c->n, kt, kp);
    double h = log(s) - sed / s;
    r->effective_temperature = e->p->temperature;
    r->n_kept = V;
    r->retained_mass = ret_read ? ret : NAN;
    r->entropy_after = h > 0 ? h : 0.0;
    return 1;
}

int emu_trim(struct emu *e, const float *z)
{
    return emu_llama(e) ? llama_trim(e, z) : emu_trim_torch(e, z);
}
