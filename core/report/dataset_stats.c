/* dataset_stats.c: the summary of a dataset document (dataset_doc.h), a
 * pure function of its rows in id order: per temperature and metric the
 * means of A and B over their usable rows, the paired delta (mean of B - A
 * over rows with both) with its paired-bootstrap 95% interval, the rows
 * that moved most on the headline metric, and the KL statistics over every
 * step of the comparable paired rows. */
#include "report/dataset_doc.h"
#include "base/rng.h"
#include "base/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A bootstrap in progress: resample b of `resamples` next, one stream. */
struct ds_boot {
    struct rng g;
    const double *x;
    size_t n;
    uint32_t b, resamples;
    double *m;
};

static int boot_begin(struct ds_boot *bt, const double *x, size_t n, uint32_t resamples, uint64_t seed,
                      struct ls_error *err)
{
    *bt = (struct ds_boot){ .x = x, .n = n, .resamples = resamples };
    if (n == 0 || resamples == 0) return LS_OK;
    if (!(bt->m = malloc(resamples * sizeof *bt->m))) return ls_oom(err);
    rng_seed(&bt->g, seed);
    return LS_OK;
}

/* Up to `count` more resamples; 1 when all are done. */
static int boot_run(struct ds_boot *bt, uint32_t count)
{
    for (; bt->m && bt->b < bt->resamples && count; count--, bt->b++) {
        double s = 0;
        for (size_t i = 0; i < bt->n; i++) {
            size_t k = (size_t)(rng_uniform(&bt->g) * (double)bt->n);
            s += bt->x[k < bt->n ? k : bt->n - 1];
        }
        bt->m[bt->b] = s / (double)bt->n;
    }
    return !bt->m || bt->b == bt->resamples;
}

static void boot_end(struct ds_boot *bt, double ci[2])
{
    ci[0] = ci[1] = NAN;
    if (bt->m) {
        qsort(bt->m, bt->resamples, sizeof *bt->m, cmp_d);
        ci[0] = div_percentile(bt->m, bt->resamples, 0.025);
        ci[1] = div_percentile(bt->m, bt->resamples, 0.975);
    }
    free(bt->m);
    bt->m = NULL;
}

int ds_bootstrap_ci(const double *x, size_t n, uint32_t resamples, uint64_t seed, double ci[2],
                    struct ls_error *err)
{
    struct ds_boot bt;
    ci[0] = ci[1] = NAN;
    int rc = boot_begin(&bt, x, n, resamples, seed, err);
    if (rc) return rc;
    boot_run(&bt, resamples);
    boot_end(&bt, ci);
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

/* The means of one temperature x metric cell; its deltas into dbuf (room
 * for n_rows), their bootstrap is the caller's. */
static void cell_means(const struct ds_doc *d, int t, int m, double *dbuf, struct ds_cell *c)
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
    if (!s->moved) return ls_oom(err);
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

struct ds_sumjob {
    const struct ds_doc *d;
    struct ds_summary *s;
    double *dbuf;
    size_t cell, n_cells;
    int in_boot, done;
    struct ds_boot bt;
    int stage;                   /* after the cells (paired): moved, KL begin, gather, end */
    struct div_step *all;        /* the KL's steps, n_all, o_all gathered so far */
    size_t n_all, o_all;
    size_t kl_row, kl_at;        /* the next step to gather */
};

/* The KL over every paired row's steps, in units (ds_summary_step): the
 * steps are gathered into one array a chunk at a time, as the first
 * touch of a fresh array of that size (about 800 KiB for 200 rows) costs
 * milliseconds on this project's machine, then div_stats_compute. */
#define DS_KL_CHUNK 256   /* steps gathered per unit (54 KiB) */

static int kl_begin(struct ds_sumjob *j, struct ls_error *err)
{
    const struct ds_doc *d = j->d;
    size_t n = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        const struct ds_kl *k = &d->rows[i].kl;
        if (k->status == DSK_OK) { j->s->kl_rows++; n += k->n; }
        if (k->status == DSK_NOT_COMPARABLE) j->s->kl_not_comparable++;
    }
    if (n > UINT32_MAX) return ls_fail(err, LS_ELIMIT, "more than 2^32 steps to compare");
    j->all = malloc((n ? n : 1) * sizeof *j->all);
    if (!j->all) return ls_oom(err);
    j->n_all = n;
    return LS_OK;
}

