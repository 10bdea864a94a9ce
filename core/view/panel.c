/* panel.c: the helpers every panel shares (see panel.h). */
#include "view/panel.h"
#include "base/display.h"

#include <string.h>

void panel_title(struct grid *g, struct view_rect r, const char *title, int focused)
{
    const struct grid_glyphs *gl = grid_glyphs(g);
    enum grid_role role = focused ? ROLE_TITLE_FOCUS : ROLE_TITLE;
    grid_hline(g, r.x, r.y, r.w, gl->hline, ROLE_BORDER);
    int n = grid_puts(g, r.x + 1, r.y, r.w - 2, role, " ");
    n += grid_puts(g, r.x + 1 + n, r.y, r.w - 2 - n, role, title);
    grid_puts(g, r.x + 1 + n, r.y, r.w - 2 - n, role, " ");
}

int panel_token(struct grid *g, const struct explorer *ex, int x, int y, int maxw,
                enum grid_role role, int32_t id)
{
    char buf[32];
    size_t len;
    const char *t = explorer_token(ex, id, buf, sizeof buf, &len);
    return grid_text(g, x, y, maxw, role, t, len, DISP_TOKEN);
}

void panel_score_row(struct grid *g, int x, int y, int lw, int vw, const struct score_row *s)
{
    enum grid_role vr = s->hint == SCORE_PENDING ? ROLE_DIM : s->hint == SCORE_WARN ? ROLE_CUT_LABEL
                      : s->hint == SCORE_HEADING ? ROLE_TITLE : ROLE_VALUE;
    grid_text(g, x, y, lw - 1, ROLE_LABEL, s->label, strlen(s->label), 0);
    grid_text(g, x + lw, y, vw, vr, s->value, strlen(s->value), 0);
}
