/* numfmt.c: the short probability format (see numfmt.h). */
#include "base/numfmt.h"

#include <math.h>
#include <stdio.h>

const char *num_prob(char *b, size_t n, double p)
{
    if (isnan(p)) snprintf(b, n, "n/a");
    else if (p >= 0.0001) snprintf(b, n, "%.4f", p);
    else if (p > 0) snprintf(b, n, "%.0e", p);
    else snprintf(b, n, "0");
    return b;
}
