/* app.c: the explorer's frames, main loop and startup (see app.h); keys
 * become actions in app_keys.c. */
#include "app.h"
#include "cli/cli.h"
#include "actions.h"
#include "bindings.h"
#include "hints.h"
#include "cmdline.h"
#include "base/clock.h"
#include "base/display.h"
#include "cli/eval_cli.h"
#include "cli/eval_model.h"
#include "cli/cli_run.h"
#include "input/token_lookup.h"
#include "help.h"
#include "keys.h"
#include "screen.h"
#include "signals.h"
#include "explorer/explorer_wake.h"
#include "view/view_xe.h"
#include "view/view_live.h"
#include "view/view_dataset.h"
#include "report/dataset_doc.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDLE_WAKE_MS 250         /* poll for signals at least this often */

void app_init(struct app *a)
{
    memset(a, 0, sizeof *a);
    a->keys = &actions_builtin;
    hints_grid_keys(&a->g, a->keys);
    explorer_init(&a->ex);
    a->ex.replay_budget_ns = KEY_HISTORY_NS;
    a->ex.threaded = 1;   /* the step's chain runs on a worker (async: app_start) */
    a->ex.job_grace_ns = JOB_GRACE_NS;
    explorer_eval_init(&a->ev);
}

void app_free(struct app *a)
{
    explorer_eval_free(&a->ev);
    explorer_live_free(&a->live);
    explorer_dataset_free(&a->ds);
    explorer_free(&a->ex);
    grid_free(&a->g);
    input_close(a->in);
    a->in = NULL;
}

void app_frame(struct app *a)
{
    int w, h;
    screen_size(&w, &h);
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    if (a->g.w != w || a->g.h != h) grid_resize(&a->g, w, h); /* allocation only on resize */
    a->frame_ns = clock_ns();
    a->redraw_owed = EX_NONE;
    explorer_update(&a->ex);
    explorer_eval_update(&a->ev, &a->ex);
    view_layout(&a->L, w, h, a->ex.n_steps);
    int table = a->ds.on && a->ds.shown;
    if (table) view_dataset(&a->g, &a->L, &a->ds);
    else {
        view_render(&a->g, &a->ex, &a->L);
        if (a->ev.view == XV_MAIN) view_live(&a->g, &a->L, &a->live, &a->ex);
        view_xe(&a->g, &a->L, &a->ex, &a->ev);
        view_live_ab(&a->g, &a->L, &a->live, &a->ev);
    }
    if (a->help) a->help_scroll = help_draw(&a->g, a->keys, a->help_scroll);
    int cx = -1;
    if (cmdline_active()) {
        cx = cmdline_draw(&a->g, h - 1, w);
        const char *m = cmdline_matches();
        if (m[0] && h >= 2) {
            grid_fill(&a->g, 0, h - 2, w, 1, ROLE_STATUS);
            grid_text(&a->g, 0, h - 2, w, ROLE_HINT, m, strlen(m), 0);
        }
    } else {
        view_status(&a->g, &a->L, &a->ex, hints_cached(&a->hints, a->keys, table ? HINTS_DATASET : a->ev.view,
                                                       a->ex.focus_panel));
    }
    screen_blit(&a->g);
    screen_update(cx >= w ? w - 1 : cx, h - 1);
}

/* What a key or a slice of work changed, turned into work: the one place
 * (htop's ScreenManager_run). */
static void apply(struct app *a, unsigned fl)
{
    if (fl & EX_QUIT) a->quit = 1;
    if ((fl & EX_RESIZE) == EX_RESIZE) screen_redraw();
    if (fl & EX_REDRAW) app_frame(a);
}

/* Background work between keys: the dataset table's rows while it is
 * shown, the sequence numbers, the evaluators, then the table's rows. */
