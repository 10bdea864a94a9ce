/* eval_ppl.h: the one definition of sequence perplexity (raw and under the
 * chain), used by the `perplexity` evaluator (eval_perplexity.c, hence
 * `eval`, `sweep` and the explorer's evaluator rows) and by the explorer's
 * own sequence statistics (explorer.c), so the two can never disagree.
 *
 * Owns nothing: a plain accumulator the caller embeds and zeroes. Units:
 * NLL in nats, bytes of token text, probabilities in [0, 1].
 *
 *   struct eval_ppl acc = {0};
 *   for each step with a recorded token tok in [0, V):
 *       eval_ppl_add(&acc, logits, &info, &res, vocab, tok, &pt);
 *   struct eval_scores sc; eval_ppl_scores(&acc, &sc);   // perplexity_* fields
 *
 * Definitions (docs/EVALUATORS.md, "Perplexity"): raw NLL = lse(z) - z_tok
 * over the raw logits at T = 1; in a sparse (top-N) step the file's own
 * log-probability -z_tok, not renormalised over the known entries; a
 * recorded token with a non-finite raw logit is "masked" and left out of the
 * raw figures. Under the chain: -ln p_final(tok) over the tokens the chain
 * keeps (p > 0); a token with p = 0 is cut; a token whose p is unknown (a
 * top-N step that does not list it while unlisted tokens survive) is left
 * out and counted as unknown. */
#ifndef LS_EVAL_PPL_H
#define LS_EVAL_PPL_H

#include <stdint.h>
#include "eval/eval.h"

struct eval_ppl {
    double nll_raw_sum, nll_raw_sq, nll_chain_sum;
    uint32_t n_rec, n_raw_masked, n_uncut;
    uint32_t n_chain_unknown;    /* recorded tokens whose final p is unknown (topn_p_unknown) */
    uint64_t rec_bytes;
    int bytes_unknown;           /* a recorded token's bytes are unknown */
};

/* What one step contributed. */
struct eval_ppl_point {
    double nll_raw;              /* NaN when masked */
    double p_chain;              /* final probability of the token */
    int cut;                     /* p_chain is 0 */
    int unknown;                 /* p_chain is unknown (NaN): not listed, the tail survives */
};

/* Add the recorded token tok (0 <= tok < V) of one step: its raw logits,
 * step info, the chain result of that step and the vocabulary (may be NULL;
 * bytes then come from info->text). pt may be NULL. */
void eval_ppl_add(struct eval_ppl *a, const float *logits, const struct step_info *info,
                  const struct chain_result *res, const struct vocab *vocab, int32_t tok,
                  struct eval_ppl_point *pt);

/* Fill the perplexity fields of s (perplexity_raw, _se, nll_raw_*,
 * bits_per_byte, recorded_bytes, perplexity_chain, nll_chain_*, n_uncut,
 * n_raw_masked); NaN where not available. Other fields are untouched. */
void eval_ppl_scores(const struct eval_ppl *a, struct eval_scores *s);

#endif
