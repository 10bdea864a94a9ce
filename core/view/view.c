/* view.c: the main screen's layout, and the dispatch to its panels
 * through a table (see view.h; the panels are behind panel.h).
 *
 * Layout (columns x rows), top to bottom:
 *   row 0          parameter bar
 *   rows 1..       left: distribution panel; right column: chain, scores,
 *                  samples (right column 28..72 columns by terminal width)
 *   seq rows       sequence panel (3..6 rows, only for multi-step files)
 *   last row       status line (messages, key hints, the ':' prompt)
 * The token details (view_token.c) draw over the right column when shown;
 * an error message wraps upward from the status line (never cut).
 * Below VIEW_MIN_W x VIEW_MIN_H a "terminal too small" message replaces it. */
#include "view/view.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

void view_layout(struct view_layout *L, int w, int h, uint32_t n_steps)
{
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->too_small = w < VIEW_MIN_W || h < VIEW_MIN_H;
    L->status = (struct view_rect){ 0, h - 1, w, 1 };
    if (L->too_small) return;
    L->params = (struct view_rect){ 0, 0, w, 1 };
    int seq_h = 0;
    if (n_steps > 1) seq_h = h >= 40 ? 7 : h >= 30 ? 5 : h >= 22 ? 4 : 3;
    L->seq = (struct view_rect){ 0, h - 1 - seq_h, w, seq_h };
    int top = 1, mh = h - 1 - seq_h - top;
    /* the right column grows with the terminal: a third of it from 144
     * columns (200 columns: 66), at most 72 */
    int rw = w >= 144 ? (w / 3 > 72 ? 72 : w / 3) : w >= 120 ? 48 : w >= 100 ? 42 : w >= 80 ? 36 : 28;
    int lw = w - rw - 1;
    L->dist = (struct view_rect){ 0, top, lw, mh };
    /* chain 7 rows, scores 7-8, samples the rest; when short (60x16: 11
     * rows) every panel keeps its title and at least two rows: the chain
     * gives way first */
    int chain_h = 7, scores_min = 3, samples_min = 3;
    if (chain_h + scores_min + samples_min > mh) chain_h = mh - scores_min - samples_min;
    if (chain_h < 3) chain_h = 3;
    int scores_h = mh >= 20 ? 8 : 7;
    if (chain_h + scores_h + samples_min > mh) scores_h = mh - chain_h - samples_min;
    if (scores_h < 1) scores_h = 1;
    L->chain = (struct view_rect){ lw + 1, top, rw, chain_h };
    L->scores = (struct view_rect){ lw + 1, top + chain_h, rw, scores_h };
    L->samples = (struct view_rect){ lw + 1, top + chain_h + scores_h, rw, mh - chain_h - scores_h };
}

int view_dist_rows(const struct view_layout *L)
{
    int n = L->dist.h - 4;
    return n > 1 ? n : 1;
}

/* The main panels in drawing order; a panel with no rows is skipped. */
static const struct { size_t rect; panel_fn *draw; } panels[] = {
    { offsetof(struct view_layout, dist), view_dist },
    { offsetof(struct view_layout, chain), view_chain },
    { offsetof(struct view_layout, scores), view_scores },
    { offsetof(struct view_layout, samples), view_samples },
    { offsetof(struct view_layout, seq), view_seq },
};

static struct view_rect rect_of(const struct view_layout *L, size_t off)
{
    return *(const struct view_rect *)(const void *)((const char *)L + off);
}

void view_render(struct grid *g, const struct explorer *ex, const struct view_layout *L)
{
    grid_clear(g);
    if (L->too_small) {
        char msg[96];
        int n = snprintf(msg, sizeof msg, "terminal too small: %dx%d (need %dx%d)", L->w, L->h, VIEW_MIN_W, VIEW_MIN_H);
        int x = (L->w - n) / 2;
        grid_puts(g, x > 0 ? x : 0, L->h / 2, L->w, ROLE_ERROR, msg);
        return;
    }
    view_params(g, ex, L->params);
    if (!ex->src) {
        grid_printf(g, 1, 2, L->w - 2, ROLE_DIM, "no file open (%sopen FILE)", grid_key(g, GK_COMMAND));
        return;
    }
    /* the rule between the distribution and the right column */
    const struct grid_glyphs *gl = grid_glyphs(g);
    for (int y = L->dist.y; y < L->dist.y + L->dist.h; y++) grid_glyph(g, L->chain.x - 1, y, gl->vline, ROLE_BORDER);
    for (size_t i = 0; i < sizeof panels / sizeof panels[0]; i++) {
        struct view_rect r = rect_of(L, panels[i].rect);
        if (r.h > 0) panels[i].draw(g, ex, r);
    }
    if (ex->detail_id >= 0) {
        /* over the right column: the list and its selected row stay in view */
        struct view_rect r = L->chain;
        r.h = L->dist.h < 12 ? L->dist.h : 12;
        view_token(g, ex, r);
    }
}

void view_status(struct grid *g, const struct view_layout *L, const struct explorer *ex, const char *hints)
{
    struct view_rect r = L->status;
    grid_fill(g, r.x, r.y, r.w, 1, ROLE_STATUS);
    if (ex->msg[0] && ex->msg_error) {
        /* an error is never cut: it takes the rows above the status line it
         * needs (up to a third of the screen), ending on the status line */
        int n = panel_wrap_lines(g, r.w, ex->msg), cap = L->h / 3 > 1 ? L->h / 3 : 1;
        if (n > cap) n = cap;
        if (n > r.y + 1) n = r.y + 1;
        grid_fill(g, r.x, r.y - n + 1, r.w, n, ROLE_STATUS);
        panel_wrap(g, r.x, r.y - n + 1, r.w, n, ROLE_ERROR, ex->msg);
    } else if (ex->msg[0]) grid_text(g, r.x, r.y, r.w, ROLE_STATUS, ex->msg, strlen(ex->msg), 0);
    else if (hints) grid_puts(g, r.x, r.y, r.w, ROLE_HINT, hints);
}
