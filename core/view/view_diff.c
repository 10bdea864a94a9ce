/* view_diff.c: the diff view (`logitscope FILE --compare OTHER`): model A
 * (the explorer's file) and model B side by side at the current step, each
 * with its own top tokens as probability bars (raw distributions, T = 1, as
 * `logitscope diff`), this step's KL(A||B), JSD, dp and argmax agreement,
 * then the per-step KL along the whole sequence as a column chart with the
 * current step marked, and the summary statistics once every step is done.
 * When the dumps cannot be compared (step counts or recorded tokens differ)
 * an error panel says why; the explorer keeps running. */
#include "view/panel.h"
#include "base/display.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tok(struct grid *g, const struct source *s, int x, int y, int maxw, enum grid_role role, int32_t id)
{
    char buf[32];
    size_t len;
    int known;
    const char *t = vocab_text(s ? s->vocab : NULL, id, buf, sizeof buf, &len, &known);
    return grid_text(g, x, y, maxw, role, t, len, DISP_TOKEN);
}

/* One model's column; d: B's (its token texts may be A's, token_match.h),
 * NULL for A. */
static void side(struct grid *g, const struct source *s, const struct explorer_diff *d, const char *name,
                 const double *p, const int32_t *top, uint32_t n_top, const double *other, int32_t rec, int x, int y,
                 int w, int rows)
{
    char t[160];
    int n = snprintf(t, sizeof t, "%s: ", name);
    grid_puts(g, x, y, n, ROLE_TITLE, t);
    grid_text(g, x + n, y, w - n, ROLE_TITLE, s->path, strlen(s->path), 0);
    const struct grid_glyphs *gl = grid_glyphs(g);
    int tw = w >= 40 ? 14 : 8, bw = w - tw - 2 - 2 - 8 - 8;
    if (bw < 4) bw = 0;
    double mx = n_top ? p[top[0]] : 1;
    for (int i = 0; i < rows && (uint32_t)i < n_top; i++) {
        int yy = y + 1 + i;
        int32_t id = top[i];
        if (id == rec) grid_glyph(g, x, yy, gl->arrow, ROLE_MARK);
        int32_t sid = id;
        const struct source *ts = d ? explorer_diff_b_text(d, id, &sid) : s;
        tok(g, ts, x + 2, yy, tw, ROLE_NORMAL, sid);
        if (bw) grid_bar(g, x + 2 + tw + 1, yy, bw, mx > 0 ? p[id] / mx : 0, ROLE_BAR_FINAL);
        grid_printf(g, x + 2 + tw + 1 + (bw ? bw + 1 : 0), yy, 7, ROLE_VALUE, "%7.4f", p[id]);
        /* the other model's probability of the same token */
        if (isnan(other[id])) grid_puts(g, x + 2 + tw + 1 + (bw ? bw + 1 : 0) + 8, yy, 8, ROLE_DIM, "(?)");
        else grid_printf(g, x + 2 + tw + 1 + (bw ? bw + 1 : 0) + 8, yy, 8, ROLE_DIM, "(%.3f)", other[id]);
    }
    if (!n_top && rows > 0) grid_puts(g, x + 2, y + 1, w - 2, ROLE_DIM, "lists no token here: all unknown");
}

/* How an exact value is written (an interval is always "[%.3g, %.3g]"). */
enum ivf { IV_G4, IV_SIGNED_F4, IV_F4, IV_F1 };

/* A value the files decide, or the interval they leave ("[0.1, inf]"). */
static void iv(char *b, size_t n, double lo, double hi, enum ivf f)
{
    if (isnan(lo) && isnan(hi)) snprintf(b, n, "n/a");
    else if (lo != hi) snprintf(b, n, "[%.3g, %.3g]", lo, hi);
    else if (f == IV_SIGNED_F4) snprintf(b, n, "%+.4f", lo);
    else if (f == IV_F4) snprintf(b, n, "%.4f", lo);
    else if (f == IV_F1) snprintf(b, n, "%.1f", lo);
    else snprintf(b, n, "%.4g", lo);
}

/* No second dump, or dumps that cannot be compared: the panel says why.
 * Returns 1 when it drew one of those. */
