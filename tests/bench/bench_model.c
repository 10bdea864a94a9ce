/* bench_model.c: the built-in model's speed (issue 10's goals, printed,
 * never pass/fail: machines are noisy):
 *   next-token logits at the default model's V (samples/model.lsm) and at
 *   V = 8192 (an order-4 model counted from a Zipf token stream), goal
 *   <= 50 us per step, and by position along a 4096-token text (flat);
 *   8 continuations x 64 tokens under several chains, goal <= 30 ms per
 *   512 tokens, split into the model's share (its calls replayed on the
 *   same contexts) and the chain's (chain_run, the draw, bookkeeping);
 *   training the default model from samples/corpus.txt (when `make samples`
 *   made it), goal <= 10 s.
 * Run from the repository root (make bench does). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/rng.h"
#include "model/generate.h"
#include "model/lm.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median us per next-token call over histories taken from a token stream */
static double bench_logits(struct ngram *g, const int32_t *toks, uint32_t n)
{
    float *z = malloc(g->V * sizeof *z);
    double t[21];
    for (int r = 0; r < 21; r++) {
        int64_t t0 = clock_ns();
        for (uint32_t i = 4; i < n; i++) ngram_logprobs(g, toks + i - 4, 4, z);
        t[r] = (double)(clock_ns() - t0) / 1e3 / (n - 4);
    }
    free(z);
    qsort(t, 21, sizeof t[0], cmp_d);
    return t[10];
}

static void bench_v8192(void)
{
    enum { N = 300000, V = 8192 };
    int32_t *toks = malloc(N * sizeof *toks);
    struct rng g;
    rng_seed(&g, 7);
    for (uint32_t i = 0; i < N; i++) {   /* Zipf-like ids: rank ~ exp(u * ln V) */
        double u = rng_uniform(&g);
        toks[i] = i % 40 == 0 ? 256 : (int32_t)(exp(u * log((double)V)) - 1) % V;
    }
    toks[0] = 256;
    struct ngram m;
    struct ls_error err = {0};
    if (ngram_train(toks, N, V, 4, 256, NULL, NULL, &m, &err)) { printf("V=8192 model: %s\n", err.msg); free(toks); return; }
    printf("next-token logits, V = 8192 (order 4, %llu 4-grams): %.1f us/step (goal <= 50)\n",
           (unsigned long long)ngram_count(&m, 4), bench_logits(&m, toks, 20000));
    ngram_free(&m);
    free(toks);
}

/* Median of k samples (sorts them). */
static double median(double *t, int k)
{
    qsort(t, (size_t)k, sizeof t[0], cmp_d);
    return t[k / 2];
}

/* The model's own share of a generation: next_logits replayed on every
 * context the continuations saw (same calls gen_step makes). */
static double replay_model_ms(struct model *md, const struct gen_cont *c, uint32_t nc, float *z)
{
    struct ls_error err = {0};
    int64_t t0 = clock_ns();
    for (uint32_t i = 0; i < nc; i++)
        for (uint32_t s = 0; s < c[i].n; s++) model_next_logits(md, c[i].ctx, c[i].n_prompt + s, z, &err);
    return (double)(clock_ns() - t0) / 1e6;
}

/* 8 continuations x 64 tokens: total, the model's share (replayed) and the
 * rest (chain, draw, bookkeeping), medians over 11 runs. */
static void bench_generate(struct model *md, const int32_t *prompt, uint32_t np, const char *label,
                           const char *chain, double T, double top_p)
{
    struct gen_request r;
    memset(&r, 0, sizeof r);
    struct ls_error err = {0};
    chain_parse(chain, &r.chain, &err);
    r.params = PARAMS_OFF;
    r.params.temperature = T;
    r.params.top_p = top_p;
    r.prompt = prompt; r.n_prompt = np; r.seed = 42; r.max_tokens = 64;
    struct gen_ws ws;
    gen_ws_init(&ws, md->V);
    double tot[11], mod[11];
    uint32_t toks = 0;
    struct gen_cont c[8];
    for (int k = 0; k < 11; k++) {
        gen_cache_clear(ws.cache); /* each run as after a change of setting (gen_cache.h) */
        int64_t t0 = clock_ns();
        toks = 0;
        for (uint32_t i = 0; i < 8; i++) {
            gen_begin(&c[i], &r, i);
            gen_run(md, &r, &c[i], &ws, &err);
            toks += c[i].n;
        }
        tot[k] = (double)(clock_ns() - t0) / 1e6;
        mod[k] = replay_model_ms(md, c, 8, ws.z);
        for (uint32_t i = 0; i < 8; i++) gen_cont_free(&c[i]);
    }
    double t = median(tot, 11), m = median(mod, 11);
    printf("8 continuations x <= 64 tokens, %-26s %6.2f ms for %3u tokens = %6.2f ms per 512 (goal <= 30):"
           " model %5.2f, chain+draw %6.2f ms per 512\n", label, t, toks, t * 512.0 / toks, m * 512.0 / toks,
           (t - m) * 512.0 / toks);
    gen_ws_free(&ws);
}