static unsigned background(struct app *a, long budget_ns)
{
    unsigned fl = a->ds.on && a->ds.shown ? explorer_dataset_work(&a->ds, &a->ex, budget_ns) : EX_NONE;
    if (fl & EX_BUSY) return fl;
    fl |= explorer_live_work(&a->live, &a->ex, budget_ns);   /* regeneration first */
    a->ev.live = a->live.model != NULL;
    a->ev.live_sc = explorer_live_scores(&a->live);
    if (fl & EX_BUSY) return fl;
    fl |= explorer_work(&a->ex, budget_ns);
    if (!(fl & EX_BUSY)) fl |= explorer_eval_work(&a->ev, &a->ex, budget_ns);
    if (!(fl & EX_BUSY)) fl |= explorer_dataset_work(&a->ds, &a->ex, budget_ns);
    return fl;
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

/* {HELP}: the key is the action table's (actions.h) */
static const char usage_tmpl[] =
    "usage: logitscope [FILE] [chain options] [--step N] [--vocab FILE] [--no-mouse] [--ascii]\n"
    "                  [--compare OTHER] [-n N] [--regex RE] [--json-keys a,b]\n"
    "                  [--clip-threshold X] [--stop TEXT | --no-stop]\n"
    "       logitscope --model MODEL [--prompt TEXT] [-n N] [--max-tokens M] [chain options]\n"
    "       logitscope --dataset A [--b B] [--temperatures LIST] [-n N] [--model M] [--b-model M]\n"
    "                  [chain options]\n"
    "Opens the explorer on FILE with the chain options of `logitscope show` as starting\n"
    "values; no FILE: the built-in model live with the prompt " EX_LIVE_PROMPT_SHOWN "\n"
    "(LOGITSCOPE_DEMO=FILE, or no model found: the bundled demo dump). The evaluator\n"
    "options are those of\n"
    "`logitscope eval` and feed the scores panel and the sweep view; external\n"
    "evaluators (--evaluator) run only in `logitscope eval`/`sweep`, because a\n"
    "command per sample would block the explorer. Keys: press {HELP} inside, or see\n"
    "`logitscope --help-keys` and man logitscope. Headless commands: logitscope --help.\n"
    "With --model (or --prompt; default model samples/model.lsm) the explorer is live: the\n"
    "model writes N continuations (default 4, at most 16) of the prompt under the current\n"
    "settings, regenerated whenever a setting changes, and shows one as the file (:pick N,\n"
    ":fork [ID] or {LIVE_FORK} at the current step, :ab or {LIVE_AB} to compare settings,\n"
    ":prompt TEXT).\n"
    "With --dataset (a folder of dumps or a JSON Lines manifest, as `logitscope dataset eval`)\n"
    "the explorer opens on a table of rows x temperatures with every score of `dataset eval`\n"
    "(A, B and the delta B - A with --b), filled in the background: {SORT_NEXT} sorts by the next\n"
    "column, {SORT_REVERSE} reverses, {EDIT_VALUE} opens a row (A and B side by side), {ESCAPE} comes back;\n"
    "a prompt row opens live (B's model and prompt, A's generated beside it as live mode's A/B);\n"
    "--model names the model of prompt rows there (default: the bundled model), --b-model B's.\n";

enum { X_NOMOUSE = 1, X_ASCII, X_SCRIPT, X_COMPARE, X_DATASET, X_B, X_TEMPS, X_B_MODEL };
static const struct cli_extra extras[] = {
    {"no-mouse", 0, X_NOMOUSE}, {"ascii", 0, X_ASCII}, {"script", 1, X_SCRIPT}, {"compare", 1, X_COMPARE},
    {"dataset", 1, X_DATASET}, {"b", 1, X_B}, {"temperatures", 1, X_TEMPS}, {"b-model", 1, X_B_MODEL},
    EVAL_CLI_EXTRA, EVAL_MODEL_EXTRA, {NULL, 0, 0}
};
struct app_opts { int mouse, ascii; const char *script, *compare, *dataset, *b, *temps, *b_model; struct eval_config evc;
                  struct cli_opts co;
                  struct model_cli mc; };

static int on_extra(void *ctx, int id, const char *arg, struct ls_error *err)
{
    struct app_opts *o = ctx;
    if (id == EVAL_OPT_EXT || id == EVAL_OPT_TIMEOUT)
        return ls_fail(err, LS_EUSAGE, "--evaluator runs in `logitscope eval` and `sweep` only: "
                       "a command per sample would block the explorer");
    int rc = eval_cli_option(&o->evc, id, arg, err);
    if (rc == 1) rc = eval_model_option(&o->mc, id, arg, err);
    if (rc != 1) return rc;
    if (id == X_NOMOUSE) o->mouse = 0;
    else if (id == X_ASCII) o->ascii = 1;
    else if (id == X_SCRIPT) o->script = arg;
    else if (id == X_COMPARE) o->compare = arg;
    else if (id == X_DATASET) o->dataset = arg;
    else if (id == X_B) o->b = arg;
    else if (id == X_TEMPS) o->temps = arg;
    else if (id == X_B_MODEL) o->b_model = arg;
    return 0;
}

/* The command line into *o: 0, -1 when it asked for help (printed), or
 * an exit status (message printed). */
static int app_options(int argc, char **argv, struct app_opts *o)
{
    static char usage[sizeof usage_tmpl + 64];
    actions_expand(&actions_builtin, usage_tmpl, usage, sizeof usage);
    o->mouse = 1;
    o->script = getenv("LOGITSCOPE_SCRIPT");
    eval_config_init(&o->evc);
    model_cli_init(&o->mc);
    struct ls_error err = {0};
    int rc = cli_parse(argc, argv, &o->co, extras, on_extra, o, usage, &err);
    if (rc < 0) return -1;
    if (rc) { ls_error_print(&err, stderr); return rc; }
    if (o->co.n_files > 1) { fputs(usage, stderr); return 2; }
    if (getenv("LOGITSCOPE_NO_MOUSE")) o->mouse = 0;
    return 0;
}

/* --model: live mode; the first generation runs before the first frame. */
static int app_open_live(struct app *a, struct app_opts *o)
{
    struct ls_error err = {0};
    char path[PATH_MAX + 64];
    const char *model = o->mc.model ? o->mc.model : model_cli_default_path(path, sizeof path);
    if (o->co.n_files) { fputs("logitscope: --model: no FILE with a model (the model writes the steps)\n", stderr); return 2; }
    if (cli_bias_needs_file(&o->co, &err)) { ls_error_print(&err, stderr); return 2; }
    uint32_t n = o->co.count > 0 ? (uint32_t)(o->co.count < EX_LIVE_MAX ? o->co.count : EX_LIVE_MAX) : 4;
    if (explorer_live_open(&a->live, model, o->mc.prompt, n, (uint32_t)(o->mc.max_tokens > 0 ? o->mc.max_tokens : 64), &err)) {
        if (err.code == LS_EUSAGE) ls_error_prefix(&err, "--prompt");
        ls_error_print(&err, stderr);
        return err.code ? err.code : 70;
    }
    a->live.cfg = a->ev.cfg;
    a->ev.live = 1;
    while (explorer_live_work(&a->live, &a->ex, 100000000L) & EX_BUSY) ;
    a->ev.live_sc = explorer_live_scores(&a->live);
    if (!a->ex.src) { fprintf(stderr, "logitscope: %s\n", a->ex.msg[0] ? a->ex.msg : "live: nothing generated"); return 4; }
    return 0;
}

/* No FILE, no --model/--prompt, no --compare: the built-in model, live,
 * with a JSON-writing prompt (issue 10), when the model is there and
 * LOGITSCOPE_DEMO does not ask for a file; else the bundled demo dump. */
static int want_default_live(const struct app_opts *o)
{
    char path[PATH_MAX + 64];
    const char *demo = getenv("LOGITSCOPE_DEMO");
    if (o->co.n_files || o->compare || o->mc.model || o->mc.prompt || (demo && *demo)) return 0;
    return access(model_cli_default_path(path, sizeof path), R_OK) == 0;
}

/* --dataset A [--b B]: the table, rows evaluated in the background with
 * `dataset eval`'s settings; no file is open until a row is. */
static int app_open_dataset(struct app *a, struct app_opts *o)
{
    struct ls_error err = {0};
    double temps[DS_MAX_TEMPS];
    int nt = 0, rc;
    static char buf[PATH_MAX + 64];
    if (o->co.n_files || o->compare || o->mc.prompt) {
        fputs("logitscope: --dataset: no FILE, --compare or --prompt with a dataset (the table opens its rows)\n", stderr);
        return 2;
    }
    if (o->b_model && !o->b) { fputs("logitscope: --b-model goes with --b B\n", stderr); return 2; }
    /* prompt rows: --model (B's: --b-model), else the default model (as `dataset eval`) */
    const char *model = o->mc.model ? o->mc.model : model_cli_default_path(buf, sizeof buf);
    struct ex_dataset_spec sp = { o->dataset, o->b, temps, 0, &o->co.chain, &o->co.params, &o->evc, &o->co.src,
                                  { model, o->b_model ? o->b_model : model },
                                  (uint32_t)(o->mc.max_tokens > 0 ? o->mc.max_tokens : 0) };
    if ((rc = ds_temperatures(o->temps, &o->co.params, temps, &nt, &err))) ls_error_prefix(&err, "--temperatures");
    else { sp.n_temps = nt; rc = explorer_dataset_open(&a->ds, &sp, &err); }
    if (rc) { ls_error_print(&err, stderr); return rc; }
    return 0;
}

/* The file, the step and the comparison of the options: 0 or an exit status. */
static int app_open(struct app *a, struct app_opts *o)
{
    struct cli_opts *co = &o->co;
    struct ls_error err = {0};
    char demo[PATH_MAX + 64];
    const char *file = co->n_files ? co->files[0] : find_demo(demo, sizeof demo);
    explorer_set_params(&a->ex, &co->params);  /* checked by cli_parse already */
    explorer_set_chain(&a->ex, &co->chain);
    explorer_set_seed(&a->ex, co->seed);
    a->ex.dry_breaker_strs = cli_dry_breakers(co);   /* NULL: llama.cpp's defaults */
    a->ex.n_dry_breaker_strs = co->n_dry_breakers;
    /* one non-finite policy: the steps as `show`, the evaluators as `eval` */
    a->ex.allow_nonfinite = co->allow_nonfinite;
    a->ex.nonfinite_hint = "--allow-nonfinite treats them as masked";
    /* evaluators as `eval` with the same options (regex, keys, stops, -n, ...) */
    eval_cli_finish(&o->evc, co);
    a->ev.cfg = o->evc;
    if (o->dataset) return app_open_dataset(a, o);
    if (o->b || o->temps) { fputs("logitscope: --b and --temperatures go with --dataset A\n", stderr); return 2; }
    if (o->b_model) { fputs("logitscope: --b-model goes with --dataset A --b B\n", stderr); return 2; }
    if (want_default_live(o)) o->mc.prompt = EX_LIVE_DEFAULT_PROMPT;
    if (o->mc.model || o->mc.prompt) return app_open_live(a, o);
    if (explorer_open_with(&a->ex, file, &co->src, &err)) {
        ls_error_print(&err, stderr);
        return err.code ? err.code : 70;
    }
    if (co->bias_spec.n) {   /* --logit-bias names tokens of the file just opened */
        struct params p = a->ex.params;
        if (source_bias_resolve(a->ex.src, &co->bias_spec, &p.bias, &err)) {
            ls_error_prefix(&err, "--logit-bias");
            ls_error_print(&err, stderr);
            return err.code;
        }
        explorer_set_params(&a->ex, &p);
    }
    if (co->step >= 0) {
        if (co->step >= (int64_t)a->ex.n_steps) {
            fprintf(stderr, "logitscope: --step %lld: the file has %u steps (0..%u)\n", (long long)co->step,
                    a->ex.n_steps, a->ex.n_steps - 1);
            return 2;
        }
        explorer_set_step(&a->ex, co->step);
    }
    if (o->compare) { /* --compare OTHER: the diff view; unreadable OTHER is an error like FILE */
        if (explorer_diff_open(&a->ev.diff, a->ex.src, o->compare, &co->src, &err)) {
            ls_error_print(&err, stderr);
            return err.code ? err.code : 70;
        }
        snprintf(a->ex.other_path, sizeof a->ex.other_path, "%s", o->compare);   /* outputs never replace it */
        explorer_eval_show(&a->ev, &a->ex, XV_DIFF);
    }
    return 0;
}

/* The terminal (or the null screen of scripts), bindings, command line. */
static int app_start(struct app *a, struct app_opts *o)
{
    struct ls_error err = {0};
    a->in = input_open(o->script && *o->script ? o->script : NULL, &err);
    if (!a->in) { ls_error_print(&err, stderr); return err.code ? err.code : 70; }
    a->null_screen = input_scripted(a->in) || (getenv("LOGITSCOPE_NO_DISPLAY") && *getenv("LOGITSCOPE_NO_DISPLAY"));
    a->test_hooks = getenv("LOGITSCOPE_TEST_HOOKS") != NULL;
    /* a key's frame does not wait for its chain run; a script's does, so
     * its screens never depend on thread timing */
    a->ex.async = !input_scripted(a->in);
    a->ex.slice_nowait = a->ex.async;   /* the loop sleeps in its poll instead (app_loop) */
    if (bindings_init(a->keys)) { fputs("logitscope: internal error: bad key list in actions.def\n", stderr); return 70; }
    int rc = screen_open(a->null_screen ? SCREEN_NULL : SCREEN_TTY, o->mouse);
    if (rc) return rc;
    atexit(screen_close);
    signals_install();
    a->g.dflags = disp_locale_flags() | (o->ascii ? DISP_ASCII : 0);
    char warn[160];
    int hist = !a->null_screen && !getenv("LOGITSCOPE_NO_HISTORY");
    cmdline_init(hist, warn, sizeof warn);
    if (warn[0] && !a->ex.msg[0]) explorer_message(&a->ex, 0, "%s", warn);
    return 0;
}

/* The next key, or KEY_NONE after ms milliseconds or when a worker woke
 * the loop (explorer_wake.h): the terminal and the wake-up pipe in one
 * poll. Curses reads the terminal a byte at a time, so a key it has not
 * returned yet is still readable on the descriptor; the loop has asked
 * for a key with no wait just before. */
static int key_or_wake(struct app *a, int ms)
{
    struct pollfd pf[2] = { { STDIN_FILENO, POLLIN, 0 }, { ex_wake_fd(), POLLIN, 0 } };
    if (pf[1].fd < 0) return input_next(a->in, ms < JOB_POLL_MS ? ms : JOB_POLL_MS);   /* no pipe: poll as before */
    int n = poll(pf, 2, ms);
    if (n < 0 && errno == EINTR) return KEY_NONE;   /* a signal: the loop looks */
    if (pf[1].revents) ex_wake_drain();
    return pf[0].revents ? input_next(a->in, 0) : KEY_NONE;
}

/* Keys and background work until quit or a signal (returned, 0 none).
 * A key waiting goes before any work, so a keypress never waits behind a
 * work step; a scripted run finishes all work before each key so screen
 * dumps are deterministic. While a worker runs (a key's chain run, the
 * history, the sequence numbers, the evaluators: EX_WAIT), the loop
 * sleeps in one poll on the keys and the workers' wake-up pipe, and a
 * woken slice picks up the finished piece at once. */
static int app_loop(struct app *a)
{
    int scripted = input_scripted(a->in), sig = 0;
    unsigned pending = EX_NONE;
    app_frame(a);
    while (!a->quit) {
        if ((sig = signals_pending())) {
            /* Ctrl-C on the command line cancels it (readline's habit);
             * anywhere else, and any other signal, ends the explorer */
            if (sig != SIGINT || !cmdline_active()) break;
            cmdline_key(3, NULL, 0);
            signals_clear();
            sig = 0;
            app_frame(a);
        }
        if (!scripted) {
            int k = input_next(a->in, 0);
            if (k != KEY_NONE) { apply(a, app_key(a, k)); continue; }
            if (explorer_result_ready(&a->ex)) { app_frame(a); continue; }
        }
        unsigned fl = background(a, 0) | pending; /* claims the slot; one step of work */
        pending = EX_NONE;
        if (scripted) {
            while (background(a, WORK_SLICE_NS) & EX_BUSY) ;
            fl = EX_REDRAW;
        } else if ((fl & EX_BUSY) && clock_ns() - a->frame_ns < BUSY_FRAME_NS) {
            a->redraw_owed |= fl & EX_RESIZE;   /* progress: drawn with a later slice's */
            fl &= ~EX_RESIZE;
        } else {
            fl |= a->redraw_owed;
        }
        apply(a, fl & ~EX_QUIT);
        /* a worker under way and nothing for this thread: sleep until a
         * key or the worker's wake-up; else a key with no wait (work left
         * here) or the idle wake-up for signals */
        int woken = !scripted && ((fl & EX_WAIT) || (!(fl & EX_BUSY) && explorer_result_pending(&a->ex)));
        int key = woken ? key_or_wake(a, IDLE_WAKE_MS) : input_next(a->in, fl & EX_BUSY ? 0 : IDLE_WAKE_MS);
        if (key == KEY_NONE) {
            if (scripted) break;
            if ((fl & EX_BUSY) && !woken) pending = background(a, WORK_SLICE_NS);
            continue;
        }
        apply(a, app_key(a, key));
    }
    return sig;
}

int app_main(int argc, char **argv)
{
    static struct app_opts ao;
    static struct app a;
    int rc = app_options(argc, argv, &ao);
    if (rc) return rc < 0 ? 0 : rc;
    app_init(&a);
    if ((rc = app_open(&a, &ao)) || (rc = app_start(&a, &ao))) { app_free(&a); return rc; }
    int sig = app_loop(&a);
    cmdline_done();
    screen_close();
    app_free(&a);
    if (sig) signals_reraise(sig);
    return 0;
}
