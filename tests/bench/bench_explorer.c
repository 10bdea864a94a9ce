/* bench_explorer.c: the explorer's own costs at scale (issue 9), headless
 * (core only: the same model the terminal shows, no drawing).
 *
 *   per step   what the explorer computes on moving to a new step: the
 *              raw log-sum-exp and entropy, the chain with the entropy
 *              after it, the raw top list (the first 25 rows shown come
 *              from it), the recorded token's rank, the samples and the
 *              score rows: explorer_update after explorer_move_step, at
 *              V = 131072 and 262144, for the llama.cpp, hf and vllm
 *              defaults (each system's default parameters);
 *   evaluators the background scores of the current setting (every
 *              evaluator over the file, explorer_eval_work slices) on a
 *              [256, 262144] synthetic file: total and largest slice;
 *   sweep view the same for the sweep view's default temperatures;
 *   comparison the comparison view's per-step divergence of two
 *              synthetic [32, 262144] files (written to /tmp, removed);
 *              the background parts twice: as the terminal runs them
 *              (threaded: the chain runs on workers, the main thread's
 *              slices only read steps) and as scripts do (one thread),
 *              each with the main thread's CPU (slices), the wall clock
 *              and the CPU of all threads.
 * Times are this thread's CPU time (robust to a busy machine); the slice
 * budget is the app's (tui/app.h WORK_SLICE_NS, 1 ms) unless BENCH_SLICE_NS says.
 *   first visits  the terminal's first keys after an open (threaded,
 *              async): the CPU time of the whole process per key (the
 *              main thread and the key's worker) on steps not visited
 *              before, with the background left alone and drained first
 *              (its warm-up of the key jobs' buffers).
 * BENCH_PRESET=hf|llama.cpp|vllm limits the background parts to one
 * system (default: the explorer's own start, hf with every stage off, and
 * the llama.cpp defaults). BENCH_ONLY=needs prints the per-step rows only
 * (for profiling them alone), BENCH_ONLY=bg the background and first
 * visits only, BENCH_ONLY=script the background as scripts run it only
 * (every part on the main thread). Figures, never pass/fail. */
#include "base/clock.h"
#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "explorer/explorer_wake.h"
#include "input/synth_source.h"
#include "sampling/presets.h"
#include "sampling/topn.h"
#include "npy_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int open_synth(struct explorer *ex, uint32_t V, uint32_t steps)
{
    struct source *s;
    struct ls_error err = {0};
    explorer_init(ex);
    if (source_synthetic(V, steps, 1, &s, &err) || explorer_set_source(ex, s, &err)) {
        ls_error_print(&err, stderr);
        return 1;
    }
    return 0;
}

static void set_system(struct explorer *ex, enum preset sys, int defaults)
{
    struct chain c;
    chain_preset(&c, sys);
    explorer_set_chain(ex, &c);
    struct params p = defaults ? preset_defaults(sys) : PARAMS_OFF;
    explorer_set_params(ex, &p);
}

/* What the explorer needs per step, exactly: the chain run on a new step
 * (raw log-sum-exp and entropy, the chain, the entropy after it), the
 * top 25 by raw probability and the recorded token's rank (topn_run,
 * chain_top_rank: the calls explorer_update makes); then the
 * whole explorer_update after a step move (also the samples panel's 8 +
 * 10,000 draws, the marks and the score rows). Median, p95 and mean in
 * microseconds over 64 step visits. */
