/* eval_diversity.c: distinct-1 / distinct-2 over the N continuations and
 * agreement with the recorded tokens. Works on token ids (no text needed). */
#include "eval/eval_impl.h"
#include "base/clock.h"

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
 * size (cleared here; *premade = 1: not freed here), else the one the last
 * setting's finish handed on (d->spare, cleared: its pages are in already),
 * else a new one. */
static int set_first(struct set64 *s, const struct eval_run *r, struct eval_div *d, size_t n2, int *premade)
{
    size_t cap = eval_bigram_cap(n2);
    uint64_t *t = NULL;
    *premade = r->bigram_tab && r->bigram_cap == cap;
    if (*premade) t = r->bigram_tab;
    else if (d->spare && d->spare_cap == cap) t = d->spare, d->spare = NULL;
    free(d->spare); /* another size: of no use */
    d->spare = NULL;
    if (!t) return set_init(s, n2 < ((size_t)1 << 24) ? (n2 ? n2 : 1) : ((size_t)1 << 24));
    memset(t, 0, cap * sizeof *t);
    s->t = t;
    s->cap = cap;
    s->n = 0;
    return 0;
}

/* the slot a key's probe starts at */
static size_t set_home(const struct set64 *s, uint64_t key)
{
    return (size_t)mix(key + 1) & (s->cap - 1);
}

static void set_add(struct set64 *s, uint64_t key)
{
    uint64_t k = key + 1;
    size_t m = s->cap - 1, i = set_home(s, key);
    while (s->t[i]) {
        if (s->t[i] == k) return;
        i = (i + 1) & m;
    }
    s->t[i] = k;
    s->n++;
}

/* The counting's start: the seen bits and the first bigram table */
static int div_begin(const struct eval_run *r, struct eval_div *d)
{
    size_t n2 = (size_t)r->cfg.n_samples * (r->n_steps - 1);
    /* the distinct tokens: one bit per vocabulary id (a drawn token is a
     * survivor's id, < V: draw_blocks_token; -1 when nothing was kept) */
    d->seen = calloc(r->V / 64 + 1, sizeof *d->seen);
    struct set64 u2;
    int premade = 0;   /* u2.t is the run's (eval_impl.h bigram_tab) */
    if (!d->seen || set_first(&u2, r, d, n2, &premade)) return -1;
    d->tab = u2.t;
    d->own = premade ? NULL : u2.t;
    d->cap = u2.cap;
    d->n = 0;
    d->begun = 1;
    return 0;
}

#define DIV_AHEAD 8   /* bigrams between a slot's prefetch and its insert */

/* Continuation i's tokens, unigrams and bigrams counted into d */
static int div_row(const struct eval_run *r, const struct eval_acc *a, struct eval_div *d, uint32_t i)
{
    uint32_t S = r->n_steps;
    struct set64 u2 = { d->tab, d->cap, d->n };
    const int32_t *t = a->tokens + (size_t)i * S;
    for (uint32_t k = 0; k < S; k++) {
        /* a table past the caches (8 MiB at N 200, 2048 steps) misses at
         * every insert: the slot of the bigram DIV_AHEAD on is fetched
         * now, so that its miss overlaps this one's work */
        if (k + DIV_AHEAD + 1 < S && t[k + DIV_AHEAD] >= 0 && t[k + DIV_AHEAD + 1] >= 0)
            __builtin_prefetch(u2.t + set_home(&u2, ((uint64_t)(uint32_t)t[k + DIV_AHEAD] << 32) |
                                                      (uint32_t)t[k + DIV_AHEAD + 1]), 1);
        /* -1: nothing could be drawn at step k (draw_token): no token,
         * so no unigram and no bigram through it */
        if (t[k] >= 0) { d->seen[(uint32_t)t[k] / 64] |= 1ull << ((uint32_t)t[k] % 64); d->d1++; }
        if (k + 1 < S && t[k] >= 0 && t[k + 1] >= 0) {
            set_add(&u2, ((uint64_t)(uint32_t)t[k] << 32) | (uint32_t)t[k + 1]);
            d->d2++;
        }
        if (r->rec[k] >= 0) {
            d->rec++;
            if (t[k] == r->rec[k]) d->agree++;
        }
        /* grow before the load factor passes 1/2 (only past 2^24 bigrams:
         * the first table holds twice them up to there) */
        if (u2.n * 2 >= u2.cap) {
            struct set64 ng;
            if (set_init(&ng, u2.cap)) return -1;
            for (size_t j = 0; j < u2.cap; j++) if (u2.t[j]) set_add(&ng, u2.t[j] - 1);
            free(d->own);
            d->own = ng.t;
            u2 = ng;
            d->tab = u2.t;
            d->cap = u2.cap;
        }
    }
    d->n = u2.n;
    return 0;
}

/* The scores from the counts; the counting's buffers freed */
static void div_end(const struct eval_run *r, struct eval_acc *a)
{
    struct eval_div *d = &a->div;
    struct eval_scores *s = &a->sc;
    s->distinct_1 = s->distinct_2 = s->recorded_agreement = NAN;
    size_t n_seen = 0;
    for (uint32_t w = 0; w <= r->V / 64; w++) n_seen += (size_t)__builtin_popcountll(d->seen[w]);
    if (d->d1) s->distinct_1 = (double)n_seen / (double)d->d1;
    if (d->d2) s->distinct_2 = (double)d->n / (double)d->d2;
    if (d->rec) s->recorded_agreement = (double)d->agree / (double)d->rec;
    /* the next setting's finish counts as many bigrams: its table is this
     * one (acc_free frees it if that finish never comes) */
    size_t k = (size_t)(a - r->acc);
    struct eval_div *next = k + 1 < r->n_set ? &r->acc[k + 1].div : NULL;
    if (next && d->own && !next->spare && !next->begun) next->spare = d->own, next->spare_cap = d->cap;
    else free(d->own);
    free(d->seen);
    memset(d, 0, sizeof *d); /* (spare: taken or freed by set_first) */
}

/* In pieces (eval.h finish_part): the continuations are counted in order,
 * as one pass would, so the set and the counts come out the same; a piece
 * is the start (the table cleared: 1 MiB at N 200, 256 steps) or one
 * continuation (its steps' inserts), the deadline looked at between them */
static int finish_part(const void *state, const struct eval_run *r, struct eval_acc *a, int64_t deadline_ns,
                       int *more, struct ls_error *err)
{
    (void)state;
    struct eval_div *d = &a->div;
    uint32_t N = r->cfg.n_samples;
    *more = 0;
    int bad = !d->begun && div_begin(r, d);
    for (int first = 1; !bad && d->i < N; first = 0) {
        if (!first && deadline_ns > 0 && clock_ns() >= deadline_ns) { *more = 1; return LS_OK; }
        bad = div_row(r, a, d, d->i);
        d->i++;
    }
    if (bad) {
        free(d->own);
        free(d->seen);
        free(d->spare);
        memset(d, 0, sizeof *d);
        return ls_oom(err);
    }
    div_end(r, a);
    return LS_OK;
}

/* In one go (callers without a budget: eval_gen.c) */
static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    int more;
    return finish_part(state, r, a, 0, &more, err);
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
    .finish_part = finish_part,
};
