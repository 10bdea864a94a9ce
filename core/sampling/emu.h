/* emu.h: the array path: candidates as an array of {id, logit, p} records
 * in the order the system keeps them, so that each system's own sorts,
 * float32 sums and tie order can be replayed (sampling-reference.md b.1,
 * b.2). Units: logits in nats; p probabilities over the current array.
 *
 * Two rule sets run here:
 *   system (chain.exact == 0, a preset): llama.cpp's shrinking array with
 *          its libstdc++ sorts and float arithmetic; HF and vLLM as torch on
 *          CPU does it: float32 values, stable ascending sorts, masks
 *   exact  (chain.exact == 1 with a stage that has no fast path, or a
 *          min-keep): double precision, every order (logit desc, id asc)
 * Values are stored as double; emu_f rounds them to float where the system
 * computes in float, so the same code serves both rule sets.
 *
 * HF, vLLM and exact arrays stay in ascending id order (a mask is a -inf
 * logit, dropped after the stage); llama.cpp's array is reordered by its
 * sorts and keeps its -inf entries, because they change what later heap
 * operations do. */
#ifndef LS_EMU_H
#define LS_EMU_H

#include "sampling/chain.h"
#include "sampling/select.h"
#include "sampling/stdsort.h"

#include <string.h>

struct emu {
    const struct chain *c;
    const struct params *p;
    struct chain_ws *ws;
    struct chain_result *r;
    struct stage_report *rep;
    enum preset sys;        /* the rules: a system, or PRESET_CUSTOM for exact */
    int f32;                /* round to float32 (system rules) */
    struct ls_tok *a;       /* the candidates, a[0..n) */
    uint32_t n;
    int sorted;             /* llama.cpp's cur_p->sorted */
    /* emu_defer_sort.c: llama.cpp's full sort owed: the array is in value
     * order with ties in id order; deferred_T: the division since */
    int sort_deferred;
    float deferred_T;
    /* scratch, V each */
    struct ls_tok *buf;
    double *d;              /* by id: the stage's input distribution, unnormalised (emu_run's) */
    double S_in, mx_in;     /* its sum and the maximum logit it was taken from */
    double *v, *v2;         /* free for the stage */
    int32_t *ix, *ix2;      /* free for the stage */
    int32_t *in;            /* emu_run's: the ids alive before the stage */
    float *yf;              /* emu_trim's: the logits after a float32 temperature */
    /* emu_trim_torch's top-p that gave up at once (hopeless): yf holds
     * z / yf_T for every token and d their vector exp estimates of
     * exp(yf - max), summing to yf_dsum, for emu_torch_top_p_run (0: no;
     * emu_run clears it) */
    float yf_T;
    double yf_dsum;
    float *yd;              /* emu_trim_dry's: the logits after DRY */
    const float *z;         /* emu_run's: the raw logits (set before the trims) */
    int pristine;           /* emu_run's: a[i] is still token i with its raw logit */
    /* emu_run's, for the whole run: the stage masses are reported (the
     * caller reads everything: CHAIN_WANT_ALL). Draws and scores read none,
     * so a stage spends no pass on them: emu_account_first_report gives
     * the tie flag only, masses NaN */
    int masses;
    /* emu_run's, for the whole run: the decided flags (r->decided, which
     * ties and float sums alone chose) are reported: full runs and draws
     * (sample's rows say so); scores (CHAIN_WANT_SCORES) read none, so a
     * stage spends no pass on a flag alone */
    int flags_read;
    /* emu_run's finish finds the survivors' weights exp(logit - max),
     * libm's, already in r->p (a trim wrote them: emu_trim_mirostat.c):
     * 1; 2: every token kept (all finite) for a draw, and the weights' sum
     * in the array's order in final_s. 0 (none) set by emu_run */
    int final_w;
    double final_s;
    /* the next stage emu_run will run after this one (STAGE_NONE: none),
     * so a stage can leave undone what nobody reads (set by emu_run: a
     * stage file must not call into the stage table) */
    enum stage_kind next_kind;
    /* emu_run's, for the whole run: later[k] has bit (1u << kind) for each
     * stage that will run after chain position k (same reason) */
    unsigned later[CHAIN_MAX_STAGES];
    /* emu_run's too: next_at[k] the first stage running after position k
     * (next_kind's source), runs bit k set when position k runs */
    enum stage_kind next_at[CHAIN_MAX_STAGES];
    unsigned runs;
};

