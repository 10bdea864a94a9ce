/* bench_chain.c: one chain step at realistic vocabulary sizes, measured in
 * the same run on the same logits, side by side:
 *   step       chain_run as every command runs it (system arithmetic by
 *              default, the exact reference with "exact:")
 *   rerun      the explorer's per-key path (same logits, new parameters)
 *   draw-only  chain_run with CHAIN_WANT_DRAW (sample --all, generation)
 *   whole      the system emulation without its shortcuts (chain_ws.
 *              reference = 1: the whole-array path every system step took
 *              before issue 9)
 *   naive      a sampler that sorts the whole vocabulary first (what many
 *              simple samplers do, and llama.cpp does when top-k is 0)
 * and a second table for the newer samplers (newer_table).
 * Prints medians (microseconds) and the naive/step ratio, and which vector
 * path ran (LOGITSCOPE_SIMD); never fails on timing (machines are noisy). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sampling/chain.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/vmath.h"

struct tok { float z; int32_t id; };

static int cmp_tok(const void *a, const void *b)
{
    const struct tok *x = a, *y = b;
    if (x->z != y->z) return x->z > y->z ? -1 : 1;
    return x->id < y->id ? -1 : 1;
}

/* naive: sort all, then top-k, top-p, min-p on the sorted array, with the
 * temperature applied first (temp_first) or last (llama.cpp) */
static uint32_t naive_step(const float *z, uint32_t V, const struct params *p, struct tok *t, double *pr,
                           int temp_first)
{
    for (uint32_t i = 0; i < V; i++) { t[i].z = z[i]; t[i].id = (int32_t)i; }
    qsort(t, V, sizeof *t, cmp_tok);
    uint32_t n = V;
    double T = temp_first ? p->temperature : 1.0;
    if (p->top_k > 0 && (uint32_t)p->top_k < n) n = (uint32_t)p->top_k;
    double s = 0, m = t[0].z / T;
    for (uint32_t i = 0; i < n; i++) { pr[i] = exp(t[i].z / T - m); s += pr[i]; }
    if (p->top_p < 1) {
        double cum = 0;
        for (uint32_t i = 0; i < n; i++) { cum += pr[i] / s; if (cum >= p->top_p) { n = i + 1; break; } }
    }
    if (p->min_p > 0) {
        double thr = m + log(p->min_p);
        uint32_t k = 1;
        while (k < n && t[k].z / T >= thr) k++;
        n = k;
    }
    if (!temp_first) { /* final softmax at the real temperature */
        m = t[0].z / p->temperature;
        for (uint32_t i = 0; i < n; i++) pr[i] = exp(t[i].z / p->temperature - m);
    }
    s = 0;
    for (uint32_t i = 0; i < n; i++) s += pr[i];
    for (uint32_t i = 0; i < n; i++) pr[i] /= s;
    return n;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define REPS 15

/* the Zipf-like logits with noise the main table uses */
static void zipf_logits(float *z, uint32_t V)
{
    struct rng g;
    rng_seed(&g, V);
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(&g);
        z[i] = (float)(-1.1 * log(1 + u * V) + 3 * rng_uniform(&g));
    }
}

/* the median of REPS chain runs, microseconds (want and reference set) */
static double median_run(const struct chain *ch, const struct params *pr, const float *z, uint32_t V,
                         struct chain_ws *ws, struct chain_result *r, enum chain_want want, int reference)
{
    double a[REPS];
    struct ls_error e = {0};
    for (int k = 0; k < REPS; k++) {
        ws->want = want;
        ws->reference = reference;
        double t0 = clock_s();
        chain_run(ch, pr, z, V, ws, r, &e);
        a[k] = (clock_s() - t0) * 1e6;
    }
    ws->want = CHAIN_WANT_ALL;
    ws->reference = 0;
    qsort(a, REPS, sizeof *a, cmp_d);
    return a[REPS / 2];
}

/* The newer samplers on the whole vocabulary (T 0.8 and no top-k before
 * llama.cpp's; no goal names them; they are here so a change to them is
 * measured): draw (sample --all's
 * CHAIN_WANT_DRAW), all (the explorer's CHAIN_WANT_ALL) and the whole-array
 * reference path, in the same run. Mirostat's mu carries over between
 * runs, as in a sequence. */
