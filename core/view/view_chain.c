/* view_chain.c: the chain panel: one row per stage in chain order, then a
 * cumulative-probability strip.
 *
 * Stage rows are a cell grid: position, name, candidates in -> out, and the
 * share of the stage's input mass it removed ("reshape" for a temperature
 * that cut nothing, "0%" for a stage that removed nothing; inactive stages
 * dimmed "off"). Column widths come from the longest stage name in the
 * chain and the digits of the candidate count, so the columns never run
 * together (V = 262144 gives "1 temperature 262144→262144 reshape"); when
 * that is wider than the panel, counts shrink to "262k" and then names are
 * clipped. The row of the focused parameter's stage is drawn in the focus
 * role, and a click on a row focuses its parameter.
 *
 * Rows, when the panel is short: inactive stages fold into one "off:" row,
 * then the strip goes, then the last stage rows become "+N more". A row
 * "no effect:" names parameters that are set but whose stage is not in the
 * chain, when there is room (the bar dims them too).
 *
 * The strip lays the tokens in raw order along [0, 1] of the distribution
 * top-p is applied to: its input (the tokens earlier stages kept,
 * renormalised, after an earlier temperature; explorer_marks.c), or the raw
 * distribution when no top-p stage is active. A column shows the token
 * covering the middle of its mass interval, solid when the chain kept it
 * (alternating roles so neighbours stay apart) and shaded when cut. The
 * top-p marker above it therefore sits where top-p's own cumulative mass
 * reaches p. Mass beyond the cached top list (EX_TOP_MAX tokens) is dots. */
#include "view/panel.h"
#include "sampling/stage.h"
#include "base/display.h"

#include <stdio.h>
#include <string.h>

struct chain_cols { int pw, nmw, inw, outw, compact; };

static int digits(uint32_t v) { int d = 1; while (v >= 10) { v /= 10; d++; } return d; }

/* "262144", or "262k" / "1.2M" when compact */
static int fmt_count(char *b, size_t n, uint32_t v, int compact)
{
    if (!compact || v < 1000) return snprintf(b, n, "%u", v);
    if (v < 1000000) return snprintf(b, n, "%uk", v / 1000);
    return snprintf(b, n, "%.1fM", v / 1e6);
}

#define SHARE_W 8  /* " reshape", " -100.0%" */

/* The widest in and out counts of the active stages, as formatted. */
static void count_widths(const struct chain_result *res, int compact, int *inw, int *outw)
{
    char b[16];
    *inw = *outw = 1;
    for (int k = 0; k < res->n_stages; k++) {
        if (!res->stages[k].active) continue;
        int a = fmt_count(b, sizeof b, res->stages[k].kept_in, compact);
        int o = fmt_count(b, sizeof b, res->stages[k].kept_out, compact);
        if (a > *inw) *inw = a;
        if (o > *outw) *outw = o;
    }
}

static struct chain_cols chain_cols(const struct chain_result *res, int w)
{
    struct chain_cols c = { digits((uint32_t)res->n_stages), 0, 0, 0, 0 };
    for (int k = 0; k < res->n_stages; k++) {
        int l = (int)strlen(stage_name(res->stages[k].kind));
        if (l > c.nmw) c.nmw = l;
    }
    int fixed = c.pw + 1 + 1 + 1 + SHARE_W;  /* sp after pos, sp after name, arrow */
    count_widths(res, 0, &c.inw, &c.outw);
    if (fixed + c.nmw + c.inw + c.outw > w) { c.compact = 1; count_widths(res, 1, &c.inw, &c.outw); }
    if (fixed + c.nmw + c.inw + c.outw > w) c.nmw = w - fixed - c.inw - c.outw;
    if (c.nmw < 3) c.nmw = 3;
    return c;
}

static void share_text(const struct stage_report *s, char *b, size_t n, enum grid_role *role)
{
    *role = ROLE_DIM;
    if (s->kind == STAGE_TEMPERATURE && s->kept_out == s->kept_in) snprintf(b, n, "reshape");
    else if (s->kept_out == s->kept_in || !(s->mass_removed > 0)) snprintf(b, n, "0%%");
    else {
        *role = ROLE_CUT_LABEL;
        /* never "-0.0%" for a cut, nor "-100.0%" while mass remains */
        if (s->mass_removed < 0.0005) snprintf(b, n, "<0.1%%");
        else if (s->mass_removed < 1.0 && s->mass_removed >= 0.9995) snprintf(b, n, "-99.9%%");
        else snprintf(b, n, "-%.1f%%", 100.0 * s->mass_removed);
    }
}

