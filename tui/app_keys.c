/* app_keys.c: a key (or a ':' command line) to what it changed: the
 * action table's bindings to explorer actions, the help overlay's keys,
 * the mouse, and the TUI's own commands. Every path returns enum
 * ex_effect flags (explorer.h); app.c's loop acts on them. */
#include "app.h"
#include "actions.h"
#include "bindings.h"
#include "cmdline.h"
#include "commands.h"
#include "sampling/params_table.h"
#include "help.h"
#include "keys.h"
#include "screen.h"
#include "view/view_dataset.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* :dump-screen FILE (explorer_command's EXC_DUMP): the current frame as
 * text, by the explorer's rules for files the user names */
static void dump_screen(struct app *a)
{
    struct explorer *ex = &a->ex;
    app_frame(a);
    size_t n = grid_to_text(&a->g, NULL, 0);
    char *buf = malloc(n + 1);
    if (!buf) { explorer_message(ex, 1, "dump-screen: out of memory"); return; }
    grid_to_text(&a->g, buf, n + 1);
    struct ls_error e = {0};
    if (explorer_write_file(ex, "dump-screen", ex->dump_path, buf, n, ex->dump_force, &e))
        explorer_message(ex, 1, "dump-screen: %s", e.msg);
    free(buf);
}

static unsigned mouse_at(struct app *a, int x, int y, mmask_t bstate);

/* The TUI's own commands, for scripted tests; 1 if line was one. */
static int test_command(struct app *a, const char *word, const char *line, unsigned *fl)
{
    int w2 = 0, h2 = 0;
    char dir[8] = "";
    if (!strcmp(word, "resize") && a->null_screen) {
        if (sscanf(line, " %*s %d %d", &w2, &h2) == 2 && w2 > 0 && h2 > 0 && w2 < 1000 && h2 < 1000) {
            screen_resize(w2, h2);
            *fl = EX_RESIZE;
        }
        return 1;
    }
    if (!strcmp(word, "test-crash") && a->test_hooks) { raise(SIGSEGV); return 1; }
    if ((!strcmp(word, "click") || !strcmp(word, "wheel")) && a->null_screen) {
        /* scripted mouse: "click X Y", "wheel up|down X Y" */
        if (!strcmp(word, "click") && sscanf(line, " %*s %d %d", &w2, &h2) == 2)
            *fl = mouse_at(a, w2, h2, BUTTON1_PRESSED);
        else if (sscanf(line, " %*s %7s %d %d", dir, &w2, &h2) == 3)
            *fl = mouse_at(a, w2, h2, !strcmp(dir, "up") ? BUTTON4_PRESSED : BUTTON5_PRESSED);
        return 1;
    }
    return 0;
}

static unsigned unknown_command(struct app *a, const char *word)
{
    char help[64], list[512];
    actions_expand(a->keys, "{COMMAND}help", help, sizeof help);
    commands_list(list, sizeof list, " ");
    explorer_message(&a->ex, 1, "unknown command '%.40s' (%s lists them: %s)", word, help, list);
    return EX_REDRAW;
}

static unsigned run_command(struct app *a, const char *line)
{
    char word[32] = "";
    unsigned fl = EX_REDRAW;
    sscanf(line, " %31s", word);
    if (test_command(a, word, line, &fl)) return fl;
    if (explorer_dataset_command(&a->ds, &a->ex, line) != EXC_UNKNOWN) return EX_RESIZE;
    if (explorer_eval_command(&a->ev, &a->ex, line) != EXC_UNKNOWN) return fl;
    if (explorer_live_command(&a->live, &a->ex, line) != EXC_UNKNOWN) return fl;
    switch (explorer_command(&a->ex, line)) {
    case EXC_QUIT: return EX_QUIT;
    case EXC_HELP: /* :help opens at the commands (? at the keys) */
        a->help = 1;
        a->help_scroll = help_commands_line(&a->g, a->keys);
        return fl;
    case EXC_DUMP: dump_screen(a); return fl;
    case EXC_UNKNOWN: return unknown_command(a, word);
    default: return fl;
    }
}

/* A mouse event at (x, y): clicks select what the cell's tag names, the
 * wheel scrolls the token list (over it) or the steps (elsewhere). */
/* The mouse over the dataset table: the wheel moves the selection, a click
 * on a line selects it, on a column header sorts by that column. */
