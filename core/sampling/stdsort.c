/* stdsort.c: libstdc++'s heap, partial_sort and introsort (see stdsort.h).
 * Each function mirrors the libstdc++ routine of the same name (bits/
 * stl_heap.h, bits/stl_algo.h) so that equal keys are moved identically;
 * the names say which. Written from the algorithms' description, in C. */
#include "sampling/stdsort.h"

#include <stdint.h>
#include <string.h>

#define COMP(x, y) ((x).logit > (y).logit)
#define THRESHOLD 16

static void push_heap(struct ls_tok *a, ptrdiff_t hole, ptrdiff_t top, struct ls_tok v)
{
    ptrdiff_t parent = (hole - 1) / 2;
    while (hole > top && COMP(a[parent], v)) {
        a[hole] = a[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    a[hole] = v;
}

static void adjust_heap(struct ls_tok *a, ptrdiff_t hole, ptrdiff_t len, struct ls_tok v)
{
    const ptrdiff_t top = hole;
    ptrdiff_t child = hole;
    while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (COMP(a[child], a[child - 1])) child--;
        a[hole] = a[child];
        hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        a[hole] = a[child - 1];
        hole = child - 1;
    }
    push_heap(a, hole, top, v);
}

static void make_heap(struct ls_tok *a, ptrdiff_t len)
{
    if (len < 2) return;
    for (ptrdiff_t parent = (len - 2) / 2;; parent--) {
        adjust_heap(a, parent, len, a[parent]);
        if (parent == 0) return;
    }
}

/* __pop_heap(first, last, result): the top goes to *result */
static void pop_heap(struct ls_tok *a, ptrdiff_t len, struct ls_tok *result)
{
    struct ls_tok v = *result;
    *result = a[0];
    adjust_heap(a, 0, len, v);
}

static void heap_select(struct ls_tok *a, ptrdiff_t k, ptrdiff_t n)
{
    make_heap(a, k);
    for (ptrdiff_t i = k; i < n; i++)
        if (COMP(a[i], a[0])) pop_heap(a, k, &a[i]);
}

static void sort_heap(struct ls_tok *a, ptrdiff_t len)
{
    while (len > 1) {
        len--;
        pop_heap(a, len, &a[len]);
    }
}

void stdsort_partial(struct ls_tok *a, size_t k, size_t n)
{
    heap_select(a, (ptrdiff_t)k, (ptrdiff_t)n);
    sort_heap(a, (ptrdiff_t)k);
}

/* the largest of z[i .. i + 16) (no NaN: a plain compare is exact), in
 * four 4-lane maxima and a tree instead of a loop of 15 dependent
 * compares (a float16 or bfloat16 dump's ties send llama.cpp's top-k
 * here: sample --all on [2048, 131072], one worker, f16 78 -> 68 us a
 * step, bf16 107 -> 87): the same value in any order, but for the sign
 * of a zero maximum, which the scalar loop's first zero decides */
typedef float stdsort_v4f __attribute__((vector_size(16)));
typedef int32_t stdsort_v4i __attribute__((vector_size(16)));
static inline stdsort_v4f vmax4(stdsort_v4f a, stdsort_v4f b)
{
    stdsort_v4i gt = b > a; /* a on ties: the earlier lane's */
    return (stdsort_v4f)(((stdsort_v4i)b & gt) | ((stdsort_v4i)a & ~gt));
}
static inline stdsort_v4f vmax16(const float *z)
{
    stdsort_v4f a, b, c, d;
    memcpy(&a, z, sizeof a);
    memcpy(&b, z + 4, sizeof b);
    memcpy(&c, z + 8, sizeof c);
    memcpy(&d, z + 12, sizeof d);
    return vmax4(vmax4(a, b), vmax4(c, d));
}
static float max16(const float *z)
{
    stdsort_v4f a = vmax16(z);
    float m = a[0];
    for (int j = 1; j < 4; j++) m = a[j] > m ? a[j] : m;
    if (m == 0.0f) { /* +0 or -0: the scalar loop's */
        m = z[0];
        for (int j = 1; j < 16; j++) m = z[j] > m ? z[j] : m;
    }
    return m;
}

/* element i of the streamed array */
static struct ls_tok elem(const struct ls_tok *src, const float *z, size_t i)
{
    return src ? src[i] : (struct ls_tok){ (int32_t)i, (double)z[i], 0.0 };
}

double stdsort_partial_stream(struct ls_tok *h, size_t k, const float *z, size_t n, const struct ls_tok *src)
{
    for (size_t i = 0; i < k; i++) h[i] = elem(src, z, i);
    make_heap(h, (ptrdiff_t)k);
    double cut = -1.0 / 0.0;
    size_t i = k;
    while (i < n) {
        double top = h[0].logit; /* a float's value: comparing floats is the same test */
        for (; i + 16 <= n; i += 16) {
            float m = max16(z + i);
            if ((double)m > top) break;
            if ((double)m > cut) cut = (double)m;
        }
        size_t end = i + 16 < n ? i + 16 : n;
        for (; i < end; i++) {
            double v = (double)z[i];
            if (v > h[0].logit) {
                if (h[0].logit > cut) cut = h[0].logit; /* pop_heap's *result: evicted */
                adjust_heap(h, 0, (ptrdiff_t)k, elem(src, z, i));
            } else if (v > cut) {
                cut = v;
            }
        }
    }
    sort_heap(h, (ptrdiff_t)k);
    return cut;
}

static void swap(struct ls_tok *x, struct ls_tok *y)
{
    struct ls_tok t = *x;
    *x = *y;
    *y = t;
}

static void move_median_to_first(struct ls_tok *res, struct ls_tok *x, struct ls_tok *y, struct ls_tok *z)
{
    if (COMP(*x, *y)) {
        if (COMP(*y, *z)) swap(res, y);
        else if (COMP(*x, *z)) swap(res, z);
        else swap(res, x);
    } else if (COMP(*x, *z)) swap(res, x);
    else if (COMP(*y, *z)) swap(res, z);
    else swap(res, y);
}

static struct ls_tok *unguarded_partition(struct ls_tok *first, struct ls_tok *last, const struct ls_tok *pivot)
{
    for (;;) {
        while (COMP(*first, *pivot)) first++;
        last--;
        while (COMP(*pivot, *last)) last--;
        if (!(first < last)) return first;
        swap(first, last);
        first++;
    }
}

static void introsort_loop(struct ls_tok *first, struct ls_tok *last, int depth)
{
    while (last - first > THRESHOLD) {
        if (depth == 0) { stdsort_partial(first, (size_t)(last - first), (size_t)(last - first)); return; }
        depth--;
        struct ls_tok *mid = first + (last - first) / 2;
        move_median_to_first(first, first + 1, mid, last - 1);
        struct ls_tok *cut = unguarded_partition(first + 1, last, first);
        introsort_loop(cut, last, depth);
        last = cut;
    }
}

static void unguarded_linear_insert(struct ls_tok *last)
{
    struct ls_tok v = *last, *next = last - 1;
    while (COMP(v, *next)) { *last = *next; last = next; next--; }
    *last = v;
}

static void insertion_sort(struct ls_tok *first, struct ls_tok *last)
{
    if (first == last) return;
    for (struct ls_tok *i = first + 1; i != last; i++) {
        if (COMP(*i, *first)) {
            struct ls_tok v = *i;
            for (struct ls_tok *j = i; j != first; j--) j[0] = j[-1];
            *first = v;
        } else {
            unguarded_linear_insert(i);
        }
    }
}

void stdsort_sort(struct ls_tok *a, size_t n)
{
    if (n < 2) return;
    int lg = 0;
    for (size_t m = n; m > 1; m >>= 1) lg++;
    introsort_loop(a, a + n, 2 * lg);
    if (n > THRESHOLD) {
        insertion_sort(a, a + THRESHOLD);
        for (struct ls_tok *i = a + THRESHOLD; i != a + n; i++) unguarded_linear_insert(i);
    } else {
        insertion_sort(a, a + n);
    }
}
