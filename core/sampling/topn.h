/* topn.h: the sampler chain on a top-N (sparse) step, on the file's true
 * masses, saying what the file decides and bounding the rest.
 *
 * A top-N step lists n tokens with their log-probabilities (the logits
 * buffer holds them; every other entry is -inf) and leaves an unknown tail
 * of mass tail = 1 - sum p_listed. Each unknown token has p below the
 * smallest listed one. Every stage keeps a prefix of the order (logit desc,
 * id asc), and unknown tokens rank after every listed one, so:
 *   p_raw     exp(logprob) of the file, never renormalised (lse_raw = 0);
 *   top-k     exact when k <= listed candidates (the tail is cut);
 *   top-p     exact when the crossing falls inside the listed tokens for
 *             every possible tail weight; otherwise the kept set is reported
 *             with the unknown part as bounds;
 *   min-p     exact for listed tokens (p_max is listed); the tail is cut
 *             when the threshold is at or above the smallest listed token;
 *   temperature  scales the tail by an unknown amount: for x_j = p_j / p_max
 *             < r = p_min / p_max with sum X and a = 1/T, sum x_j^a lies in
 *             [X r^(a-1), M^(1-a) X^a] (a < 1) or [M^(1-a) X^a, X r^(a-1)]
 *             (a > 1), M = TOPN_MAX_UNLISTED unknown tokens at most.
 * Final p of a kept listed token is r->p[id] * f with f in
 * [r->topn.f_lo, r->topn.f_hi]; r->p itself is renormalised over the kept
 * listed tokens (the distribution draws come from).
 *   epsilon   bounded like min-p, with the threshold on the current q;
 *   typical-p, top-n-sigma, eta, xtc, penalties (with history), mirostat,
 *   dry       need what the file does not give (the whole distribution's
 *             entropy or spread, logits rather than log-probabilities, the
 *             unlisted tokens' values): their result is unknown, flagged in
 *             topn_bounds.open_stages with the reason in why; nothing is cut
 *             by them and every later stage is unknown too.
 * The arithmetic is always the exact reference (topn_chain), never a
 * system's float32 emulation. Costs O(V) for the chain_run it wraps plus
 * O(n log n).
 *
 *   topn_run(&ch, &pr, logits, V, info.sparse ? info.tail_mass : -1, info.token, 0, &ws, &res, &err);
 */
#ifndef LS_TOPN_H
#define LS_TOPN_H

#include "sampling/chain.h"

/* The vocabulary size assumed when bounding how far an unknown tail can
 * spread (LS_MAX_VOCAB of core/input). */
#define TOPN_MAX_UNLISTED 16777216.0

/* tail < 0: a full vocabulary, exactly chain_run (chain_rerun when rerun
 * is set). tail >= 0: a top-N step whose finite logits are
 * log-probabilities with that unknown mass (always a full run: the step is
 * small). recorded: the step's recorded token, or -1: an API lists it even
 * when it is outside its top-N list, so when it is listed strictly below
 * every other listed token it bounds nothing (unlisted tokens may rank
 * above it; top-k and top-p crossings that reach it are then open). Every
 * caller that runs the chain on a step comes through here. */
int topn_run(const struct chain *c, const struct params *p, const float *logits,
             uint32_t V, double tail, int32_t recorded, int rerun, struct chain_ws *ws,
             struct chain_result *r, struct ls_error *err);

/* The chain that runs on a step, for every line that names the mode: a
 * top-N step (sparse) is computed exactly (double precision, ties by
 * lowest id) whatever the chain's mode, since this file does not emulate a
 * system's float32 arithmetic; a full step runs c as it is. */
void topn_chain(const struct chain *c, int sparse, struct chain *out);

/* A kept listed token's true final probability interval (all of [0, 1]
 * once a stage's result is unknown: topn_bounds.open_stages). */
void topn_p_bounds(const struct chain_result *r, int32_t id, double *lo, double *hi);
/* 1: id's final probability is unknown: a top-N step that does not list
 * it while unlisted tokens survive the chain (always so on a step listing
 * no token). Such a token is neither kept nor cut; scores leave it out. */
int topn_p_unknown(const struct chain_result *r, int32_t id);
/* The unknown tokens' final mass interval ([0, 0] when they are cut). */
void topn_tail_bounds(const struct chain_result *r, double *lo, double *hi);

#endif
