/* vmath.h: the wide passes over one step's logits (float32 in, double out),
 * written once with GCC vector extensions and compiled three times: for
 * AVX-512, for AVX2 (with FMA) and for the portable baseline (SSE2 on
 * x86-64, plain code elsewhere). The path is chosen once at first use from the CPU
 * (__builtin_cpu_supports); LOGITSCOPE_SIMD=portable|avx2|avx512 forces one
 * (a forced path the CPU lacks falls back to portable). No -march=native:
 * the default build runs on any x86-64.
 *
 * Same answer on every path and machine: every path computes the same
 * operations on the same 4-lane double vectors (IEEE per lane, no FMA
 * contraction under -std=c11), and sums lanes in one fixed order, so the
 * results are bit-identical whichever path ran. The float32 exp sums
 * (vm_expf_sum*) are the exception: they use fused multiply-adds where the
 * path has them and differ in the last bits, within the bound they return,
 * and serve only decisions certified against that bound.
 *
 * Units: logits in nats; exp results are unnormalised weights in [0, 1]
 * when the shift is the maximum. exp is our own (a degree-13 polynomial
 * after an ln 2 range reduction, about 1 ulp, subnormal results included):
 * arguments below -746 give 0, and lanes that underflow cost the same as
 * the others; arguments above 709 are clamped there (the callers shift by
 * the maximum, so their arguments are <= 0). Non-finite logits (NaN, +-inf) weigh 0. */
#ifndef LS_VMATH_H
#define LS_VMATH_H

#include <stddef.h>
#include <stdint.h>

/* Max over finite values, the first index holding it (-1 if none), and the
 * count of non-finite values (NaN, +inf, -inf). */
struct vm_scan {
    double max;
    int64_t argmax;
    size_t n_nonfinite;
};
void vm_scan(const float *z, size_t n, struct vm_scan *out);

/* vm_scan, and in the same pass the ids (ascending) of the z[i] with
 * (double)z[i] >= thr, at most cap of them, for a prefilter whose threshold
 * is known before the pass; returns their count, or SIZE_MAX when more
 * than cap passed, thr is NaN or a value is not finite (then use vm_scan's
 * answer only). */
size_t vm_scan_collect(const float *z, size_t n, double thr, int32_t *ids, size_t cap, struct vm_scan *out);

/* The count of non-finite values (NaN, +-inf). */
size_t vm_count_nonfinite(const float *z, size_t n);

/* e_i = exp((z_i - shift) * scale) for finite z_i, else 0, into out[i]
 * (out may be NULL); returns sum e_i and, in *sum_ed (may be NULL),
 * sum e_i * (z_i - shift) * scale, both accumulated in double. */
double vm_exp_shift(const float *z, size_t n, double shift, double scale, double *out, double *sum_ed);

/* vm_exp_shift at scale 1 (the raw softmax's pass, the same bits;
 * out not NULL) that also gives in *sum8 (sum8 may be NULL) the sum of
 * out[0..n) in vm_exp_fdiv's order, the bits emu_fdiv_order_sum gives
 * over out after it: the system emulation's total of the same weights,
 * without reading them again. The AVX-512 path makes it; the others give
 * 0 (unknown: the caller sums). lo, hi: bounds of z when the caller knows
 * every z finite and within them (NaN: unknown); when every x = z - shift
 * then lies in the range the kernels test per block for their normal exp,
 * the test is not made (the same bits, about 7% less work). */
double vm_exp_raw(const float *z, size_t n, double shift, double *out, double *sum_ed, double *sum8, double lo,
                  double hi);

/* vm_fdiv then vm_exp_shift(y, n, shift, 1.0, out, sum_ed) in one pass,
 * without storing y: e_i = exp((double)(z_i / T) - shift), z_i / T the
 * IEEE float quotient; the same bits as those two calls. */
double vm_exp_fdiv_shift(const float *z, size_t n, float T, double shift, double *out, double *sum_ed);

/* q[ids[j]] = exp((z[ids[j]] - shift) * scale) for j < n (finite z): per
 * token the same bits vm_exp_shift gives it over the whole array (every
 * lane does the same arithmetic), for a list of tokens. */
void vm_exp_shift_ids(const float *z, const int32_t *ids, size_t n, double shift, double scale, double *q);

/* The same with a float32 temperature first, as torch computes it: y_i =
 * z_i / T in float (into y, which may be NULL), e_i = exp(y_i - shift) into
 * out (may be NULL); returns sum e_i. For finite z only. */
double vm_exp_fdiv(const float *z, size_t n, float T, double shift, float *y, double *out);

/* sum_i exp(y_i - ymax) in float32 arithmetic summed in double, for finite
 * y_i <= ymax: several times cheaper than the double exp, for decisions
 * that only need the total to about 1e-6. *err receives a bound on its
 * absolute error (of the float arithmetic and the sums). */
double vm_expf_sum(const float *y, size_t n, float ymax, double *err);

/* The same for y_i = z_i / T (torch's float division) without forming y:
 * x_i = z_i * (1/T) - ymax in float, its extra roundings in *err; for finite
 * z_i and T > 0. In the same pass, the ids (ascending) of the z_i >= zmin
 * into ids, their count into *n_ids (ids NULL: none). */
double vm_expf_sum_div(const float *z, size_t n, float T, float ymax, float zmin, int32_t *ids, size_t *n_ids,
                       double *err);

/* y_i = z_i / T in float (IEEE division per element, as torch divides). */
void vm_fdiv(const float *z, size_t n, float T, float *y);

