/* test_params.c: the parameter table (sampling/params_table.h), a system's
 * defaults (chain_defaults) and the two front ends that use them: the
 * command line (--defaults, --chain) and the explorer (:defaults, :chain)
 * must give the same chain and values, and core messages name no flag. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sampling/chain.h"
#include "sampling/params_table.h"
#include "sampling/stage.h"
#include "explorer/explorer.h"
#include "cli/cli_opts.h"

static void test_table_names_and_aliases(void **st)
{
    (void)st;
    static const char *const canon[PARAM__COUNT] = { "temperature", "top-k", "top-p", "min-p", "min-keep", "typical-p", "top-n-sigma", "epsilon", "eta", "xtc-probability", "xtc-threshold", "repeat-penalty", "frequency-penalty", "presence-penalty", "repeat-last-n", "dynatemp-range", "dynatemp-exponent", "mirostat", "mirostat-tau", "mirostat-eta", "dry-multiplier", "dry-base", "dry-allowed-length", "dry-last-n" };
    static const char *const key[PARAM__COUNT] = { "temperature", "top_k", "top_p", "min_p", "min_keep", "typical_p", "top_n_sigma", "epsilon_cutoff", "eta_cutoff", "xtc_probability", "xtc_threshold", "repetition_penalty", "frequency_penalty", "presence_penalty", "repeat_last_n", "dynatemp_range", "dynatemp_exponent", "mirostat", "mirostat_tau", "mirostat_eta", "dry_multiplier", "dry_base", "dry_allowed_length", "dry_penalty_last_n" };
    for (int i = 0; i < PARAM__COUNT; i++) {
        const struct param_def *d = param_def((enum param_id)i);
        enum param_id id;
        assert_string_equal(d->name, canon[i]);
        assert_string_equal(d->key, key[i]);
        assert_true(param_lookup(d->name, &id) && id == (enum param_id)i);
        assert_true(param_lookup(d->key, &id) && id == (enum param_id)i);
        for (int a = 0; d->aliases[a]; a++) assert_true(param_lookup(d->aliases[a], &id) && id == (enum param_id)i);
        /* a parameter names its stage (min-keep serves every truncation) */
        enum stage_kind k;
        if (d->stage != STAGE_NONE) assert_true(stage_parse(d->name, &k) && k == d->stage);
    }
    /* the first stages are named after their parameters */
    for (int i = 0; i <= STAGE_MIN_P; i++) assert_string_equal(stage_name((enum stage_kind)i), param_name((enum param_id)i));
    assert_string_equal(stage_name(STAGE_PENALTIES), "penalties");
    enum param_id id;
    assert_true(param_lookup("TOP_K", &id) && id == PARAM_TOP_K);
    assert_true(param_lookup("typical", &id) && id == PARAM_TYPICAL_P);
    assert_false(param_lookup("top-a", &id));
    char buf[128];
    stage_names_join(", ", buf, sizeof buf);
    assert_string_equal(buf, "temperature, top-k, top-p, min-p, typical-p, top-n-sigma, epsilon, eta, xtc, penalties, mirostat, dry, logit-bias");
}

