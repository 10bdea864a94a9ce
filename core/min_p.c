/* min_p.c: the min-p stage.
 *
 * Keeps p_i >= min_p * p_max over the current candidates. Because the ratio
 * p_i / p_max is exp(z_i - z_max) whatever the normaliser, the test is done
 * in logit space, z_i >= z_max + ln(min_p), in double (llama.cpp's fast
 * path does the same in float; HF and vLLM compare probabilities; the kept
 * set is the same except where float32 rounding decides a boundary token).
 * The maximum always passes, so at least one token survives. Ties kept. */
#include "stage.h"

#include <math.h>

void stage_min_p(struct stage_ctx *x)
{
    double mp = x->p->min_p;
    struct chain_ws *ws = x->ws;
    if (mp <= 0) return;
    x->rep->active = 1;
    double zmax = stage_softmax(x);
    double thr = zmax + log(mp);
    for (uint32_t j = 0; j < x->n; j++) ws->idx[j] = ws->w[ws->cand[j]] >= thr;
    stage_compact(x, 1);
}
