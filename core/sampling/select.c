/* select.c: selection primitives (see select.h).
 *
 * Quickselects are three-way (equal keys are never moved twice, so runs of
 * tied logits cost O(n)) with a median-of-three pivot; if one runs far more
 * rounds than log2(n) (an adversarial input) it sorts the remaining range,
 * bounding the worst case at O(n log n). */
#include "sampling/select.h"
#include "base/vmath.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_RANGE 48  /* a crossing range this short is insertion-sorted */

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The r-th largest (0-based, duplicates counted) of values pushed one at
 * a time, for a small r: the r + 1 best kept in descending order; a value
 * below the kept last is one predictable branch (quickselect's partitions
 * mispredict on every other element: 2048 samples cost it ~25 us). The
 * same value as select_kth_largest, whatever order the values come in. */
#define SMALL_RANK 32 /* at most SELECT_STRIPES (stripes_rank) */
struct best_r { double best[SMALL_RANK]; uint32_t m, r; };
static inline void best_push(struct best_r *b, double x)
{
    if (b->m == b->r + 1 && !(x > b->best[b->r])) return;
    uint32_t j = b->m < b->r + 1 ? b->m++ : b->r;
    while (j > 0 && b->best[j - 1] < x) { b->best[j] = b->best[j - 1]; j--; }
    b->best[j] = x;
}

static double small_rank(const double *v, uint32_t n, uint32_t r)
{
    struct best_r b = { .m = 0, .r = r };
    for (uint32_t i = 0; i < n; i++) best_push(&b, v[i]);
    return b.best[r];
}

/* small_rank over the whole sample by its stripes (value i in stripe i mod
 * SELECT_STRIPES, each stripe's maximum kept as the sample was read): the
 * r-th largest maximum m has r + 1 values at or above it, so the sample's
 * r-th largest is at least m, and every value at or above m lies in a
 * stripe whose maximum is; those few stripes (about r + 1) are ranked
 * alone, the same value. The full walk was half the sample's cost. */
static double stripes_rank(const struct select_sample *s, uint32_t r)
{
    double m = small_rank(s->smax, SELECT_STRIPES, r);
    struct best_r b = { .m = 0, .r = r };
    for (uint32_t l = 0; l < SELECT_STRIPES; l++)
        if (s->smax[l] >= m)
            for (uint32_t i = l; i < SELECT_SAMPLE; i += SELECT_STRIPES) best_push(&b, s->v[i]);
    return b.best[r];
}

/* the sample's rank for k, with a wide margin (a threshold that lets
 * fewer than k through makes the caller fall back); 0: k is not small
 * against n, or n too small to sample */
static int sample_rank(uint32_t n, uint32_t k, uint64_t *r)
{
    if ((uint64_t)k * 16 >= n || n <= 4 * SELECT_SAMPLE) return 0;
    /* expected rank of the k-th value in the sample, doubled, plus 4 */
    *r = (uint64_t)k * SELECT_SAMPLE / n * 2 + 4;
    return *r < SELECT_SAMPLE;
}

/* the r-th largest of the sample: O(sample), no sort (reorders v) */
static double sample_value(double *v, uint64_t r)
{
    return r < SMALL_RANK ? small_rank(v, SELECT_SAMPLE, (uint32_t)r) : select_kth_largest(v, SELECT_SAMPLE, (uint32_t)r);
}

int select_sample_threshold(select_get_fn get, const void *ctx, uint32_t n, uint32_t k, double *thr)
{
    uint64_t r;
    if (!sample_rank(n, k, &r)) return 0;
    double smp[SELECT_SAMPLE];
    uint32_t stride = n / SELECT_SAMPLE;
    for (uint32_t i = 0; i < SELECT_SAMPLE; i++) smp[i] = get(ctx, i * stride);
    *thr = sample_value(smp, r);
    return 1;
}

/* the sample read: values in stripes of SELECT_STRIPES, each stripe's
 * maximum along */
static void sample_fill(struct select_sample *s)
{
    uint32_t stride = s->n / SELECT_SAMPLE;
    for (uint32_t l = 0; l < SELECT_STRIPES; l++) s->smax[l] = -INFINITY;
    for (uint32_t i = 0; i < SELECT_SAMPLE; i += SELECT_STRIPES)
        for (uint32_t l = 0; l < SELECT_STRIPES; l++) {
            float z = s->z[(size_t)(i + l) * stride];
            double x = isfinite(z) ? (double)z : -INFINITY;
            s->v[i + l] = x;
            s->smax[l] = x > s->smax[l] ? x : s->smax[l];
        }
    s->have = 1;
}

