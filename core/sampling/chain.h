/* chain.h: the sampler chain: stages, presets, parameters and one run.
 *
 * A chain is an ordered list of stages applied to one step's logits:
 *   temperature  z <- z / T; T == 0 (or below the preset's greedy floor)
 *                keeps only the first maximum (lowest id among equal maxima)
 *   top-k        keep the k most likely; 0 = off. Ties at the k-th value:
 *                kept (hf, vllm) or broken by lower token id (llama.cpp)
 *   top-p        keep the smallest most-likely set whose mass reaches p,
 *                including the token that crosses p; 1 = off
 *   min-p        keep p_i >= min_p * p_max, i.e. z_i >= z_max + ln(min_p); 0 = off
 * Every probability test runs over the candidates that survived the earlier
 * stages (renormalised), in double precision. Presets reproduce real systems:
 *   hf        temperature, top-k, top-p, min-p  (ties kept, min_keep 1)
 *   llama.cpp top-k, top-p, min-p, temperature  (top-k exactly k, ties by id)
 *   vllm      temperature, min-p, top-k, top-p  (ties kept; T < 1e-5 greedy,
 *             0 < T < 0.01 raised to 0.01 as vLLM does)
 * Order within equal probabilities (top-p crossing ties, greedy ties) is by
 * ascending token id everywhere; the real systems use unstable sorts there.
 *
 * Ownership: chain_result and chain_ws are created once for a vocabulary
 * size with chain_result_init / chain_ws_init and reused for every step: a
 * run allocates nothing. Pointers inside chain_result are valid until the
 * next chain_run on it or chain_result_free.
 *
 *   struct chain ch; chain_preset(&ch, PRESET_HF);
 *   struct params pr = PARAMS_OFF; pr.temperature = 0.7; pr.top_p = 0.9;
 *   chain_result_init(&res, V); chain_ws_init(&ws, V);
 *   chain_run(&ch, &pr, logits, V, &ws, &res, &err);
 *   (then draw tokens from res with sampling/draw.h)
 */
#ifndef LS_CHAIN_H
#define LS_CHAIN_H

#include <stdint.h>
#include <stddef.h>
#include <math.h>
#include "base/vmath.h"
#include "base/status.h"

enum stage_kind {
    STAGE_TEMPERATURE = 0,
    STAGE_TOP_K,
    STAGE_TOP_P,
    STAGE_MIN_P,
    STAGE_TYPICAL_P,     /* locally typical sampling (llama.cpp, HF) */
    STAGE_TOP_N_SIGMA,   /* llama.cpp */
    STAGE_EPSILON,       /* HF epsilon_cutoff */
    STAGE_ETA,           /* HF eta_cutoff */
    STAGE_XTC,           /* llama.cpp exclude-top-choices */
    STAGE_PENALTIES,     /* repetition / frequency / presence */
    STAGE_MIROSTAT,      /* llama.cpp mirostat v1 / v2 */
    STAGE_DRY,           /* llama.cpp don't-repeat-yourself */
    STAGE_LOGIT_BIAS,    /* per-token additive bias, -inf bans (every system) */
    STAGE__COUNT,
    STAGE_NONE = -1      /* a parameter no stage owns (min-keep) */
};

struct dry_breakers;   /* sampling/dry_breakers.h */

enum preset { PRESET_HF = 0, PRESET_LLAMACPP, PRESET_VLLM, PRESET_CUSTOM, PRESET__COUNT };

enum topk_ties { TIES_KEEP = 0, TIES_BY_ID };

#define CHAIN_MAX_STAGES 16

/* Logit bias: added to the logits of listed token ids (the source's own
 * compact ids, resolved by the caller; sampling/logit_bias.h parses the
 * text form). -inf bans a token; +inf and NaN are refused. Held by value in
 * struct params so that every copy of a setting carries its bias. */
#define LS_MAX_BIAS 64
struct logit_bias {
    uint32_t n;                  /* entries; 0 = off */
    int32_t id[LS_MAX_BIAS];     /* distinct ids */
    double v[LS_MAX_BIAS];       /* finite, or -inf (ban) */
};

