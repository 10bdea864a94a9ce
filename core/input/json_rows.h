/* json_rows.h: the logits arrays of a native dump read without cJSON.
 * Private to core/input.
 *
 * A cJSON tree costs about 80 bytes per number (node plus malloc overhead)
 * where the text holds about 10: parsing a native dump with cJSON alone
 * peaked at 10-16x the file size. json_rows_extract walks the text once
 * (a structural scanner: strings, nesting, no tree), and for the first
 * top-level "steps" array reads each element's first "logits" array of
 * plain values straight into floats, then blanks that array in the text
 * (its bytes become spaces, so offsets and line:column stay right). cJSON
 * then parses a small tree; the loader takes a blanked step's values from
 * here. Anything unusual (an escaped key, a number outside the JSON
 * grammar or the float32 range, a string in the array, malformed text)
 * leaves that array, or the whole text, to cJSON and its messages.
 *
 * Values as cJSON + the native loader give them: strtod, then (float);
 * null -> -inf; NaN -> NaN; Infinity -> +inf; -Infinity -> -inf.
 */
#ifndef LS_JSON_ROWS_H
#define LS_JSON_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

#define JSON_ROW_NONE UINT64_MAX

struct json_rows {
    float *v;                /* every extracted row, concatenated */
    uint64_t n, cap;
    uint64_t *off;           /* per step: first value in v, JSON_ROW_NONE if left to cJSON */
    uint32_t *len;           /* per step: values */
    uint32_t n_steps, cap_steps;
};

/* Extract and blank (text[len] == 0, writable). LS_OK, or LS_ELIMIT when
 * out of memory. Free r with json_rows_free whatever the result. */
int json_rows_extract(char *text, size_t len, struct json_rows *r, struct ls_error *err);
void json_rows_free(struct json_rows *r);

#endif