static void test_table_values(void **st)
{
    (void)st;
    struct params p = PARAMS_OFF;
    for (int i = 0; i < PARAM__COUNT; i++)  /* settings of a stage (xtc-threshold) are never off alone */
        assert_true(param_is_off(&p, (enum param_id)i) || param_def((enum param_id)i)->off_rule == OFF_NEVER);
    for (int k = 0; k < STAGE__COUNT; k++) assert_false(stage_active((enum stage_kind)k, &p));
    param_set(&p, PARAM_TOP_K, 40);
    param_set(&p, PARAM_MIN_P, 0.05);
    assert_int_equal(p.top_k, 40);
    assert_true(p.min_p == 0.05);
    assert_true(param_get(&p, PARAM_TOP_K) == 40.0);
    assert_false(param_is_off(&p, PARAM_TOP_K));
    assert_true(param_in_range(PARAM_TOP_K, 3));
    assert_false(param_in_range(PARAM_TOP_K, 2.5));
    assert_false(param_in_range(PARAM_TOP_P, 1.5));
    /* params_check's messages (CLI goldens pin them) */
    struct ls_error e = {0};
    p = PARAMS_OFF;
    p.top_p = 1.5;
    assert_int_equal(params_check(&p, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "top-p must be in [0, 1] (1 = off; got 1.5)");
    p = PARAMS_OFF;
    p.temperature = -1;
    assert_int_equal(params_check(&p, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "temperature must be a finite number >= 0 (got -1)");
    p = PARAMS_OFF;
    p.top_k = -3;
    assert_int_equal(params_check(&p, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "top-k must be >= 0 (0 = off; got -3)");
}

static void test_chain_shorthand(void **st)
{
    (void)st;
    static const char *const want[] = { "hf b>e>T>k>p>m>y>E>H", "llama.cpp b>e>d>s>k>y>p>m>x>T>M", "vllm b>e>T>m>k>p" };
    for (int ps = 0; ps < 3; ps++) {
        struct chain c;
        char buf[64];
        chain_preset(&c, (enum preset)ps);
        chain_format_short(&c, buf, sizeof buf);
        assert_string_equal(buf, want[ps]);
    }
}

/* core messages name the thing, not a command-line flag */
static void test_core_messages_name_no_flag(void **st)
{
    (void)st;
    struct chain c;
    struct params p;
    struct ls_error e = {0};
    assert_int_equal(chain_parse("bogus", &c, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "unknown stage 'bogus' (stages: temperature, top-k, top-p, min-p, typical-p, top-n-sigma, epsilon, eta, xtc, penalties, mirostat, dry, logit-bias)");
    assert_int_equal(chain_parse("top-k,k", &c, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "stage 'top-k' listed twice");
    assert_int_equal(chain_parse("", &c, &e), LS_EUSAGE);
    assert_null(strstr(e.msg, "--"));
    assert_int_equal(chain_defaults("nope", &c, &p, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "unknown system 'nope' (hf, llama.cpp, vllm)");
}

/* the explorer adds its own context, never "--" */
static void test_explorer_messages(void **st)
{
    (void)st;
    struct explorer ex;
    explorer_init(&ex);
    assert_int_equal(explorer_command(&ex, "chain bogus"), EXC_ERROR);
    assert_string_equal(ex.msg, "chain: unknown stage 'bogus' (stages: temperature, top-k, top-p, min-p, typical-p, top-n-sigma, epsilon, eta, xtc, penalties, mirostat, dry, logit-bias)");
    assert_int_equal(explorer_command(&ex, "defaults nope"), EXC_ERROR);
    assert_string_equal(ex.msg, "defaults: unknown system 'nope' (hf, llama.cpp, vllm)");
    assert_int_equal(explorer_command(&ex, "set bogus 1"), EXC_ERROR);
    /* the list is every parameter of the table, then the explorer's settings */
    assert_non_null(strstr(ex.msg, "set: unknown parameter 'bogus' (temperature, top-k, top-p, min-p, min-keep, typical-p"));
    assert_int_equal(explorer_command(&ex, "set top_k 2.5"), EXC_ERROR);
    assert_string_equal(ex.msg, "set top-k: expected an integer, got '2.5'");
    assert_int_equal(explorer_command(&ex, "set p"), EXC_ERROR);
    assert_string_equal(ex.msg, "usage: set top-p VALUE (keep the fewest most likely tokens whose mass reaches p; 1 = off)");
    assert_int_equal(explorer_command(&ex, "set K 7"), EXC_OK);
    assert_int_equal(ex.params.top_k, 7);
    assert_string_equal(ex.msg, "top-k 7");
    explorer_free(&ex);
}

/* :defaults llama.cpp loads llama.cpp's chain order with its values */
static void test_explorer_defaults_sets_chain(void **st)
{
    (void)st;
    struct explorer ex;
    explorer_init(&ex);
    assert_int_equal(explorer_command(&ex, "defaults llama.cpp"), EXC_OK);
    assert_string_equal(ex.msg, "defaults of llama.cpp: chain llama.cpp b>e>d>s>k>y>p>m>x>T>M");
    assert_int_equal(ex.chain.preset, PRESET_LLAMACPP);
    assert_int_equal(ex.chain.order[4], STAGE_TOP_K);
    assert_int_equal(ex.chain.order[9], STAGE_TEMPERATURE);
    assert_int_equal(ex.chain.topk_ties, TIES_BY_ID);
    assert_true(ex.params.temperature == 0.8 && ex.params.top_k == 40);
    explorer_free(&ex);
}

/* the command line's --defaults and the explorer's :defaults agree on the
 * chain and the values, for every system and spelling */
static void test_cli_and_explorer_defaults_agree(void **st)
{
    (void)st;
    static const char *const systems[] = { "hf", "llama.cpp", "vllm", "transformers", "llama", "LlamaCpp", "VLLM" };
    for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++) {
        char a0[] = "show", a1[] = "--defaults", a2[64];
        snprintf(a2, sizeof a2, "%s", systems[i]);
        char *argv[] = { a0, a1, a2, NULL };
        struct cli_opts o;
        struct ls_error e = {0};
        assert_int_equal(cli_parse(3, argv, &o, NULL, NULL, NULL, "", &e), LS_OK);

        struct explorer ex;
        explorer_init(&ex);
        char line[80];
        snprintf(line, sizeof line, "defaults %s", systems[i]);
        assert_int_equal(explorer_command(&ex, line), EXC_OK);
        assert_memory_equal(&ex.chain, &o.chain, sizeof o.chain);
        assert_memory_equal(&ex.params, &o.params, sizeof o.params);
        /* and both are the system's own chain */
        struct chain want;
        assert_int_equal(chain_parse(systems[i], &want, &e), LS_OK);
        assert_memory_equal(&want, &o.chain, sizeof want);
        explorer_free(&ex);
    }
}

/* the CLI adds its flag to the core's message (goldens keep their text) */
static void test_cli_prefixes_flag(void **st)
{
    (void)st;
    char a0[] = "show", a1[] = "--chain", a2[] = "top-k,top-a", a3[] = "--defaults", a4[] = "nope";
    char *argv1[] = { a0, a1, a2, NULL };
    struct cli_opts o;
    struct ls_error e = {0};
    assert_int_equal(cli_parse(3, argv1, &o, NULL, NULL, NULL, "", &e), LS_EUSAGE);
    assert_string_equal(e.msg, "--chain: unknown stage 'top-a' (stages: temperature, top-k, top-p, min-p, typical-p, top-n-sigma, epsilon, eta, xtc, penalties, mirostat, dry, logit-bias)");
    char *argv2[] = { a0, a3, a4, NULL };
    assert_int_equal(cli_parse(3, argv2, &o, NULL, NULL, NULL, "", &e), LS_EUSAGE);
    assert_string_equal(e.msg, "--defaults: unknown system 'nope' (hf, llama.cpp, vllm)");
}

/* caches (scores, sweep, draws, live continuations) compare every
 * parameter of the table, not only the classic four */
static void test_params_same_sees_every_parameter(void **st)
{
    (void)st;
    for (int i = 0; i < PARAM__COUNT; i++) {
        struct params a = PARAMS_OFF, b = PARAMS_OFF;
        assert_true(params_same(&a, &b, 1));
        const struct param_def *d = param_def((enum param_id)i);
        double v = d->off + (d->is_int ? 1.0 : 0.01);
        if (!param_in_range((enum param_id)i, v)) v = d->off - (d->is_int ? 1.0 : 0.01);
        param_set(&b, (enum param_id)i, v);
        assert_false(params_same(&a, &b, 1));
        assert_int_equal(params_same(&a, &b, 0), i == PARAM_TEMPERATURE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_names_and_aliases),
        cmocka_unit_test(test_table_values),
        cmocka_unit_test(test_chain_shorthand),
        cmocka_unit_test(test_core_messages_name_no_flag),
        cmocka_unit_test(test_explorer_messages),
        cmocka_unit_test(test_explorer_defaults_sets_chain),
        cmocka_unit_test(test_cli_and_explorer_defaults_agree),
        cmocka_unit_test(test_cli_prefixes_flag),
        cmocka_unit_test(test_params_same_sees_every_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
