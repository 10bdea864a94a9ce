/* bench_keys.c: one chain run (CHAIN_WANT_ALL, as the explorer's key runs
 * it) at V = 262144 for the explorer bench's slow settings: llama.cpp
 * mirostat 2 with dynamic temperature, penalties and DRY; top-p 0.99
 * without top-k per system; a small top-k followed by every stage per
 * system (hf also without the top-k). Median and max CPU time of REPS runs, with
 * the whole-array reference (ws.reference) beside it. Figures only.
 * Arguments: a row number (that config only), then "fast" to skip the
 * reference (a profile of the fast path alone). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sampling/chain.h"

#define REPS 9
enum { V = 262144, NH = 48, NCFG = 11 };

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_run(const struct chain *c, const struct params *p, const float *z, struct chain_ws *ws,
                         struct chain_result *r, double *mx)
{
    double t[REPS];
    struct ls_error e = {0};
    for (int k = 0; k < REPS; k++) {
        double t0 = cpu_ms();
        chain_run(c, p, z, V, ws, r, &e);
        t[k] = cpu_ms() - t0;
    }
    qsort(t, REPS, sizeof *t, cmp_d);
    *mx = t[REPS - 1];
    return t[REPS / 2];
}

int main(int argc, char **argv)
{
    int only = argc > 1 ? atoi(argv[1]) : -1; /* one config (its row number), or all */
    int noref = argc > 2 && argv[2][0] == 'f'; /* "fast": without the reference (for a profile) */
    float *z = malloc(V * sizeof *z);
    int32_t hist[NH];
    uint64_t g = 88172645463325252ull;
    for (uint32_t i = 0; i < V; i++) { /* Zipf-like logits with noise */
        g ^= g << 13; g ^= g >> 7; g ^= g << 17;
        double u = (double)(g >> 11) / 9007199254740992.0;
        g ^= g << 13; g ^= g >> 7; g ^= g << 17;
        double w = (double)(g >> 11) / 9007199254740992.0;
        z[i] = (float)(-1.1 * log(1 + u * V) + 3 * w);
    }
    for (int i = 0; i < NH; i++) hist[i] = (int32_t)((i * 7919) % 64 + (i % 5) * 1000);
    struct { const char *name; enum preset ps; struct params p; } cfg[NCFG];
    for (int i = 0; i < NCFG; i++) cfg[i].p = PARAMS_OFF;
    cfg[0].name = "llama.cpp miro2 dynT pen DRY"; cfg[0].ps = PRESET_LLAMACPP;
    cfg[0].p.temperature = 1.05; cfg[0].p.dynatemp_range = 0.25; cfg[0].p.mirostat = 2;
    cfg[0].p.mirostat_tau = 5; cfg[0].p.mirostat_eta = 0.25; cfg[0].p.repeat_penalty = 1.1;
    cfg[0].p.presence_penalty = 0.1; cfg[0].p.dry_multiplier = 0.05; cfg[0].p.dry_base = 1.85;
    cfg[0].p.top_k = 10; cfg[0].p.top_p = 0.98; cfg[0].p.min_p = 0.05;
    cfg[1] = cfg[0]; cfg[1].name = "llama.cpp miro2 pen DRY (no dynT)"; cfg[1].p.dynatemp_range = 0;
    cfg[2].name = "hf T1.05 top-p 0.99"; cfg[2].ps = PRESET_HF; cfg[2].p.temperature = 1.05; cfg[2].p.top_p = 0.99;
    cfg[3].name = "llama.cpp T1.05 top-p 0.99"; cfg[3].ps = PRESET_LLAMACPP; cfg[3].p.temperature = 1.05;
    cfg[3].p.top_p = 0.99;
    cfg[4].name = "llama.cpp top-p 0.99"; cfg[4].ps = PRESET_LLAMACPP; cfg[4].p.top_p = 0.99;
    cfg[5].name = "vllm T1.05 top-p 0.99"; cfg[5].ps = PRESET_VLLM; cfg[5].p.temperature = 1.05;
    cfg[5].p.top_p = 0.99;
    /* a small top-k followed by many stages (the explorer's "all stages" keys) */
    struct params all = PARAMS_OFF;
    all.temperature = 1.05; all.top_k = 10; all.top_p = 0.99; all.min_p = 0.05; all.min_keep = 1;
    all.epsilon = 0.05; all.eta = 0.01; all.xtc_probability = 0.05; all.xtc_threshold = 0.1;
    all.repeat_penalty = 1.1; all.presence_penalty = 0.1; all.repeat_last_n = 64;
    all.dry_multiplier = 0.05; all.dry_base = 1.85; all.dry_allowed_length = 2; all.dry_last_n = 9;
    cfg[6].name = "hf k10 all stages"; cfg[6].ps = PRESET_HF; cfg[6].p = all;
    cfg[7].name = "hf k2 all stages"; cfg[7].ps = PRESET_HF; cfg[7].p = all; cfg[7].p.top_k = 2;
    cfg[8].name = "hf all stages, no top-k"; cfg[8].ps = PRESET_HF; cfg[8].p = all; cfg[8].p.top_k = 0;
    cfg[9].name = "vllm k10 all stages"; cfg[9].ps = PRESET_VLLM; cfg[9].p = all;
    cfg[10].name = "llama.cpp k10 all stages"; cfg[10].ps = PRESET_LLAMACPP; cfg[10].p = all;
    struct chain_ws ws;
    struct chain_result r;
    chain_ws_init(&ws, V);
    chain_result_init(&r, V);
    chain_ws_set_context(&ws, hist, NH, 0, NH, 1);
    printf("one chain run, CHAIN_WANT_ALL, V = %u, CPU ms (median / max of %d)\n", V, REPS);
    printf("%-36s %9s %9s %11s %8s\n", "config", "median", "max", "reference", "kept");
    for (int i = 0; i < NCFG; i++) {
        if (only >= 0 && i != only) continue;
        struct chain c;
        double mx, mr;
        chain_preset(&c, cfg[i].ps);
        double a = median_run(&c, &cfg[i].p, z, &ws, &r, &mx);
        uint32_t kept = r.n_kept;
        ws.reference = 1;
        double b = noref ? NAN : median_run(&c, &cfg[i].p, z, &ws, &r, &mr);
        ws.reference = 0;
        printf("%-36s %9.3f %9.3f %11.3f %8u\n", cfg[i].name, a, mx, b, kept);
    }
    chain_ws_free(&ws);
    chain_result_free(&r);
    free(z);
    return 0;
}
