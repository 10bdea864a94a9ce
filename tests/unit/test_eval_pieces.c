/* test_eval_pieces.c: feeding a run a setting of a step at a time
 * (eval_run_step_set, the explorer sweep's pieces of background work) gives
 * exactly the scores of eval_run_step, which feeds every setting of a step
 * at once: a sweep's temperatures, at least one of them cutting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "input/synth_source.h"
#include "sampling/presets.h"

#define V 3000
#define STEPS 9
#define SETS 3

static void run_all(struct source *s, int pieces, struct eval_run **out)
{
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = 20;
    struct eval_settings set[SETS];
    static const double T[SETS] = { 0.5, 1.0, 1.5 };
    for (int k = 0; k < SETS; k++) {
        chain_preset(&set[k].chain, PRESET_HF);
        set[k].params = preset_defaults(PRESET_HF);
        set[k].params.temperature = T[k];
    }
    struct ls_error e = {0};
    assert_int_equal(eval_run_new(s, &cfg, set, SETS, out, &e), 0);
    float *z = malloc(V * sizeof *z);
    assert_non_null(z);
    for (uint32_t t = 0; t < STEPS; t++) {
        struct step_info info;
        memset(&info, 0, sizeof info);
        assert_int_equal(source_read_step(s, t, z, &info, &e), 0);
        if (!pieces) assert_int_equal(eval_run_step(*out, z, &info, &e), 0);
        for (size_t k = 0; pieces && k < SETS; k++) assert_int_equal(eval_run_step_set(*out, z, &info, k, &e), 0);
    }
    assert_int_equal(eval_run_finish(*out, NULL, &e), 0);
    free(z);
}

static void test_pieces_same_scores(void **st)
{
    (void)st;
    struct source *s;
    struct ls_error e = {0};
    assert_int_equal(source_synthetic(V, STEPS, 5, &s, &e), 0);
    struct eval_run *a, *b;
    run_all(s, 0, &a);
    run_all(s, 1, &b);
    for (size_t k = 0; k < SETS; k++) {
        const struct eval_scores *x = eval_run_scores(a, k), *y = eval_run_scores(b, k);
        assert_int_equal(x->n_steps, STEPS);
        assert_memory_equal(x, y, sizeof *x);
        assert_memory_equal(eval_run_tokens(a, k), eval_run_tokens(b, k), 20 * STEPS * sizeof(int32_t));
    }
    /* a setting out of turn is refused, never run */
    assert_int_equal(eval_run_step_set(a, NULL, NULL, SETS, &e), LS_EINTERNAL);
    eval_run_free(a);
    eval_run_free(b);
    source_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_pieces_same_scores) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