static void per_step(uint32_t V, enum preset sys)
{
    const uint32_t steps = 32;
    struct explorer ex;
    if (open_synth(&ex, V, steps)) return;
    set_system(&ex, sys, 1);
    explorer_update(&ex);
    double t[2][2 * 32], sum[2] = {0, 0};
    uint32_t n = 0;
    int32_t top[25];
    for (int round = 0; round < 2; round++)
        for (uint32_t s = 0; s < steps; s++, n++) {
            struct step_info info;
            struct ls_error err = {0};
            explorer_read_step(&ex, s, ex.wlogits, &info, &err);
            double t0 = clock_thread_ms();
            topn_run(&ex.chain, &ex.params, ex.wlogits, V, -1.0, info.token, 0, &ex.wws, &ex.wres, &err);
            uint32_t rank;
            chain_top_rank(&ex.wres, 25, top, info.token, &rank); /* as explorer_update: one pass for both */
            t[0][n] = (clock_thread_ms() - t0) * 1e3;
            explorer_move_step(&ex, s == 0 && round == 0 ? 1 : (s % 2 ? 3 : -1));
            t0 = clock_thread_ms();
            explorer_update(&ex);
            t[1][n] = (clock_thread_ms() - t0) * 1e3;
            sum[0] += t[0][n];
            sum[1] += t[1][n];
        }
    static const char *const what[2] = { "needs", "update" };
    for (int k = 0; k < 2; k++) {
        qsort(t[k], n, sizeof *t[k], cmp_d);
        printf("  V=%-6u %-9s %-6s  median %7.1f us  p95 %7.1f us  mean %7.1f us  (kept %u)\n", V, preset_name(sys),
               what[k], t[k][n / 2], t[k][(n * 95) / 100], sum[k] / n, ex.res.n_kept);
    }
    explorer_free(&ex);
}

/* A temperature key on the same step (the rerun path: the raw softmax is
 * kept): explorer_update's median in microseconds, under the system's
 * defaults and with every stage off but the temperature. */
static void per_key(uint32_t V, enum preset sys, int defaults)
{
    struct explorer ex;
    if (open_synth(&ex, V, 4)) return;
    set_system(&ex, sys, defaults);
    explorer_update(&ex);
    double t[64];
    for (int i = 0; i < 64; i++) {
        struct params p = ex.params;
        p.temperature = (i % 2 ? 0.9 : 1.1) + 0.001 * i;
        explorer_set_params(&ex, &p);
        double t0 = clock_thread_ms();
        explorer_update(&ex);
        t[i] = (clock_thread_ms() - t0) * 1e3;
    }
    qsort(t, 64, sizeof *t, cmp_d);
    printf("  V=%-6u %-9s %-8s temperature key: median %7.1f us  p95 %7.1f us\n", V, preset_name(sys),
           defaults ? "defaults" : "T only", t[32], t[60]);
    explorer_free(&ex);
}

/* Keys on steps not visited before, after an open, as the terminal makes
 * them (threaded, async: a key returns at once, its result arrives on a
 * worker's wake-up): the process's CPU per key until the result is shown,
 * in ms: the first, the median of the next 9 and of 10 more. drained: the
 * background work (explorer_work: its warm-up, the sequence numbers) runs
 * to the end before the first key, as after a moment's pause. */
static double process_cpu_ms(void);

static void first_visits(uint32_t V, enum preset sys, int drained)
{
    struct explorer ex;
    explorer_init(&ex);
    ex.threaded = ex.async = 1;
    struct source *s;
    struct ls_error err = {0};
    if (source_synthetic(V, 32, 1, &s, &err) || explorer_set_source(&ex, s, &err)) {
        ls_error_print(&err, stderr);
        return;
    }
    set_system(&ex, sys, 1);
    explorer_update(&ex);   /* a new source's first result: waited for */
    while (drained && (explorer_work(&ex, 1000000L) & EX_BUSY)) ;
    double t[20];
    for (int i = 0; i < 20; i++) {
        explorer_move_step(&ex, 1);
        double t0 = process_cpu_ms();
        explorer_update(&ex);
        while (explorer_result_pending(&ex)) {
            if (!explorer_result_ready(&ex)) ex_wake_wait(250);
            explorer_update(&ex);
        }
        t[i] = process_cpu_ms() - t0;
    }
    qsort(t + 1, 9, sizeof *t, cmp_d);
    qsort(t + 10, 10, sizeof *t, cmp_d);
    printf("  V=%-6u %-9s first visits, background %s: first %6.2f ms, next 9 median %5.2f max %5.2f, "
           "10 more median %5.2f max %5.2f (process CPU)\n", V, preset_name(sys), drained ? "drained " : "left    ",
           t[0], t[5], t[9], t[15], t[19]);
    explorer_free(&ex);
}

