/* view_xe.c: the alternate views' area and dispatch, and the full scores
 * view: every row of ex->scores (the built-in rows, then one per evaluator
 * from explorer_eval.c) with room for the whole value, in two columns when
 * they do not fit in one, and the note on sampled continuations. */
#include "view/view_xe.h"

#include <stdio.h>
#include <string.h>

struct view_rect view_xe_rect(const struct view_layout *L)
{
    return (struct view_rect){ 0, L->dist.y, L->w, L->dist.h };
}

void view_xe(struct grid *g, const struct view_layout *L, const struct explorer *ex,
             const struct explorer_eval *xe)
{
    if (L->too_small || !ex->src || xe->view == XV_MAIN) return;
    struct view_rect r = view_xe_rect(L);
    if (r.h < 3) return;
    grid_fill(g, r.x, r.y, r.w, r.h, ROLE_NORMAL);
    grid_tag(g, r.x, r.y, r.w, r.h, 0);
    switch (xe->view) {
    case XV_SCORES: view_xe_scores(g, ex, xe, r); break;
    case XV_SWEEP: view_sweep(g, ex, xe, r); break;
    case XV_DIFF: view_diff(g, ex, xe, r); break;
    case XV_DRAWS: view_draws(g, ex, xe, r); break;
    default: break;
    }
}

void view_xe_scores(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r)
{
    char t[160];
    snprintf(t, sizeof t, "Scores: step %u, and every evaluator over the sequence (N = %u continuations, seed %llu)",
             ex->step, xe->cfg.n_samples, (unsigned long long)ex->seed);
    view_title(g, r, t, 1);
    int rows = r.h - 2, n = ex->scores.n;
    if (rows < 1) return;
    int cols = n > rows && r.w >= 80 ? 2 : 1;
    int cw = r.w / cols, lw = 16;
    for (int i = 0; i < n; i++) {
        int c = i / rows, k = i % rows;
        if (c >= cols) break;
        const struct score_row *s = &ex->scores.row[i];
        int x = r.x + 1 + c * cw, y = r.y + 1 + k;
        enum grid_role vr = s->hint == SCORE_PENDING ? ROLE_DIM : s->hint == SCORE_WARN ? ROLE_CUT_LABEL
                          : s->hint == SCORE_HEADING ? ROLE_TITLE : ROLE_VALUE;
        grid_text(g, x, y, lw - 1, ROLE_LABEL, s->label, strlen(s->label), 0);
        grid_text(g, x + lw, y, cw - lw - 2, vr, s->value, strlen(s->value), 0);
    }
    grid_puts(g, r.x + 1, r.y + r.h - 1, r.w - 2, ROLE_DIM,
              "continuations are per-step draws given the recorded context (see logitscope eval --help)");
}
