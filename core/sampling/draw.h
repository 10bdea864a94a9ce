/* draw.h: the one draw of a token from a chain's final distribution.
 *
 * Every sampled token in the program comes from here: `sample` on the
 * command line, the explorer's samples panel and its 10,000-draw
 * frequencies, the draws view and eval's continuations. They are promised
 * to agree token for token for the same seed and stream, and they do
 * because there is no second copy of the rule.
 *
 * The rule (inverse CDF): cum[j] = p[kept[0]] + ... + p[kept[j]], summed
 * left to right in double over the survivors in ascending id order (the
 * order chain_result keeps them in); total = cum[n-1] (the final p need not
 * sum to exactly 1 after rounding). A uniform u in [0, 1) selects the first
 * position j with u * total < cum[j]; a product that rounds up to total
 * selects the last survivor. Survivors with p = 0 are never selected.
 *
 * Ownership: the caller owns cum (room for r->n_kept doubles, e.g. V); a
 * draw_cdf points into the result and into cum and is valid until either
 * changes. Nothing here allocates.
 *
 *   double *cum = malloc(V * sizeof *cum);
 *   struct draw_cdf d = draw_cdf_build(&res, cum);
 *   int32_t tok = draw_token(&d, &rng);          // -1 when nothing is kept
 */
#ifndef LS_DRAW_H
#define LS_DRAW_H

/* The explorer's empirical frequencies (samples panel, draws view) are
 * the stream of `sample -n N` continued to 10,000 draws: one stream, whose
 * first N are the draws the samples panel lists. */

#include <stdint.h>
#include "base/rng.h"
#include "sampling/chain.h"

struct draw_cdf {
    const int32_t *kept;   /* survivors, ascending id (the result's) */
    const double *cum;     /* prefix sums, n entries (the caller's buffer) */
    uint32_t n;            /* survivors; 0 = nothing can be drawn */
    double total;          /* cum[n-1], or 0 */
};

/* Fill cum with the prefix sums of r's final p over its survivors. */
struct draw_cdf draw_cdf_build(const struct chain_result *r, double *cum);
/* The position in kept that uniform u in [0, 1) selects (d->n > 0). */
uint32_t draw_position(const struct draw_cdf *d, double u);
/* One uniform from g, always (so a stream stays aligned with its draws
 * even at a step where nothing is kept), and the token it selects; -1
 * when nothing is kept. */
int32_t draw_token(const struct draw_cdf *d, struct rng *g);
/* The half-open range [lo, hi) of u * total that selects position j; the
 * last position's hi is +inf (it also takes a product rounded up to total).
 * Lets a caller count draws of a few tokens by interval tests alone. */
void draw_interval(const struct draw_cdf *d, uint32_t j, double *lo, double *hi);

/* n draws from g; count[j] += draws that selected position j (count has
 * d->n entries). Every draw uses one uniform, as draw_token does. */
void draw_count_positions(const struct draw_cdf *d, struct rng *g, uint32_t n, uint32_t *count);
/* n draws from g, counting only those that selected one of the m tokens
 * ids[] (survivors or not): count[k] += draws of ids[k]. Exactly the
 * answers of draw_count_positions for those tokens, by interval tests over
 * m <= 64 intervals instead of a search in the whole CDF per draw. */
void draw_count_tokens(const struct draw_cdf *d, struct rng *g, uint32_t n,
                       const int32_t *ids, uint32_t m, uint32_t *count);

/* The same rule without the n-long prefix sums, for many settings' draws
 * over a whole dump (eval): the survivors are summed in blocks of
 * DRAW_BLOCK (independent sums, so not latency bound, and nothing written
 * but one prefix per block), and a draw walks one block from its
 * approximate prefix. Any two summations of n non-negative terms differ
 * by at most 2 n u times their sum (u = 2^-53), so when u * total and the
 * prefixes around the chosen position are further apart than that margin
 * (and the product's own rounding), the exact rule above selects the same
 * position. Otherwise the draw builds the exact prefix sums once (into
 * cum) and answers by the rule itself. The positions are the rule's, always;
 * the work is about n adds in parallel plus DRAW_BLOCK adds a draw.
 *
 * Ownership: the caller owns pre (draw_blocks_len(n) doubles) and cum (n
 * doubles, touched only on the rare fallback); r must stay unchanged
 * while the draw_blocks is used. */
#define DRAW_BLOCK 32u
struct draw_blocks {
    const struct chain_result *r;
    const double *pre;       /* pre[b]: sum of blocks before b (approximate), nb + 1 entries */
    uint32_t n, nb;
    double margin;           /* bound on |approximate - exact| of a prefix or of u * total */
    double *cum;             /* the fallback's exact prefix sums */
    int have_cum;
    struct draw_cdf exact;   /* valid once have_cum */
    const double *run_p;     /* p + kept[0] when the survivors are one run of ids
                              * (a draw's walk reads p in place), else NULL */
};

size_t draw_blocks_len(uint32_t n);
/* for about n_draws draws; with many draws against few survivors it
 * builds the exact prefix sums at once (the cheaper way then) */
struct draw_blocks draw_blocks_build(const struct chain_result *r, uint32_t n_draws, double *pre, double *cum);
/* r->p = q / S over every token (r->V of them; q may be r->p), and in the
 * same pass the block sums draw_blocks_build then reads instead of making
 * them (chain_result.blk, blk_ok): for a run that keeps every token and
 * is drawn from. Without memory for blk, the division alone. */
void draw_blocks_divide(struct chain_result *r, const double *q, double S);
/* the same for a run whose scores are read too: r->p = q / S with the
 * entropy vm_divide_entropy returns (offset off, scale invT) and the
 * block sums in the same pass */
double draw_blocks_divide_entropy(struct chain_result *r, const double *q, const float *z, double S, double off,
                                  double invT);
/* draw_position's answer for u (d->n > 0) */
uint32_t draw_blocks_position(struct draw_blocks *d, double u);
/* draw_token's answer: one uniform from g, always; -1 when nothing is kept */
int32_t draw_blocks_token(struct draw_blocks *d, struct rng *g);
/* The same for a uniform u already drawn from the stream (eval's step
 * workers draw a step's uniforms in step order, its tokens later) */
int32_t draw_blocks_token_at(struct draw_blocks *d, double u);
/* out[i] = draw_blocks_token_at(d, u[i]) for i < m, the same tokens, with
 * the block searches of several draws interleaved */
void draw_blocks_tokens_at(struct draw_blocks *d, const double *u, uint32_t m, int32_t *out);

#endif
