/* emu_ties.c: llama.cpp's sorted softmax sum on arrays with heavy ties,
 * by distinct value (see emu.h emu_llama_sum_by_value).
 *
 * An n-gram model's logits take a few hundred distinct values over
 * thousands of tokens (backed-off tokens share theirs). The float sum that
 * llama.cpp's sorted softmax runs is a sequence of expf(value - max) in
 * descending value order, one add per candidate: it depends on the values
 * and how often each occurs, not on the tie order. So the candidates are
 * counted per distinct value (a small open-addressing table keyed by the
 * float's bits, -0 folded into +0), the few distinct values sorted, and
 * the adds replayed value by value: one expf per distinct value instead of
 * one per candidate, and no sort of the candidates. Units: p as llama.cpp
 * computes it (float), stored in double. */
#include "sampling/emu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void emu_exp_memo(const float *z, uint32_t V, double mx, double *d)
{
    enum { SLOTS = 1024 };
    uint32_t key[SLOTS];
    double val[SLOTS];
    memset(key, 0xFF, sizeof key); /* the bits of a NaN: never a logit's */
    for (uint32_t i = 0; i < V; i++) {
        uint32_t u;
        memcpy(&u, &z[i], sizeof u);
        uint32_t h = (u * 2654435761u) >> 22;
        if (key[h] != u) { key[h] = u; val[h] = exp((double)z[i] - mx); }
        d[i] = val[h];
    }
}

struct vslot { uint32_t key, count, off; float ex; };
struct vsort { float v; uint32_t slot; };

static uint32_t key_of(double v)
{
    float f = (float)v;
    if (f == 0.0f) f = 0.0f; /* -0 and +0 are one value */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int by_value_desc(const void *x, const void *y)
{
    float a = ((const struct vsort *)x)->v, b = ((const struct vsort *)y)->v;
    return a > b ? -1 : a < b;
}

/* count the candidates per value into t (size a power of two); the slot of
 * each candidate into slot_of; 0 when more than limit distinct values */
static uint32_t count_values(const struct ls_tok *a, uint32_t n, struct vslot *t, uint32_t size, uint32_t limit,
                             int32_t *slot_of)
{
    uint32_t nd = 0;
    memset(t, 0, size * sizeof *t);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t k = key_of(a[j].logit), h = (k * 2654435761u) & (size - 1);
        while (t[h].count && t[h].key != k) h = (h + 1) & (size - 1);
        if (!t[h].count) {
            if (++nd > limit) return 0;
            t[h].key = k;
        }
        t[h].count++;
        slot_of[j] = (int32_t)h;
    }
    return nd;
}

int emu_llama_sum_by_value(struct emu *e, struct ls_tok *a, uint32_t n, int want_order)
{
    uint32_t limit = n / 4, size = 16;
    while (size < 2 * limit) size *= 2;
    if (limit < 16 || (size_t)size * sizeof(struct vslot) > (size_t)e->ws->V * sizeof(double)) return 0;
    struct vslot *t = (struct vslot *)(void *)e->v2;
    struct vsort *d = (struct vsort *)(void *)e->v;
    uint32_t nd = count_values(a, n, t, size, limit, e->ix2);
    if (!nd) return 0;
    uint32_t m = 0;
    for (uint32_t h = 0; h < size; h++) {
        if (!t[h].count) continue;
        memcpy(&d[m].v, &t[h].key, sizeof d[m].v);
        d[m++].slot = h;
    }
    qsort(d, m, sizeof *d, by_value_desc);
    float mx = d[0].v, cum = 0.0f;
    uint32_t off = 0;
    for (uint32_t i = 0; i < m; i++) {
        struct vslot *s = &t[d[i].slot];
        s->ex = expf(d[i].v - mx);
        s->off = off;
        off += s->count;
        if (s->ex != 0.0f) for (uint32_t c = 0; c < s->count; c++) cum += s->ex; /* one add per candidate, in order */
    }
    for (uint32_t j = 0; j < n; j++) a[j].p = t[e->ix2[j]].ex / cum;
    if (want_order) for (uint32_t j = 0; j < n; j++) e->ix[t[e->ix2[j]].off++] = (int32_t)j;
    return 1;
}
