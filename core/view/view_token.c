/* view_token.c: the token details overlay ('i' on a token row, :token ID):
 * the explorer's token_detail document (report/token_detail.h, computed
 * by explorer_update) as label/value rows in a box over the right column,
 * so the selected row of the list stays in view. Units: columns, rows. */
#include "view/panel.h"
#include "base/display.h"

#include <stdio.h>
#include <string.h>

#define TD_LW 10  /* label column */

void view_token(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    const struct token_detail *d = &ex->detail;
    char t[64];
    snprintf(t, sizeof t, "Token %ld at step %u (%s closes)", (long)ex->detail_id, ex->step, grid_key(g, GK_BACK));
    grid_fill(g, r.x, r.y, r.w, r.h, ROLE_NORMAL);
    grid_tag(g, r.x, r.y, r.w, r.h, 0);
    panel_title(g, r, t, 1);
    if (!ex->detail_ok) {
        panel_wrap(g, r.x + 1, r.y + 1, r.w - 2, r.h - 1, ROLE_DIM,
                   explorer_result_pending(ex) ? "computing..." : "no distribution at this step");
        return;
    }
    struct token_detail_row row[16];
    int n = token_detail_rows(d, row, 16), y = r.y + 1;
    for (int i = 0; i < n && y < r.y + r.h; i++) {
        grid_puts(g, r.x + 1, y, TD_LW - 1, ROLE_LABEL, row[i].label);
        int vw = r.w - TD_LW - 1;
        if (row[i].is_text) { /* the token's own bytes through the token transform */
            grid_text(g, r.x + TD_LW, y++, vw, ROLE_NORMAL, d->text, d->len, DISP_TOKEN);
            continue;
        }
        enum grid_role role = !strcmp(row[i].label, "cut by") && d->cut_by ? ROLE_CUT_LABEL : ROLE_VALUE;
        y += panel_wrap(g, r.x + TD_LW, y, vw, r.y + r.h - y, role, row[i].value);
    }
}
