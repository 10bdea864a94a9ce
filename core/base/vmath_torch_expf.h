/* vmath_torch_expf.h: libm's expf over an array, as torch's float softmax needs
 * it (HF's and vLLM's top-p over every token: emu_torch_topp_run.c).
 * Units: y and mx logits in nats; ef unnormalised float weights. */
#ifndef LS_VMATH_TORCH_EXPF_H
#define LS_VMATH_TORCH_EXPF_H

#include <stddef.h>

/* ef[i] = expf((float)((double)y[i] - mx)) for i < n, each libm's expf
 * bit for bit (on a CPU and C library where a vector copy of it is proven
 * equal, that copy: see vmath_expf.c; else libm itself); returns the sum
 * of (double)ef[i] added in index order from +0. */
double vm_expf_shift_sum(const float *y, size_t n, double mx, float *ef);

/* The way vm_expf_shift_sum takes: "vector" or "libm" (tests, benches). */
const char *vm_expf_way(void);

#endif
