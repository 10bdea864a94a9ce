/* dataset_doc.h: the document of `logitscope dataset eval` and `dataset
 * merge`: per row x temperature x version every evaluator score of `eval`,
 * the per-temperature means of versions A and B, the paired delta with a
 * 95% paired-bootstrap interval, the rows that moved most, and, for paired
 * dumps of the same tokens, diff's KL statistics over all their steps.
 *
 * Layout:
 *   dataset_doc.c     the document: settings (a JSON object, compared
 *                     verbatim by merge and resume), the rows, and their
 *                     exact JSON form (doubles round-trip; NaN = null,
 *                     +-inf = "inf" / "-inf") so a result rebuilt from
 *                     shard files is the same bytes as a single run;
 *   dataset_stats.c   the summary, a pure function of the rows in id order
 *                     (means, paired bootstrap, moved rows, KL);
 *   dataset_run.c     evaluating rows on worker threads (one row at a time
 *                     per worker: its versions, all temperatures in one
 *                     eval pass, then the KL comparison);
 *   dataset_render.c  text, JSON and CSV renderings.
 *
 * Units: scores as `eval` defines them (shares in [0, 1], perplexities,
 * nats); deltas are B - A. Ownership: a doc owns its rows, strings and the
 * settings object; free with ds_doc_free. */
#ifndef LS_DATASET_DOC_H
#define LS_DATASET_DOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "eval/eval.h"
#include "input/dataset.h"
#include "sampling/divergence.h"

#define DS_MAX_TEMPS 16
#define DS_MAX_METRICS 32
#define DS_BOOT_RESAMPLES 2000     /* paired bootstrap resamples */
#define DS_DOC_VERSION 1

enum ds_vstatus { DSV_MISSING = 0, DSV_OK, DSV_FAILED };
enum ds_klstatus { DSK_NONE = 0, DSK_OK, DSK_NOT_COMPARABLE };

/* One version (A or B) of one row. */
struct ds_version {
    int status;                /* enum ds_vstatus */
    char *error;               /* DSV_FAILED: why */
    char *file, *format;       /* DSV_OK */
    uint32_t n_steps, V;
    double *v;                 /* DSV_OK: n_temps x n_metrics, NaN = n/a */
};

/* The per-step comparison of a paired row's raw distributions. */
struct ds_kl {
    int status;                /* enum ds_klstatus */
    char *note;                /* DSK_NOT_COMPARABLE: why */
    uint32_t n;
    struct div_step *steps;    /* kld, jsd, dp, nll_a, nll_b, same_top kept */
};

struct ds_row_result {
    char *id;
    struct ds_version ver[2];  /* A, B */
    struct ds_kl kl;
};

struct ds_doc {
    struct cJSON *settings;    /* owned; identical across shards of one run */
    int n_temps;
    double temps[DS_MAX_TEMPS];
    int n_metrics;
    char *metrics[DS_MAX_METRICS];
    int paired;                /* a B dataset was given */
    uint64_t seed;             /* bootstrap seed */
    long top;                  /* moved rows listed; -1 = all */
    int moved_metric;          /* index into metrics */
    int shard_i, shard_n;      /* 1-based; 0/0 = the whole dataset */
    size_t rows_total;         /* ids in A union B */
    size_t rows_expected;      /* ids of this shard */
    struct ds_row_result *rows;/* evaluated rows, sorted by id */
    size_t n_rows, cap_rows;
};

/* What the settings hold (ds_settings_new); strings borrowed. */
struct ds_spec {
    const char *a_path, *b_path;   /* b_path NULL: one version */
    const double *temps;
    int n_temps;
    const struct chain *chain;
    const struct params *params;
    const struct eval_config *cfg;
    const char *format, *vocab;    /* input options that change results */
    long top;
    const char *moved_by;          /* a metric key; NULL: json_valid_share */
    /* prompt rows: the model of each version (A, B) and the tokens per
     * continuation; in the settings only when a model is given, so results
     * of dumps alone read the same as before */
    const char *model[2];
    uint32_t max_tokens;
};

/* The metric keys for cfg (base scores, then external evaluators). */
int ds_metric_keys(const struct eval_config *cfg, const char **out, int max);
/* A new doc for spec (settings built, no rows). LS_EUSAGE when moved_by
 * names no metric. */
int ds_doc_new(const struct ds_spec *spec, struct ds_doc **out, struct ls_error *err);
void ds_doc_free(struct ds_doc *d);
/* A fresh row slot (zeroed, id copied); NULL on out of memory. */
struct ds_row_result *ds_doc_add_row(struct ds_doc *d, const char *id);
void ds_row_result_clear(struct ds_row_result *r);
/* Move r into a new row slot (r's id is taken, r left empty); LS_ELIMIT on
 * out of memory (r untouched). */
