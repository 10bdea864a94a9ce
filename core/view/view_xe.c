/* view_xe.c: the alternate views' area, and the dispatch to the view
 * shown through a table (the views are behind panel.h). */
#include "view/view_xe.h"

struct view_rect view_xe_rect(const struct view_layout *L)
{
    return (struct view_rect){ 0, L->dist.y, L->w, L->dist.h };
}

/* By enum xe_view; XV_MAIN has none (the panels show). */
static xview_fn *const views[XV__COUNT] = {
    [XV_SCORES] = view_scores_all, [XV_SWEEP] = view_sweep, [XV_DIFF] = view_diff, [XV_DRAWS] = view_draws,
};

void view_xe(struct grid *g, const struct view_layout *L, const struct explorer *ex,
             const struct explorer_eval *xe)
{
    if (L->too_small || !ex->src || (unsigned)xe->view >= XV__COUNT || !views[xe->view]) return;
    struct view_rect r = view_xe_rect(L);
    if (r.h < 3) return;
    grid_fill(g, r.x, r.y, r.w, r.h, ROLE_NORMAL);
    grid_tag(g, r.x, r.y, r.w, r.h, 0);
    views[xe->view](g, ex, xe, r);
}
