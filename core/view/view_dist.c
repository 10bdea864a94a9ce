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
 * left column. Each stage that cut a prefix of the list gets a line after
 * the last row it kept (explorer_marks.c computes them): the top-k cutoff,
 * the top-p crossing and the min-p line, each in the units of the
 * distribution the stage was applied to ("of its input"). Layout per row
 * (columns):
 *   mark(1) rank(3) sp token(tw) sp rawbar(bw) sp raw(6) sp finalbar(bw) sp final(6+) */
#include "view/panel.h"
#include "base/display.h"
#include "base/numfmt.h"
#include "sampling/topn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LP_FLOOR (-20.0)

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
 * of its bounds, marked "~" (6 columns, as num_prob). */
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
    else if (ex->info.n_nan + ex->info.n_posinf && ex->res_ok)   /* masked only when allowed */
        snprintf(t, sizeof t, "Distribution (%s, %u NaN/inf masked)", sc, ex->info.n_nan + ex->info.n_posinf);
    else
        snprintf(t, sizeof t, "Distribution (%s)", sc);
    panel_title(g, r, t, ex->focus_panel == PANEL_DIST);
    int x = r.x, y = r.y + 1, w = r.w;
    if (!ex->res_ok) {
        const char *m = ex->step_err.code ? ex->step_err.msg : "no distribution";
        panel_wrap(g, x + 1, y, w - 2, r.h - 1, ROLE_ERROR, m);  /* never cut an error */
        return 0;
    }
    int narrow = w < 40;
    char mass[48];
    fmt_bounds(mass, sizeof mass, res->topn.sparse ? res->topn.retained_lo : res->retained_mass,
               res->topn.sparse ? res->topn.retained_hi : res->retained_mass);
    grid_printf(g, x + 1, y, w - 2, ROLE_VALUE, narrow ? "kept %u/%u  raw mass %s" : "kept %u of %u   kept raw mass %s",
                res->n_kept, res->n_finite, mass);
    const char *arrow = (g->dflags & DISP_ASCII) ? "->" : "\xE2\x86\x92";
    /* on a top-N step both entropies are over the listed tokens (show's
     * "(listed tokens only)"): the unknown tail's share is not in them.
     * The long form with the long label where it fits, else the short
     * form with the label that fits. */
    char h[96];
    const char *only = "";
    for (int pass = 0; pass < 2; pass++) {
        int len = snprintf(h, sizeof h, narrow ? "H %.3f%s%.3f e^H %.2f%s%.2f" : "H %.3f%s%.3f nats  exp(H) %.2f%s%.2f",
                           res->entropy_before, arrow, res->entropy_after,
                           exp(res->entropy_before), arrow, exp(res->entropy_after));
        int cols = len - 2 * ((int)strlen(arrow) - ((g->dflags & DISP_ASCII) ? 2 : 1));
        if (!res->topn.sparse) break;
        only = cols + 15 <= w - 2 ? "  (listed only)" : " listed";
        if (cols + 15 <= w - 2 || narrow) break;
        narrow = 1;
    }
    grid_printf(g, x + 1, y + 1, w - 2, ROLE_VALUE, "%s%s", h, only);
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
        num_prob(a, n, pr);   /* the one probability format (base/numfmt.h) */
        num_prob(b, n, pf);
        *vr = pr; *vf = pf;
        break;
    }
    if (open && ex->scale == SCALE_PROB) fmt_open(b, n, pf);
    if (res->topn.open_stages) { snprintf(b, n, "?"); *vf = 0; }   /* a stage's result is unknown (topn.h) */
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
    num_prob(a, sizeof a, res->topn.tail_raw);
    if (c->bw) grid_bar(g, c->xr, yy, c->bw, res->topn.tail_raw, ROLE_BAR_RAW);
    grid_printf(g, c->xrn, yy, 6, ROLE_DIM, "%6s", a);
    if (cut) {
        const char *cb = chain_cut_name(res, res->topn.tail_cut_by);
        grid_glyph(g, c->xf, yy, grid_glyphs(g)->cut_mark, ROLE_CUT_LABEL);
        grid_puts(g, c->xf + 2, yy, end - c->xf - 2, ROLE_CUT_LABEL, cb ? cb : "?");
        return;
    }
    if (res->topn.open_stages) { grid_printf(g, c->xfn, yy, end - c->xfn, ROLE_DIM, "%6s", "?"); return; }
    if (hi - lo > 1e-12) fmt_open(b, sizeof b, (lo + hi) / 2);
    else num_prob(b, sizeof b, lo);
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

/* The mark line of stage threshold m at yy: "╌╌ top-p 0.90 · kept 0.912 of
 * its input ╌╌", min-p with its cut-off p in its input's units. */
static void mark_line(struct grid *g, const struct explorer *ex, const struct dist_cols *c,
                      const struct ex_mark *m, int yy)
{
    const struct stage_report *s = &ex->res.stages[m->stage];
    const struct grid_glyphs *gl = grid_glyphs(g);
    char v[32], t[96];
    int pid = explorer_stage_param(s->kind);
    if (pid >= 0) explorer_param_text(ex, pid, v, sizeof v);
    else snprintf(v, sizeof v, "%g", m->value);
    if (m->p_min >= 0)
        snprintf(t, sizeof t, " %s %s: p >= %.4g of its input ", stage_name(s->kind), v, m->p_min);
    else
        snprintf(t, sizeof t, " %s %s: keeps %.3f of its input ", stage_name(s->kind), v, m->mass_kept);
    for (int x = c->x + 1; x < c->x + c->w; x++) grid_glyph(g, x, yy, gl->hline, ROLE_MARK);
    grid_puts(g, c->x + 4, yy, c->w - 5, ROLE_MARK, t);
}

/* Marks drawn after row k (a stage cut from row k + 1 on). */
static int marks_after(const struct explorer *ex, uint32_t k, const struct ex_mark **out)
{
    int n = 0;
    for (int i = 0; i < ex->n_marks; i++)
        if (ex->marks[i].row == k + 1) out[n++] = &ex->marks[i];
    return n;
}

void view_dist(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    struct dist_cols c = dist_cols(r);
    if (!dist_head(g, ex, r, &c)) return;
    /* rows scroll so the selected one stays in view; a stage's threshold
     * is a line between the last row it kept and the first it cut */
    int rows = r.h - 4;
    uint32_t first = explorer_dist_first(ex, rows);   /* the list's one scroll rule (paging too) */
    int y = r.y + 4, end = r.y + 4 + (rows > 0 ? rows : 0);
    for (uint32_t k = first; y < end && k < ex->n_top; k++) {
        dist_row(g, ex, &c, k, y++);
        const struct ex_mark *mk[CHAIN_MAX_STAGES];
        int n = marks_after(ex, k, mk);
        for (int i = 0; i < n && y < end; i++) mark_line(g, ex, &c, mk[i], y++);
    }
    if (ex->res.topn.sparse && y < end) dist_tail_row(g, ex, &c, y);
}
