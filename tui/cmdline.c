/* cmdline.c: the ':' command line: GNU Readline's callback interface
 * inside ncurses (robustness.md 4.1, tig's and rlncurses' model).
 *
 * ncurses owns the terminal: readline gets no signal handlers, no
 * terminal preparation, no environment changes, and writes to /dev/null.
 * Keys reach readline one byte at a time through rl_getc_function (so
 * scripted test keys take the same path); cursor keys arrive from ncurses
 * already decoded and are mapped to readline's functions directly. The
 * line is drawn by cmdline_draw through the display transform, so pasted
 * or history text with control bytes shows as escapes.
 *
 * History: $XDG_STATE_HOME/logitscope/history (else ~/.local/state/...),
 * at most CMD_HISTORY lines, read only if a regular file under 1 MiB,
 * written atomically (temp file + rename) at exit; lines holding control
 * characters are not recorded. Failures are warnings, never fatal. */
#include "cmdline.h"
#include "base/display.h"
#include "explorer/explorer.h"
#include "base/fileio.h"
#include "keys.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <readline/readline.h>
#include <readline/history.h>

#define CMD_HISTORY 500
#define HISTORY_MAX_BYTES (1u << 20)

static int active;
static int feed_byte = -1;
static int line_done;          /* 1 line ready, -1 cancelled (EOF) */
static char line_buf[1024];
static char matches_buf[256];
static char hist_path[1024];
static const char *const *comp_list;
static int comp_commands;      /* complete command names (explorer_commands) */
static FILE *devnull;

static int getc_hook(FILE *f)
{
    (void)f;
    int c = feed_byte;
    feed_byte = -1;
    /* never block and never report EOF: readline asks only after a feed */
    return c < 0 ? 0 : c; /* NUL is set-mark in readline: harmless */
}

static int avail_hook(void) { return 0; }
static void redisplay_hook(void) { /* the app redraws the prompt every frame */ }

static void on_line(char *line)
{
    if (!line) { line_done = -1; }
    else {
        snprintf(line_buf, sizeof line_buf, "%s", line);
        size_t n = strlen(line);
        /* record clean, non-empty lines that differ from the previous one */
        HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
        if (n && disp_is_clean(line, n, 0) && !(last && !strcmp(last->line, line))) add_history(line);
        line_done = 1;
        free(line);
    }
    rl_callback_handler_remove();
    active = 0;
}

static char *comp_gen(const char *text, int state)
{
    static int i;
    static size_t len;
    if (!state) { i = 0; len = strlen(text); }
    for (;;) {
        const char *w = comp_commands ? explorer_commands[i].name : comp_list ? comp_list[i] : NULL;
        if (!w) return NULL;
        i++;
        if (!strncmp(w, text, len)) return strdup(w);
    }
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    char cmd[32] = "";
    int argi = 0;
    const char *s = rl_line_buffer;
    int i = 0;
    while (i < start) {
        while (i < start && s[i] == ' ') i++;
        if (i >= start) break;
        int b = i;
        while (i < start && s[i] != ' ') i++;
        if (argi == 0) snprintf(cmd, sizeof cmd, "%.*s", i - b, s + b);
        argi++;
    }
    int files = 0;
    comp_commands = argi == 0;
    comp_list = comp_commands ? NULL : explorer_completions(cmd, argi, &files);
    if (files) { rl_attempted_completion_over = 0; return NULL; }
    if (!comp_list && !comp_commands) return NULL;
    return rl_completion_matches(text, comp_gen);
}

static void show_matches(char **m, int n, int maxlen)
{
    (void)maxlen;
    size_t o = 0;
    o += (size_t)snprintf(matches_buf, sizeof matches_buf, "%d matches:", n);
    for (int i = 1; i <= n && o < sizeof matches_buf; i++)
        o += (size_t)snprintf(matches_buf + o, sizeof matches_buf - o, " %s", m[i]);
}

static void history_load(void)
{
    struct stat st;
    if (!hist_path[0] || stat(hist_path, &st) != 0) return;
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)HISTORY_MAX_BYTES) { hist_path[0] = 0; return; }
    read_history(hist_path);
}

static void mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(path, 0700);
        *p = '/';
    }
}

int cmdline_init(int use_history, char *warn, size_t warnsz)
{
    warn[0] = 0;
    devnull = fopen("/dev/null", "r+");
    rl_readline_name = "logitscope";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_prep_term_function = NULL;
    rl_deprep_term_function = NULL;
    rl_getc_function = getc_hook;
    rl_input_available_hook = avail_hook;
    rl_redisplay_function = redisplay_hook;
    rl_attempted_completion_function = complete;
    rl_completion_display_matches_hook = show_matches;
    if (devnull) { rl_outstream = devnull; rl_instream = devnull; }
    rl_variable_bind("bell-style", "none");
    rl_variable_bind("horizontal-scroll-mode", "on");
    stifle_history(CMD_HISTORY);
    if (!use_history) return 0;
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/') snprintf(hist_path, sizeof hist_path, "%s/logitscope/history", xdg);
    else if (home && *home == '/') snprintf(hist_path, sizeof hist_path, "%s/.local/state/logitscope/history", home);
    else { snprintf(warn, warnsz, "history disabled: neither XDG_STATE_HOME nor HOME is set"); return 0; }
    history_load();
    if (!hist_path[0]) snprintf(warn, warnsz, "history disabled: the history file is not a regular file under 1 MiB");
    return 0;
}

