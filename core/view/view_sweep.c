/* view_sweep.c: the sweep view: each evaluator score against temperature,
 * one small chart per score, with the current temperature marked.
 *
 * The rows come from explorer_eval's sweep (one eval run per sweep
 * temperature with every other setting as it is now, the same numbers as
 * `logitscope sweep --temperatures LIST`). The charts follow chart_text.h's
 * conventions, drawn straight into the grid (no allocation): '*' at each
 * temperature, '.' joining consecutive points, a '|' column at the current
 * temperature (clamped to the axis) and an 'o' on it for the current
 * setting's own score once it is computed. Shares use a fixed [0, 1] axis;
 * other scores span their data. */
#include "view/panel.h"
#include "sampling/params_table.h"
#include "report/eval_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int cellpos(double v, double lo, double hi, int n)
{
    if (!(hi > lo) || n <= 1) return 0;
    double f = (v - lo) / (hi - lo) * (n - 1);
    long c = lround(f);
    return c < 0 ? 0 : c > n - 1 ? n - 1 : (int)c;
}

/* The temperatures under the x axis, each at its cell (the last pulled
 * in to end at the edge), one blank between labels. When they do not all
 * fit, the ends go first, then the short round ones (0.5, 1, 1.5), then
 * the rest where room is left: 0.5 and 1.5 are never dropped for 0.25. */
static void x_labels(struct grid *g, const struct explorer_eval *xe, int px, int y, int pw, double xlo, double xhi)
{
    char occ[512] = {0}, t[32];
    if (pw + 2 > (int)sizeof occ) pw = (int)sizeof occ - 2;
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 0; i < xe->n_temps; i++) {
            int n = snprintf(t, sizeof t, "%g", xe->temps[i]);
            int cls = i == 0 || i == xe->n_temps - 1 ? 0 : n <= 3 ? 1 : 2;
            if (cls != pass) continue;
            int c = cellpos(xe->temps[i], xlo, xhi, pw);
            if (c + n > pw + 1) c = pw + 1 - n;
            if (c < 0) c = 0;
            int free = 1;
            for (int k = c - 1; k <= c + n && free; k++) free = k < 0 || k > pw + 1 || !occ[k];
            if (!free) continue;
            for (int k = c; k < c + n; k++) occ[k] = 1;
            grid_puts(g, px + c, y, n, ROLE_DIM, t);
        }
    }
}

/* a y label right-aligned in w columns, in as many digits as fit */
static void ylabel(struct grid *g, int x, int y, int w, double v)
{
    char b[32];
    for (int prec = 4; prec >= 1; prec--) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if ((int)strlen(b) <= w) break;
    }
    grid_printf(g, x, y, w, ROLE_DIM, "%*s", w, b);
}

