/* view_dataset.c: the dataset table (view_dataset.h).
 *
 * Layout (rows): 0 title; 1 progress; 2 score names; 3 column names; the
 * lines; the summary (when done, two rows) above the status line. Columns:
 * the selection marker, id,
 * T, then for each score shown A, B and delta (paired) or its value, each
 * VW (VW1 unpaired) wide; the scores start at the one the sort column belongs to when it
 * would not fit otherwise, so the sorted column is always on screen. Click
 * tags: a line selects it, a column header sorts by that column. */
#include "view/view_dataset.h"
#include "view/panel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define VW 10          /* a value column of a pair (A, B, B-A) */
#define VW1 19         /* a value column of one version: the name and the sort mark fit */
#define HEAD 4         /* title, progress, two header rows */

#define SUMMARY_H 2    /* the summary's rows */

int view_dataset_rows(const struct view_layout *L)
{
    int n = L->h - 1 - HEAD - SUMMARY_H;   /* status line, summary */
    return n > 1 ? n : 1;
}

struct tgeom { int idw, x0, per, vw, first, shown; };

static struct tgeom geometry(const struct ex_dataset *ds, int w)
{
    const struct ds_table *t = &ds->table;
    struct tgeom G = { 4, 0, t->d->paired ? 3 : 1, t->d->paired ? VW : VW1, 0, 0 };
    for (size_t j = 0; j < t->n_jobs; j++) {
        int l = (int)strlen(t->jobs[j].id);
        if (l > G.idw) G.idw = l;
    }
    if (G.idw > 16) G.idw = 16;
    G.x0 = 1 + G.idw + 1 + 6;
    int fit = (w - G.x0) / (G.per * G.vw + 1);
    if (fit < 1) fit = 1;
    int sm = t->sort_col >= 0 ? ds_table_col_metric(t, t->sort_col) : 0;
    G.first = sm >= fit ? sm - fit + 1 : 0;
    G.shown = t->d->n_metrics - G.first < fit ? t->d->n_metrics - G.first : fit;
    return G;
}

static void progress(struct grid *g, int y, int w, const struct ex_dataset *ds)
{
    const struct ds_table *t = &ds->table;
    char s[200];
    if (t->n_done < t->n_jobs) {
        int c = grid_printf(g, 0, y, w, ROLE_LABEL, "rows %zu of %zu ", t->n_done, t->n_jobs);
        int bw = w - c - 8 > 40 ? 40 : w - c - 8;
        if (bw > 0) grid_bar(g, c, y, bw, t->n_jobs ? (double)t->n_done / (double)t->n_jobs : 1, ROLE_BAR_FINAL);
        grid_printf(g, c + (bw > 0 ? bw : 0) + 1, y, w, ROLE_VALUE, "%3.0f%%",
                    t->n_jobs ? 100.0 * (double)t->n_done / (double)t->n_jobs : 100.0);
        return;
    }
    const struct ds_summary *S = &ds->sum;
    if (ds->summary_ok && !t->d->paired)
        snprintf(s, sizeof s, "%zu rows evaluated; failed: %zu", S->n_rows, S->n_failed_a);
    else if (ds->summary_ok)
        snprintf(s, sizeof s, "%zu rows evaluated; %zu paired, %zu only in A, %zu only in B; failed: %zu in A, %zu in B",
                 S->n_rows, S->n_paired, S->n_only_a, S->n_only_b, S->n_failed_a, S->n_failed_b);
    else snprintf(s, sizeof s, "%zu rows evaluated", t->n_done);
    grid_puts(g, 0, y, w, ROLE_LABEL, s);
}

static void headers(struct grid *g, int y, int w, const struct ex_dataset *ds, const struct tgeom *G)
{
    static const char *const kind[] = { "A", "B", "B-A" };
    const struct ds_table *t = &ds->table;
    char name[128];
    ds_table_col_name(t, t->sort_col, name, sizeof name);
    grid_printf(g, 1, y + 1, G->idw, t->sort_col < 0 ? ROLE_FOCUS : ROLE_LABEL, "id%s",
                t->sort_col < 0 ? (t->desc ? " v" : " ^") : "");
    grid_tag(g, 0, y + 1, 1 + G->idw, 1, GRID_TAG(TAG_DS_COL, 0));   /* a click sorts by it */
    grid_puts(g, 1 + G->idw + 1, y + 1, 6, ROLE_LABEL, "     T");
    for (int k = 0; k < G->shown; k++) {
        int m = G->first + k, x = G->x0 + k * (G->per * G->vw + 1);
        if (G->per == 3) grid_puts(g, x + 1, y, G->per * G->vw, ROLE_TITLE, t->d->metrics[m]);
        for (int c = 0; c < G->per; c++) {
            int col = m * G->per + c, on = col == t->sort_col;
            char h[80];
            snprintf(h, sizeof h, "%s%s", G->per == 3 ? kind[c] : t->d->metrics[m], on ? (t->desc ? " v" : " ^") : "");
            grid_printf(g, x + c * G->vw, y + 1, G->vw, on ? ROLE_FOCUS : ROLE_LABEL, "%*s", G->vw, h);
            grid_tag(g, x + c * G->vw, y + 1, G->vw, 1, GRID_TAG(TAG_DS_COL, col + 1));
        }
    }
    (void)w;
}

