/* explorer_params.c: the parameter bar's fields and the chain's on-screen
 * editing, driven by the parameter table (sampling/params_table.h) and the
 * stage table (sampling/stage.h), so a parameter or stage added there is
 * shown, focused, adjusted, turned off and placed in the chain here with no
 * edit (see explorer.h, "Parameters and the chain").
 *
 * Step sizes come from the table's range: integer parameters step by 1
 * (coarse 10); parameters whose range spans at most 1 (probabilities) by
 * 0.01 (coarse 0.05); the others (temperature-like) by 0.05 (coarse 0.25),
 * and without an upper bound in the table they stop at 10 on the keys
 * (:set goes beyond). Values snap to the 0.01 grid so repeated steps never
 * drift.
 *
 * Editing the chain on screen gives a custom chain, exactly as `:chain
 * LIST` with the same order would (chain_parse: preset "custom", hf's
 * tie rules): what is on screen can always be retyped. */
#include "explorer/explorer.h"
#include "sampling/stage.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int explorer_param_stage(int p, enum stage_kind *k)
{
    for (int i = 0; i < STAGE__COUNT; i++) {
        const struct stage_def *d = stage_def((enum stage_kind)i);
        if (d && (int)d->param == p) { *k = (enum stage_kind)i; return 1; }
    }
    return 0;
}

int explorer_stage_param(enum stage_kind k)
{
    const struct stage_def *d = stage_def(k);
    return d ? (int)d->param : -1;
}

/* Position of kind in the chain, -1 if absent. */
static int chain_pos(const struct chain *c, enum stage_kind k)
{
    for (int i = 0; i < c->n; i++)
        if (c->order[i] == k) return i;
    return -1;
}

int explorer_param_state(const struct explorer *ex, int p)
{
    enum stage_kind k;
    if ((unsigned)p >= PARAM__COUNT || !explorer_param_stage(p, &k)) return EXPS_NO_STAGE;
    return chain_pos(&ex->chain, k) >= 0 ? EXPS_IN_CHAIN : EXPS_ABSENT;
}

void explorer_param_text(const struct explorer *ex, int p, char *buf, size_t bufsz)
{
    enum param_id id = (enum param_id)p;
    const struct param_def *d = param_def(id);
    if (!d) { snprintf(buf, bufsz, "?"); return; }
    /* "off" where the off value is a sentinel (top-k 0, top-p 1); a value
     * that is off by being neutral (temperature 1) reads as its number */
    if (d->off_rule != OFF_EQUAL && param_is_off(&ex->params, id)) { snprintf(buf, bufsz, "off"); return; }
    double v = param_get(&ex->params, id);
    if (d->is_int) snprintf(buf, bufsz, "%.0f", v);
    else if (v != 0 && fabs(v) < 0.01) snprintf(buf, bufsz, "%.2g", v);
    else snprintf(buf, bufsz, "%.2f", v);
}

/* "custom k>T>p" */
static void chain_words(const struct explorer *ex, char *buf, size_t bufsz)
{
    chain_format_short(&ex->chain, buf, bufsz);
}

void explorer_param_note(const struct explorer *ex, int p, char *buf, size_t bufsz)
{
    buf[0] = 0;
    if (explorer_param_state(ex, p) != EXPS_ABSENT) return;
    char ch[96];
    chain_words(ex, ch, sizeof ch);
    snprintf(buf, bufsz, "not in the chain (%s): no effect", ch);
}

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

double explorer_param_stepped(const struct explorer *ex, int p, int dir, int coarse)
{
    enum param_id id = (enum param_id)p;
    const struct param_def *d = param_def(id);
    double v = param_get(&ex->params, id);
    if (d->is_int) {
        double nv = v + dir * (coarse ? 10.0 : 1.0);
        return clampd(nv, d->lo, d->hi);
    }
    int unit = isfinite(d->hi) && d->hi - d->lo <= 1.0;
    double step = unit ? (coarse ? 0.05 : 0.01) : (coarse ? 0.25 : 0.05);
    double hi = isfinite(d->hi) ? d->hi : (v > 10.0 ? v : 10.0);
    return clampd(round((v + dir * step) / 0.01) * 0.01, d->lo, hi);
}

/* --- editing the chain ------------------------------------------------------ */

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
    int at = chain_pos(c, k);
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
    int at = chain_pos(c, k);
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
    int at = chain_pos(c, k), to = at + (dir < 0 ? -1 : 1);
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
