/* explorer_fx.h: the end of a test that ran the same comparison
 * ("compare FILE") in two explorers by two routes (threaded or on the main
 * thread, in slices or whole steps): both views' per-step divergences and
 * summary statistics must be the same bytes. Include after cmocka.h. */
#ifndef LS_EXPLORER_FX_H
#define LS_EXPLORER_FX_H

#include <unistd.h>
#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"

/* asserts ex/xe [0] and [1] finished the same `steps` steps, then frees
 * both explorers and removes the two dumps pa and pb */
static inline void explorer_fx_diff_same_free(struct explorer ex[2], struct explorer_eval xe[2], uint32_t steps,
                                              const char *pa, const char *pb)
{
    const struct explorer_diff *a = &xe[0].diff, *b = &xe[1].diff;
    assert_true(a->stats_ok && b->stats_ok);
    assert_int_equal(a->done, steps);
    assert_int_equal(b->done, steps);
    assert_memory_equal(a->st, b->st, steps * sizeof *a->st);
    assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
    for (int k = 0; k < 2; k++) {
        explorer_eval_free(&xe[k]);
        explorer_free(&ex[k]);
    }
    unlink(pa);
    unlink(pb);
}

#endif
