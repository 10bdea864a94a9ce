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
#include "sampling/select.h"
#include "base/vmath_expf.h"

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

/* count n values (doubles, or floats with f32, stride bytes apart from base) per value into t
 * (size a power of two); the slot of each into slot_of; 0 when more than
 * limit distinct values */
static uint32_t count_values(const char *base, size_t stride, int f32, uint32_t n, struct vslot *t, uint32_t size,
                             uint32_t limit, int32_t *slot_of)
{
    uint32_t nd = 0;
    memset(t, 0, size * sizeof *t);
    for (uint32_t j = 0; j < n; j++) {
        double v;
        if (f32) { float f; memcpy(&f, base + j * stride, sizeof f); v = f; }
        else memcpy(&v, base + j * stride, sizeof v);
        uint32_t k = key_of(v), h = (k * 2654435761u) & (size - 1);
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

/* the table's distinct values into d, descending; their count */
static uint32_t sorted_values(const struct vslot *t, uint32_t size, struct vsort *d)
{
    uint32_t m = 0;
    for (uint32_t h = 0; h < size; h++) {
        if (!t[h].count) continue;
        memcpy(&d[m].v, &t[h].key, sizeof d[m].v);
        d[m++].slot = h;
    }
    qsort(d, m, sizeof *d, by_value_desc);
    return m;
}

/* the table size for n values, or 0 when counting them is not worth it or
 * the scratch is too small (V doubles for the table) */
static uint32_t table_size(const struct emu *e, uint32_t n)
{
    uint32_t limit = n / 4, size = 16;
    while (size < 2 * limit) size *= 2;
    if (limit < 16 || (size_t)size * sizeof(struct vslot) > (size_t)e->ws->V * sizeof(double)) return 0;
    return size;
}

double emu_kth_largest(struct emu *e, double *v, uint32_t n, uint32_t k)
{
    uint32_t size = table_size(e, n), nd = 0;
    for (uint32_t j = 0; j < n && size; j++) if (v[j] != (double)(float)v[j]) size = 0; /* keys are floats */
    struct vslot *t = (struct vslot *)(void *)e->v2;
    if (size) nd = count_values((const char *)v, sizeof *v, 0, n, t, size, n / 4, e->ix2);
    if (!nd) return select_kth_largest(v, n, k);
    struct vsort *d = (struct vsort *)(void *)e->in; /* nd <= n / 4 pairs of 8 bytes in V int32 */
    uint32_t m = sorted_values(t, size, d), seen = 0;
    for (uint32_t i = 0; i < m; i++) {
        seen += t[d[i].slot].count;
        if (seen > k) return (double)d[i].v;
    }
    return (double)d[m - 1].v;
}

int emu_llama_sum_by_value(struct emu *e, struct ls_tok *a, uint32_t n, int want_order)
{
    uint32_t size = table_size(e, n);
    if (!size) return 0;
    struct vslot *t = (struct vslot *)(void *)e->v2;
    struct vsort *d = (struct vsort *)(void *)e->v;
    if (!count_values((const char *)&a[0].logit, sizeof *a, 0, n, t, size, n / 4, e->ix2)) return 0;
    uint32_t m = sorted_values(t, size, d);
    float mx = d[0].v, cum = 0.0f;
    uint32_t off = 0;
    for (uint32_t i = 0; i < m; i++) {
        struct vslot *s = &t[d[i].slot];
        s->ex = ls_expf(d[i].v - mx);
        s->off = off;
        off += s->count;
        if (s->ex != 0.0f) for (uint32_t c = 0; c < s->count; c++) cum += s->ex; /* one add per candidate, in order */
    }
    for (uint32_t j = 0; j < n; j++) a[j].p = t[e->ix2[j]].ex / cum;
    if (want_order) for (uint32_t j = 0; j < n; j++) e->ix[t[e->ix2[j]].off++] = (int32_t)j;
    return 1;
}

uint32_t emu_distinct_desc(struct emu *e, const float *y, uint32_t n, struct emu_value *out)
{
    uint32_t size = table_size(e, n);
    struct vslot *t = (struct vslot *)(void *)e->v2;
    struct vsort *d = (struct vsort *)(void *)e->in; /* nd <= n / 4 pairs of 8 bytes in V int32 */
    if (!size || !count_values((const char *)y, sizeof *y, 1, n, t, size, n / 4, e->ix2)) return 0;
    uint32_t m = sorted_values(t, size, d);
    for (uint32_t i = 0; i < m; i++) out[i] = (struct emu_value){ d[i].v, t[d[i].slot].count };
    return m;
}
