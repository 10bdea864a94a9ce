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

#include <math.h>

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

/* S = sum y, W1 = sum |y_i| (n - i); four lanes for throughput */
static void sums_first(const float *y, uint32_t n, double *S, double *W1)
{
    double s[4] = { 0 }, w[4] = { 0 };
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (uint32_t l = 0; l < 4; l++) {
            double v = y[i + l];
            s[l] += v;
            w[l] += fabs(v) * (double)(n - i - l);
        }
    for (; i < n; i++) { s[0] += y[i]; w[0] += fabs((double)y[i]) * (double)(n - i); }
    *S = (s[0] + s[1]) + (s[2] + s[3]);
    *W1 = (w[0] + w[1]) + (w[2] + w[3]);
}

/* about mu: q[0] = Q, q[1] = R, q[2] = W2, q[3] = W3 (see the top) */
static void sums_second(const float *y, uint32_t n, double mu, double q[4])
{
    double a[4][4] = { { 0 } };
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (uint32_t l = 0; l < 4; l++) {
            double t = (double)y[i + l] - mu, w = (double)(n - i - l);
            a[0][l] += t * t;
            a[1][l] += t;
            a[2][l] += t * t * w;
            a[3][l] += fabs(t) * w;
        }
    for (; i < n; i++) {
        double t = (double)y[i] - mu, w = (double)(n - i);
        a[0][0] += t * t; a[1][0] += t; a[2][0] += t * t * w; a[3][0] += fabs(t) * w;
    }
    for (int k = 0; k < 4; k++) q[k] = (a[k][0] + a[k][1]) + (a[k][2] + a[k][3]);
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
        float flo = (float)lo, fhi = (float)hi;
        uint32_t inside = 0;
        for (uint32_t i = 0; i < n; i++) inside += (y[i] >= flo) & (y[i] < fhi);
        if (!inside) {
            if (how) *how = 1;
            return hi;
        }
    }
    return sigma_cut_seq(y, n, mx, nsig);
}
