/* vmath_divblk.h: a division of probabilities by their total with the
 * draws' block sums of the quotients in the same pass (a plain
 * temperature's final p over every token, for draw_blocks: emu_trim.c
 * in place, chain.c's finish from its q), with or without the entropy.
 * Units as vmath.h. */
#ifndef LS_VMATH_DIVBLK_H
#define LS_VMATH_DIVBLK_H

#include <stddef.h>

/* vm_divide_into(a, n, s, out) and then vm_block_sums(out, n, block, pre)
 * over the quotients, in one pass: the same quotients and the same block
 * sums, bit for bit, on every path (block a multiple of 8; pre holds
 * n / block + 2). out may be a (in place) or not overlap it. */
void vm_divide_blocks(const double *a, size_t n, double s, double *out, size_t block, double *pre);
/* vm_divide_entropy(q, z, n, S, off, invT, lnS, p) and then
 * vm_block_sums(p, n, block, pre), in one pass: the same quotients, sum
 * and block sums, bit for bit, on every path (for a run that keeps every
 * token and whose scores are read before its draws: chain.c's finish) */
double vm_divide_entropy_blocks(const double *q, const float *z, size_t n, double S, double off, double invT,
                                double lnS, double *p, size_t block, double *pre);

#endif
