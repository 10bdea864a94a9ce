/* screen.c: terminal lifecycle, colour roles and grid output (see screen.h). */
#include "screen.h"
#include "base/display.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static SCREEN *scr;
static FILE *out_fp, *in_fp;
static int active, colors, mode_null;
static int have_tios;
static struct termios saved_tios;
static int saved_stderr = -1;
static FILE *err_tmp;
static attr_t role_attr[ROLE__COUNT];
static short role_pair[ROLE__COUNT];

/* Role styles: 8-colour fg/bg, 256-colour fg/bg (-1 = terminal default),
 * extra attributes in colour, and attributes in monochrome. */
struct style { short fg8, bg8, fg256, bg256; attr_t color_attr, mono_attr; };
static const struct style styles[ROLE__COUNT] = {
    [ROLE_NORMAL]      = { -1, -1, -1, -1, A_NORMAL, A_NORMAL },
    [ROLE_DIM]         = { -1, -1, 244, -1, A_DIM, A_DIM },
    [ROLE_TITLE]       = { COLOR_CYAN, -1, 80, -1, A_BOLD, A_BOLD },
    [ROLE_TITLE_FOCUS] = { COLOR_BLACK, COLOR_CYAN, 16, 80, A_BOLD, A_REVERSE | A_BOLD },
    [ROLE_LABEL]       = { COLOR_CYAN, -1, 110, -1, A_NORMAL, A_NORMAL },
    [ROLE_VALUE]       = { -1, -1, -1, -1, A_BOLD, A_BOLD },
    [ROLE_FOCUS]       = { COLOR_BLACK, COLOR_YELLOW, 16, 220, A_BOLD, A_REVERSE },
    [ROLE_BAR_RAW]     = { COLOR_BLUE, -1, 67, -1, A_NORMAL, A_DIM },
    [ROLE_BAR_FINAL]   = { COLOR_GREEN, -1, 71, -1, A_NORMAL, A_BOLD },
    [ROLE_CUT]         = { -1, -1, 241, -1, A_DIM, A_DIM },
    [ROLE_CUT_LABEL]   = { COLOR_RED, -1, 167, -1, A_NORMAL, A_UNDERLINE },
    [ROLE_ESCAPE]      = { COLOR_MAGENTA, -1, 170, -1, A_BOLD, A_UNDERLINE },
    [ROLE_MARK]        = { COLOR_YELLOW, -1, 220, -1, A_BOLD, A_BOLD },
    [ROLE_STRIP_A]     = { COLOR_GREEN, -1, 71, -1, A_NORMAL, A_NORMAL },
    [ROLE_STRIP_B]     = { COLOR_CYAN, -1, 37, -1, A_NORMAL, A_NORMAL },
    [ROLE_STRIP_CUT]   = { COLOR_RED, -1, 240, -1, A_DIM, A_DIM },
    [ROLE_P_HI]        = { COLOR_GREEN, -1, 78, -1, A_NORMAL, A_BOLD },
    [ROLE_P_MID]       = { COLOR_YELLOW, -1, 179, -1, A_NORMAL, A_NORMAL },
    [ROLE_P_LO]        = { COLOR_RED, -1, 203, -1, A_NORMAL, A_DIM },
    [ROLE_P_CUT]       = { COLOR_WHITE, COLOR_RED, 231, 124, A_NORMAL, A_UNDERLINE },
    [ROLE_SELECT]      = { -1, -1, -1, -1, A_REVERSE | A_BOLD, A_REVERSE | A_BOLD },
    [ROLE_STATUS]      = { -1, -1, -1, -1, A_NORMAL, A_NORMAL },
    [ROLE_HINT]        = { -1, -1, 245, -1, A_DIM, A_DIM },
    [ROLE_ERROR]       = { COLOR_RED, -1, 196, -1, A_BOLD, A_BOLD | A_REVERSE },
    [ROLE_PROMPT]      = { -1, -1, -1, -1, A_BOLD, A_BOLD },
    [ROLE_HELP]        = { COLOR_WHITE, COLOR_BLUE, 255, 236, A_NORMAL, A_NORMAL },
    [ROLE_HELP_KEY]    = { COLOR_YELLOW, COLOR_BLUE, 220, 236, A_BOLD, A_BOLD },
    [ROLE_BORDER]      = { COLOR_BLUE, -1, 60, -1, A_NORMAL, A_DIM },
};

static void setup_roles(void)
{
    const char *nc = getenv("NO_COLOR");
    colors = 0;
    if (has_colors() && !(nc && *nc) && start_color() == OK) {
        use_default_colors();
        colors = COLORS >= 256 ? 256 : 8;
    }
    for (int r = 0; r < ROLE__COUNT; r++) {
        const struct style *s = &styles[r];
        role_pair[r] = 0;
        if (!colors) { role_attr[r] = s->mono_attr; continue; }
        short fg = colors == 256 ? s->fg256 : s->fg8, bg = colors == 256 ? s->bg256 : s->bg8;
        role_attr[r] = s->color_attr;
        if (fg < 0 && bg < 0) continue;
        if (init_pair((short)(r + 1), fg, bg) == OK) role_pair[r] = (short)(r + 1);
    }
}