struct chain {
    enum preset preset;           /* PRESET_CUSTOM for a user LIST */
    int n;                        /* stages in order[] */
    enum stage_kind order[CHAIN_MAX_STAGES];
    enum topk_ties topk_ties;
    double greedy_below;          /* T below this (and T <= 0) is greedy */
    double temp_floor;            /* 0 < T < temp_floor is raised to it (vLLM) */
    int exact;                    /* 1: double precision, ties by lowest id (the
                                   * clean reference; always for custom); 0: the
                                   * system's own float32 order and sorts */
};

struct params {
    double temperature;  /* >= 0; 1 = off */
    int32_t top_k;       /* >= 0; 0 = off */
    double top_p;        /* (0, 1]; 1 = off (0 keeps the top token) */
    double min_p;        /* [0, 1]; 0 = off */
    int32_t min_keep;    /* tokens every truncation keeps; 0 = none */
    double typical_p;    /* (0, 1]; 1 = off */
    double top_n_sigma;  /* sigmas below the max; <= 0 = off */
    double epsilon;      /* probability floor; 0 = off */
    double eta;          /* entropy-scaled floor; 0 = off */
    double xtc_probability, xtc_threshold;      /* 0 = off; threshold 0.1 */
    double repeat_penalty;                      /* 1 = off */
    double frequency_penalty, presence_penalty; /* 0 = off */
    int32_t repeat_last_n;                      /* window (llama.cpp); -1 = all */
    double dynatemp_range, dynatemp_exponent;   /* 0 = off; exponent 1 */
    int32_t mirostat;                           /* 0 off, 1, 2 */
    double mirostat_tau, mirostat_eta;          /* 5, 0.1 */
    double dry_multiplier, dry_base;            /* 0 = off; base 1.75 */
    int32_t dry_allowed_length, dry_last_n;     /* 2; -1 = all history */
    struct logit_bias bias;                     /* n 0 = off (not a table scalar) */
};

#define PARAMS_OFF ((struct params){ .temperature = 1.0, .top_k = 0, .top_p = 1.0, .min_p = 0.0, \
    .min_keep = 0, .typical_p = 1.0, .top_n_sigma = -1.0, .epsilon = 0.0, .eta = 0.0,        \
    .xtc_probability = 0.0, .xtc_threshold = 0.1, .repeat_penalty = 1.0,                     \
    .frequency_penalty = 0.0, .presence_penalty = 0.0, .repeat_last_n = 64,                  \
    .dynatemp_range = 0.0, .dynatemp_exponent = 1.0, .mirostat = 0,                          \
    .mirostat_tau = 5.0, .mirostat_eta = 0.1, .dry_multiplier = 0.0, .dry_base = 1.75,         \
    .dry_allowed_length = 2, .dry_last_n = -1 })

/* cut_by values: 0 kept, CUT_MASKED for -inf/non-finite input, else
 * CUT_STAGE0 + position of the stage in the chain. */
enum { CUT_NONE = 0, CUT_MASKED = 1, CUT_STAGE0 = 2,
       CUT_UNLISTED = 255 /* a top-N step: not listed by the file (unknown, not cut) */ };

/* What a result of a top-N (sparse) step rests on (sampling/topn.h fills it;
 * all zero for a full vocabulary). Listed tokens carry the file's own p_raw;
 * a kept listed token's true final probability is p[id] * f, f in
 * [f_lo, f_hi] (1 when every unlisted token is cut). */
struct topn_bounds {
    int sparse;               /* 1: the fields below apply */
    int exact;                /* kept set and every final p decided by the file */
    int kept_exact;           /* which listed tokens are kept is decided */
    int tail_kept;            /* some unlisted tokens may survive the chain */
    uint8_t tail_cut_by;      /* the CUT_* code of the stage that cut them all, 0 if none */
    uint32_t n_listed;
    double tail_raw;          /* unknown mass, 1 - sum of the listed p (the file's) */
    double f_lo, f_hi;
    double retained_lo, retained_hi; /* raw mass kept (listed exact + unknown part) */
    unsigned open_stages;     /* bit k: stage k's result is unknown on this step (topn.c
                                 says why); final p are then only known to lie in [0, 1] */
    char why[224];            /* the first reason a result is an interval; "" if exact */
};

