/* min_p.c: the min-p stage.
 *
 * Keeps p_i >= min_p * p_max over the current candidates. Because the ratio
 * p_i / p_max is exp((z_i - z_max) / T) whatever the normaliser, the test is
 * done in logit space: z_i >= z_max + T ln(min_p), with T the temperature
 * applied so far (1 when min-p runs before temperature, as in llama.cpp), in
 * double. llama.cpp's fast path does the same in float; HF and vLLM compare
 * probabilities; the kept set is the same except where float32 rounding
 * decides a boundary token. The maximum always passes, so at least one token
 * survives. Ties are kept. min-p <= 0 is off (the chain skips the stage). */
#include "sampling/stage.h"

#include <math.h>

void stage_min_p(struct stage_ctx *x)
{
    double mp = x->p->min_p;
    x->rep->active = 1;
    double thr = x->r->max_logit + x->ws->T * log(mp);
    stage_cut(x, thr, TIE_ALL, 0);
}
