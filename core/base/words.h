/* words.h: joining names into one line of text ("hf, llama.cpp, vllm"),
 * for messages and help that list what a table holds. The caller owns the
 * buffer; output is truncated to fit and always terminated. */
#ifndef LS_WORDS_H
#define LS_WORDS_H

#include <stddef.h>

/* word i of a table; ctx is the table */
typedef const char *(*words_get_fn)(const void *ctx, int i);

/* get(ctx, 0) .. get(ctx, n - 1) joined by sep into buf. Returns buf. */
char *words_join(words_get_fn get, const void *ctx, int n, const char *sep, char *buf, size_t bufsz);

/* words_get_fn for a plain array of strings: ctx is `const char *const *` */
const char *words_at(const void *list, int i);

#endif
