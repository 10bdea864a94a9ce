/* seqsum.c: exact sequential sums in vector blocks (see seqsum.h).
 *
 * The vector pass runs blocks of SEQ_BLOCK terms while every running sum
 * stays in its binade: each term is rounded to its sum's grid, terms on a
 * half-way point (or, for an estimate, whose interval reaches one) are
 * flagged; a flagged block's estimates are replaced by their true terms
 * (rounded again); an exact term on a half-way point, a negative term, or
 * a block sum leaving its binade hands the block to the scalar loop (the
 * definition itself) for every sum, after which the pass resumes in the
 * new binades. Several sums over one array share its loads. The vector
 * pass is AVX-512's (masks make the flags and the taken terms cheap),
 * following vmath's choice (LOGITSCOPE_SIMD); the other paths run the
 * scalar loop. Every path gives the scalar loop's bits. */
#include "sampling/seqsum.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

enum { SEQ_BLOCK = 256, SEQ_STEP = 32 };

static int is_est(const struct seqsum_src *src) { return src->rel != 0.0 || src->abs != 0.0; }

/* term i is taken (seqsum.h: take, key, eq) */
static inline int taken(const struct seqsum_src *src, uint32_t i)
{
    return !src->take || (src->take[i] == src->key) == (src->eq != 0);
}

/* The definition, over [i0, i0 + n), from s. An estimate whose whole
 * interval gives one rounded sum needs no true term. */
static double seq_block(const struct seqsum_src *src, uint32_t i0, uint32_t n, double s)
{
    int est = is_est(src);
    for (uint32_t i = i0; i < i0 + n; i++) {
        if (!taken(src, i)) continue;
        double x = src->v[i] * src->mul;
        if (!est) { s += x; continue; }
        double m = 2.0 * (src->rel * x + src->abs), lo = s + (x - m), hi = s + (x + m);
        s = lo == hi ? lo : s + src->exact(src->ctx, i);
    }
    return s;
}

/* A sum's grid: the base K of the binade [K, 2K) of s, its top 2K, half
 * its step, and the bound's terms doubled (the margin for rounding the
 * bound itself). */
struct grid { double K, top, half, rel2, abs2; };

static struct grid grid_of(const struct seqsum_src *src, double s)
{
    int ex;
    (void)frexp(s, &ex); /* s in [2^(ex-1), 2^ex) */
    struct grid g = { ldexp(1.0, ex - 1), ldexp(1.0, ex), ldexp(1.0, ex - 54), 2.0 * src->rel, 2.0 * src->abs };
    return g;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

/* One sum's state in the vector pass. */
struct lane_sum {
    __m512d K, half, rel2, acc;
    const uint8_t *take;
    double mul;
    int est, eq;
    uint8_t key;
};

/* Lanes m of the vector at j flagged: their true terms rounded instead
 * (into t); 0 when one is exact, a tie or negative (the block then runs
 * the scalar loop). */
T512 static int fix_lanes(const struct seqsum_src *src, uint32_t j, unsigned m, double K, double half, __m512d *t)
{
    double tv[8];
    if (!is_est(src)) return 0;
    _mm512_storeu_pd(tv, *t);
    for (int l = 0; l < 8; l++) {
        if (!(m >> l & 1)) continue;
        double xe = src->exact(src->ctx, j + (uint32_t)l), te = (xe + K) - K;
        if (!(xe >= 0.0 && fabs(xe - te) < half)) return 0;
        tv[l] = te;
    }
    *t = _mm512_loadu_pd(tv);
    return 1;
}

/* One sum over the 8 tokens at j (x0 the shared array's values): its
 * rounded terms into the accumulator; 0 when the block must run the
 * scalar loop. */
T512 static inline __attribute__((always_inline)) int lanes(const struct seqsum_src *src, struct lane_sum *q,
                                                           const struct grid *g, __m512d x0, uint32_t j,
                                                           __m512i *neg)
{
    __mmask8 tk = 0xFF;
    if (q->take) {
        __m512i b = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(q->take + j)));
        tk = _mm512_cmpeq_epi64_mask(b, _mm512_set1_epi64(q->key));
        if (!q->eq) tk = (__mmask8)~tk;
    }
    __m512d x = _mm512_maskz_mul_pd(tk, x0, _mm512_set1_pd(q->mul));
    __m512d t = _mm512_sub_pd(_mm512_add_pd(x, q->K), q->K);
    __m512d aw = _mm512_abs_pd(_mm512_sub_pd(x, t));
    if (q->est) aw = _mm512_add_pd(aw, _mm512_mul_pd(x, q->rel2));
    unsigned m = _mm512_cmp_pd_mask(aw, q->half, _CMP_GE_OQ);
    if (m && !fix_lanes(src, j, m, g->K, g->half, &t)) return 0;
    *neg = _mm512_or_si512(*neg, _mm512_castpd_si512(x));
    q->acc = _mm512_add_pd(q->acc, t);
    return 1;
}

