/* vocab_fmt.h: vocabulary file formats behind vocab_load (vocab.h).
 *
 * Token text is stored as the bytes the token stands for, so the display
 * transform can show spaces, newlines and partial UTF-8 faithfully:
 *   TOK_BYTELEVEL  GPT-2 style byte-level BPE: every character of the token
 *                  string maps back to one byte ("Ġ" -> 0x20, "Ċ" -> 0x0A);
 *                  a token with a character outside the 256-entry table
 *                  keeps its raw UTF-8 bytes (as the reference decoder does).
 *   TOK_SPM        SentencePiece style: "▁" -> space, and a token that is
 *                  exactly "<0xHH>" (byte fallback) -> that one byte.
 *   TOK_PLAIN      bytes as they are (WordPiece "##" stays visible).
 */
#ifndef LS_VOCAB_FMT_H
#define LS_VOCAB_FMT_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"
#include "input/vocab.h"

enum tok_style { TOK_PLAIN = 0, TOK_BYTELEVEL, TOK_SPM };

/* Append token s[0..n) decoded per style; -1 on out of memory / too many. */
int32_t vocab_add_decoded(struct vocab *v, const char *s, size_t n, enum tok_style st);

/* Hugging Face tokenizer.json (buf[len] == 0, writable). */
int vocab_load_tokenizer_json(char *buf, size_t len, struct vocab *v, struct ls_error *err);

/* GGUF model file: only tokenizer.ggml.tokens (and tokenizer.ggml.model for
 * the decoding style) are read, walking the header key/value pairs; tensor
 * data is never touched. fd borrowed. */
int vocab_load_gguf(int fd, uint64_t size, struct vocab *v, struct ls_error *err);

#define VOCAB_TOKEN_MAX (1u << 20)  /* longest token accepted (bytes) */

#endif
