/* sweep_text.c: a sweep rendered as text: the header, one table row per
 * setting, then a chart of each score against each swept parameter
 * (see sweep.h). */
#include "cli/sweep.h"
#include "cli/eval_cli.h"
#include "report/chart_text.h"
#include "report/eval_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 26          /* chart marks a..z */
#define CHART_BUF 65536

static const struct eval_scores *row_scores(const struct sweep_doc *d, int r)
{
    return eval_run_scores(d->run, (size_t)r);
}

static double row_param(const struct sweep_doc *d, int r, int p)
{
    return param_get(&d->plan->rows[r].p, p);
}

static void text_head(const struct sweep_doc *d, unsigned disp)
{
    const struct sweep_plan *pl = d->plan;
    const struct params *b = d->base;
    eval_print_header_text(stdout, d->s, d->chain, NULL, d->cfg, disp);
    printf("base: temperature %.9g  top-k %d  top-p %.9g  min-p %.9g\n%s:", b->temperature, (int)b->top_k,
           b->top_p, b->min_p, pl->grid ? "grid over" : "varied one at a time");
    for (int p = 0, f = 0; p < P__N; p++)
        if (pl->swept[p]) { printf("%s %s", f ? (pl->grid ? " x" : ",") : "", param_name((enum param_id)p)); f = 1; }
    putchar('\n');
    struct eval_scores sum = { .n_topn = d->topn, .n_topn_bounded = d->topn_bounded };
    char topn[256];
    if (eval_topn_note(&sum, topn, sizeof topn)) printf("%s\n", topn);
}

/* the first score column is wider: it holds the 95% interval too */
static void put_cell(int j, const char *b)
{
    printf(j ? " %*s" : "%*s", j == 0 ? 22 : 11, b);
}

static void text_table(const struct sweep_doc *d, const struct eval_sweep_col *sc, int ns)
{
    const struct sweep_plan *pl = d->plan;
    putchar('\n');
    for (int p = 0; p < P__N; p++) if (pl->swept[p] || p == P_TEMP) printf("%-11s ", param_name((enum param_id)p));
    for (int j = 0; j < ns; j++) put_cell(j, sc[j].head);
    putchar('\n');
    for (int r = 0; r < pl->nrows; r++) {
        const struct eval_scores *e = row_scores(d, r);
        for (int p = 0; p < P__N; p++) {
            if (!(pl->swept[p] || p == P_TEMP)) continue;
            char b[32];
            snprintf(b, sizeof b, "%.9g", row_param(d, r, p));
            printf("%-11s ", b);
        }
        for (int j = 0; j < ns; j++) {
            char b[64], v[32];
            double x = eval_sweep_value(&sc[j], e);
            if (isfinite(x)) snprintf(v, sizeof v, "%.4g", x);
            else snprintf(v, sizeof v, "-");
            if (j == 0 && isfinite(e->json_valid_share))
                snprintf(b, sizeof b, "%s [%.3f,%.3f]", v, e->json_valid_ci[0], e->json_valid_ci[1]);
            else
                snprintf(b, sizeof b, "%s", v);
            put_cell(j, b);
        }
        putchar('\n');
    }
}

/* The rows charted against parameter p, grouped into series: in a grid one
 * series per combination of the other parameters (at most 26, the rest
 * share the last), else the rows that varied p. */
struct group {
    int p;
    int idx[SWEEP_MAX_ROWS], n;      /* rows */
    int ser_of[SWEEP_MAX_ROWS];      /* series of each row */
    int ser_rep[MAX_SERIES], nser;   /* a row of each series */
    double *xs;                      /* distinct values of p, row order */
    int nx;
};

static int same_others(const struct sweep_doc *d, int p, int r1, int r2)
{
    for (int pp = 0; pp < P__N; pp++)
        if (pp != p && row_param(d, r1, pp) != row_param(d, r2, pp)) return 0;
    return 1;
}

