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

void view_dist(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    const struct chain_result *res = &ex->res;
    char t[96], a[32], b[32];
    int focused = ex->focus_panel == PANEL_DIST;
    /* the title says what the numbers rest on: only the top N known
     * (approximate), or non-finite input treated as masked */
    if (ex->info.sparse)
        snprintf(t, sizeof t, "Distribution (%s, approx: top %u only)", explorer_scale_name(ex->scale), ex->info.n_known);
    else if (ex->info.n_nan + ex->info.n_posinf)
        snprintf(t, sizeof t, "Distribution (%s, %u NaN/inf masked)", explorer_scale_name(ex->scale), ex->info.n_nan + ex->info.n_posinf);
    else
        snprintf(t, sizeof t, "Distribution (%s)", explorer_scale_name(ex->scale));
    panel_title(g, r, t, focused);
    int x = r.x, y = r.y + 1, w = r.w;
    if (!ex->res_ok) {
        const char *m = ex->step_err.code ? ex->step_err.msg : "no distribution";
        grid_text(g, x + 1, y, w - 2, ROLE_ERROR, m, strlen(m), 0);
        return;
    }
    int narrow = w < 40;
    grid_printf(g, x + 1, y, w - 2, ROLE_VALUE, narrow ? "kept %u of %u  mass %.4f" : "kept %u of %u   retained mass %.4f",
                res->n_kept, res->n_finite, res->retained_mass);
    const char *arrow = (g->dflags & DISP_ASCII) ? "->" : "\xE2\x86\x92";
    grid_printf(g, x + 1, y + 1, w - 2, ROLE_VALUE, narrow ? "H %.3f%s%.3f e^H %.2f%s%.2f" : "H %.3f%s%.3f nats  exp(H) %.2f%s%.2f",
                res->entropy_before, arrow, res->entropy_after,
                exp(res->entropy_before), arrow, exp(res->entropy_after));

    int tw = (w - 21) / 3;
    if (tw < 6) tw = 6;
    if (tw > 16) tw = 16;
    int bw = (w - 21 - tw) / 2;
    if (bw < 2) bw = 0;
    int xr = x + 5 + tw + 1;                 /* raw bar */
    int xrn = xr + (bw ? bw + 1 : 0);        /* raw number */
    int xf = xrn + 7;                        /* final bar */
    int xfn = xf + (bw ? bw + 1 : 0);        /* final number */
    grid_puts(g, x + 1, y + 2, 3, ROLE_DIM, "  #");
    grid_puts(g, x + 5, y + 2, tw, ROLE_DIM, "token");
    grid_puts(g, xr, y + 2, bw + 7, ROLE_DIM, "raw");
    grid_puts(g, xf, y + 2, r.x + w - xf, ROLE_DIM, "final");

    int rows = r.h - 4;
    uint32_t first = ex->dist_scroll;
    if (ex->dist_sel < first) first = ex->dist_sel;
    if (rows > 0 && ex->dist_sel >= first + (uint32_t)rows) first = ex->dist_sel - (uint32_t)rows + 1;
    const struct grid_glyphs *gl = grid_glyphs(g);
    double T = res->effective_temperature;
    int scaled = !res->greedy && T > 0 && T != 1.0;
    for (int i = 0; i < rows; i++) {
        uint32_t k = first + (uint32_t)i;
        if (k >= ex->n_top) break;
        int32_t id = ex->top[k];
        int yy = y + 3 + i;
        int cut = res->cut_by[id] != 0;
        enum grid_role base = cut ? ROLE_CUT : ROLE_NORMAL;
        if (id == ex->info.token) grid_glyph(g, x, yy, gl->arrow, ROLE_MARK);
        grid_printf(g, x + 1, yy, 3, cut ? ROLE_CUT : ROLE_DIM, "%3u", k + 1);
        enum grid_role tr = (focused && k == ex->dist_sel) ? ROLE_FOCUS : base;
        panel_token(g, ex, x + 5, yy, tw, tr, id);
        double pr = res->p_raw[id], pf = res->p[id];
        double vr, vf;
        switch (ex->scale) {
        case SCALE_LOGPROB:
            fmt_num(a, sizeof a, pr > 0 ? log(pr) : -INFINITY);
            fmt_num(b, sizeof b, pf > 0 ? log(pf) : -INFINITY);
            vr = lp_bar(pr); vf = lp_bar(pf);
            break;
        case SCALE_LOGIT:
            fmt_num(a, sizeof a, (double)ex->logits[id]);
            fmt_num(b, sizeof b, scaled ? (double)ex->logits[id] / T : (double)ex->logits[id]);
            vr = lp_bar(pr); vf = lp_bar(pf);
            break;
        default:
            fmt_prob(a, sizeof a, pr);
            fmt_prob(b, sizeof b, pf);
            vr = pr; vf = pf;
            break;
        }
        if (bw) grid_bar(g, xr, yy, bw, vr, cut ? ROLE_CUT : ROLE_BAR_RAW);
        grid_printf(g, xrn, yy, 6, base, "%6s", a);
        if (cut) {
            const char *cb = chain_cut_name(res, res->cut_by[id]);
            grid_glyph(g, xf, yy, gl->cut_mark, ROLE_CUT_LABEL);
            grid_puts(g, xf + 2, yy, r.x + w - xf - 2, ROLE_CUT_LABEL, cb ? cb : "?");
        } else {
            if (bw) grid_bar(g, xf, yy, bw, vf, ROLE_BAR_FINAL);
            grid_printf(g, xfn, yy, r.x + w - xfn, ROLE_VALUE, "%6s", b);
        }
        grid_tag(g, x, yy, w, 1, GRID_TAG(TAG_TOKEN_ROW, k));
    }
}
