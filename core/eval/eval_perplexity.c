/* eval_perplexity.c: perplexity of the recorded tokens, raw and under the
 * chain, mean NLL in nats and bits, bits per byte. The arithmetic is
 * eval_ppl_add / eval_ppl_scores (eval_ppl.h), which the explorer's
 * sequence statistics call too; the evaluator adds the per-step series. */
#include "eval/eval_impl.h"
#include "eval/eval_ppl.h"
#include "sampling/topn.h"

#include <math.h>

#define LN2 0.69314718055994530942

void eval_ppl_add(struct eval_ppl *a, const float *logits, const struct step_info *info,
                  const struct chain_result *res, const struct vocab *vocab, int32_t tok,
                  struct eval_ppl_point *pt)
{
    a->n_rec++;
    double z = (double)logits[tok], nll = NAN;
    if (!isfinite(z)) {
        a->n_raw_masked++;
    } else {
        /* -ln softmax(z)[tok] = lse - z: exact even where p_raw underflows.
         * A sparse (top-N) step holds log-probabilities of the full
         * distribution: its NLL is the file's value, not renormalised. */
        nll = info->sparse ? -z : res->lse_raw - z;
        if (nll < 0) nll = 0;
        a->nll_raw_sum += nll;
        a->nll_raw_sq += nll * nll;
    }
    /* the true final p: on a top-N step the unknown tail's share counts
     * (topn.h); where the tail leaves it open, the middle of its bounds (the
     * step is then counted as bounded) */
    double lo, hi;
    topn_p_bounds(res, tok, &lo, &hi);
    double p = lo == hi ? lo : (lo + hi) / 2;
    if (p > 0) {
        a->nll_chain_sum += -log(p);
        a->n_uncut++;
    }
    size_t len = 0;
    if (vocab_get(vocab, tok, &len)) a->rec_bytes += len;
    else if (info->text) a->rec_bytes += info->text_len;
    else a->bytes_unknown = 1;
    if (pt) {
        pt->nll_raw = nll;
        pt->p_chain = p;
        pt->cut = !(p > 0);
    }
}

void eval_ppl_scores(const struct eval_ppl *a, struct eval_scores *s)
{
    s->n_raw_masked = a->n_raw_masked;
    s->perplexity_raw = s->perplexity_raw_se = s->nll_raw_nats = s->nll_raw_bits = NAN;
    s->bits_per_byte = s->perplexity_chain = s->nll_chain_nats = s->nll_chain_bits = NAN;
    s->recorded_bytes = a->rec_bytes;
    s->n_uncut = a->n_uncut;
    uint32_t n = a->n_rec - a->n_raw_masked;
    if (n > 0) {
        double m = a->nll_raw_sum / n;
        s->nll_raw_nats = m;
        s->nll_raw_bits = m / LN2;
        s->perplexity_raw = exp(m);
        if (n > 1) {
            double var = (a->nll_raw_sq / n - m * m) / (n - 1);
            s->perplexity_raw_se = s->perplexity_raw * sqrt(var > 0 ? var : 0);
        }
        if (!a->bytes_unknown && a->n_raw_masked == 0 && a->rec_bytes > 0)
            s->bits_per_byte = a->nll_raw_sum / (LN2 * (double)a->rec_bytes);
    }
    if (a->n_uncut > 0) {
        double m = a->nll_chain_sum / a->n_uncut;
        s->nll_chain_nats = m;
        s->nll_chain_bits = m / LN2;
        s->perplexity_chain = exp(m);
    }
}

static void step(struct eval_acc *a, const struct eval_step_view *v)
{
    int32_t tok = v->info->token;
    if (tok < 0) return;
    struct eval_ppl_point pt;
    eval_ppl_add(&a->ppl, v->logits, v->info, v->res, v->vocab, tok, &pt);
    if (isfinite(pt.nll_raw)) a->s_nll_raw[v->step] = pt.nll_raw;
    a->s_p_chain[v->step] = pt.p_chain;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state; (void)r; (void)err;
    eval_ppl_scores(&a->ppl, &a->sc);
    return LS_OK;
}

const struct evaluator eval_perplexity = {
    .name = "perplexity",
    .keys = "perplexity_raw perplexity_raw_se nll_raw_nats nll_raw_bits bits_per_byte "
            "perplexity_chain nll_chain_nats nll_chain_bits n_uncut",
    .definition =
    "Perplexity of the recorded tokens. Raw (model fit): NLL_t = -ln softmax(z_t)[x_t] "
    "over the raw logits at T=1, perplexity_raw = exp(mean NLL) with error "
    "PPL*sqrt((<NLL^2> - <NLL>^2)/(N-1)) as llama-perplexity prints it (in a sparse top-N "
    "step, NLL is the file's own log-probability of the token, not renormalised over the "
    "known entries); nll_raw_nats and "
    "nll_raw_bits are the mean NLL; bits_per_byte = sum NLL / (ln 2 * total bytes of the "
    "recorded tokens), only when every recorded token's bytes are known. Under the chain "
    "(what the sampler would give): perplexity_chain = exp(mean -ln p_final(x_t)) over "
    "the recorded tokens the chain keeps (p > 0); a cut token has p = 0, so it is "
    "counted in cut_rate instead of making the perplexity infinite. A recorded token whose raw logit is -inf (masked) is left out of the "
    "raw figures and counted in n_recorded_masked.",
    .step = step,
    .finish = finish,
};
