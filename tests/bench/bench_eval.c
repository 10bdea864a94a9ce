/* bench_eval.c: time of `eval` and `sweep` over a [2048, 131072] float32
 * dump, and the same as a ratio to one plain read pass over the file,
 * measured in the same run.
 *
 * The dump is written to /tmp as a .npy (about 1 GiB) with a one-token-per-
 * line vocabulary beside it, opened through source_open (the .npy loader
 * reads each step in place with pread), then:
 *   read    one pass of source_read_step over every step (page cache warm:
 *           the best of two passes)
 *   eval    eval_source: 1 setting (T = 0.7, top-p 0.95), N = 200
 *           continuations, every evaluator (JSON and regex on the texts)
 *   sweep   eval_source: 4 settings (T = 0, 0.4, 0.7, 1.0), N = 200, one pass
 * eval and sweep run on 1 step worker and on one per CPU (eval_steps.c;
 * the numbers are the same, checked here), each also as CPU time per step
 * (every thread's; robust to a busy machine, unlike the wall ratios), then the same dump as float16
 * .npy and as bfloat16 .safetensors: read pass and eval, per byte against
 * float32; then the scaling table: read, sample --all and eval per token at
 * V = 32000, 131072, 262144 and 256, 2048 steps (BENCH_SCALE=0: skipped).
 * Right after the read pass, the arithmetic floor (floor_table): the
 * bits-defining exp passes alone against each goal's budget.
 * Figures, never pass/fail. Environment: BENCH_STEPS, BENCH_V to change the
 * shape, BENCH_N for N, BENCH_THREADS for eval_config.threads, BENCH_KEEP=1 to keep the files,
 * BENCH_SAMPLE_ONLY=1 for the read, floor and sample figures only, BENCH_EVAL_ONLY=1 for the read,
 * floor, eval, sweep and per-byte figures only. .npy files carry no
 * recorded tokens, so the perplexity family is n/a here (its cost is a few
 * operations per step). */
#include "eval/eval.h"
#include "sampling/draw.h"
#include "base/clock.h"
#include "base/rng.h"
#include "input/source.h"
#include "base/vmath.h"
#include "npy_write.h"

#include <math.h>
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

/* A realistic-ish step: a Zipf-like tail (z = -1.1 ln(rank) + noise) over a
 * per-step permutation, approximated cheaply by hashing ids into ranks. */
static void gen_step(float *z, uint32_t V, uint32_t step, struct rng *g)
{
    uint64_t salt = (uint64_t)step * 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < V; i++) {
        uint64_t h = (i + 1) * 0xBF58476D1CE4E5B9ull ^ salt;
        h ^= h >> 31;
        double r = (double)(h % V) + 1.0;
        double noise = (rng_uniform(g) - 0.5) * 0.5;
        z[i] = (float)(-1.1 * log(r) + noise);
    }
    z[(step * 7919u) % V] = 3.0f;    /* a likely top token (p ~ 0.6 at T = 1) */
}

/* IEEE half and bfloat16 of a float (round to nearest even; the bench's
 * logits are small and finite) */
static uint16_t to_f16(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    uint32_t sign = (u >> 16) & 0x8000u, e = (u >> 23) & 0xff, m = u & 0x7fffffu;
    int ee = (int)e - 127 + 15;
    if (ee <= 0) return (uint16_t)sign; /* tiny: zero (none in this data) */
    uint32_t h = ((uint32_t)ee << 10) | (m >> 13), rest = m & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) h++;
    return (uint16_t)(sign | h);
}
static uint16_t to_bf16(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

/* the rows as float32 or float16 (.npy) or bfloat16 (.safetensors) */
enum { DT_F32, DT_F16, DT_BF16 };
static int write_header(FILE *f, int dt, uint32_t S, uint32_t V)
{
    if (dt == DT_BF16) {
        char js[256];
        int n = snprintf(js, sizeof js, "{\"logits\":{\"dtype\":\"BF16\",\"shape\":[%u,%u],\"data_offsets\":[0,%llu]}}",
                         S, V, (unsigned long long)S * V * 2);
        while (n % 8) js[n++] = ' ';
        unsigned char len[8] = {0};
        for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)n >> (8 * i));
        fwrite(len, 1, 8, f);
        fwrite(js, 1, (size_t)n, f);
        return 0;
    }
    char h[NPY_HDR_MAX];
    int n = npy_header(h, dt == DT_F16 ? "<f2" : "<f4", 0, S, V);
    return n < 0 || fwrite(h, 1, (size_t)n, f) != (size_t)n ? -1 : 0;
}

