/* emu_first.c: the first active stage of a chain from a position, for
 * the shortcuts that start the array after it (emu_trim_sigma.c,
 * emu_trim_dry.c); a file of its own so that emu_run.c, which calls them,
 * does not become their callee too. */
#include "sampling/stage.h"

int emu_first_active(const struct emu *e, int from)
{
    for (int k = from; k < e->c->n; k++) if (stage_active(e->c->order[k], e->p)) return k;
    return -1;
}
