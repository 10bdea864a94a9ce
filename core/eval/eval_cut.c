/* eval_cut.c: chain statistics over the recorded tokens: cut rate, top-1
 * agreement, mean entropy, mean kept count. */
#include "eval/eval_impl.h"
#include "sampling/topn.h"

#include <math.h>

static void step(struct eval_acc *a, const struct eval_step_view *v)
{
    const struct chain_result *res = v->res;
    a->n_steps_seen++;
    /* one survivor has entropy 0 exactly (the chain's sum leaves ~1e-16) */
    double h = res->n_kept <= 1 ? 0.0 : res->entropy_after;
    double h0 = res->n_finite <= 1 ? 0.0 : res->entropy_before;
    a->ent_sum += h;
    a->ent_raw_sum += h0;
    a->kept_sum += res->n_kept;
    a->s_entropy[v->step] = h;
    a->s_kept[v->step] = res->n_kept;
    int32_t tok = v->info->token;
    if (tok < 0) return;
    a->sc.n_recorded++;
    if (!topn_p_unknown(res, tok) && !(res->p[tok] > 0)) a->n_cut++;
    if (res->argmax == tok) a->n_top1++;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state; (void)r; (void)err;
    struct eval_scores *s = &a->sc;
    uint32_t n = s->n_recorded;
    s->n_cut = a->n_cut;
    s->cut_rate = n ? (double)a->n_cut / n : NAN;
    s->top1_agreement = n ? (double)a->n_top1 / n : NAN;
    double m = a->n_steps_seen;
    s->mean_entropy_nats = m > 0 ? a->ent_sum / m : NAN;
    s->mean_entropy_raw_nats = m > 0 ? a->ent_raw_sum / m : NAN;
    s->mean_kept = m > 0 ? a->kept_sum / m : NAN;
    return LS_OK;
}

const struct evaluator eval_cut = {
    .name = "chain",
    .keys = "cut_rate n_cut top1_agreement mean_entropy_nats mean_entropy_raw_nats mean_kept",
    .definition =
    "Chain statistics. cut_rate: share of recorded tokens whose final probability under "
    "the current chain is 0 (cut by a stage, or underflowing to 0 in double at a very "
    "low temperature). top1_agreement: share of steps with a recorded token where the "
    "greedy token (first maximum of the raw logits) equals it. mean_entropy_nats: mean "
    "over steps of the entropy of the final distribution (mean_entropy_raw_nats: of the "
    "raw one). mean_kept: mean number of tokens the chain keeps per step.",
    .step = step,
    .finish = finish,
};
