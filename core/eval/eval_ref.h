/* eval_ref.h: the lexical comparisons behind the reference-based evaluators
 * (eval_reference.c), exposed for tests. Pure functions on byte strings;
 * nothing is allocated that outlives a call.
 *
 * Normalised text: ASCII letters lower-cased, every run of whitespace
 * (space, tab, newline, CR, FF, VT) replaced by one space, leading and
 * trailing whitespace removed; other bytes (UTF-8 included) unchanged.
 * Words: maximal runs of ASCII letters, digits and bytes >= 0x80 in the
 * normalised text (punctuation separates words and is not a word), at most
 * REF_MAX_WORDS per text (later words are ignored).
 *
 * These are lexical stand-ins for answer similarity: they count shared
 * words, not meaning. */
#ifndef LS_EVAL_REF_H
#define LS_EVAL_REF_H

#include <stddef.h>

#define REF_MAX_WORDS 2048

/* Normalise s[0..n) into out (room for n + 1 bytes); returns the length. */
size_t ref_normalise(const char *s, size_t n, char *out);
/* 1 if the normalised texts are equal. */
int ref_exact(const char *a, size_t na, const char *b, size_t nb);
/* 1 if the normalised text contains every normalised item (an empty item
 * is always contained; no items: 1). */
int ref_contains_all(const char *s, size_t n, const char *const *items, int n_items);
/* Word-level F1 (SQuAD style): overlap = size of the multiset intersection
 * of the words, P = overlap / |cand|, R = overlap / |ref|, F1 = 2PR/(P+R);
 * both empty: 1; one empty: 0. Returns -1 on out of memory. */
double ref_token_f1(const char *cand, size_t nc, const char *ref, size_t nr);
/* ROUGE-L F1 (Lin 2004, beta = 1): L = longest common subsequence of the
 * word sequences, P = L / |cand|, R = L / |ref|, F = 2PR/(P+R); both empty:
 * 1; one empty: 0. Returns -1 on out of memory. */
double ref_rouge_l(const char *cand, size_t nc, const char *ref, size_t nr);

#endif
