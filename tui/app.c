/* app.c: the explorer's main loop and key dispatch (see app.h). */
#include "app.h"
#include "cli/cli.h"
#include "actions.h"
#include "cmdline.h"
#include "base/display.h"
#include "cli/eval_cli.h"
#include "base/fileio.h"
#include "help.h"
#include "keys.h"
#include "screen.h"
#include "signals.h"
#include "view/view_xe.h"

#include <curses.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORK_SLICE_NS 4000000L   /* background work per idle tick: under a frame */
#define IDLE_WAKE_MS 250         /* poll for signals at least this often */

void app_init(struct app *a)
{
    memset(a, 0, sizeof *a);
    explorer_init(&a->ex);
    explorer_eval_init(&a->ev);
}

void app_free(struct app *a)
{
    explorer_eval_free(&a->ev);
    explorer_free(&a->ex);
    grid_free(&a->g);
    input_close(a->in);
    a->in = NULL;
}

static const char *hints(const struct app *a)
{
    switch (a->ex.focus_panel) {
    case PANEL_DIST: return "? help  q quit  : command  Tab focus  j/k token  h/l step  s scale";
    case PANEL_SEQ: return "? help  q quit  : command  Tab focus  h/l step  j/k 10 steps  g/G first/last";
    case PANEL_SAMPLES: return "? help  q quit  : command  Tab focus  r new seed  j/k draws";
    default: return "? help  q quit  : command  Tab focus  j/k param  +/- adjust  h/l step  c chain  s scale";
    }
}

void app_frame(struct app *a)
{
    int w, h;
    screen_size(&w, &h);
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    if (a->g.w != w || a->g.h != h) grid_resize(&a->g, w, h); /* allocation only on resize */
    explorer_update(&a->ex);
    explorer_eval_update(&a->ev, &a->ex);
    view_layout(&a->L, w, h, a->ex.n_steps);
    view_render(&a->g, &a->ex, &a->L);
    view_xe(&a->g, &a->L, &a->ex, &a->ev);
    if (a->help) a->help_scroll = help_draw(&a->g, a->help_scroll);
    int cx = -1;
    if (cmdline_active()) {
        cx = cmdline_draw(&a->g, h - 1, w);
        const char *m = cmdline_matches();
        if (m[0] && h >= 2) {
            grid_fill(&a->g, 0, h - 2, w, 1, ROLE_STATUS);
            grid_text(&a->g, 0, h - 2, w, ROLE_HINT, m, strlen(m), 0);
        }
    } else {
        view_status(&a->g, &a->L, &a->ex, a->ev.view ? explorer_eval_hints(a->ev.view) : hints(a));
    }
    screen_blit(&a->g);
    screen_update(cx >= w ? w - 1 : cx, h - 1);
}

static int dump_screen(struct app *a, const char *path)
{
    size_t n = grid_to_text(&a->g, NULL, 0);
    char *buf = malloc(n + 1);
    if (!buf) return -1;
    grid_to_text(&a->g, buf, n + 1);
    struct ls_error e = {0};
    int rc = file_write_atomic(path, buf, n, &e);
    free(buf);
    if (rc) explorer_message(&a->ex, 1, "dump-screen: %s", e.msg);
    return rc;
}

static void mouse_at(struct app *a, int x, int y, mmask_t bstate);