int select_sample_floats_rank(struct select_sample *s, uint32_t k, double *thr)
{
    uint64_t r;
    if (!sample_rank(s->n, k, &r)) return 0;
    if (!s->have) sample_fill(s);
    if (r < SMALL_RANK) { *thr = stripes_rank(s, (uint32_t)r); return 1; }
    double v[SELECT_SAMPLE]; /* the selection reorders: the stripes stay as read */
    memcpy(v, s->v, sizeof v);
    *thr = select_kth_largest(v, SELECT_SAMPLE, (uint32_t)r);
    return 1;
}

double select_kth_largest(double *v, uint32_t n, uint32_t k)
{
    size_t lo = 0, hi = n, rounds = 0;
    while (hi - lo > 1) {
        if (++rounds > 64) {
            qsort(v + lo, hi - lo, sizeof *v, cmp_desc);
            return v[k];
        }
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
        double piv = (a > b) ? ((b > c) ? b : (a > c ? c : a)) : ((a > c) ? a : (b > c ? c : b));
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double t;
            if (v[i] > piv) { t = v[lt]; v[lt] = v[i]; v[i] = t; lt++; i++; }
            else if (v[i] < piv) { gt--; t = v[gt]; v[gt] = v[i]; v[i] = t; }
            else i++;
        }
        if (k < lt) hi = lt;
        else if (k >= gt) lo = gt;
        else return piv;
    }
    return v[lo];
}

/* A float's rank key, descending value then ascending id: one integer
 * compare (-0 and +0 one value, as they compare equal). */
static inline uint64_t desc_key(float f, int32_t id)
{
    if (f == 0.0f) f = 0.0f;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u = u & 0x80000000u ? ~u : u | 0x80000000u;
    return (uint64_t)~u << 32 | (uint32_t)id;
}

#define BEST_NB 128
#define BEST_ROOM (4 * SELECT_BEST_MAX)
/* select_best_floats on the values g[0..c) of the tokens ids[0..c) */
static int best_of(const float *g, const int32_t *ids, uint32_t c, double zmax, double lo, uint32_t K, int32_t *out)
{
    double scale = (BEST_NB - 1) / (zmax - lo);
    if (!(zmax > lo) || !(scale < 1e300)) return 0; /* a range too narrow to divide */
    /* bucket = floor((zmax - v) * scale): monotone in v (rounding is) */
    uint32_t histo[BEST_NB] = {0}, B = 0, acc = 0;
    for (uint32_t j = 0; j < c; j++) histo[(int)(((zmax - (double)g[j]) * scale))]++;
    while (acc + histo[B] < K) acc += histo[B++];
    if (acc + histo[B] > BEST_ROOM) return 0;
    uint32_t at[BEST_NB];
    for (uint32_t b = 0, t = 0; b <= B; b++) { at[b] = t; t += histo[b]; }
    uint64_t key[BEST_ROOM];
    for (uint32_t j = 0; j < c; j++) { /* by bucket: out of order only within one */
        uint32_t b = (uint32_t)(int)((zmax - (double)g[j]) * scale);
        if (b <= B) key[at[b]++] = desc_key(g[j], ids[j]);
    }
    uint32_t s = acc + histo[B];
    for (uint32_t j = 1; j < s; j++) {
        uint64_t x = key[j];
        uint32_t i = j;
        while (i > 0 && key[i - 1] > x) { key[i] = key[i - 1]; i--; }
        key[i] = x;
    }
    for (uint32_t j = 0; j < K; j++) out[j] = (int32_t)(uint32_t)key[j];
    return 1;
}

#define BEST_GATHER 1024
int select_best_floats(const float *z, const int32_t *ids, uint32_t c, double zmax, uint32_t K, int32_t *out)
{
    if (K == 0 || K > SELECT_BEST_MAX || c < K || c > BEST_GATHER) return 0;
    float g[BEST_GATHER]; /* the values gathered once: each z[id] a likely cache miss */
    double mn = zmax;
    for (uint32_t j = 0; j < c; j++) { g[j] = z[ids[j]]; mn = (double)g[j] < mn ? (double)g[j] : mn; }
    return best_of(g, ids, c, zmax, mn, K, out);
}

static void heap_sift_down(int32_t *h, uint32_t n, uint32_t i, const double *p)
{
    /* min-heap on rank order: the root is the worst of the kept n */
    for (;;) {
        uint32_t l = 2 * i + 1, rr = l + 1, w = i;
        if (l < n && select_before(p, h[w], h[l])) w = l;
        if (rr < n && select_before(p, h[w], h[rr])) w = rr;
        if (w == i) return;
        int32_t t = h[i]; h[i] = h[w]; h[w] = t;
        i = w;
    }
}

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));

