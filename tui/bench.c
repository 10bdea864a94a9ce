/* bench.c: `logitscope --bench-frames [N]`: the time from a key to a
 * finished frame at V = 262144 (make bench; target under 5 ms).
 *
 * A synthetic 8-step source (core/synth_source.h) is opened in an explorer
 * drawn at 100x30 on /dev/null (the same frame path as the terminal: update,
 * layout, every panel, blit, doupdate). N keys cycle through parameter
 * changes and step moves; each is timed from dispatch to doupdate's return.
 * The background sequence work is timed separately per slice: it runs only
 * while no key waits, so it adds at most one slice to a key's latency.
 * Each key is also timed in this thread's CPU time (a busy machine
 * stretches the wall clock), and the slices are CPU time. */
#include "app.h"
#include "base/clock.h"
#include "actions.h"
#include "bindings.h"
#include "keys.h"
#include "screen.h"
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
 * step, the model's ms, the key's CPU ms and every parameter not off), to see which
 * settings the slow keys ran */
static void trace_key(const struct app *a, long i, const char *key, double ms, double cpu)
{
    const struct explorer *ex = &a->ex;
    fprintf(stderr, "%ld %s %s step=%u focus=%d %.3f cpu=%.3f ", i, key, preset_name(ex->chain.preset), ex->step,
            ex->focus_param, ms, cpu);
    for (int q = 0; q < PARAM__COUNT; q++)
        if (!param_is_off(&ex->params, (enum param_id)q))
            fprintf(stderr, " %s=%g", param_name((enum param_id)q), param_get(&ex->params, (enum param_id)q));
    fprintf(stderr, "\n");
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
    if (bindings_init(&actions_builtin) || screen_open(SCREEN_NULL, 0)) return 70;
    app_frame(&a);
    /* keys: temperature up/down, top-p down/up, top-k, steps, scale */
    static const char *const script[] = {
        "+", "+", "-", "j", "j", "-", "-", "+", "k", "k", "k", "+", "<Right>", "l", "l", "h", "s", "<S-Left>", "<S-Right>", "k",
    };
    const size_t ns = sizeof script / sizeof script[0];
    double *t = malloc((size_t)n * sizeof *t), *tm = malloc((size_t)n * sizeof *tm), *tc = malloc((size_t)n * sizeof *tc);
    if (!t || !tm || !tc) return 5;
    for (long i = 0; i < n; i++) {
        const char *p = script[(size_t)i % ns];
        int key = keys_parse(&p);
        double t0 = (clock_s() * 1e3), c0 = clock_thread_ms();
        app_key(&a, key);
        explorer_update(&a.ex);   /* the model: chain run, samples, scores */
        double t1 = (clock_s() * 1e3);
        app_frame(&a);            /* layout, panels, blit, doupdate */
        t[i] = (clock_s() * 1e3) - t0;
        tc[i] = clock_thread_ms() - c0;
        tm[i] = t1 - t0;
        if (trace) trace_key(&a, i, script[(size_t)i % ns], tm[i], tc[i]);
    }
    /* background sequence work: slice times with the app's budget */
    double slice_max = 0, slice_sum = 0;
    int slices = 0;
    for (;;) {
        double t0 = clock_thread_ms();
        int more = (explorer_work(&a.ex, WORK_SLICE_NS) & EX_BUSY) != 0;
        double d = clock_thread_ms() - t0;
        slice_sum += d; slices++;
        if (d > slice_max) slice_max = d;
        if (!more) break;
    }
    screen_close();
    double sum = 0, msum = 0, csum = 0;
    for (long i = 0; i < n; i++) { sum += t[i]; msum += tm[i]; csum += tc[i]; }
    double draw_mean = (sum - msum) / (double)n;
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    qsort(tm, (size_t)n, sizeof *tm, cmp_d);
    qsort(tc, (size_t)n, sizeof *tc, cmp_d);
    printf("key-to-frame at V=%u (100x30, %ld keys: parameter changes and step moves)\n", V, n);
    printf("  mean %.3f ms  median %.3f ms  p95 %.3f ms  max %.3f ms  (target < 5 ms)\n",
           sum / (double)n, t[n / 2], t[(n * 95) / 100], t[n - 1]);
    printf("  of which the model (chain run on the step, samples, scores): mean %.3f ms  median %.3f ms  p95 %.3f ms;\n"
           "  drawing (layout, every panel, blit, doupdate): mean %.3f ms\n",
           msum / (double)n, tm[n / 2], tm[(n * 95) / 100], draw_mean);
    printf("  CPU time of the same (this thread; robust to a busy machine): mean %.3f ms  median %.3f ms  p95 %.3f ms"
           "  max %.3f ms\n", csum / (double)n, tc[n / 2], tc[(n * 95) / 100], tc[n - 1]);
    printf("background sequence work (CPU time): %d slices for %u steps, max slice %.3f ms, total %.3f ms\n",
           slices, steps, slice_max, slice_sum);
    free(t);
    free(tm);
    free(tc);
    app_free(&a);
    return 0;
}
