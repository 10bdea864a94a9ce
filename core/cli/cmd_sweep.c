/* cmd_sweep.c: `logitscope sweep FILE`: evaluator scores across
 * temperatures (or other chain parameters), one row per setting, all rows
 * computed in one pass over the file with the same seed (eval.h). */
#include "cli/cli.h"
#include "report/chart_text.h"
#include "report/eval_report.h"
#include "base/display.h"
#include "cli/eval_cli.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 64
#define MAX_ROWS 256

enum { P_TEMP = 0, P_TOPK, P_TOPP, P_MINP, P__N };
static const char *const pname[P__N] = { "temperature", "top-k", "top-p", "min-p" };
static const char *const pkey[P__N] = { "temperature", "top_k", "top_p", "min_p" };

enum { S_TEMPS = 1, S_TOPKS, S_TOPPS, S_MINPS, S_GRID };

struct sweep_ctx {
    struct eval_config cfg;
    const char *list[P__N];      /* raw list text, NULL if not swept */
    int grid;
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
    "  --json                   one JSON document: seed, n, approximate, varied, grid,\n"
    "                           rows [{temperature, top_k, top_p, min_p, varied, and\n"
    "                           every eval key}], notes, definitions\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or an external evaluator\n"
    "failed, 5 limit\n"
    "\ndefinitions: see `logitscope eval --help` and docs/EVALUATORS.md\n";

static const struct cli_extra extra[] = {
    {"temperatures", 1, S_TEMPS}, {"top-ps", 1, S_TOPPS}, {"top-ks", 1, S_TOPKS},
    {"min-ps", 1, S_MINPS}, {"grid", 0, S_GRID}, EVAL_CLI_EXTRA, {NULL, 0, 0}
};

static int on_opt(void *vctx, int id, const char *arg, struct ls_error *err)
{
    struct sweep_ctx *c = vctx;
    switch (id) {
    case S_TEMPS: c->list[P_TEMP] = arg; return LS_OK;
    case S_TOPKS: c->list[P_TOPK] = arg; return LS_OK;
    case S_TOPPS: c->list[P_TOPP] = arg; return LS_OK;
    case S_MINPS: c->list[P_MINP] = arg; return LS_OK;
    case S_GRID: c->grid = 1; return LS_OK;
    default: {
        int rc = eval_cli_option(&c->cfg, id, arg, err);
        return rc == 1 ? ls_fail(err, LS_EUSAGE, "unknown option") : rc;
    }
    }
}

/* Pre-scan: a comma in the value of --temperature/-t, --top-p/-p,
 * --top-k/-k or --min-p makes it a sweep list. Consumed arguments are left
 * out of the argv handed to cli_parse. Stops at "--". */
static int prescan(int argc, char **argv, char **nargv, struct sweep_ctx *c)
{
    static const struct { const char *name; int p; } m[] = {
        {"--temperature", P_TEMP}, {"--temp", P_TEMP}, {"-t", P_TEMP}, {"--top-p", P_TOPP}, {"-p", P_TOPP},
        {"--top-k", P_TOPK}, {"-k", P_TOPK}, {"--min-p", P_MINP},
    };
    int n = 0, i;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) break;
        int took = 0;
        for (size_t j = 0; j < sizeof m / sizeof m[0] && !took; j++) {
            size_t l = strlen(m[j].name);
            if (!strncmp(a, m[j].name, l)) {
                if (a[l] == '=' && strchr(a + l + 1, ',')) { c->list[m[j].p] = a + l + 1; took = 1; }
                else if (!a[l] && i + 1 < argc && strchr(argv[i + 1], ',')) { c->list[m[j].p] = argv[++i]; took = 1; }
                else if (l == 2 && a[l] && strchr(a + l, ',')) { c->list[m[j].p] = a + l; took = 1; } /* -t0,1 */
            }
        }
        if (!took) nargv[n++] = argv[i];
    }
    for (; i < argc; i++) nargv[n++] = argv[i];
    nargv[n] = NULL;
    return n;
}

static int parse_list(int p, const char *s, double *v, int *n, struct ls_error *err)
{
    char opt[32];
    snprintf(opt, sizeof opt, "--%s", pname[p]);
    *n = 0;
    const char *q = s;
    for (;;) {
        size_t l = strcspn(q, ",");
        char item[64];
        if (l == 0 || l >= sizeof item)
            return ls_fail(err, LS_EUSAGE, "%s: bad list '%.60s' (comma-separated numbers)", opt, s);
        memcpy(item, q, l);
        item[l] = 0;
        if (*n >= MAX_LIST) return ls_fail(err, LS_EUSAGE, "%s: at most %d values", opt, MAX_LIST);
        int rc;
        if (p == P_TOPK) {
            long k;
            if ((rc = cli_parse_long(opt, item, 0, INT32_MAX, &k, err))) return rc;
            v[(*n)++] = (double)k;
        } else {
            if ((rc = cli_parse_double(opt, item, &v[*n], err))) return rc;
            (*n)++;
        }
        if (!q[l]) break;
        q += l + 1;
    }
    return LS_OK;
}