static int diff_refusal(struct grid *g, const struct explorer_diff *d, int x, int y, int w)
{
    if (!d->b) {
        grid_printf(g, x, y + 1, w, ROLE_DIM, "no second dump: start with logitscope FILE --compare OTHER, or type %scompare OTHER",
                    grid_key(g, GK_COMMAND));
        return 1;
    }
    if (!d->fatal) return 0;
    /* the error is never cut: it gets the rows it asks for */
    int rows = panel_wrap_lines(g, w - 4, d->err);
    grid_fill(g, x, y + 1, w, 3 + rows, ROLE_ERROR);
    grid_puts(g, x + 1, y + 1, w - 2, ROLE_ERROR, "cannot compare these dumps:");
    int n = panel_wrap(g, x + 3, y + 2, w - 4, rows, ROLE_ERROR, d->err);
    grid_puts(g, x + 1, y + 2 + n, w - 2, ROLE_ERROR, "diff needs two dumps of the same token sequence");
    grid_printf(g, x, y + 4 + n, w, ROLE_DIM, "%scompare OTHER tries another file; %s returns to the panels",
                grid_key(g, GK_COMMAND), grid_key(g, GK_BACK));
    return 1;
}

/* One column of the KL chart: the max KL over steps [s0, s1), as eighths
 * of seq_h rows (an infinite KL fills the column in the error role). */
static void kl_column(struct grid *g, const struct explorer_diff *d, uint32_t s0, uint32_t s1, double mx,
                      int cx, int y, int seq_h, int colw)
{
    int barw = colw > 1 ? colw - 1 : 1;
    double v = -1;
    int inf = 0, ascii = (g->dflags & DISP_ASCII) != 0;
    for (uint32_t s = s0; s < s1 && s < d->done; s++) {   /* the lower bound on top-N steps */
        if (isinf(d->st[s].kld_lo)) inf = 1;
        else if (d->st[s].kld_lo > v) v = d->st[s].kld_lo;
    }
    grid_tag(g, cx, y, colw, seq_h + 1, GRID_TAG(TAG_STEP, s0));
    if (v < 0 && !inf) { grid_glyph(g, cx, y + seq_h - 1, grid_glyphs(g)->dot, ROLE_DIM); return; }
    long e8 = inf ? (long)seq_h * 8 : mx > 0 ? lround(v / mx * seq_h * 8) : 0;
    if (e8 == 0 && v > 0) e8 = 1;
    for (int row = 0; row < seq_h; row++) {
        long fill = e8 - (long)(seq_h - 1 - row) * 8;
        if (fill <= 0) continue;
        uint32_t gch = ascii ? (fill >= 4 ? '#' : '.') : (fill >= 8 ? 0x2588u : 0x2580u + (uint32_t)fill);
        for (int b = 0; b < barw; b++) grid_glyph(g, cx + b, y + row, gch, inf ? ROLE_ERROR : ROLE_BAR_RAW);
    }
}

/* Per-step KL along the sequence: one column per step (or the max of a
 * bucket of steps when there are more steps than columns), the current
 * step marked below. Returns the rows used. */
static int kl_chart(struct grid *g, const struct explorer *ex, const struct explorer_diff *d, int x, int y, int w,
                    int seq_h)
{
    uint32_t N = d->n_steps;
    double mx = 0;
    for (uint32_t i = 0; i < d->done; i++) if (isfinite(d->st[i].kld_lo) && d->st[i].kld_lo > mx) mx = d->st[i].kld_lo;
    grid_printf(g, x, y, w, ROLE_TITLE, "KL(A||B)%s per step%s, max %.4g nats%s", d->bounded ? " lower bound" : "",
                N > (uint32_t)w ? " (max per column)" : "", mx, d->done < N ? "  (computing...)" : "");
    y++;
    int ncol = N < (uint32_t)w ? (int)N : w;
    /* few steps: wider columns (a gap between them) */
    int colw = ncol > 0 && ncol == (int)N ? w / ncol : 1;
    if (colw > 6) colw = 6;
    if (colw < 1) colw = 1;
    int barw = colw > 1 ? colw - 1 : 1;
    int mark = -1;
    for (int col = 0; col < ncol; col++) {
        uint32_t s0 = (uint32_t)((uint64_t)col * N / (uint32_t)ncol), s1 = (uint32_t)((uint64_t)(col + 1) * N / (uint32_t)ncol);
        if (s1 <= s0) s1 = s0 + 1;
        int cx = x + col * colw;
        if (ex->step >= s0 && ex->step < s1) mark = cx;
        kl_column(g, d, s0, s1, mx, cx, y, seq_h, colw);
    }
    if (mark >= 0) for (int b = 0; b < barw; b++) grid_glyph(g, mark + b, y + seq_h, '^', ROLE_MARK);
    return seq_h + 2;
}