static void stderr_redirect(void)
{
    /* Anything written to stderr behind ncurses' back would paint over the
     * screen; keep it and print it after the terminal is restored. */
    err_tmp = tmpfile();
    if (!err_tmp) return;
    fflush(stderr);
    saved_stderr = dup(2);
    if (saved_stderr < 0 || dup2(fileno(err_tmp), 2) < 0) {
        if (saved_stderr >= 0) close(saved_stderr);
        saved_stderr = -1;
        fclose(err_tmp);
        err_tmp = NULL;
    }
}

static void stderr_restore(int dump)
{
    if (saved_stderr < 0) return;
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    saved_stderr = -1;
    if (dump && err_tmp) {
        char buf[4096];
        size_t n;
        rewind(err_tmp);
        while ((n = fread(buf, 1, sizeof buf, err_tmp)) > 0) fwrite(buf, 1, n, stderr);
    }
    if (err_tmp) fclose(err_tmp);
    err_tmp = NULL;
}

int screen_open(enum screen_mode mode, int mouse)
{
    mode_null = mode == SCREEN_NULL;
    const char *term = getenv("TERM");
    if (mode_null) {
        out_fp = fopen("/dev/null", "w");
        in_fp = fopen("/dev/null", "r");
        if (!out_fp || !in_fp) { fputs("logitscope: cannot open /dev/null\n", stderr); return 70; }
        if (!getenv("LINES")) setenv("LINES", "24", 1);
        if (!getenv("COLUMNS")) setenv("COLUMNS", "80", 1);
        use_env(TRUE);
        scr = newterm("dumb", out_fp, in_fp);
    } else {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            fputs("logitscope: the explorer needs a terminal on stdin and stdout\n"
                  "logitscope: for output in a pipe or a file use `logitscope show FILE` (see --help)\n", stderr);
            return 2;
        }
        int err = 0;
        if (!term || !*term || setupterm(NULL, STDOUT_FILENO, &err) != OK) {
            if (!term || !*term) {
                fputs("logitscope: TERM is not set; set it to your terminal type, e.g. xterm-256color\n", stderr);
            } else {
                char esc[200]; /* the name may hold anything: shown escaped */
                disp_escape(term, strlen(term), DISP_BACKSLASH | disp_locale_flags(), esc, sizeof esc);
                fprintf(stderr, "logitscope: unknown terminal type '%s' (TERM); set TERM to your terminal, e.g. xterm-256color\n", esc);
            }
            return 2;
        }
        const char *cup = tigetstr("cup");
        if (!cup || cup == (char *)-1) {
            del_curterm(cur_term);
            fputs("logitscope: this terminal (TERM) cannot position the cursor; the explorer needs one that can\n", stderr);
            return 2;
        }
        del_curterm(cur_term);
        if (tcgetattr(STDIN_FILENO, &saved_tios) == 0) have_tios = 1;
        /* Stale exported LINES/COLUMNS must not fix the size. (use_env(FALSE)
         * would also ignore the real window size: terminfo's would win.) */
        unsetenv("LINES");
        unsetenv("COLUMNS");
        scr = newterm(NULL, stdout, stdin);
    }
    if (!scr) {
        fputs("logitscope: cannot initialise the terminal\n", stderr);
        return 2;
    }
    active = 1;
    set_term(scr);
    stderr_redirect();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, FALSE);
    setup_roles();
    if (mouse && !mode_null) {
        mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
    return 0;
}

int screen_active(void) { return active; }
int screen_colors(void) { return colors; }

void screen_close(void)
{
    if (!active) return;
    active = 0;
    if (!isendwin()) endwin();
    if (have_tios) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tios);
    stderr_restore(1);
    delscreen(scr);
    scr = NULL;
    if (out_fp) fclose(out_fp);
    if (in_fp) fclose(in_fp);
    out_fp = in_fp = NULL;
}

void screen_emergency(void)
{
    if (!active) return;
    active = 0;
    endwin();
    if (have_tios) tcsetattr(STDIN_FILENO, TCSANOW, &saved_tios);
    if (saved_stderr >= 0) dup2(saved_stderr, 2);
}

void screen_size(int *w, int *h)
{
    getmaxyx(stdscr, *h, *w);
}

void screen_resize(int w, int h)
{
    if (mode_null) resizeterm(h, w);
}

void screen_blit(const struct grid *g)
{
    int w, h;
    getmaxyx(stdscr, h, w);
    cchar_t cc;
    wchar_t wc[3];
    for (int y = 0; y < g->h && y < h; y++) {
        for (int x = 0; x < g->w && x < w; x++) {
            const struct grid_cell *c = grid_cat(g, x, y);
            if (c->width == 0) continue;
            /* a wide char in the last column would wrap: draw a blank */
            if (c->width == 2 && x + 1 >= w) { wc[0] = L' '; wc[1] = 0; }
            else { wc[0] = (wchar_t)c->ch; wc[1] = (wchar_t)c->comb; wc[2] = 0; }
            setcchar(&cc, wc, role_attr[c->role], role_pair[c->role], NULL);
            mvadd_wch(y, x, &cc);
        }
    }
}

void screen_update(int x, int y)
{
    if (x >= 0) { move(y, x); curs_set(1); }
    else curs_set(0);
    wnoutrefresh(stdscr);
    doupdate();
}

void screen_redraw(void)
{
    clearok(curscr, TRUE);
}
