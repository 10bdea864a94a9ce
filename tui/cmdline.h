/* cmdline.h: the ':' command line (GNU Readline, callback interface).
 * See cmdline.c for how readline is kept from touching the terminal. */
#ifndef LS_TUI_CMDLINE_H
#define LS_TUI_CMDLINE_H

#include <stddef.h>
#include "view/grid.h"

/* Set readline up; use_history 0 in scripted/test runs. A warning (history
 * unusable) is written to warn, empty if none. */
int cmdline_init(int use_history, char *warn, size_t warnsz);
/* Save the history (if enabled) and let go of readline. */
void cmdline_done(void);
/* Open the prompt, optionally with text already typed. */
void cmdline_open(const char *prefill);
int cmdline_active(void);
/* Feed one key (keys.h). Returns 1 with the line in out when Enter ended
 * it, -1 when cancelled (Esc, Ctrl-G, Backspace on an empty line), else 0. */
int cmdline_key(int key, char *out, size_t outsz);
/* Draw the prompt and line into row y; returns the cursor column, or -1
 * when the prompt is closed. */
int cmdline_draw(struct grid *g, int y, int w);
/* The last completion candidates ("3 matches: a b c"), or "". */
const char *cmdline_matches(void);

#endif
