/* eval_impl.h: internal state shared by eval.c and the evaluator modules
 * (core/eval/eval_*.c). Not for use outside core/eval. Each module owns its
 * block of fields in struct eval_acc; eval.c owns the rest and the run. */
#ifndef LS_EVAL_IMPL_H
#define LS_EVAL_IMPL_H

#include "eval/eval.h"
#include "base/rng.h"
#include "eval/eval_ppl.h"
#include "sampling/draw.h"

struct eval_acc {
    struct eval_settings set;
    /* the chain's carried state along the recorded tokens (mirostat's mu),
     * swapped into the worker's chain_ws around this setting's run, only
     * when the chain has one (carry): a setting without mirostat runs on
     * several step workers at once, which must not touch a shared mu */
    double mu;
    int mu_set, carry;
    struct eval_scores sc;
    int32_t *tokens;             /* n_samples x n_steps */
    /* per-step series */
    double *s_nll_raw, *s_p_chain, *s_entropy, *s_kept;
    uint32_t *s_clipped;
    /* perplexity */
    struct eval_ppl ppl;
    /* cut / top-1 / entropy / kept */
    uint32_t n_cut, n_top1, n_steps_seen;
    double ent_sum, ent_raw_sum, kept_sum;
    /* clipping */
    uint64_t n_clip, n_checked;
    uint32_t n_clip_steps;
    /* json / regex */
    uint32_t n_json_valid, n_json_keys, n_regex, n_text_samples;
    uint32_t *json_brk;          /* n_steps: invalid continuations that break at that step */
    uint32_t n_json_incomplete;  /* invalid ones that are a valid prefix (end too early) */
    /* diversity (eval_diversity.c): its finish's progress between pieces
     * (finish_part). seen and own are freed by eval_run_free (EVAL_ACC_ARRAYS) when a run is
     * freed in the middle of it. */
    struct eval_div {
        int begun;
        uint32_t i;                  /* continuations counted so far */
        uint64_t *seen;              /* V / 64 + 1 words: the ids seen */
        uint64_t *tab, *own;         /* the bigram set (key + 1, 0 empty); own: tab
                                        when made here, NULL when the run's bigram_tab */
        size_t cap, n;               /* its slots, its keys */
        /* the last setting's table (cap spare_cap), handed on by its finish
         * for this one's to clear and reuse: a sweep's settings share one
         * table's pages instead of faulting in a fresh one each (8 MiB at N
         * 200, 2048 steps: ~2000 page faults a setting). Freed by acc_free. */
        uint64_t *spare;
        size_t spare_cap;
        uint64_t agree, rec, d1, d2;
    } div;
    /* reference (eval_reference.c): exact, contains-all, F1, ROUGE-L sums */
    double ref_sum[4];
    /* external */
    /* running mean (not a sum: 1e308 twice would overflow to inf) */
    double ext_mean[EVAL_MAX_EXT], ext_min[EVAL_MAX_EXT], ext_max[EVAL_MAX_EXT];
    uint32_t ext_n[EVAL_MAX_EXT];
};

/* Per-thread scratch. eval_run_step uses w[0] with one result that every
 * setting of the step reuses in turn (run, score, draw, next setting). The
 * step workers of eval_source (eval_steps.c) hold one result per setting,
 * because a step is computed first and scored later, in step order. */
struct eval_worker {
    struct eval_run *run;
    struct chain_ws ws;
    int batch;                   /* 1: step worker (every setting computed, then committed) */
    struct chain_result *res;    /* n_res results */
    size_t n_res;                /* 1, or one per setting (batch) */
    double *cdf;                 /* n_res x V exact prefix sums, when a draw needs them */
    double *pre;                 /* n_res x draw_blocks_len(V) block prefixes for the draws */
    struct draw_blocks *dk;      /* step workers: setting k's, built with its chain (the
                                  * CDF depends on the result alone, so it is built while
                                  * the result is hot, not in the serial scoring turn) */
    float *z;                    /* step workers: the step read (V floats); NULL otherwise */
    /* the step's N uniforms, drawn when the step is taken (in step
     * order: eval_step_uniforms); step workers: each setting's N tokens
     * drawn with them while its result is hot (n_res x N), which the
     * commit stores (NULL otherwise) */
    double *u;
    int32_t *tok;
    struct step_info si;         /* step workers: its info */
    /* the step being processed */
    uint32_t step;
    uint32_t n_over;             /* the step's logits beyond the clip threshold */
    const float *logits;
    const struct step_info *info;
    struct ls_error err;
};

/* A worker's own arrays and a setting's accumulator's, each with its size
 * in bytes (0: small, freed whole): the one list eval_run_free frees and
 * eval_release.c gives back a piece at a time (X(field, bytes)). V and N:
 * the run's V and n_samples, S its steps. */
#define EVAL_WORKER_ARRAYS(X, w, V, N) X((w)->cdf, (w)->n_res * (V) * sizeof *(w)->cdf) \
    X((w)->pre, (w)->n_res * draw_blocks_len((uint32_t)(V)) * sizeof *(w)->pre) X((w)->z, (V) * sizeof *(w)->z) \
    X((w)->u, (N) * sizeof *(w)->u) X((w)->tok, (w)->n_res * (N) * sizeof *(w)->tok) X((w)->dk, 0)
