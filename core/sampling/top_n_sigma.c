/* top_n_sigma.c: the top-n-sigma stage (llama.cpp; array path only).
 * Over the finite logits of the current candidates: max and population
 * standard deviation sigma; mask z < max - n * sigma, then a sorted
 * softmax (llama.cpp re-sorts here, which later stages' tie order sees).
 * The masked entries stay in llama.cpp's array. Arithmetic in float under
 * llama.cpp's rules (its squared deviations are summed through double
 * pow, stored to a float accumulator), double for exact; under
 * llama.cpp's rules the threshold comes from sigma_cut.c (certified from
 * double sums, its float sums where that cannot decide). n <= 0 is off;
 * one candidate is left alone. */
#include "sampling/stage.h"
#include "sampling/sigma_cut.h"

#include <float.h>
#include <math.h>

/* How many leading positions the next stage reads in order: k for a
 * top-k (llama.cpp's, on a sorted array, keeps the first k), else all. */
static uint32_t read_ahead(const struct emu *e)
{
    if (e->next_kind == STAGE_TOP_K && e->p->top_k > 0 && (uint32_t)e->p->top_k < e->n) return (uint32_t)e->p->top_k;
    return e->n;
}

/* llama.cpp's sorted softmax after the cut; when the next stage is a
 * top-k, its full sort is replayed only over the positions the top-k
 * keeps (emu_llama_sorted_p and _lazy_fill: the same p, the same order there; the
 * rest of the array holds the other candidates unsorted, which the top-k
 * drops and the accounting reads in any order). When few survive, only
 * they are sorted, all of them when every position is read (the masked
 * entries after them in array order: emu_llama_sorted_alive's liberty,
 * which would otherwise cost a heap sort of the masked bucket). */
static void llama_sorted_softmax(struct emu *e)
{
    uint32_t need = read_ahead(e);
    if (e->sorted || e->n <= 128 || e->ws->reference) { emu_llama_softmax(e, 1); return; }
    if (emu_llama_sorted_alive(e, need)) return; /* few survive: sort only them */
    if (need >= e->n) { emu_llama_softmax(e, 1); return; }
    struct llama_buckets b;
    emu_llama_sorted_p(e);
    emu_llama_lazy_fill(e, &b);
    emu_llama_lazy_take(e, &b, need, e->n);
}

/* The threshold as the rules compute it, add after add (emu_f rounds to
 * float under system rules): the exact rules, and system rules on logits
 * that are not all floats. */
static double rules_threshold(const struct emu *e)
{
    double mx = e->a[0].logit, sum = 0.0, acc = 0.0;
    uint32_t cnt = 0;
    for (uint32_t i = 0; i < e->n; i++) {
        double z = e->a[i].logit;
        if (z == -INFINITY) continue;
        if (z > mx) mx = z;
        sum = emu_f(e, sum + z);
        cnt++;
    }
    double mean = cnt ? emu_f(e, sum / cnt) : 0.0;
    for (uint32_t i = 0; i < e->n; i++) {
        double d = emu_f(e, e->a[i].logit - mean);
        if (e->a[i].logit != -INFINITY) acc = emu_f(e, acc + d * d);
    }
    double sd = cnt ? emu_f(e, sqrt(emu_f(e, acc / cnt))) : 0.0;
    return emu_f(e, mx - emu_f(e, emu_f(e, e->p->top_n_sigma) * sd));
}

/* llama.cpp's threshold (sigma_cut.c) over the finite logits gathered in
 * array order as floats; certified from double sums except on the
 * whole-array path, which runs llama.cpp's own float sums (tests/unit/
 * test_sigma_cut.c compares both). Logits that are not all floats: the
 * rules' loop. */
static double system_threshold(struct emu *e)
{
    uint32_t cnt = 0;
    float mx = -INFINITY;
    for (uint32_t i = 0; i < e->n; i++) {
        double v = e->a[i].logit;
        if (v == -INFINITY) continue;
        if (!(fabs(v) <= FLT_MAX) || (double)(float)v != v) return rules_threshold(e);
        float z = (float)v;
        if (z > mx) mx = z;
        e->yf[cnt++] = z;
    }
    if (!cnt) return -INFINITY; /* llama.cpp: mean and sd 0, thr = max = -inf */
    return sigma_cut_f32(e->yf, cnt, mx, (float)e->p->top_n_sigma, !e->ws->reference, NULL);
}

void emu_top_n_sigma(struct emu *e)
{
    if (e->n <= 1) return;
    double thr = e->f32 ? system_threshold(e) : rules_threshold(e);
    for (uint32_t i = 0; i < e->n; i++) if (e->a[i].logit < thr) emu_mask(e, i);
    if (emu_llama(e)) llama_sorted_softmax(e);
}
