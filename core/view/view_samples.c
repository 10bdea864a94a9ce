/* view_samples.c: the samples panel of the right column: the first N of
 * EX_EMP_DRAWS draws with the current seed, in order (one stream: the N
 * are the first draws of the 10,000, and `sample -n N` reproduces them),
 * then one row per distinct drawn token: how often it came up among the N,
 * its frequency over all EX_EMP_DRAWS draws, and its final probability.
 * Units: counts, shares in [0, 1] (base/numfmt.h's format). */
#include "view/panel.h"
#include "base/numfmt.h"

#include <stdio.h>
#include <string.h>

#define DRAW_TOK_W 12  /* a draw shows at most this many columns ("<id 262143>" fits) */

/* The draws in order, over up to `lines` rows from y; when they do not
 * all fit, the last cells say how many are not shown ("+24"). Returns
 * the rows used. */
static int draw_row(struct grid *g, const struct explorer *ex, struct view_rect r, int y, int lines)
{
    const struct ex_samples *sm = &ex->samples;
    int x = r.x, end = r.x + r.w, used = 1;
    for (uint32_t i = 0; i < sm->n; i++) {
        int w = panel_token_width(g, ex, sm->draw[i]);
        if (w > DRAW_TOK_W) w = DRAW_TOK_W;
        if (w < 1) w = 1;
        char more[16];
        int ml = snprintf(more, sizeof more, "+%u", sm->n - i);
        /* room for this draw, and for the "+K" of the rest if it is not the last */
        int need = w + (i + 1 < sm->n ? 1 + ml + 1 : 0);
        if (x + need > end && !(x + w <= end && i + 1 == sm->n)) {
            if (--lines > 0 && r.x + need <= end) { y++; x = r.x; used++; }
            else { grid_puts(g, x, y, end - x, ROLE_DIM, more); return used; }
        }
        x += panel_token(g, ex, x, y, w, ROLE_NORMAL, sm->draw[i]) + 1;
    }
    return used;
}

void view_samples(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    const struct ex_samples *sm = &ex->samples;
    char t[80];
    int none = ex->res_ok && ex->res.n_kept == 0;   /* a top-N step listing no token (topn.c) */
    if (none)
        snprintf(t, sizeof t, r.w >= 40 ? "Samples: none, no token is listed" : "Samples: none");
    else if (r.w >= 40)
        snprintf(t, sizeof t, "Samples: first %u of %uk draws, seed %llu", sm->n, sm->emp_n / 1000,
                 (unsigned long long)ex->seed);
    else
        snprintf(t, sizeof t, "Samples: %u draws, seed %llu", sm->n, (unsigned long long)ex->seed);
    panel_title(g, r, t, ex->focus_panel == PANEL_SAMPLES);
    if (r.h < 2 || !ex->res_ok) return;
    if (none) {
        panel_wrap(g, r.x, r.y + 1, r.w, r.h - 1, ROLE_DIM, "nothing can be drawn: no token is listed at this step");
        return;
    }
    int y = r.y + 1, lines = r.h >= 6 ? 2 : 1;
    y += draw_row(g, ex, r, y, lines);
    if (y >= r.y + r.h) return;
    /* token | among the first N | frequency over all draws | final p */
    int tw = r.w - 19;
    if (tw < 6) tw = 6;
    char hn[16], hf[16];
    snprintf(hn, sizeof hn, "n/%u", sm->n);
    snprintf(hf, sizeof hf, "f/%uk", sm->emp_n / 1000);
    grid_puts(g, r.x, y, tw, ROLE_DIM, "token");
    grid_printf(g, r.x + tw, y, r.w - tw, ROLE_DIM, " %4s %6s %6s", hn, hf, "p");
    y++;
    for (uint32_t k = 0; k < sm->n_rows && y < r.y + r.h; k++, y++) {
        int32_t id = sm->row_id[k];
        panel_token(g, ex, r.x, y, tw, ROLE_NORMAL, id);
        char fe[16], fp[16];
        num_prob(fe, sizeof fe, sm->emp_n ? (double)sm->row_emp[k] / sm->emp_n : 0.0);
        num_prob(fp, sizeof fp, ex->res.p[id]);
        grid_printf(g, r.x + tw, y, r.w - tw, ROLE_VALUE, " %4u %6s %6s", sm->row_drawn[k], fe, fp);
    }
}
