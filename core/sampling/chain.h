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
#include "base/status.h"

enum stage_kind {
    STAGE_TEMPERATURE = 0,
    STAGE_TOP_K,
    STAGE_TOP_P,
    STAGE_MIN_P,
    STAGE__COUNT
};

enum preset { PRESET_HF = 0, PRESET_LLAMACPP, PRESET_VLLM, PRESET_CUSTOM, PRESET__COUNT };

enum topk_ties { TIES_KEEP = 0, TIES_BY_ID };

#define CHAIN_MAX_STAGES 8

struct chain {
    enum preset preset;           /* PRESET_CUSTOM for a user LIST */
    int n;                        /* stages in order[] */
    enum stage_kind order[CHAIN_MAX_STAGES];
    enum topk_ties topk_ties;
    double greedy_below;          /* T below this (and T <= 0) is greedy */
    double temp_floor;            /* 0 < T < temp_floor is raised to it (vLLM) */
};

struct params {
    double temperature;  /* >= 0; 1 = off */
    int32_t top_k;       /* >= 0; 0 = off */
    double top_p;        /* (0, 1]; 1 = off (0 keeps the top token) */
    double min_p;        /* [0, 1]; 0 = off */
};

#define PARAMS_OFF ((struct params){1.0, 0, 1.0, 0.0})

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
    char why[112];            /* the first reason a result is an interval; "" if exact */
};

struct stage_report {
    enum stage_kind kind;
    uint32_t kept_in, kept_out;
    double mass_removed;      /* of the stage's input distribution (renormalised, after any earlier temperature) */
    double raw_mass_removed;  /* of the raw (T=1, unfiltered) distribution */
    int active;               /* 0 if the stage was a no-op by its parameter */
};

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
    double entropy_after;          /* nats, final distribution */
    double retained_mass;          /* sum of p_raw over kept */
    double max_logit;              /* max finite raw logit */
    double lse_raw;                /* log-sum-exp of finite raw logits */
    int32_t argmax;                /* first max of raw logits, -1 if none */
    double effective_temperature;  /* after preset clamping */
    int greedy;                    /* temperature stage acted as greedy */
    char note[160];                /* e.g. vLLM temperature clamp */
    struct topn_bounds topn;       /* top-N steps only (sampling/topn.h) */
};

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
    int32_t *cand;    /* current candidates, ascending id */
    int32_t *finite;  /* ids of finite logits of the last full run (for reruns) */
    uint32_t n_finite;
    /* q[id] proportional to the current distribution: p_raw while no
     * temperature has been applied (q_is_raw), else exp((z - zmax) / T). */
    double *q;
    int q_is_raw;
    double T;         /* temperature applied so far (1 until the stage runs) */
    double S;         /* sum of q over current candidates, when S_valid */
    int S_valid;
};
int chain_ws_init(struct chain_ws *ws, uint32_t V);
void chain_ws_free(struct chain_ws *ws);

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

/* Rank (1-based, by p_raw descending then id ascending) of a token. */
uint32_t chain_rank(const struct chain_result *r, int32_t id);

/* The n tokens with the highest p_raw (ties: lower id first), in order.
 * Uses a bounded heap: O(V log n). `out` holds n ids; returns count written. */
uint32_t chain_top_raw(const struct chain_result *r, uint32_t n, int32_t *out);

/* Drawing a token from the result: sampling/draw.h. */

#endif
