/* sigma_cut.c: llama.cpp's top-n-sigma threshold (see sigma_cut.h).
 *
 * llama.cpp, over the finite logits y[0..n) in array order:
 *   s    += y[i]                  float adds
 *   mean  = s / n                 float
 *   acc  += pow(y[i] - mean, 2)   y - mean in float, squared in double,
 *                                 added in double, stored to float
 *   sd    = sqrt(acc / n)         float
 *   thr   = max - n_sigma * sd    float
 * sigma_cut_seq runs exactly that. sigma_cut_f32 first bounds it:
 *
 * The float sums' rounding. A sequential sum of n terms with unit
 * roundoff u (2^-24, plus 2^-53 where a double add precedes the float
 * store) errs by at most u (1+u)^n sum_k |partial_k| (each add rounds its
 * result, whose size is at most the sum of the magnitudes so far plus the
 * errors so far), and sum_k |partial_k| <= sum_i |y_i| (n - i): a
 * weighted sum, computed in double in one vector-friendly pass. That
 * bounds s, hence (every rounding step below is monotone) mean lies in
 * [m_lo, m_hi].
 * The squares. With mu = S / n (S the double sum) and sums taken about mu,
 * Q = sum (y - mu)^2, R = sum (y - mu): for any m,
 *   sum (y - m)^2 = Q + 2 (mu - m) R + n (mu - m)^2,
 * and y - m rounded to float moves each square by a factor within
 * (1 -+ u)^2; the float sum's own error is bounded as above, through
 * sum_i (y_i - m)^2 (n - i) <= W2 + 2 D W3 + D^2 n (n + 1) / 2 with
 * W2, W3 the weighted sums of (y - mu)^2 and |y - mu|, D the largest
 * |m - mu|. So acc lies in [acc_lo, acc_hi], and llama.cpp's roundings of
 * acc up to thr (monotone: thr falls as acc grows) give thr in [lo, hi].
 * The double sums' own errors (n 2^-50 relative, generous) and float
 * underflow (2^-149 a step) are added; overflow is refused.
 * If no y lies in [lo, hi), "y >= thr" is "y >= hi" for every y. */
#include "sampling/sigma_cut.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

#define U24 0x1p-24
#define U_ADD (0x1p-24 * (1.0 + 0x1p-28)) /* a double add, then the float store */

/* llama.cpp's roundings from the float sum of squares to the threshold */
static double threshold_of(double acc, uint32_t n, float mx, float nsig)
{
    double sd = (double)(float)sqrt((double)(float)(acc / n));
    return (double)(float)((double)mx - (double)(float)((double)nsig * sd));
}

double sigma_cut_seq(const float *y, uint32_t n, float mx, float nsig)
{
    float s = 0.0f, acc = 0.0f;
    for (uint32_t i = 0; i < n; i++) s += y[i];
    double mean = (double)(float)((double)s / n);
    for (uint32_t i = 0; i < n; i++) {
        double d = (double)(float)((double)y[i] - mean);
        acc = (float)((double)acc + d * d);
    }
    return threshold_of((double)acc, n, mx, nsig);
}

/* The passes over y, written once over 4-lane vectors (GCC's vector
 * extensions: one ymm with AVX2, two xmm on the baseline) and compiled for
 * both. Their sums are bounds' inputs: any order of adds does. */
typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef int32_t v4i __attribute__((vector_size(16)));
#define INLINE static inline __attribute__((always_inline))
/* (macros, not functions: no vector crosses a call) */
#define LOAD4(dst, p) do { v4f f_; memcpy(&f_, (p), sizeof f_); (dst) = __builtin_convertvector(f_, v4d); } while (0)
#define VABS(x) ((v4d)((v4l)(x) & (v4l){ INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX }))
#define HSUM(a) (((a)[0] + (a)[1]) + ((a)[2] + (a)[3]))

/* q[0] = S = sum y, q[1] = W1 = sum |y_i| (n - i) */
INLINE void first_body(const float *y, uint32_t n, double q[2])
{
    double dn = (double)n;
    v4d s = { 0 }, w = { 0 }, wt = { dn, dn - 1, dn - 2, dn - 3 };
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d v;
        LOAD4(v, y + i);
        s += v;
        w += VABS(v) * wt;
        wt -= 4.0;
    }
    q[0] = HSUM(s);
    q[1] = HSUM(w);
    for (; i < n; i++) { q[0] += y[i]; q[1] += fabs((double)y[i]) * (double)(n - i); }
}

/* about mu: q[0] = Q, q[1] = R, q[2] = W2, q[3] = W3 (see the top) */
INLINE void second_body(const float *y, uint32_t n, double mu, double q[4])
{
    double dn = (double)n;
    v4d a = { 0 }, r = { 0 }, b = { 0 }, c = { 0 }, wt = { dn, dn - 1, dn - 2, dn - 3 };
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d t;
        LOAD4(t, y + i);
        t -= mu;
        v4d tt = t * t;
        a += tt;
        r += t;
        b += tt * wt;
        c += VABS(t) * wt;
        wt -= 4.0;
    }
    q[0] = HSUM(a); q[1] = HSUM(r); q[2] = HSUM(b); q[3] = HSUM(c);
    for (; i < n; i++) {
        double t = (double)y[i] - mu, w = (double)(n - i);
        q[0] += t * t; q[1] += t; q[2] += t * t * w; q[3] += fabs(t) * w;
    }
}

