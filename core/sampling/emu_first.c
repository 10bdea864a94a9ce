/* emu_first.c: the first active stage of a chain from a position, for
 * the shortcuts that start the array after it (emu_trim_sigma.c,
 * emu_trim_dry.c), and the reports of the stages such a shortcut skips
 * (emu_trim.c, emu_trim_eps.c, emu_trim_mirostat.c); a file of its own so that emu_run.c, which calls them,
 * does not become their callee too. */
#include "sampling/stage.h"

#include <string.h>

int emu_first_active(const struct emu *e, int from)
{
    for (int k = from; k < e->c->n; k++) if (stage_active(e->c->order[k], e->p)) return k;
    return -1;
}

void emu_reports_whole(struct emu *e, int n, int ka, int kb)
{
    for (int k = 0; k < n; k++) {
        struct stage_report *rep = &e->r->stages[k];
        memset(rep, 0, sizeof *rep);
        rep->kind = e->c->order[k];
        rep->kept_in = rep->kept_out = e->r->V;
        rep->active = k == ka || k == kb;
    }
}
