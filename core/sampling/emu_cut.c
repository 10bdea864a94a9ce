/* emu_cut.c: a first stage's cut_by without a V-long reset per step (see
 * emu.h emu_cut_begin). chain_result.cut_n remembers which ids the last
 * run kept; every other writer of cut_by leaves it 0 (chain.c's run
 * clears it first), so the reset is only taken when it is exact. Shared
 * by emu_trim.c (llama.cpp) and emu_trim_torch.c (HF, vLLM). */
#include "sampling/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LS_CHECK_INVARIANTS
/* The sanitizer build (make check-san) checks what the partial reset
 * relies on: cut_by is fill everywhere but at the remembered ids. A writer
 * of cut_by outside run() that forgot to clear cut_n fails here, in the
 * test that exercised it, instead of leaving a stale cut in a later step. */
static void check_remembered(const struct chain_result *r, uint8_t fill)
{
    for (uint32_t i = 0; i < r->V; i++) {
        if (r->cut_by[i] == fill) continue;
        uint32_t j = 0;
        while (j < r->cut_prev && r->cut_ids[j] != (int32_t)i) j++;
        if (j < r->cut_prev) continue;
        fprintf(stderr, "emu_cut_begin: cut_by[%u] = %u, not %u, outside the remembered ids: a writer of cut_by "
                        "left chain_result.cut_n set (chain.h)\n", i, r->cut_by[i], fill);
        abort();
    }
}
#else
static void check_remembered(const struct chain_result *r, uint8_t fill) { (void)r, (void)fill; }
#endif

void emu_cut_begin(struct chain_result *r, uint8_t fill)
{
    if (r->cut_prev > 0 && r->cut_fill == fill) check_remembered(r, fill);
    if (r->cut_prev > 0 && r->cut_fill == fill)
        for (uint32_t j = 0; j < r->cut_prev; j++) r->cut_by[r->cut_ids[j]] = fill;
    else
        memset(r->cut_by, fill, r->V);
    r->cut_prev = 0;
}

void emu_cut_end(struct chain_result *r, uint8_t fill, uint32_t m)
{
    /* the later stages write cut_by only for these ids (the array's) */
    r->cut_fill = fill;
    r->cut_n = m <= CHAIN_CUT_IDS ? m : 0;
}