static int write_dump(const char *path, int dt, uint32_t S, uint32_t V)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    if (write_header(f, dt, S, V)) { fclose(f); return -1; }
    float *z = malloc((size_t)V * sizeof *z);
    uint16_t *h = malloc((size_t)V * sizeof *h);
    if (!z || !h) { free(z); free(h); fclose(f); return -1; }
    struct rng g;
    rng_seed(&g, 2026);
    int bad = 0;
    for (uint32_t s = 0; s < S && !bad; s++) {
        gen_step(z, V, s, &g);
        if (dt == DT_F32) { bad = fwrite(z, sizeof *z, V, f) != V; continue; }
        for (uint32_t i = 0; i < V; i++) h[i] = dt == DT_F16 ? to_f16(z[i]) : to_bf16(z[i]);
        bad = fwrite(h, sizeof *h, V, f) != V;
    }
    free(z);
    free(h);
    return fclose(f) || bad ? -1 : 0;
}

static int write_vocab(const char *path, uint32_t V)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    static const char *const pieces[] = { "{", "}", "\"", ":", ",", " ", "a", "1" };
    for (uint32_t i = 0; i < V; i++) {
        /* the first line must not look like JSON to the vocab detector */
        if (i >= 8 && i < 16) fprintf(f, "%s\n", pieces[i - 8]);
        else fprintf(f, "t%u\n", i);
    }
    return fclose(f);
}

static double read_pass(struct source *s, float *z)
{
    struct step_info si;
    struct ls_error err = {0};
    double t0 = clock_s(), sink = 0;
    for (uint32_t i = 0; i < s->n_steps; i++) {
        if (source_read_step(s, i, z, &si, &err)) { fprintf(stderr, "read: %s\n", err.msg); exit(1); }
        sink += z[i % s->vocab_size];
    }
    double t = clock_s() - t0;
    if (sink == 12345.678) puts("");
    return t;
}

/* The floor of a step: lend it (source_lend_into, read into a buffer, as
 * sample --all and eval read: source.h SOURCE_LEND_READ) and make one vector
 * pass over it (the non-finite count: a load, a subtract, a compare per
 * lane), touching every byte once: what the copy and memory bandwidth
 * cost before any sampling. */
static double floor_pass(struct source *s)
{
    struct step_info si;
    struct ls_error err = {0};
    size_t sink = 0;
    double t0 = clock_s();
    for (uint32_t i = 0; i < s->n_steps; i++) {
        const float *z;
        if (source_lend_into(s, i, NULL, SOURCE_LEND_READ, &z, &si, &err)) {
            fprintf(stderr, "lend: %s\n", err.msg);
            exit(1);
        }
        sink += vm_count_nonfinite(z, s->vocab_size);
    }
    double t = clock_s() - t0;
    if (sink == 12345) puts("");
    return t;
}

/* What `sample --all` does per step: lend the step (read into a buffer,
 * as sample_steps.c asks: source.h SOURCE_LEND_READ), run the chain for a draw
 * only (CHAIN_WANT_DRAW), draw one token. Returns seconds. */
static double sample_pass(struct source *s, const struct chain *ch, const struct params *pr)
{
    struct chain_ws ws;
    struct chain_result r;
    struct step_info si;
    struct ls_error err = {0};
    double *cum = malloc((size_t)s->vocab_size * sizeof *cum);
    struct rng g;
    rng_seed(&g, 42);
    chain_ws_init(&ws, s->vocab_size);
    chain_result_init(&r, s->vocab_size);
    ws.want = CHAIN_WANT_DRAW;
    long sink = 0;
    double t0 = clock_s();
    for (uint32_t i = 0; i < s->n_steps; i++) {
        const float *z;
        if (source_lend_into(s, i, NULL, SOURCE_LEND_READ, &z, &si, &err) ||
            chain_run(ch, pr, z, s->vocab_size, &ws, &r, &err)) {
            fprintf(stderr, "sample: %s\n", err.msg);
            exit(1);
        }
        struct draw_cdf d = draw_cdf_build(&r, cum);
        sink += draw_token(&d, &g);
    }
    double t = clock_s() - t0;
    if (sink == -12345) puts("");
    chain_ws_free(&ws);
    chain_result_free(&r);
    free(cum);
    return t;
}

