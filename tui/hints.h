/* hints.h: the status line's key hints, one template per context (the
 * focused panel on the main screen, or the alternate view shown), every
 * key named through the action table (actions.h), never written out. */
#ifndef LS_TUI_HINTS_H
#define LS_TUI_HINTS_H

#include "actions.h"
#include "view/grid.h"

/* The dataset table's hints: pass HINTS_DATASET as the view. */
#define HINTS_DATASET 100
/* The hints for view (enum xe_view, or HINTS_DATASET) and focused panel
 * (enum ex_panel), expanded from t into buf. Returns buf. */
const char *hints_text(const struct action_table *t, int view, int panel, char *buf, size_t bufsz);
/* The hints of the last context, kept between frames: expanded again only
 * when the bindings (another table) or the context (view, panel) change,
 * not on every frame. Zero-initialise; no resources. A table is data and
 * is not changed in place while a cache holds its text (a rebinding is a
 * new table, as app.keys). */
struct hints_cache {
    const struct action_table *t;
    const struct action_info *a;   /* t's rows and count when expanded */
    int n, view, panel, valid;
    unsigned builds;               /* expansions so far (tests) */
    char text[256];
};
/* hints_text for (t, view, panel), from the cache when it holds them.
 * Returns c->text. */
const char *hints_cached(struct hints_cache *c, const struct action_table *t, int view, int panel);
/* The key labels the panels name in their texts (grid.h's grid_key),
 * from t: the command line's key and the one that goes back. */
void hints_grid_keys(struct grid *g, const struct action_table *t);
/* Every hint template, for checks: the i-th, NULL past the last. */
const char *hints_template(int i);

#endif
