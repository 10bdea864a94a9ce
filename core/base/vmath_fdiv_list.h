/* vmath_fdiv_list.h: vm_exp_fdiv with the tokens near the top listed in
 * the same pass (HF's and vLLM's top-p over every token: emu_trim_torch).
 * Units as vmath.h: logits in nats, weights unnormalised. Kernels:
 * vmath_fdiv_list.c; the function: vmath.c (its table, vmath_ops.h). */
#ifndef LS_VMATH_FDIV_LIST_H
#define LS_VMATH_FDIV_LIST_H

#include <stddef.h>
#include <stdint.h>

/* vm_exp_fdiv(z, n, T, shift, y, out) (the same y, out and returned sum,
 * bit for bit, on every path), and in the same pass the ids (ascending)
 * of the z[i] >= zmin into ids (room for n), their count into *n_ids.
 * For finite z only (as vm_exp_fdiv); y and out may not be NULL. */
double vm_exp_fdiv_list(const float *z, size_t n, float T, double shift, float *y, double *out, float zmin,
                        int32_t *ids, size_t *n_ids);

#endif
