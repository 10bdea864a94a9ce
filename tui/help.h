/* help.h: the help overlay, drawn into the grid from an action table
 * (every key and description, by group), the mouse and the explorer's
 * command table (commands.h). No curses: tests draw it into a grid. */
#ifndef LS_TUI_HELP_H
#define LS_TUI_HELP_H

#include "actions.h"
#include "view/grid.h"

/* The overlay's title, naming the keys that close and scroll it. */
#define HELP_TITLE "logitscope keys and commands ({ESCAPE}, {QUIT} or {HELP} closes; {MOVE_DOWN}/{MOVE_UP} scroll)"

/* Draw the overlay over whatever is in g, starting at line `scroll` of the
 * help text (clamped; the clamped value is returned). */
int help_draw(struct grid *g, const struct action_table *t, int scroll);
/* The scroll that shows the Commands section first (:help opens there). */
int help_commands_line(struct grid *g, const struct action_table *t);

#endif
