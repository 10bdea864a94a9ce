/* explorer_eval_trash.c: runs made here freed in pieces, and the kept
 * step buffer (see explorer_eval_trash.h). */
#include "explorer/explorer_eval_trash.h"
#include "base/clock.h"

#include <stdlib.h>
#include <string.h>

/* the oldest queued run freed now */
static void trash_pop(struct explorer_eval *xe)
{
    if (!xe->n_trash) return;
    eval_run_free(xe->trash[0]);
    memmove(xe->trash, xe->trash + 1, (size_t)(xe->n_trash - 1) * sizeof *xe->trash);
    xe->trash[--xe->n_trash] = NULL;
}

void xe_trash_put(struct explorer_eval *xe, struct eval_run *run, float *z, size_t z_n)
{
    if (xe->n_trash == XE_TRASH_MAX) trash_pop(xe);   /* full (drops in a burst): the oldest at once */
    xe->trash[xe->n_trash++] = run;
    if (!xe->zspare) { /* kept, not freed and faulted in again */
        xe->zspare = z;
        xe->zspare_n = z_n;
    } else {
        free(z);
    }
}

int xe_trash_work(struct explorer_eval *xe, long budget_ns)
{
    if (!xe->n_trash) return 0;
    if (eval_run_release(xe->trash[0], clock_ns() + budget_ns / 2)) trash_pop(xe);
    return xe->n_trash > 0;
}

void xe_trash_empty(struct explorer_eval *xe)
{
    while (xe->n_trash) trash_pop(xe);
    free(xe->zspare);
    xe->zspare = NULL;
}

float *xe_zbuf_take(struct explorer_eval *xe, size_t n, size_t *got)
{
    float *z = xe->zspare;
    if (z && xe->zspare_n >= n) {
        *got = xe->zspare_n;
    } else { /* (a kept one too small: another source's, of no further use) */
        free(z);
        z = malloc(n * sizeof *z);
        *got = n;
    }
    xe->zspare = NULL;
    return z;
}
