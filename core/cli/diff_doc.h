/* diff_doc.h: the document of `logitscope diff A B`: two dumps of the same
 * token sequence compared step by step (divergence.h), plus the summary and
 * the steps ordered by KLD. Rendered by cmd_diff.c.
 *
 * Ownership: diff_doc_build fills a caller-owned struct (sources borrowed);
 * diff_doc_free frees the arrays. */
#ifndef LS_DIFF_DOC_H
#define LS_DIFF_DOC_H

#include "cli/cli_opts.h"
#include "sampling/divergence.h"

struct diff_doc {
    const struct source *a, *b;
    uint32_t n_steps;
    uint32_t V;                /* ids compared: [0, min(V_a, V_b)), or [0, max) when the
                                  shorter side is top-N (its other ids are unlisted) */
    int bounded;               /* a side is top-N: values are exact or [lo, hi] bounds */
    uint32_t n_basis[3];       /* steps by div_basis: exact, bounded, unknown */
    char warn[512];            /* "" or the vocabulary-size warning */
    int32_t *b2a;              /* B's id -> compared id when tokens are matched by text
                                  (a side numbers its token texts: local ids), else NULL */
    struct div_step *steps;    /* n_steps */
    uint32_t *order;           /* step indices, largest KLD (lower bound, then upper) first */
    struct div_stats stats;    /* the summary; its lower bounds when bounded */
    struct div_stats stats_hi; /* the summary's upper bounds (= stats unless bounded) */
};

/* Compare every step of a and b (o: --allow-nonfinite). Prints the
 * vocabulary-size warning to stderr as it is found. When either file
 * identifies tokens by their text (API outputs without ids: local ids),
 * tokens are matched by their bytes: A's ids stay, B's texts A lacks get
 * ids after A's. */
int diff_doc_build(const struct cli_opts *o, struct source *a, struct source *b,
                   struct diff_doc *d, struct ls_error *err);
void diff_doc_free(struct diff_doc *d);

/* Renderings (diff_render.c): the JSON document (NULL on out of memory;
 * the caller frees it) and the text report on stdout; ntop steps listed. */
struct cJSON;
struct cJSON *diff_doc_json(const struct diff_doc *d, uint32_t ntop);
void diff_doc_text(const struct diff_doc *d, uint32_t ntop, unsigned disp);

#endif
