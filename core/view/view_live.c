/* view_live.c: the continuations view of live mode (explorer_live.h): the
 * N continuations the model wrote under the current settings, one per row
 * (the generated text, escaped; the prompt is in the status line), the shown one marked;
 * with A/B held, A's texts under them. Drawn over the samples panel while
 * live mode is on: per-step draws matter less when whole continuations are
 * on screen. Reads the live state only. */
#include "view/view_live.h"
#include "view/view_xe.h"
#include "report/eval_report.h"
#include "base/display.h"

#include <stdio.h>
#include <string.h>

static void row(struct grid *g, struct view_rect r, int y, const char *tag, enum grid_role role, const char *text)
{
    int c = grid_puts(g, r.x, y, r.w, role, tag);
    grid_text(g, r.x + c, y, r.w - c, role, text, strlen(text), 0);
}

void view_live(struct grid *g, const struct view_layout *L, const struct ex_live *lv, const struct explorer *ex)
{
    (void)ex;
    if (!lv->model || L->too_small) return;
    struct view_rect r = L->samples;
    if (r.h < 2 || r.w < 8) return;
    grid_fill(g, r.x, r.y, r.w, r.h, ROLE_NORMAL);
    char t[96];
    if (lv->running) snprintf(t, sizeof t, "Continuations: generating %u/%u", lv->gen_i, lv->n);
    else if (lv->ab && lv->ab_model[0][0])   /* two models: name both */
        snprintf(t, sizeof t, "B %.16s: #%u shown, A below", lv->ab_model[1], lv->pick);
    else snprintf(t, sizeof t, "Continuations: %u, #%u shown%s", lv->n, lv->pick, lv->ab ? ", A below" : "");
    panel_title(g, r, t, 0);
    int y = r.y + 1, end = r.y + r.h;
    for (uint32_t i = 0; i < lv->n && y < end; i++, y++) {
        char tag[16];
        snprintf(tag, sizeof tag, "%s%u ", i == lv->pick ? ">" : " ", i);
        const char *txt = explorer_live_text(lv, i);
        row(g, r, y, tag, i == lv->pick ? ROLE_FOCUS : ROLE_NORMAL, txt ? txt : "");
    }
    for (uint32_t i = 0; lv->ab && i < lv->n && y < end; i++, y++) {
        char tag[16];
        snprintf(tag, sizeof tag, "A%u ", i);
        row(g, r, y, tag, ROLE_LABEL, lv->ab_text[i]);
    }
}

/* One side's settings in a column title: "A: hf T=0.5 p=1 k=0 m=0", with
 * its model first when A and B are two models (a dataset's pair). */
static void side_title(char *b, size_t n, const char *side, const char *model, const struct gen_request *r)
{
    snprintf(b, n, "%s: %s%s%s T=%g p=%g k=%d m=%g", side, model, *model ? " " : "", preset_name(r->chain.preset),
             r->params.temperature, r->params.top_p, (int)r->params.top_k, r->params.min_p);
}

/* A's value of the row labelled `label`, "-" when A has no such row. */
static const char *a_value(const struct eval_panel_row *a, int na, const char *label)
{
    for (int i = 0; i < na; i++) if (!strcmp(a[i].label, label)) return a[i].value;
    return "-";
}

void view_live_ab(struct grid *g, const struct view_layout *L, const struct ex_live *lv, const struct explorer_eval *xe)
{
    if (!lv->model || !lv->ab || L->too_small || xe->view != XV_SCORES) return;
    struct view_rect r = view_xe_rect(L);
    if (r.h < 3 || r.w < 30) return;
    grid_fill(g, r.x, r.y, r.w, r.h, ROLE_NORMAL);
    char t[160], ta[160], tb[160];
    snprintf(t, sizeof t, "A/B scores: %u generated continuations each, seed %llu", lv->n, (unsigned long long)lv->rq.seed);
    panel_title(g, r, t, 1);
    static struct eval_panel_row ra[SCORE_ROWS_MAX], rb[SCORE_ROWS_MAX];
    int na = lv->ab_sc_ok ? eval_panel_rows(&lv->ab_sc, ra, SCORE_ROWS_MAX) : 0;
    int nb = lv->sc_ok && !lv->running ? eval_panel_rows(&lv->sc, rb, SCORE_ROWS_MAX) : 0;
    int lw = 14, cw = (r.w - 2 - lw) / 2, x = r.x + 1, y = r.y + 1, end = r.y + r.h - 1;
    side_title(ta, sizeof ta, "A", lv->ab_model[0], &lv->ab_rq);
    side_title(tb, sizeof tb, "B", lv->ab_model[1], &lv->rq);
    grid_puts(g, x + lw, y, cw - 1, ROLE_LABEL, ta);
    grid_puts(g, x + lw + cw, y++, cw - 1, ROLE_LABEL, nb || !lv->running ? tb : "B: generating...");
    for (int i = 0; i < nb && y < end; i++, y++) {
        grid_puts(g, x, y, lw, ROLE_LABEL, rb[i].label);
        const char *av = a_value(ra, na, rb[i].label);
        grid_text(g, x + lw, y, cw - 1, ROLE_NORMAL, av, strlen(av), 0);
        grid_text(g, x + lw + cw, y, cw - 1, ROLE_NORMAL, rb[i].value, strlen(rb[i].value), 0);
    }
    for (uint32_t i = 0; i < lv->n && y < end; i++, y++) {   /* the texts under the table */
        char tag[16];
        snprintf(tag, sizeof tag, "#%u", i);
        const char *bt = explorer_live_text(lv, i);
        grid_puts(g, x, y, lw, ROLE_LABEL, tag);
        grid_text(g, x + lw, y, cw - 1, ROLE_NORMAL, lv->ab_text[i], strlen(lv->ab_text[i]), 0);
        grid_text(g, x + lw + cw, y, cw - 1, ROLE_NORMAL, bt ? bt : "", bt ? strlen(bt) : 0, 0);
    }
}
