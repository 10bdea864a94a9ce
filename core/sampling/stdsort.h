/* stdsort.h: the sorting algorithms of GCC's libstdc++, step for step, on
 * the candidate records the system emulation works on (emu.h).
 *
 * llama.cpp orders candidates with std::partial_sort and std::sort, which
 * are unstable: which of several equal logits ends up first is whatever
 * these exact algorithms leave. Reproducing llama.cpp's ties therefore
 * means running the same algorithms in the same order on the same array:
 *   stdsort_partial   std::partial_sort = heap-select (make_heap over the
 *                     first k, then pop every better later element into
 *                     it) followed by sort_heap
 *   stdsort_sort      std::sort = introsort (median-of-three into first,
 *                     unguarded partition, depth limit 2*floor(log2 n) with
 *                     heapsort fallback, threshold 16) then the final
 *                     insertion sort
 * The comparison is llama.cpp's `a.logit > b.logit` (descending); no other
 * comparison is ever made, so equal logits move exactly as in libstdc++.
 * Units: none (a permutation). No allocation. */
#ifndef LS_STDSORT_H
#define LS_STDSORT_H

#include <stddef.h>
#include <stdint.h>

/* One candidate as llama.cpp's llama_token_data holds it (values are kept
 * in double; the emulation rounds them to float where the system does). */
struct ls_tok {
    int32_t id;
    double logit;
    double p;
};

/* std::partial_sort(a, a + k, a + n, greater-logit) */
void stdsort_partial(struct ls_tok *a, size_t k, size_t n);
/* std::sort(a, a + n, greater-logit) */
void stdsort_sort(struct ls_tok *a, size_t n);
/* std::partial_sort(a, a + k, a + n, greater-logit) on the array a[i] =
 * {i, z[i], 0} for i in [0, n), without writing it: the heap h[0..k)
 * receives exactly the first k records the full call would leave (same
 * tie order), for a fraction of its cost. Why this is the same: heap_select
 * only reads a[i] for i >= k once, at step i, and what pop_heap writes back
 * there is never read again; so the array beyond k need not exist, and a
 * run of elements not above the heap's top (the k-th best so far) changes
 * nothing, which a vector max over 16 at a time can tell. 0 < k <= n;
 * z not NaN. With src not NULL the array is src[0..n) instead, z[i] its
 * logits as floats (each exactly src[i].logit). Returns the largest value
 * not kept (-inf when k == n). */
double stdsort_partial_stream(struct ls_tok *h, size_t k, const float *z, size_t n, const struct ls_tok *src);

#endif
