/* eval.h: evaluator scores for a dump under sampler settings.
 *
 * An evaluation run reads each step of a source once and, for every setting
 * it was created with (one for `eval`, one per row for `sweep`), runs the
 * chain, accumulates per-step statistics (perplexity, cut rate, top-1
 * agreement, entropy, kept count, logit clipping) and draws one token of each
 * of N continuations: the N continuations advance in parallel, one token per
 * step from that step's final distribution. After the last step the
 * sample-based evaluators (JSON validity, regex, diversity, agreement with
 * the recorded text, external commands) run over the N continuations.
 *
 * Continuations are per-step draws given the recorded context: a dump holds
 * the distributions along the recorded text only and cannot tell what the
 * model would have produced after a different token.
 *
 * Determinism: continuation i draws from its own xoshiro256** stream, seeded
 * (SplitMix64, rng.h) with the i-th output of a xoshiro256** stream seeded
 * with the run's seed. Every setting restarts the same N streams, so sweep
 * rows differ only by their parameters (common random numbers). Each stream
 * consumes exactly one uniform per step, also at greedy steps. The draw is
 * chain_sample's inverse CDF (survivors in ascending id order, in double),
 * done by binary search over a prefix sum built once per step: the same
 * token chain_sample would return for the same uniform.
 *
 * Evaluators live in core/eval/eval_*.c, one module each, listed in the registry
 * eval_registry[] with their name, the JSON keys they produce and their
 * definition (printed by `eval --help`, copied in docs/EVALUATORS.md).
 *
 * Use (headless or from a background thread of the explorer):
 *
 *   struct eval_config cfg; eval_config_init(&cfg); cfg.n_samples = 200;
 *   struct eval_settings set = { chain, params };
 *   struct eval_run *run;
 *   eval_run_new(src, &cfg, &set, 1, &run, &err);
 *   for (step = 0; step < src->n_steps; step++) {      // cancellable here
 *       source_read_step(src, step, logits, &info, &err);
 *       eval_run_step(run, logits, &info, &err);
 *   }
 *   eval_run_finish(run, &cancel_flag, &err);
 *   const struct eval_scores *sc = eval_run_scores(run, 0);
 *   eval_run_free(run);
 * or eval_source() for the whole pass. A run owns its buffers; nothing it
 * returns points into the source except through src->vocab while the
 * source is open. Scores that cannot be computed (no recorded tokens, no
 * vocabulary, option not given) are NaN and print as JSON null.
 */
#ifndef LS_EVAL_H
#define LS_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sampling/chain.h"
#include "input/source.h"
#include "base/status.h"

#define EVAL_MAX_EXT 8
#define EVAL_MAX_KEYS 32
#define EVAL_JSON_BREAKS 8     /* steps listed in json_breaks */
#define EVAL_MAX_STOP 16
#define EVAL_MAX_STOP_IDS 64
#define EVAL_DEFAULT_N 200u
#define EVAL_MAX_N 100000u
#define EVAL_DEFAULT_CLIP 1e4
#define EVAL_DEFAULT_TIMEOUT 10.0
/* Continuation tokens held in memory: N x steps x settings (int32 each). */
#define EVAL_MAX_TOKENS (64u << 20)

struct eval_external {
    const char *name;        /* JSON key: [A-Za-z0-9_-], not a built-in key */
    const char *command;     /* run as /bin/sh -c COMMAND, sample text on stdin */
};

