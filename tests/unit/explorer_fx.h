/* explorer_fx.h: the start and the end of a test that runs the same
 * comparison ("compare FILE") in two explorers by two routes (threaded or
 * on the main thread, in slices or whole steps): both views' per-step
 * divergences and summary statistics must be the same bytes. Include
 * after cmocka.h. */
#ifndef LS_EXPLORER_FX_H
#define LS_EXPLORER_FX_H

#include <stdio.h>
#include <unistd.h>
#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"

/* opens pa in ex[0] and ex[1] (ex[0] threaded and asynchronous when
 * threaded0, ex[1] never; live: the comparison alone, no evaluators) and
 * gives both the command "compare pb" */
static inline void explorer_fx_diff_open(struct explorer ex[2], struct explorer_eval xe[2], const char *pa,
                                         const char *pb, int threaded0, int live)
{
    char cmd[80];
    snprintf(cmd, sizeof cmd, "compare %s", pb);
    for (int k = 0; k < 2; k++) {
        struct ls_error e = {0};
        explorer_init(&ex[k]);
        ex[k].threaded = ex[k].async = ex[k].slice_nowait = threaded0 && k == 0;
        assert_int_equal(explorer_open(&ex[k], pa, &e), 0);
        explorer_update(&ex[k]);
        explorer_eval_init(&xe[k]);
        xe[k].live = live;
        assert_int_equal(explorer_eval_command(&xe[k], &ex[k], cmd), EXC_OK);
    }
}

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
