/* eval_wilson.c: the Wilson score interval the share evaluators (json,
 * regex) report with their shares. A leaf: calls nothing in eval.c. */
#include "eval/eval.h"

#include <math.h>

void eval_wilson(uint32_t k, uint32_t n, double ci[2])
{
    if (n == 0) { ci[0] = ci[1] = NAN; return; }
    const double z = 1.959963984540054;
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double den = 1.0 + z2 / nn;
    double mid = p + z2 / (2.0 * nn);
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
    double lo = (mid - half) / den, hi = (mid + half) / den;
    ci[0] = lo < 0 ? 0 : lo;
    ci[1] = hi > 1 ? 1 : hi;
    if (k == 0) ci[0] = 0;
    if (k == n) ci[1] = 1;
}