struct eval_config {
    uint64_t seed;
    uint32_t n_samples;          /* N continuations */
    double clip_threshold;       /* |logit| above this counts as clipped */
    int allow_nonfinite;         /* 0: NaN / +inf logits are an error */
    /* the caller's words for how to allow them, appended to that error
     * ("--allow-nonfinite treats them as masked" on the command line);
     * NULL: nothing. Core names no option itself. */
    const char *nonfinite_hint;
    const char *regex;           /* POSIX ERE, NULL = off */
    const char *json_keys;       /* "a,b": required top-level keys, NULL = off */
    struct eval_external ext[EVAL_MAX_EXT];
    int n_ext;
    double ext_timeout;          /* seconds per external call */
    const char *timeout_hint;    /* the caller's name for that limit, added to
                                    a timeout error ("--evaluator-timeout");
                                    NULL: nothing */
    /* end-of-generation token texts: a continuation's text ends before the
     * first of these (real generation stops there). n_stop < 0: the
     * defaults (eval_default_stops); 0: none. */
    const char *stop[EVAL_MAX_STOP];
    int n_stop;
    /* eval_source's step workers: 0 = 1, -1 = up to one per CPU, as
     * many as the computes keep busy (step_pipe_run_auto); at most
     * EVAL_MAX_THREADS (8), fewer when the settings' results for that many
     * steps in flight would pass EVAL_PIPE_MEMORY, and 1 when a setting
     * carries state from step to step (mirostat's mu). Each worker reads
     * and runs whole steps (every setting from one read, the first setting's
     * raw softmax reused by the others); scores and draws are applied in
     * step order, so results do not depend on it (eval_steps.c). */
    int threads;
    /* the reference answer and expected items of the text being judged (a
     * dataset row's; eval_reference.c); NULL / 0: none, their scores NaN.
     * Borrowed: they must outlive the run. */
    const char *reference;
    const char *const *expected;
    int n_expected;
    /* extra "NAME=VALUE" strings added to external commands' environment
     * (NULL-terminated; NULL: none); the dataset runner passes the row's id
     * and reference this way. Borrowed. */
    const char *const *ext_env;
    /* DRY's sequence breaker strings (sampling/dry_breakers.h), processed
     * over the source's vocabulary when a setting uses DRY; NULL: llama.cpp's
     * defaults. Borrowed. */
    const char *const *dry_breakers;
    int n_dry_breakers;
};

/* "</s>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", ... NULL-terminated. */
extern const char *const eval_default_stops[];

void eval_config_init(struct eval_config *c);

struct eval_settings {
    struct chain chain;
    struct params params;
};

/* Scores of one setting. NaN = not available. */
struct eval_scores {
    int approximate;             /* a top-N step's chain result was bounded, not exact */
    int post_sampling;           /* the file holds post-sampling probabilities */
    uint32_t n_topn;             /* top-N (sparse) steps evaluated */
    uint32_t n_topn_bounded;     /* of those, with a chain result the unknown tail leaves open */
    uint32_t n_steps;
    uint32_t n_samples;
    uint32_t n_recorded;         /* steps with a recorded token */
    uint32_t n_raw_masked;       /* recorded tokens masked (-inf) in the raw logits */
    /* perplexity (eval_perplexity.c) */
    double perplexity_raw, perplexity_raw_se;
    double nll_raw_nats, nll_raw_bits;
    double bits_per_byte;        /* NaN unless every recorded token's bytes are known */
    uint64_t recorded_bytes;
    double perplexity_chain;     /* over the recorded tokens the chain keeps */
    double nll_chain_nats, nll_chain_bits;
    uint32_t n_uncut;
    uint32_t n_chain_unknown;    /* recorded tokens whose final p is unknown (top-N, not listed) */
    /* chain statistics (eval_cut.c) */
    double cut_rate;             /* share of recorded tokens with p = 0 under the chain */
    uint32_t n_cut;
    double top1_agreement;
    double mean_entropy_nats;    /* final distribution */
    double mean_entropy_raw_nats;
    double mean_kept;
    /* clipping (eval_clipping.c) */
    double clipping_rate;
    uint64_t n_clipped, n_logits_checked;
    uint32_t n_clipped_steps;
    /* sampled continuations (eval_json.c, eval_regex.c, eval_diversity.c) */
    int texts_known;             /* 1 if the source has a vocabulary */
    uint64_t n_unknown_text;     /* sampled tokens with no text ("<id N>" used) */
    double json_valid_share, json_valid_ci[2];
    uint32_t n_json_valid;
    double json_keys_share, json_keys_ci[2];
    uint32_t n_json_keys;
    /* where the invalid continuations break (eval_json.c): the step whose
     * token first makes the text impossible to complete as JSON, for the
     * EVAL_JSON_BREAKS steps where most break (most first, ties: earlier
     * step); the rest are a valid beginning that ends too early */
    uint32_t n_json_breaks;
    uint32_t json_break_step[EVAL_JSON_BREAKS], json_break_n[EVAL_JSON_BREAKS];
    uint32_t n_json_broken;      /* invalid continuations with a breaking step */
    uint32_t n_json_incomplete;
    double regex_match_share, regex_match_ci[2];
    uint32_t n_regex_match;
    double distinct_1, distinct_2;
    double recorded_agreement;
    /* reference-based, lexical (eval_reference.c) */
    double ref_exact_match, ref_contains_all, ref_token_f1, ref_rouge_l;
    /* external evaluators (eval_external.c), in config order */
    double ext_mean[EVAL_MAX_EXT], ext_min[EVAL_MAX_EXT], ext_max[EVAL_MAX_EXT];
};