/* Background work until done (the sequence numbers with `seq`, else the
 * evaluators), slice by slice as the app runs it (app.c): the main
 * thread's CPU per slice (what a key may wait behind); with workers
 * (threaded, async, slice_nowait: the terminal's explorer) a slice that
 * leaves a worker running returns EX_WAIT and the bench sleeps on the
 * wake-up pipe outside the slice, as the loop's poll does. Also the wall
 * clock and the process's CPU (main thread and workers) of the whole. */
struct drained { double main_ms, max_slice, wall_ms, proc_ms; int slices, max_at, over2; };

static double process_cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static void drain(struct explorer_eval *xe, struct explorer *ex, long slice_ns, int seq, struct drained *d)
{
    memset(d, 0, sizeof *d);
    double w0 = clock_s() * 1e3, p0 = process_cpu_ms();
    for (;;) {
        double t0 = clock_thread_ms();
        unsigned fl = seq ? explorer_work(ex, slice_ns) : explorer_eval_work(xe, ex, slice_ns);
        double t = clock_thread_ms() - t0;
        d->main_ms += t;
        if (t > d->max_slice) { d->max_slice = t; d->max_at = d->slices; }
        d->over2 += t > 2.0;   /* the bound */
        d->slices++;
        if (!(fl & EX_BUSY)) break;
        if (fl & EX_WAIT) ex_wake_wait(250);
    }
    d->wall_ms = clock_s() * 1e3 - w0;
    d->proc_ms = process_cpu_ms() - p0;
}

static void drained_line(uint32_t steps, uint32_t V, enum preset sys, const char *what, const char *part,
                         const struct drained *d)
{
    printf("  [%u, %u] %s %s: %-28s main thread %6.0f ms CPU in %5d slices, max slice %5.2f ms (#%d), %d over 2 ms; "
           "%6.0f ms wall, %6.0f ms CPU all threads\n", steps, V, preset_name(sys), what, part, d->main_ms,
           d->slices, d->max_slice, d->max_at, d->over2, d->wall_ms, d->proc_ms);
}

/* threaded: as the terminal's explorer (every chain run on a worker);
 * else as scripts and outputs (everything on this thread) */
static void background(uint32_t V, uint32_t steps, enum preset sys, int defaults, long slice_ns, int threaded)
{
    struct explorer ex;
    explorer_init(&ex);
    ex.threaded = ex.async = ex.slice_nowait = threaded;
    struct source *s;
    struct ls_error err = {0};
    if (source_synthetic(V, steps, 1, &s, &err) || explorer_set_source(&ex, s, &err)) {
        ls_error_print(&err, stderr);
        return;
    }
    set_system(&ex, sys, defaults);
    struct explorer_eval xe;
    explorer_eval_init(&xe);
    explorer_update_whole(&ex);
    explorer_eval_update(&xe, &ex);
    struct drained d;
    const char *what = defaults ? "defaults" : "all off";
    char part[64];
    drain(&xe, &ex, slice_ns, 1, &d);
    drained_line(steps, V, sys, what, "sequence numbers", &d);
    drain(&xe, &ex, slice_ns, 0, &d);
    drained_line(steps, V, sys, what, "evaluators", &d);
    explorer_eval_sweep_set(&xe, NULL);
    drain(&xe, &ex, slice_ns, 0, &d);
    snprintf(part, sizeof part, "sweep view (%d temperatures)", xe.n_temps);
    drained_line(steps, V, sys, what, part, &d);
    explorer_eval_free(&xe);
    explorer_free(&ex);
}

/* src's steps as a [steps, V] float32 .npy at a mkstemp path: 0 or -1 */
static int write_npy(struct source *src, char *path)
{
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    int bad = npy_write_source(fd, src, NULL, NULL);
    return close(fd) || bad ? -1 : 0;
}

/* The comparison view (:compare) of two synthetic [steps, V] files: its
 * per-step divergence, slice by slice as the app runs it. */
