/* json_prefix.h: is a byte string still the beginning of some JSON text?
 *
 * A streaming JSON syntax checker (RFC 8259 grammar: one value, whitespace
 * around it, nesting up to JP_MAX_DEPTH) fed a piece at a time. It answers
 * the question "can any continuation of what was fed so far still parse?"
 * exactly at every byte: feeding returns -1 at the first byte after which
 * no completion can be valid JSON, and jp_complete says whether what was
 * fed is already a whole document. Used by the JSON evaluator to find the
 * step whose token breaks a sampled continuation (eval_json.c).
 *
 * Owns: a fixed state (no allocation). Units: bytes.
 *
 *   struct json_prefix jp; jp_init(&jp);
 *   if (jp_feed(&jp, tok, len) < 0) ... this piece broke it
 */
#ifndef LS_JSON_PREFIX_H
#define LS_JSON_PREFIX_H

#include <stddef.h>

#define JP_MAX_DEPTH 1000   /* cJSON's nesting limit */

struct json_prefix {
    int mode;                     /* internal state */
    int depth;
    int lit, lit_pos;             /* literal being matched (true/false/null) */
    int hex;                      /* \uXXXX digits left */
    int broken;
    char stack[JP_MAX_DEPTH];     /* '[' or '{' per open container */
};

void jp_init(struct json_prefix *jp);
/* Feed n bytes: 0 while the text is still a prefix of some JSON text, -1
 * from the byte that made it impossible (and every call after). */
int jp_feed(struct json_prefix *jp, const char *s, size_t n);
/* 1 if what was fed is a whole JSON text (a complete value, whitespace
 * after it), 0 otherwise. */
int jp_complete(const struct json_prefix *jp);

#endif
