/* emu_topp_torch.c: HF's and vLLM's top-p on the array path without the
 * stable sort of every candidate (see emu.h emu_torch_top_p_bands).
 *
 * torch sorts the float probabilities ascending (stable: equal logits in
 * array order), accumulates them in double, rounds each prefix sum to
 * float and masks the positions whose rounded sum is <= thr (never the
 * last min-keep); beside it, the exact prefix sums of the input
 * distribution d against 1 - p say whether float32 alone decided. Both
 * are monotone, so each is one crossing: the first position whose sum
 * passes a boundary (for the float test, the midpoint between thr and the
 * next float: a double at or below it rounds to thr or lower, above it
 * to more). Found here in two passes:
 *   1. mass bands: the candidates binned by logit (ascending, NB bins
 *      over their range), each bin's summed weight; the bin where the
 *      running sum passes the boundary holds the crossing;
 *   2. that bin alone sorted by (logit, position) and summed on.
 * Summed in another order than torch's, a prefix sum of n terms of at
 * most 1 differs from its by at most n ulps of 1 on each side (every
 * partial sum stays below 2); the crossing is taken only when the sums
 * just before and after it are farther than that (EPS_N) from the
 * boundary, else nothing is decided here and the sort runs as before.
 * tests/unit/test_topp_large.c builds cases at the boundary and compares
 * both ways on random and tie-heavy steps. */
#include "sampling/emu.h"
#include "sampling/emu_lanes.h"
#include "base/vmath.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define NB 2048
#define MIN_N 4096                 /* below: the sort is cheap */
#define EPS_N (4.0 * 0x1p-52)      /* per term, with a factor 2 to spare */

struct bands {
    double lo, scale;              /* bin(l) = (l - lo) * scale */
    double hi;                     /* the largest logit */
    uint32_t cnt[NB];
    double w[2][NB];               /* summed weight(s, i, which) */
    /* fill_bands' sums, both weights side by side (one add of a pair):
     * one copy a bin, 32 KiB that stay in L1 (four copies a bin, so that
     * neighbours in one bin did not wait on each other's adds, took 128
     * KiB: every add then missed L1, 10% slower on broad steps) */
    double wp[NB][2];
};

/* The candidates by position: the array (a, its p and the stage's d by
 * id), or plain arrays by position (y, the float exps ef: torch's p is
 * ef / sf, float division; d over S; d NULL: ef over S, their sum, stands
 * for d / S within a relative bound, crossing's rel) */
struct src {
    const struct emu *e;
    const float *y, *ef;           /* NULL: read e->a */
    float sf;
    const double *d;
    double S;
    uint32_t n;
    uint16_t *bin;                 /* each position's bin (filled here), or NULL */
};

static inline double logit_at(const struct src *s, uint32_t i)
{
    return s->y ? (double)s->y[i] : s->e->a[i].logit;
}

/* weight of position i: torch's float p (which 0) or the exact d (which 1) */
static inline double weight(const struct src *s, uint32_t i, int which)
{
    if (s->y) return which ? (s->d ? s->d[i] : (double)s->ef[i]) / s->S : (double)(s->ef[i] / s->sf);
    return which ? s->e->d[s->e->a[i].id] / s->e->S_in : s->e->a[i].p;
}

static uint32_t bin_of(const struct bands *b, double l)
{
    double x = (l - b->lo) * b->scale;
    return x < 0 ? 0 : x >= NB - 1 ? NB - 1 : (uint32_t)x;
}

/* the (logit, position) keys of the positions in bin k (s->bin) into kv,
 * in position order, their count returned; the number of positions in
 * the bins below k into *below (fill_plain counts none). W bins at a time
 * (SSE2's 8, or AVX2's 16 on the wider paths): one compare for the many
 * blocks that hold none of them. */