static void compare_view(uint32_t V, uint32_t steps, long slice_ns, int threaded)
{
    char pa[] = "/tmp/bench_xdiff_a_XXXXXX", pb[] = "/tmp/bench_xdiff_b_XXXXXX", cmd[64];
    struct source *s[2] = { NULL, NULL };
    struct ls_error err = {0};
    int bad = 0;
    for (int k = 0; k < 2 && !bad; k++)
        bad = source_synthetic(V, steps, (uint64_t)k + 1, &s[k], &err) || write_npy(s[k], k ? pb : pa);
    for (int k = 0; k < 2; k++) if (s[k]) source_close(s[k]);
    struct explorer ex;
    struct explorer_eval xe;
    explorer_init(&ex);
    explorer_eval_init(&xe);
    ex.threaded = ex.async = ex.slice_nowait = threaded;
    snprintf(cmd, sizeof cmd, "compare %s", pb);
    if (!bad && !explorer_open(&ex, pa, &err)) {
        explorer_update_whole(&ex);
        xe.live = 1;   /* no evaluator scores: the comparison alone */
        explorer_eval_command(&xe, &ex, cmd);
        struct drained d;
        drain(&xe, &ex, slice_ns, 0, &d);
        drained_line(steps, V, PRESET_HF, "raw", "comparison view", &d);
    }
    explorer_eval_free(&xe);
    explorer_free(&ex);
    unlink(pa);
    unlink(pb);
}

int main(void)
{
    const char *sl = getenv("BENCH_SLICE_NS"), *only = getenv("BENCH_PRESET");
    long slice_ns = sl && *sl ? strtol(sl, NULL, 10) : 1000000L;   /* WORK_SLICE_NS */
    uint32_t steps = getenv("BENCH_STEPS") ? (uint32_t)strtoul(getenv("BENCH_STEPS"), NULL, 10) : 256;
    enum preset want = PRESET_CUSTOM;
    if (only && *only && !preset_parse(only, &want)) want = PRESET_CUSTOM;
    const char *just = getenv("BENCH_ONLY");
    const int script_only = just && !strcmp(just, "script");
    const int bg_only = script_only || (just && !strcmp(just, "bg"));
    printf("explorer per step (CPU time), each system's defaults: needs = chain with raw lse and entropies, top 25,\n"
           "recorded rank; update = explorer_update after a step move (also samples, marks, scores)\n");
    static const uint32_t Vs[] = { 131072, 262144 };
    for (int i = 0; i < 2 && !bg_only; i++)
        for (int s = PRESET_HF; s <= PRESET_VLLM; s++)
            if (want == PRESET_CUSTOM || want == (enum preset)s) per_step(Vs[i], (enum preset)s);
    if (bg_only) goto background_rows;
    if (just && !strcmp(just, "needs")) return 0;
    printf("explorer key on the same step (explorer_update after a temperature change; CPU time):\n");
    for (int s = PRESET_HF; s <= PRESET_VLLM; s++)
        if (want == PRESET_CUSTOM || want == (enum preset)s) {
            per_key(262144, (enum preset)s, 0);
            per_key(262144, (enum preset)s, 1);
        }
background_rows:
    if (!script_only) printf("explorer first visits after an open (as the terminal: threaded, async):\n");
    for (int s = PRESET_HF; s <= PRESET_VLLM && !script_only; s++)
        if (want == PRESET_CUSTOM || want == (enum preset)s)
            for (int drained = 0; drained < 2; drained++) first_visits(262144, (enum preset)s, drained);
    for (int threaded = !script_only; threaded >= 0; threaded--) {
        printf("explorer background work (slice budget %.1f ms; %s):\n", (double)slice_ns * 1e-6,
               threaded ? "as the terminal: chain runs on workers, the main thread reads steps"
                        : "as scripts and outputs: all on the main thread");
        if (want == PRESET_CUSTOM || want == PRESET_HF) background(262144, steps, PRESET_HF, 0, slice_ns, threaded);
        if (want == PRESET_CUSTOM || want == PRESET_LLAMACPP)
            background(262144, steps, PRESET_LLAMACPP, 1, slice_ns, threaded);
        compare_view(262144, 32, slice_ns, threaded);
    }
    return 0;
}
