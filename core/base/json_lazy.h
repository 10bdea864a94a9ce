/* json_lazy.h: a cJSON tree whose large arrays stay text until walked.
 *
 * Why: a whole cJSON tree of a logprobs file costs 10-16x the file (a
 * 64-byte node plus a malloc per key, string and number). The JSON loaders
 * validate the text once (json_scan_valid), parse a skeleton here, and walk
 * large arrays an element at a time: only the current element is a tree.
 * Peak memory is then the text, the loader's own result, and the biggest
 * skeleton or element (README: "Memory").
 *
 * json_lazy_parse(t, n) parses the one value in t[0..n) (text that
 * json_scan_valid accepted) with cJSON, except that every array inside it
 * spanning JSON_LAZY_MIN bytes or more (and the value itself when it is an
 * array and root_lazy is set) is a *lazy array*: a cJSON array node without
 * children that remembers its text (marked cJSON_IsReference, so cJSON_Delete
 * leaves the text alone; valuestring points at its '[' in t, valueint holds
 * its element count, valuedouble its length in bytes). The text must outlive
 * the tree.
 *
 * Finding where a large array ends would mean scanning it again at every
 * level; the validation pass notes those ends (json_scan_index) and the
 * owner of the text makes that index current (json_lazy_index), so the
 * text is scanned once and parsed once.
 *
 * Every array a loader walks goes through json_elems (and json_array_size),
 * which handle both kinds; cJSON_ArrayForEach on a lazy array sees nothing.
 *
 *   struct json_elems it;
 *   const cJSON *e;
 *   int rc = LS_OK;
 *   json_elems_begin(&it, arr);
 *   while (!rc && (e = json_elems_next(&it))) rc = use(e);   // e lives until the next call
 *   rc = json_elems_end(&it, rc, err);                         // frees; out of memory -> LS_ELIMIT
 *
 * Owns: the trees it returns (cJSON_Delete) and each iterator's current
 * element. Units: bytes.
 */
#ifndef LS_JSON_LAZY_H
#define LS_JSON_LAZY_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "base/json_scan.h"
#include "base/status.h"

#define JSON_LAZY_MIN 256   /* arrays this long (bytes of text) or longer stay text */

/* Parse validated text t[0..n) (blanks around the value allowed). NULL
 * with *oom = 1 when out of memory; NULL with *oom = 0 if cJSON refused the
 * text after all (it was not validated). */
cJSON *json_lazy_parse(const char *t, size_t n, int root_lazy, int *oom);

/* The index of the large containers of the text being parsed
 * (json_scan_index), or NULL: per thread; only makes the walks faster.
 * Set by whoever owns the index for as long as it lives. */
void json_lazy_index(const struct json_index *ix);
const struct json_index *json_lazy_current_index(void);

/* 1 if a is a lazy array. */
int json_is_lazy(const cJSON *a);

/* Elements of an array (cJSON_GetArraySize for both kinds; 0 for NULL or a
 * non-array). */
int json_array_size(const cJSON *a);

struct json_elems {
    const cJSON *next;       /* a parsed array: the next child */
    const char *p, *end;     /* a lazy array: scan position, end of its text */
    cJSON *cur;              /* a lazy array: the element handed out last (owned) */
    const char *at;          /* a lazy array: text of the element handed out last */
    size_t len;
    int failed;              /* 1 out of memory, 2 text that was not valid */
};

void json_elems_begin(struct json_elems *it, const cJSON *arr);
/* The next element, NULL at the end (or on failure: see json_elems_end).
 * The element lives until the next call or json_elems_end. */
const cJSON *json_elems_next(struct json_elems *it);
/* Free the iterator; returns rc, or when rc is LS_OK and the walk failed,
 * LS_ELIMIT (out of memory) or LS_EDATA. */
int json_elems_end(struct json_elems *it, int rc, struct ls_error *err);

#endif