#define EVAL_ACC_ARRAYS(X, a, N, S) X((a)->tokens, (size_t)(N) * (S) * sizeof *(a)->tokens) X((a)->s_nll_raw, 0) \
    X((a)->s_p_chain, 0) X((a)->s_entropy, 0) X((a)->s_kept, 0) X((a)->s_clipped, 0) X((a)->json_brk, 0) \
    X((a)->div.seen, 0) X((a)->div.own, (a)->div.cap * sizeof *(a)->div.own) \
    X((a)->div.spare, (a)->div.spare_cap * sizeof *(a)->div.spare)

/* eval.c: batch workers' results share the first one's p_raw; the shared
 * copies are forgotten so that it is freed (or listed) once */
void eval_worker_unshare(struct eval_worker *w);

/* eval.c, for eval_steps.c: allocate a worker (batch: a step worker, with
 * a result per setting and its own step buffer), run every setting's chain on the worker's step (after
 * the non-finite check), then score and draw it (in step order). */
int eval_worker_init(struct eval_run *r, struct eval_worker *w, int batch);
int eval_step_compute(struct eval_run *r, struct eval_worker *w);
/* A worker's uniforms for the step it takes (called in step order): one
 * from each of the run's N streams, as a draw would take it; every
 * setting's draws of the step use them (eval_run.g) */
void eval_step_uniforms(struct eval_run *r, struct eval_worker *w);
void eval_step_commit(struct eval_run *r, struct eval_worker *w);
/* the recorded token of a step as the run keeps it (-1: none or out of range) */
int32_t eval_recorded(const struct eval_run *r, int32_t tok);

#define EVAL_MAX_THREADS 8

struct eval_run {
    const struct source *src;
    uint32_t V, n_steps, steps_done;
    struct eval_config cfg;
    size_t n_set;
    struct eval_acc *acc;
    /* the N continuation streams, one set for every setting: each setting
     * starts them at the run's seed and draws exactly one uniform from
     * each a step (eval.h), so the settings' streams would never part */
    struct rng *g;
    struct eval_worker w[EVAL_MAX_THREADS + 1];   /* w[0]: eval_run_step; w[1..]: step workers */
    int32_t *rec;                /* recorded token per step, -1 if none */
    struct dry_breakers *breakers;  /* DRY's, when a setting uses DRY (owned) */
    void *state[EVAL_MAX_EVALUATORS];   /* evaluator e's init state */
    /* end-of-generation token ids (texts in cfg.stop / the defaults) */
    int32_t stop_ids[EVAL_MAX_STOP_IDS];
    int n_stop_ids;
    int finished;
    /* the finish of the setting under way (eval_run_finish_part): fin_k,
     * the continuations whose texts went through the sample evaluators
     * (fin_i), the evaluator whose finish is next or under way (fin_e);
     * fin_buf the text buffer, kept between pieces */
    int fin_busy;
    size_t fin_k;
    uint32_t fin_i;
    int fin_e;
    char *fin_buf;
    size_t fin_cap;
    /* eval_run_release's big buffer whose pages go back in pieces, and
     * how far */
    uintptr_t rel_at;
    size_t rel_off;
    /* the diversity evaluator's bigram table, made with the run when it is
     * small (EVAL_BIGRAM_PREMADE): its first touch is then the run's
     * buffers' (eval_run_buffers: the explorer faults them in a piece at a
     * time), not one finish's (1 MiB of fresh pages at N 200, 256 steps:
     * 5-8 ms here); NULL: the finish makes its own. Used by one finish at
     * a time (the settings finish in turn). */
    uint64_t *bigram_tab;
    size_t bigram_cap;
    /* some setting reads the step's raw total (chain_reads_raw_total: a
     * sweep's T = 1 row): every worker's chain_ws.raw_total_wanted */
    int raw_total_read;
};

/* The bigram table's capacity for n2 bigrams (eval_diversity.c): a power
 * of two at least twice them, their number capped at 2^24 (the table
 * grows past that). */
static inline size_t eval_bigram_cap(size_t n2)
{
    size_t expect = n2 < ((size_t)1 << 24) ? (n2 ? n2 : 1) : ((size_t)1 << 24), cap = 16;
    while (cap < expect * 2) cap *= 2;
    return cap;
}
#define EVAL_BIGRAM_PREMADE ((size_t)4 << 20)   /* bytes */

/* 1 if tok ends a continuation (an end-of-generation token). Inline here:
 * eval.c and the evaluators both ask, and evaluators never call eval.c. */
static inline int eval_stop_token(const struct eval_run *r, int32_t tok)
{
    for (int j = 0; j < r->n_stop_ids; j++) if (tok == r->stop_ids[j]) return 1;
    return 0;
}

/* eval_external.c: run one command on one text; *score receives the number. */
int eval_external_run(const char *name, const char *command, const char *text, size_t len,
                      double timeout, uint32_t sample, double *score, struct ls_error *err);

extern const struct evaluator eval_perplexity, eval_cut, eval_clipping, eval_json,
    eval_regex, eval_diversity, eval_reference, eval_ext;

#endif
