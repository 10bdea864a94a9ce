/* report.h: the documents the CLI prints and the TUI exports.
 *
 * One builder per document so `show --json` and the explorer's `:export`
 * write the same schema. Strings put into documents are display-escaped
 * (display.h), so cJSON's printer (which escapes only C0, '"' and '\')
 * emits nothing a terminal would interpret; when escaping changed a token's
 * text its raw bytes are added as a "bytes" array.
 *
 * Ownership: builders return a new cJSON tree the caller frees
 * (cJSON_Delete) or hands to cli_print_json; NULL on out of memory. */
#ifndef LS_REPORT_H
#define LS_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "sampling/chain.h"
#include "input/source.h"

struct cJSON;

struct report_ctx {
    const struct source *src;
    uint32_t step;
    const struct chain *chain;
    const struct params *params;
    const struct chain_result *res;
    const struct step_info *info;
    const float *logits;      /* raw logits of the step (V) */
    uint64_t seed;
    long top;                 /* tokens listed; -1 = all V */
};

/* Header fields shared by show, eval and sweep documents, in this order:
 * "file" (escaped), "format", ["step" when step >= 0], "steps", "vocab_size";
 * and "preset", "chain" (stage names), ["params" when p != NULL]. */
void report_add_source_json(struct cJSON *d, const struct source *s, long step);
void report_add_chain_json(struct cJSON *d, const struct chain *ch, const struct params *p);

/* show --json */
struct cJSON *report_show_json(const struct report_ctx *c);
/* show (aligned table) */
/* The chain, its mode and the parameters as text lines ("chain ...",
 * "mode: ...", "params: ..." and, for parameters away from their off
 * values, "more params: ..."); seed may be NULL. */
void report_chain_text(FILE *f, const struct chain *ch, const struct params *p, const uint64_t *seed);
void report_show_text(FILE *f, const struct report_ctx *c, unsigned disp_flags);

/* Token text for a table cell: escaped (DISP_TOKEN), clipped with an
 * ellipsis and padded to exactly `cols` terminal columns. */
void report_token_cell(const struct source *s, int32_t id, unsigned disp, int cols, char *out, size_t outsz);

/* Add token text to obj as "text" (escaped) plus "bytes" when needed. */
void report_add_text(struct cJSON *obj, const struct source *s, int32_t id);
/* Add a recorded-token text (from the file) the same way. */
void report_add_raw_text(struct cJSON *obj, const char *key, const char *t, size_t len);

#endif
