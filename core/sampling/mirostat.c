/* mirostat.c: mirostat v1 and v2 (llama.cpp; array path only), with mu
 * carried over steps in chain_ws (chain_accept updates it from the chosen
 * token; it starts at 2 tau).
 *   v1  sorted softmax; Zipf exponent s by least squares over the top
 *       m = 100 pairs (t_i = ln((i+2)/(i+1)), b_i = ln(p_i / p_i+1));
 *       k = ((s-1) 2^mu / (1 - V^-(s-1)))^(1/s), V the vocabulary size;
 *       top-k with max(int k, 1), sorted softmax
 *   v2  sorted softmax; keep the prefix before the first token with
 *       -log2 p > mu (at least one), sorted softmax
 * Float arithmetic under llama.cpp's rules, double for exact. The draw and
 * the mu update (mu -= eta (-log2 p_chosen - tau), p after truncation)
 * happen in chain_accept: the chain shows the distribution drawn from. */
#include "sampling/stage.h"

#include <math.h>
#include <string.h>

#define MIROSTAT_M 100

static void sorted_softmax(struct emu *e)
{
    if (emu_llama(e)) emu_llama_softmax(e, 1);
    else { emu_sort_desc(e); emu_softmax(e); }
}

/* a: the sorted candidates (their first MIROSTAT_M at least) */
uint32_t emu_mirostat_v1_k(struct emu *e, const struct ls_tok *a, double mu)
{
    double stb = 0.0, stt = 0.0;
    for (uint32_t i = 0; i + 1 < MIROSTAT_M && i + 1 < e->n; i++) {
        double t = emu_log(e, emu_f(e, (double)(i + 2) / (double)(i + 1)));
        double b = emu_log(e, emu_f(e, a[i].p / a[i + 1].p));
        stb = emu_f(e, stb + emu_f(e, t * b));
        stt = emu_f(e, stt + emu_f(e, t * t));
    }
    double s = emu_f(e, stb / stt), eps = emu_f(e, s - 1);
    double num = emu_f(e, eps * emu_f(e, pow(2.0, emu_f(e, mu))));
    double den = emu_f(e, 1 - emu_f(e, pow((double)e->ws->V, -eps)));
    double k = emu_f(e, pow(emu_f(e, num / den), emu_f(e, 1 / s)));
    chain_note(e->r, "mirostat v1: mu %.6g, s %.6g, k %.6g", mu, s, k);
    return !(k >= 1) ? 1 : k >= (double)e->n ? e->n : (uint32_t)k;
}

int emu_mirostat_surprised(const struct emu *e, double p, double mu)
{
    return -emu_f(e, log2(emu_f(e, p))) > mu;
}

/* v2's cut: the first position whose surprise exceeds mu (at least 1);
 * b, when not NULL, sorts a (llama.cpp's buckets) as far as it is read */
static uint32_t v2_cut(struct emu *e, const struct ls_tok *a, struct llama_buckets *b, double mu)
{
    uint32_t i = 0;
    for (; i < e->n; i++) {
        if (b) emu_llama_bucket_upto(b, i + 1);
        if (emu_mirostat_surprised(e, a[i].p, mu)) break;
    }
    chain_note(e->r, "mirostat v2: mu %.6g", mu);
    return i ? i : 1;
}

/* llama.cpp on more than 128 unsorted candidates, without its full sort.
 * The cut depends on the p sequence only, a function of the values in
 * descending order (emu_llama_sorted_p sets every p as the full sort
 * would): found on the candidates in value order (e->ix).
 * When nothing runs after it (llama.cpp's preset ends with mirostat; the
 * stages it replaces do not run) and the cut does not split equal
 * values, which of the equal values sit where inside the kept prefix
 * changes no result (the sums over it run over the same values in the
 * same order, survivors are reported by id): that prefix is kept as is.
 * Otherwise llama.cpp's own order is replayed as far as the cut. */
static void llama_lazy(struct emu *e, double mu)
{
    emu_llama_sorted_p(e);
    uint32_t n = e->n, m;
    struct ls_tok *v = e->buf; /* the candidates in value order */
    for (uint32_t t = 0; t < n; t++) v[t] = e->a[e->ix[t]];
    m = e->p->mirostat == 1 ? emu_mirostat_v1_k(e, v, mu) : v2_cut(e, v, NULL, mu);
    if (e->next_kind == STAGE_NONE && (m == n || v[m - 1].logit > v[m].logit)) {
        memcpy(e->a, v, (size_t)m * sizeof *e->a);
        e->n = m;
        e->sorted = 1;
        return;
    }
    struct llama_buckets b;
    emu_llama_lazy_fill(e, &b);
    emu_llama_lazy_take(e, &b, m, m);
}

/* after temp-ext's sort was owed (emu_defer_sort.c): the array is in
 * value order, ties in id order; llama.cpp's is the same but for the tie
 * order, which only a cut through equal values reads (then replayed) */
static void owed_sort(struct emu *e, double mu)
{
    emu_llama_softmax(e, 0); /* the sorted p: the same values in the same order */
    uint32_t m = e->p->mirostat == 1 ? emu_mirostat_v1_k(e, e->a, mu) : v2_cut(e, e->a, NULL, mu);
    if (m < e->n && e->a[m - 1].logit == e->a[m].logit) emu_sort_replay(e);
    e->sort_deferred = 0;
    e->sorted = 1;
    emu_shrink(e, m);
}

void emu_mirostat(struct emu *e)
{
    struct chain_ws *ws = e->ws;
    double mu = ws->mu_set ? ws->mu : 2.0 * emu_f(e, e->p->mirostat_tau);
    if (e->sort_deferred) {
        owed_sort(e, mu);
    } else if (emu_llama(e) && !e->sorted && e->n > 128 && !e->ws->reference) {
        llama_lazy(e, mu);
    } else {
        sorted_softmax(e);
        emu_shrink(e, e->p->mirostat == 1 ? emu_mirostat_v1_k(e, e->a, mu) : v2_cut(e, e->a, NULL, mu));
    }
    sorted_softmax(e);
}