#define BIN_KEYS_FN(NAME, ATTR, W)                                                                  \
    typedef uint16_t NAME##_h __attribute__((vector_size(2 * W)));                                 \
    typedef int16_t NAME##_s __attribute__((vector_size(2 * W)));                                  \
    typedef uint64_t NAME##_q __attribute__((vector_size(2 * W)));                                 \
    ATTR static uint32_t NAME(const struct src *s, uint16_t k, uint64_t *kv, uint32_t *below)      \
    {                                                                                              \
        uint32_t n = s->n, nb = 0, i = 0, lt = 0;                                                  \
        NAME##_h kk = (NAME##_h){ 0 } + k, x;                                                      \
        while (i + W <= n) {                                                                       \
            NAME##_s acc = { 0 }; /* minus each lane's count below k: at most 4096 a block */      \
            for (uint32_t end = n - i > W * 4096 ? i + W * 4096 : n & ~(W - 1u); i < end; i += W) { \
                memcpy(&x, s->bin + i, sizeof x);                                                  \
                NAME##_q eq = (NAME##_q)(x == kk);                                                 \
                acc += (NAME##_s)(x < kk);                                                         \
                uint64_t any = 0;                                                                  \
                for (int l = 0; l < W / 4; l++) any |= eq[l];                                      \
                if (!any) continue;                                                                \
                for (uint32_t j = i; j < i + W; j++)                                               \
                    if (s->bin[j] == k) kv[nb++] = (uint64_t)emu_float_key(logit_at(s, j)) << 32 | j; \
            }                                                                                      \
            for (int l = 0; l < W; l++) lt += (uint32_t)-acc[l];                                   \
        }                                                                                          \
        for (; i < n; i++) {                                                                       \
            lt += s->bin[i] < k;                                                                   \
            if (s->bin[i] == k) kv[nb++] = (uint64_t)emu_float_key(logit_at(s, i)) << 32 | i;      \
        }                                                                                          \
        *below = lt;                                                                               \
        return nb;                                                                                 \
    }
BIN_KEYS_FN(bin_keys8, , 8)
#if defined(__x86_64__) && defined(__GNUC__)
BIN_KEYS_FN(bin_keys16, __attribute__((target("avx2"))), 16)
#endif

static uint32_t bin_keys(const struct src *s, uint16_t k, uint64_t *kv, uint32_t *below)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (vm_path_lanes() >= 8) return bin_keys16(s, k, kv, below);
#endif
    return bin_keys8(s, k, kv, below);
}

/* The number of leading positions (ascending (logit, position)) whose
 * prefix sum stays at or below B; the first position past it into *first
 * (n when none). Returns -1 when the margin does not decide. rel: each
 * weight is within rel of the true one, relative (0: the true ones), so
 * a prefix sum up to the boundary within rel (B + eps) of its own */
static int64_t crossing(struct emu *e, const struct src *s, struct bands *b, int which, double B, double rel,
                        uint32_t *first)
{
    uint32_t n = s->n, below = 0, nb = 0;
    double eps = EPS_N * n, M = 0.0;
    eps += 1.01 * rel * (B + 2 * eps);
    const double *w = b->w[which];
    int k = 0;
    for (; k < NB && M + w[k] <= B + eps; k++) {
        if (M + w[k] > B - eps) return -1; /* too near the boundary at the bin's end */
        M += w[k];
        below += b->cnt[k];
    }
    if (k == NB) { *first = n; return n; }
    uint64_t *kv = (uint64_t *)(void *)e->v, *tmp = (uint64_t *)(void *)e->v2;
    if (s->bin) nb = bin_keys(s, (uint16_t)k, kv, &below);
    else
        for (uint32_t i = 0; i < n; i++) {
            double l = logit_at(s, i);
            if (bin_of(b, l) == (uint32_t)k) kv[nb++] = (uint64_t)emu_float_key(l) << 32 | i;
        }
    emu_sort_pairs(kv, nb, tmp);
    for (uint32_t t = 0; t < nb; t++) {
        double next = M + weight(s, (uint32_t)kv[t], which);
        if (next > B + eps) {
            if (M > B - eps) return -1;
            *first = (uint32_t)kv[t];
            return below + t;
        }
        if (next > B - eps) return -1;
        M = next;
    }
    return -1; /* the bin summed in order does not reach what it summed to in bulk */
}

