/* ngram.h: an interpolated Kneser-Ney n-gram language model over token ids,
 * giving the log-probability of every token of the vocabulary.
 *
 * Order N (1..NGRAM_MAX_ORDER). For a history h of the last k = N-1 tokens:
 *   P_N(w | h) = max(c(h w) - D_N, 0) / c(h) + D_N T(h) / c(h) * P_{N-1}(w | h')
 * where h' drops h's oldest token, c are raw counts at the highest order and
 * continuation counts (distinct left neighbours) below it, T(h) is the number
 * of distinct w seen after h, and an unseen history passes straight to the
 * lower order. The lowest order interpolates with the uniform 1/V, so every
 * token has p > 0 and the probabilities sum to 1 over the whole vocabulary
 * (unit-tested). D_n = n1 / (n1 + 2 n2) from order n's count-of-counts,
 * clamped to [0.05, 0.95].
 *
 * Storage per order n >= 2: the distinct histories (n-1 ids) sorted by ids,
 * each with its followers (id, count) sorted by id, and a hash from history
 * to index. Order 1 is a dense count per token. Documents are padded with
 * N-1 end-of-text tokens in front and one at the end.
 *
 * Speed: a step costs N-1 hash lookups, the followers of each seen history,
 * and one pass over V to add a constant to the precomputed log unigram
 * distribution (vectorised; no exp or log per token except the followers'),
 * no allocation. Measured (tests/bench/bench_model.c): about 1.3 us per
 * step at V = 4096 (the default model), 11-14 us at V = 8192 (a dense
 * synthetic 4-gram model, where the followers' logs dominate), flat in the
 * position: only the last N-1 tokens of the context are read.
 *
 * Ownership: ngram_free releases everything; ngram_logprobs writes into the
 * caller's V floats and uses the model's scratch (one caller at a time). */
#ifndef LS_NGRAM_H
#define LS_NGRAM_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"
#include "model/nghash.h"

#define NGRAM_MAX_ORDER 6

struct ngram_follow { uint32_t tok, count; };

struct ngram_level {          /* one order n >= 2 */
    uint32_t n_ctx;
    uint32_t *ctx_ids;        /* n_ctx * (n-1) history ids */
    uint32_t *fol_off;        /* n_ctx + 1 offsets into fol */
    uint32_t *total;          /* n_ctx: sum of follower counts */
    struct ngram_follow *fol;
    struct nghash index;      /* history -> ctx index */
};

struct ngram {
    uint32_t V, order, eos;
    double discount[NGRAM_MAX_ORDER + 1];   /* [n] for order n */
    uint32_t *uni;                          /* V continuation counts (order 1) */
    struct ngram_level lv[NGRAM_MAX_ORDER + 1];   /* [2..order] used */
    /* derived by ngram_finish */
    float *log_base;       /* V: ln P_1(w) */
    double *base;          /* V: P_1(w) */
    double *acc;           /* V scratch, kept all-zero between calls */
    uint32_t *touched;     /* V scratch */
};

/* Count a token stream (documents already padded, see ngram_train) into a
 * model of the given order over V tokens. progress may be NULL. */
typedef void (*ngram_progress_fn)(void *ctx, uint64_t done, uint64_t total);
int ngram_train(const int32_t *toks, size_t n, uint32_t V, uint32_t order, uint32_t eos,
                ngram_progress_fn progress, void *pctx, struct ngram *m, struct ls_error *err);
/* After the tables are filled (training or loading): discounts (when
 * `estimate`), indexes and the unigram base. */
int ngram_finish(struct ngram *m, int estimate, struct ls_error *err);
void ngram_free(struct ngram *m);

/* ln P(w | history) for every w in [0, V) into out. history holds the last
 * tokens (any length; only the last order-1 count). */
void ngram_logprobs(struct ngram *m, const int32_t *hist, uint32_t n_hist, float *out);

/* Number of stored n-grams of order n (1: tokens with a count). */
uint64_t ngram_count(const struct ngram *m, uint32_t n);

#endif
