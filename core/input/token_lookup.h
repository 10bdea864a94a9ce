/* token_lookup.h: what the sampling stages that take tokens by name need
 * from a source: a logit-bias item (a file id, or a token's exact text) to
 * the source's compact ids, a token's text for DRY's sequence breakers, and
 * those breakers processed over the source's vocabulary.
 *
 * Ids are the file's (source_file_id); texts are the vocabulary's bytes as
 * stored (what show prints, before display escaping). */
#ifndef LS_TOKEN_LOOKUP_H
#define LS_TOKEN_LOOKUP_H

#include "input/source.h"
#include "sampling/dry_breakers.h"
#include "sampling/logit_bias.h"

/* bias_lookup_fn over a source (ctx: const struct source *). */
int source_bias_lookup(const void *ctx, const struct bias_item *it, int32_t *ids, uint32_t max, uint32_t *n,
                       struct ls_error *err);
/* token_text_fn over a source (ctx: const struct source *). */
const char *source_token_text(const void *ctx, int32_t id, size_t *len);
/* The spec resolved against s into out. */
int source_bias_resolve(const struct source *s, const struct bias_spec *sp, struct logit_bias *out,
                        struct ls_error *err);
/* DRY's breakers over s's vocabulary: strs[0..n), or llama.cpp's defaults
 * when strs is NULL. A source without a vocabulary gets none (*out NULL). */
int source_dry_breakers(const struct source *s, const char *const *strs, int n, struct dry_breakers **out,
                        struct ls_error *err);

#endif
