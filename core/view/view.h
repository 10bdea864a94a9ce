/* view.h: the explorer's panels laid out into a cell grid (grid.h).
 *
 * Owns: the screen layout (which rectangle each panel gets at a given
 * terminal size) and the drawing of every panel from an explorer's state.
 * Units: terminal columns and rows. Nothing here knows about curses: the
 * TUI copies the grid to the screen, and tests print it with grid_to_text.
 * Drawing allocates nothing and reads the explorer without changing it
 * (call explorer_update first). view.c only lays out and dispatches: the
 * panels are one file each behind panel.h.
 *
 *   struct view_layout L; view_layout(&L, cols, rows, ex.n_steps);
 *   view_render(&g, &ex, &L);            // every panel but the status line
 *   view_status(&g, &L, &ex, hints);     // or the TUI draws its prompt there
 */
#ifndef LS_VIEW_H
#define LS_VIEW_H

#include "explorer/explorer.h"
#include "view/grid.h"
#include "view/panel.h"

#define VIEW_MIN_W 60
#define VIEW_MIN_H 16

struct view_layout {
    int w, h;
    int too_small;
    struct view_rect params, dist, chain, scores, samples, seq, status;
};

void view_layout(struct view_layout *L, int w, int h, uint32_t n_steps);
/* Every panel (or the "terminal too small" message). */
void view_render(struct grid *g, const struct explorer *ex, const struct view_layout *L);
/* The status line: the explorer's message, else the key hints. */
void view_status(struct grid *g, const struct view_layout *L, const struct explorer *ex, const char *hints);

/* Rows the distribution list shows at this layout (for paging). */
int view_dist_rows(const struct view_layout *L);

#endif
