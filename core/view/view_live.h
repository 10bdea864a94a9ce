/* view_live.h: the continuations view of live mode (view_live.c). Drawn
 * after view_render when live mode is on (tui/app.c). */
#ifndef LS_VIEW_LIVE_H
#define LS_VIEW_LIVE_H

#include "view/view.h"
#include "explorer/explorer_live.h"

void view_live(struct grid *g, const struct view_layout *L, const struct ex_live *lv, const struct explorer *ex);

#endif
