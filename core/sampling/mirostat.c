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

#define MIROSTAT_M 100

static void sorted_softmax(struct emu *e)
{
    if (emu_llama(e)) emu_llama_softmax(e, 1);
    else { emu_sort_desc(e); emu_softmax(e); }
}

static uint32_t v1_k(struct emu *e, double mu)
{
    double stb = 0.0, stt = 0.0;
    for (uint32_t i = 0; i + 1 < MIROSTAT_M && i + 1 < e->n; i++) {
        double t = emu_log(e, emu_f(e, (double)(i + 2) / (double)(i + 1)));
        double b = emu_log(e, emu_f(e, e->a[i].p / e->a[i + 1].p));
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

void emu_mirostat(struct emu *e)
{
    struct chain_ws *ws = e->ws;
    double mu = ws->mu_set ? ws->mu : 2.0 * emu_f(e, e->p->mirostat_tau);
    sorted_softmax(e);
    if (e->p->mirostat == 1) {
        emu_shrink(e, v1_k(e, mu));
    } else {
        uint32_t i = 0;
        while (i < e->n && !(-emu_f(e, log2(emu_f(e, e->a[i].p))) > mu)) i++;
        emu_shrink(e, i ? i : 1);
        chain_note(e->r, "mirostat v2: mu %.6g", mu);
    }
    sorted_softmax(e);
}