static void set_param(struct params *pr, int p, double v)
{
    switch (p) {
    case P_TEMP: pr->temperature = v; break;
    case P_TOPK: pr->top_k = (int32_t)v; break;
    case P_TOPP: pr->top_p = v; break;
    default: pr->min_p = v; break;
    }
}

static double get_param(const struct params *pr, int p)
{
    switch (p) {
    case P_TEMP: return pr->temperature;
    case P_TOPK: return pr->top_k;
    case P_TOPP: return pr->top_p;
    default: return pr->min_p;
    }
}

struct row { struct params p; int varied; /* P_* or -1 for grid */ };

static void fmt_val(char *b, size_t n, double v)
{
    if (isfinite(v)) snprintf(b, n, "%.4g", v);
    else snprintf(b, n, "-");
}

static void print_text(const struct source *s, const struct cli_opts *o, const struct eval_config *cfg,
                       const struct row *rows, int nrows, const int *swept, int grid,
                       struct eval_run *run)
{
    (void)grid;
    eval_print_header_text(stdout, s, &o->chain, NULL, cfg, o->disp);
    printf("base: temperature %.9g  top-k %d  top-p %.9g  min-p %.9g\n%s:",
           o->params.temperature, (int)o->params.top_k, o->params.top_p, o->params.min_p,
           grid ? "grid over" : "varied one at a time");
    for (int p = 0, f = 0; p < P__N; p++) if (swept[p]) { printf("%s %s", f ? (grid ? " x" : ",") : "", pname[p]); f = 1; }
    putchar('\n');
    int approx = 0;
    for (int r = 0; r < nrows; r++) approx |= eval_run_scores(run, (size_t)r)->approximate;
    if (approx) printf("APPROXIMATE: sparse (top-N) dump; every score is computed over the known tokens\n");
    struct eval_sweep_col sc[32];   /* the score table's sweep columns */
    int ns = eval_sweep_cols(cfg, sc, 32);
    putchar('\n');
    /* header */
    for (int p = 0; p < P__N; p++) if (swept[p] || p == P_TEMP) printf("%-11s ", pname[p]);
    for (int j = 0; j < ns; j++) printf(j ? " %*s" : "%*s", j == 0 ? 22 : 11, sc[j].head);
    putchar('\n');
    for (int r = 0; r < nrows; r++) {
        const struct eval_scores *e = eval_run_scores(run, (size_t)r);
        for (int p = 0; p < P__N; p++) {
            if (!(swept[p] || p == P_TEMP)) continue;
            char b[32];
            snprintf(b, sizeof b, "%.9g", get_param(&rows[r].p, p));
            printf("%-11s ", b);
        }
        for (int j = 0; j < ns; j++) {
            char b[64], v[32];
            fmt_val(v, sizeof v, eval_sweep_value(&sc[j], e));
            if (j == 0 && isfinite(e->json_valid_share))
                snprintf(b, sizeof b, "%s [%.3f,%.3f]", v, e->json_valid_ci[0], e->json_valid_ci[1]);
            else
                snprintf(b, sizeof b, "%s", v);
            printf(j ? " %*s" : "%*s", j == 0 ? 22 : 11, b);
        }
        putchar('\n');
    }
    /* charts: one group per varied parameter (grid: x = temperature or the
     * first swept parameter, one series per combination of the others) */
    double *xs = malloc((size_t)nrows * sizeof *xs);
    double *ys = malloc((size_t)nrows * MAX_ROWS * sizeof *ys);
    char *buf = malloc(65536);
    if (!xs || !ys || !buf) { free(xs); free(ys); free(buf); return; }
    for (int p = 0; p < P__N; p++) {
        if (!swept[p]) continue;
        if (grid && p != P_TEMP && swept[P_TEMP]) continue;
        /* rows of this group */
        int idx[MAX_ROWS], n = 0;
        for (int r = 0; r < nrows; r++) if (grid || rows[r].varied == p) idx[n++] = r;
        /* grid: series = distinct combinations of the other parameters */
        int ser_of[MAX_ROWS], nser = 0, ser_rep[26];
        for (int i = 0; i < n; i++) {
            int found = -1;
            for (int q = 0; q < nser && found < 0; q++) {
                int same = 1;
                for (int pp = 0; pp < P__N; pp++)
                    if (pp != p && get_param(&rows[idx[i]].p, pp) != get_param(&rows[ser_rep[q]].p, pp)) same = 0;
                if (same) found = q;
            }
            if (found < 0) {
                if (nser >= 26) { found = 25; }
                else { found = nser; ser_rep[nser++] = idx[i]; }
            }
            ser_of[i] = found;
        }
        /* x positions: distinct values of p in row order */
        int nx = 0;
        for (int i = 0; i < n; i++) {
            double v = get_param(&rows[idx[i]].p, p);
            int dup = 0;
            for (int q = 0; q < nx; q++) if (xs[q] == v) dup = 1;
            if (!dup) xs[nx++] = v;
        }
        for (int j = 0; j < ns; j++) {
            struct chart_series cs[26];
            char labels[26][96];
            for (int q = 0; q < nser; q++) {
                double *y = ys + (size_t)q * (size_t)nrows;
                for (int t = 0; t < nx; t++) y[t] = NAN;
                for (int i = 0; i < n; i++) {
                    if (ser_of[i] != q) continue;
                    double v = get_param(&rows[idx[i]].p, p);
                    for (int t = 0; t < nx; t++)
                        if (xs[t] == v) y[t] = eval_sweep_value(&sc[j], eval_run_scores(run, (size_t)idx[i]));
                }
                labels[q][0] = 0;
                size_t o2 = 0;
                for (int pp = 0; pp < P__N; pp++) {
                    if (pp == p || !swept[pp]) continue;
                    o2 += (size_t)snprintf(labels[q] + o2, sizeof labels[q] - o2, "%s%s %g", o2 ? " " : "",
                                           pname[pp], get_param(&rows[ser_rep[q]].p, pp));
                    if (o2 >= sizeof labels[q]) o2 = sizeof labels[q] - 1;
                }
                cs[q].label = labels[q];
                cs[q].mark = nser > 1 ? (char)('a' + q) : '*';
                cs[q].y = y;
            }
            struct chart ch = { sc[j].key, pname[p], xs, (size_t)nx, cs, (size_t)nser, 40, 7,
                                sc[j].share ? 0.0 : NAN, sc[j].share ? 1.0 : NAN, NAN };
            chart_text(&ch, buf, 65536);
            putchar('\n');
            fputs(buf, stdout);
        }
    }
    free(xs); free(ys); free(buf);
    printf("\nnote: %s.\nnote: every row uses the same seed and continuation streams.\n", eval_note_continuations);
    if (!eval_run_scores(run, 0)->texts_known) printf("note: no vocabulary: text-based scores need --vocab FILE.\n");
}