static unsigned table_mouse(struct app *a, const struct grid_cell *c, mmask_t bstate)
{
    int rows = view_dataset_rows(&a->L);
    int wheel = bstate & BUTTON4_PRESSED ? -1 : bstate & BUTTON5_PRESSED ? 1 : 0;
    if (wheel) return explorer_dataset_move(&a->ds, 3 * wheel, rows);
    if (!c) return EX_NONE;
    switch (GRID_TAG_KIND(c->tag)) {
    case TAG_DS_LINE: return explorer_dataset_select(&a->ds, GRID_TAG_INDEX(c->tag), rows);
    case TAG_DS_COL: return explorer_dataset_sort_by(&a->ds, &a->ex, GRID_TAG_INDEX(c->tag) - 1);
    default: return EX_NONE;
    }
}

static unsigned mouse_at(struct app *a, int x, int y, mmask_t bstate)
{
    struct explorer *ex = &a->ex;
    if (a->ds.on && a->ds.shown) return table_mouse(a, grid_cat(&a->g, x, y), bstate);
    int in_dist = x >= a->L.dist.x && x < a->L.dist.x + a->L.dist.w && y >= a->L.dist.y && y < a->L.dist.y + a->L.dist.h;
    const struct grid_cell *c = grid_cat(&a->g, x, y);
    int wheel = bstate & BUTTON4_PRESSED ? -1 : bstate & BUTTON5_PRESSED ? 1 : 0;
    if (wheel && y == a->L.params.y && a->L.params.w > 0) {
        /* over the parameter bar the wheel adjusts the parameter under it (up
         * increases), never the step */
        if (!c || GRID_TAG_KIND(c->tag) != TAG_PARAM) return EX_NONE;
        return explorer_focus(ex, PANEL_PARAMS, GRID_TAG_INDEX(c->tag)) | explorer_adjust(ex, -wheel, 0);
    }
    if (wheel) return in_dist ? explorer_move_row(ex, 3 * wheel) : explorer_move_step(ex, wheel);
    if (!c) return EX_NONE;
    int32_t idx = GRID_TAG_INDEX(c->tag);
    switch (GRID_TAG_KIND(c->tag)) {
    case TAG_STEP: return explorer_set_step(ex, idx) | explorer_focus(ex, PANEL_SEQ, -1);
    case TAG_TOKEN_ROW: return explorer_select_row(ex, idx) | explorer_focus(ex, PANEL_DIST, -1);
    case TAG_PARAM: return explorer_focus(ex, PANEL_PARAMS, idx);
    default: return EX_NONE;
    }
}

static unsigned mouse(struct app *a)
{
    MEVENT ev;
    return getmouse(&ev) == OK ? mouse_at(a, ev.x, ev.y, ev.bstate) : EX_NONE;
}

/* Up/down: what moves depends on the focused panel. */
static unsigned vertical(struct app *a, int dir)
{
    struct explorer *ex = &a->ex;
    switch (ex->focus_panel) {
    case PANEL_PARAMS: return explorer_focus_param(ex, dir);
    case PANEL_DIST: return explorer_move_row(ex, dir);
    case PANEL_SEQ: return explorer_move_step(ex, 10 * dir);
    case PANEL_SAMPLES: return explorer_set_draws(ex, (int64_t)ex->n_draws + dir);
    default: return EX_NONE;
    }
}

/* Keys while the help overlay is shown: the actions that close, scroll
 * and page it, and the command line; everything else is ignored. */
static unsigned help_key(struct app *a, int key)
{
    switch (bindings_lookup(key)) {
    case ACT_ESCAPE: case ACT_QUIT: case ACT_HELP: a->help = 0; break;
    case ACT_COMMAND: cmdline_open(NULL); break; /* commands work over the overlay */
    case ACT_MOVE_DOWN: a->help_scroll++; break;
    case ACT_MOVE_UP: a->help_scroll--; break;
    case ACT_PAGE_DOWN: a->help_scroll += a->g.h / 2; break;
    case ACT_PAGE_UP: a->help_scroll -= a->g.h / 2; break;
    default: return EX_NONE;
    }
    if (a->help_scroll < 0) a->help_scroll = 0;
    return EX_REDRAW;
}

