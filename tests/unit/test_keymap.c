/* test_keymap.c: every text that names a key follows the action table.
 *
 * The TUI's table modules are curses-free and compiled in here as they are
 * (cJSON's tests/common.h habit): tui/actions.c (the table, key labels,
 * templates, --help-keys), tui/commands.c (the command list), tui/hints.c
 * (status-line hints) and tui/help.c (the overlay, drawn into a grid). A
 * COPY of the built-in table gets a key rebound; the hints of every
 * context, the help overlay and all three --help-keys formats must follow,
 * and nothing may still show the old key. A text written out by hand
 * instead of through the table fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tui/actions.c"
#include "../../tui/commands.c"
#include "../../tui/hints.c"
#include "../../tui/help.c"
#include "explorer/explorer_eval.h"
#include "explorer/explorer_live.h"
#include "explorer/explorer_dataset.h"
#include "view/view.h"

#define MAX_ACT 64

struct table_copy {
    struct action_info a[MAX_ACT];
    struct action_table t;
};

/* A copy of the built-in table with action id bound to keys. */
static void rebind(struct table_copy *c, enum action id, const char *keys)
{
    assert_true(actions_builtin.n <= MAX_ACT);
    memcpy(c->a, actions_builtin.a, (size_t)actions_builtin.n * sizeof c->a[0]);
    c->t.a = c->a;
    c->t.n = actions_builtin.n;
    int found = 0;
    for (int i = 0; i < c->t.n; i++)
        if (c->a[i].id == id) { c->a[i].keys = keys; found = 1; }
    assert_true(found);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* s with every `from` replaced by `to` (fixed buffer, enough here). */
static const char *replaced(const char *s, const char *from, const char *to, char *out, size_t outsz)
{
    size_t o = 0, fl = strlen(from), tl = strlen(to);
    while (*s && o + tl + 1 < outsz) {
        if (!strncmp(s, from, fl)) { memcpy(out + o, to, tl); o += tl; s += fl; }
        else out[o++] = *s++;
    }
    out[o] = 0;
    return out;
}

/* Every hint context: hint(copy) is hint(builtin) with old replaced by
 * new, and at least one context shows new. */
static void hints_follow(const struct action_table *t, const char *old, const char *new_)
{
    char a[512], b[512], want[512];
    int shown = 0;
    for (int v = 0; v < XV__COUNT; v++)
        for (int p = 0; p < PANEL__COUNT; p++) {
            hints_text(&actions_builtin, v, p, a, sizeof a);
            hints_text(t, v, p, b, sizeof b);
            assert_string_equal(b, replaced(a, old, new_, want, sizeof want));
            assert_int_equal(count(b, old), 0);
            shown += count(b, new_) > 0;
        }
    assert_true(shown > 0);
}

/* The help overlay of table t as text (tall enough for every line). */
static char *help_text(const struct action_table *t)
{
    struct grid g;
    memset(&g, 0, sizeof g);
    assert_int_equal(grid_resize(&g, 100, 140), 0);
    help_draw(&g, t, 0);
    size_t n = grid_to_text(&g, NULL, 0);
    char *s = malloc(n + 1);
    assert_non_null(s);
    grid_to_text(&g, s, n + 1);
    grid_free(&g);
    return s;
}

/* `--help-keys=FORMAT` of table t. */
static char *keys_doc(const struct action_table *t, const char *format)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    actions_print(f, t, format);
    fclose(f);
    return buf;
}

static void every_template_expands(void **state)
{
    (void)state;
    char out[512];
    for (int i = 0; i < actions_builtin.n; i++)
        assert_int_equal(actions_expand(&actions_builtin, actions_builtin.a[i].desc, out, sizeof out), 0);
    for (int i = 0; hints_template(i); i++)
        assert_int_equal(actions_expand(&actions_builtin, hints_template(i), out, sizeof out), 0);
    assert_int_equal(actions_expand(&actions_builtin, HELP_TITLE, out, sizeof out), 0);
    /* an unknown name is reported, not silently dropped */
    assert_int_equal(actions_expand(&actions_builtin, "{NO_SUCH} x", out, sizeof out), -1);
    assert_string_equal(out, "{NO_SUCH} x");
    /* the built-in keys give today's texts */
    hints_text(&actions_builtin, XV_MAIN, PANEL_PARAMS, out, sizeof out);
    assert_string_equal(out, "? help  q quit  : command  Tab focus  j/k param  +/- adjust  h/l step  c chain  s scale");
}

