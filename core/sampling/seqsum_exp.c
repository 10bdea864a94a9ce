/* seqsum_exp.c: libm's weights exp(y / T - mx) as seqsum sources from
 * vector estimates (see seqsum_exp.h for the contract and the bound).
 * Units: logits in nats, weights unnormalised. */
#include "sampling/seqsum_exp.h"
#include "base/vmath.h"
#include "base/vmath_exp_ids.h"

double seqsum_exp_term(void *ctx, uint32_t i) { return seqsum_exp_d(ctx, i); }

/* seqsum_src.exact8 at T 1 (d_i = libm's exp((double)y[i] - mx), y / 1
 * being y): a lone lane by libm, several by vm_libm_exp_ids over all 8
 * (libm's bits, a vector copy where it is proven equal), cheaper than
 * two calls or more */
static void seqsum_exp_term8(void *ctx, uint32_t i, unsigned mask, double *out)
{
    static const int32_t lanes[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    const struct seqsum_exp *x = ctx;
    if (mask & (mask - 1)) { vm_libm_exp_ids(x->y + i, lanes, 8, x->mx, out); return; }
    for (int l = 0; l < 8; l++) if (mask >> l & 1) out[l] = seqsum_exp_d(x, i + (uint32_t)l);
}

double seqsum_exp_estimate(const struct seqsum_exp *x, uint32_t n, double *est)
{
    if (x->T == 1.0f) return vm_exp_shift(x->y, n, x->mx, 1.0, est, NULL);
    return vm_exp_fdiv_shift(x->y, n, x->T, x->mx, est, NULL);
}

struct seqsum_src seqsum_exp_src(struct seqsum_exp *x, const double *est, double mul, const uint8_t *take)
{
    struct seqsum_src s = { est, take, mul, SEQSUM_EXP_REL, SEQSUM_EXP_ABS, seqsum_exp_term, x, 0, 0,
                            x->T == 1.0f ? seqsum_exp_term8 : NULL };
    return s;
}

void seqsum_exp_masses(struct seqsum_exp *x, const double *est, double mul, const uint8_t *cut, uint32_t n,
                       double out[2])
{
    const struct seqsum_src src[2] = { seqsum_exp_src(x, est, mul, NULL), seqsum_exp_src(x, est, mul, cut) };
    seqsum_many(src, 2, n, out);
}
