/* sweep_text.c: a sweep rendered as text: the header, one table row per
 * setting, then a chart of each score against each swept parameter
 * (see sweep.h). */
#include "cli/sweep.h"
#include "cli/eval_cli.h"
#include "report/chart_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 26          /* chart marks a..z */
#define CHART_BUF 65536

/* Score columns of the table and the charts. */
struct score { const char *key; const char *head; int share; };

static double score_val(const struct eval_scores *s, const struct eval_config *cfg, const char *key)
{
    if (!strcmp(key, "json_valid_share")) return s->json_valid_share;
    if (!strcmp(key, "json_keys_share")) return s->json_keys_share;
    if (!strcmp(key, "regex_match_share")) return s->regex_match_share;
    if (!strcmp(key, "perplexity_chain")) return s->perplexity_chain;
    if (!strcmp(key, "cut_rate")) return s->cut_rate;
    if (!strcmp(key, "mean_entropy_nats")) return s->mean_entropy_nats;
    if (!strcmp(key, "mean_kept")) return s->mean_kept;
    if (!strcmp(key, "distinct_1")) return s->distinct_1;
    if (!strcmp(key, "distinct_2")) return s->distinct_2;
    if (!strcmp(key, "recorded_agreement")) return s->recorded_agreement;
    for (int j = 0; j < cfg->n_ext; j++) if (!strcmp(key, cfg->ext[j].name)) return s->ext_mean[j];
    return NAN;
}

static int build_scores(const struct eval_config *cfg, struct score *sc)
{
    int n = 0;
    sc[n++] = (struct score){ "json_valid_share", "json_valid [95% CI]", 1 };
    if (cfg->json_keys) sc[n++] = (struct score){ "json_keys_share", "json_keys", 1 };
    if (cfg->regex) sc[n++] = (struct score){ "regex_match_share", "regex", 1 };
    sc[n++] = (struct score){ "perplexity_chain", "ppl_chain", 0 };
    sc[n++] = (struct score){ "cut_rate", "cut_rate", 1 };
    sc[n++] = (struct score){ "mean_entropy_nats", "entropy", 0 };
    sc[n++] = (struct score){ "mean_kept", "kept", 0 };
    sc[n++] = (struct score){ "distinct_1", "distinct_1", 0 };
    sc[n++] = (struct score){ "distinct_2", "distinct_2", 0 };
    sc[n++] = (struct score){ "recorded_agreement", "agreement", 1 };
    for (int j = 0; j < cfg->n_ext; j++) sc[n++] = (struct score){ cfg->ext[j].name, cfg->ext[j].name, 0 };
    return n;
}

static const struct eval_scores *row_scores(const struct sweep_doc *d, int r)
{
    return eval_run_scores(d->run, (size_t)r);
}

static double row_param(const struct sweep_doc *d, int r, int p)
{
    return sweep_get_param(&d->plan->rows[r].p, p);
}

static void text_head(const struct sweep_doc *d, unsigned disp)
{
    const struct sweep_plan *pl = d->plan;
    const struct params *b = d->base;
    eval_print_header_text(stdout, d->s, d->chain, NULL, d->cfg, disp);
    printf("base: temperature %.9g  top-k %d  top-p %.9g  min-p %.9g\n%s:", b->temperature, (int)b->top_k,
           b->top_p, b->min_p, pl->grid ? "grid over" : "varied one at a time");
    for (int p = 0, f = 0; p < P__N; p++)
        if (pl->swept[p]) { printf("%s %s", f ? (pl->grid ? " x" : ",") : "", sweep_pname[p]); f = 1; }
    putchar('\n');
    if (d->approximate) printf("APPROXIMATE: sparse (top-N) dump; every score is computed over the known tokens\n");
}

/* the first score column is wider: it holds the 95% interval too */
static void put_cell(int j, const char *b)
{
    printf(j ? " %*s" : "%*s", j == 0 ? 22 : 11, b);
}

static void text_table(const struct sweep_doc *d, const struct score *sc, int ns)
{
    const struct sweep_plan *pl = d->plan;
    putchar('\n');
    for (int p = 0; p < P__N; p++) if (pl->swept[p] || p == P_TEMP) printf("%-11s ", sweep_pname[p]);
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
            double x = score_val(e, d->cfg, sc[j].key);
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

/* Series q of score `key`: y at each x (NaN where no row), and its label
 * naming the other swept parameters' values. */
static void series_fill(const struct sweep_doc *d, const struct group *g, int q, const char *key,
                        double *y, char *label, size_t lsz)
{
    for (int t = 0; t < g->nx; t++) y[t] = NAN;
    for (int i = 0; i < g->n; i++) {
        if (g->ser_of[i] != q) continue;
        double v = row_param(d, g->idx[i], g->p);
        for (int t = 0; t < g->nx; t++)
            if (g->xs[t] == v) y[t] = score_val(row_scores(d, g->idx[i]), d->cfg, key);
    }
    label[0] = 0;
    size_t o = 0;
    for (int pp = 0; pp < P__N; pp++) {
        if (pp == g->p || !d->plan->swept[pp]) continue;
        o += (size_t)snprintf(label + o, lsz - o, "%s%s %g", o ? " " : "", sweep_pname[pp],
                              row_param(d, g->ser_rep[q], pp));
        if (o >= lsz) o = lsz - 1;
    }
}

static void chart_score(const struct sweep_doc *d, const struct group *g, const struct score *sc,
                        double *ys, char *buf)
{
    struct chart_series cs[MAX_SERIES];
    char labels[MAX_SERIES][96];
    for (int q = 0; q < g->nser; q++) {
        double *y = ys + (size_t)q * (size_t)d->plan->nrows;
        series_fill(d, g, q, sc->key, y, labels[q], sizeof labels[q]);
        cs[q].label = labels[q];
        cs[q].mark = g->nser > 1 ? (char)('a' + q) : '*';
        cs[q].y = y;
    }
    struct chart ch = { sc->key, sweep_pname[g->p], g->xs, (size_t)g->nx, cs, (size_t)g->nser, 40, 7,
                        sc->share ? 0.0 : NAN, sc->share ? 1.0 : NAN, NAN };
    chart_text(&ch, buf, CHART_BUF);
    putchar('\n');
    fputs(buf, stdout);
}

/* One group per varied parameter; a grid charts against temperature (or
 * the first swept parameter) only. */
static void text_charts(const struct sweep_doc *d, const struct score *sc, int ns)
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
    struct score sc[32];
    int ns = build_scores(d->cfg, sc);
    text_head(d, disp);
    text_table(d, sc, ns);
    text_charts(d, sc, ns);
    printf("\nnote: %s.\nnote: every row uses the same seed and continuation streams.\n", eval_note_continuations);
    if (!row_scores(d, 0)->texts_known) printf("note: no vocabulary: text-based scores need --vocab FILE.\n");
}
