/* budget.c: per-step memory checks (see budget.h). */
#include "base/budget.h"

int step_budget(uint64_t n_steps, uint64_t bytes_per_step, const char *what, struct ls_error *err)
{
    if (bytes_per_step == 0 || n_steps <= LS_STEP_MEM_MAX / bytes_per_step) return LS_OK;
    double gib = (double)n_steps * (double)bytes_per_step / (double)(1ull << 30);
    return ls_fail(err, LS_ELIMIT, "%llu steps: %s would take %.1f GiB (%llu bytes per step), over the limit of %llu GiB",
                   (unsigned long long)n_steps, what, gib, (unsigned long long)bytes_per_step,
                   LS_STEP_MEM_MAX >> 30);
}

int step_oom(uint64_t n_steps, uint32_t V, const char *what, struct ls_error *err)
{
    return ls_fail(err, LS_ELIMIT, "out of memory for %s: %llu steps, V = %u",
                   what, (unsigned long long)n_steps, V);
}
