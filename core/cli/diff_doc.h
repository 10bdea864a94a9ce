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

/* One summary statistic: its JSON key (the standard error, when it has one,
 * follows as KEY_se), its row label in the text table, where it lives in
 * struct div_stats. Shared by the JSON and the text rendering. */
struct diff_stat {
    const char *key;
    const char *label;         /* NULL: JSON only */
    size_t off, se_off;        /* se_off 0: no standard error */
    int count;                 /* off is a uint32_t count, not a double */
};
extern const struct diff_stat diff_stats[];
extern const size_t n_diff_stats;
double diff_stat_value(const struct div_stats *s, size_t off);

#endif