/* The scores view from e to <F5>: hints, overlay and --help-keys follow. */
static void rebound_scores_key_everywhere(void **state)
{
    (void)state;
    struct table_copy c;
    rebind(&c, ACT_VIEW_SCORES, "<F5>");
    hints_follow(&c.t, "e scores", "F5 scores");

    char *hb = help_text(&actions_builtin), *hc = help_text(&c.t);
    assert_non_null(strstr(hb, "    e                     scores view"));
    assert_null(strstr(hc, "    e                     scores view"));
    assert_non_null(strstr(hc, "    <F5>                  scores view"));
    free(hb);
    free(hc);

    char *md = keys_doc(&c.t, "md"), *man = keys_doc(&c.t, "man"), *txt = keys_doc(&c.t, "text");
    assert_non_null(strstr(md, "| `<F5>` | scores view"));
    assert_null(strstr(md, "| `e` |"));
    assert_non_null(strstr(man, ".B <F5>\nscores view"));
    assert_null(strstr(man, ".B e\n"));
    assert_non_null(strstr(txt, "  <F5>                     scores view"));
    free(md);
    free(man);
    free(txt);
}

/* Help from "? <F1>" to <F2>: the hints, the overlay's title (the keys
 * that close it) and the help action's own description follow. */
static void rebound_help_key_everywhere(void **state)
{
    (void)state;
    struct table_copy c;
    rebind(&c, ACT_HELP, "<F2>");
    hints_follow(&c.t, "? help", "F2 help");

    char *hc = help_text(&c.t);
    assert_non_null(strstr(hc, "logitscope keys and commands (Esc, q or F2 closes; j/k scroll)"));
    assert_non_null(strstr(hc, "this help (Esc, q or F2 closes it)"));
    assert_null(strstr(hc, "? closes"));
    free(hc);

    const char *fmts[] = { "md", "man", "text" };
    for (int i = 0; i < 3; i++) {
        char *d = keys_doc(&c.t, fmts[i]);
        assert_non_null(strstr(d, "this help (Esc, q or F2 closes it)"));
        assert_null(strstr(d, "? closes"));
        free(d);
    }
}

/* The command line from ':' to ';': "; command", ";sweep LIST", and the
 * descriptions that show a command ("(;scores)"). */
static void rebound_command_key_everywhere(void **state)
{
    (void)state;
    struct table_copy c;
    rebind(&c, ACT_COMMAND, ";");
    hints_follow(&c.t, ":", ";");        /* ": command", ":sweep LIST", ... */
    char out[512];
    hints_text(&c.t, XV_SWEEP, 0, out, sizeof out);
    assert_non_null(strstr(out, ";sweep LIST"));
    hints_text(&c.t, XV_DIFF, 0, out, sizeof out);
    assert_non_null(strstr(out, ";compare OTHER"));
    /* the panels' texts: the view asks the grid for the labels */
    struct grid g;
    struct explorer ex;
    struct view_layout L;
    memset(&g, 0, sizeof g);
    explorer_init(&ex);
    assert_int_equal(grid_resize(&g, 80, 24), 0);
    hints_grid_keys(&g, &c.t);
    view_layout(&L, 80, 24, 1);
    view_render(&g, &ex, &L);
    char screen[4096];
    assert_true(grid_to_text(&g, screen, sizeof screen) < sizeof screen);
    assert_non_null(strstr(screen, "no file open (;open FILE)"));
    assert_string_equal(grid_key(&g, GK_BACK), "Esc");
    grid_free(&g);
    explorer_free(&ex);
    char *txt = keys_doc(&c.t, "text"), *hc = help_text(&c.t);
    assert_non_null(strstr(txt, "(;scores)"));
    assert_null(strstr(txt, "(:"));
    assert_non_null(strstr(hc, "Commands (after ;"));
    free(txt);
    free(hc);
}

/* One command table: {COMMANDS}, the overlay and --help-commands list
 * exactly its rows, and a dispatcher knows every row and alias. */
static void command_table_is_the_list(void **state)
{
    (void)state;
    char list[512], want[512] = "";
    commands_list(list, sizeof list, ", ");
    for (int i = 0; explorer_commands[i].name; i++) {
        if (i) strcat(want, ", ");
        strcat(want, explorer_commands[i].name);
    }
    assert_string_equal(list, want);
    char *txt = keys_doc(&actions_builtin, "text"), *hc = help_text(&actions_builtin);
    assert_non_null(strstr(txt, want));
    char *doc = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&doc, &n);
    commands_print(f, "md");
    fclose(f);
    char u[96];
    for (int i = 0; explorer_commands[i].name; i++) {
        assert_non_null(strstr(hc, commands_usage(i, u, sizeof u)));
        assert_non_null(strstr(doc, explorer_commands[i].help));
    }
    free(doc);
    free(txt);
    free(hc);

    struct explorer ex;
    struct explorer_eval xe;
    struct ex_live lv;
    struct ex_dataset ds;
    memset(&lv, 0, sizeof lv);
    memset(&ds, 0, sizeof ds);
    explorer_init(&ex);
    explorer_eval_init(&xe);
    for (int i = 0; explorer_commands[i].name; i++) {
        char words[64], *save = NULL;
        snprintf(words, sizeof words, "%s %s", explorer_commands[i].name, explorer_commands[i].aliases);
        for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            int rc = explorer_eval_command(&xe, &ex, w);
            if (rc == EXC_UNKNOWN) rc = explorer_command(&ex, w);
            if (rc == EXC_UNKNOWN) rc = explorer_live_command(&lv, &ex, w);   /* live mode's (off here) */
            if (rc == EXC_UNKNOWN) rc = explorer_dataset_command(&ds, &ex, w);   /* the dataset table's (off) */
            if (rc == EXC_UNKNOWN) fail_msg("command '%s' is in the table but no dispatcher knows it", w);
        }
    }
    assert_int_equal(explorer_command(&ex, "frobnicate"), EXC_UNKNOWN);
    explorer_eval_free(&xe);
    explorer_free(&ex);
}

