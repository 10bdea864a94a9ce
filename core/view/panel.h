/* panel.h: what every panel and alternate view shares, and the panels.
 *
 * The view family is layered inside its folder: panel.c holds the helpers
 * the panels share (title row, token text, score rows); each panel is one
 * file (view_*.c) that draws one rectangle from the explorer's state and
 * calls only panel.c and grid.h; view.c (the main screen) and view_xe.c
 * (the alternate views) lay out rectangles and call the panels through a
 * table. Nothing here calls back up into view.c or view_xe.c.
 *
 * Units: terminal columns and rows. Panels allocate nothing and read the
 * state without changing it (explorer_update / explorer_eval_update run
 * first). */
#ifndef LS_VIEW_PANEL_H
#define LS_VIEW_PANEL_H

#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "view/grid.h"

struct view_rect { int x, y, w, h; };

/* --- helpers (panel.c) ---------------------------------------------------- */
/* Title row: "─ Title ──────" in the title (or focus) role. */
void panel_title(struct grid *g, struct view_rect r, const char *title, int focused);
/* Token text of id through DISP_TOKEN, clipped to maxw. Returns columns. */
int panel_token(struct grid *g, const struct explorer *ex, int x, int y, int maxw,
                enum grid_role role, int32_t id);
/* Columns panel_token needs for id unclipped. */
int panel_token_width(const struct grid *g, const struct explorer *ex, int32_t id);
/* s wrapped at blanks over at most max_lines rows of w columns from
 * (x, y) (the last row clipped with an ellipsis); returns the rows used.
 * An error is never cut: give it the rows panel_wrap_lines asks for. */
int panel_wrap(struct grid *g, int x, int y, int w, int max_lines, enum grid_role role, const char *s);
int panel_wrap_lines(const struct grid *g, int w, const char *s);
/* Line i (from 0) of s wrapped to w columns: s[*off .. *off + *len).
 * Returns 0 past the last line. */
int panel_wrap_slice(const struct grid *g, int w, const char *s, int i, size_t *off, size_t *len);
/* One score row (score_rows.h): the label in lw - 1 columns at x, the
 * value in vw columns at x + lw (none when vw is 0), in the role its
 * hint asks for. */
void panel_score_row(struct grid *g, int x, int y, int lw, int vw, const struct score_row *s);
/* The role of a score row's value (its hint). */
enum grid_role panel_score_role(const struct score_row *s);

/* --- the main panels (view.c lays them out) ------------------------------- */
typedef void panel_fn(struct grid *g, const struct explorer *ex, struct view_rect r);
panel_fn view_params, view_dist, view_chain, view_scores, view_samples, view_seq;
/* The token details overlay (view.c draws it over the right column). */
panel_fn view_token;

/* --- the alternate views (view_xe.c shows one) ---------------------------- */
typedef void xview_fn(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe,
                      struct view_rect r);
xview_fn view_scores_all, view_sweep, view_diff, view_draws;

#endif
