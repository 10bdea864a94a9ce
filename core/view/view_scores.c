/* view_scores.c: the score rows (score_rows.h: the explorer's built-in
 * rows, then one per evaluator from explorer_eval.c) as "label  value":
 * the scores panel of the right column shows what fits; the scores view
 * ('e', :scores) shows every row with room for the whole value, in two
 * columns when they do not fit in one, and the note on sampled
 * continuations. */
#include "view/panel.h"

#include <stdio.h>

void view_scores(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    panel_title(g, r, "Scores", 0);
    int lw = 14;
    for (int i = 0; i < ex->scores.n && i + 1 < r.h; i++)
        panel_score_row(g, r.x, r.y + 1 + i, lw, r.w - lw, &ex->scores.row[i]);
}

void view_scores_all(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r)
{
    char t[160];
    snprintf(t, sizeof t, "Scores: step %u, and every evaluator over the sequence (N = %u continuations, seed %llu)",
             ex->step, xe->cfg.n_samples, (unsigned long long)ex->seed);
    panel_title(g, r, t, 1);
    int rows = r.h - 2, n = ex->scores.n;
    if (rows < 1) return;
    int cols = n > rows && r.w >= 80 ? 2 : 1;
    int cw = r.w / cols, lw = 16;
    for (int i = 0; i < n && i / rows < cols; i++)
        panel_score_row(g, r.x + 1 + (i / rows) * cw, r.y + 1 + i % rows, lw, cw - lw - 2, &ex->scores.row[i]);
    grid_puts(g, r.x + 1, r.y + r.h - 1, r.w - 2, ROLE_DIM,
              "continuations are per-step draws given the recorded context (see logitscope eval --help)");
}
