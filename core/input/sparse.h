/* sparse.h: top-N log-probability sources (API outputs) behind struct source.
 *
 * JSON API formats (OpenAI chat/legacy, llama.cpp server, TGI) hold, per
 * generated position, the chosen token and the N most likely alternatives
 * with their log-probabilities; the rest of the vocabulary is unknown. A
 * builder collects those entries step by step and turns them into a source:
 *
 *   - token identity: the file's token ids when every entry has one (llama.cpp
 *     `id`, TGI `id`, or every token spelled "token_id:N" as vLLM's
 *     return_tokens_as_token_ids writes), then V = max id + 1 and ids the file
 *     never names have empty text; otherwise the distinct token byte strings
 *     seen in the file, numbered in order of first appearance (ids are local);
 *   - each step's logits are -inf except the known entries, whose logit is the
 *     log-probability, so a softmax over the known set renormalises them;
 *   - step_info.sparse = 1, n_known, tail_mass = max(0, 1 - sum exp(logprob));
 *   - the same token listed twice in one step (typically the chosen token and
 *     its twin in the top list) with the same value counts once; with
 *     different values (e.g. two partial-UTF-8 tokens that both read U+FFFD)
 *     their probabilities are added, with a warning.
 *
 * Values passed to sp_add are already validated finite log-probabilities, or
 * NAN for "unknown" (sentinels -9999 / -3.4e38 / null, probability 0).
 *
 *   struct sp_builder *b = sp_new(&my_ops, path);
 *   sp_step_begin(b);
 *   sp_add(b, -1, "Hi", 2, -0.03, 1, &err);    // chosen token
 *   sp_add(b, -1, "Hello", 5, -3.5, 0, &err);  // an alternative
 *   sp_finish(b, &src, &err);                  // frees b in every case
 */
#ifndef LS_SPARSE_H
#define LS_SPARSE_H

#include <stddef.h>
#include <stdint.h>
#include "input/source.h"

struct sp_builder;

struct sp_builder *sp_new(const struct source_ops *ops, const char *path);
/* The source under construction (set post_sampling, add warnings). */
struct source *sp_source(struct sp_builder *b);
/* Start a new step. */
int sp_step_begin(struct sp_builder *b, struct ls_error *err);
/* Add an entry to the current step: id (-1 if none), token bytes, log-prob
 * (NAN = unknown), chosen = 1 for the recorded token of the step. */
int sp_add(struct sp_builder *b, int64_t id, const char *text, size_t len, double lp,
           int chosen, struct ls_error *err);
/* Number of steps begun so far. */
uint32_t sp_steps(const struct sp_builder *b);
/* Drop the current step if it has neither a chosen token nor entries. */
void sp_step_drop_if_empty(struct sp_builder *b);
/* Build the source; frees the builder whatever happens. Fails if no step. */
int sp_finish(struct sp_builder *b, struct source **out, struct ls_error *err);
/* Free an unfinished builder (and its source). */
void sp_abort(struct sp_builder *b);

/* read_step / close for sparse sources (loaders put them in their ops). */
int sp_read_step(struct source *s, uint32_t step, float *logits, struct step_info *info,
                 struct ls_error *err);
void sp_close(struct source *s);

/* 1 if v is a sentinel meaning "no value": -9999 (OpenAI, vLLM) or
 * <= -1e30 (llama.cpp writes -FLT_MAX for probability 0). */
int sp_is_sentinel(double v);

#endif
