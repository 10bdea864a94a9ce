/* emu_alive.c: llama.cpp's sorted softmax after a mask that leaves few
 * candidates (see emu.h emu_llama_sorted_alive).
 *
 * After a top-n-sigma on an n-gram model's step, a few dozen of thousands
 * of candidates are alive; the rest are -inf. llama.cpp sorts the whole
 * array by buckets: every -inf falls in bucket 0 with nothing else (no
 * survivor does, checked), and each higher bucket holds survivors only,
 * in array order, sorted by std::sort. So the survivors alone are bucketed
 * and sorted, bucket by bucket from the top, as far as the next stage
 * reads (emu_llama_bucket_upto's rule); the masked entries follow in array
 * order (bucket 0 is left unsorted, emu_llama_lazy_fill's liberty). The
 * softmax sums the survivors' expf in descending value order (a masked
 * entry adds 0), as llama.cpp's sorted sum does; p as float.
 * Units: p as llama.cpp computes it (float), stored in double. */
#include "sampling/emu.h"
#include "base/vmath_expf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int by_desc(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a > b ? -1 : a < b;
}

/* the survivors' positions into e->ix, their buckets into e->ix2 and
 * histo; their count, or 0 when the shortcut does not apply */
static uint32_t bucket_alive(struct emu *e, uint32_t histo[128])
{
    uint32_t n = e->n, m = 0;
    memset(histo, 0, 128 * sizeof *histo);
    for (uint32_t i = 0; i < n; i++) {
        if (e->a[i].logit == -INFINITY) continue;
        if (m >= n / 4) return 0;
        int b = emu_llama_bucket_of(e, e->a[i].logit);
        if (b < 1) return 0;
        e->ix[m] = (int32_t)i;
        e->ix2[m++] = b;
        histo[b]++;
    }
    return m;
}

/* llama.cpp's float sum of expf(v - mx) over the survivors out[0..m) in
 * descending value order: sorted buckets are read in place, the others'
 * values sorted apart (e->v) */
static float sorted_sum(struct emu *e, const struct ls_tok *out, const uint32_t histo[128],
                        const uint32_t base[128], uint32_t sorted_to, float mx)
{
    float cum = 0.0f, ex = 0.0f;
    double prev = NAN;
    for (int j = 127; j >= 1; j--) {
        uint32_t h = histo[j];
        const struct ls_tok *b = out + base[j];
        double *v = e->v;
        for (uint32_t t = 0; t < h; t++) v[t] = b[t].logit;
        if (base[j] + h > sorted_to) qsort(v, h, sizeof *v, by_desc);
        for (uint32_t t = 0; t < h; t++) {
            if (!(v[t] == prev)) { ex = ls_expf((float)v[t] - mx); prev = v[t]; }
            cum += ex;
        }
    }
    return cum;
}

/* out[0..m): the survivors src[pos[t]] (pos NULL: src[t]), whose buckets
 * are e->ix2[t] (counted in histo), bucketed in that order, sorted from
 * the top bucket down as far as need, each with its p */
static void place_alive(struct emu *e, const struct ls_tok *src, const int32_t *pos, uint32_t m,
                        const uint32_t histo[128], uint32_t need, struct ls_tok *out)
{
    uint32_t base[128], start[128], off = 0, sorted_to = 0;
    for (int j = 127; j >= 1; j--) { base[j] = start[j] = off; off += histo[j]; }
    for (uint32_t t = 0; t < m; t++) out[start[e->ix2[t]]++] = src[pos ? pos[t] : (int32_t)t];
    for (int j = 127; j >= 1 && sorted_to < need; j--) { /* emu_llama_bucket_upto's rule */
        stdsort_sort(out + base[j], histo[j]);
        sorted_to = base[j] + histo[j];
    }
    float mx = (float)out[0].logit, cum = sorted_sum(e, out, histo, base, sorted_to, mx);
    for (uint32_t t = 0; t < m; t++) out[t].p = ls_expf((float)out[t].logit - mx) / cum;
}

/* the array becomes out (the two V-long arrays change places: no copy) */
static void take(struct emu *e, struct ls_tok *out, uint32_t n)
{
    e->buf = e->a;
    e->a = out;
    e->n = n;
    e->sorted = 1;
}

int emu_llama_sorted_alive(struct emu *e, uint32_t need)
{
    uint32_t histo[128], n = e->n;
    uint32_t m = bucket_alive(e, histo);
    if (m == 0) return 0;
    struct ls_tok *out = e->buf;
    place_alive(e, e->a, e->ix, m, histo, need, out);
    for (uint32_t i = 0, w = m; i < n; i++)
        if (e->a[i].logit == -INFINITY) { out[w] = e->a[i]; out[w++].p = 0.0; }
    take(e, out, n);
    return 1;
}

int emu_llama_alive_ids(struct emu *e, const float *z, const int32_t *ids, uint32_t m, uint32_t need)
{
    uint32_t histo[128] = { 0 }, w = m, end = need > m ? need : m;
    for (uint32_t t = 0; t < m; t++) {
        int b = emu_llama_bucket_of(e, (double)z[ids[t]]);
        if (b < 1) return 0;
        e->a[t] = (struct ls_tok){ ids[t], (double)z[ids[t]], 0.0 };
        e->ix2[t] = b;
        histo[b]++;
    }
    if (m == 0) return 0;
    struct ls_tok *out = e->buf;
    place_alive(e, e->a, NULL, m, histo, need, out);
    for (uint32_t i = 0, t = 0; w < end; i++) { /* the first masked ids, ascending */
        if (t < m && ids[t] == (int32_t)i) { t++; continue; }
        out[w++] = (struct ls_tok){ (int32_t)i, -INFINITY, 0.0 };
    }
    take(e, out, end);
    return 1;
}
