/* vmath_expf.h: llama.cpp's float exp, to the bit, in vector lanes, and
 * its float sum in index order (owner: hI; vmath_expf.c).
 *
 * llama.cpp calls libm's expf. glibc's expf is one algorithm (a double
 * reduction by a 32-entry table of 2^(i/32), a cubic for the rest, the
 * double result rounded to float) built twice, with and without FMA
 * contraction, and picked at run time by the CPU. The two builds differ
 * on at least one input (x = -0x1.f8cbb2p+5: 0x1.f45326p-92 with FMA,
 * 0x1.f45324p-92 without). ls_expf is the definition here: the FMA
 * build's bits on every machine and SIMD path (the portable path asks
 * libm's fma(), which is exact everywhere), checked equal to this
 * machine's libm expf (glibc 2.36, __expf_fma) on every float from -inf
 * to +0 (tests/unit/test_vmath_expf.c keeps a sampled check).
 *
 * Units: x in nats (float); results are floats in [0, 1] for x <= 0.
 * ls_expf and the kernels: vmath_expf.c; vm_expf_seqsum and
 * vm_fsum_reach: vmath.c (its table, vmath_ops.h). */
#ifndef LS_VMATH_EXPF_H
#define LS_VMATH_EXPF_H

#include <stddef.h>

/* glibc's expf (its FMA build) of x <= 0 (any float: -inf gives 0; x > 0
 * and NaN fall back to libm's expf) */
float ls_expf(float x);

/* e[i] = ls_expf(z[i] - mx) (the float subtraction) for i < n, every z[i]
 * <= mx (NaN-free); returns llama.cpp's softmax sum c = 0, c += e[i] in
 * index order, to the bit. est (may be NULL): the sum of estimates of
 * exp((double)z[i] - mx) over i < n, each within 2^-31 of its term
 * (relative; 0 below mx - 103, where the term is below 2^-149). zmin (may
 * be NULL): the smallest z[i] (mx for n == 0). e may not alias z. */
float vm_expf_seqsum(const float *z, size_t n, float mx, float *e, double *est, float *zmin);

/* llama.cpp's top-p walk: c = *c; c += x[i] in index order (x[i] >= 0)
 * up to the first i where c >= P: returns i + 1 with *c that sum, or 0
 * (never reached) with *c the whole sum. To the bit (the vectors add a
 * block where its binade makes the order irrelevant and its end stays
 * below P). */
size_t vm_fsum_reach(const float *x, size_t n, float P, float *c);

#endif
