/* view_live.h: the continuations view of live mode (view_live.c). Drawn
 * after view_render when live mode is on (tui/app.c). */
#ifndef LS_VIEW_LIVE_H
#define LS_VIEW_LIVE_H

#include "view/view.h"
#include "explorer/explorer_live.h"
#include "explorer/explorer_eval.h"

void view_live(struct grid *g, const struct view_layout *L, const struct ex_live *lv, const struct explorer *ex);
/* With A/B held, the scores view ('e', :scores) is A's and B's score tables
 * side by side (the evaluator rows of both over their N continuations),
 * then each continuation's A and B texts. Drawn after view_xe. */
void view_live_ab(struct grid *g, const struct view_layout *L, const struct ex_live *lv,
                  const struct explorer_eval *xe);

#endif
