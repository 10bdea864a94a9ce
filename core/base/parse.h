/* parse.h: the one number parser and the one list parser of every front end
 * (command line, explorer commands).
 *
 * A value is the whole string: no leading or trailing junk, no blanks,
 * numbers in the C locale ('.' decimal point), finite (no NaN, no inf), and
 * inside the caller's closed range [lo, hi]. Messages name the value but not
 * the option or command it came from ("expected a number, got 'warm'"); the
 * caller adds that context with ls_error_prefix ("--temperature", "set
 * top-p" in the explorer), so core text never speaks a front end's language.
 *
 * Lists are comma-separated values with no empty items, at most `max` of
 * them; each item goes through the same number parser. Every function
 * returns LS_OK or LS_EUSAGE; a number parser leaves *out untouched on
 * error (a list may have stored the items before the bad one). */
#ifndef LS_PARSE_H
#define LS_PARSE_H

#include <stdint.h>
#include "base/status.h"

/* A finite decimal double in [lo, hi] (no hex, inf or nan spelling); pass
 * -INFINITY/INFINITY for no bound. */
int parse_double(const char *s, double lo, double hi, double *out, struct ls_error *err);
/* A decimal integer in [lo, hi]. */
int parse_long(const char *s, long lo, long hi, long *out, struct ls_error *err);
/* A non-negative integer (decimal, or 0x hex) in [lo, hi]. */
int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, struct ls_error *err);

/* Longest list item accepted, in bytes. */
#define PARSE_ITEM_MAX 63

/* Split s at commas and hand each item (NUL-terminated, index i) to fn,
 * which parses and stores it. Errors: an empty or over-long item ("bad list
 * '...' (comma-separated numbers)"), more than max items ("at most N
 * values"), or fn's own error. *n is the number of items on success. */
typedef int (*parse_item_fn)(const char *item, int i, void *ctx, struct ls_error *err);
int parse_list(const char *s, int max, parse_item_fn fn, void *ctx, int *n, struct ls_error *err);

/* A list of finite doubles in [lo, hi] into out[0..max). */
int parse_double_list(const char *s, double lo, double hi, double *out, int max, int *n,
                      struct ls_error *err);

#endif
