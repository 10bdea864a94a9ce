/* json_prefix.h: where a text stops being the start of any JSON document.
 *
 * A byte string is a viable prefix when some continuation of it parses as
 * one JSON value (RFC 8259, surrounding whitespace allowed). JSON's grammar
 * needs one byte of lookahead, so a pushdown automaton decides this byte by
 * byte: json_prefix_break returns the offset of the first byte after which
 * no completion parses, or -1 when the whole text is still viable (complete
 * or not). Used to say at which generated token a JSON continuation broke.
 *
 * Limits: nesting beyond JSON_PREFIX_MAX_DEPTH counts as broken (cJSON's
 * own limit is 1000); UTF-8 inside strings is not checked (cJSON does not). */
#ifndef LS_JSON_PREFIX_H
#define LS_JSON_PREFIX_H

#include <stddef.h>

#define JSON_PREFIX_MAX_DEPTH 1000

long json_prefix_break(const char *s, size_t len);
/* 1 when s is a viable prefix that is already a complete value. */
int json_prefix_complete(const char *s, size_t len);

#endif