/* Some of p[i..i+8) is at or above thr (one vector test instead of eight
 * branches: most of a vocabulary lies below a sampled threshold). */
static inline __attribute__((always_inline)) int any_ge(const double *p, uint32_t i, double thr)
{
    v4d a, b;
    memcpy(&a, p + i, sizeof a);
    memcpy(&b, p + i + 4, sizeof b);
    v4l m = (a >= thr) | (b >= thr);
    return (m[0] | m[1] | m[2] | m[3]) != 0;
}

/* select_top; SKIP: test eight values at a time first (AVX2) */
static inline __attribute__((always_inline)) uint32_t top_body(const double *p, uint32_t V, double thr, uint32_t n,
                                                              int32_t *out, int skip)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < V; i++) {
        if (skip && (i & 7) == 0 && i + 8 <= V && !any_ge(p, i, thr)) { i += 7; continue; }
        if (!(p[i] >= thr)) continue;
        int32_t id = (int32_t)i;
        if (k < n) {
            out[k++] = id;
            if (k == n) for (uint32_t j = n / 2 + 1; j-- > 0;) heap_sift_down(out, n, j, p);
        } else if (select_before(p, id, out[0])) {
            out[0] = id;
            heap_sift_down(out, n, 0, p);
        }
    }
    if (k < n) { n = k; for (uint32_t j = n / 2 + 1; j-- > 0;) heap_sift_down(out, n, j, p); }
    for (uint32_t end = n; end > 1; end--) {
        int32_t t = out[0]; out[0] = out[end - 1]; out[end - 1] = t;
        heap_sift_down(out, end - 1, 0, p);
    }
    return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static uint32_t top_avx2(const double *p, uint32_t V, double thr, uint32_t n,
                                                          int32_t *out)
{
    return top_body(p, V, thr, n, out, 1);
}
#endif

uint32_t select_top(const double *p, uint32_t V, double thr, uint32_t n, int32_t *out)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (vm_path_lanes() >= 8) return top_avx2(p, V, thr, n, out); /* vmath's choice */
#endif
    return top_body(p, V, thr, n, out, 0);
}

/* b[k] = select_bucket_of(zmax, z[k], scale) for k < c */
static void buckets_plain(const float *z, uint32_t c, double zmax, double scale, int32_t *b)
{
    for (uint32_t k = 0; k < c; k++) b[k] = select_bucket_of(zmax, (double)z[k], scale);
}

/* the same, W lanes at a time (GCC vector extensions, one body per width
 * the build has: AVX2's 4 double lanes, AVX-512's 8): the same difference,
 * product and truncation per lane; NaN and d >= 255 (the compare false)
 * take the last bucket, their d masked to 0 before the conversion */
#define BUCKETS_FN(NAME, ATTR, W)                                                                  \
    ATTR static void NAME(const float *z, uint32_t c, double zmax, double scale, int32_t *b)        \
    {                                                                                              \
        typedef float vf __attribute__((vector_size(4 * (W)), aligned(4)));                        \
        typedef double vd __attribute__((vector_size(8 * (W))));                                   \
        typedef int64_t vl __attribute__((vector_size(8 * (W))));                                  \
        typedef int32_t vi __attribute__((vector_size(4 * (W)), aligned(4)));                      \
        uint32_t k = 0;                                                                            \
        for (; k + (W) <= c; k += (W)) {                                                           \
            vd d = (zmax - __builtin_convertvector(*(const vf *)(z + k), vd)) * scale;             \
            vl in = d < (double)(SELECT_NB - 1);                                                   \
            vi t = __builtin_convertvector((vd)((vl)d & in), vi);                                  \
            vi m = __builtin_convertvector(in, vi); /* -1 in range, else 0 */                      \
            *(vi *)(b + k) = (t & m) | (~m & (SELECT_NB - 1));                                     \
        }                                                                                          \
        buckets_plain(z + k, c - k, zmax, scale, b + k);                                           \
    }
#if defined(__x86_64__) && defined(__GNUC__)
BUCKETS_FN(buckets4, __attribute__((target("avx2"))), 4)
BUCKETS_FN(buckets8, __attribute__((target("avx512f,avx512dq"))), 8)
#endif

/* mass[b] += q[j] for every token j in id order, b its bucket: a chunk's
 * buckets first (a vector at a time on AVX2 and AVX-512: forming them was
 * most of the plain loop's time), then the adds, each bucket's in id
 * order as the plain loop makes them */
