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

enum { SEQ_BLOCK = 256, SEQ_STEP = 32, PAIR_STEP = 8 };

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
 * its step, and the bound's terms (rel, abs as the source gives them: the
 * vector test needs no margin of its own, lane_k's half says why). */
struct grid { double K, top, half, rel, abs; };

static struct grid grid_of(const struct seqsum_src *src, double s)
{
    int ex;
    (void)frexp(s, &ex); /* s in [2^(ex-1), 2^ex) */
    struct grid g = { ldexp(1.0, ex - 1), ldexp(1.0, ex), ldexp(1.0, ex - 54), src->rel, src->abs };
    return g;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

/* Lanes m of a vector at j flagged: their true terms rounded instead
 * (into the rounded terms tv); 0 when one is exact, a tie or negative
 * (the block then runs the scalar loop). */
static int fix_lanes(const struct seqsum_src *src, uint32_t j, unsigned m, double K, double half, double *tv)
{
    if (!is_est(src)) return 0;
    for (int l = 0; l < 8; l++) {
        if (!(m >> l & 1)) continue;
        double xe = src->exact(src->ctx, j + (uint32_t)l), te = (xe + K) - K;
        if (!(xe >= 0.0 && fabs(xe - te) < half)) return 0;
        tv[l] = te;
    }
    return 1;
}

/* One sum's constants in the vector pass: its grid (K, the flag limit
 * half, the bound's rel), its factor and selection.
 * Why the flag needs no margin beyond half's: a lane stands unflagged
 * when RN(x rel + d) < half, d = |x - t| (exact: Sterbenz), half =
 * RN(h (1 - 2^-40) - abs) with h half the grid's step. half is a double
 * and rounding is monotone, so x rel + d < half itself, and half + abs <
 * h (the factor's 2^-40 h dwarfs the subtraction's rounding, 2^-53 h).
 * The true term lies within rel x + abs of x, so within less than h of t:
 * strictly inside t's rounding interval, which it rounds to as x does.
 * (The bound's terms were doubled before: a margin for rounding the
 * test, which the single rounding of the multiply-add never needed; it
 * flagged about twice the lanes, each a libm call.) */
struct lane_k {
    __m512d K, half, rel, mul;
    __m512i key;
    uint8_t key8;    /* the key itself (take_all's) */
    const uint8_t *take;
    int eq;
    __mmask8 flip;   /* 0 (eq) or 0xFF: the compare's lanes as taken, or their complement */
    struct grid g;
};

T512 static inline __attribute__((always_inline)) struct lane_k lane_k_of(const struct seqsum_src *src, double s)
{
    struct lane_k c;
    c.g = grid_of(src, s);
    c.K = _mm512_set1_pd(c.g.K);
    c.half = _mm512_set1_pd(c.g.half * (1.0 - 0x1p-40) - c.g.abs);
    c.rel = _mm512_set1_pd(c.g.rel);
    c.mul = _mm512_set1_pd(src->mul);
    c.key = _mm512_set1_epi64(src->key);
    c.key8 = src->key;
    c.take = src->take;
    c.eq = src->eq != 0;
    c.flip = c.eq ? 0 : 0xFF;
    return c;
}

/* the lanes of the 8 tokens at j that c's sum takes */
T512 static inline __attribute__((always_inline)) __mmask8 take8(const struct lane_k *c, uint32_t j)
{
    __m512i b = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(c->take + j)));
    return (__mmask8)(_mm512_cmpeq_epi64_mask(b, c->key) ^ c->flip); /* no branch on eq in the loop */
}

/* Whether c's sum takes every term of the SEQ_BLOCK at i (its mask bytes
 * 64 at a time, each word whole: x = byte ^ key has a zero byte where
 * the byte is key, found by (x - 0x01..) & ~x & 0x80.., exact for
 * whether any byte is zero): then the block's lanes need no mask. The
 * masses' cut (every token but the kept few) leaves most blocks whole. */