struct stage_report {
    enum stage_kind kind;
    uint32_t kept_in, kept_out;
    double mass_removed;      /* of the stage's input distribution (renormalised, after any earlier temperature) */
    double raw_mass_removed;  /* of the raw (T=1, unfiltered) distribution */
    int active;               /* 0 if the stage was a no-op by its parameter */
    unsigned decided;         /* DECIDED_* bits: what alone settled this stage's cut */
};

/* A system-mode decision that exact arithmetic would not take the same way
 * (stage_report.decided, chain_result.decided). */
enum {
    DECIDED_TIE = 1,          /* tie order among equal values picked the survivors */
    DECIDED_F32 = 2,          /* float32 rounding moved the boundary */
    DECIDED_OVERFLOW = 4      /* llama.cpp's bucket index overflows: it would mis-sort */
};

#define CHAIN_CUT_IDS 128 /* chain_result.cut_ids: the most a run remembers */
/* chain_top_rank's candidates (chain_result.tr_*), made by the run's
 * first pass (chain.c) and read by chain_rank.c: at most CHAIN_TR_TOP
 * rows, CHAIN_TR_CAP ids per list */
enum { CHAIN_TR_TOP = 512, CHAIN_TR_CAP = 4096 };

struct chain_result {
    uint32_t V;
    /* per token (flat arrays of V) */
    double *p_raw;     /* softmax of raw logits at T=1; 0 for masked */
    double *p;         /* final probability, 0 for cut tokens */
    uint8_t *cut_by;   /* CUT_* */
    /* survivors, ascending id order */
    int32_t *kept;
    uint32_t n_kept;
    /* stages */
    int n_stages;
    struct stage_report stages[CHAIN_MAX_STAGES];
    /* summary */
    uint32_t n_finite;             /* candidates entering the chain */
    uint32_t n_nan, n_posinf, n_neginf;
    double entropy_before;         /* nats, raw distribution */
    double entropy_after;          /* nats, final distribution (NaN after some CHAIN_WANT_DRAW runs: no draw reads it) */
    double retained_mass;          /* sum of p_raw over kept */
    double max_logit;              /* max finite raw logit */
    double lse_raw;                /* log-sum-exp of finite raw logits */
    int32_t argmax;                /* first max of raw logits, -1 if none */
    double effective_temperature;  /* after preset clamping */
    int greedy;                    /* temperature stage acted as greedy */
    int exact;                     /* the mode the result was computed in */
    int have_raw;                  /* p_raw, lse_raw, entropy_before and the masses
                                    * are computed (0 only under CHAIN_WANT_DRAW) */
    unsigned decided;              /* DECIDED_* of any stage */
    /* sum of p_raw over every token in id order (chain_raw_total): one
     * sequential V-long sum per step, shared by the settings run on it */
    double raw_total;
    int raw_total_set;
    /* > 0: p_raw holds the raw weights exp(z - max) not yet divided by
     * their sum raw_div (CHAIN_WANT_SCORES on the system emulation: most
     * steps read a few raw probabilities, not V); read through chain_raw_p
     * and chain_raw_total, which divide with the same IEEE bits. 0: p_raw
     * is the softmax (always so for every other caller). */
    double raw_div;
    int raw_full_used;             /* this run read every p_raw, lazy or not (chain.c's hint) */
    /* the raw softmax's sum of exp(z - max_logit) (p_raw = those weights
     * divided by it, the same quotients): 0 when unknown. For estimating
     * a token's weight without its exp (emu_account.c). */
    double raw_sum;
    double raw_sum8;               /* the same weights' sum in vm_exp_fdiv's order (the raw
                                    * pass's by-product, emu_fdiv_order_sum's bits over the
                                    * weights: torch's total at T 1), while p_raw holds them
                                    * (raw_div > 0); 0 when unknown */
    int raw_deferred;              /* raw_div is pending only until this run's emulation
                                    * has read the weights (chain_raw_settle divides) */
    char note[480];                /* e.g. vLLM temperature clamp; "; "-separated */
    struct topn_bounds topn;       /* top-N steps only (sampling/topn.h) */
    /* cut_n > 0: cut_by is cut_fill everywhere but at the ids cut_ids[0..cut_n)
     * (emu_trim's take_prefix left it so), so the next run resets those
     * instead of all V; 0: unknown. run() moves it to cut_prev (this run's
     * knowledge) and clears it: any other writer of cut_by sets it to 0
     * (the sanitizer build checks this at every partial reset: emu_cut.c). */
    uint32_t cut_n, cut_prev;
    uint8_t cut_fill;
    int32_t cut_ids[CHAIN_CUT_IDS];
    /* chain_top_rank's candidates, gathered by the run's first pass from
     * the logits for token tr_id (chain_ws.rank_hint; -1: none): tr_gt
     * tokens surely rank above it, tr_band[0..tr_nband) are the ones to
     * compare exactly, tr_top[0..tr_ntop) hold every token whose p_raw can
     * exceed tr_bound (chain.c). Owned; kept by a rerun (same step). */
    int32_t tr_id;
    uint32_t tr_gt, tr_ntop, tr_nband;
    double tr_bound;
    int32_t *tr_top, *tr_band;
    /* blk_ok: blk holds draw_blocks' prefix of p over the survivors
     * (draw.h: DRAW_BLOCK values a block, vm_block_sums' bits), formed by
     * this run in its division of p (a plain temperature keeping every
     * token, for a caller that draws: CHAIN_WANT_DRAW, SCORES); reset by
     * every run and by anything else writing p. Owned (V / DRAW_BLOCK + 2). */
    double *blk;
    int blk_ok;
};