static void chart(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe,
                  const struct eval_sweep_col *col,
                  const struct eval_scores *now, int x, int y, int w, int h)
{
    const int LW = 7;
    int pw = w - LW - 2, ph = h - 2;
    double ys[XE_SWEEP_MAX];
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < xe->n_temps; i++) {
        ys[i] = eval_sweep_value(col, &xe->sweep_sc[i]);
        if (isfinite(ys[i])) { if (ys[i] < lo) lo = ys[i]; if (ys[i] > hi) hi = ys[i]; }
    }
    double yn = now ? eval_sweep_value(col, now) : NAN;
    char t[64];
    int tn = grid_puts(g, x, y, w, ROLE_TITLE, col->title);
    if (isfinite(yn)) {
        snprintf(t, sizeof t, "  now %.4g", yn);
        grid_puts(g, x + tn, y, w - tn, ROLE_MARK, t);
    }
    if (pw < 6 || ph < 2) return;
    if (!isfinite(lo)) { grid_puts(g, x + LW, y + 1, w - LW, ROLE_DIM, "(no data)"); return; }
    if (col->share) { lo = 0; hi = 1; }
    if (!(hi > lo)) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.5 : 0.5;
        if (lo >= 0 && lo - pad < 0) hi = lo + pad; else { lo -= pad; hi += pad; }
    }
    double xlo = xe->temps[0], xhi = xe->temps[xe->n_temps - 1];
    if (!(xhi > xlo)) xhi = xlo + 1;
    int px = x + LW + 1;
    /* y labels and axis */
    ylabel(g, x, y + 1, LW - 1, hi);
    ylabel(g, x, y + ph, LW - 1, lo);
    for (int r = 0; r < ph; r++) grid_glyph(g, px - 1, y + 1 + r, '|', ROLE_BORDER);
    /* the current temperature */
    double T = ex->params.temperature;
    int mc = cellpos(T < xlo ? xlo : T > xhi ? xhi : T, xlo, xhi, pw);
    for (int r = 0; r < ph; r++) grid_glyph(g, px + mc, y + 1 + r, '|', ROLE_MARK);
    /* lines, then points */
    int have = 0, pc = 0;
    double py = 0;
    for (int i = 0; i < xe->n_temps; i++) {
        if (!isfinite(ys[i])) continue;
        int c = cellpos(xe->temps[i], xlo, xhi, pw);
        double v = ys[i] < lo ? lo : ys[i] > hi ? hi : ys[i];
        if (have) {
            for (int cc = pc + 1; cc < c; cc++) {
                double f = (double)(cc - pc) / (double)(c - pc);
                int row = ph - 1 - cellpos(py + f * (v - py), lo, hi, ph);
                const struct grid_cell *cl = grid_cat(g, px + cc, y + 1 + row);
                if (cl && cl->ch == ' ') grid_glyph(g, px + cc, y + 1 + row, '.', ROLE_DIM);
            }
        }
        have = 1; pc = c; py = v;
    }
    for (int i = 0; i < xe->n_temps; i++) {
        if (!isfinite(ys[i])) continue;
        double v = ys[i] < lo ? lo : ys[i] > hi ? hi : ys[i];
        grid_glyph(g, px + cellpos(xe->temps[i], xlo, xhi, pw), y + 1 + ph - 1 - cellpos(v, lo, hi, ph), '*', ROLE_VALUE);
    }
    if (isfinite(yn) && T >= xlo && T <= xhi) {
        double v = yn < lo ? lo : yn > hi ? hi : yn;
        grid_glyph(g, px + mc, y + 1 + ph - 1 - cellpos(v, lo, hi, ph), 'o', ROLE_MARK);
    }
    x_labels(g, xe, px, y + 1 + ph, pw, xlo, xhi);
}

void view_sweep(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r)
{
    char t[200], list[96] = "";
    size_t o = 0;
    for (int i = 0; i < xe->n_temps && o < sizeof list - 8; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%g", i ? "," : "", xe->temps[i]);
    snprintf(t, sizeof t, "Sweep: scores vs temperature %s, N = %u, seed %llu; | marks T = %.2f", list,
             xe->cfg.n_samples, (unsigned long long)ex->seed, ex->params.temperature);
    panel_title(g, r, t, 1);
    const struct xe_job *j = &xe->sweep;
    int current = j->src_gen == xe->src_gen && j->seed == ex->seed &&
                  !memcmp(&j->chain, &ex->chain, sizeof j->chain) &&
                  params_same(&j->params, &ex->params, 0);   /* the sweep varies T itself */
    if (!current || j->state == XE_RUNNING || j->state == XE_IDLE) {
        uint32_t done = current && j->state == XE_RUNNING ? j->step : 0;
        grid_printf(g, r.x + 1, r.y + 2, r.w - 2, ROLE_DIM, "computing... %u/%u steps x %d temperatures",
                    done, ex->n_steps, xe->n_temps);
        return;
    }
    if (j->state == XE_FAILED) {
        grid_puts(g, r.x + 1, r.y + 2, r.w - 2, ROLE_ERROR, "sweep failed:");
        grid_text(g, r.x + 1, r.y + 3, r.w - 2, ROLE_ERROR, j->err, strlen(j->err), 0);
        return;
    }
    const struct eval_scores *now = explorer_eval_current(xe, ex, NULL, NULL, NULL);
    int ncols = r.w >= 150 ? 4 : r.w >= 96 ? 3 : r.w >= 64 ? 2 : 1;
    int avail = r.h - 1;
    /* the columns of `sweep` on the command line: eval's score table */
    struct eval_sweep_col cols[32];
    int n_scores = eval_sweep_cols(&xe->cfg, cols, 32);
    int nrows = (n_scores + ncols - 1) / ncols;
    int ch = avail / nrows;
    if (ch < 5) { ch = 5; nrows = avail / ch; }
    if (nrows < 1) return;
    int cw = r.w / ncols;
    for (int k = 0; k < n_scores && k < nrows * ncols; k++) {
        int cx = r.x + (k % ncols) * cw, cy = r.y + 1 + (k / ncols) * ch;
        chart(g, ex, xe, &cols[k], now, cx + 1, cy, cw - 2, ch);
    }
}