/* x rounded as the rules compute: to float32 under system rules. */
static inline double emu_f(const struct emu *e, double x) { return e->f32 ? (double)(float)x : x; }
/* exp and log in the rules' precision (expf/logf under system rules). */
double emu_exp(const struct emu *e, double x);
double emu_log(const struct emu *e, double x);
/* The rules are llama.cpp's. */
static inline int emu_llama(const struct emu *e) { return e->sys == PRESET_LLAMACPP && e->f32; }
/* HF or vLLM (torch) rules. */
static inline int emu_torch(const struct emu *e) { return e->f32 && (e->sys == PRESET_HF || e->sys == PRESET_VLLM); }
/* min-keep as the system reads it (at least 1 for HF, which never keeps 0). */
uint32_t emu_min_keep(const struct emu *e);

/* Record what decided this stage (DECIDED_* bits). */
void emu_decided(struct emu *e, unsigned bits);

/* llama.cpp's llama_token_data_array_partial_sort_inplace(k): std::partial_sort
 * for k <= 128, else its bucket path; shrinks to k and marks sorted. */
void emu_llama_psort(struct emu *e, uint32_t k);
/* llama.cpp's llama_token_data_array_partial_sort(cur, k, out): the best k
 * (at least) into out, sorted at the front; a[] is not changed. */
void emu_llama_bucket(struct emu *e, uint32_t k, struct ls_tok *out);
/* The same in two halves, so a reader that stops early sorts only what it
 * reads: each bucket's sort is independent of the others', so sorting
 * them one by one as positions are reached leaves exactly the same order. */
struct llama_buckets {
    struct ls_tok *out;
    uint32_t histo[128], base[128];
    uint32_t k, ndone, sorted_to;
    int ib, next;
    int dead_any_order;     /* leave a bucket of -inf entries only unsorted (lazy) */
};
/* llama.cpp's bucket of a logit in its bucket sort: int(6.4f v + 64.0f),
 * clamped to [0, 127] (overflow flagged, DECIDED_OVERFLOW). */
int emu_llama_bucket_of(struct emu *e, double val);
void emu_llama_bucket_fill(struct emu *e, uint32_t k, struct ls_tok *out, struct llama_buckets *b);
/* sort buckets until positions [0, upto) of out are final */
void emu_llama_bucket_upto(struct llama_buckets *b, uint32_t upto);
/* llama.cpp's llama_sampler_softmax_impl(cur_p, do_sort), in float. */
void emu_llama_softmax(struct emu *e, int do_sort);
/* The p of llama.cpp's softmax with do_sort (every candidate's, as after
 * its full sort), on the unsorted a[0..n) in place, with e->ix[0..n) the
 * positions in descending value order: the float sum runs over the values
 * in descending order, a sequence that does not depend on how ties are
 * ordered, so the order itself is needed only where a caller reads
 * positions. For that, emu_llama_lazy_fill puts every candidate into
 * e->buf grouped by bucket (b ready for emu_llama_bucket_upto, which sorts
 * them exactly as the full sort would, bucket by bucket, as far as asked),
 * and emu_llama_lazy_take copies the kept prefix back. One liberty there:
 * a bucket holding only masked (-inf) entries is not sorted. Masked
 * entries are never alive, weigh 0 in every sum and are told apart by
 * nothing but their ids, which no stage reads for them, so their order
 * among themselves changes no result (the whole-array path,
 * chain_ws.reference, sorts them as llama.cpp does; tests/unit/
 * test_emu_ties.c compares both). */
void emu_llama_sorted_p(struct emu *e);
void emu_llama_lazy_fill(struct emu *e, struct llama_buckets *b);
/* emu_defer_sort.c: instead of emu_llama_softmax(e, 1) in temp-ext's
 * entropy or XTC: the same p at every position, the array in value order with
 * ties in id order, the sort owed (1); or nothing done (0).
 * emu_sort_settle: the owed sort now (the logits unchanged since);
 * emu_sort_replay: the owed sort on the raw logits, then the division by
 * deferred_T again. Both no-ops when nothing is owed. e->a and e->buf
 * change places. */
