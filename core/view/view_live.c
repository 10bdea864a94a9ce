/* view_live.c: the continuations view of live mode (explorer_live.h): the
 * N continuations the model wrote under the current settings, one per row
 * (the generated text, escaped; the prompt is in the status line), the shown one marked;
 * with A/B held, A's texts under them. Drawn over the samples panel while
 * live mode is on: per-step draws matter less when whole continuations are
 * on screen. Reads the live state only. */
#include "view/view_live.h"
#include "base/display.h"

#include <stdio.h>
#include <string.h>

static void row(struct grid *g, struct view_rect r, int y, const char *tag, enum grid_role role, const char *text)
{
    int c = grid_puts(g, r.x, y, r.w, role, tag);
    grid_text(g, r.x + c, y, r.w - c, role, text, strlen(text), 0);
}

void view_live(struct grid *g, const struct view_layout *L, const struct ex_live *lv, const struct explorer *ex)
{
    (void)ex;
    if (!lv->model || L->too_small) return;
    struct view_rect r = L->samples;
    if (r.h < 2 || r.w < 8) return;
    grid_fill(g, r.x, r.y, r.w, r.h, ROLE_NORMAL);
    char t[96];
    if (lv->running) snprintf(t, sizeof t, "Continuations: generating %u/%u", lv->gen_i, lv->n);
    else snprintf(t, sizeof t, "Continuations: %u, #%u shown%s", lv->n, lv->pick, lv->ab ? ", A below" : "");
    panel_title(g, r, t, 0);
    int y = r.y + 1, end = r.y + r.h;
    for (uint32_t i = 0; i < lv->n && y < end; i++, y++) {
        char tag[16];
        snprintf(tag, sizeof tag, "%s%u ", i == lv->pick ? ">" : " ", i);
        const char *txt = explorer_live_text(lv, i);
        row(g, r, y, tag, i == lv->pick ? ROLE_FOCUS : ROLE_NORMAL, txt ? txt : "");
    }
    for (uint32_t i = 0; lv->ab && i < lv->n && y < end; i++, y++) {
        char tag[16];
        snprintf(tag, sizeof tag, "A%u ", i);
        row(g, r, y, tag, ROLE_LABEL, lv->ab_text[i]);
    }
}
