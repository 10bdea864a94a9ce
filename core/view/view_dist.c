/* view_dist.c: the distribution panel.
 *
 * Rows are the top tokens by raw probability (the per-step cached order),
 * each with its raw and final value side by side, as bars and numbers in
 * the current scale:
 *   prob     p_raw and p (bars proportional to p)
 *   logprob  ln p_raw and ln p (bars span [-20, 0] nats)
 *   logit    raw logit z and the temperature-scaled z/T of kept tokens
 *            (bars as logprob: ln p is z minus a constant)
 * A cut token is drawn in the cut role with the name of the stage that cut
 * it in place of its final value. The recorded token is marked in the
 * left column. Layout per row (columns):
 *   mark(1) rank(3) sp token(tw) sp rawbar(bw) sp raw(6) sp finalbar(bw) sp final(6+) */
#include "view/panel.h"
#include "base/display.h"
#include "sampling/topn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LP_FLOOR (-20.0)

static void fmt_prob(char *b, size_t n, double p)
{
    if (p >= 0.0001) snprintf(b, n, "%.4f", p);
    else if (p > 0) snprintf(b, n, "%.0e", p);
    else snprintf(b, n, "0");
}

static void fmt_num(char *b, size_t n, double v)
{
    if (isinf(v)) snprintf(b, n, v < 0 ? "-inf" : "inf");
    else if (fabs(v) >= 999.5) snprintf(b, n, "%.0e", v);
    else snprintf(b, n, "%.2f", v);
}

