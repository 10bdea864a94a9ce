/* eval_diversity.c: distinct-1 / distinct-2 over the N continuations and
 * agreement with the recorded tokens. Works on token ids (no text needed). */
#include "eval/eval_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Open-addressing set of uint64 keys (key + 1 stored, 0 = empty). */
struct set64 { uint64_t *t; size_t cap, n; };

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static int set_init(struct set64 *s, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2) cap *= 2;
    s->t = calloc(cap, sizeof *s->t);
    s->cap = cap;
    s->n = 0;
    return s->t ? 0 : -1;
}

/* The first table for n2 bigrams: the run's own when it made one of this
 * size (cleared here; *premade = 1: not freed here), else a new one. */
static int set_first(struct set64 *s, const struct eval_run *r, size_t n2, int *premade)
{
    size_t cap = eval_bigram_cap(n2);
    *premade = r->bigram_tab && r->bigram_cap == cap;
    if (!*premade) return set_init(s, n2 < ((size_t)1 << 24) ? (n2 ? n2 : 1) : ((size_t)1 << 24));
    memset(r->bigram_tab, 0, cap * sizeof *r->bigram_tab);
    s->t = r->bigram_tab;
    s->cap = cap;
    s->n = 0;
    return 0;
}

static void set_add(struct set64 *s, uint64_t key)
{
    uint64_t k = key + 1;
    size_t m = s->cap - 1, i = (size_t)mix(k) & m;
    while (s->t[i]) {
        if (s->t[i] == k) return;
        i = (i + 1) & m;
    }
    s->t[i] = k;
    s->n++;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state;
    struct eval_scores *s = &a->sc;
    uint32_t N = r->cfg.n_samples, S = r->n_steps;
    s->distinct_1 = s->distinct_2 = s->recorded_agreement = NAN;
    size_t n2 = (size_t)N * (S - 1);
    /* the distinct tokens: one bit per vocabulary id (a drawn token is a
     * survivor's id, < V: draw_blocks_token; -1 when nothing was kept) */
    uint64_t *seen = calloc(r->V / 64 + 1, sizeof *seen);
    struct set64 u2;
    int premade = 0;   /* u2.t is the run's (eval_impl.h bigram_tab) */
    if (!seen || set_first(&u2, r, n2, &premade)) {
        free(seen);
        return ls_oom(err);
    }
    uint64_t agree = 0, rec = 0, d1 = 0, d2 = 0;
    for (uint32_t i = 0; i < N; i++) {
        const int32_t *t = a->tokens + (size_t)i * S;
        for (uint32_t k = 0; k < S; k++) {
            /* -1: nothing could be drawn at step k (draw_token): no token,
             * so no unigram and no bigram through it */
            if (t[k] >= 0) { seen[(uint32_t)t[k] / 64] |= 1ull << ((uint32_t)t[k] % 64); d1++; }
            if (k + 1 < S && t[k] >= 0 && t[k + 1] >= 0) {
                set_add(&u2, ((uint64_t)(uint32_t)t[k] << 32) | (uint32_t)t[k + 1]);
                d2++;
            }
            if (r->rec[k] >= 0) {
                rec++;
                if (t[k] == r->rec[k]) agree++;
            }
            /* grow before the load factor passes 1/2 */
            if (u2.n * 2 >= u2.cap) {
                struct set64 ng;
                if (set_init(&ng, u2.cap)) { if (!premade) free(u2.t); free(seen); return ls_oom(err); }
                for (size_t j = 0; j < u2.cap; j++) if (u2.t[j]) set_add(&ng, u2.t[j] - 1);
                if (!premade) free(u2.t);
                premade = 0;
                u2 = ng;
            }
        }
    }
    size_t n_seen = 0;
    for (uint32_t w = 0; w <= r->V / 64; w++) n_seen += (size_t)__builtin_popcountll(seen[w]);
    if (d1) s->distinct_1 = (double)n_seen / (double)d1;
    if (d2) s->distinct_2 = (double)u2.n / (double)d2;
    if (rec) s->recorded_agreement = (double)agree / (double)rec;
    if (!premade) free(u2.t);
    free(seen);
    return LS_OK;
}

const struct evaluator eval_diversity = {
    .name = "diversity",
    .keys = "distinct_1 distinct_2 recorded_agreement",
    .definition =
    "Diversity of the N sampled continuations, on token ids: distinct_1 = distinct tokens / "
    "all tokens, distinct_2 = distinct bigrams (consecutive tokens within a continuation) / "
    "all bigrams, counted over all N continuations together (Li et al. 2016); a step "
    "where nothing can be drawn (a top-N step listing no token) adds no token. "
    "recorded_agreement = share of (continuation, step) pairs, over steps with a recorded "
    "token, where the sampled token equals the recorded one.",
    .finish = finish,
};