void cmdline_done(void)
{
    if (active) { rl_callback_handler_remove(); active = 0; }
    if (hist_path[0] && history_length > 0) {
        /* our own writer: atomic, and never a half-written file */
        size_t cap = 0;
        for (int i = 0; i < history_length; i++) {
            HIST_ENTRY *h = history_get(history_base + i);
            if (h) cap += strlen(h->line) + 1;
        }
        char *buf = malloc(cap + 1);
        if (buf) {
            size_t o = 0;
            for (int i = 0; i < history_length; i++) {
                HIST_ENTRY *h = history_get(history_base + i);
                if (!h || strchr(h->line, '\n')) continue;
                size_t n = strlen(h->line);
                memcpy(buf + o, h->line, n);
                o += n;
                buf[o++] = '\n';
            }
            char dir[1024];
            snprintf(dir, sizeof dir, "%s", hist_path);
            mkdirs(dir);
            struct ls_error e = {0};
            file_write_atomic(hist_path, buf, o, &e);
            free(buf);
        }
    }
    if (devnull) fclose(devnull);
    devnull = NULL;
}

int cmdline_active(void) { return active; }
const char *cmdline_matches(void) { return matches_buf; }

void cmdline_open(const char *prefill)
{
    matches_buf[0] = 0;
    line_done = 0;
    rl_callback_handler_install(":", on_line);
    active = 1;
    if (prefill && *prefill) {
        rl_insert_text(prefill);
        rl_point = rl_end;
    }
}

static void feed(int byte)
{
    feed_byte = byte;
    rl_callback_read_char();
}

int cmdline_key(int key, char *out, size_t outsz)
{
    static int quoting;
    if (!active) return -1;
    matches_buf[0] = 0;
    if (quoting && key < 0x80) {
        /* after Ctrl-V readline inserts the next byte as is (even ESC): the
         * line is drawn escaped and never recorded in the history */
        quoting = 0;
        feed(key);
        goto done;
    }
    quoting = key == 22;
    if (key == 27 || key == 7 || key == 3) { rl_callback_handler_remove(); active = 0; return -1; }
    if ((key == 127 || key == 8 || key == KEYF(KEY_BACKSPACE)) && rl_end == 0) {
        rl_callback_handler_remove(); active = 0; return -1;
    }
    if (KEY_IS_F(key)) {
        switch (key & ~KEYF_FLAG) {
        case KEY_LEFT: rl_backward_char(1, 0); break;
        case KEY_RIGHT: rl_forward_char(1, 0); break;
        case KEY_HOME: rl_beg_of_line(1, 0); break;
        case KEY_END: rl_end_of_line(1, 0); break;
        case KEY_BACKSPACE: rl_rubout(1, 0); break;
        case KEY_DC: rl_delete(1, 0); break;
        case KEY_UP: rl_get_previous_history(1, 0); break;
        case KEY_DOWN: rl_get_next_history(1, 0); break;
        case KEY_ENTER: feed('\r'); break;
        default: break;
        }
    } else if (key < 0x80) {
        feed(key);
    } else {
        /* a typed character as its UTF-8 bytes */
        unsigned char b[4];
        int n;
        if (key < 0x800) { b[0] = (unsigned char)(0xC0 | (key >> 6)); b[1] = (unsigned char)(0x80 | (key & 0x3F)); n = 2; }
        else if (key < 0x10000) { b[0] = (unsigned char)(0xE0 | (key >> 12)); b[1] = (unsigned char)(0x80 | ((key >> 6) & 0x3F)); b[2] = (unsigned char)(0x80 | (key & 0x3F)); n = 3; }
        else { b[0] = (unsigned char)(0xF0 | (key >> 18)); b[1] = (unsigned char)(0x80 | ((key >> 12) & 0x3F)); b[2] = (unsigned char)(0x80 | ((key >> 6) & 0x3F)); b[3] = (unsigned char)(0x80 | (key & 0x3F)); n = 4; }
        for (int i = 0; i < n && active; i++) feed(b[i]);
    }
done:
    if (line_done == 1) { snprintf(out, outsz, "%s", line_buf); line_done = 0; return 1; }
    if (line_done == -1) { line_done = 0; return -1; }
    return 0;
}

int cmdline_draw(struct grid *g, int y, int w)
{
    if (!active) return -1;
    const char *prompt = rl_display_prompt ? rl_display_prompt : ":";
    const char *buf = rl_line_buffer ? rl_line_buffer : "";
    size_t end = (size_t)rl_end, point = (size_t)rl_point;
    grid_fill(g, 0, y, w, 1, ROLE_PROMPT);
    int pw = grid_text(g, 0, y, w / 2, ROLE_PROMPT, prompt, strlen(prompt), 0);
    int avail = w - pw - 1;
    if (avail < 1) return pw;
    /* scroll horizontally so the cursor stays visible */
    size_t start = 0;
    while (start < point && disp_width(buf + start, point - start, g->dflags) > avail - 1) {
        start++;
        while (start < point && ((unsigned char)buf[start] & 0xC0) == 0x80) start++;
    }
    grid_text(g, pw, y, avail, ROLE_PROMPT, buf + start, end - start, 0);
    return pw + disp_width(buf + start, point - start, g->dflags);
}
