/* json_docs.h: a JSON text as a list of response objects. Private to
 * core/input.
 *
 * An API output file is one response, an array of responses, JSON Lines (a
 * batch job, a streamed capture) or an SSE capture. json_docs_parse turns
 * any of them into a flat list of response objects (api_item), each with
 * the text it was parsed from, for line:column in messages. The format
 * registry (formats.c) asks its detectors about each item and hands the
 * list to one loader. */
#ifndef LS_JSON_DOCS_H
#define LS_JSON_DOCS_H

#include <stddef.h>
#include <stdint.h>
#include "base/json_scan.h"
#include "base/json_util.h"
#include "base/status.h"

struct api_item {
    const cJSON *node;       /* one response object (see json_docs_item) */
    char path[64];           /* its path prefix: "", "[3]", "[3].response.body" */
    struct json_ctx jc;      /* text it was parsed from (for line:column) */
    long line;               /* JSON Lines: line of the file it came from; 0 otherwise */
    const char *span;        /* text node is parsed from on demand; NULL: node is kept */
    size_t span_len;
    int body;                /* node is that parse's response.body (OpenAI Batch line) */
};

/* Memory: the items of a JSON Lines file or of a top-level array are parsed
 * one at a time (json_docs_item), each as a skeleton with lazy arrays
 * (base/json_lazy.h); a single document's skeleton is kept. Text the
 * scanner leaves to cJSON (base/json_scan.h) is parsed whole, as before. */
struct json_docs {
    cJSON **roots;           /* owned parse trees that stay */
    size_t n_roots, cap_roots;
    struct api_item *items;  /* kept nodes point into roots */
    size_t n_items, cap_items;
    struct json_index ix;    /* large containers of the validated text (json_scan.h) */
    cJSON *cur;              /* the parse of item cur_item (spans only) */
    size_t cur_item;
    uint32_t n_failed;       /* OpenAI Batch lines with "response": null, skipped */
    char failed_ids[160];    /* their custom_ids, ", "-separated (truncated) */
    size_t n_array;          /* > 1: the file is one array of that many responses */
};

/* The warnings the layout gives (skipped Batch lines, an array of separate
 * responses), newline-separated, into buf; "" when none. */
void json_docs_warnings(const struct json_docs *d, char *buf, size_t bufsz);

/* Parse buf (len bytes, NUL at buf[len]; modified in place: a BOM is
 * blanked, lines are cut) into d. Free d with json_docs_free whatever the
 * result. */
int json_docs_parse(char *buf, size_t len, struct json_docs *d, struct ls_error *err);
void json_docs_free(struct json_docs *d);

/* Tests and benchmarks only: on = 1 parses every text whole with cJSON
 * (the old path, 10-16x the text) so results can be compared; process-wide. */
void json_docs_whole_trees(int on);

/* *out = item i with its node (parsed now when it has a span: valid until
 * the next call). LS_ELIMIT when out of memory. */
int json_docs_item(struct json_docs *d, size_t i, const struct api_item **out, struct ls_error *err);

/* After cJSON rejected b[0..n): name the two causes it reports only as a
 * position, a lone UTF-16 surrogate escape (Python surrogateescape strings)
 * and nesting deeper than cJSON's 1000 levels. line0 > 0: b is that line of
 * a JSON Lines file starting at file offset base. Leaves err alone otherwise. */
void json_refine_parse_error(const char *b, size_t n, long line0, size_t base, struct ls_error *err);

/* After an error inside item it: fix "(line 1, column C)" to the item's line
 * in a JSON Lines file, or prefix "line L: " when the message has no location. */
void json_item_fix_line(struct ls_error *err, const struct api_item *it);

/* 1 if the text has a \u0000 escape (cJSON silently cuts strings there). */
int json_has_u0000(const char *b, size_t n);

#endif
