/* vocab.h: token id -> token bytes.
 *
 * A vocabulary owns one arena with every token's bytes (not NUL-terminated
 * by contract: token bytes may contain NUL) plus offsets. Ids outside
 * [0, n) have no text; callers show them as "<id N>" (vocab_text does).
 *
 *   struct vocab *v = vocab_new();
 *   vocab_add(v, "Hello", 5);
 *   size_t n; const char *t = vocab_get(v, 0, &n);
 *   vocab_free(v);
 */
#ifndef LS_VOCAB_H
#define LS_VOCAB_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

#define LS_VOCAB_MAX_TOKENS (1u << 24)

struct vocab {
    uint32_t n;       /* number of tokens */
    uint32_t cap;
    char *arena;      /* all token bytes back to back */
    size_t arena_len, arena_cap;
    size_t *off;      /* n+1 offsets into arena */
    uint8_t *unknown; /* n flags: 1 = a gap (no text; shown as "<id N>") */
};

struct vocab *vocab_new(void);
void vocab_free(struct vocab *v);
/* Append a token; returns its id, or -1 on out of memory. */
int32_t vocab_add(struct vocab *v, const char *bytes, size_t len);
/* Append a gap: an id the vocabulary file does not define (vocab_get
 * returns NULL for it, so it shows as "<id N>"). Returns its id or -1. */
int32_t vocab_add_unknown(struct vocab *v);
/* Borrowed bytes of token id (valid until the vocab changes), NULL if unknown. */
const char *vocab_get(const struct vocab *v, int32_t id, size_t *len);
/* Token bytes, or "<id N>" written into buf when unknown. Returns a pointer
 * to either; *len receives the length. *known receives 1 if from the vocab. */
const char *vocab_text(const struct vocab *v, int32_t id, char *buf, size_t bufsz,
                       size_t *len, int *known);

/* Load a vocabulary file: a JSON array of strings, or one token per line
 * (a trailing "\r" is stripped; "\n" inside tokens cannot be expressed).
 * Other formats (tokenizer.json, GGUF) are detected here as they are added. */
int vocab_load(const char *path, struct vocab **out, struct ls_error *err);

#endif
