/* hints.c: key hints by context (see hints.h). The first row matching the
 * view (and, on the main screen, the focused panel) wins; panel -1 and
 * view -1 match any. */
#include "hints.h"
#include "explorer/explorer_eval.h"

#define BASE "{HELP} help  {QUIT} quit  {COMMAND} command  {FOCUS_NEXT} focus  "
#define TAIL "  {HELP} help  {QUIT} quit"

static const struct { int view, panel; const char *tmpl; } rows[] = {
    { HINTS_DATASET, -1, "{MOVE_DOWN}/{MOVE_UP} row  {EDIT_VALUE} open  {SORT_NEXT}/{SORT_PREV} sort column  "
                         "{SORT_REVERSE} reverse  {COMMAND}sort COLUMN" TAIL },
    { XV_MAIN, PANEL_DIST, BASE "{MOVE_DOWN}/{MOVE_UP} token  {TOKEN_INFO} details  {STEP_PREV}/{STEP_NEXT} step  "
                           "{SCALE} scale" },
    { XV_MAIN, PANEL_SEQ, BASE "{STEP_PREV}/{STEP_NEXT} step  {MOVE_DOWN}/{MOVE_UP} 10 steps  "
                          "{STEP_FIRST}/{STEP_LAST} first/last" },
    { XV_MAIN, PANEL_SAMPLES, BASE "{NEW_SEED} new seed  {MOVE_DOWN}/{MOVE_UP} draws" },
    { XV_MAIN, -1, BASE "{MOVE_DOWN}/{MOVE_UP} param  {INC}/{DEC} adjust  {STEP_PREV}/{STEP_NEXT} step  "
                   "{CHAIN_CYCLE} chain  {SCALE} scale" },
    { XV_SWEEP, -1, "{ESCAPE} back  {TEMP_FOCUS} then {INC}/{DEC} moves T (the marker)  {COMMAND}sweep LIST  "
                    "{VIEW_SCORES} scores  {VIEW_DIFF} diff  {VIEW_DRAWS} draws" TAIL },
    { XV_DIFF, -1, "{ESCAPE} back  {STEP_PREV}/{STEP_NEXT} step  {COMMAND}compare OTHER  {VIEW_SCORES} scores  "
                   "{VIEW_SWEEP} sweep  {VIEW_DRAWS} draws" TAIL },
    { XV_DRAWS, -1, "{ESCAPE} back  {STEP_PREV}/{STEP_NEXT} step  {INC}/{DEC} adjust  {NEW_SEED} new seed  "
                    "{VIEW_SCORES} scores  {VIEW_SWEEP} sweep" TAIL },
    { -1, -1, "{ESCAPE} back  {INC}/{DEC} adjust  {STEP_PREV}/{STEP_NEXT} step  {CHAIN_CYCLE} chain  "
              "{VIEW_SWEEP} sweep  {VIEW_DIFF} diff  {VIEW_DRAWS} draws" TAIL },
};
#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

const char *hints_text(const struct action_table *t, int view, int panel, char *buf, size_t bufsz)
{
    for (int i = 0; i < N_ROWS; i++) {
        if (rows[i].view >= 0 && rows[i].view != view) continue;
        if (rows[i].panel >= 0 && rows[i].panel != panel) continue;
        actions_expand(t, rows[i].tmpl, buf, bufsz);
        return buf;
    }
    if (bufsz) buf[0] = 0;
    return buf;
}

const char *hints_cached(struct hints_cache *c, const struct action_table *t, int view, int panel)
{
    if (c->valid && c->t == t && c->a == t->a && c->n == t->n && c->view == view && c->panel == panel)
        return c->text;
    c->t = t;
    c->a = t->a;
    c->n = t->n;
    c->view = view;
    c->panel = panel;
    c->valid = 1;
    c->builds++;
    return hints_text(t, view, panel, c->text, sizeof c->text);
}

const char *hints_template(int i)
{
    return i >= 0 && i < N_ROWS ? rows[i].tmpl : NULL;
}

void hints_grid_keys(struct grid *g, const struct action_table *t)
{
    actions_key_label(t, ACT_COMMAND, g->keys[GK_COMMAND], sizeof g->keys[GK_COMMAND]);
    actions_key_label(t, ACT_ESCAPE, g->keys[GK_BACK], sizeof g->keys[GK_BACK]);
}