static void newer_table(void)
{
    static const uint32_t sizes[] = {131072, 262144};
    struct { const char *name; enum preset ps; struct params pr; } cfg[] = {
        {"llama.cpp T0.8 dynatemp 0.5", PRESET_LLAMACPP, PARAMS_OFF},
        {"llama.cpp T0.8 top-n-sigma 1.5", PRESET_LLAMACPP, PARAMS_OFF},
        {"llama.cpp T0.8 xtc 1/0.01", PRESET_LLAMACPP, PARAMS_OFF},
        {"llama.cpp T0.8 mirostat 2", PRESET_LLAMACPP, PARAMS_OFF},
        {"hf T0.9 typical 0.9", PRESET_HF, PARAMS_OFF},
        {"hf T0.8 epsilon 1e-4", PRESET_HF, PARAMS_OFF},
        {"hf eta 1e-3", PRESET_HF, PARAMS_OFF},
    };
    enum { NC = sizeof cfg / sizeof cfg[0] };
    for (int i = 0; i < 4; i++) /* no top-k before them: they see the whole vocabulary */
        cfg[i].pr.temperature = 0.8;
    cfg[0].pr.dynatemp_range = 0.5;
    cfg[1].pr.top_n_sigma = 1.5;
    /* probability 1: the stage always acts (at 0.5 the draw of this step's
     * position, 0.89, made it a no-op); threshold 0.01: 7 leaders of these
     * logits removed at 131072, 9 at 262144 (0.1 removes none) */
    cfg[2].pr.xtc_probability = 1.0, cfg[2].pr.xtc_threshold = 0.01;
    cfg[3].pr.mirostat = 2;
    cfg[4].pr.temperature = 0.9, cfg[4].pr.typical_p = 0.9;
    cfg[5].pr.temperature = 0.8, cfg[5].pr.epsilon = 1e-4;
    cfg[6].pr.eta = 1e-3;
    printf("\nnewer samplers, one chain step (median of %d runs, microseconds; vector path %s)\n", REPS,
           vm_path_name());
    printf("%-38s %7s %9s %9s %11s %9s\n", "config", "V", "draw", "all", "reference", "ref/all");
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        uint32_t V = sizes[si];
        float *z = malloc(V * sizeof *z);
        zipf_logits(z, V);
        struct chain_ws ws;
        struct chain_result r;
        chain_ws_init(&ws, V);
        chain_result_init(&r, V);
        for (int ci = 0; ci < NC; ci++) {
            struct chain ch;
            chain_preset(&ch, cfg[ci].ps);
            double d = median_run(&ch, &cfg[ci].pr, z, V, &ws, &r, CHAIN_WANT_DRAW, 0);
            double a = median_run(&ch, &cfg[ci].pr, z, V, &ws, &r, CHAIN_WANT_ALL, 0);
            double w = median_run(&ch, &cfg[ci].pr, z, V, &ws, &r, CHAIN_WANT_ALL, 1);
            printf("%-38s %7u %9.0f %9.0f %11.0f %8.1fx\n", cfg[ci].name, V, d, a, w, w / a);
        }
        chain_ws_free(&ws);
        chain_result_free(&r);
        free(z);
    }
}

