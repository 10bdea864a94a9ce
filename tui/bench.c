/* bench.c: `logitscope --bench-frames [N]`: the time from a key to its
 * frames at V = 262144 (make bench; issue 9's target: key-to-frame p95 <=
 * 2 ms, no background slice over 2 ms).
 *
 * A synthetic 8-step source (core/synth_source.h) is opened in an explorer
 * drawn at 100x30 on /dev/null (the same frame path as the terminal: update,
 * layout, every panel, blit, doupdate), async as in the terminal (the key's
 * chain run goes to the worker, explorer_job.h; LS_BENCH_SYNC=1: every
 * frame waits for it, as scripts and the explorer before issue 9 did;
 * LS_BENCH_GRACE_NS=NS: another JOB_GRACE_NS, explorer.h job_grace_ns). N
 * keys cycle through parameter changes and step moves; each is timed twice
 * from dispatch: key-to-frame, until the key's own frame is on the screen
 * (what the user sees first: the new settings, the previous result and
 * "computing..."), and key-to-result, until the frame that shows the key's
 * chain result (found on the worker's wake-up, as the terminal's loop
 * does: explorer_wake.h). CPU time: the main thread's for key-to-frame,
 * the process's (main and workers) for key-to-result; key-to-frame CPU
 * also by kind (parameter change, step move, view only).
 * The background work is timed separately per slice (WORK_SLICE_NS, the
 * app's budget): it runs only while no key waits, so it adds at most one
 * slice to a key's latency. It starts with whatever history the keys left
 * to it (a key never runs the chain on an earlier step: mirostat's state,
 * explorer.h replay_budget_ns), then the sequence numbers, the evaluators
 * and the sweep view (drain_background); slices are the main thread's CPU
 * time, the chain runs' workers counted apart. */
#include "app.h"
#include "base/clock.h"
#include "actions.h"
#include "bindings.h"
#include "keys.h"
#include "screen.h"
#include "explorer/explorer_wake.h"
#include "input/synth_source.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* LS_BENCH_TRACE=1: one line per key on stderr (the key, the chain, the
 * step, the model's ms, the key's CPU ms and every parameter not off), to
 * see which settings the slow keys ran */
static void trace_key(const struct app *a, long i, const char *key, double ms, double res_ms, double cpu,
                      double cpu_res)
{
    const struct explorer *ex = &a->ex;
    fprintf(stderr, "%ld %s %s step=%u focus=%d frame=%.3f result=%.3f cpu=%.3f cpu_result=%.3f%s ", i, key,
            preset_name(ex->chain.preset), ex->step, ex->focus_param, ms, res_ms, cpu, cpu_res,
            ex->hist_pending ? " history-pending" : "");
    for (int q = 0; q < PARAM__COUNT; q++)
        if (!param_is_off(&ex->params, (enum param_id)q))
            fprintf(stderr, " %s=%g", param_name((enum param_id)q), param_get(&ex->params, (enum param_id)q));
    fprintf(stderr, "\n");
}

/* What a key did, for the per-kind figures: a parameter or chain change
 * on the same step (the chain reruns on the kept raw softmax), a step move
 * (a new step read and run), or neither (focus, scale: a frame only). */
enum { KIND_PARAM = 0, KIND_STEP, KIND_VIEW, KIND__COUNT };
static const char *const kind_name[KIND__COUNT] = { "parameter change", "step move", "view only" };

/* mean, median, p95 and max of n values (sorted here) */
static void stats_line(const char *what, double *v, long n)
{
    if (n <= 0) return;
    double sum = 0;
    for (long i = 0; i < n; i++) sum += v[i];
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    printf("  %-52s mean %7.3f  median %7.3f  p95 %7.3f  max %8.3f ms  (%ld keys)\n", what, sum / (double)n,
           v[n / 2], v[(n * 95) / 100], v[n - 1], n);
}

static double process_cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* The background work as the terminal's loop does it (app.c): the
 * history the keys left, the sequence numbers, the evaluators' scores of
 * the current setting, then the sweep view, timed per slice with the
 * app's budget. A slice never sleeps (slice_nowait): when what is left
 * runs on a worker (EX_WAIT) the bench sleeps on the wake-up pipe, as the
 * loop's poll does, outside the slice. Per phase: the main thread's CPU
 * per slice (what a key may wait behind) and its wall clock, the phase's
 * wall clock and the process's CPU (main thread and workers). */
