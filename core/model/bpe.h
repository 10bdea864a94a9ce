/* bpe.h: a byte-level BPE tokenizer, learned from training text.
 *
 * Ids 0..255 are the 256 single bytes, so every byte string has an
 * encoding and decoding any id sequence concatenates bytes: decode(encode(s))
 * == s for every s, valid UTF-8 or not. Id 256 (BPE_EOS, shown "<|end|>")
 * ends a document; ids 257.. are merges in the order they were learned:
 * merge i joins tokens merges[i].a and merges[i].b (both < 257 + i).
 *
 * Text is first split into chunks the way GPT-2 does (an optional leading
 * space plus a run of letters, or of digits, or of punctuation; whitespace
 * runs alone), and merges never cross a chunk boundary, so tokens look like
 * real LLM tokens: " the", "ing", "\":". Bytes >= 0x80 count as letters, so
 * UTF-8 words stay whole.
 *
 * Ownership: a bpe owns its merges, vocabulary and lookup table; bpe_free
 * releases all. Encoding allocates only the output array.
 *
 *   struct bpe b; bpe_from_merges(&b, merges, n, &err);
 *   int32_t *ids; uint32_t n; bpe_encode(&b, "Hello", 5, &ids, &n, &err);
 *   bpe_free(&b); free(ids);
 */
#ifndef LS_BPE_H
#define LS_BPE_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"
#include "input/vocab.h"
#include "model/nghash.h"

#define BPE_EOS 256
#define BPE_FIRST_MERGE 257
#define BPE_MAX_VOCAB (1u << 20)

struct bpe_merge { uint32_t a, b; };

struct bpe {
    uint32_t n_merges;
    struct bpe_merge *merges;  /* n_merges */
    struct vocab *vocab;       /* 257 + n_merges token texts */
    struct nghash rank;        /* (a, b) -> merge index + 1 */
};

/* Build a tokenizer from merges (copied); validates that each merge joins
 * earlier tokens. LS_EDATA otherwise, LS_ELIMIT on out of memory. */
int bpe_from_merges(struct bpe *b, const struct bpe_merge *merges, uint32_t n, struct ls_error *err);
void bpe_free(struct bpe *b);
static inline uint32_t bpe_vocab_size(const struct bpe *b) { return BPE_FIRST_MERGE + b->n_merges; }

/* Encode len bytes; *ids is malloc'ed (caller frees), *n its length. */
int bpe_encode(const struct bpe *b, const char *text, size_t len, int32_t **ids, uint32_t *n,
               struct ls_error *err);
/* Append the bytes of tokens ids[0..n) to buf (at most cap bytes, NUL-terminated
 * when room remains); returns the full length the text needs. EOS adds nothing. */
size_t bpe_decode(const struct bpe *b, const int32_t *ids, uint32_t n, char *buf, size_t cap);

/* Chunking (shared with training): the length of the chunk starting at
 * text[i] (i < len), always >= 1. */
size_t bpe_chunk_len(const unsigned char *text, size_t len, size_t i);

/* Learn up to n_merges merges from text (documents separated by '\n'),
 * calling progress(ctx, done, total) now and then (may be NULL). Stops
 * early when no pair occurs twice. Result into b. */
typedef void (*bpe_progress_fn)(void *ctx, uint64_t done, uint64_t total);
int bpe_train(const char *text, size_t len, uint32_t n_merges, bpe_progress_fn progress, void *ctx,
              struct bpe *b, struct ls_error *err);

#endif
