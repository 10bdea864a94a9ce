/* seqsum_exp.h: libm's weights as seqsum.h sources, from vector estimates
 * with an error bound: the one builder the emu fast paths share
 * (emu_account, emu_lazy, emu_fsum, emu_llama_topp_run, emu_trim_pen).
 *
 * The weight of position i is libm's
 *
 *     d_i = exp((double)(y[i] / T) - mx)
 *
 * y: float logits in nats; T: a float division taken first (torch's
 * y / T), 1 for none (y / 1 is y itself); mx: the shift in nats (the
 * largest y / T, so d <= 1). d is unnormalised; no unit.
 *
 * Contract: an estimate est_i of d_i from vmath's vector exp of the same
 * float argument (seqsum_exp_estimate), or the raw softmax's p_raw_i times
 * its sum, is within SEQSUM_EXP_REL * est_i + SEQSUM_EXP_ABS of d_i: the
 * vector exp is within 2 ulp of libm's (tests/unit/test_seqsum.c sweeps
 * it), a product or a division adds one, and the bound allows 16 ulp (four
 * times the need) plus 2^-1000 for subnormal results. seqsum adds an
 * estimate whose whole interval rounds to one sum as it is and asks
 * seqsum_exp_term (libm) for the few others, so every sum is the plain
 * sequential sum of libm's d in index order, to the bit. */
#ifndef LS_SEQSUM_EXP_H
#define LS_SEQSUM_EXP_H

#include <math.h>
#include <stdint.h>

#include "sampling/seqsum.h"

#define SEQSUM_EXP_REL 0x1p-48
#define SEQSUM_EXP_ABS 0x1p-1000

struct seqsum_exp {
    const float *y; /* the logits, by position */
    float T;        /* the float division first (1: none) */
    double mx;      /* the shift */
};

/* libm's d_i */
static inline double seqsum_exp_d(const struct seqsum_exp *x, uint32_t i)
{
    return exp((double)(x->y[i] / x->T) - x->mx);
}

/* the same as a seqsum_src's exact term (ctx: a struct seqsum_exp) */
double seqsum_exp_term(void *ctx, uint32_t i);

/* est[0..n): the vector estimates of d_0..d_{n-1} (vm_exp_shift, or
 * vm_exp_fdiv_shift when T is not 1); y[0..n) finite. Returns their sum
 * in any order (vmath's lanes: within n * 2^-53 of the exact sum of the
 * estimates, relative). */
double seqsum_exp_estimate(const struct seqsum_exp *x, uint32_t n, double *est);

/* The source whose terms are d_i over the i with take[i] != 0 (take NULL:
 * every i), estimated as est[i] * mul (mul 1: est itself; the raw
 * softmax's divided p_raw with mul its sum). x outlives the sum. */
struct seqsum_src seqsum_exp_src(struct seqsum_exp *x, const double *est, double mul, const uint8_t *take);

/* A cut's two masses over i < n, each the sequential sum in index order
 * to the bit: out[0] of every d_i, out[1] of the d_i with cut[i] != 0
 * (one seqsum_many over est[i] * mul). */
void seqsum_exp_masses(struct seqsum_exp *x, const double *est, double mul, const uint8_t *cut, uint32_t n,
                       double out[2]);

#endif