static void run_command(struct app *a, const char *line)
{
    char word[32] = "", arg[1024] = "";
    int w2 = 0, h2 = 0;
    sscanf(line, " %31s %1023s", word, arg);
    if (!strcmp(word, "dump-screen") || !strcmp(word, "save-display")) {
        if (!arg[0]) { explorer_message(&a->ex, 1, "usage: dump-screen FILE"); return; }
        app_frame(a);
        dump_screen(a, arg);
        return;
    }
    if (!strcmp(word, "resize") && a->null_screen) {
        if (sscanf(line, " %*s %d %d", &w2, &h2) == 2 && w2 > 0 && h2 > 0 && w2 < 1000 && h2 < 1000) screen_resize(w2, h2);
        return;
    }
    if (!strcmp(word, "test-crash") && a->test_hooks) { raise(SIGSEGV); return; }
    if ((!strcmp(word, "click") || !strcmp(word, "wheel")) && a->null_screen) {
        /* scripted mouse: "click X Y", "wheel up|down X Y" (tests only) */
        char dir[8] = "";
        if (!strcmp(word, "click") && sscanf(line, " %*s %d %d", &w2, &h2) == 2)
            mouse_at(a, w2, h2, BUTTON1_PRESSED);
        else if (sscanf(line, " %*s %7s %d %d", dir, &w2, &h2) == 3)
            mouse_at(a, w2, h2, !strcmp(dir, "up") ? BUTTON4_PRESSED : BUTTON5_PRESSED);
        return;
    }
    if (explorer_eval_command(&a->ev, &a->ex, line) != EXC_UNKNOWN) return;
    switch (explorer_command(&a->ex, line)) {
    case EXC_QUIT: a->quit = 1; break;
    case EXC_HELP: a->help = 1; a->help_scroll = 0; break;
    case EXC_UNKNOWN:
        explorer_message(&a->ex, 1, "unknown command '%.40s' (:help lists them: set chain defaults step seed open export scores sweep compare diff draws main quit)", word);
        break;
    default: break;
    }
}

static const char *const param_cmd[EXP__COUNT] = { "set temperature ", "set top_k ", "set top_p ", "set min_p ", "chain ", "seed " };

/* A mouse event at (x, y): clicks select what the cell's tag names, the
 * wheel scrolls the token list (over it) or the steps (elsewhere). */
static void mouse_at(struct app *a, int x, int y, mmask_t bstate)
{
    struct explorer *ex = &a->ex;
    int in_dist = x >= a->L.dist.x && x < a->L.dist.x + a->L.dist.w && y >= a->L.dist.y && y < a->L.dist.y + a->L.dist.h;
    if (bstate & BUTTON4_PRESSED) { if (in_dist) explorer_move_row(ex, -3); else explorer_move_step(ex, -1); return; }
    if (bstate & BUTTON5_PRESSED) { if (in_dist) explorer_move_row(ex, 3); else explorer_move_step(ex, 1); return; }
    const struct grid_cell *c = grid_cat(&a->g, x, y);
    if (!c) return;
    int32_t idx = GRID_TAG_INDEX(c->tag);
    switch (GRID_TAG_KIND(c->tag)) {
    case TAG_STEP: explorer_set_step(ex, idx); ex->focus_panel = PANEL_SEQ; break;
    case TAG_TOKEN_ROW: explorer_select_row(ex, idx); ex->focus_panel = PANEL_DIST; break;
    case TAG_PARAM: ex->focus_panel = PANEL_PARAMS; ex->focus_param = idx; break;
    default: break;
    }
    ex->generation++;
}

static void mouse(struct app *a)
{
    MEVENT ev;
    if (getmouse(&ev) == OK) mouse_at(a, ev.x, ev.y, ev.bstate);
}

static void vertical(struct app *a, int dir)
{
    struct explorer *ex = &a->ex;
    switch (ex->focus_panel) {
    case PANEL_PARAMS: explorer_focus_param(ex, dir); break;
    case PANEL_DIST: explorer_move_row(ex, dir); break;
    case PANEL_SEQ: explorer_move_step(ex, 10 * dir); break;
    case PANEL_SAMPLES: {
        int64_t n = (int64_t)ex->n_draws + dir;
        if (n >= 1 && n <= EX_DRAWS_MAX) { ex->n_draws = (uint32_t)n; ex->samples_dirty = 1; }
        break;
    }
    default: break;
    }
}

