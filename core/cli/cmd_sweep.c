/* cmd_sweep.c: `logitscope sweep FILE`: evaluator scores across
 * temperatures (or other chain parameters), one row per setting, all rows
 * computed in one pass over the file with the same seed (eval.h).
 * The plan is sweep_plan.c's, the text rendering sweep_text.c's; options
 * and the JSON rendering are here. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/eval_cli.h"
#include "cli/eval_model.h"
#include "cli/sweep.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_TEMPS = 1, S_TOPKS, S_TOPPS, S_MINPS, S_GRID };

struct sweep_ctx {
    struct eval_config cfg;
    struct sweep_plan *plan;
    struct model_cli mc;       /* --model: rows on generated continuations */
    struct eval_model em;
};

static const char help_head[] =
    "usage: logitscope sweep FILE [--temperatures 0,0.4,0.7,1.0] [--top-ps LIST]\n"
    "                             [--top-ks LIST] [--min-ps LIST] [--grid]\n"
    "                             [chain options] [-n N] [--seed S] [--json]\n"
    "Every evaluator of `logitscope eval` for each setting of a sweep: one row per\n"
    "setting (`rows` in JSON, each with temperature, top_k, top_p, min_p and the eval\n"
    "keys), then a text chart of each score against the swept parameter. All rows are\n"
    "computed in one pass over the file, each with the same seed and the same N\n"
    "continuation streams, so rows differ only by the swept parameter.\n"
    "\nLists (comma-separated): --temperatures, --top-ps, --top-ks, --min-ps. A list\n"
    "given to the single-value options works too: --temperature 0,0.5 / -t, --top-p\n"
    "0.5,0.9,1.0 / -p, --top-k / -k, --min-p (a value with a comma is a list; a single\n"
    "value fixes that parameter for every row). Without any list: --temperatures\n"
    "0,0.4,0.7,1.0. Without --grid each list is varied on its own, the others held\n"
    "at their single values (default: off); --grid crosses every list given.\n"
    "At most 64 values per list and 256 rows.\n"
    "\noptions (and the chain options of `logitscope --help`):\n"
    EVAL_CLI_HELP
    EVAL_THREADS_HELP
    EVAL_MODEL_HELP
    "  --json                   one JSON document: seed, n, approximate, varied, grid,\n"
    "                           rows [{temperature, top_k, top_p, min_p, varied, and\n"
    "                           every eval key}], notes, definitions\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or an external evaluator\n"
    "failed, 5 limit\n"
    "\ndefinitions: see `logitscope eval --help` and docs/EVALUATORS.md\n";

static const struct cli_extra extra[] = {
    {"temperatures", 1, S_TEMPS}, {"top-ps", 1, S_TOPPS}, {"top-ks", 1, S_TOPKS},
    {"min-ps", 1, S_MINPS}, {"grid", 0, S_GRID}, EVAL_CLI_EXTRA, EVAL_THREADS_EXTRA, EVAL_MODEL_EXTRA, {NULL, 0, 0}
};

static int on_opt(void *vctx, int id, const char *arg, struct ls_error *err)
{
    struct sweep_ctx *c = vctx;
    switch (id) {
    case S_TEMPS: c->plan->list[P_TEMP] = arg; return LS_OK;
    case S_TOPKS: c->plan->list[P_TOPK] = arg; return LS_OK;
    case S_TOPPS: c->plan->list[P_TOPP] = arg; return LS_OK;
    case S_MINPS: c->plan->list[P_MINP] = arg; return LS_OK;
    case S_GRID: c->plan->grid = 1; return LS_OK;
    default: {
        int rc = eval_cli_option(&c->cfg, id, arg, err);
        if (rc == 1) rc = eval_model_option(&c->mc, id, arg, err);
        return rc == 1 ? ls_fail(err, LS_EUSAGE, "unknown option") : rc;
    }
    }
}

/* The spellings of parameter p on the command line, from the parameter
 * table: --NAME, --ALIAS, -L. Returns how many were written (at most 3). */
static int option_spellings(int p, char out[3][32])
{
    const struct param_def *d = param_def((enum param_id)p);
    int n = 0;
    snprintf(out[n++], 32, "--%s", d->name);
    if (d->opt_alias) snprintf(out[n++], 32, "--%s", d->opt_alias);
    if (d->opt_short) snprintf(out[n++], 32, "-%c", d->opt_short);
    return n;
}

/* Argument i names parameter p with a comma list: take it into pl. */
static int take_list(int argc, char **argv, int *i, int p, const char *name, struct sweep_plan *pl)
{
    const char *a = argv[*i];
    size_t l = strlen(name);
    if (strncmp(a, name, l)) return 0;
    if (a[l] == '=' && strchr(a + l + 1, ',')) { pl->list[p] = a + l + 1; return 1; }
    if (!a[l] && *i + 1 < argc && strchr(argv[*i + 1], ',')) { pl->list[p] = argv[++*i]; return 1; }
    if (l == 2 && a[l] && strchr(a + l, ',')) { pl->list[p] = a + l; return 1; } /* -t0,1 */
    return 0;
}

/* Pre-scan: a comma in the value of a parameter option (--temperature/-t,
 * --top-p/-p, --top-k/-k, --min-p) makes it a sweep list. Consumed
 * arguments are left out of the argv handed to cli_parse. Stops at "--". */
static int prescan(int argc, char **argv, char **nargv, struct sweep_plan *pl)
{
    int n = 0, i;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        int took = 0;
        for (int p = 0; p < P__N && !took; p++) {
            char names[3][32];
            int k = option_spellings(p, names);
            for (int j = 0; j < k && !took; j++) took = take_list(argc, argv, &i, p, names[j], pl);
        }
        if (!took) nargv[n++] = argv[i];
    }
    for (; i < argc; i++) nargv[n++] = argv[i];
    nargv[n] = NULL;
    return n;
}

