/* vmath.c: the wide passes (see vmath.h). Each kernel body is an
 * always-inline function over 8-lane vectors; the three wrappers below
 * compile it for AVX-512, AVX2 and the baseline, and vm_ops picks one.
 * Vectors are 4 doubles (one ymm, or two xmm on the baseline): the same
 * lane arithmetic, so the same bits, on every path. (8-double vectors made
 * GCC scalarise double compares on AVX2.) The kernels themselves are in
 * vmath_double.h (our exp, the exp passes, the divisions),
 * vmath_float.h (the first scan, counts, the float32 exp sums),
 * vmath_rank.h (the first scan with the rank lists, vm_scan_rank) and
 * vmath_prob.h (entropy terms and counts over probabilities); this file
 * instantiates them per path, picks the path and holds the API. The
 * table (struct vm_ops, vmath_ops.h) also lists the kernels of
 * vmath_fdiv_list.c, vmath_expf.c, vmath_torch_expf.c and vmath_exp_ids.c,
 * one per path, so one choice serves every vector kernel. */
#include "base/vmath.h"
#include "base/vmath_divblk.h"
#include "base/vmath_exp_ids.h"
#include "base/vmath_expf.h"
#include "base/vmath_fdiv_list.h"
#include "base/vmath_torch_expf.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/vmath_lanes.h"
#include "base/vmath_double.h"
#include "base/vmath_float.h"
#include "base/vmath_rank.h"
#include "base/vmath_prob.h"
#include "base/vmath_seq.h"
#include "base/vmath_ops.h"