T512 static inline __attribute__((always_inline)) int take_all(const struct lane_k *c, uint32_t i)
{
    _Static_assert(SEQ_BLOCK % 64 == 0, "whole 64-byte words of mask");
    const __m512i K = _mm512_set1_epi64((long long)(0x0101010101010101ull * c->key8));
    const __m512i L = _mm512_set1_epi64(0x0101010101010101ll), H = _mm512_set1_epi64((long long)0x8080808080808080ull);
    __m512i zero = _mm512_setzero_si512(), other = zero;
    for (uint32_t q = 0; q < SEQ_BLOCK; q += 64) {
        __m512i x = _mm512_xor_si512(_mm512_loadu_si512((const void *)(c->take + i + q)), K);
        zero = _mm512_or_si512(zero, _mm512_and_si512(_mm512_andnot_si512(x, _mm512_sub_epi64(x, L)), H));
        other = _mm512_or_si512(other, x);
    }
    /* eq: taken where byte == key (every x zero); else where byte != key (no zero byte) */
    return !_mm512_test_epi64_mask(c->eq ? other : zero, c->eq ? other : zero);
}

/* The source's rounded terms of the 8 tokens at j, added to *acc; their
 * values ORed into *neg (a sign bit sends the block to the loop); 0 when
 * a flagged lane cannot be fixed. TAKE, MUL, EST: constants of the
 * instantiation (a mask, a factor other than 1, estimated terms). The
 * flag's x rel + |x - t| is one multiply-add: the exact value rounded
 * once (lane_k's half: why that needs no margin). */
T512 static inline __attribute__((always_inline)) int lanes8(const struct seqsum_src *src, const struct lane_k *c,
                                                            uint32_t j, __m512d *acc, __m512i *neg, const int TAKE,
                                                            const int MUL, const int EST)
{
    __m512d x = _mm512_loadu_pd(src->v + j);
    __mmask8 tk = 0xFF;
    if (TAKE) tk = take8(c, j);
    if (MUL) x = _mm512_maskz_mul_pd(tk, x, c->mul);
    else if (TAKE) x = _mm512_maskz_mov_pd(tk, x);
    __m512d t = _mm512_sub_pd(_mm512_add_pd(x, c->K), c->K);
    __m512d aw = _mm512_abs_pd(_mm512_sub_pd(x, t));
    if (EST) aw = _mm512_fmadd_pd(x, c->rel, aw);
    unsigned m = _mm512_cmp_pd_mask(aw, c->half, _CMP_GE_OQ);
    if (m) {
        double tv[8];
        _mm512_storeu_pd(tv, t);
        if (!fix_lanes(src, j, m, c->g.K, c->g.half, tv)) return 0;
        t = _mm512_loadu_pd(tv);
    }
    *neg = _mm512_or_si512(*neg, _mm512_castpd_si512(x));
    *acc = _mm512_add_pd(*acc, t);
    return 1;
}

/* One sum over src, blocks from i while its binade holds (s normal and
 * positive): the index where a block needs the scalar loop (or where the
 * last partial block starts). The abs bound is folded into a smaller half
 * (s >= 2^-900 keeps it negligible). Two accumulators per block; its
 * state in registers (an instantiation per TAKE, MUL, EST). */
T512 static inline __attribute__((always_inline)) uint32_t run_one(const struct seqsum_src *src, uint32_t i,
                                                                   uint32_t n, double *s, const int TAKE,
                                                                   const int MUL, const int EST)
{
    struct lane_k c = lane_k_of(src, *s);
    for (; i + SEQ_BLOCK <= n; i += SEQ_BLOCK) {
        __m512i neg = _mm512_setzero_si512();
        __m512d a0 = _mm512_setzero_pd(), a1 = a0;
        for (uint32_t j = i; j < i + SEQ_BLOCK; j += 16)
            if (!lanes8(src, &c, j, &a0, &neg, TAKE, MUL, EST) || !lanes8(src, &c, j + 8, &a1, &neg, TAKE, MUL, EST))
                return i;
        if (_mm512_cmplt_epi64_mask(neg, _mm512_setzero_si512())) return i;
        double ns = *s + _mm512_reduce_add_pd(_mm512_add_pd(a0, a1)); /* multiples of the grid below 2K: exact */
        if (!(ns < c.g.top)) return i;
        *s = ns;
    }
    return i;
}

T512 static uint32_t run_avx512(const struct seqsum_src *src, uint32_t i, uint32_t n, double *s)
{
    int take = src->take != NULL, mul = src->mul != 1.0, est = is_est(src);
    switch (take << 2 | mul << 1 | est) {
    case 0: return run_one(src, i, n, s, 0, 0, 0);
    case 1: return run_one(src, i, n, s, 0, 0, 1);
    case 2: return run_one(src, i, n, s, 0, 1, 0);
    case 3: return run_one(src, i, n, s, 0, 1, 1);
    case 4: return run_one(src, i, n, s, 1, 0, 0);
    case 5: return run_one(src, i, n, s, 1, 0, 1);
    case 6: return run_one(src, i, n, s, 1, 1, 0);
    default: return run_one(src, i, n, s, 1, 1, 1);
    }
}
/* A pair's flagged lanes (m0: of every term, m1: of the taken ones):
 * their true terms, one each (all at once through exact8 when the source
 * has it), rounded to each sum's grid instead (into t0, t1); 0 when one
 * is a tie or negative. */