/* sample --all per step for each preset's defaults-like chain, system and
 * exact, against the read pass and the floor (floor_pass) */
static void sample_table(struct source *s, double rd)
{
    static const struct { const char *name; enum preset ps; double T; int32_t k; double p, m; } cfg[] = {
        {"llama.cpp defaults 0.8/40/0.95/0.05", PRESET_LLAMACPP, 0.8, 40, 0.95, 0.05},
        {"  the same in hf's order", PRESET_HF, 0.8, 40, 0.95, 0.05},
        {"  the same in vllm's order", PRESET_VLLM, 0.8, 40, 0.95, 0.05},
        {"hf T0.7 top-p 0.9 (no top-k)", PRESET_HF, 0.7, 0, 0.9, 0},
        {"vllm T1.0 min-p 0.05", PRESET_VLLM, 1.0, 0, 1.0, 0.05},
    };
    double f1 = floor_pass(s), f2 = floor_pass(s), fl = f1 < f2 ? f1 : f2;
    printf("  sample --all per step (lend + chain for a draw + draw), us; read pass %.1f us/step,\n"
           "  floor (lend + one vector pass over the step) %.1f us/step; %s vector path\n",
           rd / s->n_steps * 1e6, fl / s->n_steps * 1e6, vm_path_name());
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        for (int exact = 0; exact < 2; exact++) {
            struct chain ch;
            chain_preset(&ch, cfg[i].ps);
            ch.exact = exact;
            struct params pr = PARAMS_OFF;
            pr.temperature = cfg[i].T; pr.top_k = cfg[i].k; pr.top_p = cfg[i].p; pr.min_p = cfg[i].m;
            double t = sample_pass(s, &ch, &pr), t2 = sample_pass(s, &ch, &pr);
            if (t2 < t) t = t2;
            printf("    %-38s %-7s %8.1f us/step %6.2fx read %6.2fx floor\n", cfg[i].name, exact ? "exact" : "system",
                   t / s->n_steps * 1e6, t / rd, t / fl);
        }
    }
}

/* the process's CPU seconds (every thread): robust to other processes on
 * a busy machine, where wall time also counts their turns */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* this thread's CPU seconds (the floor's kernels alone) */
static double thread_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* one eval_source on `threads` step workers; seconds, CPU seconds into
 * *cpu (may be NULL), scores into *out */
static double timed_eval(struct source *s, const struct eval_settings *set, size_t n, uint32_t N, int threads,
                         struct eval_scores *out, double *cpu)
{
    struct eval_config cfg;
    eval_config_init(&cfg);
    cfg.n_samples = N;
    cfg.regex = "^\\{";
    cfg.threads = threads;
    struct eval_run *run;
    struct ls_error err = {0};
    double t0 = clock_s(), c0 = cpu_s();
    if (eval_source(s, &cfg, set, n, NULL, &run, &err)) { fprintf(stderr, "eval: %s\n", err.msg); exit(1); }
    double t = clock_s() - t0;
    if (cpu) *cpu = cpu_s() - c0;
    for (size_t k = 0; out && k < n; k++) out[k] = *eval_run_scores(run, k);
    eval_run_free(run);
    return t;
}

static void hf_settings(struct eval_settings *set, int sweep)
{
    static const double temps[4] = { 0, 0.4, 0.7, 1.0 };
    for (int i = 0; i < 4; i++) {
        chain_preset(&set[i].chain, PRESET_HF);
        set[i].params = PARAMS_OFF;
        set[i].params.temperature = sweep ? temps[i] : 0.7;
        if (!sweep) set[i].params.top_p = 0.95;
    }
}

/* The arithmetic floor under the goals (issue 9): the exp passes whose
 * bits define the output, timed alone (CPU, this thread) on the dump's
 * steps already in memory, plus the read's own CPU, against each goal's
 * budget per step. The raw softmax pass (vm_exp_raw: the log-sum-exp and
 * the entropy's sum) is in every step the explorer, eval and sweep show
 * (eval's mean_entropy_raw_nats; its T 0.7 top-p pass is already a float
 * one, so only the raw pass counts there); each swept temperature other
 * than 0 and 1 adds a double pass over exp(z / T - shift)
 * (vm_exp_fdiv_shift) for its entropy and draws. Budgets: the explorer's
 * needs 150 us per 131072 tokens; eval 1.5x and sweep 2.5x the read
 * pass's wall time on every CPU (CPU budget = ratio x read x CPUs); the
 * chain step 40 us with its read. A floor above its budget: no engine
 * with these bits meets that goal on this machine. */