void app_key(struct app *a, int key)
{
    struct explorer *ex = &a->ex;
    char line[1024];
    if (key == KEYF(KEY_RESIZE)) return; /* the next frame lays out for the new size */
    if (cmdline_active()) {
        if (cmdline_key(key, line, sizeof line) == 1) run_command(a, line);
        return;
    }
    if (a->help) {
        if (key == 27 || key == 'q' || key == '?' || key == KEYF(KEY_F(1))) a->help = 0;
        else if (key == ':') cmdline_open(NULL); /* commands work over the overlay */
        else if (key == 'j' || key == KEYF(KEY_DOWN)) a->help_scroll++;
        else if (key == 'k' || key == KEYF(KEY_UP)) a->help_scroll--;
        else if (key == KEYF(KEY_NPAGE) || key == ' ') a->help_scroll += a->g.h / 2;
        else if (key == KEYF(KEY_PPAGE)) a->help_scroll -= a->g.h / 2;
        if (a->help_scroll < 0) a->help_scroll = 0;
        return;
    }
    if (key == KEYF(KEY_MOUSE)) { mouse(a); return; }
    /* a message lasts until the next key; ':' keeps it for the frame the
     * command line replaces it in (and for scripted screen dumps) */
    if (actions_lookup(key) != ACT_COMMAND) ex->msg[0] = 0;
    int on_params = ex->focus_panel == PANEL_PARAMS;
    int rows = view_dist_rows(&a->L);
    switch (actions_lookup(key)) {
    case ACT_MOVE_UP: vertical(a, -1); break;
    case ACT_MOVE_DOWN: vertical(a, 1); break;
    case ACT_LEFT: if (on_params) explorer_adjust(ex, -1, 0); else explorer_move_step(ex, -1); break;
    case ACT_RIGHT: if (on_params) explorer_adjust(ex, 1, 0); else explorer_move_step(ex, 1); break;
    case ACT_STEP_PREV: explorer_move_step(ex, -1); break;
    case ACT_STEP_NEXT: explorer_move_step(ex, 1); break;
    case ACT_STEP_BACK10: explorer_move_step(ex, -10); break;
    case ACT_STEP_FWD10: explorer_move_step(ex, 10); break;
    case ACT_STEP_FIRST: explorer_set_step(ex, 0); break;
    case ACT_STEP_LAST: explorer_set_step(ex, INT32_MAX); break;
    case ACT_PAGE_UP: explorer_move_row(ex, -rows); break;
    case ACT_PAGE_DOWN: explorer_move_row(ex, rows); break;
    case ACT_FOCUS_NEXT: explorer_focus_panel(ex, 1); break;
    case ACT_FOCUS_PREV: explorer_focus_panel(ex, -1); break;
    case ACT_INC: explorer_adjust(ex, 1, 0); break;
    case ACT_DEC: explorer_adjust(ex, -1, 0); break;
    case ACT_INC_COARSE: explorer_adjust(ex, 1, 1); break;
    case ACT_DEC_COARSE: explorer_adjust(ex, -1, 1); break;
    case ACT_TYPE_VALUE: {
        char pre[64];
        const char *cmd = on_params ? param_cmd[ex->focus_param] : "step ";
        snprintf(pre, sizeof pre, "%s%c", cmd, (char)key);
        cmdline_open(pre);
        break;
    }
    case ACT_EDIT_VALUE: cmdline_open(on_params ? param_cmd[ex->focus_param] : "step "); break;
    case ACT_PARAM_OFF: explorer_param_off(ex); break;
    case ACT_TEMP_FOCUS: ex->focus_panel = PANEL_PARAMS; ex->focus_param = EXP_TEMPERATURE; break;
    case ACT_TOPK_FOCUS: ex->focus_panel = PANEL_PARAMS; ex->focus_param = EXP_TOP_K; break;
    case ACT_TOPP_FOCUS: ex->focus_panel = PANEL_PARAMS; ex->focus_param = EXP_TOP_P; break;
    case ACT_MINP_FOCUS: ex->focus_panel = PANEL_PARAMS; ex->focus_param = EXP_MIN_P; break;
    case ACT_CHAIN_CYCLE: explorer_chain_cycle(ex); break;
    case ACT_NEW_SEED: explorer_new_seed(ex); break;
    case ACT_SCALE: explorer_scale_cycle(ex); break;
    case ACT_HELP: a->help = 1; a->help_scroll = 0; break;
    case ACT_REDRAW: screen_redraw(); break;
    case ACT_ESCAPE: a->ev.view = XV_MAIN; break;
    case ACT_VIEW_SCORES: explorer_eval_toggle(&a->ev, ex, XV_SCORES); break;
    case ACT_VIEW_SWEEP: explorer_eval_toggle(&a->ev, ex, XV_SWEEP); break;
    case ACT_VIEW_DIFF: explorer_eval_toggle(&a->ev, ex, XV_DIFF); break;
    case ACT_VIEW_DRAWS: explorer_eval_toggle(&a->ev, ex, XV_DRAWS); break;
    case ACT_COMMAND: cmdline_open(NULL); break;
    case ACT_QUIT: a->quit = 1; break;
    default: break;
    }
    ex->generation++;
}

