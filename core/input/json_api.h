/* json_api.h: shared pieces of the JSON API-output loaders (OpenAI chat and
 * legacy completions, llama.cpp server, TGI). Private to core/.
 *
 * json_docs.c parses the file (one document, an array of responses, JSON
 * Lines or an SSE capture) into a list of response objects (api_item); the
 * format registry (formats.c) hands the list to one loader. Every loader turns its entries
 * into steps of a sparse source (sparse.h) through api_entry & co, which
 * validate types, sentinels and `bytes`, and name the failing path:
 *   "choices[0].logprobs.content[3].logprob: expected number, got string (line L, column C)"
 *
 * Policies: keys are matched case-sensitively (a "Logprob" key is not a
 * logprob) and the first of duplicate keys wins, except in legacy
 * top_logprobs objects, which are keyed by token text and keep every entry.
 * Values: finite numbers only (1e400 is an error); -9999, <= -1e30 and null
 * are "unknown"; probabilities must lie in [0, 1]; a file uses either
 * log-probabilities or probabilities, never both. `bytes`: integers 0..255.
 */
#ifndef LS_JSON_API_H
#define LS_JSON_API_H

#include <stddef.h>
#include <stdint.h>
#include "base/json_lazy.h"
#include "base/json_util.h"
#include "input/json_docs.h"
#include "input/source.h"
#include "input/sparse.h"

#define API_PATH 256

enum api_kind { API_KIND_UNSET = 0, API_KIND_LOGPROB, API_KIND_PROB };

struct api_ctx {
    struct sp_builder *b;
    const struct json_ctx *jc;   /* current item */
    unsigned char *scratch;      /* decoded `bytes` */
    size_t scap;
    enum api_kind kind;          /* what the file's values are (set by the first value) */
    int byte_prefix;             /* old llama.cpp: "byte: \xNN" text means the byte NN */
};

void api_ctx_free(struct api_ctx *c);

/* Path helpers: snprintf into a API_PATH buffer. */
void api_path(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A value of obj: the log-probability under lpkey, or a probability under
 * pkey (converted to log space; pkey may be NULL). *lp is NAN for null,
 * sentinels and probability 0. required = 0: a missing key gives NAN. */
int api_value(struct api_ctx *c, const cJSON *obj, const char *path, const char *lpkey,
              const char *pkey, int required, double *lp, struct ls_error *err);

/* A bare log-probability value (number or null), same rules as api_value. */
int api_number(struct api_ctx *c, const cJSON *v, const char *path, double *lp, struct ls_error *err);

/* Token bytes of obj: its "bytes" array when present (ints 0..255), else the
 * string under textkey (api_plain_text). The result lives in c->scratch or
 * the cJSON tree. */
int api_text(struct api_ctx *c, const cJSON *obj, const char *path, const char *textkey,
             const char **t, size_t *n, struct ls_error *err);

/* A token string as bytes: itself, or the bytes it spells as "bytes:\xe2\x80"
 * (OpenAI, for part of a UTF-8 character) or, in old llama.cpp files
 * (c->byte_prefix), "byte: \xNN". The result lives in c->scratch or s. */
int api_plain_text(struct api_ctx *c, const char *s, const char **t, size_t *n, struct ls_error *err);

/* Optional "id" of obj (-1 when absent or null); must be an integer in [0, 2^24). */
int api_id(struct api_ctx *c, const cJSON *obj, const char *path, int64_t *id, struct ls_error *err);

/* An array of alternatives at `path` (must be an array): api_entry on each
 * element (not the chosen token), with "path[i]" in messages. */
int api_entries(struct api_ctx *c, const cJSON *arr, const char *path, const char *textkey,
                const char *lpkey, const char *pkey, struct ls_error *err);

/* One whole entry {id?, <textkey>, bytes?, <lpkey>|<pkey>} into the current step. */
int api_entry(struct api_ctx *c, const cJSON *e, const char *path, const char *textkey,
              const char *lpkey, const char *pkey, int chosen, struct ls_error *err);

/* One step of the token-list shape (OpenAI chat content, llama.cpp,
 * Ollama) at path q: entry e {id?, token, bytes?, logprob | pkey} is the
 * chosen token, its top_logprobs (top_probs when the file holds
 * probabilities) the alternatives. pkey NULL: log-probabilities only. */
int api_token_step(struct api_ctx *c, const cJSON *e, const char *q, const char *pkey, struct ls_error *err);

/* vLLM prompt_logprobs: [null, {"<id>": {logprob, rank, decoded_token}}, ...];
 * each non-null position becomes a step. ids (may be NULL), the request's
 * prompt_token_ids at ipath, gives each position's recorded token; it must be
 * parallel to arr. */
int api_prompt_logprobs(struct api_ctx *c, const cJSON *arr, const char *path, const cJSON *ids,
                        const char *ipath, struct ls_error *err);

/* Require obj to be an object / array / (array or null). */
int api_expect(struct api_ctx *c, const cJSON *v, int mask, const char *tname, const char *path,
               struct ls_error *err);

/* Common head of a loader: c gets a fresh sparse builder for ops/path and fn
 * runs on every item (c->jc set to it) with the loader's tally st. On failure
 * the message gets the item's line (json_item_fix_line) and c is released. */
typedef int (*api_item_fn)(struct api_ctx *c, const struct api_item *it, void *st, struct ls_error *err);
int api_load_items(struct api_ctx *c, const struct source_ops *ops, const char *path,
                   struct json_docs *docs, api_item_fn fn, void *st, struct ls_error *err);

/* Responses or choices that carry text but no logprobs (logprobs: null or
 * absent): not loaded, and said so. api_skip notes one (its path, and its
 * line in a JSON Lines file when line > 0); api_skip_warn
 * adds the warning to s. */
struct api_skipped { uint32_t n; char first[API_PATH]; };
void api_skip(struct api_skipped *k, const char *path, long line);
void api_skip_warn(struct source *s, const struct api_skipped *k);
/* 1 if o's member key is a non-empty string (the response's text). */
int api_has_text(const cJSON *o, const char *key);

/* Release c without producing a source and fail with msg (LS_EDATA). */
int api_abort(struct api_ctx *c, const char *msg, struct ls_error *err);

/* Common tail of a loader: note the value kind, finish the builder. */
int api_finish(struct api_ctx *c, struct source **out, struct ls_error *err);

/* Which OpenAI shape the choices of response o have: the first choice whose
 * logprobs say decides. Chat: logprobs.content or .refusal; legacy
 * completions: logprobs.tokens, .token_logprobs, .top_logprobs or
 * .text_offset, or a per-choice prompt_logprobs array (vLLM). */
enum api_shape { API_SHAPE_NONE, API_SHAPE_CHAT, API_SHAPE_COMPLETIONS };
enum api_shape api_choices_shape(const cJSON *o);

#endif
