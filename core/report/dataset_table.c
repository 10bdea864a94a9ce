/* dataset_table.c: the explorer's dataset table document (dataset_table.h):
 * lines, columns, values through ds_value / ds_delta, and the sort. */
#include "report/dataset_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = { "A", "B", "delta" };

int ds_table_init(struct ds_table *t, const struct ds_doc *d, const struct ds_job *jobs, size_t n_jobs,
                  struct ls_error *err)
{
    memset(t, 0, sizeof *t);
    t->d = d;
    t->jobs = jobs;
    t->n_jobs = n_jobs;
    t->n_lines = n_jobs * (size_t)d->n_temps;
    t->n_cols = d->n_metrics * (d->paired ? 3 : 1);
    t->sort_col = -1;
    t->doc_row = malloc((n_jobs + 1) * sizeof *t->doc_row);
    t->line = malloc((t->n_lines + 1) * sizeof *t->line);
    if (!t->doc_row || !t->line) { ds_table_free(t); return ls_oom(err); }
    for (size_t j = 0; j < n_jobs; j++) {
        t->doc_row[j] = -1;
        for (int k = 0; k < d->n_temps; k++) t->line[j * (size_t)d->n_temps + (size_t)k] = (struct ds_tline){ (uint32_t)j, k };
    }
    return LS_OK;
}

void ds_table_free(struct ds_table *t)
{
    free(t->doc_row);
    free(t->line);
    memset(t, 0, sizeof *t);
}

void ds_table_set_row(struct ds_table *t, size_t job, long doc_row)
{
    if (job >= t->n_jobs) return;
    if (t->doc_row[job] < 0 && doc_row >= 0) t->n_done++;
    t->doc_row[job] = doc_row;
}

const struct ds_row_result *ds_table_result(const struct ds_table *t, size_t line)
{
    if (line >= t->n_lines) return NULL;
    long r = t->doc_row[t->line[line].job];
    return r >= 0 && (size_t)r < t->d->n_rows ? &t->d->rows[r] : NULL;
}

int ds_table_col_metric(const struct ds_table *t, int col)
{
    return t->d->paired ? col / 3 : col;
}

int ds_table_col_kind(const struct ds_table *t, int col)
{
    return t->d->paired ? col % 3 : DSC_A;
}

void ds_table_col_name(const struct ds_table *t, int col, char *buf, size_t bufsz)
{
    if (col < 0 || col >= t->n_cols) { snprintf(buf, bufsz, "id"); return; }
    const char *m = t->d->metrics[ds_table_col_metric(t, col)];
    if (t->d->paired) snprintf(buf, bufsz, "%s:%s", m, kind_names[ds_table_col_kind(t, col)]);
    else snprintf(buf, bufsz, "%s", m);
}

int ds_table_col_find(const struct ds_table *t, const char *name)
{
    char b[128];
    for (int c = 0; c < t->n_cols; c++) {
        ds_table_col_name(t, c, b, sizeof b);
        if (!strcmp(b, name)) return c;
    }
    for (int m = 0; m < t->d->n_metrics; m++)
        if (!strcmp(t->d->metrics[m], name)) return t->d->paired ? 3 * m + DSC_DELTA : m;
    return -1;
}

/* One line's value of column col (NaN: none). */
static double tline_value(const struct ds_table *t, const struct ds_tline *l, int col)
{
    long r = t->doc_row[l->job];
    if (r < 0 || (size_t)r >= t->d->n_rows || col < 0 || col >= t->n_cols) return NAN;
    const struct ds_row_result *x = &t->d->rows[r];
    int m = ds_table_col_metric(t, col), k = ds_table_col_kind(t, col);
    return k == DSC_DELTA ? ds_delta(t->d, x, l->temp, m) : ds_value(t->d, x, k, l->temp, m);
}

double ds_table_value(const struct ds_table *t, size_t line, int col)
{
    return line < t->n_lines ? tline_value(t, &t->line[line], col) : NAN;
}

/* qsort has no context argument: the table being sorted, one per thread
 * (no sort may see another thread's table, whoever calls) */
static _Thread_local const struct ds_table *g_sort;

static int cmp_line(const void *pa, const void *pb)
{
    const struct ds_tline *a = pa, *b = pb;
    const struct ds_table *t = g_sort;
    if (t->sort_col >= 0) {
        double x = tline_value(t, a, t->sort_col), y = tline_value(t, b, t->sort_col);
        int nx = isnan(x), ny = isnan(y);
        if (nx != ny) return nx - ny;          /* no value: last, either direction */
        if (!nx && x != y) return (x < y) == !t->desc ? -1 : 1;
    }
    int s = a->job != b->job ? (a->job < b->job ? -1 : 1) : (a->temp > b->temp) - (a->temp < b->temp);
    return t->sort_col < 0 && t->desc ? -s : s;   /* the id order reversed, or ties in id order */
}

void ds_table_sort(struct ds_table *t)
{
    g_sort = t;
    qsort(t->line, t->n_lines, sizeof *t->line, cmp_line);
    g_sort = NULL;
}

size_t ds_table_find_line(const struct ds_table *t, uint32_t job, int temp)
{
    for (size_t i = 0; i < t->n_lines; i++)
        if (t->line[i].job == job && t->line[i].temp == temp) return i;
    return t->n_lines;
}