/* m sums over src[0].v, blocks from i while every binade holds (every s
 * normal and positive): the index where a block needs the scalar loop
 * (or where the last partial block starts). The abs bound is folded into
 * a smaller half (s >= 2^-900 keeps it negligible). */
T512 static uint32_t run_avx512(const struct seqsum_src *src, int m, uint32_t i, uint32_t n, double *s)
{
    struct grid g[SEQSUM_MAX];
    struct lane_sum q[SEQSUM_MAX];
    for (int k = 0; k < m; k++) {
        g[k] = grid_of(&src[k], s[k]);
        q[k].K = _mm512_set1_pd(g[k].K);
        q[k].half = _mm512_set1_pd(g[k].half * (1.0 - 0x1p-40) - g[k].abs2);
        q[k].rel2 = _mm512_set1_pd(g[k].rel2);
        q[k].take = src[k].take, q[k].mul = src[k].mul, q[k].est = is_est(&src[k]);
        q[k].key = src[k].key, q[k].eq = src[k].eq != 0;
    }
    for (; i + SEQ_BLOCK <= n; i += SEQ_BLOCK) {
        __m512i neg = _mm512_setzero_si512();
        int ok = 1;
        for (int k = 0; k < m; k++) q[k].acc = _mm512_setzero_pd();
        for (uint32_t j = i; ok && j < i + SEQ_BLOCK; j += 8) {
            __m512d x0 = _mm512_loadu_pd(src[0].v + j);
            for (int k = 0; ok && k < m; k++) ok = lanes(&src[k], &q[k], &g[k], x0, j, &neg);
        }
        if (!ok || _mm512_cmplt_epi64_mask(neg, _mm512_setzero_si512())) return i;
        double ns[SEQSUM_MAX];
        for (int k = 0; ok && k < m; k++) {
            ns[k] = s[k] + _mm512_reduce_add_pd(q[k].acc); /* multiples of the grid below 2K: exact */
            ok = ns[k] < g[k].top;
        }
        if (!ok) return i;
        for (int k = 0; k < m; k++) s[k] = ns[k];
    }
    return i;
}
/* vmath's path (LOGITSCOPE_SIMD=portable or avx2 runs the scalar loop) */
static int vector_pass(void) { return !strcmp(vm_path_name(), "avx512"); }
#else
static uint32_t run_avx512(const struct seqsum_src *src, int m, uint32_t i, uint32_t n, double *s)
{
    (void)src, (void)m, (void)n, (void)s;
    return i;
}
static int vector_pass(void) { return 0; }
#endif

static int sums_ok(const double *s, int m)
{
    for (int k = 0; k < m; k++) if (!(s[k] >= 0x1p-900 && s[k] < 0x1p1000)) return 0;
    return 1;
}

void seqsum_many(const struct seqsum_src *src, int m, uint32_t n, double *out)
{
    int run = m >= 1 && m <= SEQSUM_MAX && vector_pass();
    uint32_t i = 0;
    for (int k = 0; k < m; k++) out[k] = 0.0;
    while (run && i + SEQ_BLOCK <= n) {
        if (sums_ok(out, m)) i = run_avx512(src, m, i, n, out); /* else the start, or tiny or huge sums */
        if (i + SEQ_BLOCK > n) break;
        /* a few terms by the loop (a sum leaving its binade, a tie), then
         * the vector pass again from there */
        for (int k = 0; k < m; k++) out[k] = seq_block(&src[k], i, SEQ_STEP, out[k]);
        i += SEQ_STEP;
    }
    for (int k = 0; k < m; k++) out[k] = seq_block(&src[k], i, n - i, out[k]);
}

double seqsum(const struct seqsum_src *src, uint32_t n)
{
    double s;
    seqsum_many(src, 1, n, &s);
    return s;
}

double seqsum_plain(const double *x, uint32_t n)
{
    struct seqsum_src src = seqsum_exact_src(x, NULL);
    return seqsum(&src, n);
}
