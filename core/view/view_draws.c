/* view_draws.c: the "many draws" view: at the current step, the empirical
 * frequency of each token over EX_EMP_DRAWS draws (the samples panel's
 * second stream, seed ^ a fixed constant) next to its final probability,
 * as paired bars on one scale, for the tokens with the largest final p and
 * the rest as one row; then the total variation distance between the two
 * and the binomial standard error a teacher expects the gaps to stay
 * within. Built by explorer_eval_update (draws_build). */
#include "view/panel.h"
#include "base/numfmt.h"

#include <math.h>
#include <stdio.h>

void view_draws(struct grid *g, const struct explorer *ex, const struct explorer_eval *xe, struct view_rect r)
{
    const struct xe_draws *d = &xe->draws;
    char t[160];
    snprintf(t, sizeof t, "Many draws: %u draws at step %u (seed %llu) next to the final distribution",
             (unsigned)EX_EMP_DRAWS, ex->step, (unsigned long long)ex->seed);
    panel_title(g, r, t, 1);
    int x = r.x + 1, w = r.w - 2, y = r.y + 1;
    if (!d->valid) { grid_puts(g, x, y + 1, w, ROLE_DIM, "drawing..."); return; }
    if (d->n == 0) { grid_puts(g, x, y + 1, w, ROLE_DIM, "no distribution at this step"); return; }
    double se = sqrt(d->p[0] * (1 - d->p[0]) / d->n);
    grid_printf(g, x, y, w, ROLE_VALUE, "%u kept   total variation %.4f   largest |freq - p| %.4f   "
                "(top token s.e. %.4f)", d->n_kept, d->tv, d->max_dev, se);
    y++;
    int tw = 14, numw = 8;   /* "0.1234" + gap; the frequency column adds the count */
    int bw = (w - 2 - tw - 1 - numw - 13 - 2) / 2;
    if (bw < 4) bw = 4;
    int xb1 = x + 2 + tw + 1, xn1 = xb1 + bw + 1, xb2 = xn1 + numw, xn2 = xb2 + bw + 1;
    grid_puts(g, x + 2, y, tw, ROLE_DIM, "token");
    grid_puts(g, xb1, y, bw + numw, ROLE_DIM, "final p");
    grid_printf(g, xb2, y, r.x + r.w - xb2, ROLE_DIM, "frequency in %u draws", d->n);
    y++;
    double mx = 0;
    for (uint32_t i = 0; i < d->n_rows; i++) {
        if (d->p[i] > mx) mx = d->p[i];
        if ((double)d->count[i] / d->n > mx) mx = (double)d->count[i] / d->n;
    }
    if (!(mx > 0)) mx = 1;
    const struct grid_glyphs *gl = grid_glyphs(g);
    int rows = r.y + r.h - y - (d->n_rows < d->n_kept ? 1 : 0);
    uint32_t i;
    for (i = 0; i < d->n_rows && (int)i < rows; i++, y++) {
        double f = (double)d->count[i] / d->n;
        if (d->id[i] == ex->info.token) grid_glyph(g, x, y, gl->arrow, ROLE_MARK);
        panel_token(g, ex, x + 2, y, tw, ROLE_NORMAL, d->id[i]);
        grid_bar(g, xb1, y, bw, d->p[i] / mx, ROLE_BAR_FINAL);
        char a[16], b[16];   /* the one probability format (base/numfmt.h) */
        grid_printf(g, xn1, y, numw, ROLE_VALUE, "%6s", num_prob(a, sizeof a, d->p[i]));
        grid_bar(g, xb2, y, bw, f / mx, ROLE_BAR_RAW);
        grid_printf(g, xn2, y, r.x + r.w - xn2, ROLE_VALUE, "%6s %5u", num_prob(b, sizeof b, f), d->count[i]);
    }
    uint32_t rest = d->n_kept - i;
    if (rest > 0 && y < r.y + r.h) {
        uint32_t c = d->count_other;
        double p = d->p_other;
        for (uint32_t k = i; k < d->n_rows; k++) { c += d->count[k]; p += d->p[k]; }
        grid_printf(g, x + 2, y, tw, ROLE_DIM, "%u others", rest);
        char a[16], b[16];
        grid_printf(g, xn1, y, numw, ROLE_DIM, "%6s", num_prob(a, sizeof a, p));
        grid_printf(g, xn2, y, r.x + r.w - xn2, ROLE_DIM, "%6s %5u", num_prob(b, sizeof b, (double)c / d->n), c);
    }
}
