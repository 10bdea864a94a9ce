/* test_logit_bias.c: the logit-bias stage per system (hand-worked from
 * llama.cpp's llama_sampler_logit_bias_apply, HF's SequenceBias/NoBadWords
 * and vLLM's OpenAI-protocol clamp) and its text form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sampling/chain.h"
#include "sampling/logit_bias.h"
#include "sampling/params_table.h"

#include "chain_fx.h"

static struct fx *fx_new(uint32_t V, enum preset ps) { return fx_new_mode(V, ps, 0); }

static void bias1(struct fx *f, int32_t id, double v)
{
    struct ls_error e = {0};
    assert_int_equal(logit_bias_set(&f->p.bias, id, v, &e), 0);
}

/* every system adds the bias: z = [1, 2, 3] with +2.5 on id 0 gives
 * [3.5, 2, 3]; the stage is first in every preset's chain */
static void test_add_every_system(void **st)
{
    (void)st;
    float z[3] = {1, 2, 3};
    for (int ps = 0; ps < PRESET__COUNT; ps++) {
        struct fx *f = fx_new(3, (enum preset)ps);
        if (ps == PRESET_CUSTOM) assert_int_equal(chain_parse("logit-bias,temperature", &f->ch, &(struct ls_error){0}), 0);
        else assert_int_equal(f->ch.order[0], STAGE_LOGIT_BIAS);
        bias1(f, 0, 2.5);
        run(f, z);
        assert_true(fabs(log(f->r.p[0] / f->r.p[2]) - 0.5) < 1e-6);
        assert_true(fabs(log(f->r.p[1] / f->r.p[2]) + 1.0) < 1e-6);
        assert_int_equal(f->r.n_kept, 3);
        assert_true(f->r.stages[0].active);
        fx_free(f);
    }
}

/* -inf bans in llama.cpp, HF and exact (cut by the stage); vLLM clamps to
 * -100 first (OpenAI's rule), so the token stays with z - 100 */
static void test_ban(void **st)
{
    (void)st;
    float z[3] = {1, 2, 3};
    for (int ps = 0; ps < PRESET_CUSTOM; ps++) {
        struct fx *f = fx_new(3, (enum preset)ps);
        bias1(f, 2, -INFINITY);
        run(f, z);
        if (ps == PRESET_VLLM) {
            assert_int_equal(f->r.n_kept, 3);
            assert_true(fabs(log(f->r.p[2] / f->r.p[1]) - (3.0 - 100.0 - 2.0)) < 1e-3);
            assert_non_null(strstr(f->r.note, "vllm clamps logit bias -inf to -100 (not a ban)"));
        } else {
            assert_int_equal(f->r.n_kept, 2);
            assert_int_equal(f->r.cut_by[2], CUT_STAGE0 + 0);
            assert_true(fabs(f->r.p[1] - 1.0 / (1.0 + exp(-1.0))) < 1e-6);
            assert_true(fabs(f->r.stages[0].mass_removed - exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))) < 1e-9);
        }
        fx_free(f);
    }
    /* --exact on vllm: the plain rule, a ban */
    struct fx *x = fx_new_mode(3, PRESET_VLLM, 1);
    bias1(x, 2, -INFINITY);
    run(x, z);
    assert_int_equal(x->r.n_kept, 2);
    fx_free(x);
}

/* vLLM clamps +150 to +100: 1 + 100 against 3 */
static void test_vllm_clamp(void **st)
{
    (void)st;
    float z[3] = {1, 2, 3};
    struct fx *f = fx_new(3, PRESET_VLLM);
    bias1(f, 0, 150);
    run(f, z);
    assert_true(fabs(log(f->r.p[0] / f->r.p[2]) - 98.0) < 1e-3);
    assert_non_null(strstr(f->r.note, "clamps logit bias 150 to 100"));
    fx_free(f);
}

/* banning every candidate: the systems would sample from NaN; the bans are
 * not applied and a note says so */
static void test_ban_all(void **st)
{
    (void)st;
    float z[2] = {0, 1};
    struct fx *f = fx_new(2, PRESET_HF);
    bias1(f, 0, -INFINITY);
    bias1(f, 1, -INFINITY);
    run(f, z);
    assert_int_equal(f->r.n_kept, 2);
    assert_non_null(strstr(f->r.note, "bans every candidate"));
    fx_free(f);
}

/* the place in the chain: vLLM adds the bias before the penalties
 * (z = 1, +1, repetition 2 -> (1 + 1) / 2 = 1, not 1 / 2 + 1), as does HF
 * (sequence_bias before repetition_penalty) and llama.cpp */
static void test_before_penalties(void **st)
{
    (void)st;
    float z[2] = {1, 0};
    int32_t hist[1] = {0};
    for (int ps = 0; ps < PRESET_CUSTOM; ps++) {
        struct fx *f = fx_new(2, (enum preset)ps);
        f->p.repeat_penalty = 2;
        bias1(f, 0, 1);
        chain_ws_set_context(&f->ws, hist, 1, 1, 1, 1);
        run(f, z);
        assert_true(fabs(log(f->r.p[0] / f->r.p[1]) - 1.0) < 1e-6);
        fx_free(f);
    }
}