static double exp_passes(struct source *s, uint32_t steps, int temp)
{
    struct step_info si;
    struct ls_error err = {0};
    double *w = malloc((size_t)s->vocab_size * sizeof *w), t = 0, ed = 0, sink = 0;
    for (uint32_t i = 0; i < steps && w; i++) {
        const float *z;
        struct vm_scan sc;
        if (source_lend_into(s, i, NULL, SOURCE_LEND_READ, &z, &si, &err)) { fprintf(stderr, "lend: %s\n", err.msg); exit(1); }
        vm_scan(z, s->vocab_size, &sc);
        double lo = sc.max; /* the least logit (the explorer's rank pass finds it) */
        for (uint32_t j = 0; j < s->vocab_size; j++) lo = z[j] < lo ? z[j] : lo;
        double t0 = thread_cpu_s();
        if (temp) sink += vm_exp_fdiv_shift(z, s->vocab_size, 0.7f, (double)((float)sc.max / 0.7f), w, &ed);
        else sink += vm_exp_raw(z, s->vocab_size, sc.max, NULL, &ed, NULL, lo, sc.max); /* bounds known: its cheapest form */
        t += thread_cpu_s() - t0;
    }
    free(w);
    if (sink == 12345.678) puts("");
    return t / steps * 1e6;
}

static double floor_table(struct source *s, double rd, double crd)
{
    uint32_t steps = s->n_steps < 512 ? s->n_steps : 512;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double raw = exp_passes(s, steps, 0), tp = exp_passes(s, steps, 1), read = rd / s->n_steps * 1e6;
    double rcpu = crd / s->n_steps * 1e6;
    double needs = 150.0 * s->vocab_size / 131072;
    struct { const char *goal; double floor, budget; } row[] = {
        { "chain step <= 40 us with the read (floor: the read)", read, 40.0 },
        { "explorer needs <= 150 us a 131072 (floor: raw pass)", raw, needs },
        { "eval <= 1.5x read (floor: read CPU + raw pass)", rcpu + raw, 1.5 * read * (double)ncpu },
        { "sweep <= 2.5x read (floor: read CPU + raw + 2 T)", rcpu + raw + 2 * tp, 2.5 * read * (double)ncpu },
    };
    printf("  arithmetic floor (%s path; bits-defining exp passes, CPU us a step): raw pass %.1f, T pass %.1f\n",
           vm_path_name(), raw, tp);
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++)
        printf("    %-52s floor %7.1f us  budget %7.1f us  %5.2fx%s\n", row[i].goal, row[i].floor, row[i].budget,
               row[i].floor / row[i].budget, row[i].floor > row[i].budget ? "  floor above the goal" : "");
    return raw;
}

/* eval and sweep on one step worker and on one per CPU; the scores must agree */
static void eval_sweep_table(struct source *s, double rd, uint32_t N)
{
    static const char *const what[2] = { "eval (hf T 0.7, top-p 0.95, N ", "sweep (T 0, 0.4, 0.7, 1.0; N " };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    for (int sw = 0; sw < 2; sw++) {
        struct eval_settings set[4];
        struct eval_scores a[4], b[4];
        size_t n = sw ? 4 : 1;
        hf_settings(set, sw);
        double c1, cn, t1 = timed_eval(s, set, n, N, 1, a, &c1), tn = timed_eval(s, set, n, N, -1, b, &cn);
        double us = 1e6 / s->n_steps;
        char name[64];
        snprintf(name, sizeof name, "%s%u)", what[sw], N);
        printf("  %-44s %8.3f s %6.2fx  1 step worker; CPU %.0f us/step\n", name, t1, t1 / rd, c1 * us);
        printf("  %-44s %8.3f s %6.2fx  %ld step workers (%.2fx faster)%s; CPU %.0f us/step\n", "", tn, tn / rd,
               ncpu, t1 / tn, memcmp(a, b, n * sizeof *a) ? "  SCORES DIFFER" : ", same scores", cn * us);
    }
}