/* Append "; "-separated text to r->note (truncated when full). */
void chain_note(struct chain_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int chain_result_init(struct chain_result *r, uint32_t V);
void chain_result_free(struct chain_result *r);

/* Scratch space, sized for V (one per thread). Stages work in raw logit
 * space: every cut is "keep tokens ranked at or before a boundary" in the
 * order (logit desc, id asc), which a positive temperature does not change;
 * only probabilities (q) depend on the temperature applied so far. */
struct chain_ws {
    uint32_t V;
    double *tmp;      /* scratch values */
    int32_t *idx;     /* scratch indices */
    int32_t *cand;    /* current candidates, ascending id (unless cand_iota) */
    int cand_iota;    /* 1: the candidates are 0..n-1 (every token, none cut
                       * yet) and cand[] is not written: the wide passes then
                       * run over the logits directly (cut.h cand_at) */
    int32_t *finite;  /* ids of finite logits of the last full run (for reruns) */
    uint32_t n_finite;
    uint32_t finite_iota_n; /* finite[0..n) holds 0..n-1 already (skip the refill) */
    /* q[id] proportional to the current distribution: p_raw while no
     * temperature has been applied (q_is_raw), else exp((z - zmax) / T). */
    double *q;
    int q_is_raw;
    int q_lazy;       /* q of the current candidates not computed yet (want
                       * CHAIN_WANT_DRAW: computed when a stage needs it) */
    int q_vec;        /* a lazy q after a temperature (its whole-array pass
                       * deferred): computed by vm_exp_shift's arithmetic, the
                       * bits that pass would have given */
    double T;         /* temperature applied so far (1 until the stage runs) */
    /* the first pass's prefilter (chain.c, when the first truncation is a
     * top-k or a min-p): pre_valid: pre_ids[0..pre_n) (ascending) are every
     * token with a logit at or above pre_at, the threshold the last step's
     * first cut left (chain_ws_pre_next; pre_thr: the next step's) */
    int32_t *pre_ids;
    uint32_t pre_n;
    int pre_valid;
    double pre_at, pre_thr;
    double S;         /* sum of q over current candidates, when S_valid */
    int S_valid;
    /* the stage context (chain_ws_set_context): tokens before this step,
     * oldest first, of which the first n_prompt are prompt tokens (vLLM
     * penalties tell prompt and output apart); position numbers the step
     * for per-position draws (XTC); seed seeds them. Not owned. */
    const int32_t *hist;
    uint32_t n_hist, n_prompt;
    const struct dry_breakers *breaker; /* DRY's sequence breakers (dry_breakers.h), or NULL */
    uint64_t position, seed;
    /* state carried over steps (mirostat's mu; chain_accept updates it) */
    double mu;
    int mu_set;
    /* what the caller reads (chain_want); CHAIN_WANT_ALL after init */
    int want;
    /* the share of recent runs that read every p_raw (an average over
     * about 8 runs, chain.c's note_raw_reads); from 1/8 on the raw division
     * is made eagerly. A lazy p_raw read in full costs a division per token
     * (about 150 us at V = 131072), an eager pass nobody reads about 20:
     * eager pays when about one run in 8 reads everything. Before, one full
     * read made every later run eager (on a peaked dump, 2047 of 2048). */
    double raw_full_rate;
    /* a caller's first pass already scanned these logits (eval: with its
     * clipping count, vm_scan_abs_gt): the next run on scan_z[0..scan_n)
     * takes scan_pre instead of its own vm_scan pass (a run with the first
     * cut's prefilter scans anyway); consumed (reset to NULL) by that
     * run's scan, whichever logits it has */
    const float *scan_z;
    uint32_t scan_n;
    struct vm_scan scan_pre;
    /* the token whose raw rank and the raw top list the caller will ask
     * for (chain_top_rank) after a CHAIN_WANT_ALL run: gathered in the
     * first pass (topn_run sets it to its recorded token); -1: none */
    int32_t rank_hint;
    /* this run's least logit when its first pass found it (vm_scan_rank,
     * every logit finite; NaN otherwise): the raw softmax's exp then knows
     * every lane's range (vm_exp_raw's bounds) */
    double scan_min;
    /* 1: take no shortcut in the system emulation (the whole-array path:
     * the differential test's and the bench's baseline), nor exact top-p's
     * walk without the candidate list (cut.c stage_seq_cut) */
    int reference;
    /* 1: the caller will read the step's raw total (chain_raw_total) of
     * this p_raw, on this result or on one sharing it (eval's later
     * settings: chain_reads_raw_total), so the run that divides p_raw sums
     * it in the same pass (chain_raw_settle_total) instead of another
     * V-long pass for it later. A hint for speed only: the same bits. */
    int raw_total_wanted;
    /* set by a run for its emulation only: the result's p still holds the
     * last run's values at every token (that run kept every token of this
     * V, so kept is 0..V-1 and every cut_by CUT_NONE): a path writing every
     * p leaves them, any other clears p first (emu_run) */
    int p_stale;
    /* system emulation scratch (emu.c), allocated on first use */
    void *emu;
};

/* What a run computes. ALL: everything in chain_result. DRAW: only what a
 * draw needs (p, kept, cut_by, n_kept, the notes and the stage counts): no
 * raw softmax pass, so p_raw is not written and lse_raw, entropy_before,
 * retained_mass and the stage masses are NaN (have_raw 0). For callers
 * that only draw (sample, generation). SCORES: everything but the stages'
 * removed masses (mass_removed may be NaN), a plain temperature's
 * retained_mass (NaN) and a greedy step's tie flag (decided), for eval's
 * scores. The kept
 * set, p and draws are the same in every mode. */
enum chain_want { CHAIN_WANT_ALL = 0, CHAIN_WANT_DRAW, CHAIN_WANT_SCORES };

/* Give the stages their context (see chain_ws): history is read, not
 * copied, and must stay valid while chain_run uses it. */
void chain_ws_set_context(struct chain_ws *ws, const int32_t *hist, uint32_t n_hist,
                          uint32_t n_prompt, uint64_t position, uint64_t seed);
/* DRY's sequence breakers (sampling/dry_breakers.h; not owned, NULL: none). */
void chain_ws_set_breakers(struct chain_ws *ws, const struct dry_breakers *breaker);
/* After a token is chosen from r: update carried state (mirostat's mu, from
 * the token's probability in r; a token r cut leaves it as it was).
 * Resetting: chain_ws_reset_state. */
void chain_accept(const struct chain *c, const struct params *p, struct chain_ws *ws,
                  const struct chain_result *r, int32_t token);
void chain_ws_reset_state(struct chain_ws *ws);
/* Stage k is in the chain and its parameters are not off. */
int chain_uses(const struct chain *c, const struct params *p, enum stage_kind k);
/* "exact" or the system's own arithmetic ("system"), for every output. */
/* The chain runs the exact reference (--exact, or any custom chain) rather
 * than a system's own arithmetic: the one test every mode decision uses. */
static inline int chain_is_exact(const struct chain *c) { return c->exact || c->preset == PRESET_CUSTOM; }
const char *chain_mode_name(const struct chain *c);
/* One line saying what the mode means. */
const char *chain_mode_text(const struct chain *c);
int chain_ws_init(struct chain_ws *ws, uint32_t V);
/* A first cut kept the logits at or above zb (a top-k: its k-th largest;
 * zmax the largest): the next step's prefilter threshold, a little below
 * (steps of one dump are alike; a threshold that lets too few through
 * only costs the usual pass). */
static inline void chain_ws_pre_next(struct chain_ws *ws, double zb, double zmax)
{
    double t = zb - 0.25 * (zmax - zb) - 0.01;
    ws->pre_thr = t > -1e30 && t < 1e30 ? t : (double)NAN;
}
/* The prefilter's list holds every token with a logit at or above zb. */
static inline int chain_ws_pre_covers(const struct chain_ws *ws, double zb)
{
    return ws->pre_valid && zb >= ws->pre_at;
}
void chain_ws_free(struct chain_ws *ws);
/* The V-long buffers a run of (c, p) on ws into r writes or may write:
 * the workspace's, the result's and, when that run goes through the
 * system emulation, its scratch (made here if it is not yet: LS_ELIMIT
 * when out of memory). Up to cap (start, bytes) pairs into out, *n their
 * number. For callers that fault them in before a first run (a fresh
 * page's first touch costs about 2 us on a VM: the explorer's background
 * does it in pieces, issue 9); nothing is read or written here. */
struct chain_span { void *p; size_t bytes; };
#define CHAIN_SPANS_MAX 24
int chain_buffers(const struct chain *c, const struct params *p, struct chain_ws *ws, struct chain_result *r,
                  struct chain_span *out, size_t cap, size_t *n);
/* The other way, for a caller that frees a run a buffer at a time (the
 * explorer in a script: giving 40 MiB of pages back in one free costs
 * 2-5 ms here, issue 9's slices): the V-long buffers of ws and r (either
 * may be NULL) that exist now, the emulation scratch's too; nothing is
 * made. chain_free_buf frees the one at p (1; 0: not theirs) and forgets
 * it, so chain_ws_free / chain_result_free later free only the rest. */
void chain_owned_spans(const struct chain_ws *ws, const struct chain_result *r, struct chain_span *out, size_t cap,
                       size_t *n);
int chain_free_buf(struct chain_ws *ws, struct chain_result *r, const void *p);

/* Presets and names (presets.c, stage.c, chain_parse.c). Messages name the
 * thing ("unknown stage 'x'"); callers add their context ("--chain: "). */
void chain_preset(struct chain *c, enum preset p);
const char *preset_name(enum preset p);          /* "hf", "llama.cpp", "vllm", "custom" */
const char *stage_name(enum stage_kind k);       /* "temperature", "top-k", "top-p", "min-p" */
/* Parse "hf" | "llama.cpp" | "vllm" | a comma-separated stage list (stage
 * names or aliases temp,k,p,min_p ...; see params_table.h). A list gets
 * hf's tie rules (preset "custom"). */
int chain_parse(const char *s, struct chain *c, struct ls_error *err);
/* Render order as "temperature,top-k,..." into buf. */
void chain_format(const struct chain *c, char *buf, size_t bufsz);
/* Render preset and order in the shorthand "llama.cpp k>p>m>T". */
void chain_format_short(const struct chain *c, char *buf, size_t bufsz);
/* The cut_by label: "temperature", ..., "masked", or NULL when kept. */
const char *chain_cut_name(const struct chain_result *r, uint8_t cut_by);
/* A system's defaults: its chain (order and tie rules) into c and its
 * default values into p (either may be NULL). The one place the command
 * line's --defaults and the explorer's :defaults get them from. */
int chain_defaults(const char *system, struct chain *c, struct params *p, struct ls_error *err);
/* Default parameter values only: chain_defaults(system, NULL, p, err). */
int params_defaults(const char *system, struct params *p, struct ls_error *err);
/* Validate ranges (params_table.c); the message names the parameter. */
int params_check(const struct params *p, struct ls_error *err);

/* Run the chain over logits[0..V). NaN and +inf are treated as masked and
 * counted (callers decide whether that is an error before calling). Returns
 * LS_EDATA if no finite logit exists. */
int chain_run(const struct chain *c, const struct params *p, const float *logits,
              uint32_t V, struct chain_ws *ws, struct chain_result *r,
              struct ls_error *err);

/* Same as chain_run on the same logits as the previous chain_run/chain_rerun
 * on r (only chain or params changed): reuses the raw softmax, entropy and
 * counts, skipping one exp per token. The explorer uses this per keypress. */
int chain_rerun(const struct chain *c, const struct params *p, const float *logits,
                uint32_t V, struct chain_ws *ws, struct chain_result *r,
                struct ls_error *err);

/* The sum of p_raw over every token, in id order (the retained mass when
 * every token survives), computed once per step; NaN without the raw pass. */
double chain_raw_total(struct chain_result *r);
/* Whether a run of (c, p) with the raw softmax reads the step's raw total:
 * it keeps every token on the fast path, whose finish reports the raw
 * mass retained (a guess for speed: chain_ws.raw_total_wanted). */
int chain_reads_raw_total(const struct chain *c, const struct params *p);

/* p_raw of token i: p_raw[i], divided by raw_div when that is pending
 * (the quotient vm_divide would have stored). */
static inline double chain_raw_p(const struct chain_result *r, uint32_t i)
{
    return r->raw_div > 0 ? r->p_raw[i] / r->raw_div : r->p_raw[i];
}

/* Forget what is known of p_raw's summary (its totals, a pending division):
 * for a new step, or when p_raw is rewritten with other numbers. The one
 * place that lists those fields, so a new one is cleared everywhere. */
static inline void chain_raw_forget(struct chain_result *r)
{
    r->raw_total_set = 0;
    r->raw_div = 0;
    r->raw_sum = r->raw_sum8 = 0;
    r->raw_deferred = 0;
}

/* Divide a p_raw whose division a CHAIN_WANT_ALL run deferred (raw_deferred)
 * now: the quotients chain_raw_p gave; raw_div 0 after. A p_raw left lazy
 * for its readers (CHAIN_WANT_SCORES) stays as it is. */
void chain_raw_settle(struct chain_result *r);
/* The same, and the step's raw total (chain_raw_total) in the same pass,
 * for a run that reads it (every token kept). */
void chain_raw_settle_total(struct chain_result *r);

/* The sum of chain_raw_p over every token but skip (-1: none), in id order. */
double chain_raw_sum_except(struct chain_result *r, int64_t skip);

/* out[i] = chain_raw_p(r, i) for every i < r->V. */
void chain_raw_normalised(struct chain_result *r, double *out);
/* The same, and the step's raw total (chain_raw_total) in the same pass
 * (vm_divide_sum: the same quotients, the same sum), for a run that reads
 * both (one keeping every token: a sweep's T = 1 row after a row that
 * left p_raw's division pending). */
void chain_raw_normalised_total(struct chain_result *r, double *out);

/* Make dst a result on which chain_rerun may run for the logits src was
 * last run on (with the same chain_ws): copy the raw softmax, the counts
 * and the masked tokens' cut_by. For keeping several settings' results of
 * one step at once (eval's step workers) without a second exp pass. */
void chain_result_copy_raw(struct chain_result *dst, const struct chain_result *src);

/* Rank (1-based, by p_raw descending then id ascending) of a token. */
uint32_t chain_rank(const struct chain_result *r, int32_t id);

/* The n tokens with the highest p_raw (ties: lower id first), in order.
 * Uses a bounded heap: O(V log n). `out` holds n ids; returns count written. */
uint32_t chain_top_raw(const struct chain_result *r, uint32_t n, int32_t *out);

/* Both at once, as chain_top_raw(r, n, out) and *rank = chain_rank(r, id)
 * give them, in one pass over p_raw (the explorer's per-step needs). */
uint32_t chain_top_rank(const struct chain_result *r, uint32_t n, int32_t *out, int32_t id, uint32_t *rank);

/* Drawing a token from the result: sampling/draw.h. */

#endif
