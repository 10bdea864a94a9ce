/* view_chain.c: the chain panel: one row per stage (candidates in -> out,
 * share of the stage's input mass removed; inactive stages dimmed "off"),
 * then a cumulative-probability strip.
 *
 * The strip is the [0, 1] axis of raw probability mass with the tokens in
 * raw order laid along it: a column shows the token covering the middle of
 * its mass interval, solid when the chain kept it (alternating roles so
 * neighbouring tokens stay apart) and shaded when cut. Above it, a marker
 * at top-p's value; top-p compares it with the mass of *its input*, which is
 * the raw distribution only when earlier stages changed nothing, so the
 * legend reports the retained raw mass too. Mass beyond the cached top list
 * (EX_TOP_MAX tokens) is drawn as dots. */
#include "view/panel.h"
#include "base/display.h"

#include <stdio.h>

void view_chain(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    const struct chain_result *res = &ex->res;
    char t[64];
    snprintf(t, sizeof t, "Chain %s", preset_name(ex->chain.preset));
    panel_title(g, r, t, 0);
    if (!ex->res_ok || r.h < 2) return;
    int y = r.y + 1, w = r.w;
    const char *arrow = (g->dflags & DISP_ASCII) ? ">" : "\xE2\x86\x92";
    for (int k = 0; k < res->n_stages && y < r.y + r.h; k++, y++) {
        const struct stage_report *s = &res->stages[k];
        enum grid_role role = s->active ? ROLE_NORMAL : ROLE_DIM;
        int n = grid_printf(g, r.x, y, w, role, "%d %-11s", k + 1, stage_name(s->kind));
        if (!s->active) { grid_puts(g, r.x + n, y, w - n, ROLE_DIM, " off"); continue; }
        n += grid_printf(g, r.x + n, y, w - n, ROLE_VALUE, "%6u%s%-6u", s->kept_in, arrow, s->kept_out);
        /* temperature cuts nothing unless greedy: it reshapes the mass */
        if (s->kind == STAGE_TEMPERATURE && s->kept_out == s->kept_in)
            grid_puts(g, r.x + n, y, w - n, ROLE_DIM, " reshape");
        else if (s->kept_out == s->kept_in)   /* removed nothing: never "-0.0%" */
            grid_puts(g, r.x + n, y, w - n, ROLE_DIM, " none cut");
        else if (100.0 * s->mass_removed < 0.05)
            grid_puts(g, r.x + n, y, w - n, ROLE_CUT_LABEL, " -<0.1%");
        else
            grid_printf(g, r.x + n, y, w - n, ROLE_CUT_LABEL, " -%.1f%%", 100.0 * s->mass_removed);
    }
    if (y + 1 >= r.y + r.h) return;

    /* cumulative strip */
    const struct grid_glyphs *gl = grid_glyphs(g);
    int sw = w - 1;
    int ym = y, ys = y + 1;
    double cum = 0.0;
    uint32_t k = 0;
    for (int c = 0; c < sw; c++) {
        double mid = (c + 0.5) / sw;
        while (k < ex->n_top && cum + res->p_raw[ex->top[k]] < mid) { cum += res->p_raw[ex->top[k]]; k++; }
        if (k >= ex->n_top) { grid_glyph(g, r.x + c, ys, gl->dot, ROLE_DIM); continue; }
        int cut = res->cut_by[ex->top[k]] != 0;
        if (cut) grid_glyph(g, r.x + c, ys, (g->dflags & DISP_ASCII) ? '.' : 0x2591, ROLE_STRIP_CUT);
        else grid_glyph(g, r.x + c, ys, gl->bar_full, (k & 1) ? ROLE_STRIP_B : ROLE_STRIP_A);
    }
    if (ex->params.top_p < 1.0) {
        int c = (int)(ex->params.top_p * sw);
        if (c >= sw) c = sw - 1;
        grid_glyph(g, r.x + c, ym, gl->marker_down, ROLE_MARK);
        char lbl[32];
        int n = snprintf(lbl, sizeof lbl, "top-p %.2f", ex->params.top_p);
        int lx = c + 2 + n <= sw ? c + 2 : c - 1 - n;
        if (lx >= 0) grid_puts(g, r.x + lx, ym, n, ROLE_MARK, lbl);
    } else {
        grid_puts(g, r.x, ym, w, ROLE_DIM, "cumulative raw p");
    }
    if (ys + 1 < r.y + r.h)
        grid_printf(g, r.x, ys + 1, w, ROLE_DIM, "kept mass %.3f of raw", res->retained_mass);
}
