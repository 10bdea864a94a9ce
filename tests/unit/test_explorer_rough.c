/* test_explorer_rough.c: issue 12's explorer rough edges, headless: the
 * JSON prefix checker behind "where JSON breaks" and the evaluator's
 * summary of it; the samples' one stream; the token list's page; the one
 * non-finite policy; the token details document; the C-locale space token. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/display.h"
#include "base/json_prefix.h"
#include "explorer/explorer_eval.h"
#include "report/token_detail.h"
#include "input/synth_source.h"
#include "view/panel.h"

#define DEMO "samples/demo.json"

/* fed in one piece: -1 if it breaks, else 1 when complete, 0 when a prefix */
static int jp_state(const char *s)
{
    struct json_prefix jp;
    jp_init(&jp);
    if (jp_feed(&jp, s, strlen(s)) < 0) return -1;
    return jp_complete(&jp);
}

/* The byte at which s stops being a JSON prefix, fed one byte at a time. */
static int jp_break_at(const char *s)
{
    struct json_prefix jp;
    jp_init(&jp);
    for (size_t i = 0; s[i]; i++) if (jp_feed(&jp, s + i, 1) < 0) return (int)i;
    return -1;
}

static void test_json_prefix(void **st)
{
    (void)st;
    static const char *const complete[] = { "{}", " [1, 2.5e-3, -0, true, null] ", "\"a\\u00e9\\n\"", "0",
                                            "{\"a\": {\"b\": [false]}}\n", "-12.5E+7" };
    static const char *const prefix[] = { "", "{", "{\"name\": \"Ad", "[1,", "tr", "-", "1.", "1e", "1e+",
                                          "\"\\u00", "{\"a\"", "{\"a\":" };
    static const char *const broken[] = { "}", "{,", "[1,]", "01", "{\"a\" 1}", "tru e", "{} x", "\"\x01\"",
                                          "[1 2]", "\"\\x\"", "{1:2}", "-a", "1.e" };
    for (size_t i = 0; i < sizeof complete / sizeof *complete; i++) assert_int_equal(jp_state(complete[i]), 1);
    for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++) assert_int_equal(jp_state(prefix[i]), 0);
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) assert_int_equal(jp_state(broken[i]), -1);
    assert_int_equal(jp_break_at("{\"a\": 1} }"), 9);
    assert_int_equal(jp_break_at("[1, 2]]"), 6);
    /* a NUL byte is never JSON */
    struct json_prefix jp;
    jp_init(&jp);
    assert_int_equal(jp_feed(&jp, "[\0]", 3), -1);
}

/* eval: every continuation is valid, broken at a step, or a valid
 * beginning that ends early; the listed steps are the most frequent. */
static void test_json_breaks_summary(void **st)
{
    (void)st;
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open(DEMO, NULL, &s, &e), 0);
    struct eval_config cfg;
    eval_config_init(&cfg);
    struct eval_settings set;
    chain_preset(&set.chain, PRESET_HF);
    set.params = PARAMS_OFF;
    struct eval_run *run = NULL;
    assert_int_equal(eval_run_new(s, &cfg, &set, 1, &run, &e), 0);
    float *z = malloc(s->vocab_size * sizeof *z);
    for (uint32_t t = 0; t < s->n_steps; t++) {
        struct step_info info;
        assert_int_equal(source_read_step(s, t, z, &info, &e), 0);
        assert_int_equal(eval_run_step(run, z, &info, &e), 0);
    }
    assert_int_equal(eval_run_finish(run, NULL, &e), 0);
    const struct eval_scores *sc = eval_run_scores(run, 0);
    assert_int_equal(sc->n_json_valid + sc->n_json_broken + sc->n_json_incomplete, sc->n_samples);
    assert_true(sc->n_json_broken > 0 && sc->n_json_breaks > 0);
    uint32_t listed = 0;
    for (uint32_t k = 0; k < sc->n_json_breaks; k++) {
        assert_true(sc->json_break_step[k] < s->n_steps);
        if (k) assert_true(sc->json_break_n[k] <= sc->json_break_n[k - 1]);
        listed += sc->json_break_n[k];
    }
    assert_true(listed <= sc->n_json_broken);
    free(z);
    eval_run_free(run);
    source_close(s);
}

static void open_ex(struct explorer *ex, const char *path)
{
    struct ls_error e = {0};
    explorer_init(ex);
    assert_int_equal(explorer_open(ex, path, &e), 0);
    explorer_update(ex);
}

/* One stream: the N draws are the first N of the 10,000, so a token drawn
 * k times among them is drawn at least k times among the 10,000. */
static void test_samples_one_stream(void **st)
{
    (void)st;
    struct explorer ex;
    open_ex(&ex, DEMO);
    struct params p = PARAMS_OFF;
    p.temperature = 1.5;
    explorer_set_params(&ex, &p);
    explorer_set_draws(&ex, 64);
    for (uint32_t step = 0; step < ex.n_steps; step++) {
        explorer_set_step(&ex, step);
        explorer_update(&ex);
        for (uint32_t k = 0; k < ex.samples.n_rows; k++)
            assert_true(ex.samples.row_emp[k] >= ex.samples.row_drawn[k]);
    }
    explorer_free(&ex);
}

