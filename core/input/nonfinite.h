/* nonfinite.h: the one non-finite policy of a step's logits.
 *
 * NaN and +inf logits are an error unless the user asked to treat them as
 * masked (the CLI's and the explorer's --allow-nonfinite); -inf is always
 * an ordinary mask. `show`, `eval`, `diff` and the explorer ask this one
 * function, so a file one refuses the others refuse with the same words.
 * Core names no flag: the caller passes its own hint ("--allow-nonfinite
 * treats them as masked") and prefixes the path and step.
 *
 *   if (!allow && step_nonfinite_check(z, V, &info, hint, &err)) ... refuse
 */
#ifndef LS_NONFINITE_H
#define LS_NONFINITE_H

#include <stdint.h>
#include "base/status.h"
#include "input/source.h"

/* LS_OK when the step has no NaN/+inf logit (info's counts say so), else
 * LS_EDATA with "token I: NaN logit (A NaN, B +inf in this step; HINT)"
 * naming the first such token (hint may be NULL). */
int step_nonfinite_check(const float *z, uint32_t V, const struct step_info *info, const char *hint,
                         struct ls_error *err);

#endif