/* the midpoint between thr and the next float up: the largest double
 * rounding to thr or lower, but for the midpoint itself (left undecided) */
static double float_boundary(float thr)
{
    return ((double)thr + (double)nextafterf(thr, INFINITY)) / 2.0;
}

/* range_of over floats, W lanes at a time (the path's width,
 * vm_path_lanes) in two sets (no lane waits on the one before): a lane's
 * x - x is 0 exactly when x is finite; *lo, *hi the lanes' least and
 * largest (ignored when one is not: returns 0) */
#define RANGE_FN(NAME, ATTR, VF, VI, W)                                                             \
    ATTR static int NAME(const float *y, uint32_t n, double *lo, double *hi)                       \
    {                                                                                              \
        VF a[2], b[2], x;                                                                          \
        VI bad = { 0 }, m;                                                                         \
        a[0] = a[1] = (VF){ 0 } + INFINITY, b[0] = b[1] = (VF){ 0 } - INFINITY;                    \
        uint32_t i = 0;                                                                            \
        for (; i + 2 * W <= n; i += 2 * W)                                                         \
            for (int k = 0; k < 2; k++) {                                                          \
                memcpy(&x, y + i + k * W, sizeof x);                                               \
                bad |= (x - x) != (VF){ 0 };                                                       \
                m = x < a[k];                                                                      \
                a[k] = (VF)(((VI)x & m) | ((VI)a[k] & ~m));                                        \
                m = x > b[k];                                                                      \
                b[k] = (VF)(((VI)x & m) | ((VI)b[k] & ~m));                                        \
            }                                                                                      \
        float fa = INFINITY, fb = -INFINITY;                                                       \
        int nf = 0;                                                                                \
        for (int k = 0; k < 2 * W; k++) {                                                          \
            nf |= bad[k % W];                                                                      \
            fa = a[k / W][k % W] < fa ? a[k / W][k % W] : fa;                                      \
            fb = b[k / W][k % W] > fb ? b[k / W][k % W] : fb;                                      \
        }                                                                                          \
        for (; i < n; i++) {                                                                       \
            nf |= !(y[i] - y[i] == 0.0f);                                                          \
            fa = y[i] < fa ? y[i] : fa;                                                            \
            fb = y[i] > fb ? y[i] : fb;                                                            \
        }                                                                                          \
        *lo = fa, *hi = fb;                                                                        \
        return !nf;                                                                                \
    }
EMU_AT_WIDTHS(RANGE_FN, range)

int emu_float_range(const float *y, uint32_t n, int width, double *lo, double *hi)
{
    return EMU_AT_WIDTH(range, width ? width : vm_path_lanes())(y, n, lo, hi);
}

/* the least and the largest logit into *lo, *hi; 0 when one is not
 * finite (plain arrays: the floats, no branch on each) */
static int range_of(const struct src *s, double *lo, double *hi)
{
    uint32_t n = s->n;
    if (s->y) return emu_float_range(s->y, n, 0, lo, hi);
    *lo = INFINITY, *hi = -INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        double l = logit_at(s, i);
        if (!isfinite(l)) return 0;
        if (l < *lo) *lo = l;
        if (l > *hi) *hi = l;
    }
    return 1;
}

/* fill_bands' adds over plain arrays with the bins kept (bin): torch's p
 * (formed here: ef / sf in float, IEEE's quotient as torch divides) and
 * d itself (fill_bands divides each bin's sum by S once: within 2^-53 of
 * the quotients' sum, far inside EPS_N), without the per-term choices.
 * The bins are bin_of's in float arithmetic, (y - lo) * scale with lo
 * the least y (a float): as monotone in y, so as good (only bin_keys
 * reads them back, from bin). A block's bins and p are formed first, in
 * the path's vector lanes (BLOCK_FN), then its adds run alone (one pair
 * of doubles a position: the adds, a load and a store each, are what is
 * left of this pass's cost). */
typedef double v2d_b __attribute__((vector_size(16)));
static inline uint16_t bin_f(float y, float lo, float sc)
{
    float x = (y - lo) * sc;
    return (uint16_t)(x >= (float)(NB - 1) ? NB - 1 : x >= 0.0f ? (int32_t)x : 0);
}