/* One stage row at y. */
static void stage_row(struct grid *g, const struct explorer *ex, struct view_rect r, int y,
                      int k, const struct chain_cols *c)
{
    const struct stage_report *s = &ex->res.stages[k];
    int pid = explorer_stage_param(s->kind), has_p = pid >= 0;
    int focused = has_p && ex->focus_panel == PANEL_PARAMS && ex->focus_param == pid;
    enum grid_role role = focused ? ROLE_FOCUS : s->active ? ROLE_NORMAL : ROLE_DIM;
    int x = r.x, end = r.x + r.w;
    grid_printf(g, x, y, c->pw, role, "%*d", c->pw, k + 1);
    x += c->pw + 1;
    grid_puts(g, x, y, c->nmw, role, stage_name(s->kind));
    x += c->nmw + 1;
    if (has_p) grid_tag(g, r.x, y, r.w, 1, GRID_TAG(TAG_PARAM, pid));
    if (!s->active) { grid_puts(g, x, y, end - x, ROLE_DIM, "off"); return; }
    if (ex->res.topn.open_stages & (1u << k)) {   /* a top-N step cannot decide it (topn.h) */
        grid_puts(g, x, y, end - x, ROLE_CUT_LABEL, "unknown on top-N");
        return;
    }
    char a[16], b[16], sh[16];
    fmt_count(a, sizeof a, s->kept_in, c->compact);
    fmt_count(b, sizeof b, s->kept_out, c->compact);
    x += grid_printf(g, x, y, end - x, ROLE_VALUE, "%*s", c->inw, a);
    if (x < end) grid_glyph(g, x++, y, grid_glyphs(g)->arrow, ROLE_VALUE);
    x += grid_printf(g, x, y, end - x, ROLE_VALUE, "%-*s", c->outw, b);
    enum grid_role sr;
    share_text(s, sh, sizeof sh, &sr);
    grid_printf(g, x, y, end - x, sr, " %s", sh);
}

/* "off: top-k, min-p" for the inactive stages. */
static void off_row(struct grid *g, const struct chain_result *res, struct view_rect r, int y)
{
    int x = r.x + grid_puts(g, r.x, y, r.w, ROLE_DIM, "off:");
    for (int k = 0; k < res->n_stages; k++) {
        if (res->stages[k].active) continue;
        x += grid_printf(g, x, y, r.x + r.w - x, ROLE_DIM, " %d %s", k + 1, stage_name(res->stages[k].kind));
    }
}

/* "no effect: min-p 0.50" for parameters set whose stage is absent;
 * returns 0 when there is none. */
static int absent_row(struct grid *g, const struct explorer *ex, struct view_rect r, int y, int draw)
{
    int x = r.x, n = 0;
    for (int p = 0; p < PARAM__COUNT; p++) {
        if (explorer_param_state(ex, p) != EXPS_ABSENT || param_idle(&ex->params, (enum param_id)p)) continue;
        char v[32];
        explorer_param_text(ex, p, v, sizeof v);
        if (draw) {
            if (!n) x += grid_puts(g, x, y, r.w, ROLE_DIM, "not in chain, no effect:");
            x += grid_printf(g, x, y, r.x + r.w - x, ROLE_DIM, " %s %s", param_name((enum param_id)p), v);
        }
        n++;
    }
    return n > 0;
}