/* The bundled demo: next to the binary in the build tree, or installed
 * under PREFIX/share/logitscope. */
static const char *find_demo(char *buf, size_t bufsz)
{
    const char *env = getenv("LOGITSCOPE_DEMO");
    if (env && *env) return env;
    if (access("samples/demo.json", R_OK) == 0) return "samples/demo.json";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, bufsz, "%s/samples/demo.json", exe);
            if (access(buf, R_OK) == 0) return buf;
            snprintf(buf, bufsz, "%s/../share/logitscope/demo.json", exe);
            if (access(buf, R_OK) == 0) return buf;
        }
    }
    return "samples/demo.json";
}

static const char usage[] =
    "usage: logitscope [FILE] [chain options] [--step N] [--vocab FILE] [--no-mouse] [--ascii]\n"
    "                  [--compare OTHER] [-n N] [--regex RE] [--json-keys a,b]\n"
    "                  [--clip-threshold X] [--stop TEXT | --no-stop]\n"
    "Opens the explorer on FILE (no FILE: the bundled demo) with the chain options of\n"
    "`logitscope show` as starting values. The evaluator options are those of\n"
    "`logitscope eval` and feed the scores panel and the sweep view; external\n"
    "evaluators (--evaluator) run only in `logitscope eval`/`sweep`, because a\n"
    "command per sample would block the explorer. Keys: press ? inside, or see\n"
    "`logitscope --help-keys` and man logitscope. Headless commands: logitscope --help.\n";

enum { X_NOMOUSE = 1, X_ASCII, X_SCRIPT, X_COMPARE };
static const struct cli_extra extras[] = {
    {"no-mouse", 0, X_NOMOUSE}, {"ascii", 0, X_ASCII}, {"script", 1, X_SCRIPT}, {"compare", 1, X_COMPARE},
    EVAL_CLI_EXTRA, {NULL, 0, 0}
};
struct app_opts { int mouse, ascii; const char *script, *compare; struct eval_config evc; };

static int on_extra(void *ctx, int id, const char *arg, struct ls_error *err)
{
    struct app_opts *o = ctx;
    if (id == EVAL_OPT_EXT || id == EVAL_OPT_TIMEOUT)
        return ls_fail(err, LS_EUSAGE, "--evaluator runs in `logitscope eval` and `sweep` only: "
                       "a command per sample would block the explorer");
    int rc = eval_cli_option(&o->evc, id, arg, err);
    if (rc != 1) return rc;
    if (id == X_NOMOUSE) o->mouse = 0;
    else if (id == X_ASCII) o->ascii = 1;
    else if (id == X_SCRIPT) o->script = arg;
    else if (id == X_COMPARE) o->compare = arg;
    return 0;
}