struct eval_run;

int eval_run_new(const struct source *src, const struct eval_config *cfg,
                 const struct eval_settings *set, size_t n_set,
                 struct eval_run **out, struct ls_error *err);
/* Feed the next step (steps in order 0, 1, ...). logits: V floats as read by
 * source_read_step; info: its step_info. Runs the chain of every setting. */
int eval_run_step(struct eval_run *r, const float *logits, const struct step_info *info,
                  struct ls_error *err);
/* The same a setting at a time (k = 0 .. n_set - 1 in turn, with the same
 * logits and info, which must stay valid until the last; the last one
 * completes the step): eval_run_step is these in turn, so a caller that
 * must stay responsive (the explorer's sweep) can stop between settings. */
int eval_run_step_set(struct eval_run *r, const float *logits, const struct step_info *info, size_t k,
                      struct ls_error *err);
/* The big buffers the run writes (eval_run_step_set: its chain
 * workspace, each setting's result, the draws' prefix sums; the finish's
 * bigram table when the run made it), each once:
 * up to cap spans into out, *n their number; LS_ELIMIT when a setting's
 * emulation scratch could not be made (sampling/chain.h chain_buffers).
 * For a caller that faults them in ahead of the first step, a piece at a
 * time (the explorer in a script: issue 9's slices). */
int eval_run_buffers(struct eval_run *r, struct chain_span *out, size_t cap, size_t *n);
/* After the last step: the sample-based evaluators. `cancel` (may be NULL)
 * is polled between samples; a set flag returns LS_EINTERNAL "cancelled". */
int eval_run_finish(struct eval_run *r, const volatile int *cancel, struct ls_error *err);
/* The same for setting k alone (the settings in order 0, 1, ...; the last
 * one finishes the run): eval_run_finish is these in turn, so a caller
 * that must stay responsive (the explorer's dataset table) can stop
 * between settings. */
int eval_run_finish_set(struct eval_run *r, size_t k, const volatile int *cancel, struct ls_error *err);
/* The same in pieces, for a caller with a time budget (the explorer's
 * slices, issue 9): at least one piece a call (a continuation's text and
 * sample evaluators, an evaluator's finish, or a share of the diversity
 * evaluator's bigram counting), then it stops once clock_ns() (base/clock.h)
 * reaches deadline_ns (<= 0: never). *more is 1 while setting k's finish
 * goes on (call again with the same k), 0 once it is done: the same scores,
 * bit for bit, as eval_run_finish_set (which is this with no deadline). A
 * setting's finish once begun must end before the next one's begins. */
int eval_run_finish_part(struct eval_run *r, size_t k, int64_t deadline_ns, const volatile int *cancel, int *more,
                         struct ls_error *err);
const struct eval_scores *eval_run_scores(const struct eval_run *r, size_t set);
/* Continuation tokens of a setting: n_samples x n_steps, row-major. */
const int32_t *eval_run_tokens(const struct eval_run *r, size_t set);
/* Per-step arrays of a setting (n_steps each; NaN where not applicable):
 * raw NLL of the recorded token, its probability under the chain, final
 * entropy (nats), kept count, clipped logits. */
struct eval_step_series {
    const double *nll_raw, *p_chain, *entropy, *kept;
    const uint32_t *clipped;
};
void eval_run_series(const struct eval_run *r, size_t set, struct eval_step_series *out);
void eval_run_free(struct eval_run *r);
/* A run's big buffers (its workers' chain workspaces and results, the
 * draws' prefix sums, the continuations, the bigram table) given back in
 * pieces, highest address first: a large one's pages 1 MiB at a time, then
 * its free; until clock_ns() reaches deadline_ns (at least one piece a
 * call; <= 0: all). 1 when none is left (eval_run_free then frees the
 * little rest at once), 0 while some are. For a caller that must not spend
 * one free's 2-5 ms of unmapping at V = 262144 in one go (the explorer in
 * a script; eval_release.c says why this order). The run is no use after
 * the first call but to this and eval_run_free. */
int eval_run_release(struct eval_run *r, int64_t deadline_ns);

/* The whole pass over src (reads every step, then finishes), on
 * cfg->threads step workers. cancel may be NULL. Errors name the file and
 * step; with several workers, the first failing step in step order is the
 * one reported, as a single pass would. */
