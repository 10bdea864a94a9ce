/* nonfinite.c: the non-finite policy of a step (see nonfinite.h). */
#include "input/nonfinite.h"

#include <math.h>

int step_nonfinite_check(const float *z, uint32_t V, const struct step_info *info, const char *hint,
                         struct ls_error *err)
{
    if (!info->n_nan && !info->n_posinf) return LS_OK;
    uint32_t i = 0;
    while (i < V && !(isnan(z[i]) || (isinf(z[i]) && z[i] > 0))) i++;
    if (i == V) return LS_OK;   /* counts from a loader that found none after all */
    return ls_fail(err, LS_EDATA, "token %u: %s logit (%u NaN, %u +inf in this step%s%s)", i,
                   isnan(z[i]) ? "NaN" : "+inf", info->n_nan, info->n_posinf, hint ? "; " : "", hint ? hint : "");
}