#define VM_PATH(SUFFIX, ATTR, EXPB, FDIVB, W, DIVB, TW, SEQB, ABOVE, CUMB, DENT, DSUM)                                                \
    enum { lanes_##SUFFIX = W };                                                                       \
    ATTR static void scan_##SUFFIX(const float *z, size_t n, struct vm_scan *o, float thr, int32_t *ids, \
                                   size_t cap, size_t *m) { scan##W(z, n, o, thr, ids, cap, m); }     \
    ATTR static double exp_##SUFFIX(const float *z, size_t n, double sh, double sc, double *out,       \
                                    double *ed, double *s8, int nl)                   \
    { /* scale 1 (the raw softmax): x * 1 is x, one multiply less per lane; s8 (scale 1, out): the     \
       * raw softmax's, its own copy so that the others add nothing; nl (scale 1: vm_exp_raw's         \
       * bounds): every lane normal, its instances without the range test */                         \
      if (nl) return s8 ? EXPB(z, n, 0, 1.0f, sh, 1.0, out, ed, s8, 1) : EXPB(z, n, 0, 1.0f, sh, 1.0, out, ed, NULL, 1); \
      if (s8) return EXPB(z, n, 0, 1.0f, sh, 1.0, out, ed, s8, 0);                                 \
      return sc == 1.0 ? EXPB(z, n, 0, 1.0f, sh, 1.0, out, ed, NULL, 0) : EXPB(z, n, 0, 1.0f, sh, sc, out, ed, NULL, 0); } \
    ATTR static double expdiv_##SUFFIX(const float *z, size_t n, float T, double sh, double *out,      \
                                       double *ed) { return EXPB(z, n, 1, T, sh, 1.0, out, ed, NULL, 0); } \
    ATTR static void divide_##SUFFIX(const double *a, size_t n, double s, double *o) { DIVB(a, n, s, o); } \
    ATTR static double fdiv_##SUFFIX(const float *z, size_t n, float T, double sh, float *y, double *o) \
    { return FDIVB(z, n, T, sh, y, o); }                                                              \
    ATTR static size_t nonfinite_##SUFFIX(const float *z, size_t n) { return nonfinite##W(z, n); }     \
    ATTR static size_t collect_##SUFFIX(const float *z, size_t n, double thr, int32_t *ids)           \
    { return collect##W(z, n, thr, ids); }                                                            \
    ATTR static size_t absgt_##SUFFIX(const float *z, size_t n, double thr) { return absgt##W(z, n, thr); } \
    ATTR static void iota_##SUFFIX(int32_t *a, size_t n) { iota##W(a, n); }                           \
    ATTR static size_t nfabs_##SUFFIX(const float *z, size_t n, double thr, size_t *o)                \
    { return nfabsscan##W(z, n, thr, o, NULL); }                                                       \
    ATTR static int scanrank_##SUFFIX(const float *z, size_t n, struct vm_rank *q, float lo, float hi, float top, \
                                      float pre, struct vm_scan *o)                                    \
    { return scanrank##W(z, n, q, lo, hi, top, pre, o); }                                              \
    ATTR static size_t nfscan_##SUFFIX(const float *z, size_t n, double thr, size_t *o, struct vm_scan *sc)  \
    { return nfabsscan##W(z, n, thr, o, sc); }                                                         \
    ATTR static void fdivonly_##SUFFIX(const float *z, size_t n, float T, float *y) { fdivonly##W(z, n, T, y); } \
    ATTR static double expfsum_##SUFFIX(const float *z, size_t n, float c, float m, float zmin, int32_t *ids, \
                                        size_t *n_ids, double *sx, size_t *nb)                           \
    { return expfsum##W(z, n, c, m, zmin, ids, n_ids, sx, nb); }                                       \
    ATTR static void terms_##SUFFIX(const double *p, const float *z, uint32_t n, double off, double invT,  \
                                    double lnS, double *t) { terms##TW(p, z, n, off, invT, lnS, t); }     \
    ATTR static uint32_t above_##SUFFIX(const double *p, uint32_t lo, uint32_t hi, double pt, int eq,      \
                                        double thr, int32_t *ids, uint32_t *m, uint32_t cap)              \
    { return ABOVE(p, lo, hi, pt, eq, thr, ids, m, cap); }                                     \
    ATTR static double cum_##SUFFIX(const double *x, size_t n, double *cum, double s0)                \
    { return CUMB(s0, x, n, cum); }                                                                    \
    ATTR static void bsums_##SUFFIX(const double *p, size_t n, size_t B, double *pre)                 \
    { block_sums4(p, n, B, pre); }                                                                     \
    ATTR static double divsum_##SUFFIX(const double *a, size_t n, double d, double *out, double s0)      \
    { DSUM }                                                                                                 \
    ATTR static double divent_##SUFFIX(const double *q, const float *z, size_t n, double S, double off,   \
                                       double invT, double lnS, double *p, size_t B, double *pre)        \
    { DENT }

#if defined(__x86_64__) && defined(__GNUC__)
VM_PATH(avx512, TARGET_512, exp_body8, fdiv_body8, 16, divide_fma8, 8, seq_block8, count_above8, cum8,
        return divent8(q, z, n, S, off, invT, lnS, p, B, pre);, return divsum8(a, n, d, out, s0);)
VM_PATH(avx2, TARGET_AVX2, exp_body, fdiv_body, 8, divide_fma4, 4, seq_block4, count_above4, cum_plain,
        DIVIDE_ENTROPY_BODY(divide_fma4, terms4, seq_block4, blk_to4), DIVIDE_SUM_BODY(divide_fma4, seq_block4))
#define VM_X86 1
#endif
VM_PATH(portable, , exp_body, fdiv_body, 4, divide_body, 4, seq_plain, count_above4, cum_plain,
        DIVIDE_ENTROPY_BODY(divide_body, terms4, seq_plain, blk_to4), DIVIDE_SUM_BODY(divide_body, seq_plain))


/* one path's row of the table, its kernels in the order of struct vm_ops */
#define VM_ROW(S)                                                                                      \
    { #S, lanes_##S, scan_##S, exp_##S, expdiv_##S, divide_##S, nonfinite_##S, fdiv_##S, collect_##S, absgt_##S,    \
      nfabs_##S, nfscan_##S, scanrank_##S, iota_##S, fdivonly_##S, expfsum_##S, terms_##S, above_##S, divsum_##S, cum_##S, bsums_##S, divent_##S, \
      vmk_fdiv_list_##S, vmk_expf_seq_##S, vmk_fsum_reach_##S, vmk_expf_shift_sum_##S, vmk_expf_any_##S,   \
      vmk_exp_ids_##S,                                                                                   \
      vmk_exp_kept_##S, vmk_divblk_##S }

static const struct vm_ops paths[] = {
    VM_ROW(portable),
#ifdef VM_X86
    VM_ROW(avx2),
    VM_ROW(avx512),
#endif
};

static int cpu_has(int path)
{
#ifdef VM_X86
    __builtin_cpu_init();
    if (path == 1) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (path == 2) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#endif
    return path == 0;
}

/* the path: the best the CPU has, or LOGITSCOPE_SIMD's if the CPU has it */
static int choose(void)
{
    int n = (int)(sizeof paths / sizeof paths[0]), best = 0;
    for (int k = 1; k < n; k++) if (cpu_has(k)) best = k;
    const char *env = getenv("LOGITSCOPE_SIMD");
    if (!env || !*env) return best;
    for (int k = 0; k < n; k++) if (!strcmp(env, paths[k].name)) return cpu_has(k) ? k : 0;
    return best;
}

/* the chosen row, its entry conditions applied: exp_ids (libm's exp) is
 * the path's kernel only when it reproduces this machine's libm, else the
 * next lower path's (the portable row's is libm itself) */
static struct vm_ops chosen_row;

static void choose_row(void)
{
    int k = choose(), j = k;
    chosen_row = paths[k];
    while (j > 0 && !vmk_exp_ids_check(paths[j].exp_ids)) j--;
    chosen_row.exp_ids = paths[j].exp_ids;
    chosen_row.exp_kept = paths[j].exp_kept;
}

static const struct vm_ops *ops(void)
{
    static _Atomic(const struct vm_ops *) ready;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    const struct vm_ops *o = atomic_load_explicit(&ready, memory_order_acquire);
    if (!o) { /* once: then one load a call */
        pthread_once(&once, choose_row);
        o = &chosen_row;
        atomic_store_explicit(&ready, o, memory_order_release);
    }
    return o;
}

const struct vm_ops *vm_ops_get(void) { return ops(); }

void vm_scan(const float *z, size_t n, struct vm_scan *out) { ops()->scan(z, n, out, 0.0f, NULL, 0, NULL); }
size_t vm_scan_collect(const float *z, size_t n, double thr, int32_t *ids, size_t cap, struct vm_scan *out)
{
    size_t m = SIZE_MAX;
    float f = float_at_or_above(thr);
    if (f != f) { ops()->scan(z, n, out, 0.0f, NULL, 0, NULL); return SIZE_MAX; }
    ops()->scan(z, n, out, f, ids, cap, &m);
    return m;
}
double vm_exp_shift(const float *z, size_t n, double shift, double scale, double *out, double *sum_ed)
{
    return ops()->exp_shift(z, n, shift, scale, out, sum_ed, NULL, 0);
}
double vm_exp_raw(const float *z, size_t n, double shift, double *out, double *sum_ed, double *sum8, double lo,
                  double hi)
{
    /* x = (double)z - shift is monotone in z: every lane's x lies within
     * those of lo and hi, so every lane is normal when theirs are (the
     * kernels' range test, x in [-708, 709]; NaN bounds fail it) */
    int normal = lo - shift >= -708.0 && hi - shift <= 709.0;
    return ops()->exp_shift(z, n, shift, 1.0, out, sum_ed, sum8, normal);
}
double vm_exp_fdiv_shift(const float *z, size_t n, float T, double shift, double *out, double *sum_ed)
{
    return ops()->exp_div(z, n, T, shift, out, sum_ed);
}
void vm_divide(double *a, size_t n, double s) { ops()->divide(a, n, s, a); }
double vm_divide_sum(const double *a, size_t n, double d, double *out, double s0)
{
    return ops()->div_sum(a, n, d, out, s0);
}
double vm_prefix_sums(const double *x, size_t n, double *cum, double s0) { return ops()->cum(x, n, cum, s0); }
void vm_block_sums(const double *p, size_t n, size_t block, double *pre) { ops()->block_sums(p, n, block, pre); }
double vm_divide_entropy(const double *q, const float *z, size_t n, double S, double off, double invT, double lnS,
                         double *p)
{
    return ops()->div_ent(q, z, n, S, off, invT, lnS, p, 0, NULL);
}
double vm_divide_entropy_blocks(const double *q, const float *z, size_t n, double S, double off, double invT,
                                double lnS, double *p, size_t block, double *pre)
{
    return ops()->div_ent(q, z, n, S, off, invT, lnS, p, block, pre);
}
void vm_divide_into(const double *a, size_t n, double s, double *out) { ops()->divide(a, n, s, out); }
size_t vm_count_nonfinite(const float *z, size_t n) { return ops()->nonfinite(z, n); }
double vm_exp_fdiv(const float *z, size_t n, float T, double shift, float *y, double *out)
{
    return ops()->fdiv(z, n, T, shift, y, out);
}
size_t vm_collect_ge(const float *z, size_t n, double thr, int32_t *ids) { return ops()->collect(z, n, thr, ids); }

void vm_iota(int32_t *a, size_t n) { ops()->iota(a, n); }
/* the error bound of expfsum's total s (sx: its sum of w * |x|, summed in
 * float over nb blocks: relative error up to nb * 2^-23; scaled: c is not
 * 1, so x carries the product's roundings too) */
static double expf_bound(double s, double sx, size_t n, size_t nb, double ymax, int scaled)
{
    /* per term: the polynomial and its float roundings (< 5e-7 relative),
     * x rounded to float (relative 2^-24 of x, so w * |x| * 6e-8), a lane
     * that underflowed or is subnormal (< 2e-38 each), the float pre-sum of
     * four vectors (two roundings: 1.2e-7 relative); the double sums' own
     * rounding (n * 2^-52 relative); scaled: z * c against torch's z / T,
     * three roundings of y (|y| <= |ymax| + |x|: w * 1.8e-7 * (|ymax| +
     * |x|), taken as 2.5e-7); 1% on top */
    sx *= 1.0 + (double)(nb + 8) * 0x1p-23;
    double e = 6.2e-7 * s + 6.0e-8 * sx + 2e-38 * (double)n + (double)n * 0x1p-52 * (s + sx);
    if (scaled) e += 2.5e-7 * (fabs(ymax) * s + sx);
    return 1.01 * e;
}

double vm_expf_sum(const float *y, size_t n, float ymax, double *err)
{
    size_t nb;
    double sx, s = ops()->expf_sum(y, n, 1.0f, ymax, 0.0f, NULL, NULL, &sx, &nb);
    *err = expf_bound(s, sx, n, nb, ymax, 0);
    return s;
}

double vm_expf_sum_div(const float *z, size_t n, float T, float ymax, float zmin, int32_t *ids, size_t *n_ids,
                       double *err)
{
    size_t nb;
    double sx, s = ops()->expf_sum(z, n, 1.0f / T, ymax, zmin, ids, n_ids, &sx, &nb);
    *err = expf_bound(s, sx, n, nb, ymax, 1);
    return s;
}

void vm_exp_shift_ids(const float *z, const int32_t *ids, size_t n, double shift, double scale, double *q)
{
    enum { CH = 64 };
    float zb[CH];
    double eb[CH];
    const struct vm_ops *o = ops();
    for (size_t i = 0; i < n; i += CH) {
        size_t k = n - i < CH ? n - i : CH;
        for (size_t j = 0; j < k; j++) zb[j] = z[ids[i + j]];
        (void)o->exp_shift(zb, k, shift, scale, eb, NULL, NULL, 0);
        for (size_t j = 0; j < k; j++) q[ids[i + j]] = eb[j];
    }
}

void vm_fdiv(const float *z, size_t n, float T, float *y) { ops()->fdiv_only(z, n, T, y); }
size_t vm_count_abs_gt(const float *z, size_t n, double thr) { return ops()->abs_gt(z, n, thr); }
size_t vm_count_nonfinite_abs_gt(const float *z, size_t n, double thr, size_t *n_over)
{
    return ops()->nf_abs_gt(z, n, thr, n_over);
}
size_t vm_scan_abs_gt(const float *z, size_t n, double thr, size_t *n_over, struct vm_scan *out)
{
    return ops()->nf_abs_scan(z, n, thr, n_over, out);
}
int vm_scan_rank(const float *z, size_t n, struct vm_rank *q, struct vm_scan *out)
{
    /* a NaN prefilter threshold (none) is a NaN float: no value passes */
    return ops()->scan_rank(z, n, q, float_at_or_above(q->lo), float_at_or_below(q->hi), float_at_or_above(q->top),
                            float_at_or_above(q->pre), out);
}
const char *vm_path_name(void) { return ops()->name; }
int vm_path_lanes(void) { return ops()->lanes; }

void vm_entropy_terms(const double *p, const float *z, uint32_t n, double off, double invT, double lnS, double *t)
{
    ops()->terms(p, z, n, off, invT, lnS, t);
}
uint32_t vm_count_above(const double *p, uint32_t lo, uint32_t hi, double pt, int eq)
{
    return ops()->above(p, lo, hi, pt, eq, 0.0, NULL, NULL, 0);
}
uint32_t vm_count_above_collect(const double *p, uint32_t lo, uint32_t hi, double pt, int eq, double thr,
                                int32_t *ids, uint32_t *m, uint32_t cap)
{
    return ops()->above(p, lo, hi, pt, eq, thr, ids, m, cap);
}

/* the API of the other kernel files (vmath_ops.h: they call nothing here) */
double vm_exp_fdiv_list(const float *z, size_t n, float T, double shift, float *y, double *out, float zmin,
                        int32_t *ids, size_t *n_ids)
{
    return ops()->fdiv_list(z, n, T, shift, y, out, zmin, ids, n_ids);
}
float vm_expf_seqsum(const float *z, size_t n, float mx, float *e, double *est, float *zmin)
{
    return ops()->expf_seq(z, n, mx, e, est, zmin);
}
size_t vm_fsum_reach(const float *x, size_t n, float P, float *c) { return ops()->fsum_reach(x, n, P, c); }
double vm_expf_shift_sum(const float *y, size_t n, double mx, float *ef)
{
    const struct vm_ops *o = ops();
    return o->expf_shift_sum(y, n, mx, ef, o->div_sum);
}
/* The index-order sum s and the row's any-order sum t of the same n
 * weights >= 0 are each within (n - 1) 2^-53 of their exact sum times it,
 * so s lies within e = 2.5 n 2^-53 t of t (the 0.5 to spare covers t's
 * own roundings and the two below); when both ends round to one float, so
 * does s (rounding is monotone). Else (about one step in 2^11 at n =
 * 2^17) the index-order sum itself, from the weights in ef. */
float vm_expf_shift_sumf(const float *y, size_t n, double mx, float *ef, double *sum)
{
    double t = ops()->expf_any(y, n, mx, ef), e = 2.5 * (double)n * 0x1p-53 * t;
    if (sum) *sum = t;
    float lo = (float)(t - e), hi = (float)(t + e);
    if (lo == hi) return lo;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)ef[i];
    return (float)s;
}
const char *vm_expf_way(void) { return ops()->expf_shift_sum == vmk_expf_shift_sum_portable ? "scalar" : "vector"; }
void vm_libm_exp_ids(const float *y, const int32_t *ids, size_t m, double mx, double *out)
{
    ops()->exp_ids(y, ids, m, mx, out);
}
void vm_libm_exp_kept(const float *y, const int32_t *ids, size_t m, const uint8_t *code, uint8_t keep, size_t n,
                      double mx, double *out)
{
    ops()->exp_kept(y, ids, m, code, keep, n, mx, out);
}
const char *vm_libm_exp_way(void) { return ops()->exp_ids == vmk_exp_ids_portable ? "libm" : "vector"; }

void vm_divide_blocks(const double *a, size_t n, double s, double *out, size_t block, double *pre)
{
    ops()->divblk(a, n, s, out, block, pre);
}
