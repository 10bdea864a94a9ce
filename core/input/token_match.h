/* token_match.h: matching two sources' tokens by their text.
 *
 * An API output without token ids numbers its distinct token texts in order
 * of first appearance (source.local_ids), so two such files number the
 * same token differently. Comparing them (diff, the explorer's --compare)
 * needs one id space: A's ids stay, each of B's ids maps to A's id with the
 * same bytes, and B's texts A lacks get new ids from A's V on.
 *
 * Ownership: *b2a (B's vocab_size entries) is malloc'd for the caller to
 * free. */
#ifndef LS_TOKEN_MATCH_H
#define LS_TOKEN_MATCH_H

#include <stdint.h>
#include "input/source.h"

/* Fails (LS_EDATA) when a side has no text for some id: nothing to match
 * by. *V: the size of the joint id space. */
int token_match_by_text(const struct source *a, const struct source *b, int32_t **b2a, uint32_t *V,
                        struct ls_error *err);

#endif