int cmd_sweep(int argc, char **argv)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct sweep_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    eval_config_init(&ctx.cfg);
    char **nargv = malloc(((size_t)argc + 1) * sizeof *nargv);
    if (!nargv) { fputs("logitscope: out of memory\n", stderr); return LS_ELIMIT; }
    int nargc = prescan(argc, argv, nargv, &ctx);
    int rc = cli_parse(nargc, nargv, &o, extra, on_opt, &ctx, help_head, &err);
    free(nargv);
    if (rc < 0) return 0;
    if (!rc && o.n_files > 1) rc = ls_fail(&err, LS_EUSAGE, "sweep takes one FILE (see --help)");
    if (!rc && (o.step >= 0 || o.all)) rc = ls_fail(&err, LS_EUSAGE, "sweep covers every step; --step/--all do not apply");
    /* lists */
    double vals[P__N][MAX_LIST];
    int nv[P__N] = {0}, swept[P__N] = {0}, any = 0;
    for (int p = 0; p < P__N && !rc; p++) {
        if (!ctx.list[p]) continue;
        rc = parse_list(p, ctx.list[p], vals[p], &nv[p], &err);
        swept[p] = 1;
        any = 1;
    }
    if (!rc && !any) {
        static const double deft[] = { 0, 0.4, 0.7, 1.0 };
        memcpy(vals[P_TEMP], deft, sizeof deft);
        nv[P_TEMP] = 4;
        swept[P_TEMP] = 1;
    }
    struct row *rows = calloc(MAX_ROWS, sizeof *rows);
    int nrows = 0;
    if (!rows && !rc) rc = ls_fail(&err, LS_ELIMIT, "out of memory");
    if (!rc && ctx.grid) {
        int pos[P__N] = {0};
        for (;;) {
            if (nrows >= MAX_ROWS) { rc = ls_fail(&err, LS_EUSAGE, "--grid: more than %d rows", MAX_ROWS); break; }
            struct params pr = o.params;
            for (int p = 0; p < P__N; p++) if (swept[p]) set_param(&pr, p, vals[p][pos[p]]);
            rows[nrows].p = pr;
            rows[nrows].varied = -1;
            nrows++;
            int p = P__N - 1;
            for (; p >= 0; p--) {
                if (!swept[p]) continue;
                if (++pos[p] < nv[p]) break;
                pos[p] = 0;
            }
            if (p < 0) break;
        }
    } else if (!rc) {
        for (int p = 0; p < P__N && !rc; p++) {
            for (int i = 0; swept[p] && i < nv[p]; i++) {
                if (nrows >= MAX_ROWS) { rc = ls_fail(&err, LS_EUSAGE, "more than %d rows", MAX_ROWS); break; }
                rows[nrows].p = o.params;
                set_param(&rows[nrows].p, p, vals[p][i]);
                rows[nrows].varied = p;
                nrows++;
            }
        }
    }
    for (int r = 0; r < nrows && !rc; r++) {
        if ((rc = params_check(&rows[r].p, &err))) {
            char pre[160];
            snprintf(pre, sizeof pre, "sweep row %d (temperature %g, top-k %d, top-p %g, min-p %g)", r,
                     rows[r].p.temperature, (int)rows[r].p.top_k, rows[r].p.top_p, rows[r].p.min_p);
            ls_error_prefix(&err, pre);
        }
    }
    if (rc || (rc = cli_open(&o, 0, &s, &err))) { ls_error_print(&err, stderr); free(rows); return rc; }
    if (s->warnings[0]) ls_warn_print(stderr, s->warnings);
    eval_cli_finish(&ctx.cfg, &o);
    struct eval_settings *set = malloc((size_t)nrows * sizeof *set);
    struct eval_run *run = NULL;
    if (!set) rc = ls_fail(&err, LS_ELIMIT, "out of memory");
    for (int r = 0; r < nrows && !rc; r++) { set[r].chain = o.chain; set[r].params = rows[r].p; }
    if (!rc) rc = eval_cli_check(&ctx.cfg, &err);
    if (!rc) rc = eval_source(s, &ctx.cfg, set, (size_t)nrows, NULL, &run, &err);
    free(set);
    if (rc) { ls_error_print(&err, stderr); free(rows); source_close(s); return rc; }
    if (o.json) {
        cJSON *d = cJSON_CreateObject();
        eval_add_header_json(d, s, &o.chain, &o.params, &ctx.cfg);
        int approx = 0;
        for (int r = 0; r < nrows; r++) approx |= eval_run_scores(run, (size_t)r)->approximate;
        cJSON_AddBoolToObject(d, "approximate", approx);
        cJSON_AddBoolToObject(d, "grid", ctx.grid);
        cJSON *va = cJSON_AddArrayToObject(d, "varied");
        for (int p = 0; p < P__N; p++) if (swept[p]) cJSON_AddItemToArray(va, cJSON_CreateString(pkey[p]));
        cJSON *ra = cJSON_AddArrayToObject(d, "rows");
        for (int r = 0; r < nrows; r++) {
            cJSON *row = cJSON_CreateObject();
            cJSON_AddNumberToObject(row, "temperature", rows[r].p.temperature);
            cJSON_AddNumberToObject(row, "top_k", rows[r].p.top_k);
            cJSON_AddNumberToObject(row, "top_p", rows[r].p.top_p);
            cJSON_AddNumberToObject(row, "min_p", rows[r].p.min_p);
            if (rows[r].varied >= 0) cJSON_AddStringToObject(row, "varied", pkey[rows[r].varied]);
            else cJSON_AddNullToObject(row, "varied");
            eval_scores_json(row, &ctx.cfg, eval_run_scores(run, (size_t)r));
            cJSON_AddItemToArray(ra, row);
        }
        cJSON *notes = cJSON_AddArrayToObject(d, "notes");
        cJSON_AddItemToArray(notes, cJSON_CreateString(eval_note_continuations));
        cJSON_AddItemToArray(notes, cJSON_CreateString("every row uses the same seed and continuation streams"));
        if (approx) cJSON_AddItemToArray(notes, cJSON_CreateString("sparse (top-N) dump: every score is approximate"));
        eval_definitions_json(d);
        rc = cli_print_json(d);
    } else {
        print_text(s, &o, &ctx.cfg, rows, nrows, swept, ctx.grid, run);
    }
    eval_run_free(run);
    free(rows);
    source_close(s);
    return rc;
}