/* a block's bins (bin_f) and p, W lanes at a time (vm_path_lanes: the
 * same float arithmetic lane by lane at every width, so the same bins) */
enum { FB = 256 };
#define BLOCK_FN(NAME, ATTR, VF, VI, W)                                                             \
    ATTR static void NAME(const float *y, const float *ef, float lo, float sc, float sf, uint16_t *bin, float *pb) \
    {                                                                                              \
        typedef uint16_t VH __attribute__((vector_size(2 * W))); /* a bin a lane */              \
        const VF lov = (VF){ 0 } + lo, scv = (VF){ 0 } + sc, top = (VF){ 0 } + (float)(NB - 1);    \
        for (uint32_t j = 0; j < FB; j += W) {                                                     \
            VF yv, ev;                                                                             \
            memcpy(&yv, y + j, sizeof yv);                                                         \
            memcpy(&ev, ef + j, sizeof ev);                                                        \
            VF x = (yv - lov) * scv;                                                               \
            x = (VF)((VI)x & (x >= (VF){ 0 }));                                                    \
            x = (VF)(((VI)x & (x < top)) | ((VI)top & (x >= top)));                                \
            VH k = __builtin_convertvector(__builtin_convertvector(x, VI), VH);                    \
            memcpy(bin + j, &k, sizeof k);                                                         \
            ev /= sf;                                                                              \
            memcpy(pb + j, &ev, sizeof ev);                                                        \
        }                                                                                          \
    }
EMU_AT_WIDTHS(BLOCK_FN, block)

/* a block's pairs (p, the second weight) added into their bins (the
 * d / ef choice made once a block: what is left is the load, the add and
 * the store of each pair) */
#define ADD_BLOCK_FN(NAME, T)                                                                      \
    static void NAME(struct bands *bb, const uint16_t *bin, const float *pb, const T *w2)          \
    {                                                                                              \
        for (uint32_t j = 0; j < FB; j++) {                                                        \
            double(*c)[2] = bb->wp + bin[j];                                                       \
            v2d_b w, a = { (double)pb[j], (double)w2[j] };                                         \
            memcpy(&w, *c, sizeof w);                                                              \
            w += a;                                                                                \
            memcpy(*c, &w, sizeof w);                                                              \
        }                                                                                          \
    }
ADD_BLOCK_FN(add_block_d, double)
ADD_BLOCK_FN(add_block_f, float)

/* the block function of the path's width (vm_path_lanes, asked per run:
 * vmath chose the path once, thread-safely), then each position's p and
 * weight added into its bin */
static void fill_plain(const struct src *s, struct bands *bb)
{
    const float *y = s->y, *ef = s->ef, lo = (float)bb->lo, sc = (float)bb->scale;
    const double *d = s->d;
    float pb[FB];
    uint32_t n = s->n, i0 = 0;
    void (*block)(const float *, const float *, float, float, float, uint16_t *, float *) =
        EMU_AT_WIDTH(block, vm_path_lanes());
    for (; i0 + FB <= n; i0 += FB) {
        uint16_t *bin = s->bin + i0;
        block(y + i0, ef + i0, lo, sc, s->sf, bin, pb);
        if (d) add_block_d(bb, bin, pb, d + i0);
        else add_block_f(bb, bin, pb, ef + i0);
    }
    for (uint32_t i = i0; i < n; i++) {
        uint32_t k = bin_f(y[i], lo, sc);
        s->bin[i] = (uint16_t)k; /* (counted by bin_keys) */
        bb->wp[k][0] += (double)(ef[i] / s->sf);
        bb->wp[k][1] += d ? d[i] : (double)ef[i];
    }
}

/* The bins over the logits' range with their summed weights; 0 when a
 * logit is not finite or all are equal */
