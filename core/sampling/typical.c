/* typical.c: the typical-p stage (locally typical sampling; array path
 * only). Score s_i = |-ln p_i - H| over the current candidates; keep the
 * most typical (smallest s) until their mass passes p. p >= 1 is off.
 *   llama.cpp  sorted softmax in float; order by s with std::sort (its
 *              tie order); stop at the first cum > p (strict) once min-keep
 *              are in; the array is left in that order, marked unsorted.
 *              Zero probabilities are left out of H (llama.cpp would get
 *              NaN from 0 * log 0 there)
 *   HF         float32 log-softmax; stable sort by s; last = how many
 *              cumulative masses are < p; keep every s <= s[last] (ties
 *              kept) and the first min-keep
 *   exact      HF's rule in double, ties in s by lower id */
#include "sampling/stage.h"

#include <math.h>
#include <string.h>

static void llama_typical(struct emu *e)
{
    emu_llama_softmax(e, 1);
    float H = 0.0f, P = (float)e->p->typical_p, cum = 0.0f;
    for (uint32_t i = 0; i < e->n; i++) { float pr = (float)e->a[i].p; if (pr > 0) H += -pr * logf(pr); }
    for (uint32_t i = 0; i < e->n; i++) {
        e->buf[i].id = (int32_t)i;  /* std::sort of indices by s ascending */
        e->buf[i].logit = -(double)fabsf(-logf((float)e->a[i].p) - H);
    }
    stdsort_sort(e->buf, e->n);
    uint32_t mk = emu_min_keep(e), last = e->n;
    for (uint32_t i = 0; i < e->n; i++) {
        cum += (float)e->a[e->buf[i].id].p;
        if (cum > P && (mk == 0 || i >= mk - 1)) { last = i + 1; break; }
    }
    for (uint32_t i = 0; i < last; i++) e->buf[i] = e->a[e->buf[i].id];
    memcpy(e->a, e->buf, (size_t)last * sizeof *e->a);
    e->n = last;
    e->sorted = 0;
}

/* HF's rule (float32 under system rules, double for exact) */
static void hf_typical(struct emu *e)
{
    uint32_t n = e->n;
    double mx = emu_softmax(e), S = 0.0, H = 0.0;
    for (uint32_t i = 0; i < n; i++) S += exp(e->a[i].logit - mx);
    double lse = emu_f(e, mx + log(S));
    for (uint32_t i = 0; i < n; i++) {
        double lp = emu_f(e, e->a[i].logit - lse);
        if (e->a[i].p > 0) H += lp * e->a[i].p;
    }
    H = emu_f(e, -H);
    for (uint32_t i = 0; i < n; i++) {
        e->v[i] = emu_f(e, fabs(-emu_f(e, e->a[i].logit - lse) - H));
        e->ix[i] = (int32_t)i;
    }
    emu_argsort(e->v, e->ix, e->ix2, n, e->buf);
    double acc = 0.0;
    uint32_t last = 0;
    for (uint32_t j = 0; j < n; j++) { acc += e->a[e->ix[j]].p; if (emu_f(e, acc) < e->p->typical_p) last++; }
    if (last > n - 1) last = n - 1;
    double bound = e->v[e->ix[last]];
    uint32_t mk = emu_min_keep(e);
    for (uint32_t j = mk; j < n; j++) if (e->v[e->ix[j]] > bound) emu_mask(e, (uint32_t)e->ix[j]);
}

void emu_typical(struct emu *e)
{
    if (emu_llama(e)) llama_typical(e);
    else hf_typical(e);
}
