/* token_detail.h: everything about one token at one step, as one document.
 *
 * Owns nothing beyond the struct: the text points into the vocabulary (or
 * the struct's own buffer for the "<id N>" spelling). Computed from a show
 * context (report.h: the step's raw logits and chain result), rendered as
 * JSON (`logitscope show --token ID --json`) or as label/value rows (the
 * explorer's token details overlay, `show --token ID`). Units: logits in
 * nats as the file has them, probabilities in [0, 1], rank 1-based by raw
 * probability (ties: lower id).
 *
 *   struct token_detail d;
 *   if (token_detail(&ctx, id, &d, &err) == LS_OK) { rows = token_detail_rows(&d, row, 12); }
 */
#ifndef LS_TOKEN_DETAIL_H
#define LS_TOKEN_DETAIL_H

#include <stddef.h>
#include <stdint.h>
#include "report/report.h"

struct token_detail {
    int32_t id;
    uint32_t step;
    int known;                   /* 0: no text ("<id N>") */
    const char *text;            /* known: the token's bytes (len of them) */
    size_t len;
    char buf[32];                /* "<id N>" when unknown */
    uint32_t rank;               /* by raw p, 1-based */
    double logit;                /* raw, as in the file */
    double p_raw, p;             /* raw softmax, final after the chain */
    double p_hi;                 /* top-N step: p's upper bound when the unknown tail
                                    leaves it open (p is then the lower); else == p */
    int unlisted;                /* top-N step: not listed, p_raw and p unknown */
    const char *cut_by;          /* the stage that cut it; NULL: kept */
    int recorded;                /* the step's recorded token */
};

/* One row of the rendering: a label and a display value (raw text for the
 * token's text row, is_text 1: the caller applies the token transform). */
struct token_detail_row {
    const char *label;
    char value[160];
    int is_text;
};

/* The detail of id at c's step (LS_EUSAGE when id is not in [0, V)). */
int token_detail(const struct report_ctx *c, int32_t id, struct token_detail *d, struct ls_error *err);
/* The rows, in order: id, text, bytes, rank, logit, p raw, p final, cut by
 * or kept, recorded. Returns the count (at most max). */
int token_detail_rows(const struct token_detail *d, struct token_detail_row *out, int max);
/* The JSON object: id, step, text (+ bytes when not clean), bytes_hex,
 * rank, logit, p_raw, p, kept, cut_by, recorded. Caller frees. */
struct cJSON *token_detail_json(const struct report_ctx *c, const struct token_detail *d);

#endif