int emu_sort_defer(struct emu *e);
void emu_sort_settle(struct emu *e);
void emu_sort_replay(struct emu *e);
/* emu_alive.c: the same as emu_llama_sorted_p, emu_llama_lazy_fill and
 * emu_llama_lazy_take(e, b, need, e->n) together (the same array in
 * positions [0, need), the same p everywhere), built from the surviving
 * candidates only, when at least one is masked, the survivors are at most
 * a quarter and none falls in llama.cpp's lowest bucket (which then holds
 * only masked entries). 0 when not applicable (nothing changed). The
 * arrays e->a and e->buf change places (no copy); scratch: e->ix, e->ix2,
 * e->v. */
int emu_llama_sorted_alive(struct emu *e, uint32_t need);
/* The same on a step's untouched logits z (token i at position i, every
 * one finite) masked to the survivors ids[0..m) (ascending): the array
 * becomes the first max(m, need) positions of what the above leaves
 * (survivors, then the first masked ids ascending); e->a and e->buf
 * change places, scratch: e->ix2, e->v. 0 when a survivor falls in the
 * lowest bucket (then e->a holds nothing usable). */
int emu_llama_alive_ids(struct emu *e, const float *z, const int32_t *ids, uint32_t m, uint32_t need);
/* emu_account.c: a first stage's masses and tie flag as emu_run's accounting
 * gives them, from r->cut_by and its input distribution in e->d (every
 * token's exp(z - max), libm's: emu_exp_memo), summed in id order. */
void emu_account_first(struct emu *e, struct stage_report *rep);
/* emu_account_first's results for a first stage over the raw logits z
 * (its input the raw distribution; every token finite) from the raw
 * softmax already made, without an exp per token (emu_account.c); zk the
 * smallest kept logit. 0 when the raw softmax is not there (nothing
 * written then). Scratch: e->ix2. */
int emu_account_first_est(struct emu *e, const float *z, double zk, struct stage_report *rep);
/* A first stage's report as emu_account_first gives it, on the logits y
 * (their maximum mx, yk the smallest kept; raw: y is the step's own
 * logits z, else a temperature's output), from the cheapest source that
 * gives its bits. A run that reports masses (e->masses) gets them from
 * the raw softmax (raw, emu_account_first_est) or from y's vector
 * estimates (sums: NULL, or S, rem and raw already summed in another
 * order than the ids', as emu_trim_mirostat.c's after a sorting
 * temperature). A draw or a score reads none: the tie flag only, over the
 * few tokens near yk, the masses NaN. A libm exp per token (emu_exp_memo,
 * emu_account_first) where neither decides. */
void emu_account_first_report(struct emu *e, const float *y, double mx, double yk, int raw, const double *sums,
                              struct stage_report *rep);
/* A first stage's cut_by: cut_by = fill for every token (emu_cut_begin),
 * then CUT_NONE for its survivors (emu_cut_keep, j counting from 0), then
 * emu_cut_end with their count. When the last run on the same result did
 * the same with the same fill (chain_result.cut_n), begin resets only the
 * ids that run kept instead of all V: a step that keeps 40 tokens then
 * touches no V-long array. (emu_cut.c) */
void emu_cut_begin(struct chain_result *r, uint8_t fill);
static inline void emu_cut_keep(struct chain_result *r, uint32_t j, int32_t id)
{
    r->cut_by[id] = CUT_NONE;
    if (j < CHAIN_CUT_IDS) r->cut_ids[j] = id;
}
void emu_cut_end(struct chain_result *r, uint8_t fill, uint32_t m);
/* The candidates for a first top-k's best `need` (emu_candidates.c): the chain's
 * first-pass list (ws->pre_ids) when it holds at least need, else every
 * token at or above a threshold sampled through get (ctx), collected by
 * collect (cctx) into e->ix; returns their count (below need: the sample
 * misjudged, take the long way), *ids the list. One way to pick them for
 * llama.cpp's top-k (on z) and torch's (on z / T). */
typedef size_t (*emu_collect_fn)(struct emu *e, const void *cctx, uint32_t V, double thr);
size_t emu_topk_candidates(struct emu *e, uint32_t V, uint32_t need, select_get_fn get, const void *ctx,
                           emu_collect_fn collect, const void *cctx, const int32_t **ids);
/* The first active stage at or after from (-1: none; emu_first.c). */
int emu_first_active(const struct emu *e, int from);
/* The reports of stages [0, n) reset as stages that saw every token and
 * cut none, active those numbered ka or kb (-1: none): what a trim that
 * skipped the array reports for the stages before its cut (emu_first.c). */