/* Model cost per step along one long continuation (raw chain, the
 * end-of-text token never drawn: forced to the text's own tokens), by
 * position: flat when nothing grows with the context. */
static void bench_positions(struct model *md, const int32_t *prompt, uint32_t np)
{
    enum { LEN = 4096 };
    int32_t *ctx = malloc((np + LEN) * sizeof *ctx);
    float *z = malloc(md->V * sizeof *z);
    struct rng g;
    struct ls_error err = {0};
    memcpy(ctx, prompt, np * sizeof *ctx);
    rng_seed(&g, 3);
    for (uint32_t s = 0; s < LEN; s++) {   /* a plausible text: the model's most likely non-eos of a few */
        model_next_logits(md, ctx, np + s, z, &err);
        int32_t best = 0;
        for (uint32_t w = 1; w < md->V; w++) if ((int32_t)w != md->eos && z[w] + (float)rng_uniform(&g) > z[best]) best = (int32_t)w;
        ctx[np + s] = best;
    }
    printf("next-token logits by position (V = %u):", md->V);
    for (uint32_t at = 16; at <= LEN; at *= 4) {
        double t[9];
        for (int k = 0; k < 9; k++) {
            int64_t t0 = clock_ns();
            for (uint32_t s = at - 16; s < at; s++) model_next_logits(md, ctx, np + s, z, &err);
            t[k] = (double)(clock_ns() - t0) / 1e3 / 16;
        }
        printf(" %u: %.2f us", at, median(t, 9));
    }
    printf(" (goal <= 50, flat)\n");
    free(z);
    free(ctx);
}

static void bench_training(void)
{
    unsigned char *text;
    size_t len;
    struct ls_error err = {0};
    if (lm_read_whole("samples/corpus.txt", 1ull << 30, "corpus", &text, &len, &err)) {
        printf("training: samples/corpus.txt missing (make samples writes it); skipped\n");
        return;
    }
    struct lm m;
    struct lm_train_opts o = { LM_DEFAULT_VOCAB, LM_DEFAULT_ORDER, NULL, NULL };
    double t0 = clock_s();
    int rc = lm_train((const char *)text, len, &o, &m, &err);
    printf("training the default model (%zu bytes): %.2f s (goal <= 10)\n", len, clock_s() - t0);
    if (!rc) lm_free(&m);
    free(text);
}

int main(void)
{
    struct model *md;
    struct ls_error err = {0};
    if (model_open("samples/model.lsm", &md, &err)) { printf("bench_model: %s\n", err.msg); return 1; }
    const char *p = "{\"name\": \"Ada Lovelace\", \"born\": 1815, \"field\": \"mathematics\", \"known_for\": \"";
    int32_t *ids;
    uint32_t n;
    model_encode_prompt(md, p, strlen(p), &ids, &n, &err);
    struct lm *l = md->impl;
    printf("next-token logits, V = %u (samples/model.lsm): %.1f us/step (goal <= 50)\n", md->V, bench_logits(&l->ng, ids, n));
    bench_v8192();
    bench_positions(md, ids, n);
    bench_generate(md, ids, n, "raw (T=1)", "hf", 1.0, 1.0);
    bench_generate(md, ids, n, "hf T=0.8 top-p 0.9", "hf", 0.8, 0.9);
    bench_generate(md, ids, n, "llama.cpp T=1.5 top-p 0.95", "llama.cpp", 1.5, 0.95);
    bench_training();
    free(ids);
    model_close(md);
    return 0;
}