/* llama.cpp under mirostat runs logit-bias, temperature and mirostat only:
 * the ban still applies */
static void test_llama_mirostat_keeps_bias(void **st)
{
    (void)st;
    float z[4] = {logf(0.5f), logf(0.25f), logf(0.125f), logf(0.125f)};
    struct fx *f = fx_new(4, PRESET_LLAMACPP);
    f->p.mirostat = 2;
    bias1(f, 0, -INFINITY);
    run(f, z);
    assert_true(f->r.p[0] == 0.0);
    assert_int_equal(f->r.cut_by[0], CUT_STAGE0 + 0);
    fx_free(f);
}

static int parse(const char *s, struct bias_spec *sp)
{
    struct ls_error e = {0};
    memset(sp, 0, sizeof *sp);
    return bias_spec_parse(s, sp, &e);
}

/* the text form: llama.cpp's ID+BIAS / ID-BIAS, ID=BIAS, quoted texts with
 * escapes and commas, -inf / false bans; errors */
static void test_spec(void **st)
{
    (void)st;
    struct bias_spec sp;
    assert_int_equal(parse("15043+1.5,15044-2,7=-inf,8=false,9-inf", &sp), 0);
    assert_int_equal(sp.n, 5);
    assert_true(sp.it[0].id == 15043 && sp.it[0].v == 1.5);
    assert_true(sp.it[1].id == 15044 && sp.it[1].v == -2);
    assert_true(sp.it[2].v == -INFINITY && sp.it[3].v == -INFINITY && sp.it[4].v == -INFINITY);
    assert_int_equal(parse("'a,b'=1,\"\\n\"=-3,'\\x41\\''=2", &sp), 0);
    assert_int_equal(sp.n, 3);
    assert_true(sp.it[0].is_text && sp.it[0].len == 3 && !memcmp(sp.it[0].text, "a,b", 3));
    assert_true(sp.it[1].len == 1 && sp.it[1].text[0] == '\n' && sp.it[1].v == -3);
    assert_true(sp.it[2].len == 2 && !memcmp(sp.it[2].text, "A'", 2));
    assert_int_equal(parse("none", &sp), 0);
    assert_int_equal(sp.n, 0);
    static const char *const bad[] = { "7=inf", "7=nan", "7", "x=1", "'a'+1", "'a=1", "''=1", "7=1,", ",7=1", "7=1,,8=1", "'\\q'=1", NULL };
    for (int i = 0; bad[i]; i++) assert_int_equal(parse(bad[i], &sp), LS_EUSAGE);
}

/* an id given twice keeps the last value; the table is bounded */
static void test_set_and_limit(void **st)
{
    (void)st;
    struct logit_bias b = {0};
    struct ls_error e = {0};
    assert_int_equal(logit_bias_set(&b, 3, 1, &e), 0);
    assert_int_equal(logit_bias_set(&b, 3, 2, &e), 0);
    assert_int_equal(b.n, 1);
    assert_true(b.v[0] == 2);
    for (int i = 0; i < LS_MAX_BIAS - 1; i++) assert_int_equal(logit_bias_set(&b, 100 + i, 1, &e), 0);
    assert_int_equal(logit_bias_set(&b, 7, 1, &e), LS_ELIMIT);
    /* params_same sees the bias: cached results do not outlive it */
    struct params a = PARAMS_OFF, c = PARAMS_OFF;
    assert_true(params_same(&a, &c, 1));
    assert_int_equal(logit_bias_set(&c.bias, 1, 0.5, &e), 0);
    assert_false(params_same(&a, &c, 1));
}

/* the stage by name in a chain list, and its letter */
static void test_stage_name(void **st)
{
    (void)st;
    struct chain c;
    struct ls_error e = {0};
    assert_int_equal(chain_parse("bias,temperature", &c, &e), 0);
    assert_int_equal(c.order[0], STAGE_LOGIT_BIAS);
    char buf[64];
    chain_format_short(&c, buf, sizeof buf);
    assert_string_equal(buf, "custom b>T");
    enum list_param_id id;
    assert_true(list_param_lookup("logit_bias", &id) && id == LPARAM_LOGIT_BIAS);
    assert_true(list_param_lookup("dry-sequence-breaker", &id) && id == LPARAM_DRY_BREAKERS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_every_system),
        cmocka_unit_test(test_ban),
        cmocka_unit_test(test_vllm_clamp),
        cmocka_unit_test(test_ban_all),
        cmocka_unit_test(test_before_penalties),
        cmocka_unit_test(test_llama_mirostat_keeps_bias),
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_set_and_limit),
        cmocka_unit_test(test_stage_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