void emu_reports_whole(struct emu *e, int n, int ka, int kb);
/* emu_trim_sigma.c: llama.cpp's top-n-sigma as the first active stage,
 * before its top-k, without the whole array (as emu_trim). */
int emu_trim_sigma(struct emu *e, const float *z);
/* emu_trim_mirostat.c: llama.cpp's mirostat after at most a temperature. */
int emu_trim_mirostat(struct emu *e, const float *z);
/* emu_trim_dry.c: llama.cpp's DRY as the first active stage, before the
 * first top-k: DRY on a float copy, then emu_trim's top-k on it. */
int emu_trim_dry(struct emu *e, const float *z);
/* emu_trim_pen.c: HF's and vLLM's penalties, a plain temperature or none,
 * then a top-k or min-p; llama.cpp's penalties, DRY or not, then a top-k:
 * over the history tokens and the few collected. */
int emu_trim_pen(struct emu *e, const float *z);
/* emu_ties.c: the same p for a[0..n) (any order) by distinct value, and
 * with want_order e->ix[0..n) = positions in descending value order (ties
 * in position order); 0 when the values are too many to be worth it (more
 * than n / 4 distinct): then nothing is written but scratch. */
int emu_llama_sum_by_value(struct emu *e, struct ls_tok *a, uint32_t n, int want_order);
/* The distinct values of the floats y[0..n), descending, with how often
 * each occurs, into out (room for n / 4); their number, 0 when more than
 * n / 4 (counting is then not worth it). Scratch: e->v2, e->ix2, e->in. */
struct emu_value { float v; uint32_t count; };
uint32_t emu_distinct_desc(struct emu *e, const float *y, uint32_t n, struct emu_value *out);
/* select_kth_largest(v, n, k) (the same value), by counting the distinct
 * values when they are few and float-valued: an n-gram model's tied tail
 * makes the quickselect's partitions long. v is not reordered then.
 * Scratch: e->v2, e->in, e->ix2. */
double emu_kth_largest(struct emu *e, double *v, uint32_t n, uint32_t k);
/* d[i] = exp(z[i] - mx) for i < V (libm's exp, as emu_run's accounting),
 * one call per distinct value met (a small memo keyed by the bits). */
void emu_exp_memo(const float *z, uint32_t V, double mx, double *d);
/* buf[0..upto) sorted, then the first m of buf into a (n = m, sorted). */
void emu_llama_lazy_take(struct emu *e, struct llama_buckets *b, uint32_t upto, uint32_t m);

/* llama.cpp's top-p scan over its sorted candidates (topp.c): the float
 * cumulative sum and, beside it, the exact one (the stage's input
 * distribution d), position by position. */
struct topp_scan {
    float P, cum;           /* top-p as float, llama.cpp's float cum_sum */
    double cd;              /* the exact cumulative mass */
    uint32_t mk, dstop;     /* min-keep; where exact arithmetic stops (0: not yet) */
};
/* Add the candidate at position i; 1 when llama.cpp stops after it. */
static inline int topp_scan_at(struct emu *e, struct topp_scan *s, const struct ls_tok *x, uint32_t i)
{
    s->cum += (float)x->p;
    if (x->logit != -1.0 / 0.0) s->cd += e->d[x->id] / e->S_in;
    if (!s->dstop && s->cd >= e->p->top_p && i + 1 >= s->mk) s->dstop = i + 1;
    return s->cum >= s->P && i + 1 >= s->mk;
}
/* The same scan past llama.cpp's first 256 candidates, once b is filled
 * for all of them (emu_topp_value.c): in value order instead of replaying
 * its sorts, when no later stage reads the order among equal logits and
 * nothing is masked; the bucket holding the stop is replayed exactly when
 * a tie straddles it. From position `from` on; returns the stop (the kept
 * prefix's length, e->n when it never stops) with the prefix in e->a and
 * e->buf, or 0 when not applicable (nothing written but scratch). */
uint32_t emu_llama_top_p_value(struct emu *e, struct llama_buckets *b, struct topp_scan *s, uint32_t from);

/* A float's bits as an unsigned key in the same order (-inf first; -0 and
 * +0 one key). Inline: the radix sorts make one per candidate. */
static inline uint32_t emu_float_key(double v)
{
    float f = (float)v;
    if (f == 0.0f) f = 0.0f; /* -0 and +0 compare equal: one key */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}