static void every_bucket_mass(const float *z, const double *q, uint32_t n, double zmax, double scale,
                              double mass[SELECT_NB])
{
    enum { CH = 256 };
    int32_t b[CH];
    void (*buckets)(const float *, uint32_t, double, double, int32_t *) = buckets_plain;
#if defined(__x86_64__) && defined(__GNUC__)
    int wd = vm_path_lanes(); /* vmath's choice */
    buckets = wd >= 16 ? buckets8 : wd >= 8 ? buckets4 : buckets_plain;
#endif
    for (uint32_t j = 0; j < n; j += CH) {
        uint32_t c = n - j < CH ? n - j : CH;
        buckets(z + j, c, zmax, scale, b);
        for (uint32_t k = 0; k < c; k++) mass[b[k]] += q[j + k];
    }
}

struct select_band select_mass_band_to(const int32_t *ids, uint32_t n, const float *z, const double *q,
                                       double zmax, double scale, double frac, double target)
{
    double mass[SELECT_NB] = {0}, S = 0.0, acc = 0.0;
    if (!ids) /* every token: id j */
        every_bucket_mass(z, q, n, zmax, scale, mass);
    else
        for (uint32_t j = 0; j < n; j++) {
            int32_t id = ids[j];
            mass[select_bucket_of(zmax, (double)z[id], scale)] += q[id];
        }
    for (int b = 0; b < SELECT_NB; b++) S += mass[b];
    if (!(target >= 0)) target = frac * S;
    int B = 0;
    while (B < SELECT_NB - 1 && acc + mass[B] < target) acc += mass[B++];
    return (struct select_band){ B, S, target, acc };
}

struct select_band select_mass_band(const int32_t *ids, uint32_t n, const float *z, const double *q,
                                    double zmax, double scale, double frac)
{
    return select_mass_band_to(ids, n, z, q, zmax, scale, frac, -1.0);
}

static void insertion_sort(int32_t *a, size_t n, const double *t)
{
    for (size_t i = 1; i < n; i++) {
        int32_t v = a[i];
        size_t j = i;
        while (j > 0 && select_before(t, v, a[j - 1])) { a[j] = a[j - 1]; j--; }
        a[j] = v;
    }
}

/* qsort has no context argument in C11: the ranks' values, one per thread
 * (chains run at once on step and explorer workers) */
static _Thread_local const double *g_sort_t;
static int cmp_rank(const void *pa, const void *pb)
{
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    return select_before(g_sort_t, a, b) ? -1 : (select_before(g_sort_t, b, a) ? 1 : 0);
}

/* Partition pos[lo..hi) so elements ranked at or before piv come first;
 * returns the split and their mass in *mass. */
static size_t partition_mass(int32_t *pos, size_t lo, size_t hi, const double *t, int32_t piv, double *mass)
{
    size_t i = lo;
    double m = 0.0;
    for (size_t j = lo; j < hi; j++) {
        int32_t v = pos[j];
        if (!select_before(t, piv, v)) {
            pos[j] = pos[i]; pos[i] = v; i++;
            m += t[v];
        }
    }
    *mass = m;
    return i;
}

int32_t select_mass_crossing(int32_t *pos, uint32_t n, const double *t, double target)
{
    size_t lo = 0, hi = n, rounds = 0;
    double acc = 0.0;
    while (hi - lo > SMALL_RANGE && rounds++ < 200) {
        int32_t a = pos[lo], b = pos[lo + (hi - lo) / 2], c = pos[hi - 1];
        int32_t piv = select_before(t, a, b) ? (select_before(t, b, c) ? b : (select_before(t, a, c) ? c : a))
                                             : (select_before(t, a, c) ? a : (select_before(t, b, c) ? c : b));
        double mass;
        size_t i = partition_mass(pos, lo, hi, t, piv, &mass);
        if (!(acc + mass >= target)) { acc += mass; lo = i; continue; }
        if (i != hi) { hi = i; continue; }
        /* the pivot is the last-ranked element of the whole range */
        if (!(acc + mass - t[piv] >= target)) return piv;
        for (size_t j = lo; j < hi; j++)
            if (pos[j] == piv) { pos[j] = pos[hi - 1]; pos[hi - 1] = piv; break; }
        hi--;
    }
    if (hi - lo <= SMALL_RANGE) insertion_sort(pos + lo, hi - lo, t);
    else { g_sort_t = t; qsort(pos + lo, hi - lo, sizeof *pos, cmp_rank); }
    for (size_t j = lo; j < hi; j++) {
        acc += t[pos[j]];
        if (acc >= target) return pos[j];
    }
    return pos[hi - 1]; /* mass never reached the target (rounding): keep the whole range */
}