/* a[i] /= s (the same division a scalar loop does: the AVX2 and AVX-512
 * paths form most quotients with multiply-adds, proven and tested to give
 * the correctly rounded quotient, so the same bits; see vmath.c). */
void vm_divide(double *a, size_t n, double s);

/* out[i] = a[i] / s (the same bits; out may be a, not otherwise overlap it). */
void vm_divide_into(const double *a, size_t n, double s, double *out);

/* The bits of the loop `s = s0; for (i < n) { q = a[i] / d; if (out)
 * out[i] = q; s += q; }` (out may be a or NULL; d == 1: a plain sum),
 * in one vector pass: the quotients as vm_divide_into's, the sum in index
 * order exactly (vmath_seq.h). */
double vm_divide_sum(const double *a, size_t n, double d, double *out, double s0);

/* cum[i] = s0 + x[0] + ... + x[i], every one the bits of the loop `s =
 * s0; for (i < n) cum[i] = s += x[i];` (returns s), in vector lanes where
 * that is exact (vmath_seq.h; AVX-512, the loop elsewhere). */
double vm_prefix_sums(const double *x, size_t n, double *cum, double s0);

/* pre[0] = 0 and pre[b + 1] = pre[b] + the sum of p over block b (block
 * values from b * block; block a multiple of 8, the last one may be
 * short): the same bits on every path, not a sequential sum's (for a
 * prefix whose readers allow any order, with an error bound). */
void vm_block_sums(const double *p, size_t n, size_t block, double *pre);

/* vm_divide_into(q, n, S, p), vm_entropy_terms(p, z, n, off, invT, lnS, t)
 * and the sum of t in index order from +0 (returned), in one pass without
 * storing t: the same bits. */
double vm_divide_entropy(const double *q, const float *z, size_t n, double S, double off, double invT, double lnS,
                         double *p);

/* Ids i (ascending) with (double)z[i] >= thr, into ids; returns the count.
 * Non-finite z never pass (callers use this on finite steps). */
size_t vm_collect_ge(const float *z, size_t n, double thr, int32_t *ids);

/* a[i] = i for i < n. */
void vm_iota(int32_t *a, size_t n);

/* The count of finite z[i] with |(double)z[i]| > thr (thr >= 0): logits
 * beyond a clipping threshold. */
size_t vm_count_abs_gt(const float *z, size_t n, double thr);

/* vm_count_nonfinite's count, and vm_count_abs_gt's into *n_over, in one
 * pass over z. */
size_t vm_count_nonfinite_abs_gt(const float *z, size_t n, double thr, size_t *n_over);

/* vm_count_nonfinite_abs_gt and vm_scan (into *out) in one pass; returns
 * the non-finite count (out's n_nonfinite). */
size_t vm_scan_abs_gt(const float *z, size_t n, double thr, size_t *n_over, struct vm_scan *out);

/* vm_scan_rank's request and answers (thresholds compare with (double)z). */
struct vm_rank {
    double lo, hi, top;            /* in: a band [lo, hi] and a top threshold */
    int32_t *top_ids, *band_ids;   /* in: cap entries each */
    uint32_t cap;
    double pre;                    /* in: vm_scan_collect's threshold (NaN: none) */
    int32_t *pre_ids;              /* in: pre_cap entries (NULL: none) */
    size_t pre_cap;
    uint32_t n_gt, n_top, n_band;  /* out: z > hi; z >= top; lo <= z <= hi */
    size_t n_pre;                  /* out: vm_scan_collect's answer (SIZE_MAX: none) */
    double zmin;                   /* out: the least value when every value is finite, else NaN */
};

/* vm_scan (into *out), and in the same pass: vm_scan_collect's list for
 * q->pre (q->n_pre as it returns), and for a step whose values are all
 * finite the count of z > hi and the ids (ascending) of z >= top and of
 * lo <= z <= hi; returns 0 when a value is not finite or one of these
 * two lists is past cap (then only *out and the prefilter answer hold). */
int vm_scan_rank(const float *z, size_t n, struct vm_rank *q, struct vm_scan *out);

/* t[i] = p[i] * (lnS - ((z[i] - off) * invT)) for i < n: the entropy's
 * terms, each the scalar expression's IEEE result (a p of 0 gives +0). */
void vm_entropy_terms(const double *p, const float *z, uint32_t n, double off, double invT, double lnS, double *t);

/* How many of p[lo..hi) are > pt (>= pt with eq). */
uint32_t vm_count_above(const double *p, uint32_t lo, uint32_t hi, double pt, int eq);

/* The same count, and in the same pass the ids i (ascending) with
 * p[i] >= thr appended at ids[*m] (cap entries in all; *m counts on past
 * cap, so *m > cap says some were not stored). */
uint32_t vm_count_above_collect(const double *p, uint32_t lo, uint32_t hi, double pt, int eq, double thr,
                                int32_t *ids, uint32_t *m, uint32_t cap);

/* The path in use: "avx512", "avx2" or "portable". */
const char *vm_path_name(void);

/* The floats one vector of that path holds: 16 (avx512), 8 (avx2) or 4
 * (portable: GCC's generic 16-byte vectors). A path is chosen only if the
 * CPU has it, so 8 or more also says the CPU has AVX2 and FMA. Callers
 * with kernels of their own pick their width by it rather than caching a
 * flag of their own (several threads ask at once). */
int vm_path_lanes(void);

#endif
