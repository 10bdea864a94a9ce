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
 * Queries only: nothing here changes the explorer (the chain editing that
 * uses them is explorer_chain_edit.c), so explorer.c can call it. */
#include "explorer/explorer.h"
#include "sampling/stage.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int explorer_param_stage(int p, enum stage_kind *k)
{
    /* the parameter table names the stage each parameter configures
     * (xtc-threshold: xtc; min-keep: none, it serves every truncation) */
    const struct param_def *d = param_def((enum param_id)p);
    if (!d || d->stage == STAGE_NONE) return 0;
    *k = d->stage;
    return 1;
}

int explorer_stage_param(enum stage_kind k)
{
    const struct stage_def *d = stage_def(k);
    return d ? (int)d->param : -1;
}

int explorer_chain_pos(const struct explorer *ex, enum stage_kind k)
{
    for (int i = 0; i < ex->chain.n; i++)
        if (ex->chain.order[i] == k) return i;
    return -1;
}

int explorer_param_state(const struct explorer *ex, int p)
{
    enum stage_kind k;
    if ((unsigned)p >= PARAM__COUNT || !explorer_param_stage(p, &k)) return EXPS_NO_STAGE;
    return explorer_chain_pos(ex, k) >= 0 ? EXPS_IN_CHAIN : EXPS_ABSENT;
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
