/* emu_trim_dry.c: llama.cpp's DRY as the first active stage, right before
 * its first top-k, without building the whole-vocabulary array.
 *
 * DRY only lowers the logits of a few tokens of the recent history (those
 * that would extend a repeat) and never removes one; its order in the
 * array is the ids'. So it runs on a float copy of the logits (dry.c's
 * emu_dry_logits: the same penalties), and emu_trim's first top-k runs on
 * that copy as on untouched logits, with DRY seen as off (it has been
 * applied); DRY's report is then marked active (it saw every token and
 * cut none, as emu_run reports it). Not applied, and emu_run runs the
 * whole array: whatever emu_trim declines, mirostat on, a penalty that
 * leaves a logit non-finite, or anything but a top-k next. */
#include "sampling/stage.h"

#include <string.h>

int emu_trim_dry(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    int kd = emu_first_active(e, 0), kk = kd < 0 ? -1 : emu_first_active(e, kd + 1);
    if (!emu_llama(e) || e->p->mirostat > 0 || kd < 0 || kk < 0) return -1;
    if (e->c->order[kd] != STAGE_DRY || e->c->order[kk] != STAGE_TOP_K) return -1;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V) return -1;
    size_t note = strlen(r->note);
    memcpy(e->yd, z, (size_t)V * sizeof *z);
    int k = -1;
    if (emu_dry_logits(e, e->yd)) {
        struct params applied = *e->p;
        const struct params *p = e->p;
        applied.dry_multiplier = 0.0; /* done: the top-k comes first now */
        e->p = &applied;
        /* the first pass's list is of raw logits, not of DRY's: never
         * read here (run() lists only when a top-k or min-p comes first,
         * so it is off with DRY active; kept off whatever that rule becomes) */
        int pre = e->ws->pre_valid;
        e->ws->pre_valid = 0;
        k = emu_trim(e, e->yd);
        e->ws->pre_valid = pre;
        e->p = p;
    }
    if (k < 0) {
        r->note[note] = 0; /* emu_run's whole array writes DRY's note again */
        return -1;
    }
    r->stages[kd].active = 1;
    return k;
}
