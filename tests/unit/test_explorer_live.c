/* test_explorer_live.c: live mode headless (explorer_live.h): the model's
 * continuation becomes the explorer's source; a new temperature changes the
 * text; a fork keeps the steps before it and takes the forked token; a bad
 * prompt is refused and the old one stays. Uses tests/data/model/small.lsm. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "explorer/explorer_live.h"

static void run_all(struct ex_live *lv, struct explorer *ex)
{
    int guard = 0;
    while ((explorer_live_work(lv, ex, 1000000) & EX_BUSY) && guard++ < 100000) ;
}

static void test_live(void **state)
{
    (void)state;
    struct explorer ex;
    struct ex_live lv;
    struct ls_error err = {0};
    explorer_init(&ex);
    assert_int_equal(explorer_live_open(&lv, "tests/data/model/small.lsm", "The", 3, 16, &err), LS_OK);
    run_all(&lv, &ex);
    assert_non_null(ex.src);
    assert_int_equal(ex.n_steps, lv.cont[0].n);
    /* the scores are over all N continuations: mean length and the
     * perplexity of every generated token under the raw model */
    const struct eval_scores *sc = explorer_live_scores(&lv);
    assert_non_null(sc);
    uint32_t tokens = 0;
    double nll = 0.0;
    for (uint32_t i = 0; i < lv.n; i++)
        for (uint32_t s = 0; s < lv.cont[i].n; s++) { tokens++; nll -= log(lv.cont[i].p_raw[s]); }
    assert_true(fabs(sc->perplexity_raw - exp(nll / tokens)) <= 1e-6 * sc->perplexity_raw);
    assert_int_equal(sc->n_uncut, tokens);
    char before[256];
    snprintf(before, sizeof before, "%s", explorer_live_text(&lv, 0));
    /* same settings: nothing to do */
    assert_int_equal(explorer_live_work(&lv, &ex, 1000000), EX_NONE);
    /* a hotter temperature: new continuations */
    struct params p = ex.params;
    int differ = 0;
    for (int k = 0; k < 5 && !differ; k++) {
        p.temperature = 1.5 + k * 0.3;
        explorer_set_params(&ex, &p);
        run_all(&lv, &ex);
        differ = strcmp(before, explorer_live_text(&lv, 0)) != 0;
    }
    assert_true(differ);
    /* fork at step 1 with token 'x' (120): step 0 stays, step 1 is x */
    if (ex.n_steps > 1) {
        int32_t first = lv.cont[0].ids[0];
        explorer_set_step(&ex, 1);
        assert_int_equal(explorer_live_command(&lv, &ex, "fork 120"), EXC_OK);
        run_all(&lv, &ex);
        assert_int_equal(lv.cont[0].ids[0], first);
        assert_int_equal(lv.cont[0].ids[1], 120);
        assert_int_equal(ex.step, 1);
    }
    assert_int_equal(explorer_live_command(&lv, &ex, "prompt caf\xff"), EXC_ERROR);
    assert_string_equal(lv.prompt, "The");
    assert_int_equal(explorer_live_command(&lv, &ex, "pick 7"), EXC_ERROR);
    assert_int_equal(explorer_live_command(&lv, &ex, "pick 2"), EXC_OK);
    assert_int_equal(explorer_live_command(&lv, &ex, "nope"), EXC_UNKNOWN);
    explorer_live_free(&lv);
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_live) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
