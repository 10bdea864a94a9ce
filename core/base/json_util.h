/* json_util.h: strict JSON parsing with cJSON and precise error locations.
 *
 * json_parse applies robustness.md section 2: it rejects NUL bytes, UTF-16 and
 * UTF-32 files and whitespace-only input with specific messages, skips a
 * UTF-8 BOM, and parses with cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1)
 * (length includes the NUL; trailing garbage is an error), reporting
 * "invalid JSON at line L, column C". Python's bare NaN, Infinity and
 * -Infinity outside strings are either rewritten in place (same length,
 * so offsets stay valid) to values the native loader recognises, or
 * rejected naming the literal and its position.
 *
 * Error messages name the path in the document ("steps[3].logits[7]") and,
 * via json_locate, the line:column of that value in the original text.
 *
 * Ownership: *root is freed by the caller with cJSON_Delete.
 */
#ifndef LS_JSON_UTIL_H
#define LS_JSON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/status.h"

enum json_literals {
    JSON_LITERALS_REJECT = 0,  /* NaN/Infinity: error naming the literal and line:col */
    JSON_LITERALS_REWRITE      /* NaN -> [] (empty array marks NaN), Infinity -> 1e999 */
};

/* buf must have buf[len] == 0 and be writable. *n_literals receives how
 * many NaN/Infinity literals were rewritten. */
/* cJSON_ParseWithLengthOpts (buf[len] must be NUL; the length passed
 * includes it), telling an allocation failure apart from a syntax error:
 * *oom = 1 when cJSON ran out of memory (cJSON reports both as NULL). The
 * cJSON allocation hooks are installed once, process-wide. */
cJSON *json_parse_opts(const char *buf, size_t len, const char **end, int require_null, int *oom);

/* The value in t[0..n) (no NUL needed after it; what follows the value is
 * not checked: *end says where it stopped). *oom as above. */
cJSON *json_parse_span(const char *t, size_t n, const char **end, int *oom);

/* The one test of "this text is valid JSON" every JSON-validity score uses
 * (eval's json evaluator, generated continuations, the live explorer):
 * text[0..len), with text[len] == NUL, is one JSON value with nothing but
 * whitespace after it; a NUL byte inside is never valid. Returns the parsed
 * document (the caller frees it with cJSON_Delete) or NULL. */
cJSON *json_value_of(const char *text, size_t len);

/* A number, or null when v is not finite (JSON has no NaN or infinity):
 * the one "number or null" every document writes with. */
cJSON *json_num(double v);
void json_add_num(cJSON *obj, const char *key, double v);

/* The size in bytes of the whole JSON text being loaded (the file), or 0:
 * per thread, set by whoever loads it for as long as it loads. Only for
 * messages: out of memory in one piece reports what the file needs
 * (json_oom_fail), not what the piece was. */
void json_text_size(size_t n);
size_t json_current_text_size(void);

/* The message for a parse of len bytes that ran out of memory: LS_ELIMIT
 * (exit 5), never "invalid JSON", with the file's size (the loader's
 * json_text_size, else len), the memory the documented peak gives for
 * it and what to try. whole: a whole cJSON tree (text the scanner leaves to
 * cJSON), else the skeleton path (base/json_lazy.h). */
int json_oom_fail(size_t len, int whole, struct ls_error *err);
/* Peak memory of loading a JSON file, as a multiple of its size (README,
 * measured by tests/bench/json_peak.sh): skeletons and lazy arrays, and a
 * whole cJSON tree. */
#define JSON_PARSE_PEAK 3
#define JSON_TREE_PEAK 16

int json_parse(char *buf, size_t len, enum json_literals lit, cJSON **root,
               size_t *n_literals, struct ls_error *err);
/* json_parse's checks before cJSON (empty, UTF-16/32, NUL, BOM blanked,
 * whitespace only, NaN/Infinity literals), with its messages. */
int json_precheck(char *buf, size_t len, enum json_literals lit, size_t *n_literals, struct ls_error *err);

/* "number", "string", "null", "object", "array", "boolean" */
const char *json_type_name(const cJSON *v);

/* Byte offset of the value at `path` ("a.b[3].c") in buf, or -1. Used only
 * to decorate error messages, so it is a small skipping scanner. */
long json_locate(const char *buf, size_t len, const char *path);

/* line:col (1-based) of byte offset off. */
void json_line_col(const char *buf, size_t off, long *line, long *col);

/* Format " (line L, column C)" for path into out, or "" if not found. */
void json_where(const char *buf, size_t len, const char *path, char *out, size_t outsz);

/* Typed accessors: on mismatch they fail with LS_EDATA and the message
 * "PATH: expected T, got U (line L, column C)". buf/len may be NULL. */
struct json_ctx {
    const char *buf;     /* original text (for line:col), may be NULL */
    size_t len;
};
int json_expect(const struct json_ctx *jc, const cJSON *v, int type_mask, const char *tname,
                const char *path, struct ls_error *err);
int json_get_number(const struct json_ctx *jc, const cJSON *v, const char *path, double *out,
                     struct ls_error *err);
int json_get_int(const struct json_ctx *jc, const cJSON *v, const char *path, long lo, long hi,
                 long *out, struct ls_error *err);

#endif