static cJSON *sweep_json(const struct sweep_doc *d)
{
    const struct sweep_plan *pl = d->plan;
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    eval_add_header_json(doc, d->s, d->chain, d->base, d->cfg);
    cJSON_AddBoolToObject(doc, "approximate", d->approximate);
    cJSON_AddBoolToObject(doc, "grid", pl->grid);
    cJSON *va = cJSON_AddArrayToObject(doc, "varied");
    for (int p = 0; p < P__N; p++) if (pl->swept[p]) cJSON_AddItemToArray(va, cJSON_CreateString(param_def((enum param_id)p)->key));
    cJSON *ra = cJSON_AddArrayToObject(doc, "rows");
    for (int r = 0; r < pl->nrows; r++) {
        const struct sweep_row *w = &pl->rows[r];
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "temperature", w->p.temperature);
        cJSON_AddNumberToObject(row, "top_k", w->p.top_k);
        cJSON_AddNumberToObject(row, "top_p", w->p.top_p);
        cJSON_AddNumberToObject(row, "min_p", w->p.min_p);
        if (w->varied >= 0) cJSON_AddStringToObject(row, "varied", param_def((enum param_id)w->varied)->key);
        else cJSON_AddNullToObject(row, "varied");
        eval_scores_json(row, d->cfg, eval_run_scores(d->run, (size_t)r));
        cJSON_AddItemToArray(ra, row);
    }
    cJSON *notes = cJSON_AddArrayToObject(doc, "notes");
    cJSON_AddItemToArray(notes, cJSON_CreateString(d->note ? d->note : eval_note_continuations));
    cJSON_AddItemToArray(notes, cJSON_CreateString("every row uses the same seed and continuation streams"));
    struct eval_scores sum = { .n_topn = d->topn, .n_topn_bounded = d->topn_bounded };
    char topn[256];
    if (eval_topn_note(&sum, topn, sizeof topn)) cJSON_AddItemToArray(notes, cJSON_CreateString(topn));
    eval_definitions_json(doc);
    return doc;
}

/* Parse argv (lists pre-scanned out of it) into o, ctx and its plan. */
static int parse_args(int argc, char **argv, const char *help, struct cli_opts *o, struct sweep_ctx *ctx,
                      struct ls_error *err)
{
    char **nargv = malloc(((size_t)argc + 1) * sizeof *nargv);
    if (!nargv) return ls_oom(err);
    int nargc = prescan(argc, argv, nargv, ctx->plan);
    int rc = cli_parse(nargc, nargv, o, extra, on_opt, ctx, help, err);
    free(nargv);
    if (!rc) rc = eval_cli_usage_check("sweep", o, err);
    if (!rc) rc = sweep_plan_build(ctx->plan, &o->params, err);
    return rc;
}

/* Every row in one pass over the file. */
static int sweep_eval(struct source *s, const struct cli_opts *o, struct sweep_ctx *ctx, struct eval_run **run,
                      struct ls_error *err)
{
    const struct sweep_plan *pl = ctx->plan;
    struct eval_settings *set = malloc((size_t)pl->nrows * sizeof *set);
    if (!set) return ls_oom(err);
    for (int r = 0; r < pl->nrows; r++) {
        set[r].chain = o->chain;
        set[r].params = pl->rows[r].p;
        set[r].params.bias = o->params.bias;   /* resolved when the file opened, after the plan */
    }
    int rc;
    if (ctx->mc.model || ctx->mc.prompt) {   /* whole continuations from the model */
        eval_cli_finish(&ctx->cfg, o);
        if (!(rc = eval_cli_check(&ctx->cfg, err)))
            rc = eval_model_run(o, &ctx->mc, &ctx->cfg, set, (size_t)pl->nrows, &ctx->em, err);
        if (!rc) *run = ctx->em.gen->run;
    } else {
        rc = eval_source(s, &ctx->cfg, set, (size_t)pl->nrows, NULL, run, err);
    }
    free(set);
    return rc;
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct eval_run *er = NULL;
    struct sweep_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    eval_config_init(&ctx.cfg);
    model_cli_init(&ctx.mc);
    ctx.plan = calloc(1, sizeof *ctx.plan);
    int rc = ctx.plan ? parse_args(argc, argv, self->help, &o, &ctx, &err) : ls_oom(&err);
    if (rc < 0) { free(ctx.plan); return 0; }
    int gen = ctx.mc.model || ctx.mc.prompt;
    if (!rc && (gen || !(rc = eval_cli_open(&o, &ctx.cfg, &s, &err)))) rc = sweep_eval(s, &o, &ctx, &er, &err);
    if (rc) {
        ls_error_print(&err, stderr);
    } else {
        struct sweep_doc d = { gen ? ctx.em.gen->src : s, &o.chain, &o.params, &ctx.cfg, ctx.plan, er, 0,
                               gen ? eval_note_generated : NULL, 0, 0 };
        for (int r = 0; r < ctx.plan->nrows; r++) {
            const struct eval_scores *es = eval_run_scores(er, (size_t)r);
            d.approximate |= es->approximate;
            d.topn += es->n_topn;
            d.topn_bounded += es->n_topn_bounded;
        }
        if (!o.json) sweep_text(&d, o.disp);
        else { cJSON *doc = sweep_json(&d); rc = doc ? cli_print_json(doc) : LS_ELIMIT; }
    }
    if (gen) eval_model_free(&ctx.em);   /* owns er */
    else eval_run_free(er);
    free(ctx.plan);
    source_close(s);
    return rc;
}

const struct cli_command cli_cmd_sweep = {
    "sweep", run, "evaluator scores across temperatures (or other parameters)", help_head,
};
