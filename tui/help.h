/* help.h: the help overlay, drawn into the grid from the action table. */
#ifndef LS_TUI_HELP_H
#define LS_TUI_HELP_H

#include "view/grid.h"

/* Draw the overlay over whatever is in g, starting at line `scroll` of the
 * help text (clamped; the clamped value is returned). */
int help_draw(struct grid *g, int scroll);

#endif