/* The float of a key (the key below +0's is -0, the same value), for
 * bisections over the floats in order. */
float emu_float_of_key(uint32_t k);
/* (key << 32 | position) pairs sorted by key, equal keys in position order
 * (a stable radix sort, emu.c); tmp is scratch of m. */
void emu_sort_pairs(uint64_t *kv, uint32_t m, uint64_t *tmp);
/* HF's and vLLM's top-p (torch_top_p in topp.c) from the softmax just
 * run, without sorting: the crossings of the float and the exact
 * cumulative sums found by mass bands and certified against the rounding
 * of the sums (emu_topp_torch.c). Masks what torch masks; 0 when a margin
 * does not decide (nothing written but scratch). */
int emu_torch_top_p_bands(struct emu *e, float thr, uint32_t mk);
/* The same over plain arrays by position (y torch's float logits, ef its
 * float exps and sf their float sum: torch's p is ef / sf, the exact
 * distribution d / S: each bin sums d and divides once, a term alone is
 * the quotient; d NULL: ef / S with S their sum in double stands for it,
 * within a bound the margin widens by): the first kept position in
 * ascending (y, position) order into *first (n: nothing cut), every
 * position before it masked by torch; 0 when a margin does not decide;
 * -1 (d NULL) when only the exact distribution's margin does not: with d
 * made it may. Scratch: e->v, e->v2, e->ix2. */
int emu_torch_top_p_cut(struct emu *e, const float *y, const float *ef, float sf, const double *d, double S, uint32_t n,
                        float thr, uint32_t mk, uint32_t *first);
/* The least and the largest of y[0..n) into *lo, *hi (+inf and -inf for
 * n 0); 0 when one value is not finite (then *lo, *hi are not the
 * answer). width: the lanes it takes, 4, 8 (AVX2) or 16 (AVX-512), at
 * most vm_path_lanes(); 0: the path's own (emu_topp_torch.c's bands; the
 * widths are tests/unit/test_topp_bands.c's). */
int emu_float_range(const float *y, uint32_t n, int width, double *lo, double *hi);
/* HF's or vLLM's run when its active stages are penalties (or none), a
 * plain temperature (or none) and then top-p, over every token (all
 * finite), min-keep at most 1, and after top-p nothing, or a min-p and
 * any others: the array path's results from a few passes by id
 * (emu_torch_topp_run.c). 1 when applied: *upto = -1 when the whole run
 * is done, else the last stage done, its survivors in e->a for emu_run
 * to go on; 0 when not applicable. */
int emu_torch_top_p_run(struct emu *e, const float *z, int *upto);
/* emu_trim_torch's top-p margin check cannot pass, from its d (within a
 * few ulp of exp(y - max) each) and their sum S: the crossing token's
 * share must be above twice its margin (8e-6, whatever its total's error),
 * and the tokens above 7.9e-6 hold less than p. Then it gives up at once
 * and emu_torch_top_p_run decides (emu_torch_topp_run.c). */
int emu_torch_top_p_hopeless(const double *d, uint32_t V, double S, double P);
/* llama.cpp's whole run when its first active stage is top-p, stopping past
 * its first 256 candidates with no tie across the stop, and a plain
 * temperature the only later one, over every token (all finite): one radix
 * sort instead of its bucket sorts, the same results
 * (emu_llama_topp_run.c); 1 when done, 0 when not applicable. */
int emu_llama_top_p_run(struct emu *e, const float *z);

/* Sort a[0..n) descending by logit under the rules: llama.cpp's full
 * partial_sort_inplace, or (logit desc, id asc) for the others. */
void emu_sort_desc(struct emu *e);
/* Stable ascending argsort: ix[0..n) of positions, by key[ix], ties in
 * position order (torch's CPU sort). tmp is scratch of n; scratch, room
 * for 2n uint64 (e->buf) or NULL, enables the O(n) radix path for float
 * keys. */
void emu_argsort(const double *key, int32_t *ix, int32_t *tmp, uint32_t n, void *scratch);
/* Softmax of a[0..n).logit into a[].p under the rules (torch: float exp,
 * sum, float divide; exact: double). Returns the maximum logit. */
double emu_softmax(struct emu *e);

/* Mask a[i] with p < floor (p from a softmax just run), except the top
 * min-keep by logit, ties kept (HF's epsilon and eta; epsilon.c). */