int eval_source(struct source *src, const struct eval_config *cfg,
                const struct eval_settings *set, size_t n_set, const volatile int *cancel,
                struct eval_run **out, struct ls_error *err);

/* Wilson score interval for k successes in n trials at 95% (z = 1.959964). */
void eval_wilson(uint32_t k, uint32_t n, double ci[2]);

/* The registry. Each evaluator is a descriptor; eval.c owns the loop and
 * calls evaluators only through it: init once per run (its state slot),
 * step per step of every setting, sample per continuation, finish per
 * setting, free once per run. An evaluator owns its block of fields in
 * struct eval_acc (eval_impl.h) and its own state; it calls nothing in
 * eval.c. */
struct eval_acc;
struct eval_step_view {
    uint32_t step;
    const float *logits;
    const struct step_info *info;
    const struct chain_result *res;
    uint32_t V;
    double clip_threshold;
    const struct vocab *vocab;   /* may be NULL */
    uint32_t n_over;             /* finite logits with |z| > clip_threshold (once per step) */
};
/* The config option an evaluator's init checks (eval_config_check says
 * which one failed, so the caller names it its own way). */
enum eval_field { EVAL_FIELD_NONE = 0, EVAL_FIELD_N, EVAL_FIELD_REGEX, EVAL_FIELD_JSON_KEYS };
struct evaluator {
    const char *name;            /* "perplexity" */
    const char *keys;            /* JSON keys it produces, space-separated */
    const char *definition;      /* one paragraph, plain text */
    int field;                   /* enum eval_field its init checks */
    /* once per run, before the first step: *state (NULL before) receives
     * what the evaluator derives from the config. Errors say what is wrong
     * without naming a command-line option. NULL: no state. */
    int (*init)(const struct eval_config *cfg, void **state, struct ls_error *err);
    /* releases what init made (state may be NULL) */
    void (*free)(void *state);
    /* per step of every setting (NULL: none) */
    void (*step)(struct eval_acc *a, const struct eval_step_view *v);
    /* per continuation, with its text (NULL: none); called only when the
     * source has a vocabulary */
    int (*sample)(const void *state, const struct eval_run *r, struct eval_acc *a, uint32_t i,
                  const char *text, size_t len, struct ls_error *err);
    /* after the last step / sample: fill the scores */
    int (*finish)(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err);
    /* the same in pieces (NULL: finish is one piece; eval_run_finish_part
     * takes this one when both are set, a caller without a budget may call
     * finish): at least one piece a call, none begun once clock_ns()
     * reached deadline_ns (<= 0: never); *more 1 until the scores are
     * filled. Its progress lives in its block of struct eval_acc. */
    int (*finish_part)(const void *state, const struct eval_run *r, struct eval_acc *a, int64_t deadline_ns,
                       int *more, struct ls_error *err);
};
extern const struct evaluator *const eval_registry[];
#define EVAL_MAX_EVALUATORS 16

/* Check a config before a run (the checks eval_run_new makes): usage
 * errors say what is wrong without naming an option; *field (may be NULL)
 * receives the enum eval_field at fault, for the caller's context
 * (`--regex: ` on the command line). */
int eval_config_check(const struct eval_config *cfg, int *field, struct ls_error *err);

/* Keys reserved by the built-in evaluators (and the document), for
 * checking external evaluator names. */
int eval_key_reserved(const char *name);
/* Whether name may be the next external evaluator's key in cfg: at most
 * EVAL_EXT_NAME_MAX of [A-Za-z0-9_-], not reserved, not given before, room
 * left. The message says what is wrong (the caller adds its context). */
#define EVAL_EXT_NAME_MAX 40
int eval_ext_name_check(const struct eval_config *cfg, const char *name, struct ls_error *err);

/* The notes every eval/sweep output carries. */
extern const char eval_note_continuations[];

/* Output (eval_report.c). */
struct cJSON;
/* Add the score keys of `s` to obj (NaN -> null). */
void eval_scores_json(struct cJSON *obj, const struct eval_config *cfg, const struct eval_scores *s);
/* Aligned table of every score with its detail column. */
void eval_scores_text(FILE *f, const struct eval_config *cfg, const struct eval_scores *s);
/* "definitions": {evaluator name: definition} */
void eval_definitions_json(struct cJSON *obj);
/* Every definition, wrapped at `width` columns, indented by `indent`. */
void eval_definitions_text(FILE *f, int indent, int width);

#endif