/* the same rows as float16 .npy and bfloat16 .safetensors: read pass and
 * eval, against float32 per byte; also the lend floor (floor_pass) per byte */
/* raw: the raw pass's CPU us a step (floor_table): a 16-bit dump does it
 * on the same floats, so its eval cannot take less than its read and that
 * pass on every CPU; per-byte parity asks for half of float32's eval */
static void halves_table(struct source *s32, double rd32, uint32_t S, uint32_t V, const char *voc, uint32_t N,
                         double raw)
{
    static const char *const ext[] = { "", ".f16.npy", ".bf16.safetensors" };
    struct eval_settings set[4];
    hf_settings(set, 0);
    double e32 = timed_eval(s32, set, 1, N, -1, NULL, NULL), bytes32 = (double)S * V * 4;
    double fa = floor_pass(s32), fb = floor_pass(s32), fl32 = fa < fb ? fa : fb;
    printf("  per byte against float32 (read pass %.3f s, eval %.3f s on every CPU):\n", rd32, e32);
    double ncpu = (double)sysconf(_SC_NPROCESSORS_ONLN);
    for (int dt = DT_F16; dt <= DT_BF16; dt++) {
        char path[300];
        snprintf(path, sizeof path, "%s%s", s32->path, ext[dt]);
        struct source_opts so = {0};
        so.vocab_path = voc;
        struct source *s;
        struct ls_error err = {0};
        if (write_dump(path, dt, S, V) || source_open(path, &so, &s, &err)) {
            fprintf(stderr, "bench_eval: %s: %s\n", path, err.msg);
            unlink(path);
            continue;
        }
        float *z = malloc((size_t)V * sizeof *z);
        double r1 = read_pass(s, z), r2 = read_pass(s, z), rd = r1 < r2 ? r1 : r2;
        free(z);
        double l1 = floor_pass(s), l2 = floor_pass(s), ld = l1 < l2 ? l1 : l2;
        double e = timed_eval(s, set, 1, N, -1, NULL, NULL), bytes = (double)S * V * 2;
        double fl = (raw * 1e-6 * S + rd) / ncpu; /* the read and the raw pass, on every CPU */
        printf("    %-9s read %7.3f s (%.2fx float32's time per byte)  lend+pass %7.3f s (%.2fx)"
               "  eval %7.3f s (%.2fx per byte)\n"
               "              floor (its read and the raw pass on every CPU) %.3f s against half float32's eval"
               " %.3f s%s\n",
               dt == DT_F16 ? "float16" : "bfloat16", rd, (rd / bytes) / (rd32 / bytes32), ld,
               (ld / bytes) / (fl32 / bytes32), e, (e / bytes) / (e32 / bytes32), fl, e32 / 2,
               fl > e32 / 2 ? ": floor above the goal" : "");
        source_close(s);
        if (env_ul("BENCH_KEEP", 0) == 0) unlink(path);
    }
}

/* One row of the scaling table: a [S, V] dump written and opened, then
 * the read pass, sample --all (llama.cpp defaults, its order) and eval (hf
 * T 0.7 top-p 0.95, N continuations) on one step worker, as CPU time per
 * step and per token. Returns eval's CPU ns a token (0: not measured). */
static double scale_row(uint32_t S, uint32_t V, uint32_t N, double ref)
{
    char npy[256];
    snprintf(npy, sizeof npy, "/tmp/logitscope_bench_scale_%ux%u_%ld.npy", S, V, (long)getpid());
    struct source_opts so = {0};
    struct source *s;
    struct ls_error err = {0};
    if (write_dump(npy, DT_F32, S, V) || source_open(npy, &so, &s, &err)) {
        fprintf(stderr, "bench_eval: %s: %s\n", npy, err.msg);
        unlink(npy);
        return 0;
    }
    float *z = malloc((size_t)V * sizeof *z);
    read_pass(s, z); /* the page cache warm */
    double c0 = cpu_s();
    read_pass(s, z);
    double rd = cpu_s() - c0;
    free(z);
    struct chain ch;
    chain_preset(&ch, PRESET_LLAMACPP);
    struct params pr = PARAMS_OFF;
    pr.temperature = 0.8; pr.top_k = 40; pr.top_p = 0.95; pr.min_p = 0.05;
    c0 = cpu_s();
    sample_pass(s, &ch, &pr);
    double sa = cpu_s() - c0, ev = 0;
    struct eval_settings set[4];
    hf_settings(set, 0);
    timed_eval(s, set, 1, N, 1, NULL, &ev);
    double us = 1e6 / S, ns = 1e9 / ((double)S * V);
    printf("  %6u %7u %9.1f %6.2f %9.1f %6.2f %9.1f %6.2f %8.2fx\n", S, V, rd * us, rd * ns, sa * us, sa * ns,
           ev * us, ev * ns, ref > 0 ? ev * ns / ref : 1.0);
    source_close(s);
    unlink(npy);
    return ev * ns;
}

