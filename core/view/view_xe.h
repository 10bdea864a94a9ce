/* view_xe.h: the explorer's alternate views of issue 5 (scores, sweep,
 * diff, many draws), drawn into the cell grid (grid.h) over the main
 * panels' area: between the parameter bar and the sequence panel, full
 * width. The views are one file each behind panel.h; view_xe.c only
 * places and dispatches. Like the panels they allocate nothing and read the state without
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

#endif