int ds_doc_put_row(struct ds_doc *d, struct ds_row_result *r, struct ls_error *err);
/* Sort rows by id; LS_EDATA when an id appears twice. */
int ds_doc_sort(struct ds_doc *d, struct ls_error *err);
/* Move every row of src into dst (src keeps empty slots). */
int ds_doc_take_rows(struct ds_doc *dst, struct ds_doc *src, struct ls_error *err);
/* 1 if a row with this id is in d (after ds_doc_sort). */
int ds_doc_has(const struct ds_doc *d, const char *id);

/* The whole document as JSON (with the summary of dataset_stats.c). */
struct cJSON *ds_doc_json(const struct ds_doc *d, struct ls_error *err);
/* Read a document written by ds_doc_json (what = file name for errors). */
int ds_doc_parse(const char *text, size_t len, const char *what, struct ds_doc **out,
                 struct ls_error *err);
/* A row's JSON and back (dataset_doc.c). */
struct cJSON *ds_row_json(const struct ds_doc *d, const struct ds_row_result *r);
int ds_row_parse(struct ds_doc *d, const struct cJSON *o, struct ls_error *err);
/* Fill the working fields (temperatures, metrics, ...) from d->settings. */
int ds_doc_settings_read(struct ds_doc *d, struct ls_error *err);
/* 1 if both docs were made with the same settings. */
int ds_doc_same_settings(const struct ds_doc *a, const struct ds_doc *b);

/* --- the summary (dataset_stats.c) --------------------------------------- */

/* THE per-row numbers every summary, list and table shows: version ver's
 * (0 A, 1 B) score of metric m at temperature t (NaN unless the version
 * was evaluated, or when the score is n/a), and the row's delta B - A
 * (NaN unless both are finite). */
double ds_value(const struct ds_doc *d, const struct ds_row_result *r, int ver, int t, int m);
double ds_delta(const struct ds_doc *d, const struct ds_row_result *r, int t, int m);

struct ds_cell {               /* one temperature x metric */
    double mean_a, mean_b;
    uint32_t n_a, n_b;
    double delta, ci[2];       /* paired: mean of B - A and its 95% interval */
    uint32_t n_pair;
};
struct ds_moved { size_t row; int temp; double a, b, delta; };
struct ds_summary {
    size_t n_rows, n_paired, n_only_a, n_only_b, n_failed_a, n_failed_b, n_not_run;
    struct ds_cell *cells;     /* n_temps x n_metrics */
    struct ds_moved *moved;
    size_t n_moved;
    size_t kl_rows, kl_not_comparable;
    struct div_stats kl;       /* over every step of the comparable rows */
};
int ds_summary_compute(const struct ds_doc *d, struct ds_summary *s, struct ls_error *err);
void ds_summary_free(struct ds_summary *s);
/* The same in slices (the explorer's table): begin, step until *done
 * (at least one unit each: a cell's means, a chunk of its bootstrap, or
 * the moved rows and KL; it stops once clock_ns() reaches deadline_ns),
 * then free the job. ds_summary_compute is exactly this with no deadline.
 * On an error s is freed. d is borrowed and must not change meanwhile. */
struct ds_sumjob;
int ds_summary_begin(const struct ds_doc *d, struct ds_summary *s, struct ds_sumjob **out, struct ls_error *err);
int ds_summary_step(struct ds_sumjob *j, int64_t deadline_ns, int *done, struct ls_error *err);
void ds_summary_job_free(struct ds_sumjob *j);

/* Paired percentile bootstrap of the mean of x[0..n): `resamples` means of
 * n values drawn with replacement (xoshiro256** seeded with seed; index
 * floor(u * n)), sorted, the interval at 2.5% and 97.5% by linear
 * interpolation (div_percentile). n = 0: NaN; out of memory: LS_ELIMIT. */
int ds_bootstrap_ci(const double *x, size_t n, uint32_t resamples, uint64_t seed, double ci[2],
                    struct ls_error *err);

/* --- running (dataset_run.c) --------------------------------------------- */

/* One row to evaluate: the rows of A and B with its id (either NULL). */
struct ds_job { const char *id; const struct ds_row *a, *b; };
/* The row whose reference answer and expected items judge both versions
 * of a job (A's reference, else B's; A's expected items when B has none);
 * NULL when neither row exists. */
