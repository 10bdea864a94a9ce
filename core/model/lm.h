/* lm.h: the built-in model: a byte-level BPE tokenizer and an interpolated
 * Kneser-Ney n-gram model over its tokens (bpe.h, ngram.h), trained on any
 * UTF-8 text and kept in a model file (format below, lm_file.c).
 *
 * Training (lm_train): the text is split into documents at '\n' (empty
 * lines skipped); BPE learns vocab_size - 257 merges (fewer when the text
 * runs out of pairs that occur twice); every document is encoded and ends
 * with the end-of-text token; the n-gram model counts the token stream.
 *
 * Model file, version 1 (little-endian):
 *   0   8  magic "LSMODEL\0"
 *   8   4  version (1)
 *   12  4  flags (0)
 *   16  8  payload length, uncompressed (<= LM_MAX_PAYLOAD)
 *   24  8  compressed length (= file size - 40)
 *   32  4  CRC-32 of the uncompressed payload
 *   36  4  reserved (0)
 *   40  .. payload, zlib-compressed:
 *        u32 V, order, n_merges, desc_len; desc_len bytes of description;
 *        order x f64 discount (orders 1..order, each in (0, 1));
 *        n_merges x (u32 a, u32 b);   V x u32 order-1 counts;
 *        for n = 2..order: u32 n_ctx, n_fol; n_ctx x (n-1) u32 history ids
 *        (strictly ascending); n_ctx x u32 follower counts (each >= 1, sum
 *        n_fol); n_fol x (u32 token, u32 count >= 1), tokens strictly
 *        ascending within a history.
 * Every field is checked on load; anything else is "corrupt" (exit 4).
 *
 * Ownership: lm_free releases everything; lm_model wraps an lm (taking it
 * over) as a model source (model.h). */
#ifndef LS_LM_H
#define LS_LM_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"
#include "model/bpe.h"
#include "model/ngram.h"
#include "model/model.h"

#define LM_FILE_VERSION 1u
#define LM_HEADER_SIZE 40u
#define LM_MAX_PAYLOAD (1ull << 30)
#define LM_DEFAULT_VOCAB 4096u
#define LM_DEFAULT_ORDER 4u

struct lm {
    struct bpe bpe;
    struct ngram ng;
    char description[256];
};

struct lm_train_opts {
    uint32_t vocab_size;   /* >= 257 */
    uint32_t order;        /* 1..NGRAM_MAX_ORDER */
    /* phase 0 = learning the vocabulary, 1 = encoding, 2 = counting */
    void (*progress)(void *ctx, int phase, uint64_t done, uint64_t total);
    void *ctx;
};

/* Train on text (len bytes, UTF-8 or not: BPE is byte-level). Refuses an
 * empty text (no document) and text with NUL bytes (binary) with LS_EDATA. */
int lm_train(const char *text, size_t len, const struct lm_train_opts *o, struct lm *out,
             struct ls_error *err);
void lm_free(struct lm *m);

/* The model file (lm_file.c). */
int lm_save(const struct lm *m, const char *path, struct ls_error *err);
int lm_load_buffer(const unsigned char *buf, size_t len, struct lm *out, struct ls_error *err);
/* The uncompressed payload alone (no header, no checksum): what the
 * fuzzer reaches past the CRC with. */
int lm_load_payload(const unsigned char *buf, size_t len, struct lm *out, struct ls_error *err);
int lm_load(const char *path, struct lm *out, struct ls_error *err);

/* Read a whole file (a corpus, a model) of at most cap bytes; `what` names
 * it in the size message. Caller frees *buf (no NUL appended). */
int lm_read_whole(const char *path, uint64_t cap, const char *what, unsigned char **buf, size_t *len,
                  struct ls_error *err);

/* A model source over m (taken over: freed by model_close). */
int lm_model(struct lm *m, const char *name, struct model **out, struct ls_error *err);

#endif
