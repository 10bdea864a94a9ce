/* view_scores.c: the score rows (score_rows.h: the explorer's built-in
 * rows, then one per evaluator from explorer_eval.c) as "label  value":
 * the scores panel of the right column shows what fits; the scores view
 * ('e', :scores) shows every row with room for the whole value, in two
 * columns when they do not fit in one, and the note on sampled
 * continuations. */
#include "view/panel.h"

#include <stdio.h>

#define SCORE_LW 16  /* label column of the scores view */

void view_scores(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    panel_title(g, r, "Scores", 0);
    int lw = 14, y = r.y + 1;
    for (int i = 0; i < ex->scores.n && y < r.y + r.h; i++) {
        const struct score_row *s = &ex->scores.row[i];
        if (s->hint == SCORE_NOTE) y += panel_wrap(g, r.x, y, r.w, 2 < r.y + r.h - y ? 2 : r.y + r.h - y,
                                                   ROLE_CUT_LABEL, s->value);
        else if (s->hint == SCORE_WARN) {   /* a warning or an error wraps (up to 3 rows), the scores view shows all */
            int room = r.y + r.h - y;
            panel_score_row(g, r.x, y, lw, 0, s);
            y += panel_wrap(g, r.x + lw, y, r.w - lw, room < 3 ? room : 3, ROLE_CUT_LABEL, s->value);
        } else panel_score_row(g, r.x, y++, lw, r.w - lw, s);
    }
}

void view_scores_all(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r)
{
    char t[160];
    snprintf(t, sizeof t, "Scores: step %u, and every evaluator over the sequence (N = %u continuations, seed %llu)",
             ex->step, xe->cfg.n_samples, (unsigned long long)ex->seed);
    panel_title(g, r, t, 1);
    int rows = r.h - 2, n = ex->scores.n;
    if (rows < 1) return;
    int lines = 0;
    for (int i = 0; i < n; i++) lines += panel_wrap_lines(g, r.w - 2 - SCORE_LW, ex->scores.row[i].value);
    int cols = lines > rows && r.w >= 80 ? 2 : 1;
    int cw = r.w / cols, col = 0, y = 0;
    /* rows in order, each value wrapped whole (an error is never cut) */
    for (int i = 0; i < n && col < cols; i++) {
        const struct score_row *s = &ex->scores.row[i];
        int vw = cw - SCORE_LW - 2, need = panel_wrap_lines(g, vw, s->value);
        if (y > 0 && y + need > rows) { col++; y = 0; }
        if (col >= cols) break;
        int x = r.x + 1 + col * cw;
        if (s->hint == SCORE_NOTE) { y += panel_wrap(g, x, r.y + 1 + y, cw - 2, rows - y, ROLE_CUT_LABEL, s->value); continue; }
        panel_score_row(g, x, r.y + 1 + y, SCORE_LW, 0, s);
        y += panel_wrap(g, x + SCORE_LW, r.y + 1 + y, vw, rows - y, panel_score_role(s), s->value);
    }
    grid_puts(g, r.x + 1, r.y + r.h - 1, r.w - 2, ROLE_DIM,
              "continuations are per-step draws given the recorded context (see logitscope eval --help)");
}
