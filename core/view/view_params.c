/* view_params.c: the parameter bar (row 0): temperature, top-k, top-p,
 * min-p, chain order with preset name, seed, step N/total. The focused
 * parameter is drawn in the focus role; each field carries a TAG_PARAM
 * click tag so a mouse click focuses it. Off values read "off". */
#include "view/panel.h"
#include "sampling/params_table.h"

#include <stdio.h>

static int field(struct grid *g, int x, int y, int maxw, int idx, int focus,
                 const char *label, const char *value)
{
    if (maxw <= 0) return 0;
    enum grid_role lr = idx == focus ? ROLE_FOCUS : ROLE_LABEL;
    enum grid_role vr = idx == focus ? ROLE_FOCUS : ROLE_VALUE;
    int n = 0;
    if (label[0]) {
        n = grid_puts(g, x, y, maxw, lr, label);
        n += grid_puts(g, x + n, y, maxw - n, lr, " ");
    }
    n += grid_puts(g, x + n, y, maxw - n, vr, value);
    if (idx >= 0) grid_tag(g, x, y, n, 1, GRID_TAG(TAG_PARAM, idx));
    return n + 2;
}

void view_params(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    char v[64];
    int x = r.x + 1, end = r.x + r.w;
    int f = ex->focus_panel == PANEL_PARAMS ? ex->focus_param : -1;
    const struct params *p = &ex->params;
    int wide = r.w >= 100, narrow = r.w < 80;

    snprintf(v, sizeof v, "%.2f", p->temperature);
    x += field(g, x, r.y, end - x, EXP_TEMPERATURE, f, wide ? "temperature" : "T", v);
    if (!param_is_off(p, PARAM_TOP_K)) snprintf(v, sizeof v, "%d", (int)p->top_k); else snprintf(v, sizeof v, "off");
    x += field(g, x, r.y, end - x, EXP_TOP_K, f, narrow ? "k" : "top-k", v);
    if (!param_is_off(p, PARAM_TOP_P)) snprintf(v, sizeof v, "%.2f", p->top_p); else snprintf(v, sizeof v, "off");
    x += field(g, x, r.y, end - x, EXP_TOP_P, f, narrow ? "p" : "top-p", v);
    if (!param_is_off(p, PARAM_MIN_P)) snprintf(v, sizeof v, "%.2f", p->min_p); else snprintf(v, sizeof v, "off");
    x += field(g, x, r.y, end - x, EXP_MIN_P, f, narrow ? "m" : "min-p", v);

    /* chain: preset name and the order as stage initials ("hf T>k>p>m") */
    chain_format_short(&ex->chain, v, sizeof v);
    x += field(g, x, r.y, end - x, EXP_CHAIN, f, wide ? "chain" : "", v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)ex->seed);
    x += field(g, x, r.y, end - x, EXP_SEED, f, narrow ? "s" : "seed", v);
    /* 0-based, as --step and :step */
    snprintf(v, sizeof v, wide ? "%u of %u" : "%u/%u", ex->step, ex->n_steps);
    field(g, x, r.y, end - x, -1, f, narrow ? "" : "step", v);
}