int main(void)
{
    const uint32_t sizes[] = {32000, 131072, 151936, 262144};
    /* each preset in its system's arithmetic, then exact (issue 11) */
    struct { const char *name; enum preset ps; int exact; double T; int32_t k; double p, m; struct params pr; } cfg[] = {
        {"hf T0.7 top-p 0.9 (no top-k)", PRESET_HF, 0, 0.7, 0, 0.9, 0, {.temperature = 0}},
        {"hf T0.7 k50 top-p 0.95", PRESET_HF, 0, 0.7, 50, 0.95, 0, {.temperature = 0}},
        {"llama.cpp defaults 0.8/40/0.95/0.05", PRESET_LLAMACPP, 0, 0.8, 40, 0.95, 0.05, {.temperature = 0}},
        {"vllm T1.0 min-p 0.05", PRESET_VLLM, 0, 1.0, 0, 1.0, 0.05, {.temperature = 0}},
        {"exact: hf T0.7 top-p 0.9 (no top-k)", PRESET_HF, 1, 0.7, 0, 0.9, 0, {.temperature = 0}},
        {"exact: hf T0.7 k50 top-p 0.95", PRESET_HF, 1, 0.7, 50, 0.95, 0, {.temperature = 0}},
        {"exact: llama.cpp defaults", PRESET_LLAMACPP, 1, 0.8, 40, 0.95, 0.05, {.temperature = 0}},
        {"exact: vllm T1.0 min-p 0.05", PRESET_VLLM, 1, 1.0, 0, 1.0, 0.05, {.temperature = 0}},
    };
    for (size_t ci = 0; ci < sizeof cfg / sizeof cfg[0]; ci++) {
        cfg[ci].pr = PARAMS_OFF;
        cfg[ci].pr.temperature = cfg[ci].T;
        cfg[ci].pr.top_k = cfg[ci].k;
        cfg[ci].pr.top_p = cfg[ci].p;
        cfg[ci].pr.min_p = cfg[ci].m;
    }
    printf("one chain step (median of %d runs, microseconds; vector path %s)\n", REPS, vm_path_name());
    printf("%-38s %7s %9s %9s %9s %9s %10s %8s\n", "config", "V", "step", "rerun", "draw-only", "whole", "naive-sort",
           "speedup");
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        uint32_t V = sizes[si];
        float *z = malloc(V * sizeof *z);
        struct tok *t = malloc(V * sizeof *t);
        double *pr = malloc(V * sizeof *pr);
        zipf_logits(z, V); /* Zipf-like logits with noise, as real vocabularies look */
        struct chain_ws ws;
        struct chain_result r;
        chain_ws_init(&ws, V);
        chain_result_init(&r, V);
        for (size_t ci = 0; ci < sizeof cfg / sizeof cfg[0]; ci++) {
            struct chain ch;
            chain_preset(&ch, cfg[ci].ps);
            ch.exact = cfg[ci].exact;
            double a[REPS], b[REPS];
            uint32_t kept_a = 0, kept_b = 0;
            struct ls_error e = {0};
            for (int k = 0; k < REPS; k++) {
                double t0 = clock_s();
                chain_run(&ch, &cfg[ci].pr, z, V, &ws, &r, &e);
                double t1 = clock_s();
                kept_b = naive_step(z, V, &cfg[ci].pr, t, pr, cfg[ci].ps != PRESET_LLAMACPP);
                double t2 = clock_s();
                a[k] = (t1 - t0) * 1e6;
                b[k] = (t2 - t1) * 1e6;
                kept_a = r.n_kept;
            }
            qsort(a, REPS, sizeof *a, cmp_d);
            qsort(b, REPS, sizeof *b, cmp_d);
            /* the explorer's per-keypress path: same logits, new parameters */
            double c2[REPS];
            for (int k = 0; k < REPS; k++) {
                double t0 = clock_s();
                chain_rerun(&ch, &cfg[ci].pr, z, V, &ws, &r, &e);
                c2[k] = (clock_s() - t0) * 1e6;
            }
            qsort(c2, REPS, sizeof *c2, cmp_d);
            double dr[REPS], wh[REPS];
            for (int k = 0; k < REPS; k++) {
                double t0 = clock_s();
                ws.want = CHAIN_WANT_DRAW;
                chain_run(&ch, &cfg[ci].pr, z, V, &ws, &r, &e);
                ws.want = CHAIN_WANT_ALL;
                double t1 = clock_s();
                ws.reference = 1;
                chain_run(&ch, &cfg[ci].pr, z, V, &ws, &r, &e);
                ws.reference = 0;
                dr[k] = (t1 - t0) * 1e6;
                wh[k] = (clock_s() - t1) * 1e6;
            }
            qsort(dr, REPS, sizeof *dr, cmp_d);
            qsort(wh, REPS, sizeof *wh, cmp_d);
            printf("%-38s %7u %9.0f %9.0f %9.0f %9.0f %10.0f %7.1fx%s\n", cfg[ci].name, V, a[REPS / 2], c2[REPS / 2],
                   dr[REPS / 2], wh[REPS / 2], b[REPS / 2], b[REPS / 2] / a[REPS / 2],
                   kept_a == kept_b ? "" : "  (kept sets differ!)");
        }
        chain_ws_free(&ws);
        chain_result_free(&r);
        free(z); free(t); free(pr);
    }
    newer_table();
    return 0;
}