/* Moving: steps, rows, focus. EX_NONE with *done = 0 when act is not one. */
static unsigned act_move(struct app *a, enum action act, int *done)
{
    struct explorer *ex = &a->ex;
    int on_params = ex->focus_panel == PANEL_PARAMS, rows = view_dist_rows(&a->L);
    *done = 1;
    switch (act) {
    case ACT_MOVE_UP: return vertical(a, -1);
    case ACT_MOVE_DOWN: return vertical(a, 1);
    case ACT_LEFT: return on_params ? explorer_adjust(ex, -1, 0) : explorer_move_step(ex, -1);
    case ACT_RIGHT: return on_params ? explorer_adjust(ex, 1, 0) : explorer_move_step(ex, 1);
    case ACT_STEP_PREV: return explorer_move_step(ex, -1);
    case ACT_STEP_NEXT: return explorer_move_step(ex, 1);
    case ACT_STEP_BACK10: return explorer_move_step(ex, -10);
    case ACT_STEP_FWD10: return explorer_move_step(ex, 10);
    case ACT_STEP_FIRST: return explorer_set_step(ex, 0);
    case ACT_STEP_LAST: return explorer_set_step(ex, INT32_MAX);
    case ACT_PAGE_UP: return explorer_page_rows(ex, -1, rows);
    case ACT_PAGE_DOWN: return explorer_page_rows(ex, 1, rows);
    case ACT_FOCUS_NEXT: return explorer_focus_panel(ex, 1);
    case ACT_FOCUS_PREV: return explorer_focus_panel(ex, -1);
    default: *done = 0; return EX_NONE;
    }
}

/* The command that sets the focused field, with its current value:
 * "set top-p 0.9", "chain hf", "seed 42", "step 3" (no field focused). */
static void field_command(const struct explorer *ex, int f, char *cmd, size_t n)
{
    if (f >= 0 && f < PARAM__COUNT)  /* the parameter's one spelling (params_table.h) */
        snprintf(cmd, n, "set %s %g", param_name((enum param_id)f), param_get(&ex->params, (enum param_id)f));
    else if (f == EXP_CHAIN) {
        char order[128];
        chain_format(&ex->chain, order, sizeof order);
        snprintf(cmd, n, "chain %s", ex->chain.preset == PRESET_CUSTOM ? order : preset_name(ex->chain.preset));
    } else if (f == EXP_SEED) snprintf(cmd, n, "seed %llu", (unsigned long long)ex->seed);
    else snprintf(cmd, n, "step %u", ex->step);
}

/* The command line for the focused field: Enter fills in its current
 * value to edit; a typed digit starts a new value (the chain takes a name,
 * so a digit there says how to edit it instead of opening ":chain 5"). */
static unsigned edit_value(struct app *a, int key)
{
    char cmd[192], pre[200];
    int f = a->ex.focus_panel == PANEL_PARAMS ? a->ex.focus_param : -1;
    if (key && f == EXP_CHAIN) {
        char k[16];
        actions_key_label(a->keys, ACT_EDIT_VALUE, k, sizeof k);
        explorer_message(&a->ex, 1, "the chain takes a name or a list of stages: %s edits it", k);
        return EX_REDRAW;
    }
    field_command(&a->ex, f, cmd, sizeof cmd);
    if (key) {   /* the command without its value, then the typed key */
        char *sp = strrchr(cmd, ' ');
        if (sp) sp[1] = 0;
        snprintf(pre, sizeof pre, "%s%c", cmd, (char)key);
    } else snprintf(pre, sizeof pre, "%s", cmd);
    cmdline_open(pre);
    return EX_REDRAW;
}

/* A live-mode key runs its command (explorer_live.c says when live mode
 * is off). */
static unsigned live_key(struct app *a, const char *cmd)
{
    explorer_live_command(&a->live, &a->ex, cmd);
    return EX_REDRAW;
}

/* Keys while the dataset table is shown: move, page, sort, open; the help,
 * the command line and quit as everywhere; nothing else. */
static unsigned table_act(struct app *a, enum action act)
{
    struct ex_dataset *ds = &a->ds;
    int rows = view_dataset_rows(&a->L);
    switch (act) {
    case ACT_MOVE_UP: return explorer_dataset_move(ds, -1, rows);
    case ACT_MOVE_DOWN: return explorer_dataset_move(ds, 1, rows);
    case ACT_PAGE_UP: return explorer_dataset_move(ds, -rows, rows);
    case ACT_PAGE_DOWN: return explorer_dataset_move(ds, rows, rows);
    case ACT_STEP_FIRST: return explorer_dataset_move(ds, INT32_MIN, rows);
    case ACT_STEP_LAST: return explorer_dataset_move(ds, INT32_MAX, rows);
    case ACT_SORT_NEXT: return explorer_dataset_sort_cycle(ds, &a->ex, 1);
    case ACT_SORT_PREV: return explorer_dataset_sort_cycle(ds, &a->ex, -1);
    case ACT_SORT_REVERSE: return explorer_dataset_sort_reverse(ds, &a->ex);
    case ACT_EDIT_VALUE: return explorer_dataset_enter(ds, &a->ex, &a->ev, &a->live);
    case ACT_HELP: a->help = 1; a->help_scroll = 0; return EX_REDRAW;
    case ACT_REDRAW: return EX_RESIZE;
    case ACT_COMMAND: cmdline_open(NULL); return EX_REDRAW;
    case ACT_QUIT: return EX_QUIT;
    default: return EX_NONE;
    }
}