/* The strip (row ys) and its marker/legend row (ym). */
static void strip_rows(struct grid *g, const struct explorer *ex, struct view_rect r, int ym, int ys)
{
    const struct chain_result *res = &ex->res;
    const struct grid_glyphs *gl = grid_glyphs(g);
    int sw = r.w - 1;
    double cum = 0.0;
    uint32_t k = 0;
    for (int c = 0; c < sw; c++) {
        double mid = (c + 0.5) / sw;
        while (k < ex->n_top && cum + ex->strip_p[k] < mid) { cum += ex->strip_p[k]; k++; }
        if (k >= ex->n_top) { grid_glyph(g, r.x + c, ys, gl->dot, ROLE_DIM); continue; }
        if (res->cut_by[ex->top[k]] != 0)
            grid_glyph(g, r.x + c, ys, (g->dflags & DISP_ASCII) ? '.' : 0x2591, ROLE_STRIP_CUT);
        else grid_glyph(g, r.x + c, ys, gl->bar_full, (k & 1) ? ROLE_STRIP_B : ROLE_STRIP_A);
    }
    int s = ex->strip_stage;
    if (s < 0) { grid_puts(g, r.x, ym, r.w, ROLE_DIM, "cumulative raw p"); return; }
    /* the legend says which distribution: top-p's input, which is the raw
     * one when no earlier stage cut or rescaled */
    int changed = 0, scaled = 0;
    for (int j = 0; j < s; j++) {
        const struct stage_report *e = &res->stages[j];
        if (!e->active) continue;
        if (e->kind == STAGE_TEMPERATURE && !res->greedy) scaled = 1;
        if (e->kept_out < e->kept_in) changed = 1;
    }
    grid_puts(g, r.x, ym, r.w, ROLE_DIM, scaled ? "p after T" : changed ? "p of its input" : "cumulative raw p");
    double tp = ex->params.top_p;
    int c = (int)(tp * sw);
    if (c >= sw) c = sw - 1;
    grid_glyph(g, r.x + c, ym, gl->marker_down, ROLE_MARK);
    char lbl[32];
    int n = snprintf(lbl, sizeof lbl, "top-p %.2f", tp);
    int lx = c + 2 + n <= sw ? c + 2 : c - 1 - n;
    if (lx >= 0) grid_puts(g, r.x + lx, ym, n, ROLE_MARK, lbl);
}

/* Which rows fit: *fold inactive stages into one row, *strip, *note. */
static int plan_rows(const struct explorer *ex, int rows, int *fold, int *strip, int *note)
{
    const struct chain_result *res = &ex->res;
    int n = res->n_stages, inactive = 0;
    for (int k = 0; k < n; k++) inactive += !res->stages[k].active;
    *fold = 0; *strip = 1;
    *note = absent_row(NULL, ex, (struct view_rect){0, 0, 0, 0}, 0, 0);
    int need = n + 2;
    if (need > rows && inactive >= 2) { *fold = 1; need = n - inactive + 1 + 2; }
    if (need > rows) { *strip = 0; need -= 2; }
    if (need + *note > rows) *note = 0;
    return need;
}

void view_chain(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    const struct chain_result *res = &ex->res;
    char t[64];
    snprintf(t, sizeof t, "Chain %s", preset_name(ex->chain.preset));
    panel_title(g, r, t, 0);
    if (!ex->res_ok || r.h < 2) return;
    int fold, strip, note, rows = r.h - 1, y = r.y + 1;
    plan_rows(ex, rows, &fold, &strip, &note);
    int stage_rows = rows - (strip ? 2 : 0) - note;
    struct chain_cols c = chain_cols(res, r.w);
    /* the stages with a row of their own; the rest fold into "off:" */
    int list[CHAIN_MAX_STAGES], n = 0, folded = 0;
    for (int k = 0; k < res->n_stages; k++) {
        if (fold && !res->stages[k].active) folded = 1;
        else list[n++] = k;
    }
    int avail = stage_rows - folded;
    for (int i = 0; i < n && avail > 0; i++) {
        if (i == avail - 1 && n - i > 1) { grid_printf(g, r.x, y++, r.w, ROLE_DIM, "+%d more", n - i); break; }
        stage_row(g, ex, r, y++, list[i], &c);
    }
    if (folded && stage_rows > 0) off_row(g, res, r, y++);
    if (note) absent_row(g, ex, r, y++, 1);
    if (strip && y + 1 < r.y + r.h) strip_rows(g, ex, r, y, y + 1);
    if (strip && y + 2 < r.y + r.h)
        grid_printf(g, r.x, y + 2, r.w, ROLE_DIM, "kept mass %.3f of raw", res->retained_mass);
}