static double lp_bar(double p)
{
    if (!(p > 0)) return 0;
    double v = 1.0 - log(p) / LP_FLOOR;
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* A mass that the unknown tail of a top-N step may leave open: the value,
 * or "lo-hi". */
static void fmt_bounds(char *b, size_t n, double lo, double hi)
{
    if (hi - lo <= 1e-12) snprintf(b, n, "%.4f", lo);
    else snprintf(b, n, "%.4f-%.4f", lo, hi);
}

/* A probability the unknown tail of a top-N step leaves open: the middle
 * of its bounds, marked "~" (6 columns, as fmt_prob). */
static void fmt_open(char *b, size_t n, double p)
{
    if (p >= 0.001) snprintf(b, n, "~%.3f", p);
    else snprintf(b, n, "~%.0e", p);
}

/* Column positions of a row, from the panel width. */
struct dist_cols { int x, w, tw, bw, xr, xrn, xf, xfn; };

static struct dist_cols dist_cols(struct view_rect r)
{
    struct dist_cols c = { r.x, r.w, 0, 0, 0, 0, 0, 0 };
    c.tw = (r.w - 21) / 3;
    if (c.tw < 6) c.tw = 6;
    if (c.tw > 16) c.tw = 16;
    c.bw = (r.w - 21 - c.tw) / 2;
    if (c.bw < 2) c.bw = 0;
    c.xr = r.x + 5 + c.tw + 1;               /* raw bar */
    c.xrn = c.xr + (c.bw ? c.bw + 1 : 0);    /* raw number */
    c.xf = c.xrn + 7;                        /* final bar */
    c.xfn = c.xf + (c.bw ? c.bw + 1 : 0);    /* final number */
    return c;
}

/* The title (what the numbers rest on: only the top N known, or
 * non-finite input treated as masked), the kept/entropy lines and the
 * column heads. Returns 0 when the step has no distribution. */
static int dist_head(struct grid *g, const struct explorer *ex, struct view_rect r, const struct dist_cols *c)
{
    const struct chain_result *res = &ex->res;
    char t[96];
    const char *sc = explorer_scale_name(ex->scale);
    if (res->topn.sparse)
        snprintf(t, sizeof t, "Distribution (%s, top %u, %s)", sc, res->topn.n_listed,
                 res->topn.exact ? "exact" : "bounded");
    else if (ex->info.n_nan + ex->info.n_posinf)
        snprintf(t, sizeof t, "Distribution (%s, %u NaN/inf masked)", sc, ex->info.n_nan + ex->info.n_posinf);
    else
        snprintf(t, sizeof t, "Distribution (%s)", sc);
    panel_title(g, r, t, ex->focus_panel == PANEL_DIST);
    int x = r.x, y = r.y + 1, w = r.w;
    if (!ex->res_ok) {
        const char *m = ex->step_err.code ? ex->step_err.msg : "no distribution";
        grid_text(g, x + 1, y, w - 2, ROLE_ERROR, m, strlen(m), 0);
        return 0;
    }
    int narrow = w < 40;
    char mass[48];
    fmt_bounds(mass, sizeof mass, res->topn.sparse ? res->topn.retained_lo : res->retained_mass,
               res->topn.sparse ? res->topn.retained_hi : res->retained_mass);
    grid_printf(g, x + 1, y, w - 2, ROLE_VALUE, narrow ? "kept %u of %u  mass %s" : "kept %u of %u   retained mass %s",
                res->n_kept, res->n_finite, mass);
    const char *arrow = (g->dflags & DISP_ASCII) ? "->" : "\xE2\x86\x92";
    grid_printf(g, x + 1, y + 1, w - 2, ROLE_VALUE, narrow ? "H %.3f%s%.3f e^H %.2f%s%.2f" : "H %.3f%s%.3f nats  exp(H) %.2f%s%.2f",
                res->entropy_before, arrow, res->entropy_after,
                exp(res->entropy_before), arrow, exp(res->entropy_after));
    grid_puts(g, x + 1, y + 2, 3, ROLE_DIM, "  #");
    grid_puts(g, x + 5, y + 2, c->tw, ROLE_DIM, "token");
    grid_puts(g, c->xr, y + 2, c->bw + 7, ROLE_DIM, "raw");
    grid_puts(g, c->xf, y + 2, r.x + w - c->xf, ROLE_DIM, "final");
    return 1;
}

/* Raw and final value of token id in the current scale: texts a and b,
 * bar lengths *vr and *vf in [0, 1]. */
static void dist_values(const struct explorer *ex, int32_t id, char *a, char *b, size_t n, double *vr, double *vf)
{
    const struct chain_result *res = &ex->res;
    double pr = res->p_raw[id], pf, hi, T = res->effective_temperature;
    topn_p_bounds(res, id, &pf, &hi);
    int open = hi - pf > 1e-12;
    if (open) pf = (pf + hi) / 2;   /* bounded (top-N): the middle, marked ~ */
    int scaled = !res->greedy && T > 0 && T != 1.0;
    switch (ex->scale) {
    case SCALE_LOGPROB:
        fmt_num(a, n, pr > 0 ? log(pr) : -INFINITY);
        fmt_num(b, n, pf > 0 ? log(pf) : -INFINITY);
        *vr = lp_bar(pr); *vf = lp_bar(pf);
        break;
    case SCALE_LOGIT:
        fmt_num(a, n, (double)ex->logits[id]);
        fmt_num(b, n, scaled ? (double)ex->logits[id] / T : (double)ex->logits[id]);
        *vr = lp_bar(pr); *vf = lp_bar(pf);
        break;
    default:
        fmt_prob(a, n, pr);
        fmt_prob(b, n, pf);
        *vr = pr; *vf = pf;
        break;
    }
    if (open && ex->scale == SCALE_PROB) fmt_open(b, n, pf);
}

/* The (other tokens) row of a top-N step: the unknown tail's raw mass and
 * what the chain left of it. */
static void dist_tail_row(struct grid *g, const struct explorer *ex, const struct dist_cols *c, int yy)
{
    const struct chain_result *res = &ex->res;
    double lo, hi;
    char a[32], b[32];
    int end = c->x + c->w, cut = res->topn.tail_cut_by != 0;
    topn_tail_bounds(res, &lo, &hi);
    grid_printf(g, c->x + 1, yy, 3, ROLE_DIM, "%3s", "-");
    grid_puts(g, c->x + 5, yy, c->tw, ROLE_DIM, "(other tokens)");
    fmt_prob(a, sizeof a, res->topn.tail_raw);
    if (c->bw) grid_bar(g, c->xr, yy, c->bw, res->topn.tail_raw, ROLE_BAR_RAW);
    grid_printf(g, c->xrn, yy, 6, ROLE_DIM, "%6s", a);
    if (cut) {
        const char *cb = chain_cut_name(res, res->topn.tail_cut_by);
        grid_glyph(g, c->xf, yy, grid_glyphs(g)->cut_mark, ROLE_CUT_LABEL);
        grid_puts(g, c->xf + 2, yy, end - c->xf - 2, ROLE_CUT_LABEL, cb ? cb : "?");
        return;
    }
    if (hi - lo > 1e-12) fmt_open(b, sizeof b, (lo + hi) / 2);
    else fmt_prob(b, sizeof b, lo);
    if (c->bw) grid_bar(g, c->xf, yy, c->bw, (lo + hi) / 2, ROLE_BAR_FINAL);
    grid_printf(g, c->xfn, yy, end - c->xfn, ROLE_DIM, "%6s", b);
}

/* Row k of the raw order at line yy. */
static void dist_row(struct grid *g, const struct explorer *ex, const struct dist_cols *c, uint32_t k, int yy)
{
    const struct chain_result *res = &ex->res;
    const struct grid_glyphs *gl = grid_glyphs(g);
    char a[32], b[32];
    double vr, vf;
    int x = c->x, end = c->x + c->w;
    int32_t id = ex->top[k];
    int cut = res->cut_by[id] != 0;
    enum grid_role base = cut ? ROLE_CUT : ROLE_NORMAL;
    if (id == ex->info.token) grid_glyph(g, x, yy, gl->arrow, ROLE_MARK);
    grid_printf(g, x + 1, yy, 3, cut ? ROLE_CUT : ROLE_DIM, "%3u", k + 1);
    int sel = ex->focus_panel == PANEL_DIST && k == ex->dist_sel;
    panel_token(g, ex, x + 5, yy, c->tw, sel ? ROLE_FOCUS : base, id);
    dist_values(ex, id, a, b, sizeof a, &vr, &vf);
    if (c->bw) grid_bar(g, c->xr, yy, c->bw, vr, cut ? ROLE_CUT : ROLE_BAR_RAW);
    grid_printf(g, c->xrn, yy, 6, base, "%6s", a);
    if (cut) {
        const char *cb = chain_cut_name(res, res->cut_by[id]);
        grid_glyph(g, c->xf, yy, gl->cut_mark, ROLE_CUT_LABEL);
        grid_puts(g, c->xf + 2, yy, end - c->xf - 2, ROLE_CUT_LABEL, cb ? cb : "?");
    } else {
        if (c->bw) grid_bar(g, c->xf, yy, c->bw, vf, ROLE_BAR_FINAL);
        grid_printf(g, c->xfn, yy, end - c->xfn, ROLE_VALUE, "%6s", b);
    }
    grid_tag(g, x, yy, c->w, 1, GRID_TAG(TAG_TOKEN_ROW, k));
}

void view_dist(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    struct dist_cols c = dist_cols(r);
    if (!dist_head(g, ex, r, &c)) return;
    /* rows scroll so the selected one stays in view */
    int rows = r.h - 4;
    uint32_t first = ex->dist_scroll;
    if (ex->dist_sel < first) first = ex->dist_sel;
    if (rows > 0 && ex->dist_sel >= first + (uint32_t)rows) first = ex->dist_sel - (uint32_t)rows + 1;
    int i = 0;
    for (; i < rows && first + (uint32_t)i < ex->n_top; i++)
        dist_row(g, ex, &c, first + (uint32_t)i, r.y + 4 + i);
    if (ex->res.topn.sparse && i < rows) dist_tail_row(g, ex, &c, r.y + 4 + i);
}