static void diff_summary(struct grid *g, const struct explorer_diff *d, int x, int y, int w, int last_y)
{
    if (!d->stats_ok) {
        grid_printf(g, x, y, w, ROLE_DIM, "summary after every step: %u/%u done", d->done, d->n_steps);
        return;
    }
    const struct div_stats *s = &d->stats, *h = &d->stats_hi;
    char mk[48], md[48], p99[48], mx[48], js[48], st[48], dp[48], rms[48], lr[48];
    iv(mk, sizeof mk, s->mean_kld, h->mean_kld, IV_G4);
    iv(md, sizeof md, s->kld_median, h->kld_median, IV_G4);
    iv(p99, sizeof p99, s->kld_p99, h->kld_p99, IV_G4);
    iv(mx, sizeof mx, s->kld_max, h->kld_max, IV_G4);
    iv(js, sizeof js, s->mean_jsd, h->mean_jsd, IV_G4);
    iv(st, sizeof st, 100 * s->same_top, 100 * h->same_top, IV_F1);
    iv(dp, sizeof dp, s->mean_dp, h->mean_dp, IV_SIGNED_F4);
    iv(rms, sizeof rms, s->rms_dp, h->rms_dp, IV_F4);
    iv(lr, sizeof lr, s->ln_ppl_ratio, h->ln_ppl_ratio, IV_SIGNED_F4);
    if (s->mean_kld == h->mean_kld && isfinite(s->mean_kld_se))
        snprintf(mk + strlen(mk), sizeof mk - strlen(mk), " +/- %.2g", s->mean_kld_se);
    grid_printf(g, x, y, w, ROLE_VALUE, "mean KLD %s   median %s   p99 %s   max %s   mean JSD %s", mk, md, p99, mx, js);
    if (y + 1 < last_y)
        grid_printf(g, x, y + 1, w, ROLE_VALUE, "same top %s%%   mean dp %s   RMS dp %s   ln PPL(B)/PPL(A) %s",
                    st, dp, rms, lr);
}

void view_diff(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r)
{
    const struct explorer_diff *d = &xe->diff;
    panel_title(g, r, "Diff: model A (this file) vs model B, raw distributions", 1);
    int x = r.x + 1, w = r.w - 2, y = r.y + 1;
    if (diff_refusal(g, d, x, y, w)) return;
    if (d->warn[0]) { grid_text(g, x, y, w, ROLE_CUT_LABEL, d->warn, strlen(d->warn), 0); y++; }
    if (!d->cur_ok) {
        const char *m = d->cur_err[0] ? d->cur_err : "reading the step...";
        grid_text(g, x, y, w, ROLE_ERROR, m, strlen(m), 0);
        return;
    }
    const struct div_step *c = &d->cur;
    char kl[48], js[48], dp[48], why[200];
    iv(kl, sizeof kl, c->kld_lo, c->kld_hi, IV_G4);
    iv(js, sizeof js, c->jsd_lo, c->jsd_hi, IV_G4);
    iv(dp, sizeof dp, c->dp_lo, c->dp_hi, IV_SIGNED_F4);
    grid_printf(g, x, y, w, ROLE_VALUE, "step %u: KL(A||B) %s nats   JSD %s   dp(recorded) %s   same top: %s",
                ex->step, kl, js, dp, !(c->top_a_known && c->top_b_known) ? "?" : c->same_top ? "yes" : "no");
    y++;
    div_step_why(c, why, sizeof why);
    if (d->bounded && why[0]) {   /* what the files leave open here, and why */
        static const char *const basis[] = { "exact", "bounded", "unknown" };
        grid_printf(g, x, y++, w, ROLE_DIM, "%s: %s", basis[div_step_basis(c)], why);
    }
    /* the sequence chart takes 5 rows (title, 3 bar rows, marker) and the summary 2 */
    int seq_h = r.h >= 18 ? 3 : 2;
    int rows = r.y + r.h - y - 1 - (seq_h + 4);
    if (rows < 3) rows = r.y + r.h - y - 1, seq_h = 0;
    if (rows > XD_TOP) rows = XD_TOP;
    int hw = w / 2;
    int32_t rec = d->tok_a >= 0 ? d->tok_a : d->tok_b;
    side(g, ex->src, NULL, "A", d->pa, d->top_a, d->n_top_a, d->pb, rec, x, y, hw - 1, rows);
    side(g, d->b, d, "B", d->pb, d->top_b, d->n_top_b, d->pa, rec, x + hw + 1, y, w - hw - 1, rows);
    for (int i = 0; i <= rows; i++) grid_glyph(g, x + hw - 1, y + i, grid_glyphs(g)->vline, ROLE_BORDER);
    y += rows + 1;
    if (seq_h == 0) return;
    y += kl_chart(g, ex, d, x, y, w, seq_h);
    if (y < r.y + r.h) diff_summary(g, d, x, y, w, r.y + r.h);
}