void emu_mask_below(struct emu *e, double floor);
/* eta.c: eta's floor min(eta, sqrt(eta) e^-H) from the entropy H, as the
 * rules round it, its note written. */
double emu_eta_floor(struct emu *e, double H);
/* emu_trim_eps.c: HF's and vLLM's epsilon, eta or typical-p as the first
 * cut (after a plain temperature or none), min-keep 1, over every token
 * (all finite): epsilon and eta one threshold on torch's float weights,
 * typical-p a sort of the prefix it reads, instead of the array. */
int emu_trim_eps(struct emu *e, const float *z);
/* emu_trim_typical.c: HF's typical-p (typical.c's arithmetic) over the
 * logits y[0..V) (every token, by id; ymax their largest), torch's float
 * weights ef and their float total s: the kept ids (ascending) into
 * e->ix, their count; -1 when the prefix it sorted does not decide
 * (nothing written but scratch: e->d, v, in, ix2, buf, yd). */
int32_t emu_typical_ids(struct emu *e, const float *y, const float *ef, double s, double ymax);
/* emu_soft.c: ymax + ln S, S libm's exp(y_i - ymax) summed in index order
 * over i < n (eta.c's and typical.c's, to the bit); scratch: e->d. */
double emu_lse_seq(struct emu *e, const float *y, uint32_t n, double ymax);
/* Mask a[i] (its logit becomes -inf). */
static inline void emu_mask(struct emu *e, uint32_t i) { e->a[i].logit = -1.0 / 0.0; }
/* Keep only a[0..k) (llama.cpp's size = k). */
static inline void emu_shrink(struct emu *e, uint32_t k) { if (k < e->n) e->n = k; }

/* Run the chain's stages on the array path (chain.c calls this after the
 * raw softmax); fills r like the fast path. */
void emu_run(const struct chain *c, const struct params *p, const float *logits,
             struct chain_ws *ws, struct chain_result *r);
/* Start the array after the chain's first stage when that stage can be
 * done without the whole array (emu_trim.c: llama.cpp's top-k with no tie
 * among the k + 1 best), reporting it and the inactive stages before it.
 * Returns the stage's index, -1 if not applied. */
int emu_trim(struct emu *e, const float *z);
/* The whole run when nothing truncates: the only active stages a plain
 * temperature, HF's or vLLM's penalties, or both (emu_trim.c); 1 when
 * done. */
int emu_trim_untruncated(struct emu *e, const float *z);
/* HF's and vLLM's greedy step, temperature <= 0 the first active stage (any later one a truncation that keeps the lone survivor)
 * (emu_greedy.c); 1 when done. */
int emu_trim_greedy(struct emu *e, const float *z);
/* The same for HF and vLLM (emu_trim_torch.c): a first top-k, top-p or
 * min-p, after a temperature or not, decided over every token with vector
 * passes instead of torch's whole-array sorts and float sums, when a margin
 * check proves float32 cannot decide otherwise. */
int emu_trim_torch(struct emu *e, const float *z);
/* Its first stage, a top-k or min-p at T = 1 or a top-p without a
 * temperature, reads the raw weights from a
 * p_raw whose division is pending (CHAIN_WANT_ALL; emu_run settles it
 * otherwise). */
int emu_torch_reads_weights(const struct emu *e);
/* llama.cpp's first top-k of at most CHAIN_CUT_IDS tokens: its accounting
 * divides the pending p_raw itself, fused with a sum (emu_trim.c). */
int emu_llama_reads_weights(const struct emu *e);
/* The sum of w[0..n) in vm_exp_fdiv's order (its returned sum, for its
 * out array). */
double emu_fdiv_order_sum(const double *w, uint32_t n);
int emu_scratch(struct chain_ws *ws);
void emu_scratch_free(struct chain_ws *ws);
/* Free the scratch array at p alone (1; 0: none of them): for a caller
 * that frees a run a buffer at a time (chain.h chain_free_buf). */
int emu_scratch_free_buf(struct chain_ws *ws, const void *p);
/* The scratch's V-long arrays appended to out[*n..cap) (none before
 * emu_scratch made them): for chain_buffers. */
void emu_scratch_spans(const struct chain_ws *ws, struct chain_span *out, size_t cap, size_t *n);
/* XTC's draw at a position (xtc.c): u in [0, 1), as float. */
double emu_xtc_draw(uint64_t seed, uint64_t position);

#endif