/* The first page down shows the next page, the selection on its top row. */
static void test_page_rows(void **st)
{
    (void)st;
    struct explorer ex;
    open_ex(&ex, "tests/tui/data/small.json");
    assert_int_equal(ex.n_top, 64);
    explorer_page_rows(&ex, 1, 19);
    assert_int_equal(explorer_dist_first(&ex, 19), 19);
    assert_int_equal(ex.dist_sel, 19);
    explorer_page_rows(&ex, 1, 19);
    explorer_page_rows(&ex, 1, 19);
    assert_int_equal(explorer_dist_first(&ex, 19), 64 - 19);   /* the last page stays full */
    explorer_page_rows(&ex, -1, 19);
    assert_int_equal(explorer_dist_first(&ex, 19), 64 - 38);
    /* a threshold line (top-k 3 draws one after row 3) takes a line of the
     * page: 18 rows and the line fill the first page, the next starts at 18 */
    struct params p = PARAMS_OFF;
    p.top_k = 3;
    explorer_set_params(&ex, &p);
    explorer_select_row(&ex, 0);
    explorer_update(&ex);
    assert_true(ex.n_marks >= 1);
    ex.dist_scroll = 0;
    explorer_page_rows(&ex, 1, 19);
    assert_int_equal(explorer_dist_first(&ex, 19), 18);
    assert_int_equal(ex.dist_sel, 18);
    explorer_free(&ex);
}

/* NaN logits: the step fails in show's words unless allowed, then masked. */
static void test_nonfinite_policy(void **st)
{
    (void)st;
    struct explorer ex;
    open_ex(&ex, "tests/data/eval/clip.json");
    ex.nonfinite_hint = "HINT";
    explorer_set_step(&ex, 1);
    explorer_update(&ex);
    assert_false(ex.res_ok);
    assert_string_equal(ex.step_err.msg, "step 1: token 0: NaN logit (1 NaN, 0 +inf in this step; HINT)");
    ex.allow_nonfinite = 1;
    explorer_set_step(&ex, 0);
    explorer_update(&ex);
    explorer_set_step(&ex, 1);
    explorer_update(&ex);
    assert_true(ex.res_ok);
    explorer_free(&ex);
}

/* The details of a token are the chain result's numbers. */
static void test_token_detail(void **st)
{
    (void)st;
    struct explorer ex;
    open_ex(&ex, "tests/tui/data/small.json");
    struct params p = PARAMS_OFF;
    p.top_k = 3;
    explorer_set_params(&ex, &p);
    explorer_set_step(&ex, 3);
    explorer_update(&ex);
    explorer_show_token(&ex, ex.top[4]);
    explorer_update(&ex);
    assert_true(ex.detail_ok);
    assert_int_equal(ex.detail.rank, 5);
    assert_true(ex.detail.p_raw == ex.res.p_raw[ex.top[4]]);
    assert_true(ex.detail.p == 0);
    assert_string_equal(ex.detail.cut_by, "top-k");
    struct token_detail_row row[16];
    int n = token_detail_rows(&ex.detail, row, 16);
    assert_string_equal(row[0].label, "id");
    assert_string_equal(row[n - 2].value, "top-k");
    assert_int_equal(explorer_show_token(&ex, 1000000), EX_REDRAW);   /* out of range: a message */
    assert_true(ex.msg_error);
    explorer_free(&ex);
}

/* The C locale's space token is a visible ASCII escape, in the one transform. */
static void test_ascii_space_token(void **st)
{
    (void)st;
    char out[32];
    disp_escape(" the", 4, DISP_TOKEN | DISP_ASCII, out, sizeof out);
    assert_string_equal(out, "\\sthe");
    disp_escape(" the", 4, DISP_ASCII, out, sizeof out);
    assert_string_equal(out, " the");
}

/* Tokens without text: "<id N>" whole when it fits; narrower, its digits
 * stay ("…62143>"), so two ids never read alike. */
static void test_id_spelling_narrow(void **st)
{
    (void)st;
    struct explorer ex;
    struct source *s = NULL;
    struct ls_error e = {0};
    explorer_init(&ex);
    assert_int_equal(source_synthetic(262144, 2, 1, &s, &e), 0);
    assert_int_equal(explorer_set_source(&ex, s, &e), 0);
    struct grid g = {0};
    assert_int_equal(grid_resize(&g, 40, 2), 0);
    char buf[512];
    assert_int_equal(panel_token(&g, &ex, 0, 0, 12, ROLE_NORMAL, 262143), 11);
    assert_int_equal(panel_token(&g, &ex, 0, 1, 8, ROLE_NORMAL, 262143), 8);
    grid_to_text(&g, buf, sizeof buf);
    assert_string_equal(buf, "<id 262143>\n\xE2\x80\xA6" "262143>\n");
    assert_int_equal(panel_token_width(&g, &ex, 262143), 11);
    grid_free(&g);
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_prefix),
        cmocka_unit_test(test_json_breaks_summary),
        cmocka_unit_test(test_samples_one_stream),
        cmocka_unit_test(test_page_rows),
        cmocka_unit_test(test_nonfinite_policy),
        cmocka_unit_test(test_token_detail),
        cmocka_unit_test(test_ascii_space_token),
        cmocka_unit_test(test_id_spelling_narrow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
