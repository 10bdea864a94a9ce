/* bench_ds_slices.c: how long one background slice of the explorer's
 * dataset table (explorer_dataset_work) keeps the explorer from reading a
 * key, on samples/dataset (200 rows x 4 temperatures, N = 200):
 *   dumps     a.jsonl --b b.jsonl (paired dumps, KL comparison)
 *   prompts   prompts.jsonl --b prompts.jsonl, model A samples/model.lsm,
 *             model B samples/dataset/model_b.lsm (generated continuations)
 * each with a slice budget of 0 (the smallest unit of work per slice: the
 * app's first call between keys) and 4 ms (what the app offers an idle
 * slice; the table caps it at EX_DS_SLICE_NS). Prints slices, the whole
 * fill time, and mean, p95 and max per slice in wall time and in the
 * thread's CPU time (on a loaded machine the wall time includes waiting
 * for a core).
 * Figures, never pass/fail. BENCH_ROWS limits the rows (prompts: default
 * 2: one generated row takes seconds), BENCH_N sets N. Run from the
 * repository root. */
#include "explorer/explorer_dataset.h"
#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* count, mean, p95, max, over 2 ms of t[0..k) (sorted in place) */
static void stats(const char *what, int64_t *t, size_t k)
{
    double sum = 0;
    size_t over = 0;
    for (size_t i = 0; i < k; i++) { sum += (double)t[i]; over += t[i] > 2000000; }
    qsort(t, k, sizeof *t, cmp_i64);
    printf("  %s: mean %7.3f ms, p95 %7.3f ms, max %7.3f ms, %zu over 2 ms\n", what, k ? sum / (double)k / 1e6 : 0,
           k ? (double)t[(size_t)((double)(k - 1) * 0.95)] / 1e6 : 0, k ? (double)t[k - 1] / 1e6 : 0, over);
}

static void run(const char *name, const char *a, const char *b, const char *ma, const char *mb, long budget,
                size_t rows, uint32_t n)
{
    static struct ex_dataset ds;
    static struct explorer ex;
    double temps[4] = { 0, 0.4, 0.7, 1 };
    struct chain ch;
    chain_preset(&ch, PRESET_HF);
    struct params p = PARAMS_OFF;
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = n;
    struct source_opts so;
    memset(&so, 0, sizeof so);
    struct ex_dataset_spec sp = { a, b, temps, 4, &ch, &p, &cfg, &so, { ma, mb }, 0 };
    struct ls_error err = {0};
    explorer_init(&ex);
    if (explorer_dataset_open(&ds, &sp, &err)) { fprintf(stderr, "%s: %s\n", name, err.msg); exit(1); }
    if (rows && rows < ds.plan.n_jobs) ds.plan.n_jobs = rows;   /* the first rows only */
    size_t cap = 1 << 16, k = 0;
    int64_t *t = malloc(cap * sizeof *t), *c = malloc(cap * sizeof *c), t0 = clock_ns();
    for (;;) {
        int64_t s = clock_ns(), sc = cpu_ns();
        unsigned fl = explorer_dataset_work(&ds, &ex, budget);
        int64_t d = clock_ns() - s, dc = cpu_ns() - sc;
        if (!fl) break;
        if (k == cap) { cap *= 2; t = realloc(t, cap * sizeof *t); c = realloc(c, cap * sizeof *c); }
        t[k] = d;
        c[k++] = dc;
    }
    printf("%-8s budget %3.1f ms: %zu rows, %zu slices, fill %.1f ms\n", name, (double)budget / 1e6, ds.plan.n_jobs, k,
           (double)(clock_ns() - t0) / 1e6);
    stats("wall", t, k);
    stats("cpu ", c, k);
    free(t);
    free(c);
    explorer_dataset_free(&ds);
    explorer_free(&ex);
}

int main(void)
{
    const char *r = getenv("BENCH_ROWS"), *nn = getenv("BENCH_N");
    size_t rows = r && *r ? strtoul(r, NULL, 10) : 0;
    uint32_t n = nn && *nn ? (uint32_t)strtoul(nn, NULL, 10) : 200;
    const char *ma = "samples/model.lsm", *mb = "samples/dataset/model_b.lsm";
    for (int i = 0; i < 2; i++) {
        long budget = i ? 4000000L : 0;
        run("dumps", "samples/dataset/a.jsonl", "samples/dataset/b.jsonl", ma, mb, budget, rows, n);
        run("prompts", "samples/dataset/prompts.jsonl", "samples/dataset/prompts.jsonl", ma, mb, budget,
            rows ? rows : 2, n);
    }
    return 0;
}