/* One value cell: pending "...", failed version "failed", n/a "-". */
static void cell(struct grid *g, int x, int y, int vw, const struct ex_dataset *ds, size_t line, int col, int sel)
{
    const struct ds_table *t = &ds->table;
    const struct ds_row_result *r = ds_table_result(t, line);
    int k = ds_table_col_kind(t, col);
    double v = ds_table_value(t, line, col);
    enum grid_role role = sel ? ROLE_FOCUS : col == t->sort_col ? ROLE_VALUE : ROLE_NORMAL;
    if (!r) { grid_printf(g, x, y, vw, sel ? ROLE_FOCUS : ROLE_DIM, "%*s", vw, "..."); return; }
    if (k != DSC_DELTA && r->ver[k].status == DSV_FAILED) { grid_printf(g, x, y, vw, ROLE_ERROR, "%*s", vw, "failed"); return; }
    if (k != DSC_DELTA && r->ver[k].status == DSV_MISSING) { grid_printf(g, x, y, vw, ROLE_DIM, "%*s", vw, "none"); return; }
    if (isnan(v)) { grid_printf(g, x, y, vw, sel ? ROLE_FOCUS : ROLE_DIM, "%*s", vw, "-"); return; }
    if (k == DSC_DELTA) grid_printf(g, x, y, vw, role, "%+*.4g", vw, v);
    else grid_printf(g, x, y, vw, role, "%*.5g", vw, v);
}

static void lines(struct grid *g, int y0, int rows, int w, const struct ex_dataset *ds, const struct tgeom *G)
{
    const struct ds_table *t = &ds->table;
    size_t first = explorer_dataset_first(ds, rows);
    for (int i = 0; i < rows && first + (size_t)i < t->n_lines; i++) {
        size_t ln = first + (size_t)i;
        int y = y0 + i, sel = ln == ds->sel;
        const struct ds_tline *l = &t->line[ln];
        if (sel) {   /* the marker too: the selection never rests on colour alone */
            grid_fill(g, 0, y, w, 1, ROLE_FOCUS);
            grid_puts(g, 0, y, 1, ROLE_FOCUS, ">");
        }
        grid_tag(g, 0, y, w, 1, GRID_TAG(TAG_DS_LINE, ln));
        const char *id = t->jobs[l->job].id;
        grid_text(g, 1, y, G->idw, sel ? ROLE_FOCUS : ROLE_NORMAL, id, strlen(id), 0);
        grid_printf(g, 1 + G->idw + 1, y, 6, sel ? ROLE_FOCUS : ROLE_VALUE, "%6g", t->d->temps[l->temp]);
        for (int k = 0; k < G->shown; k++)
            for (int c = 0; c < G->per; c++)
                cell(g, G->x0 + k * (G->per * G->vw + 1) + c * G->vw, y, G->vw, ds, ln, (G->first + k) * G->per + c, sel);
    }
}

/* Done: the sort score's per-temperature summary, `dataset eval`'s numbers
 * (its text report's table, one temperature after the other, wrapped). */
static void summary(struct grid *g, int y, int w, const struct ex_dataset *ds)
{
    const struct ds_table *t = &ds->table;
    if (!ds->summary_ok || t->sort_col < 0) return;
    const struct ds_doc *d = t->d;
    int m = ds_table_col_metric(t, t->sort_col);
    char s[1024];
    size_t o = (size_t)snprintf(s, sizeof s, d->paired ? "%s, mean A -> B, B-A [95%% CI]:" : "%s, mean:",
                                d->metrics[m]);
    for (int k = 0; k < d->n_temps && o < sizeof s; k++) {
        const struct ds_cell *c = &ds->sum.cells[k * d->n_metrics + m];
        if (d->paired)
            o += (size_t)snprintf(s + o, sizeof s - o, "  T %g: %.4g -> %.4g, %+.3g [%+.3g, %+.3g];", d->temps[k],
                                  c->mean_a, c->mean_b, c->delta, c->ci[0], c->ci[1]);
        else o += (size_t)snprintf(s + o, sizeof s - o, "  T %g: %.4g;", d->temps[k], c->mean_a);
    }
    if (o < sizeof s && o > 0 && s[o - 1] == ';') s[o - 1] = 0;
    panel_wrap(g, 0, y, w, SUMMARY_H, ROLE_NORMAL, s);
}

void view_dataset(struct grid *g, const struct view_layout *L, const struct ex_dataset *ds)
{
    if (!ds->on || !ds->shown) return;
    int w = L->w;
    grid_fill(g, 0, 0, w, L->h - 1, ROLE_NORMAL);
    char t[1200];
    if (ds->b_path[0]) snprintf(t, sizeof t, "Dataset: A %s, B %s (%zu rows x %d temperatures)", ds->a_path, ds->b_path,
                                ds->table.n_jobs, ds->table.d->n_temps);
    else snprintf(t, sizeof t, "Dataset: %s (%zu rows x %d temperatures)", ds->a_path, ds->table.n_jobs,
                  ds->table.d->n_temps);
    panel_title(g, (struct view_rect){ 0, 0, w, 1 }, t, 1);
    if (L->h < HEAD + 3) return;
    progress(g, 1, w, ds);
    struct tgeom G = geometry(ds, w);
    headers(g, 2, w, ds, &G);
    int rows = view_dataset_rows(L);
    lines(g, HEAD, rows, w, ds, &G);
    summary(g, HEAD + rows, w, ds);
}
