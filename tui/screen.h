/* screen.h: the terminal: lifecycle, colour roles, copying grids out.
 *
 * Owns the one ncurses SCREEN, the termios saved before it, and stderr's
 * redirection while the UI is up (library warnings go to a temp file that
 * is printed after the terminal is restored, htop's trick). Colours are
 * roles (grid.h): each role maps to a colour pair and attributes for 256
 * colours, 8 colours, or monochrome (NO_COLOR set and non-empty, or a
 * terminal without colours), where roles differ by attribute alone.
 *
 * screen_open refuses, with a message and exit code 2, when stdin/stdout
 * is not a terminal or TERM is unknown or cannot address the cursor; it
 * never lets ncurses exit the process. screen_close is idempotent and
 * safe to call from atexit and (best effort) from a fatal signal handler.
 */
#ifndef LS_TUI_SCREEN_H
#define LS_TUI_SCREEN_H

#include "view/grid.h"

enum screen_mode { SCREEN_TTY = 0, SCREEN_NULL };

/* Returns 0, or an exit code after printing why to stderr. In SCREEN_NULL
 * mode (scripted tests, benchmarks) output goes to /dev/null and the size
 * comes from LINES/COLUMNS (default 80x24). */
int screen_open(enum screen_mode mode, int mouse);
void screen_close(void);
/* Async-signal context: restore what can be restored. */
void screen_emergency(void);
int screen_active(void);
int screen_colors(void);   /* 0 mono, 8, 256 */

void screen_size(int *w, int *h);
/* SCREEN_NULL only: pretend the terminal is now w x h. */
void screen_resize(int w, int h);
/* Copy the grid to the screen (no refresh). */
void screen_blit(const struct grid *g);
/* Cursor: visible at (x, y), or hidden with x < 0. Then refresh. */
void screen_update(int x, int y);
void screen_redraw(void);   /* clearok: repaint everything (Ctrl-L) */

#endif
