/* logit_bias.h: logit bias as text, and its resolution to token ids.
 *
 * The text form (the command line's --logit-bias, the explorer's
 * :set logit-bias) is a comma-separated list of entries:
 *   ID=BIAS  ID+BIAS  ID-BIAS   a token id of the file (llama.cpp's
 *                               --logit-bias TOKEN_ID(+/-)BIAS spelling too)
 *   'TEXT'=BIAS  "TEXT"=BIAS    the token whose text is exactly TEXT
 *                               (escapes \n \t \r \\ \' \" \xHH)
 * BIAS is a finite number, or -inf / false: a ban (llama.cpp's server maps
 * false to -inf; HF's NoBadWords masks to -inf). +inf and NaN are refused.
 * A string must be one token's text: "not a single token" is an error, not
 * a silent multi-token bias (llama.cpp's server would tokenise it and bias
 * every piece, HF's sequence_bias would bias the last piece after the
 * others; both depend on a tokenizer a dump does not carry). Every token
 * whose text is exactly TEXT gets the bias. An id given twice keeps the
 * last value (HF and vLLM take a dict).
 *
 * Resolution needs the vocabulary and the file's id numbering, which live
 * above this layer: the caller passes a lookup (input/token_lookup.h).
 * Units: bias in logits (nats). Messages never name a front end's option. */
#ifndef LS_LOGIT_BIAS_H
#define LS_LOGIT_BIAS_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"
#include "sampling/chain.h"

#define LS_BIAS_TEXT_MAX 64

struct bias_item {
    int is_text;                 /* 1: text, else id */
    int64_t id;                  /* the file's id */
    char text[LS_BIAS_TEXT_MAX]; /* unescaped bytes (not NUL-terminated by contract) */
    size_t len;
    double v;                    /* finite or -inf */
};

struct bias_spec {
    uint32_t n;
    struct bias_item it[LS_MAX_BIAS];
};

/* Parse s and append its entries to sp (an empty s or "none" clears sp). */
int bias_spec_parse(const char *s, struct bias_spec *sp, struct ls_error *err);

/* The caller's lookup: the compact ids an item names (at most max; n = 0
 * is an error the lookup reports itself, naming the item). */
typedef int (*bias_lookup_fn)(const void *ctx, const struct bias_item *it, int32_t *ids, uint32_t max,
                              uint32_t *n, struct ls_error *err);

/* Every item of sp through fn into out (cleared first). */
int bias_resolve(const struct bias_spec *sp, bias_lookup_fn fn, const void *ctx, struct logit_bias *out,
                 struct ls_error *err);

/* Set id's bias (replacing an earlier one); LS_ELIMIT when full. */
int logit_bias_set(struct logit_bias *b, int32_t id, double v, struct ls_error *err);

/* An item as text: 15043 or 'Hello' (escaped, quoted), into buf. */
void bias_item_name(const struct bias_item *it, char *buf, size_t bufsz);

#endif
