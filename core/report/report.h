/* report.h: the documents the CLI prints and the TUI exports.
 *
 * One builder per document so `show --json` and the explorer's `:export`
 * write the same schema. Token texts go into documents exactly (JSON
 * escaping, completed by report_json_print for DEL and C1, makes them
 * terminal-safe); the display transform is for terminal output only. A text
 * that is not valid UTF-8 also gets its raw bytes as a "bytes" array.
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

/* The text of a document: cJSON_Print, with DEL and the C1 controls
 * \u-escaped as well (so nothing in it acts on a terminal). Free with
 * cJSON_free; NULL on out of memory. */
char *report_json_print(const struct cJSON *doc);

/* Add token text to obj as "text": the exact text when it is valid UTF-8
 * (JSON escaping makes it terminal-safe), else with U+FFFD for each
 * undecodable byte plus the raw "bytes". */
void report_add_text(struct cJSON *obj, const struct source *s, int32_t id);
/* Add a recorded-token text (from the file) the same way. */
void report_add_raw_text(struct cJSON *obj, const char *key, const char *t, size_t len);

#endif