static void group_build(const struct sweep_doc *d, struct group *g)
{
    const struct sweep_plan *pl = d->plan;
    g->n = g->nser = g->nx = 0;
    for (int r = 0; r < pl->nrows; r++) if (pl->grid || pl->rows[r].varied == g->p) g->idx[g->n++] = r;
    for (int i = 0; i < g->n; i++) {
        int found = -1;
        for (int q = 0; q < g->nser && found < 0; q++) if (same_others(d, g->p, g->idx[i], g->ser_rep[q])) found = q;
        if (found < 0 && g->nser >= MAX_SERIES) found = MAX_SERIES - 1;
        else if (found < 0) { found = g->nser; g->ser_rep[g->nser++] = g->idx[i]; }
        g->ser_of[i] = found;
        double v = row_param(d, g->idx[i], g->p);
        int dup = 0;
        for (int q = 0; q < g->nx; q++) if (g->xs[q] == v) dup = 1;
        if (!dup) g->xs[g->nx++] = v;
    }
}

/* Series q of score column `col`: y at each x (NaN where no row), and its label
 * naming the other swept parameters' values. */
static void series_fill(const struct sweep_doc *d, const struct group *g, int q, const struct eval_sweep_col *col,
                        double *y, char *label, size_t lsz)
{
    for (int t = 0; t < g->nx; t++) y[t] = NAN;
    for (int i = 0; i < g->n; i++) {
        if (g->ser_of[i] != q) continue;
        double v = row_param(d, g->idx[i], g->p);
        for (int t = 0; t < g->nx; t++)
            if (g->xs[t] == v) y[t] = eval_sweep_value(col, row_scores(d, g->idx[i]));
    }
    label[0] = 0;
    size_t o = 0;
    for (int pp = 0; pp < P__N; pp++) {
        if (pp == g->p || !d->plan->swept[pp]) continue;
        o += (size_t)snprintf(label + o, lsz - o, "%s%s %g", o ? " " : "", param_name((enum param_id)pp),
                              row_param(d, g->ser_rep[q], pp));
        if (o >= lsz) o = lsz - 1;
    }
}

static void chart_score(const struct sweep_doc *d, const struct group *g, const struct eval_sweep_col *sc,
                        double *ys, char *buf)
{
    struct chart_series cs[MAX_SERIES];
    char labels[MAX_SERIES][96];
    for (int q = 0; q < g->nser; q++) {
        double *y = ys + (size_t)q * (size_t)d->plan->nrows;
        series_fill(d, g, q, sc, y, labels[q], sizeof labels[q]);
        cs[q].label = labels[q];
        cs[q].mark = g->nser > 1 ? (char)('a' + q) : '*';
        cs[q].y = y;
    }
    struct chart ch = { sc->key, param_name((enum param_id)g->p), g->xs, (size_t)g->nx, cs, (size_t)g->nser, 40, 7,
                        sc->share ? 0.0 : NAN, sc->share ? 1.0 : NAN, NAN };
    chart_text(&ch, buf, CHART_BUF);
    putchar('\n');
    fputs(buf, stdout);
}

/* One group per varied parameter; a grid charts against temperature (or
 * the first swept parameter) only. */
static void text_charts(const struct sweep_doc *d, const struct eval_sweep_col *sc, int ns)
{
    const struct sweep_plan *pl = d->plan;
    struct group *g = malloc(sizeof *g);
    double *xs = malloc((size_t)pl->nrows * sizeof *xs);
    double *ys = malloc((size_t)pl->nrows * MAX_SERIES * sizeof *ys);
    char *buf = malloc(CHART_BUF);
    for (int p = 0; g && xs && ys && buf && p < P__N; p++) {
        if (!pl->swept[p] || (pl->grid && p != P_TEMP && pl->swept[P_TEMP])) continue;
        g->p = p;
        g->xs = xs;
        group_build(d, g);
        for (int j = 0; j < ns; j++) chart_score(d, g, &sc[j], ys, buf);
    }
    free(g); free(xs); free(ys); free(buf);
}

void sweep_text(const struct sweep_doc *d, unsigned disp)
{
    struct eval_sweep_col sc[32];   /* the score table's sweep columns */
    int ns = eval_sweep_cols(d->cfg, sc, 32);
    text_head(d, disp);
    text_table(d, sc, ns);
    text_charts(d, sc, ns);
    printf("\nnote: %s.\nnote: every row uses the same seed and continuation streams.\n",
           d->note ? d->note : eval_note_continuations);
    if (!row_scores(d, 0)->texts_known) printf("note: no vocabulary: text-based scores need --vocab FILE.\n");
}
