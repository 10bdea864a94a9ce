/* chain_fx.h: the chain fixture the engine's unit tests share (include
 * after cmocka.h): a workspace and result for V tokens, a preset, the
 * parameters all off, and run() asserting the chain succeeds. */
#ifndef LS_CHAIN_FX_H
#define LS_CHAIN_FX_H

#include <stdlib.h>
#include "sampling/chain.h"

struct fx {
    struct chain_ws ws;
    struct chain_result r;
    struct chain ch;
    struct params p;
    uint32_t V;
};

/* exact: 1 pins the double-precision reference (--exact), 0 runs the
 * preset in its system's own arithmetic. */
static inline struct fx *fx_new_mode(uint32_t V, enum preset ps, int exact)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(chain_ws_init(&f->ws, V), 0);
    assert_int_equal(chain_result_init(&f->r, V), 0);
    chain_preset(&f->ch, ps);
    if (exact) f->ch.exact = 1;
    f->p = PARAMS_OFF;
    f->V = V;
    return f;
}

static inline void fx_free(struct fx *f)
{
    chain_ws_free(&f->ws);
    chain_result_free(&f->r);
    free(f);
}

static inline void run(struct fx *f, const float *z)
{
    struct ls_error e = {0};
    assert_int_equal(chain_run(&f->ch, &f->p, z, f->V, &f->ws, &f->r, &e), 0);
}

#endif
