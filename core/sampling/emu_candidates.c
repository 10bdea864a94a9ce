/* emu_candidates.c: the candidates for a first top-k's best tokens (see
 * emu.h emu_topk_candidates): llama.cpp's top-k (emu_trim.c, on z) and
 * torch's (emu_trim_torch.c, on z / T) pick them the same way. Units: the
 * getter's and the collector's values (logits in nats). */
#include "sampling/emu.h"

#include <math.h>

size_t emu_topk_candidates(struct emu *e, uint32_t V, uint32_t need, select_get_fn get, const void *ctx,
                           emu_collect_fn collect, const void *cctx, const int32_t **ids)
{
    double thr;
    if (e->ws->pre_valid && e->ws->pre_n >= need) { /* the first pass listed every z >= a threshold (chain.c) */
        *ids = e->ws->pre_ids;
        return e->ws->pre_n;
    }
    if (!select_sample_threshold(get, ctx, V, need, &thr)) thr = -INFINITY; /* small V: every token */
    *ids = e->ix;
    return collect(e, cctx, V, thr);
}
