/* sweep_plan.c: the rows of a sweep from its lists (see sweep.h). */
#include "cli/sweep.h"
#include "cli/cli_opts.h"
#include "base/parse.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct item_ctx { double *out; int integer; };

/* one list item: integer parameters (top-k, min-keep, ...) take integers, the rest any finite number
 * (their ranges are checked per row, with the row named) */
static int list_item(const char *item, int i, void *vctx, struct ls_error *err)
{
    struct item_ctx *c = vctx;
    long k;
    if (!c->integer) return parse_double(item, -INFINITY, INFINITY, &c->out[i], err);
    int rc = parse_long(item, INT32_MIN, INT32_MAX, &k, err);
    if (!rc) c->out[i] = (double)k;
    return rc;
}

static int plan_lists(struct sweep_plan *pl, struct ls_error *err)
{
    int any = 0, rc;
    for (int p = 0; p < P__N; p++) {
        if (!pl->list[p]) continue;
        char opt[32];
        struct item_ctx c = { pl->vals[p], param_def((enum param_id)p)->is_int };
        snprintf(opt, sizeof opt, "--%s", param_name((enum param_id)p));
        rc = parse_list(pl->list[p], SWEEP_MAX_LIST, list_item, &c, &pl->nv[p], err);
        if ((rc = cli_opt_rc(opt, rc, err))) return rc;
        pl->swept[p] = 1;
        any = 1;
    }
    if (!any) {
        static const double deft[] = { 0, 0.4, 0.7, 1.0 };
        memcpy(pl->vals[P_TEMP], deft, sizeof deft);
        pl->nv[P_TEMP] = 4;
        pl->swept[P_TEMP] = 1;
    }
    return LS_OK;
}

/* --grid: every combination, the last swept parameter varying fastest */
static int plan_grid(struct sweep_plan *pl, const struct params *base, struct ls_error *err)
{
    int pos[P__N] = {0};
    for (;;) {
        if (pl->nrows >= SWEEP_MAX_ROWS) return ls_fail(err, LS_EUSAGE, "--grid: more than %d rows", SWEEP_MAX_ROWS);
        struct sweep_row *r = &pl->rows[pl->nrows++];
        r->p = *base;
        for (int p = 0; p < P__N; p++) if (pl->swept[p]) param_set(&r->p, (enum param_id)p, pl->vals[p][pos[p]]);
        r->varied = -1;
        int p = P__N - 1;
        for (; p >= 0; p--) {
            if (!pl->swept[p]) continue;
            if (++pos[p] < pl->nv[p]) break;
            pos[p] = 0;
        }
        if (p < 0) return LS_OK;
    }
}

/* without --grid: each list on its own, the others at their base values */
static int plan_each(struct sweep_plan *pl, const struct params *base, struct ls_error *err)
{
    for (int p = 0; p < P__N; p++) {
        for (int i = 0; pl->swept[p] && i < pl->nv[p]; i++) {
            if (pl->nrows >= SWEEP_MAX_ROWS) return ls_fail(err, LS_EUSAGE, "more than %d rows", SWEEP_MAX_ROWS);
            struct sweep_row *r = &pl->rows[pl->nrows++];
            r->p = *base;
            param_set(&r->p, (enum param_id)p, pl->vals[p][i]);
            r->varied = p;
        }
    }
    return LS_OK;
}

int sweep_plan_build(struct sweep_plan *pl, const struct params *base, struct ls_error *err)
{
    int rc = plan_lists(pl, err);
    if (!rc) rc = pl->grid ? plan_grid(pl, base, err) : plan_each(pl, base, err);
    for (int r = 0; r < pl->nrows && !rc; r++) {
        const struct params *p = &pl->rows[r].p;
        if ((rc = params_check(p, err))) {
            char pre[160];
            snprintf(pre, sizeof pre, "sweep row %d (temperature %g, top-k %d, top-p %g, min-p %g)", r,
                     p->temperature, (int)p->top_k, p->top_p, p->min_p);
            ls_error_prefix(err, pre);
        }
    }
    return rc;
}
