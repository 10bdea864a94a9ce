/* emu_soft.c: the log-sum-exp HF's eta and typical-p take from the
 * current logits, over plain arrays instead of the array path's records
 * (emu_trim_eps.c, emu_trim_typical.c). Owner: hE (issue 9). Units: y and
 * ymax logits in nats (ymax the largest y).
 *
 * eta.c and typical.c sum S = exp(y_i - ymax) with libm's exp in double,
 * in index order, then take ymax + ln S. Here S is seqsum's exact
 * sequential sum of vector estimates (seqsum_exp.h: libm asked wherever
 * an estimate could round the sum another way): the same bits without a
 * libm exp per token. */
#include "sampling/stage.h"
#include "sampling/seqsum_exp.h"

#include <math.h>

double emu_lse_seq(struct emu *e, const float *y, uint32_t n, double ymax)
{
    struct seqsum_exp x = { y, 1.0f, ymax };
    seqsum_exp_estimate(&x, n, e->d);
    const struct seqsum_src src = seqsum_exp_src(&x, e->d, 1.0, NULL);
    return ymax + log(seqsum(&src, n));
}