static int fix_pair(const struct seqsum_src *src, uint32_t j, unsigned m0, unsigned m1, const struct grid *g,
                    double *t0, double *t1)
{
    double x8[8];
    if (src->exact8) src->exact8(src->ctx, j, m0 | m1, x8);
    for (int l = 0; l < 8; l++) {
        if (!((m0 | m1) >> l & 1)) continue;
        double xe = src->exact8 ? x8[l] : src->exact(src->ctx, j + (uint32_t)l);
        if (!(xe >= 0.0)) return 0;
        double *t[2] = { t0, t1 };
        for (int k = 0; k < 2; k++) {
            if (!((k ? m1 : m0) >> l & 1)) continue;
            double te = (xe + g[k].K) - g[k].K;
            if (!(fabs(xe - te) < g[k].half)) return 0;
            t[k][l] = te;
        }
    }
    return 1;
}

/* The pair's rounded terms of the 8 tokens at j (t0: every term, t1:
 * the taken ones), their values into *x (the sign test's); 0 when a
 * flagged lane cannot be fixed. One definition for run_pair and
 * pair_walk: the same terms either way. */
T512 static inline __attribute__((always_inline)) int pair_lanes(const struct seqsum_src *src, const struct lane_k *c0,
                                                                 const struct lane_k *c1, const struct grid *g,
                                                                 const double *vp, uint32_t j, const int MUL,
                                                                 const int TAKE, __m512d *x, __m512d *t0, __m512d *t1)
{
    __m512d v = _mm512_loadu_pd(vp + j);
    if (MUL) v = _mm512_mul_pd(v, c0->mul);
    __m512d y = TAKE ? _mm512_maskz_mov_pd(take8(c1, j), v) : v;
    __m512d u0 = _mm512_sub_pd(_mm512_add_pd(v, c0->K), c0->K), u1 = _mm512_sub_pd(_mm512_add_pd(y, c1->K), c1->K);
    __m512d w0 = _mm512_fmadd_pd(v, c0->rel, _mm512_abs_pd(_mm512_sub_pd(v, u0)));
    __m512d w1 = _mm512_fmadd_pd(y, c1->rel, _mm512_abs_pd(_mm512_sub_pd(y, u1)));
    __mmask8 m0 = _mm512_cmp_pd_mask(w0, c0->half, _CMP_GE_OQ), m1 = _mm512_cmp_pd_mask(w1, c1->half, _CMP_GE_OQ);
    if (!_kortestz_mask8_u8(m0, m1)) { /* (one mask test: no move of either to a register) */
        double v0[8], v1[8];
        _mm512_storeu_pd(v0, u0);
        _mm512_storeu_pd(v1, u1);
        if (!fix_pair(&src[0], j, m0, m1, g, v0, v1)) return 0;
        u0 = _mm512_loadu_pd(v0);
        u1 = _mm512_loadu_pd(v1);
    }
    *x = v, *t0 = u0, *t1 = u1;
    return 1;
}

/* A block run_pair could not add as a whole (its sums leave their
 * binades in it, most often: 20-40 times a step while they grow from
 * their first terms): its vectors of 8 added one at a time while each
 * stands (fixable, no sign bit, both sums still in their binades; a
 * vector's rounded terms sum exactly, as a block's do), up to the first
 * that does not; returns where that one starts, for the loop's few terms
 * there. Before, the block's start was returned and the loop ran
 * SEQ_STEP terms a try until the block stood: up to 8 tries of 256
 * terms, and the loop's terms with their libm calls, per crossing. */
T512 static uint32_t pair_walk(const struct seqsum_src *src, const struct lane_k *c0, const struct lane_k *c1,
                               uint32_t i, uint32_t end, double *s)
{
    const struct grid g[2] = { c0->g, c1->g };
    const int mul = src[0].mul != 1.0;
    for (; i < end; i += 8) {
        __m512d x, t0, t1;
        if (!pair_lanes(src, c0, c1, g, src[0].v, i, mul, 1, &x, &t0, &t1) || _mm512_movepi64_mask(_mm512_castpd_si512(x)))
            return i;
        double n0 = s[0] + _mm512_reduce_add_pd(t0), n1 = s[1] + _mm512_reduce_add_pd(t1);
        if (!(n0 < c0->g.top && n1 < c1->g.top)) return i; /* a partial sum past 2K may round, never below it */
        s[0] = n0, s[1] = n1;
    }
    return i;
}