/* how many y lie in [lo, hi) */
INLINE uint32_t inside_body(const float *y, uint32_t n, float lo, float hi)
{
    v4i c = { 0 };
    uint32_t i = 0, k;
    for (; i + 4 <= n; i += 4) {
        v4f v;
        memcpy(&v, y + i, sizeof v);
        c -= (v >= lo) & (v < hi);
    }
    k = (uint32_t)(c[0] + c[1] + c[2] + c[3]);
    for (; i < n; i++) k += (y[i] >= lo) & (y[i] < hi);
    return k;
}

static void first_base(const float *y, uint32_t n, double q[2]) { first_body(y, n, q); }
static void second_base(const float *y, uint32_t n, double mu, double q[4]) { second_body(y, n, mu, q); }
static uint32_t inside_base(const float *y, uint32_t n, float lo, float hi) { return inside_body(y, n, lo, hi); }
#if defined(__x86_64__) && defined(__GNUC__)
#define AVX2 __attribute__((target("avx2")))
AVX2 static void first_avx2(const float *y, uint32_t n, double q[2]) { first_body(y, n, q); }
AVX2 static void second_avx2(const float *y, uint32_t n, double mu, double q[4]) { second_body(y, n, mu, q); }
AVX2 static uint32_t inside_avx2(const float *y, uint32_t n, float lo, float hi) { return inside_body(y, n, lo, hi); }
/* AVX2 where vmath's path has it (LOGITSCOPE_SIMD=portable forces the
 * baseline here too) */
static int avx2(void) { return vm_path_lanes() >= 8; }
#else
#define first_avx2 first_base
#define second_avx2 second_base
#define inside_avx2 inside_base
static int avx2(void) { return 0; }
#endif

static void sums_first(const float *y, uint32_t n, double *S, double *W1)
{
    double q[2];
    if (avx2()) first_avx2(y, n, q);
    else first_base(y, n, q);
    *S = q[0];
    *W1 = q[1];
}

static void sums_second(const float *y, uint32_t n, double mu, double q[4])
{
    if (avx2()) second_avx2(y, n, mu, q);
    else second_base(y, n, mu, q);
}

static uint32_t count_inside(const float *y, uint32_t n, float lo, float hi)
{
    return avx2() ? inside_avx2(y, n, lo, hi) : inside_base(y, n, lo, hi);
}

/* [lo, hi] holding llama.cpp's threshold; 0 when not bounded */
static int sigma_band(const float *y, uint32_t n, float mx, float nsig, double *lo, double *hi)
{
    double S, W1, q[4], dn = (double)n;
    double g = dn * 0x1p-50, slack = 1.0 + 1e-6, tiny = dn * 0x1p-149;
    sums_first(y, n, &S, &W1);
    double E1 = (U_ADD * pow(1.0 + U_ADD, dn) * W1 * (1.0 + g) + tiny) * slack + g * W1;
    double m_lo = (double)(float)((S - E1) / dn), m_hi = (double)(float)((S + E1) / dn), mu = S / dn;
    sums_second(y, n, mu, q);
    double D = fmax(fabs(m_lo - mu), fabs(m_hi - mu)) * (1.0 + 0x1p-50);
    double Rb = fabs(q[1]) + g * sqrt(dn * q[0] * (1.0 + g)); /* |sum (y - mu)| <= sqrt(n Q) */
    double Qlo = q[0] * (1.0 - g) - 2.0 * D * Rb, Qhi = q[0] * (1.0 + g) + 2.0 * D * Rb + dn * D * D;
    double W = (q[2] + 2.0 * D * q[3]) * (1.0 + g) + D * D * dn * (dn + 1.0) / 2.0;
    double E2 = (U_ADD * pow(1.0 + U_ADD, dn) * (1.0 + U24) * (1.0 + U24) * W + tiny) * slack;
    double alo = (1.0 - U24) * (1.0 - U24) * Qlo * (1.0 - 1e-15) - E2;
    double ahi = (1.0 + U24) * (1.0 + U24) * Qhi * (1.0 + 1e-15) + E2;
    if (!(W1 < 1e30 && ahi < 1e30)) return 0; /* near float overflow: let the float sums say */
    *lo = threshold_of(ahi, n, mx, nsig);
    *hi = threshold_of(alo > 0 ? alo : 0.0, n, mx, nsig);
    return isfinite(*lo) && isfinite(*hi);
}

double sigma_cut_f32(const float *y, uint32_t n, float mx, float nsig, int certify, int *how)
{
    double lo, hi;
    if (how) *how = 0;
    if (certify && isfinite(nsig) && nsig > 0 && sigma_band(y, n, mx, nsig, &lo, &hi)) {
        if (!count_inside(y, n, (float)lo, (float)hi)) {
            if (how) *how = 1;
            return hi;
        }
    }
    return sigma_cut_seq(y, n, mx, nsig);
}