enum { PH_HIST = 0, PH_SEQ, PH_EVAL, PH_SWEEP, PH__COUNT };
static const char *const ph_name[PH__COUNT] = { "history the keys left", "sequence numbers", "evaluators",
                                                "sweep view" };
struct slices { int n; double cpu_max, wall_max, cpu_sum, wall, proc; };

static void slice_line(const char *what, const struct slices *s)
{
    if (s->n) printf("  %-22s %5d slices, max %6.3f ms CPU main thread, %6.3f ms wall; main %8.1f ms CPU; "
                     "phase %8.1f ms wall, %8.1f ms CPU all threads\n", what, s->n, s->cpu_max, s->wall_max,
                     s->cpu_sum, s->wall, s->proc);
}

static unsigned bench_slice(struct app *a, int ph)
{
    if (ph <= PH_SEQ) return explorer_work(&a->ex, WORK_SLICE_NS);
    unsigned fl = explorer_work(&a->ex, WORK_SLICE_NS);   /* the app's order: these first */
    return fl & EX_BUSY ? fl : fl | explorer_eval_work(&a->ev, &a->ex, WORK_SLICE_NS);
}

/* a phase's slices (the history's apart, while it is pending), each
 * with the sleep after it, into q0 */
static void drain_phase(struct app *a, int ph, struct slices *q0)
{
    for (;;) {
        struct slices *q = &q0[ph <= PH_SEQ && a->ex.hist_pending ? PH_HIST : ph];
        double t0 = clock_thread_ms(), tw = clock_s() * 1e3, p0 = process_cpu_ms();
        unsigned fl = bench_slice(a, ph);
        double d = clock_thread_ms() - t0, dw = clock_s() * 1e3 - tw;
        q->cpu_sum += d; q->n++;
        if (d > q->cpu_max) q->cpu_max = d;
        if (dw > q->wall_max) q->wall_max = dw;
        if (fl & EX_BUSY && fl & EX_WAIT) ex_wake_wait(250);   /* the loop's poll (no key comes here) */
        q->wall += clock_s() * 1e3 - tw;
        q->proc += process_cpu_ms() - p0;
        if (!(fl & EX_BUSY)) break;
    }
}

static void drain_background(struct app *a, uint32_t steps)
{
    struct slices ph[PH__COUNT] = {{0}};
    double w0 = clock_s() * 1e3, p0 = process_cpu_ms();
    drain_phase(a, PH_SEQ, ph);            /* the history first, then the sequence numbers */
    explorer_eval_update(&a->ev, &a->ex);
    drain_phase(a, PH_EVAL, ph);
    explorer_eval_sweep_set(&a->ev, NULL);
    drain_phase(a, PH_SWEEP, ph);
    printf("background work for %u steps (%.1f ms budget; %s):\n", steps, (double)WORK_SLICE_NS * 1e-6,
           a->ex.async && a->ex.threaded ? "the chain runs on workers, the main thread reads steps"
                                         : "all on the main thread");
    for (int i = 0; i < PH__COUNT; i++) slice_line(ph_name[i], &ph[i]);
    printf("  in all %.3f ms wall, %.3f ms CPU (all threads)\n", clock_s() * 1e3 - w0, process_cpu_ms() - p0);
}

struct bench_keys {
    long n;
    double *frame, *result, *cpu_frame, *cpu_result;   /* n each */
    double *by_kind[KIND__COUNT];
    long n_kind[KIND__COUNT];
};

/* Until the key's chain result is drawn, as the terminal's loop does it:
 * asleep until the worker's wake-up (explorer_wake.h), a frame when the
 * result is there. */
static void await_result(struct app *a)
{
    while (explorer_result_pending(&a->ex)) {
        if (explorer_result_ready(&a->ex)) { app_frame(a); continue; }
        ex_wake_wait(250);
    }
}

