/* json_scan.h: JSON text scanned without building anything: the one
 * structural scanner every JSON loader shares (the lazy tree json_lazy.h,
 * the native dump's logits rows input/json_rows.c).
 *
 * cJSON builds a tree of 64-byte nodes (plus a malloc per key and string):
 * 10-16x the text for logprob files. The loaders avoid most of it by
 * validating the whole text here first and then parsing small pieces with
 * cJSON. json_scan_valid accepts a strict subset of what cJSON 1.7.15
 * accepts (RFC 8259 grammar; no NUL byte; escapes cJSON decodes; surrogate
 * escapes only in pairs; numbers under 64 characters; nesting up to
 * JSON_SCAN_MAX_DEPTH), so text it accepts parses with cJSON, piece by piece,
 * exactly as a whole. Anything else is left to cJSON and its messages.
 *
 * json_number converts one RFC 8259 number the way strtod does in the C
 * locale (whatever the process locale is): correctly rounded, overflow to
 * +-HUGE_VAL (inf), underflow to 0 or a subnormal.
 *
 * Owns nothing. Units: byte offsets into t[0..n).
 */
#ifndef LS_JSON_SCAN_H
#define LS_JSON_SCAN_H

#include <stddef.h>

#define JSON_SCAN_MAX_DEPTH 900   /* below cJSON's 1000: deeper text is cJSON's to judge */
#define JSON_NUMBER_MAX 63        /* longer numbers are cJSON's (its 64-byte buffer, CVE-2023-26819) */

/* The index after the blanks (space, tab, LF, CR) at i. */
size_t json_ws(const char *t, size_t n, size_t i);

/* t[i] == '"': the index after the closing quote, 0 if unterminated.
 * *esc = 1 if the string holds a backslash. */
size_t json_str_end(const char *t, size_t n, size_t i, int *esc);

/* The value at t[i] (no blanks before it): the index after it, 0 if it runs
 * past n. Strings and nesting only: meant for text already validated.
 * count (may be NULL): for an array, its number of elements. */
size_t json_skip(const char *t, size_t n, size_t i, size_t *count);

/* 1 if t[0..n) is one JSON value (blanks around it) that cJSON surely
 * parses; 0 if it is not, or if it is unusual (then ask cJSON). */
int json_scan_valid(const char *t, size_t n);

/* Where the large containers of a validated text end: the validation pass
 * notes every array and object spanning JSON_INDEX_MIN bytes or more, so
 * that walking the text later (json_lazy.h) jumps over them instead of
 * scanning them again. Only an accelerator: a container it does not list
 * is scanned (json_skip). Entries are sorted by start. */
#define JSON_INDEX_MIN 256
struct json_span { const char *start; size_t len, count; };   /* count: array elements */
struct json_index { struct json_span *e; size_t n, cap; };

/* json_scan_valid that also appends t's large containers to ix (may be
 * NULL; texts indexed one after another must lie at increasing addresses).
 * Out of memory for the index only leaves it shorter. */
int json_scan_index(const char *t, size_t n, struct json_index *ix);
/* The entry starting at p, or NULL. */
const struct json_span *json_index_find(const struct json_index *ix, const char *p);
void json_index_free(struct json_index *ix);

/* Length of the RFC 8259 number starting at t[0] (t[0..n)), 0 if there is
 * none or it is longer than JSON_NUMBER_MAX. Stops at the first byte that
 * cannot continue it; the caller checks what follows. */
size_t json_number_len(const char *t, size_t n);

/* t[0..k) must be exactly one RFC 8259 number: 1 and its value in *out
 * (strtod semantics, C locale), else 0. */
int json_number(const char *t, size_t k, double *out);

#endif
