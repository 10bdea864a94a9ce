/* info_doc.h: the document of `logitscope info FILE`: what a file holds,
 * computed by reading every step once (binary formats step by step, never
 * the whole file at once). Rendered by cmd_info.c (text table or JSON).
 *
 * Ownership: info_doc_build fills a caller-owned struct; info_doc_free
 * frees what it allocated. Step texts point into the source (borrowed until
 * source_close), so the source must outlive the document. */
#ifndef LS_INFO_DOC_H
#define LS_INFO_DOC_H

#include "input/source.h"

struct info_doc {
    const struct source *s;
    struct step_info *steps;   /* the first n_kept steps (the ones listed) */
    uint32_t n_kept;
    uint64_t nan, posinf, neginf;
    int have_tail;             /* some step is sparse: the ranges below hold */
    double tail_min, tail_max; /* unknown tail mass per step */
    uint32_t known_min, known_max;
    uint32_t n_recorded;       /* steps with a recorded token (id or text) */
    char *text;                /* recorded tokens' bytes joined (NULL: none) */
    size_t text_len, text_cap;
};

/* Read every step once (counts over all of them); keep the step_info of
 * the first `keep` steps, the ones the output lists. json: each kept step
 * also becomes a JSON object (counted against the per-step budget,
 * base/budget.h). */
int info_doc_build(struct source *s, uint32_t keep, int json, struct info_doc *d, struct ls_error *err);
void info_doc_free(struct info_doc *d);

/* The recorded token's bytes at a kept step: the file's text, else the
 * vocabulary's; NULL when there is none (or the step was not kept). */
const char *info_step_text(const struct info_doc *d, uint32_t step, size_t *n);

/* What the values are, as JSON's "values" and the text table's sentence. */
const char *info_values_key(const struct source *s);
const char *info_values_desc(const struct source *s);

#endif
