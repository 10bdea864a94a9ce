/* vmath_torch_expf.h: ls_expf (glibc's expf, vmath_expf.h) over an array, as torch's float softmax needs
 * it (HF's and vLLM's top-p over every token: emu_torch_topp_run.c).
 * Units: y and mx logits in nats; ef unnormalised float weights.
 * Kernels: vmath_torch_expf.c; the functions: vmath.c (its table,
 * vmath_ops.h). */
#ifndef LS_VMATH_TORCH_EXPF_H
#define LS_VMATH_TORCH_EXPF_H

#include <stddef.h>

/* ef[i] = ls_expf((float)((double)y[i] - mx)) for i < n, bit for bit
 * (vmath_expf.h's definition; in ls_expf's own lanes on the AVX2 and
 * AVX-512 paths: see vmath_torch_expf.c); returns the sum
 * of (double)ef[i] added in index order from +0. */
double vm_expf_shift_sum(const float *y, size_t n, double mx, float *ef);

/* The same ef, and that sum rounded to float (torch's float total), the
 * same bits: on the AVX2 and AVX-512 paths from a sum in any order with
 * its error bound (the index-order sum only when the bound straddles a
 * rounding boundary); the sum in any order (within n 2^-53 of the exact
 * sum, relative) into *sum when sum is not NULL. */
float vm_expf_shift_sumf(const float *y, size_t n, double mx, float *ef, double *sum);

/* The way vm_expf_shift_sum takes (tests, benches): "vector" (ls_expf's
 * lanes) or "scalar" (the portable path: ls_expf one float at a time). */
const char *vm_expf_way(void);

#endif