/* Esc: the token details first; in a dataset row, back to the table;
 * else the main panels. */
static unsigned escape(struct app *a)
{
    unsigned fl = explorer_hide_token(&a->ex);
    if (fl || !a->ds.on) return fl | explorer_eval_show(&a->ev, &a->ex, XV_MAIN);
    return explorer_dataset_back(&a->ds);
}

static unsigned act(struct app *a, enum action act, int key)
{
    if (a->ds.on && a->ds.shown) return table_act(a, act);
    struct explorer *ex = &a->ex;
    int done;
    unsigned fl = act_move(a, act, &done);
    if (done) return fl;
    switch (act) {
    case ACT_INC: return explorer_adjust(ex, 1, 0);
    case ACT_DEC: return explorer_adjust(ex, -1, 0);
    case ACT_INC_COARSE: return explorer_adjust(ex, 1, 1);
    case ACT_DEC_COARSE: return explorer_adjust(ex, -1, 1);
    case ACT_TYPE_VALUE: return edit_value(a, key);
    case ACT_EDIT_VALUE: return edit_value(a, 0);
    case ACT_PARAM_OFF: return explorer_param_off(ex);
    case ACT_TEMP_FOCUS: return explorer_focus(ex, PANEL_PARAMS, PARAM_TEMPERATURE);
    case ACT_TOPK_FOCUS: return explorer_focus(ex, PANEL_PARAMS, PARAM_TOP_K);
    case ACT_TOPP_FOCUS: return explorer_focus(ex, PANEL_PARAMS, PARAM_TOP_P);
    case ACT_MINP_FOCUS: return explorer_focus(ex, PANEL_PARAMS, PARAM_MIN_P);
    case ACT_CHAIN_CYCLE: return explorer_chain_cycle(ex);
    case ACT_CHAIN_ADD: return explorer_chain_add(ex);
    case ACT_CHAIN_REMOVE: return explorer_chain_remove(ex);
    case ACT_CHAIN_EARLIER: return explorer_chain_move(ex, -1);
    case ACT_CHAIN_LATER: return explorer_chain_move(ex, 1);
    case ACT_NEW_SEED: return explorer_new_seed(ex);
    case ACT_SCALE: return explorer_scale_cycle(ex);
    case ACT_HELP: a->help = 1; a->help_scroll = 0; return EX_REDRAW;
    case ACT_REDRAW: return EX_RESIZE;
    case ACT_ESCAPE: return escape(a);
    case ACT_TOKEN_INFO: return ex->n_top ? explorer_show_token(ex, ex->top[ex->dist_sel]) : EX_NONE;
    case ACT_VIEW_SCORES: return explorer_eval_toggle(&a->ev, ex, XV_SCORES);
    case ACT_VIEW_SWEEP: return explorer_eval_toggle(&a->ev, ex, XV_SWEEP);
    case ACT_VIEW_DIFF: return explorer_eval_toggle(&a->ev, ex, XV_DIFF);
    case ACT_VIEW_DRAWS: return explorer_eval_toggle(&a->ev, ex, XV_DRAWS);
    case ACT_LIVE_FORK: return live_key(a, "fork");
    case ACT_LIVE_AB: return live_key(a, "ab");
    case ACT_COMMAND: cmdline_open(NULL); return EX_REDRAW;
    case ACT_QUIT: return EX_QUIT;
    default: return EX_NONE;
    }
}

unsigned app_key(struct app *a, int key)
{
    char line[1024];
    if (key == KEYF(KEY_RESIZE)) return EX_RESIZE; /* the next frame lays out for the new size */
    if (cmdline_active()) {
        if (cmdline_key(key, line, sizeof line) == 1) return EX_REDRAW | run_command(a, line);
        return EX_REDRAW;
    }
    if (a->help) return help_key(a, key);
    if (key == KEYF(KEY_MOUSE)) return mouse(a);
    enum action id = bindings_lookup(key);
    /* a message lasts until the next key; ':' keeps it for the frame the
     * command line replaces it in (and for scripted screen dumps) */
    unsigned fl = id != ACT_COMMAND ? explorer_message_clear(&a->ex) : EX_NONE;
    return fl | act(a, id, key);
}
