/* vmath_exp_ids.h: libm's exp at listed tokens (HF's and vLLM's final
 * softmax of a large nucleus: emu_torch_topp_run.c's survivors).
 * Units: y and mx logits in nats; out unnormalised weights by id.
 * Kernels: vmath_exp_ids.c; the functions: vmath.c (its table,
 * vmath_ops.h). */
#ifndef LS_VMATH_EXP_IDS_H
#define LS_VMATH_EXP_IDS_H

#include <stddef.h>
#include <stdint.h>

/* out[ids[j]] = exp((double)y[ids[j]] - mx) for j < m, each libm's exp
 * bit for bit (a vector copy of it where one is proven equal: see
 * vmath_exp_ids.c; else libm itself). ids distinct. */
void vm_libm_exp_ids(const float *y, const int32_t *ids, size_t m, double mx, double *out);

/* The same for the survivors of a cut: ids[0..m) are exactly the i < n
 * with code[i] == keep, ascending, and every other out[i] is 0 (and stays
 * 0); a run over every position instead of the list when the survivors
 * are many (no gathers). */
void vm_libm_exp_kept(const float *y, const int32_t *ids, size_t m, const uint8_t *code, uint8_t keep, size_t n,
                      double mx, double *out);

/* The way they take: "vector" or "libm" (tests, benches). */
const char *vm_libm_exp_way(void);

#endif
