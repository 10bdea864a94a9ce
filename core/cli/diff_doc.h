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
    uint32_t V;                /* ids compared: [0, min(V_a, V_b)) */
    int approx;                /* either side sparse */
    char warn[512];            /* "" or the vocabulary-size warning */
    struct div_step *steps;    /* n_steps */
    uint32_t *order;           /* step indices, largest KLD first */
    struct div_stats stats;
};

/* Compare every step of a and b (o: --allow-nonfinite). Prints the
 * vocabulary-size warning to stderr as it is found. */
int diff_doc_build(const struct cli_opts *o, struct source *a, struct source *b,
                   struct diff_doc *d, struct ls_error *err);
void diff_doc_free(struct diff_doc *d);

#endif
