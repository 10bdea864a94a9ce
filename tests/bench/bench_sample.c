/* bench_sample.c: the per-step wall and CPU cost of `sample --all` (the
 * command itself, run in this process with its rows sent to /dev/null) on
 * 1 and 2 step workers and on its default (auto: up to one per CPU, as many
 * as the chains keep busy: base/step_pipe.h), against a read pass and the plain-pass floor on 1
 * and 2 workers, all in the same run.
 *
 *   read     source_read_step over every step (a copy), one thread
 *   floor    lend each step and make one vector pass over it
 *            (vm_count_nonfinite: touches every byte once), on 1 and on
 *            2 workers (base/step_pipe.h, as sample's workers read: in
 *            compute when the source's reads may run at once), lent
 *            by read (source.h SOURCE_LEND_READ, as sample lends); and on 1
 *            worker lent from a map made for the pass (a fresh process's:
 *            every page new to it)
 *   sample   `sample FILE --all` for the llama.cpp defaults (T 0.8, k 40,
 *            p 0.95, m 0.05) in each preset's order, hf T 0.7 top-p 0.9 (with hf's top-k 50 and without),
 *            vllm min-p 0.05, nothing truncated, mirostat 2, greedy; per step = (run - a one-step run) / steps,
 *            so opening the file and loading the vocabulary are not counted
 * Wall and CPU (every thread's) per step; the best of BENCH_REPS (3) runs.
 * The dump: BENCH_FILE (default /tmp/be.npy, with BENCH_VOCAB, default
 * /tmp/be.vocab) when it exists, else a synthetic [BENCH_STEPS (2048),
 * BENCH_V (131072)] float32 .npy written to /tmp and removed after.
 * Figures, never pass/fail. */