static int fill_bands(const struct src *s, struct bands *bb)
{
    uint32_t n = s->n;
    double lo, hi;
    if (!range_of(s, &lo, &hi) || !(hi > lo)) return 0;
    bb->lo = lo, bb->hi = hi;
    bb->scale = (NB - 1) / (hi - lo);
    int plain = s->y && s->bin;
    memset(bb->cnt, 0, sizeof bb->cnt); /* (plain: left 0, bin_keys counts) */
    memset(bb->wp, 0, sizeof bb->wp);
    if (plain) fill_plain(s, bb);
    else
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = bin_of(bb, logit_at(s, i));
            if (s->bin) s->bin[i] = (uint16_t)k;
            bb->cnt[k]++;
            bb->wp[k][0] += weight(s, i, 0);
            bb->wp[k][1] += weight(s, i, 1);
        }
    for (uint32_t k = 0; k < NB; k++) {
        bb->w[0][k] = bb->wp[k][0];
        bb->w[1][k] = plain ? bb->wp[k][1] / s->S : bb->wp[k][1];
    }
    return 1;
}

/* the relative bound of ef_i / sum ef against d_i / S over logits within
 * range of the largest: -1 when none is made (a float exp may underflow) */
static double ef_rel(double range, uint32_t n)
{
    /* ef_i is ls_expf of x rounded to float (|x| <= range: a relative
     * change up to |x| 2^-24 in exp) within 1.01 2^-24 (glibc's 0.502 ulp);
     * the ratio of two sums of such terms twice that, with the sums' own
     * roundings (n 2^-52); 10% on top. Above 80 nats a float exp nears
     * the subnormals (relative error unbounded). */
    return range <= 80.0 ? 2.2 * (range + 1.01) * 0x1p-24 + (double)n * 0x1p-51 : -1.0;
}

/* torch's mask count j and the first kept position (ascending (logit,
 * position)); 0 when a margin does not decide; -1 when only the exact
 * distribution's margin does not (plain arrays with d NULL: its terms
 * approximate, ef_rel: the caller has d made and asks again) */
static int bands_cut(struct emu *e, const struct src *s, float thr, uint32_t mk, uint32_t *j_out, uint32_t *first)
{
    struct bands bb;
    uint32_t n = s->n, firstd = 0;
    if (n < MIN_N || e->ws->reference || mk >= n || !fill_bands(s, &bb)) return 0;
    int64_t j = crossing(e, s, &bb, 0, float_boundary(thr), 0.0, first);
    double rel = s->y && !s->d ? ef_rel(bb.hi - bb.lo, n) : 0.0;
    if (j >= 0 && rel < 0) return -1;
    int64_t jd = j < 0 ? -1 : crossing(e, s, &bb, 1, 1.0 - e->p->top_p, rel, &firstd);
    if (j >= 0 && jd < 0 && rel > 0) return -1;
    if (j < 0 || jd < 0 || j > n - mk || jd > n - mk) return 0; /* min-keep binding: the sort knows */
    if (j != jd) emu_decided(e, DECIDED_F32);
    *j_out = (uint32_t)j;
    return 1;
}

int emu_torch_top_p_bands(struct emu *e, float thr, uint32_t mk)
{
    struct src s = { e, NULL, NULL, 0.0f, NULL, 0.0, e->n, NULL };
    uint32_t j = 0, first = 0;
    if (bands_cut(e, &s, thr, mk, &j, &first) <= 0) return 0;
    if (j == 0) return 1;
    /* mask every position before the first kept one in (logit, position) order */
    double lf = e->a[first].logit;
    for (uint32_t i = 0; i < e->n; i++) {
        double l = e->a[i].logit;
        if (l < lf || (l == lf && i < first)) emu_mask(e, i);
    }
    return 1;
}

int emu_torch_top_p_cut(struct emu *e, const float *y, const float *ef, float sf, const double *d, double S, uint32_t n,
                        float thr, uint32_t mk, uint32_t *first)
{
    struct src s = { e, y, ef, sf, d, S, n, (uint16_t *)(void *)e->ix2 };
    uint32_t j = 0;
    int ok = bands_cut(e, &s, thr, mk, &j, first);
    if (ok <= 0) return ok;
    if (j == 0) *first = n;
    return 1;
}