/* The mouse table is the one source: every row shows in the help overlay
 * and in every --help-keys form, and it covers what app_keys.c's mouse
 * handling does (the wheel over the parameter bar, the dataset table). */
static void mouse_table_everywhere(void **state)
{
    (void)state;
    char *hc = help_text(&actions_builtin);
    const char *formats[] = { "text", "md", "man" };
    char w[96];
    for (int f = 0; f < 3; f++) {
        char *doc = keys_doc(&actions_builtin, formats[f]);
        for (int i = 0; i < mouse_n_rows; i++) {
            snprintf(w, sizeof w, "%s %s", mouse_rows[i].event, mouse_rows[i].where);
            assert_non_null(strstr(doc, w));
            assert_non_null(strstr(doc, mouse_rows[i].what));
            if (!f) assert_non_null(strstr(hc, w));
        }
        free(doc);
    }
    const char *covered[] = { "click a step", "click a token row", "click a parameter", "wheel the token list",
                              "wheel the parameter bar", "wheel anywhere else", "click a dataset table line",
                              "click a dataset column header", "wheel the dataset table" };
    for (size_t i = 0; i < sizeof covered / sizeof covered[0]; i++) assert_non_null(strstr(hc, covered[i]));
    assert_non_null(strstr(hc, "adjust the parameter under it"));
    free(hc);
}

/* The status line's hints are expanded once per context, not per frame:
 * the same text from the cache until the view, the panel or the bindings
 * change, and always hints_text's. */
static void hints_cached_per_context(void **state)
{
    (void)state;
    struct hints_cache hc;
    memset(&hc, 0, sizeof hc);
    char want[256];
    const char *h = hints_cached(&hc, &actions_builtin, XV_MAIN, PANEL_PARAMS);
    assert_string_equal(h, hints_text(&actions_builtin, XV_MAIN, PANEL_PARAMS, want, sizeof want));
    for (int frame = 0; frame < 5; frame++) hints_cached(&hc, &actions_builtin, XV_MAIN, PANEL_PARAMS);
    assert_int_equal(hc.builds, 1);
    /* another panel, another view, the dataset table: one expansion each */
    h = hints_cached(&hc, &actions_builtin, XV_MAIN, PANEL_DIST);
    assert_string_equal(h, hints_text(&actions_builtin, XV_MAIN, PANEL_DIST, want, sizeof want));
    h = hints_cached(&hc, &actions_builtin, XV_SWEEP, PANEL_DIST);
    assert_string_equal(h, hints_text(&actions_builtin, XV_SWEEP, PANEL_DIST, want, sizeof want));
    h = hints_cached(&hc, &actions_builtin, HINTS_DATASET, PANEL_DIST);
    hints_cached(&hc, &actions_builtin, HINTS_DATASET, PANEL_DIST);
    assert_string_equal(h, hints_text(&actions_builtin, HINTS_DATASET, PANEL_DIST, want, sizeof want));
    assert_int_equal(hc.builds, 4);
    /* other bindings: expanded again with the new key */
    struct table_copy c;
    rebind(&c, ACT_HELP, "<F2>");
    h = hints_cached(&hc, &c.t, HINTS_DATASET, PANEL_DIST);
    assert_int_equal(hc.builds, 5);
    assert_non_null(strstr(h, "F2 help"));
    assert_string_equal(h, hints_text(&c.t, HINTS_DATASET, PANEL_DIST, want, sizeof want));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_template_expands),
        cmocka_unit_test(rebound_scores_key_everywhere),
        cmocka_unit_test(rebound_help_key_everywhere),
        cmocka_unit_test(rebound_command_key_everywhere),
        cmocka_unit_test(command_table_is_the_list),
        cmocka_unit_test(mouse_table_everywhere),
        cmocka_unit_test(hints_cached_per_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
