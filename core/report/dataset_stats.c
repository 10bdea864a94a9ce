/* dataset_stats.c: the summary of a dataset document (dataset_doc.h), a
 * pure function of its rows in id order: per temperature and metric the
 * means of A and B over their usable rows, the paired delta (mean of B - A
 * over rows with both) with its paired-bootstrap 95% interval, the rows
 * that moved most on the headline metric, and the KL statistics over every
 * step of the comparable paired rows. */
#include "report/dataset_doc.h"
#include "base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int ds_bootstrap_ci(const double *x, size_t n, uint32_t resamples, uint64_t seed, double ci[2],
                    struct ls_error *err)
{
    ci[0] = ci[1] = NAN;
    if (n == 0 || resamples == 0) return LS_OK;
    double *m = malloc(resamples * sizeof *m);
    if (!m) return ls_fail(err, LS_ELIMIT, "out of memory");
    struct rng g;
    rng_seed(&g, seed);
    for (uint32_t b = 0; b < resamples; b++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = (size_t)(rng_uniform(&g) * (double)n);
            s += x[k < n ? k : n - 1];
        }
        m[b] = s / (double)n;
    }
    qsort(m, resamples, sizeof *m, cmp_d);
    ci[0] = div_percentile(m, resamples, 0.025);
    ci[1] = div_percentile(m, resamples, 0.975);
    free(m);
    return LS_OK;
}

double ds_value(const struct ds_doc *d, const struct ds_row_result *r, int ver, int t, int m)
{
    const struct ds_version *v = &r->ver[ver];
    return v->status == DSV_OK ? v->v[t * d->n_metrics + m] : NAN;
}

double ds_delta(const struct ds_doc *d, const struct ds_row_result *r, int t, int m)
{
    double a = ds_value(d, r, 0, t, m), b = ds_value(d, r, 1, t, m);
    return isfinite(a) && isfinite(b) ? b - a : NAN;
}

/* One temperature x metric cell; dbuf has room for n_rows deltas. */
static int cell(const struct ds_doc *d, int t, int m, double *dbuf, struct ds_cell *c, struct ls_error *err)
{
    double sa = 0, sb = 0, sd = 0;
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < d->n_rows; i++) {
        double a = ds_value(d, &d->rows[i], 0, t, m), b = ds_value(d, &d->rows[i], 1, t, m);
        double dl = ds_delta(d, &d->rows[i], t, m);
        if (isfinite(a)) { sa += a; c->n_a++; }
        if (isfinite(b)) { sb += b; c->n_b++; }
        if (isfinite(dl)) { dbuf[c->n_pair++] = dl; sd += dl; }
    }
    c->mean_a = c->n_a ? sa / c->n_a : NAN;
    c->mean_b = c->n_b ? sb / c->n_b : NAN;
    c->delta = c->n_pair ? sd / c->n_pair : NAN;
    /* every cell restarts the same stream: the interval of a cell does not
     * depend on which other cells or rows exist */
    return ds_bootstrap_ci(dbuf, c->n_pair, DS_BOOT_RESAMPLES, d->seed, c->ci, err);
}

static int cmp_moved(const void *pa, const void *pb)
{
    const struct ds_moved *a = pa, *b = pb;
    double x = fabs(a->delta), y = fabs(b->delta);
    if (x != y) return x > y ? -1 : 1;
    if (a->row != b->row) return a->row < b->row ? -1 : 1;
    return (a->temp > b->temp) - (a->temp < b->temp);
}

static int moved(const struct ds_doc *d, struct ds_summary *s, struct ls_error *err)
{
    int m = d->moved_metric;
    s->moved = malloc((d->n_rows * (size_t)d->n_temps + 1) * sizeof *s->moved);
    if (!s->moved) return ls_fail(err, LS_ELIMIT, "out of memory");
    for (size_t i = 0; i < d->n_rows; i++)
        for (int t = 0; t < d->n_temps; t++) {
            double dl = ds_delta(d, &d->rows[i], t, m);
            if (isfinite(dl))
                s->moved[s->n_moved++] = (struct ds_moved){ i, t, ds_value(d, &d->rows[i], 0, t, m),
                                                            ds_value(d, &d->rows[i], 1, t, m), dl };
        }
    qsort(s->moved, s->n_moved, sizeof *s->moved, cmp_moved);
    if (d->top >= 0 && s->n_moved > (size_t)d->top) s->n_moved = (size_t)d->top;
    return LS_OK;
}

static int kl_all(const struct ds_doc *d, struct ds_summary *s, struct ls_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        const struct ds_kl *k = &d->rows[i].kl;
        if (k->status == DSK_OK) { s->kl_rows++; n += k->n; }
        if (k->status == DSK_NOT_COMPARABLE) s->kl_not_comparable++;
    }
    if (n > UINT32_MAX) return ls_fail(err, LS_ELIMIT, "more than 2^32 steps to compare");
    struct div_step *all = malloc((n ? n : 1) * sizeof *all);
    if (!all) return ls_fail(err, LS_ELIMIT, "out of memory");
    size_t o = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        const struct ds_kl *k = &d->rows[i].kl;
        if (k->status != DSK_OK) continue;
        memcpy(all + o, k->steps, k->n * sizeof *all);
        o += k->n;
    }
    int rc = div_stats_compute(all, (uint32_t)n, &s->kl, err);
    free(all);
    return rc;
}

static void counts(const struct ds_doc *d, struct ds_summary *s)
{
    s->n_rows = d->n_rows;
    s->n_not_run = d->rows_expected > d->n_rows ? d->rows_expected - d->n_rows : 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        int a = d->rows[i].ver[0].status, b = d->rows[i].ver[1].status;
        if (a != DSV_MISSING && b != DSV_MISSING) s->n_paired++;
        else if (a != DSV_MISSING) s->n_only_a++;
        else s->n_only_b++;
        s->n_failed_a += a == DSV_FAILED;
        s->n_failed_b += b == DSV_FAILED;
    }
    if (!d->paired) s->n_paired = 0;
}

int ds_summary_compute(const struct ds_doc *d, struct ds_summary *s, struct ls_error *err)
{
    memset(s, 0, sizeof *s);
    counts(d, s);
    size_t nc = (size_t)d->n_temps * d->n_metrics;
    s->cells = calloc(nc ? nc : 1, sizeof *s->cells);
    double *dbuf = malloc((d->n_rows + 1) * sizeof *dbuf);
    int rc = s->cells && dbuf ? LS_OK : ls_fail(err, LS_ELIMIT, "out of memory");
    for (int t = 0; t < d->n_temps && !rc; t++)
        for (int m = 0; m < d->n_metrics && !rc; m++) rc = cell(d, t, m, dbuf, &s->cells[t * d->n_metrics + m], err);
    free(dbuf);
    if (!rc && d->paired) rc = moved(d, s, err);
    if (!rc && d->paired) rc = kl_all(d, s, err);
    if (rc) ds_summary_free(s);
    return rc;
}

void ds_summary_free(struct ds_summary *s)
{
    free(s->cells);
    free(s->moved);
    memset(s, 0, sizeof *s);
}