/* One SEQ_BLOCK of run_pair_k's lanes from i into its accumulators: where
 * the lanes stopped (a flagged lane that cannot be fixed), i + SEQ_BLOCK
 * when none did. TAKE: sum 1's mask applied (take_all: not needed when
 * the block is whole). */
T512 static inline __attribute__((always_inline)) uint32_t pair_block(const struct seqsum_src *src,
                                                                      const struct lane_k *c0, const struct lane_k *c1,
                                                                      const struct grid *g, const double *vp, uint32_t i,
                                                                      const int MUL, const int TAKE, __m512i *neg,
                                                                      __m512d *a0, __m512d *a1)
{
    for (uint32_t j = i; j < i + SEQ_BLOCK; j += 8) {
        __m512d x, t0, t1;
        if (!pair_lanes(src, c0, c1, g, vp, j, MUL, TAKE, &x, &t0, &t1)) return j;
        *neg = _mm512_or_si512(*neg, _mm512_castpd_si512(x));
        *a0 = _mm512_add_pd(*a0, t0);
        *a1 = _mm512_add_pd(*a1, t1);
    }
    return i + SEQ_BLOCK;
}

/* The masses' pair (seqsum_exp_masses, pair_shape): every term (sum 0)
 * and the taken ones (sum 1) of one estimated source, in one pass that
 * shares the loads, the factor and each flagged lane's true term; as
 * run_one otherwise, where both sums hold; a block that does not stand
 * as a whole goes to pair_walk. MUL: a constant of the instantiation
 * (the factor other than 1), so that the loop tests nothing but flags. */
T512 static inline __attribute__((always_inline)) uint32_t run_pair_k(const struct seqsum_src *src, uint32_t i,
                                                                      uint32_t n, double *s, const int MUL)
{
    const struct lane_k c0 = lane_k_of(&src[0], s[0]), c1 = lane_k_of(&src[1], s[1]);
    const struct grid g[2] = { c0.g, c1.g };
    const double *const vp = src[0].v;
    for (; i + SEQ_BLOCK <= n; i += SEQ_BLOCK) {
        __m512i neg = _mm512_setzero_si512();
        __m512d a0 = _mm512_setzero_pd(), a1 = a0;
        uint32_t j = i;
        if (take_all(&c1, i)) j = pair_block(src, &c0, &c1, g, vp, i, MUL, 0, &neg, &a0, &a1);
        else j = pair_block(src, &c0, &c1, g, vp, i, MUL, 1, &neg, &a0, &a1);
        if (j < i + SEQ_BLOCK) return pair_walk(src, &c0, &c1, i, j, s);
        double n0 = s[0] + _mm512_reduce_add_pd(a0), n1 = s[1] + _mm512_reduce_add_pd(a1); /* exact, as run_one's */
        if (_mm512_cmplt_epi64_mask(neg, _mm512_setzero_si512()) || !(n0 < c0.g.top && n1 < c1.g.top))
            return pair_walk(src, &c0, &c1, i, i + SEQ_BLOCK, s);
        s[0] = n0, s[1] = n1;
    }
    return i;
}

T512 static uint32_t run_pair(const struct seqsum_src *src, uint32_t i, uint32_t n, double *s)
{
    return src[0].mul != 1.0 ? run_pair_k(src, i, n, s, 1) : run_pair_k(src, i, n, s, 0);
}

/* vmath's path (LOGITSCOPE_SIMD=portable or avx2 runs the scalar loop) */
static int vector_pass(void) { return vm_path_lanes() == 16; }
#else
static uint32_t run_avx512(const struct seqsum_src *src, uint32_t i, uint32_t n, double *s)
{
    (void)src, (void)n, (void)s;
    return i;
}
static int vector_pass(void) { return 0; }
static uint32_t run_pair(const struct seqsum_src *src, uint32_t i, uint32_t n, double *s)
{
    (void)src, (void)n, (void)s;
    return i;
}
#endif

/* src[0..2) is the masses' pair: one estimated array, every term and the
 * taken ones (seqsum_exp_masses) */
