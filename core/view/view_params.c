/* view_params.c: the parameter bar (row 0): every sampling parameter of the
 * parameter table in table order, then the chain (preset name and order),
 * the seed and the step N/total. The focused field is drawn in the focus
 * role; each field carries a TAG_PARAM click tag so a mouse click focuses
 * it. Off values read "off"; a parameter whose stage is not in the chain is
 * dimmed (its value has no effect; explorer_param_state).
 *
 * Fitting many parameters in the width: when every field fits, all are
 * shown (the parameters are few, or the terminal wide). Otherwise the
 * parameters that are off and not focused are folded into one "+N off"
 * field after the others, so the bar shows what acts on the distribution,
 * plus the field being edited (j/k still visit the folded ones, which
 * appear as they get focus). If that is still too wide, the parameters
 * farthest from the focused one go too ("+N more"), so the focused field,
 * the chain and the seed always show; only a seed or step too long for the
 * width is clipped at the right edge. Labels: the full name at 100+ columns, names
 * of up to 6 characters (else the chain letter, "T") from 80, the chain
 * letter below. */
#include "view/panel.h"
#include "sampling/topn.h"
#include "sampling/stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One field of the bar: the index it focuses (-1 none) and its texts. */
struct pfield { int idx; int dim; char label[24]; char value[48]; };

#define PBAR_MAX (PARAM__COUNT + 5)

static int field_w(const struct pfield *f)
{
    return (f->label[0] ? (int)strlen(f->label) + 1 : 0) + (int)strlen(f->value) + 2;
}

static int field(struct grid *g, int x, int y, int maxw, const struct pfield *f, int focus)
{
    if (maxw <= 0) return 0;
    enum grid_role lr = f->idx == focus ? ROLE_FOCUS : f->dim ? ROLE_DIM : ROLE_LABEL;
    enum grid_role vr = f->idx == focus ? ROLE_FOCUS : f->dim ? ROLE_DIM : ROLE_VALUE;
    int n = 0;
    if (f->label[0]) {
        n = grid_puts(g, x, y, maxw, lr, f->label);
        n += grid_puts(g, x + n, y, maxw - n, lr, " ");
    }
    n += grid_puts(g, x + n, y, maxw - n, vr, f->value);
    if (f->idx >= 0) grid_tag(g, x, y, n, 1, GRID_TAG(TAG_PARAM, f->idx));
    return n + 2;
}

static void param_label(int p, int w, char *buf, size_t bufsz)
{
    const struct param_def *d = param_def((enum param_id)p);
    size_t len = strlen(d->name);
    if (w >= 100 || (w >= 80 && len <= 6)) snprintf(buf, bufsz, "%s", d->name);
    else snprintf(buf, bufsz, "%c", d->initial ? d->initial : d->name[0]);
}

/* The parameter fields; fold = 1 leaves out those off and not focused
 * and returns their count in *folded. */
static int param_fields(const struct explorer *ex, int w, int focus, int fold, struct pfield *out, int *folded)
{
    int n = 0;
    *folded = 0;
    for (int p = 0; p < PARAM__COUNT; p++) {
        if (fold && p != focus && param_idle(&ex->params, (enum param_id)p)) { (*folded)++; continue; }
        struct pfield *f = &out[n++];
        f->idx = p;
        f->dim = explorer_param_state(ex, p) == EXPS_ABSENT;
        param_label(p, w, f->label, sizeof f->label);
        explorer_param_text(ex, p, f->value, sizeof f->value);
    }
    return n;
}

/* chain, seed, step */
static int tail_fields(const struct explorer *ex, int w, struct pfield *out)
{
    int wide = w >= 100, narrow = w < 80;
    out[0] = (struct pfield){ EXP_CHAIN, 0, "", "" };
    if (wide) snprintf(out[0].label, sizeof out[0].label, "chain");
    /* what ran: a top-N step is computed exactly whatever the mode (topn.h) */
    struct chain ran;
    topn_chain(&ex->chain, ex->info.sparse, &ran);
    chain_format_short(&ran, out[0].value, sizeof out[0].value);
    out[1] = (struct pfield){ EXP_SEED, 0, "", "" };
    snprintf(out[1].label, sizeof out[1].label, "%s", narrow ? "s" : "seed");
    snprintf(out[1].value, sizeof out[1].value, "%llu", (unsigned long long)ex->seed);
    /* 0-based, as --step and :step */
    out[2] = (struct pfield){ -1, 0, "", "" };
    if (!narrow) snprintf(out[2].label, sizeof out[2].label, "step");
    snprintf(out[2].value, sizeof out[2].value, wide ? "%u of %u" : "%u/%u", ex->step, ex->n_steps);
    return 3;
}

static int fields_w(const struct pfield *f, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) s += field_w(&f[i]);
    return s;
}

/* Still too wide after folding: leave out the parameters farthest from
 * the focused one (the last ones when none is focused) until the bar fits
 * without the step (which is clipped rather than cost a parameter); returns
 * how many went. */
static int hide_far(struct pfield *fs, int *np, int tail, int focus, int width)
{
    int hidden = 0;
    while (fields_w(fs, *np + tail - 1) - 2 > width) {
        int far = -1, best = -1;
        for (int i = 0; i < *np; i++) {
            if (fs[i].idx == focus) continue;
            int d = focus >= 0 && focus < PARAM__COUNT ? abs(fs[i].idx - focus) : fs[i].idx;
            if (d > best) { best = d; far = i; }
        }
        if (far < 0) break;
        memmove(&fs[far], &fs[far + 1], (size_t)(*np + tail - far - 1) * sizeof *fs);
        (*np)--;
        hidden++;
    }
    return hidden;
}

void view_params(struct grid *g, const struct explorer *ex, struct view_rect r)
{
    struct pfield fs[PBAR_MAX];
    int focus = ex->focus_panel == PANEL_PARAMS ? ex->focus_param : -1;
    int folded, n = param_fields(ex, r.w, focus, 0, fs, &folded);
    int tail = tail_fields(ex, r.w, fs + n);
    if (fields_w(fs, n + tail) - 2 > r.w - 1) {  /* no gap after the last */
        n = param_fields(ex, r.w, focus, 1, fs, &folded);
        struct pfield more = { -1, 1, "", "+0 off" };
        tail = tail_fields(ex, r.w, fs + n);
        /* room for the "+N" field while deciding what else to hide */
        int hidden = hide_far(fs, &n, tail, focus, r.w - 1 - field_w(&more));
        if (folded || hidden) {
            memmove(&fs[n + 1], &fs[n], (size_t)tail * sizeof *fs);
            fs[n] = more;
            snprintf(fs[n].value, sizeof fs[n].value, hidden ? "+%d more" : "+%d off", folded + hidden);
            n++;
        }
    }
    int x = r.x + 1, end = r.x + r.w;
    for (int i = 0; i < n + tail; i++) x += field(g, x, r.y, end - x, &fs[i], focus);
}
