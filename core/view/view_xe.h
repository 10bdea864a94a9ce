/* view_xe.h: the explorer's alternate views of issue 5 (scores, sweep,
 * diff, many draws), drawn into the cell grid (grid.h) over the main
 * panels' area: between the parameter bar and the sequence panel, full
 * width. Like the panels they allocate nothing and read the state without
 * changing it (call explorer_update and explorer_eval_update first).
 *
 *   view_render(&g, &ex, &L);
 *   if (xe.view != XV_MAIN) view_xe(&g, &L, &ex, &xe);
 */
#ifndef LS_VIEW_XE_H
#define LS_VIEW_XE_H

#include "explorer/explorer_eval.h"
#include "view/view.h"

/* The area the alternate views use at this layout. */
struct view_rect view_xe_rect(const struct view_layout *L);
/* Draw the view xe->view (nothing for XV_MAIN or a too-small terminal). */
void view_xe(struct grid *g, const struct view_layout *L, const struct explorer *ex,
             const struct explorer_eval *xe);

/* One file each. */
void view_xe_scores(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r);
void view_sweep(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r);
void view_diff(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r);
void view_draws(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r);

#endif
