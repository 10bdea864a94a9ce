/* dry_breakers.h: DRY's sequence breakers, processed as llama.cpp's
 * llama_sampler_init_dry does (get_overlapping_token_sequences), and its
 * restart-sequence scan (step 1 of llama_sampler_dry_apply).
 *
 * Each breaker string (at most 40 bytes; longer ones are cut, as llama.cpp
 * does) becomes entries (head token, tail tokens):
 *   - every token whose text contains the string: a head with an empty
 *     tail (a single-token breaker; such tokens are never penalised);
 *   - every token whose text ends with a proper prefix of the string
 *     (starting at any occurrence of the string's first byte): a head whose
 *     tail is the rest of the string tokenised, at most 20 tokens.
 * A breaker matches at i tokens back when the token there is a head and the
 * i tokens after it begin with its tail; the newest match limits how far a
 * repeat may reach: i - (tail length), the longest tail winning among one
 * head's entries. llama.cpp's "aaaq1"/"aaa1" and contained-breaker caveats
 * apply unchanged.
 *
 * Tokenising a tail: llama.cpp calls the model's tokenizer; a dump carries
 * none, so the rest of the string is split by longest match over the
 * vocabulary's texts (lowest id among equal texts). For BPE vocabularies
 * whose token texts are the decoded bytes this agrees on the short strings
 * breakers are; a tail no token sequence spells is dropped (it could never
 * match the recorded tokens either).
 *
 * Ownership: dry_breakers_build allocates; dry_breakers_free. Sampling
 * reads one through chain_ws_set_breakers. */
#ifndef LS_DRY_BREAKERS_H
#define LS_DRY_BREAKERS_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

#define DRY_MAX_CHAR_LEN 40
#define DRY_MAX_SEQ_LEN 20
#define DRY_MAX_BREAKERS 16

struct dry_breaker {
    int32_t head;
    uint32_t off, len;    /* the tail: tails[off .. off + len) */
};

struct dry_breakers {
    uint32_t V;
    uint32_t n;           /* entries, sorted by head */
    struct dry_breaker *e;
    int32_t *tails;
    uint32_t n_tails;
    uint8_t *single;      /* by id: the head of an empty-tail entry */
    uint32_t n_dropped;   /* tails no token sequence spells */
};

/* A token's text (NULL when unknown); ctx is the caller's. */
typedef const char *(*token_text_fn)(const void *ctx, int32_t id, size_t *len);

/* llama.cpp's defaults: "\n", ":", "\"", "*". */
extern const char *const dry_default_breakers[4];

/* Process n strings over a vocabulary of V tokens. */
int dry_breakers_build(const char *const *strs, int n, uint32_t V, token_text_fn text, const void *ctx,
                       struct dry_breakers **out, struct ls_error *err);
void dry_breakers_free(struct dry_breakers *b);

/* id heads a single-token breaker (DRY never penalises it). */
int dry_breaker_single(const struct dry_breakers *b, int32_t id);

/* llama.cpp's rep_limit over the newest n of hist[0 .. n_hist): n when no
 * breaker matches. */
int dry_breakers_limit(const struct dry_breakers *b, const int32_t *hist, uint32_t n_hist, int n);

#endif
