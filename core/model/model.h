/* model.h: a model source: given a context of token ids, the logits of the
 * next token over the whole vocabulary. The rest of the program (generate,
 * dump, eval/sweep with a model, the explorer's live mode) uses only this
 * interface and never knows which model is behind it.
 *
 * A back end fills a struct model_ops and a struct model:
 *   next_logits  logits for the token after ctx[0..n) into out[0..V)
 *                (natural-log scale; any constant offset is fine, the chain
 *                normalises); ctx does not include the start-of-text token,
 *                the back end adds its own
 *   encode       text -> token ids (malloc'ed array, caller frees)
 *   close        free impl
 * and sets V, the vocabulary (id -> bytes, input/vocab.h), the end-of-text
 * id (generation stops there; -1 if none), a name and a description.
 *
 * The built-in back end is the n-gram model (lm.h) read from a model file
 * (lm_file.c). Other back ends plug in at model_open, chosen by the spec's
 * prefix, without touching any caller:
 *   - a GGUF model through llama.cpp's library: "gguf:PATH". next_logits
 *     calls llama_decode on the new tokens of ctx (keeping the KV cache of
 *     the common prefix) and copies llama_get_logits_ith; encode is
 *     llama_tokenize; the vocabulary comes from llama_token_to_piece.
 *   - an OpenAI-compatible server: "http://HOST/v1". next_logits asks
 *     /v1/completions for one token with logprobs=N (a server gives top-N
 *     only, so the logits of unlisted tokens would be -inf and the model
 *     would say so, as sparse dump sources do); encode uses /tokenize.
 * A back end that cannot produce a full vocabulary says so in its
 * description; the callers need only next_logits and the vocabulary.
 *
 * Ownership: model_open returns a model the caller frees with model_close;
 * vocab and strings are the model's. next_logits may use per-model scratch:
 * one thread per model at a time.
 *
 *   struct model *m; model_open("samples/model.lsm", &m, &err);
 *   float *z = malloc(m->V * sizeof *z);
 *   model_next_logits(m, ids, n, z, &err);
 *   model_close(m);
 */
#ifndef LS_MODEL_H
#define LS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"
#include "input/vocab.h"

/* Longest prompt accepted, in bytes, and longest context in tokens. */
#define MODEL_MAX_PROMPT 65536u
#define MODEL_MAX_CONTEXT 65536u

struct model;

struct model_ops {
    const char *kind;   /* "ngram", ... */
    int (*next_logits)(struct model *m, const int32_t *ctx, uint32_t n, float *out,
                       struct ls_error *err);
    int (*encode)(const struct model *m, const char *text, size_t len, int32_t **ids,
                  uint32_t *n, struct ls_error *err);
    void (*close)(struct model *m);
};

struct model {
    const struct model_ops *ops;
    void *impl;
    uint32_t V;
    int32_t eos;                 /* end-of-text id, -1 if none */
    const struct vocab *vocab;   /* V token texts (owned by impl) */
    char name[128];              /* e.g. the file's base name */
    char description[512];       /* one line: kind, V, order, training text */
};

/* Open a model by spec (a built-in model file's path). Errors start with
 * the spec: "PATH: not a logitscope model file (bad magic)". Exit codes
 * (status.h): 3 cannot read, 4 corrupt or truncated, 5 too large. */
int model_open(const char *spec, struct model **out, struct ls_error *err);
void model_close(struct model *m);
int model_next_logits(struct model *m, const int32_t *ctx, uint32_t n, float *out,
                      struct ls_error *err);
/* Encode a prompt: refuses invalid UTF-8 and prompts longer than
 * MODEL_MAX_PROMPT bytes (LS_EUSAGE, one-line messages naming the byte). */
int model_encode_prompt(const struct model *m, const char *text, size_t len, int32_t **ids,
                        uint32_t *n, struct ls_error *err);

/* First invalid UTF-8 byte offset of s[0..len), or -1 if valid. */
long model_utf8_invalid_at(const char *s, size_t len);

#endif
