/* vmath_divblk.h: a division of probabilities by their total with the
 * draws' block sums of the quotients in the same pass (a plain
 * temperature's final p over every token: emu_trim.c, for draw_blocks).
 * Units as vmath.h. */
#ifndef LS_VMATH_DIVBLK_H
#define LS_VMATH_DIVBLK_H

#include <stddef.h>

/* vm_divide(a, n, s) and then vm_block_sums(a, n, block, pre) over the
 * quotients, in one pass: the same quotients and the same block sums, bit
 * for bit, on every path (block a multiple of 8; pre holds n / block + 2). */
void vm_divide_blocks(double *a, size_t n, double s, size_t block, double *pre);

#endif
