/* vmath_ops.h: the one table of vector kernels, one row per SIMD path
 * (internal to core/base's vmath*.c files; not an API: callers use
 * vmath.h and the vmath_*.h headers).
 *
 * vmath.c owns the table, its choice (once, from the CPU and
 * LOGITSCOPE_SIMD; see vmath.h) and every API function that calls
 * through it. Its own kernels are instantiated there; the kernels of
 * vmath_fdiv_list.c, vmath_expf.c, vmath_torch_expf.c, vmath_exp_ids.c and
 * vmath_divblk.c
 * are defined in those files, one function per path named
 * vmk_<kernel>_<path>, and listed in the table by vmath.c's VM_ROW; those
 * files call nothing in vmath.c (make check fails on a call cycle
 * between objects), so their API functions are vmath.c's too. A
 * kernel whose bits rest on something outside this project (libm's exp:
 * vmath_exp_ids.c) has an entry condition, checked once when the table is
 * chosen; a row whose check fails takes the next lower path's kernel
 * (the portable row has none to check). */
#ifndef LS_VMATH_OPS_H
#define LS_VMATH_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "base/vmath.h"

typedef void (*vmk_ids_fn)(const float *, const int32_t *, size_t, double, double *);
/* the row's div_sum, handed to a kernel that sums with it (a kernel file
 * calls nothing in vmath.c: no call cycle between the objects) */
typedef double (*vmk_sum_fn)(const double *, size_t, double, double *, double);

struct vm_ops {
    const char *name;
    int lanes; /* floats a vector of the path holds: 16, 8, or 4 (portable) */
    void (*scan)(const float *, size_t, struct vm_scan *, float, int32_t *, size_t, size_t *);
    double (*exp_shift)(const float *, size_t, double, double, double *, double *, double *, int);
    double (*exp_div)(const float *, size_t, float, double, double *, double *);
    void (*divide)(const double *, size_t, double, double *);
    size_t (*nonfinite)(const float *, size_t);
    double (*fdiv)(const float *, size_t, float, double, float *, double *);
    size_t (*collect)(const float *, size_t, double, int32_t *);
    size_t (*abs_gt)(const float *, size_t, double);
    size_t (*nf_abs_gt)(const float *, size_t, double, size_t *);
    size_t (*nf_abs_scan)(const float *, size_t, double, size_t *, struct vm_scan *);
    int (*scan_rank)(const float *, size_t, struct vm_rank *, float, float, float, float, struct vm_scan *);
    void (*iota)(int32_t *, size_t);
    void (*fdiv_only)(const float *, size_t, float, float *);
    double (*expf_sum)(const float *, size_t, float, float, float, int32_t *, size_t *, double *, size_t *);
    void (*terms)(const double *, const float *, uint32_t, double, double, double, double *);
    uint32_t (*above)(const double *, uint32_t, uint32_t, double, int, double, int32_t *, uint32_t *, uint32_t);
    double (*div_sum)(const double *, size_t, double, double *, double);
    double (*cum)(const double *, size_t, double *, double);
    void (*block_sums)(const double *, size_t, size_t, double *);
    double (*div_ent)(const double *, const float *, size_t, double, double, double, double, double *, size_t,
                      double *);
    /* the other files' kernels (their headers say what each computes) */
    double (*fdiv_list)(const float *, size_t, float, double, float *, double *, float, int32_t *, size_t *);
    float (*expf_seq)(const float *, size_t, float, float *, double *, float *);   /* vm_expf_seqsum */
    size_t (*fsum_reach)(const float *, size_t, float, float *);                   /* vm_fsum_reach */
    double (*expf_shift_sum)(const float *, size_t, double, float *, vmk_sum_fn);  /* vm_expf_shift_sum */
    double (*expf_any)(const float *, size_t, double, float *);                    /* vm_expf_shift_sumf */
    vmk_ids_fn exp_ids;                                                             /* vm_libm_exp_ids */
    void (*exp_kept)(const float *, const int32_t *, size_t, const uint8_t *, uint8_t, size_t, double, double *);
    void (*divblk)(const double *, size_t, double, double *, size_t, double *);                    /* vm_divide_blocks */
};

/* the chosen row (after its entry conditions) */
const struct vm_ops *vm_ops_get(void);

/* the per-path kernels of the other files (S: portable, avx2, avx512) */
#define VMK_DECLARE(S)                                                                                      \
    double vmk_fdiv_list_##S(const float *, size_t, float, double, float *, double *, float, int32_t *,    \
                             size_t *);                                                                    \
    float vmk_expf_seq_##S(const float *, size_t, float, float *, double *, float *);                     \
    double vmk_expf_shift_sum_##S(const float *, size_t, double, float *, vmk_sum_fn);                    \
    double vmk_expf_any_##S(const float *, size_t, double, float *);                                      \
    size_t vmk_fsum_reach_##S(const float *, size_t, float, float *);                                     \
    void vmk_exp_ids_##S(const float *, const int32_t *, size_t, double, double *);                       \
    void vmk_exp_kept_##S(const float *, const int32_t *, size_t, const uint8_t *, uint8_t, size_t, double, \
                          double *);                                                                       \
    void vmk_divblk_##S(const double *, size_t, double, double *, size_t, double *);
VMK_DECLARE(portable)
#if defined(__x86_64__) && defined(__GNUC__)
VMK_DECLARE(avx2)
VMK_DECLARE(avx512)
#endif

/* exp_ids' entry condition: 1 when f gives libm's exp on a fixed set of
 * arguments (vmath_exp_ids.c) */
int vmk_exp_ids_check(vmk_ids_fn f);

#endif
