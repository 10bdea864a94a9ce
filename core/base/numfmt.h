/* numfmt.h: the one short format of a probability on screen.
 *
 * Owns nothing. A probability in [0, 1] is written with 4 decimals, or in
 * 1e-05 style below 0.0001 (never a misleading 0.0000 for a token that can
 * still be drawn), or "0" for exactly zero. The distribution list, the
 * samples panel, the scores panel, the draws view and the token details
 * all use it, so one token reads the same number everywhere.
 *
 *   char b[16]; num_prob(b, sizeof b, 9e-08);   // "9e-08"
 */
#ifndef LS_NUMFMT_H
#define LS_NUMFMT_H

#include <stddef.h>

/* Writes p into b (at most 8 characters plus NUL) and returns b. */
const char *num_prob(char *b, size_t n, double p);

#endif