const struct ds_row *ds_job_ref(const struct ds_job *j);
struct ds_run_opts {
    const struct source_opts *src;
    struct eval_config cfg;        /* seed, n, evaluators...; reference set per row */
    struct chain chain;
    struct params params;
    int threads;                   /* row workers; 0: one per CPU (at most 8) */
    const volatile int *cancel;    /* set: stop taking rows, abandon the current ones */
    /* called (under the runner's lock) after each finished row */
    void (*on_row)(void *ctx, struct ds_doc *d);
    void *ctx;
    /* prompt rows (text for a model): the model of version A and of B
     * (model_open specs; NULL: that version's prompt rows fail saying a
     * model is needed) and the tokens per continuation (0: DS_MAX_TOKENS).
     * Such a row's N continuations are generated under each temperature's
     * chain by the model (eval/eval_gen.h, as `eval --model`: continuation
     * i uses stream seed + i) and scored by the same evaluators; the texts
     * scored are prompt + continuation. */
    const char *model[2];
    uint32_t max_tokens;
};
#define DS_MAX_TOKENS 64

/* What one evaluating thread keeps between rows: the models it opened
 * (a model serves one thread at a time, model.h), opened on the thread's
 * first prompt row of that version. Zero it before the first row. */
struct ds_worker {
    struct model *model[2];
    int tried[2];
    struct ls_error model_err[2];
};
void ds_worker_free(struct ds_worker *w);
/* Open now the models the jobs' prompt rows will need (the explorer, so
 * that no background slice waits for a model file); a model that fails to
 * open fails its rows later with the same message, as when opened on
 * first use. */
void ds_worker_prepare(struct ds_worker *w, const struct ds_run_opts *o, const struct ds_job *jobs, size_t n_jobs);
/* Evaluate one job into r (zeroed by the caller; not yet in d): its
 * versions, then the KL comparison. LS_OK also when a version failed (its
 * error is in r); LS_EINTERNAL only when o->cancel stopped it. The threads
 * of ds_run and the explorer's background slices both run rows through
 * this, each thread with its own worker state w. */
int ds_run_job(const struct ds_doc *d, const struct ds_job *j, const struct ds_run_opts *o, struct ds_worker *w,
               struct ds_row_result *r);
/* The same row in slices (the explorer's background work): new, then step
 * until *done, then free. A step does at least one unit of the row's work
 * (opening a version's dump or model, one step of its eval pass, the
 * finish of one temperature, one token of a generated continuation, one
 * step of the KL comparison) and stops once clock_ns() reaches deadline_ns;
 * ds_run_job is exactly this with no deadline, so a row's numbers do not
 * depend on how it was sliced. Return codes as ds_run_job's; d, j, o, w
 * and r are borrowed until the job is freed. */
struct ds_rowjob;
int ds_rowjob_new(const struct ds_doc *d, const struct ds_job *j, const struct ds_run_opts *o, struct ds_worker *w,
                  struct ds_row_result *r, struct ds_rowjob **out);
int ds_rowjob_step(struct ds_rowjob *rj, int64_t deadline_ns, int *done);
void ds_rowjob_free(struct ds_rowjob *rj);
/* Evaluate the jobs into d (rows appended, then sorted). Returns LS_OK
 * also when rows failed (they are in d with their errors); a set cancel
 * flag returns LS_OK with the rows finished so far (the caller sees
 * d->n_rows < rows expected). */
int ds_run(struct ds_doc *d, const struct ds_job *jobs, size_t n_jobs, const struct ds_run_opts *o,
           struct ls_error *err);

/* The rows to run: the union of A's and B's ids in id order (B NULL: A's),
 * paired by id; with shard_n > 0 only the rows k (position in that union)
 * with k mod shard_n = shard_i - 1; minus the rows `done` already holds
 * (done may be NULL). jobs point into A and B. */
struct ds_plan {
    struct ds_job *jobs;
    size_t n_jobs;
    size_t total;        /* ids in A union B */
    size_t expected;     /* ids of the shard */
};
int ds_plan_build(const struct dataset *A, const struct dataset *B, int shard_i, int shard_n,
                  const struct ds_doc *done, struct ds_plan *p, struct ls_error *err);
void ds_plan_free(struct ds_plan *p);

/* The temperatures of a run: list (comma-separated, at most DS_MAX_TEMPS),
 * else p->temperature when it is not 1, else 0, 0.4, 0.7, 1; each checked
 * with p's other parameters (params_check). LS_EUSAGE with the reason. */
int ds_temperatures(const char *list, const struct params *p, double *t, int *n, struct ls_error *err);

/* --- rendering (dataset_render.c) ---------------------------------------- */
void ds_render_text(FILE *f, const struct ds_doc *d, const struct ds_summary *s, unsigned disp);
void ds_render_csv(FILE *f, const struct ds_doc *d);

#endif
