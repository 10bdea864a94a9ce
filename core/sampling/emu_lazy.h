/* emu_lazy.h: emu_run's accounting of a cut stage over many candidates
 * without a libm exp per candidate (emu_lazy.c). Owner: hC (issue 9).
 * Units: logits in nats; weights d = exp(logit - max) unnormalised. */
#ifndef LS_EMU_LAZY_H
#define LS_EMU_LAZY_H

#include "sampling/emu.h"

/* below this many alive candidates the libm exps are cheap enough */
#define EMU_LAZY_MIN 2048

/* Before a stage that reads neither e->d nor e->S_in (every stage but
 * top-p): the alive ids into e->in, in array order, their logits as
 * floats into e->yd (position j), the maximum into e->mx_in (e->S_in NaN:
 * not formed); their count into *n_in. 0 when not applicable (fewer than
 * EMU_LAZY_MIN, or a logit that is not a float's value: exact rules):
 * then list them the usual way. */
int emu_lazy_list(struct emu *e, uint32_t *n_in);

/* After the stage: what emu_run's account gives, to the bit: cut_by of the
 * listed ids, the stage's counts, its masses (the sequential sums of
 * libm's weights in list order, seqsum.h over vector estimates) and, when
 * ties counts (a stage that only removes), the tie flag (libm's weights of
 * the extreme kept and cut candidates). The masses only for a
 * CHAIN_WANT_ALL run (draws and scores read none: NaN). */
void emu_lazy_account(struct emu *e, uint32_t n_in, uint8_t code, int ties_count);

#endif