/* Up to DS_KL_CHUNK more steps in row order: 1 when every row is in. */
static int kl_gather(struct ds_sumjob *j)
{
    const struct ds_doc *d = j->d;
    size_t left = DS_KL_CHUNK;
    while (j->kl_row < d->n_rows && left) {
        const struct ds_kl *k = &d->rows[j->kl_row].kl;
        size_t m = k->status == DSK_OK ? k->n - j->kl_at : 0;
        if (m > left) m = left;
        if (m) memcpy(j->all + j->o_all, k->steps + j->kl_at, m * sizeof *j->all);
        j->o_all += m;
        j->kl_at += m;
        left -= m;
        if (k->status != DSK_OK || j->kl_at == k->n) { j->kl_row++; j->kl_at = 0; }
    }
    return j->kl_row == d->n_rows;
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

/* The summary in progress: cell `cell` (temperature-major), its bootstrap
 * while in_boot; then the moved rows and the KL statistics. */
int ds_summary_begin(const struct ds_doc *d, struct ds_summary *s, struct ds_sumjob **out, struct ls_error *err)
{
    memset(s, 0, sizeof *s);
    *out = NULL;
    counts(d, s);
    struct ds_sumjob *j = calloc(1, sizeof *j);
    size_t nc = (size_t)d->n_temps * d->n_metrics;
    s->cells = calloc(nc ? nc : 1, sizeof *s->cells);
    double *dbuf = malloc((d->n_rows + 1) * sizeof *dbuf);
    if (!j || !s->cells || !dbuf) {
        free(j); free(dbuf); ds_summary_free(s);
        return ls_oom(err);
    }
    *j = (struct ds_sumjob){ .d = d, .s = s, .dbuf = dbuf, .n_cells = nc };
    *out = j;
    return LS_OK;
}

/* One unit: a cell's means, a chunk of its bootstrap (about 2^14 draws,
 * well under a millisecond), or at the end (paired) the moved rows, the
 * KL's count, a chunk of its steps, its statistics. Every
 * cell restarts the same stream: the interval of a cell does not depend on
 * which other cells or rows exist. */
static int sum_unit(struct ds_sumjob *j, struct ls_error *err)
{
    const struct ds_doc *d = j->d;
    if (j->cell < j->n_cells) {
        struct ds_cell *c = &j->s->cells[j->cell];
        if (!j->in_boot) {
            cell_means(d, (int)(j->cell / (size_t)d->n_metrics), (int)(j->cell % (size_t)d->n_metrics), j->dbuf, c);
            j->in_boot = 1;
            return boot_begin(&j->bt, j->dbuf, c->n_pair, DS_BOOT_RESAMPLES, d->seed, err);
        }
        uint32_t chunk = (uint32_t)(16384 / (c->n_pair + 1)) + 1;
        if (boot_run(&j->bt, chunk)) {
            boot_end(&j->bt, c->ci);
            j->in_boot = 0;
            j->cell++;
        }
        return LS_OK;
    }
    int rc = LS_OK;
    if (!d->paired) { j->done = 1; return rc; }
    switch (j->stage) {
    case 0: rc = moved(d, j->s, err); break;
    case 1: rc = kl_begin(j, err); break;
    case 2: if (!kl_gather(j)) return LS_OK; break;
    default:
        rc = div_stats_compute(j->all, (uint32_t)j->n_all, &j->s->kl, err);
        free(j->all);
        j->all = NULL;
        j->done = 1;
        return rc;
    }
    j->stage++;
    return rc;
}

int ds_summary_step(struct ds_sumjob *j, int64_t deadline_ns, int *done, struct ls_error *err)
{
    int rc = LS_OK;
    while (!j->done && !rc) {
        rc = sum_unit(j, err);
        if (clock_ns() >= deadline_ns) break;
    }
    if (rc) ds_summary_free(j->s);
    *done = !rc && j->done;
    return rc;
}

void ds_summary_job_free(struct ds_sumjob *j)
{
    if (!j) return;
    free(j->bt.m);
    free(j->all);
    free(j->dbuf);
    free(j);
}

int ds_summary_compute(const struct ds_doc *d, struct ds_summary *s, struct ls_error *err)
{
    struct ds_sumjob *j;
    int rc = ds_summary_begin(d, s, &j, err), done = 0;
    while (!rc && !done) rc = ds_summary_step(j, INT64_MAX, &done, err);
    ds_summary_job_free(j);
    return rc;
}

void ds_summary_free(struct ds_summary *s)
{
    free(s->cells);
    free(s->moved);
    memset(s, 0, sizeof *s);
}