#include "base/clock.h"
#include "base/step_pipe.h"
#include "base/vmath.h"
#include "cli/commands.h"
#include "input/source.h"
#include "npy_write.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long env_ul(const char *k, unsigned long d)
{
    const char *v = getenv(k);
    return v && *v ? strtoul(v, NULL, 10) : d;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct cost { double wall, cpu; };
static struct cost best(struct cost a, struct cost b) { return a.wall <= b.wall ? a : b; }

/* ---- the floor: lend + one vector pass, on step_pipe workers ---- */
struct floor_ctx { struct source *s; enum source_lend_how how; const float *z[STEP_PIPE_MAX_WORKERS];
                   float *buf[STEP_PIPE_MAX_WORKERS]; size_t sink[STEP_PIPE_MAX_WORKERS]; };

static int floor_lend(struct floor_ctx *F, int w, uint32_t step)
{
    struct step_info si;
    struct ls_error err = {0};
    int rc = source_lend_into(F->s, step, F->buf[w], F->how, &F->z[w], &si, &err);
    if (rc) fprintf(stderr, "bench_sample: %s\n", err.msg);
    return rc;
}
/* as sample's workers: a source whose reads may run at once is read in
 * compute (source.h lend_concurrent), the others in turn */
static int floor_take(void *ctx, int w, uint32_t step)
{
    struct floor_ctx *F = ctx;
    return F->how == SOURCE_LEND_READ && F->s->lend_concurrent ? 0 : floor_lend(F, w, step);
}
static int floor_compute(void *ctx, int w, uint32_t step)
{
    struct floor_ctx *F = ctx;
    if (F->how == SOURCE_LEND_READ && F->s->lend_concurrent && floor_lend(F, w, step)) return 1;
    F->sink[w] += vm_count_nonfinite(F->z[w], F->s->vocab_size);
    return 0;
}
static int floor_commit(void *ctx, int w, uint32_t step) { (void)ctx; (void)w; (void)step; return 0; }

static struct cost floor_pass(struct source *s, int workers, int reads)
{
    static const struct step_pipe_ops ops = { floor_take, floor_compute, floor_commit };
    struct floor_ctx F = { .s = s, .how = reads ? SOURCE_LEND_READ : SOURCE_LEND_MAP };
    for (int w = 0; w < workers; w++) F.buf[w] = malloc((size_t)s->vocab_size * sizeof(float));
    double t0 = clock_s(), c0 = cpu_s();
    int failed;
    if (step_pipe_run(&ops, &F, workers, 0, s->n_steps, &failed)) exit(1);
    struct cost c = { clock_s() - t0, cpu_s() - c0 };
    for (int w = 0; w < workers; w++) free(F.buf[w]);
    return c;
}

/* the floor lent from a map made for it (a source opened for the pass) */
static struct cost floor_mapped(const char *file, const struct source_opts *so)
{
    struct source *s;
    struct ls_error err = {0};
    if (source_open(file, so, &s, &err)) { fprintf(stderr, "bench_sample: %s\n", err.msg); exit(1); }
    struct cost c = floor_pass(s, 1, 0);
    source_close(s);
    return c;
}

static struct cost read_pass(struct source *s)
{
    float *z = malloc((size_t)s->vocab_size * sizeof *z);
    struct step_info si;
    struct ls_error err = {0};
    double t0 = clock_s(), c0 = cpu_s(), sink = 0;
    for (uint32_t i = 0; i < s->n_steps; i++) {
        if (source_read_step(s, i, z, &si, &err)) { fprintf(stderr, "bench_sample: %s\n", err.msg); exit(1); }
        sink += z[i % s->vocab_size];
    }
    struct cost c = { clock_s() - t0, cpu_s() - c0 };
    free(z);
    if (sink == 12345.678) puts("");
    return c;
}

/* ---- the command: `sample FILE --vocab VOC ARGS... --threads T`, stdout to /dev/null ---- */
static struct cost run_sample(const char *file, const char *voc, const char *args, int threads, int one_step)
{
    char line[1024];
    char th[32] = ""; /* threads 0: the command's default (as many workers as pay) */
    if (threads) snprintf(th, sizeof th, " --threads %d", threads);
    snprintf(line, sizeof line, "sample %s%s%s %s%s %s", file, voc ? " --vocab " : "", voc ? voc : "",
             one_step ? "--step 0" : "--all", th, args);
    char *argv[40];
    int argc = 0;
    for (char *t = strtok(line, " "); t && argc < 39; t = strtok(NULL, " ")) argv[argc++] = t;
    argv[argc] = NULL;
    fflush(stdout);
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    close(null);
    double t0 = clock_s(), c0 = cpu_s();
    int rc = cli_cmd_sample.run(argc, argv, &cli_cmd_sample);
    fflush(stdout);
    struct cost c = { clock_s() - t0, cpu_s() - c0 };
    dup2(saved, 1);
    close(saved);
    if (rc) { fprintf(stderr, "bench_sample: sample %s: exit %d\n", args, rc); exit(1); }
    return c;
}

static void sample_rows(const char *file, const char *voc, uint32_t S, int reps, struct cost fl1, struct cost fl2)
{
    static const struct { const char *name, *args; } cfg[] = {
        {"llama.cpp defaults, llama.cpp order", "--defaults llama.cpp"},
        {"llama.cpp defaults, hf order", "--defaults llama.cpp --chain hf"},
        {"llama.cpp defaults, vllm order", "--defaults llama.cpp --chain vllm"},
        {"hf T 0.7 top-p 0.9 (top-k 50 stays)", "--defaults hf -t 0.7 --top-p 0.9"},
        {"hf T 0.7 top-p 0.9, no top-k", "--defaults hf -t 0.7 --top-p 0.9 --top-k 0"},
        {"vllm T 1 min-p 0.05", "--defaults vllm -t 1 --min-p 0.05"},
        {"llama.cpp T 1, nothing truncated", "--defaults llama.cpp -t 1 --top-k 0 --top-p 1 --min-p 0"},
        {"llama.cpp mirostat 2", "--defaults llama.cpp --mirostat 2"},
        {"hf greedy (T 0)", "--defaults hf -t 0"},
    };
    printf("  %-38s %-9s %9s %9s %8s %8s\n", "sample --all, per step (us)", "workers", "wall", "cpu", "/floor", "1w/this");
    for (size_t i = 0; i < sizeof cfg / sizeof *cfg; i++) {
        struct cost w1 = {0, 0};
        static const int order[3] = { 1, 2, 0 }; /* 0: the default, auto */
        for (int k = 0; k < 3; k++) {
            int t = order[k];
            struct cost b = { 1e30, 0 }, o = { 1e30, 0 };
            for (int r = 0; r < reps; r++) {
                b = best(b, run_sample(file, voc, cfg[i].args, t, 0));
                o = best(o, run_sample(file, voc, cfg[i].args, t, 1));
            }
            struct cost w = { (b.wall - o.wall) / S * 1e6, (b.cpu - o.cpu) / S * 1e6 };
            if (t == 1) w1 = w;
            /* auto: against the better floor (it runs on 1 or 2 workers) */
            const struct cost *fl = t == 1 ? &fl1 : t == 2 || fl2.wall < fl1.wall ? &fl2 : &fl1;
            printf("  %-38s %-9s %9.1f %9.1f %7.2fx", k == 0 ? cfg[i].name : "", t == 1 ? "1" : t == 2 ? "2" : "auto",
                   w.wall, w.cpu, w.wall / (fl->wall / S * 1e6));
            if (t != 1) printf(" %7.2fx", w1.wall / w.wall);
            printf("\n");
        }
    }
}

int main(void)
{
    const char *file = getenv("BENCH_FILE"), *voc = getenv("BENCH_VOCAB");
    char tmp[256] = "";
    if (!file) { file = "/tmp/be.npy"; voc = voc ? voc : "/tmp/be.vocab"; }
    if (access(file, R_OK)) {
        uint32_t S = (uint32_t)env_ul("BENCH_STEPS", 2048), V = (uint32_t)env_ul("BENCH_V", 131072);
        snprintf(tmp, sizeof tmp, "/tmp/logitscope_bench_sample_%ld.npy", (long)getpid());
        printf("bench_sample: writing a synthetic [%u, %u] float32 dump to %s\n", S, V, tmp);
        if (npy_write_synthetic(tmp, S, V)) { fprintf(stderr, "bench_sample: cannot write %s\n", tmp); unlink(tmp); return 1; }
        file = tmp;
        voc = NULL;
    }
    if (voc && access(voc, R_OK)) voc = NULL;
    struct source_opts so = {0};
    so.vocab_path = voc;
    struct source *s;
    struct ls_error err = {0};
    if (source_open(file, &so, &s, &err)) { fprintf(stderr, "bench_sample: %s\n", err.msg); return 1; }
    uint32_t S = s->n_steps;
    int reps = (int)env_ul("BENCH_REPS", 3);
    struct cost rd = best(read_pass(s), read_pass(s)), f1 = best(floor_pass(s, 1, 1), floor_pass(s, 1, 1));
    struct cost f2 = best(floor_pass(s, 2, 1), floor_pass(s, 2, 1)), fm = best(floor_mapped(file, &so), floor_mapped(file, &so));
    printf("bench_sample: %s: [%u, %u] %s, %s vector path, %d CPUs\n", file, S, s->vocab_size, s->dtype,
           vm_path_name(), step_pipe_cpus());
    printf("  %-38s %-9s %9s %9s\n", "per step (us)", "workers", "wall", "cpu");
    printf("  %-38s %-9d %9.1f %9.1f\n", "read pass (source_read_step: a copy)", 1, rd.wall / S * 1e6, rd.cpu / S * 1e6);
    printf("  %-38s %-9d %9.1f %9.1f\n", "floor (lend by read + one pass)", 1, f1.wall / S * 1e6, f1.cpu / S * 1e6);
    printf("  %-38s %-9d %9.1f %9.1f\n", "", 2, f2.wall / S * 1e6, f2.cpu / S * 1e6);
    printf("  %-38s %-9d %9.1f %9.1f\n", "floor, lent from a new map", 1, fm.wall / S * 1e6, fm.cpu / S * 1e6);
    source_close(s);
    sample_rows(file, voc, S, reps, f1, f2);
    if (*tmp) unlink(tmp);
    return 0;
}
