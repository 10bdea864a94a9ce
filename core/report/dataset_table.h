/* dataset_table.h: the document of the explorer's dataset table
 * (`logitscope --dataset A [--b B]`): one line per row x temperature, one
 * column per score of `dataset eval` (for a paired run: A, B and the delta
 * B - A of each score), in a display order sorted by any column.
 *
 * Every number is read through ds_value / ds_delta (dataset_doc.h), the
 * functions behind `dataset eval`'s means, moved rows and CSV, so the table
 * and the report cannot disagree. Rows not evaluated yet (the table fills
 * in the background), failed versions and n/a scores have no value (NaN):
 * they sort after every value in either direction; ties keep the id order
 * (then the temperature order), so the order is total and stable.
 *
 * Ownership: the table borrows the doc and the jobs (their ids) and owns
 * its line order and the job -> doc row map; free with ds_table_free.
 *
 *   struct ds_table t; ds_table_init(&t, doc, plan.jobs, plan.n_jobs, &err);
 *   ds_table_set_row(&t, job, doc->n_rows - 1);   // after each evaluated job
 *   t.sort_col = ds_table_col_find(&t, "json_valid_share:delta"); ds_table_sort(&t);
 *   double v = ds_table_value(&t, 0, t.sort_col);  // the first line's value */
#ifndef LS_DATASET_TABLE_H
#define LS_DATASET_TABLE_H

#include "report/dataset_doc.h"

enum ds_col_kind { DSC_A = 0, DSC_B, DSC_DELTA };

struct ds_tline {
    uint32_t job;            /* index into the jobs (id order) */
    int temp;                /* index into d->temps */
};

struct ds_table {
    const struct ds_doc *d;        /* borrowed */
    const struct ds_job *jobs;     /* borrowed, n_jobs, in id order */
    size_t n_jobs;
    long *doc_row;                 /* n_jobs: index into d->rows, -1 not evaluated yet */
    size_t n_done;                 /* jobs with a doc row */
    struct ds_tline *line;         /* n_lines = n_jobs x n_temps, display order */
    size_t n_lines;
    int n_cols;                    /* n_metrics x (paired ? 3 : 1) */
    int sort_col;                  /* -1: id order */
    int desc;                      /* 1: largest first (the id order: reversed) */
};

int ds_table_init(struct ds_table *t, const struct ds_doc *d, const struct ds_job *jobs, size_t n_jobs,
                  struct ls_error *err);
void ds_table_free(struct ds_table *t);
/* Job `job` is d->rows[doc_row] now. */
void ds_table_set_row(struct ds_table *t, size_t job, long doc_row);
/* The result of a line's row, NULL while not evaluated. */
const struct ds_row_result *ds_table_result(const struct ds_table *t, size_t line);
/* Column col's metric index and kind (enum ds_col_kind). */
int ds_table_col_metric(const struct ds_table *t, int col);
int ds_table_col_kind(const struct ds_table *t, int col);
/* "json_valid_share:A", ":B", ":delta" (unpaired: the metric alone). */
void ds_table_col_name(const struct ds_table *t, int col, char *buf, size_t bufsz);
/* The column of that name (also a bare metric name: its delta when paired,
 * else its only column); -1 if none. */
int ds_table_col_find(const struct ds_table *t, const char *name);
/* The value of column col on line `line` (display order); NaN: none. */
double ds_table_value(const struct ds_table *t, size_t line, int col);
/* Put the lines in the order sort_col / desc ask for. */
void ds_table_sort(struct ds_table *t);
/* The display position of the line (job, temp), or n_lines. */
size_t ds_table_find_line(const struct ds_table *t, uint32_t job, int temp);

#endif
