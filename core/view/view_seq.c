/* view_seq.c: the sequence panel: the recorded tokens in order, wrapped
 * over the panel's rows, each in a role for its probability under the
 * current settings (>= 0.5, >= 0.1, below; computed by explorer_work, so a
 * token is dim until its step is done) and prefixed with a cut mark when
 * the current chain would have cut it. The selected step is bracketed in
 * the select role. Rows scroll so the selected step stays in view; the
 * layout is recomputed from the start each frame up to the visible part
 * (tokens are at most SEQ_TOK_W columns), which is O(step) and allocation
 * free. Every token's cells carry a TAG_STEP click tag. */
#include "view/panel.h"
#include "base/display.h"

#include <stdio.h>
#include <string.h>

#define SEQ_TOK_W 12

static int tok_width(const struct grid *g, const struct explorer *ex, uint32_t i)
{
    int32_t id = ex->rec_tok[i];
    if (id < 0) return 1;
    int w = panel_token_width(g, ex, id);
    return w > SEQ_TOK_W ? SEQ_TOK_W : w < 1 ? 1 : w;
}

/* The legend of the token roles, drawn at the right end of the title row
 * when it fits after the title (tw columns). */
static void seq_legend(struct grid *g, struct view_rect r, int tw)
{
    int ascii = (g->dflags & DISP_ASCII) != 0;
    const struct { enum grid_role role; const char *utf8, *ascii; } items[] = {
        { ROLE_P_HI, "p\xE2\x89\xA5" "0.5", "p>=0.5" },
        { ROLE_P_MID, "p\xE2\x89\xA5" "0.1", "p>=0.1" },
        { ROLE_P_LO, "p<0.1", "p<0.1" },
        { ROLE_P_CUT, "cut", "cut" },
        { ROLE_DIM, "pending", "pending" },
    };
    const int n = (int)(sizeof items / sizeof items[0]);
    int w = 0;
    for (int i = 0; i < n; i++) {
        const char *t = ascii ? items[i].ascii : items[i].utf8;
        w += disp_width(t, strlen(t), g->dflags) + 1;
    }
    int cut_w = 1 + 1;   /* the cut item is drawn after its mark */
    int x = r.x + r.w - w - cut_w - 1;
    if (x < r.x + tw + 2) return;
    const struct grid_glyphs *gl = grid_glyphs(g);
    grid_glyph(g, x - 1, r.y, ' ', ROLE_BORDER);
    for (int i = 0; i < n; i++) {
        if (items[i].role == ROLE_P_CUT) { grid_glyph(g, x++, r.y, gl->cut_mark, ROLE_P_CUT); }
        x += grid_puts(g, x, r.y, r.x + r.w - x, items[i].role, ascii ? items[i].ascii : items[i].utf8);
        grid_glyph(g, x++, r.y, ' ', ROLE_BORDER);
    }
}

void view_seq(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    char t[96];
    const struct ex_seq *s = explorer_seq(ex);
    const struct grid_glyphs *gl = grid_glyphs(g);
    if (s && s->done < ex->n_steps)
        snprintf(t, sizeof t, "Sequence: %u steps (computing %u/%u)", ex->n_steps, s->done, ex->n_steps);
    else
        snprintf(t, sizeof t, "Sequence: %u steps, p under current settings", ex->n_steps);
    panel_title(g, r, t, ex->focus_panel == PANEL_SEQ);
    seq_legend(g, r, (int)strlen(t) + 2);
    int rows = r.h - 1;
    if (rows <= 0 || !ex->rec_tok) return;
    /* pass 1: the line of the selected step */
    int line = 0, x = 0, sel_line = 0;
    for (uint32_t i = 0; i <= ex->step && i < ex->n_steps; i++) {
        int w = tok_width(g, ex, i) + 1 + (i == ex->step); /* mark + token (+ bracket) */
        if (x + w > r.w && x > 0) { line++; x = 0; }
        if (i == ex->step) sel_line = line;
        x += w;
    }
    int first = sel_line - (rows - 1) / 2;
    if (first < 0) first = 0;
    /* pass 2: draw lines first .. first+rows */
    line = 0; x = 0;
    for (uint32_t i = 0; i < ex->n_steps; i++) {
        int w = tok_width(g, ex, i) + 1 + (i == ex->step);
        if (x + w > r.w && x > 0) { line++; x = 0; }
        if (line >= first + rows) break;
        if (line >= first) {
            int y = r.y + 1 + line - first, cx = r.x + x;
            int32_t id = ex->rec_tok[i];
            enum grid_role role = ROLE_DIM;
            int cut = 0;
            if (s && i < s->done) {
                if (s->state[i] == SEQ_CUT) { role = ROLE_P_CUT; cut = 1; }
                else if (s->state[i] == SEQ_KEPT)
                    role = s->p[i] >= 0.5f ? ROLE_P_HI : s->p[i] >= 0.1f ? ROLE_P_MID : ROLE_P_LO;
            }
            int sel = i == ex->step;
            if (sel) grid_glyph(g, cx, y, '[', ROLE_SELECT);
            else if (cut) grid_glyph(g, cx, y, gl->cut_mark, ROLE_P_CUT);
            int n;
            if (id >= 0) n = panel_token(g, ex, cx + 1, y, SEQ_TOK_W, sel ? ROLE_SELECT : role, id);
            else { grid_glyph(g, cx + 1, y, gl->dot, ROLE_DIM); n = 1; }
            if (sel) grid_glyph(g, cx + 1 + n, y, ']', ROLE_SELECT);
            grid_tag(g, cx, y, w, 1, GRID_TAG(TAG_STEP, i));
        }
        x += w;
    }
}
