/* explorer_chain_edit.c: editing the chain on screen through the focused
 * parameter's stage (add, remove, move; see explorer.h, "Parameters and
 * the chain"). The stage positions come from the stage table through
 * explorer_params.c.
 *
 * An edit gives a custom chain, exactly as `:chain LIST` with the same
 * order would (chain_parse: preset "custom", hf's tie rules): what is on
 * screen can always be retyped. */
#include "explorer/explorer.h"

#include <stdio.h>
#include <string.h>

/* The focused parameter's stage, or a message saying why there is none. */
static int focused_stage(struct explorer *ex, enum stage_kind *k)
{
    int p = ex->focus_param;
    if ((unsigned)p < PARAM__COUNT && explorer_param_stage(p, k)) return 1;
    if ((unsigned)p < PARAM__COUNT)
        explorer_message(ex, 1, "chain: %s has no stage of its own", explorer_param_name(p));
    else
        explorer_message(ex, 1, "chain: focus a parameter to add, remove or move its stage");
    return 0;
}

/* Install order[0..n) as a custom chain and say what it is now. */
static unsigned chain_install(struct explorer *ex, const enum stage_kind *order, int n, const char *what)
{
    struct chain c;
    chain_preset(&c, PRESET_CUSTOM);
    c.n = n;
    memcpy(c.order, order, (size_t)n * sizeof *order);
    explorer_set_chain(ex, &c);
    char list[160];
    chain_format(&c, list, sizeof list);
    explorer_message(ex, 0, "%s: chain %s", what, list);
    return EX_RECOMPUTE;
}

/* Insert k where the stage table's order puts it: before the first stage
 * already in the chain that comes after it in the table. */
unsigned explorer_chain_add(struct explorer *ex)
{
    enum stage_kind k;
    if (!focused_stage(ex, &k)) return EX_REDRAW;
    const struct chain *c = &ex->chain;
    int at = explorer_chain_pos(ex, k);
    if (at >= 0) { explorer_message(ex, 0, "%s is already in the chain (stage %d)", stage_name(k), at + 1); return EX_REDRAW; }
    if (c->n >= CHAIN_MAX_STAGES) { explorer_message(ex, 1, "chain: at most %d stages", CHAIN_MAX_STAGES); return EX_REDRAW; }
    enum stage_kind order[CHAIN_MAX_STAGES];
    int n = 0, placed = 0;
    for (int i = 0; i < c->n; i++) {
        if (!placed && c->order[i] > k) { order[n++] = k; placed = 1; }
        order[n++] = c->order[i];
    }
    if (!placed) order[n++] = k;
    char what[64];
    snprintf(what, sizeof what, "added %s", stage_name(k));
    return chain_install(ex, order, n, what);
}

unsigned explorer_chain_remove(struct explorer *ex)
{
    enum stage_kind k;
    if (!focused_stage(ex, &k)) return EX_REDRAW;
    const struct chain *c = &ex->chain;
    int at = explorer_chain_pos(ex, k);
    if (at < 0) { explorer_message(ex, 0, "%s is not in the chain", stage_name(k)); return EX_REDRAW; }
    /* a chain always has a stage, as `:chain LIST` does: what is on screen
     * can be typed */
    if (c->n == 1) { explorer_message(ex, 1, "chain: %s is the last stage (turn it off instead)", stage_name(k)); return EX_REDRAW; }
    enum stage_kind order[CHAIN_MAX_STAGES];
    int n = 0;
    for (int i = 0; i < c->n; i++)
        if (i != at) order[n++] = c->order[i];
    char what[64];
    snprintf(what, sizeof what, "removed %s", stage_name(k));
    return chain_install(ex, order, n, what);
}

unsigned explorer_chain_move(struct explorer *ex, int dir)
{
    enum stage_kind k;
    if (!focused_stage(ex, &k)) return EX_REDRAW;
    const struct chain *c = &ex->chain;
    int at = explorer_chain_pos(ex, k), to = at + (dir < 0 ? -1 : 1);
    if (at < 0) { explorer_message(ex, 0, "%s is not in the chain", stage_name(k)); return EX_REDRAW; }
    if (to < 0 || to >= c->n) {
        explorer_message(ex, 0, "%s is already %s", stage_name(k), dir < 0 ? "first" : "last");
        return EX_REDRAW;
    }
    enum stage_kind order[CHAIN_MAX_STAGES];
    memcpy(order, c->order, (size_t)c->n * sizeof *order);
    order[at] = order[to];
    order[to] = k;
    char what[64];
    snprintf(what, sizeof what, "moved %s %s", stage_name(k), dir < 0 ? "earlier" : "later");
    return chain_install(ex, order, c->n, what);
}