static int pair_shape(const struct seqsum_src *src, int m)
{
    return m == 2 && src[0].v == src[1].v && src[0].mul == src[1].mul && is_est(&src[0]) && !src[0].take &&
           src[1].take && src[0].rel == src[1].rel && src[0].abs == src[1].abs && src[0].exact == src[1].exact &&
           src[0].exact8 == src[1].exact8 && src[0].ctx == src[1].ctx;
}

/* The pair's true terms, remembered by position (direct-mapped): both
 * sums ask for the same term (the loop runs each in turn), and a vector
 * block that fails (its sum left the binade: often at the start, where
 * the sum doubles every few blocks) asks again, in the loop, for the terms
 * it fixed; on a step of 131072 about half the libm calls were repeats.
 * A true term is a function of its position: the same bits. */
enum { MEMO = 512 };
struct memo {
    double (*exact)(void *ctx, uint32_t i);
    void (*exact8)(void *ctx, uint32_t i, unsigned mask, double *out);
    void *ctx;
    uint32_t key[MEMO]; /* position + 1 (0: empty) */
    double val[MEMO];
};

static double memo_term(void *ctx, uint32_t i)
{
    struct memo *m = ctx;
    uint32_t k = i % MEMO;
    if (m->key[k] == i + 1) return m->val[k];
    m->key[k] = i + 1;
    return m->val[k] = m->exact(m->ctx, i);
}

/* the source's exact8, its terms remembered as memo_term's */
static void memo_term8(void *ctx, uint32_t i, unsigned mask, double *out)
{
    struct memo *m = ctx;
    m->exact8(m->ctx, i, mask, out);
    for (uint32_t l = 0; l < 8; l++) {
        if (!(mask >> l & 1)) continue;
        m->key[(i + l) % MEMO] = i + l + 1;
        m->val[(i + l) % MEMO] = out[l];
    }
}

/* The pair's two sums from 0, together (run_pair where both hold, the loop
 * for both elsewhere), their true terms through one memo */
static void sum_pair(const struct seqsum_src *src0, uint32_t n, double *out)
{
    struct memo memo;
    memo.exact = src0[0].exact;
    memo.exact8 = src0[0].exact8;
    memo.ctx = src0[0].ctx; /* the pair's two sources share them (pair_shape) */
    memset(memo.key, 0, sizeof memo.key);
    struct seqsum_src src[2] = { src0[0], src0[1] };
    for (int k = 0; k < 2; k++) {
        src[k].exact = memo_term, src[k].ctx = &memo;
        src[k].exact8 = memo.exact8 ? memo_term8 : NULL;
    }
    uint32_t i = 0;
    out[0] = out[1] = 0.0;
    while (i + SEQ_BLOCK <= n) {
        if (out[0] >= 0x1p-900 && out[0] < 0x1p1000 && out[1] >= 0x1p-900 && out[1] < 0x1p1000)
            i = run_pair(src, i, n, out);
        if (i + SEQ_BLOCK > n) break;
        /* run_pair stopped at the vector that cannot be vector (pair_walk):
         * its 8 terms by the loop, then the blocks again */
        for (int k = 0; k < 2; k++) out[k] = seq_block(&src[k], i, PAIR_STEP, out[k]);
        i += PAIR_STEP;
    }
    for (int k = 0; k < 2; k++) out[k] = seq_block(&src[k], i, n - i, out[k]);
}

/* One sum from 0 (the vector blocks where they hold, the loop elsewhere) */
static double sum_one(const struct seqsum_src *src, uint32_t n, int run)
{
    uint32_t i = 0;
    double s = 0.0;
    while (run && i + SEQ_BLOCK <= n) {
        if (s >= 0x1p-900 && s < 0x1p1000) i = run_avx512(src, i, n, &s); /* else the start, or tiny or huge */
        if (i + SEQ_BLOCK > n) break;
        /* a few terms by the loop (the sum leaving its binade, a tie), then
         * the vector pass again from there */
        s = seq_block(src, i, SEQ_STEP, s);
        i += SEQ_STEP;
    }
    return seq_block(src, i, n - i, s);
}

/* The sums are independent: each runs its own pass (the array stays in
 * cache between them; one sum's state fits in registers, several did not) */
void seqsum_many(const struct seqsum_src *src, int m, uint32_t n, double *out)
{
    int run = vector_pass();
    if (run && pair_shape(src, m)) { sum_pair(src, n, out); return; }
    for (int k = 0; k < m; k++) out[k] = sum_one(&src[k], n, run);
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