/* The linearity in V and in steps: per-token costs at V = 32000,
 * 131072, 262144 and at 256 and 2048 steps (one worker, CPU time) */
static void scale_table(uint32_t N)
{
    static const uint32_t Vs[3] = { 32000, 131072, 262144 }, Ss[2] = { 256, 2048 };
    printf("  scaling, one step worker, CPU time (per step us, per token ns); eval N %u; last column: eval's\n"
           "  cost a token against [256, 32000]'s (1.00x = linear in V and steps)\n"
           "  %6s %7s %9s %6s %9s %6s %9s %6s %9s\n", N, "steps", "V", "read", "ns", "sample", "ns", "eval", "ns",
           "eval/tok");
    double ref = 0;
    for (int v = 0; v < 3; v++)
        for (int k = 0; k < 2; k++) {
            double t = scale_row(Ss[k], Vs[v], N, ref);
            if (ref == 0) ref = t;
            fflush(stdout);
        }
}

int main(void)
{
    uint32_t S = (uint32_t)env_ul("BENCH_STEPS", 2048), V = (uint32_t)env_ul("BENCH_V", 131072);
    uint32_t N = (uint32_t)env_ul("BENCH_N", 200);
    char npy[256], voc[256];
    snprintf(npy, sizeof npy, "/tmp/logitscope_bench_eval_%ux%u_%ld.npy", S, V, (long)getpid());
    snprintf(voc, sizeof voc, "/tmp/logitscope_bench_eval_%ux%u_%ld.vocab", S, V, (long)getpid());
    printf("bench_eval: [%u, %u] float32 dump (%.2f GiB) in %s\n", S, V,
           (double)S * V * 4 / (1u << 30), npy);
    double t0 = clock_s();
    if (write_dump(npy, DT_F32, S, V) || write_vocab(voc, V)) { fprintf(stderr, "bench_eval: cannot write /tmp files\n"); return 1; }
    printf("  generated in %.2f s\n", clock_s() - t0);
    fflush(stdout);

    struct source_opts so = {0};
    so.vocab_path = voc;
    struct source *s;
    struct ls_error err = {0};
    int rc = source_open(npy, &so, &s, &err);
    if (rc) {
        fprintf(stderr, "bench_eval: %s\n", err.msg);
        unlink(npy); unlink(voc);
        return 1;
    }
    printf("  opened as %s: %u steps, V = %u\n", s->ops->format, s->n_steps, s->vocab_size);
    float *z = malloc((size_t)V * sizeof *z);
    double c0 = cpu_s(), r1 = read_pass(s, z), r2 = read_pass(s, z), crd = (cpu_s() - c0) / 2;
    double rd = r1 < r2 ? r1 : r2;
    free(z);
    printf("  %-44s %8.3f s   1.00x  (%.2f GB/s); CPU %.0f us/step\n", "read pass (source_read_step x steps)", rd,
           (double)S * V * 4 / rd / 1e9, crd * 1e6 / S);
    double raw = floor_table(s, rd, crd);
    if (!env_ul("BENCH_EVAL_ONLY", 0)) sample_table(s, rd);
    if (!env_ul("BENCH_SAMPLE_ONLY", 0)) {
        eval_sweep_table(s, rd, N);
        halves_table(s, rd, S, V, voc, N, raw);
    }
    source_close(s);
    if (env_ul("BENCH_KEEP", 0) == 0) { unlink(npy); unlink(voc); }
    if (env_ul("BENCH_SCALE", 1) && !env_ul("BENCH_SAMPLE_ONLY", 0)) scale_table(N);
    return 0;
}
