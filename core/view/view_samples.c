/* view_samples.c: the samples panel of the right column: the N draws with
 * the current seed in order, then one row per distinct drawn token: how
 * often it was drawn among the N, its empirical frequency over
 * EX_EMP_DRAWS draws, and its final probability. */
#include "view/panel.h"

#include <stdio.h>
#include <string.h>

/* 4 decimals, or 1e-05 style below them (never a misleading 0.0000) */
static void fmt_p(char *b, size_t n, double p)
{
    if (p >= 0.0001 || p == 0) snprintf(b, n, "%.4f", p);
    else snprintf(b, n, "%.0e", p);
}

void view_samples(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    const struct ex_samples *sm = &ex->samples;
    char t[64];
    snprintf(t, sizeof t, "Samples: %u draws, seed %llu", sm->n, (unsigned long long)ex->seed);
    panel_title(g, r, t, ex->focus_panel == PANEL_SAMPLES);
    if (r.h < 2 || !ex->res_ok) return;
    /* the draws, in order, wrapped over up to two rows */
    int y = r.y + 1, x = r.x, lines = r.h >= 6 ? 2 : 1;
    for (uint32_t i = 0; i < sm->n; i++) {
        if (x + 9 > r.x + r.w) { /* a draw takes at most 8 columns and a space */
            if (--lines == 0) break;
            y++; x = r.x;
        }
        x += panel_token(g, ex, x, y, 8, ROLE_NORMAL, sm->draw[i]) + 1;
    }
    y++;
    if (y >= r.y + r.h) return;
    int tw = r.w - 22;
    if (tw < 6) tw = 6;
    grid_puts(g, r.x, y, tw, ROLE_DIM, "token");
    grid_printf(g, r.x + tw, y, r.w - tw, ROLE_DIM, "%5s %7s %7s", "n", "freq", "p");
    y++;
    for (uint32_t k = 0; k < sm->n_rows && y < r.y + r.h; k++, y++) {
        int32_t id = sm->row_id[k];
        panel_token(g, ex, r.x, y, tw - 1, ROLE_NORMAL, id);
        char fe[16], fp[16];
        fmt_p(fe, sizeof fe, sm->emp_n ? (double)sm->row_emp[k] / sm->emp_n : 0.0);
        fmt_p(fp, sizeof fp, ex->res.p[id]);
        grid_printf(g, r.x + tw, y, r.w - tw, ROLE_VALUE, "%2u/%-2u %7s %7s", sm->row_drawn[k], sm->n, fe, fp);
    }
}