int app_main(int argc, char **argv)
{
    static struct app_opts ao;
    ao.mouse = 1;
    ao.script = getenv("LOGITSCOPE_SCRIPT");
    eval_config_init(&ao.evc);
    struct cli_opts co;
    struct ls_error err = {0};
    int rc = cli_parse(argc, argv, &co, extras, on_extra, &ao, usage, &err);
    if (rc < 0) return 0;
    if (rc) { ls_error_print(&err, stderr); return rc; }
    if (co.n_files > 1) { fputs(usage, stderr); return 2; }
    int use_mouse = ao.mouse, ascii = ao.ascii;
    const char *file = co.n_files ? co.files[0] : NULL, *script = ao.script;
    if (getenv("LOGITSCOPE_NO_MOUSE")) use_mouse = 0;
    static struct app a;
    app_init(&a);
    char demo[PATH_MAX + 64];
    if (!file) file = find_demo(demo, sizeof demo);
    a.ex.params = co.params;
    a.ex.chain = co.chain;
    a.ex.seed = co.seed;
    /* evaluators as `eval` with the same options (regex, keys, stops, -n, ...) */
    eval_cli_finish(&ao.evc, &co);
    a.ev.cfg = ao.evc;
    if (explorer_open_with(&a.ex, file, &co.src, &err)) {
        ls_error_print(&err, stderr);
        app_free(&a);
        return err.code ? err.code : 70;
    }
    if (co.step >= 0) {
        if (co.step >= (int64_t)a.ex.n_steps) {
            fprintf(stderr, "logitscope: --step %lld: the file has %u steps (0..%u)\n", (long long)co.step, a.ex.n_steps, a.ex.n_steps - 1);
            app_free(&a);
            return 2;
        }
        explorer_set_step(&a.ex, co.step);
    }
    if (ao.compare) { /* --compare OTHER: the diff view; unreadable OTHER is an error like FILE */
        if (explorer_diff_open(&a.ev.diff, a.ex.src, ao.compare, &co.src, &err)) {
            ls_error_print(&err, stderr);
            app_free(&a);
            return err.code ? err.code : 70;
        }
        a.ev.view = XV_DIFF;
    }
    a.in = input_open(script && *script ? script : NULL);
    if (!a.in) { app_free(&a); return 2; }
    a.null_screen = input_scripted(a.in) || (getenv("LOGITSCOPE_NO_DISPLAY") && *getenv("LOGITSCOPE_NO_DISPLAY"));
    a.test_hooks = getenv("LOGITSCOPE_TEST_HOOKS") != NULL;
    if (actions_init()) { fputs("logitscope: internal error: bad key list in actions.def\n", stderr); app_free(&a); return 70; }
    rc = screen_open(a.null_screen ? SCREEN_NULL : SCREEN_TTY, use_mouse);
    if (rc) { app_free(&a); return rc; }
    atexit(screen_close);
    signals_install();
    a.g.dflags = disp_locale_flags() | (ascii ? DISP_ASCII : 0);
    char warn[160];
    int hist = !a.null_screen && !getenv("LOGITSCOPE_NO_HISTORY");
    cmdline_init(hist, warn, sizeof warn);
    if (warn[0] && !a.ex.msg[0]) explorer_message(&a.ex, 0, "%s", warn);
    int scripted = input_scripted(a.in);
    app_frame(&a);
    uint64_t drawn = a.ex.generation;
    int sig = 0;
    while (!a.quit) {
        if ((sig = signals_pending())) {
            /* Ctrl-C on the command line cancels it (readline's habit);
             * anywhere else, and any other signal, ends the explorer */
            if (sig != SIGINT || !cmdline_active()) break;
            cmdline_key(3, NULL, 0);
            signals_clear();
            sig = 0;
            app_frame(&a);
        }
        if (!scripted) {
            /* a key already waiting goes before any background work, so a
             * keypress never waits behind a work step */
            int k = input_next(a.in, 0);
            if (k != KEY_NONE) {
                app_key(&a, k);
                app_frame(&a);
                drawn = a.ex.generation;
                continue;
            }
        }
        int busy = explorer_work(&a.ex, 0) ; /* claims the slot; one step of work */
        int ebusy = !busy && explorer_eval_work(&a.ev, &a.ex, 0); /* evaluators: after the sequence */
        if (scripted) {
            /* deterministic screens: all sequence numbers before each key */
            while (busy) busy = explorer_work(&a.ex, WORK_SLICE_NS);
            while (explorer_eval_work(&a.ev, &a.ex, WORK_SLICE_NS)) ;
            ebusy = 0;
            app_frame(&a);
        } else if (a.ex.generation != drawn) {
            app_frame(&a);
        }
        drawn = a.ex.generation;
        int key = input_next(a.in, busy || ebusy ? 0 : IDLE_WAKE_MS);
        if (key == KEY_NONE) {
            if (scripted) break;
            if (busy) explorer_work(&a.ex, WORK_SLICE_NS);
            else if (ebusy) explorer_eval_work(&a.ev, &a.ex, WORK_SLICE_NS);
            continue;
        }
        app_key(&a, key);
        app_frame(&a);
        drawn = a.ex.generation;
    }
    cmdline_done();
    screen_close();
    app_free(&a);
    if (sig) signals_reraise(sig);
    return 0;
}