static void run_keys(struct app *a, struct bench_keys *k, int trace)
{
    /* keys: temperature up/down, top-p down/up, top-k, steps, scale */
    static const char *const script[] = {
        "+", "+", "-", "j", "j", "-", "-", "+", "k", "k", "k", "+", "<Right>", "l", "l", "h", "s", "<S-Left>", "<S-Right>", "k",
    };
    const size_t ns = sizeof script / sizeof script[0];
    for (long i = 0; i < k->n; i++) {
        const char *p = script[(size_t)i % ns];
        int key = keys_parse(&p);
        uint32_t step = a->ex.step;
        double t0 = clock_s() * 1e3, c0 = clock_thread_ms(), pc0 = process_cpu_ms();
        unsigned fl = app_key(a, key);
        app_frame(a);              /* the key's own frame: update (the job handed over), panels, doupdate */
        k->frame[i] = clock_s() * 1e3 - t0;
        k->cpu_frame[i] = clock_thread_ms() - c0;
        await_result(a);           /* the frame showing the key's chain result */
        k->result[i] = clock_s() * 1e3 - t0;
        k->cpu_result[i] = process_cpu_ms() - pc0;
        int kind = a->ex.step != step ? KIND_STEP : (fl & EX_RECOMPUTE) == EX_RECOMPUTE ? KIND_PARAM : KIND_VIEW;
        k->by_kind[kind][k->n_kind[kind]++] = k->cpu_frame[i];
        if (trace) trace_key(a, i, script[(size_t)i % ns], k->frame[i], k->result[i], k->cpu_frame[i], k->cpu_result[i]);
    }
}

static void report_keys(struct bench_keys *k, uint32_t V, int async)
{
    long n = k->n;
    printf("keys at V=%u (100x30, %ld keys: parameter changes and step moves; %s)\n", V, n,
           async ? "the chain runs on the worker, the key's frame does not wait"
                 : "LS_BENCH_SYNC: every frame waits for the chain, as scripts do");
    printf("wall clock:\n");
    stats_line("key-to-frame (the key's own frame; target p95 <= 2)", k->frame, n);
    stats_line("key-to-result (until the frame with its result)", k->result, n);
    printf("CPU time (robust to a busy machine):\n");
    stats_line("key-to-frame, main thread", k->cpu_frame, n);
    stats_line("key-to-result, both threads", k->cpu_result, n);
    printf("key-to-frame CPU by kind (main thread):\n");
    for (int j = 0; j < KIND__COUNT; j++) stats_line(kind_name[j], k->by_kind[j], k->n_kind[j]);
}

int bench_frames(int argc, char **argv)
{
    const int trace = getenv("LS_BENCH_TRACE") != NULL;
    long n = argc >= 2 ? strtol(argv[1], NULL, 10) : 200;
    if (n < 10 || n > 100000) n = 200;
    const uint32_t V = 262144, steps = 8;
    static struct app a;
    app_init(&a);
    struct source *s;
    struct ls_error err = {0};
    if (source_synthetic(V, steps, 1, &s, &err) || explorer_set_source(&a.ex, s, &err)) {
        ls_error_print(&err, stderr);
        return err.code;
    }
    setenv("LINES", "30", 1);
    setenv("COLUMNS", "100", 1);
    a.null_screen = 1;
    a.ex.async = getenv("LS_BENCH_SYNC") == NULL;   /* the terminal's (app_start) */
    a.ex.slice_nowait = a.ex.async;
    if (getenv("LS_BENCH_GRACE_NS")) a.ex.job_grace_ns = strtol(getenv("LS_BENCH_GRACE_NS"), NULL, 10);
    if (bindings_init(&actions_builtin) || screen_open(SCREEN_NULL, 0)) return 70;
    app_frame(&a);
    struct bench_keys k = { .n = n };
    double *buf = malloc((size_t)n * (4 + KIND__COUNT) * sizeof *buf);
    if (!buf) return 5;
    k.frame = buf; k.result = buf + n; k.cpu_frame = buf + 2 * n; k.cpu_result = buf + 3 * n;
    for (int j = 0; j < KIND__COUNT; j++) k.by_kind[j] = buf + (4 + j) * n;
    run_keys(&a, &k, trace);
    report_keys(&k, V, a.ex.async);
    drain_background(&a, steps);
    screen_close();
    free(buf);
    app_free(&a);
    return 0;
}
