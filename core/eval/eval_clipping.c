/* eval_clipping.c: logit clipping rate, per step and overall. */
#include "eval/eval_impl.h"

#include <math.h>

static void step(struct eval_acc *a, const struct eval_step_view *v)
{
    uint32_t over = v->n_over; /* finite |z| > the threshold, counted by eval.c */
    const struct step_info *in = v->info;
    uint64_t clipped = (uint64_t)over + in->n_nan + in->n_posinf;
    uint64_t checked = v->V;
    if (in->sparse) {
        /* the -inf entries of a sparse step are the unknown tail, not logits */
        checked = in->n_known ? in->n_known : (uint64_t)v->V - in->n_neginf;
    } else {
        clipped += in->n_neginf;
    }
    a->n_clip += clipped;
    a->n_checked += checked;
    a->s_clipped[v->step] = (uint32_t)clipped;
    if (clipped) a->n_clip_steps++;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state; (void)r; (void)err;
    struct eval_scores *s = &a->sc;
    s->n_clipped = a->n_clip;
    s->n_logits_checked = a->n_checked;
    s->n_clipped_steps = a->n_clip_steps;
    s->clipping_rate = a->n_checked ? (double)a->n_clip / (double)a->n_checked : NAN;
    return LS_OK;
}

const struct evaluator eval_clipping = {
    .name = "clipping",
    .keys = "clipping_rate clipped_logits clipped_steps clipping_per_step",
    .definition =
    "Logit clipping rate: share of all logits (every step, every token) that are "
    "non-finite (NaN, +inf, -inf) or whose magnitude exceeds the threshold "
    "(--clip-threshold, default 1e4); per step, the count of such logits. In a sparse "
    "(top-N) step the -inf entries stand for the unknown tail and are not counted. "
    "Independent of the chain settings.",
    .step = step,
    .finish = finish,
};
