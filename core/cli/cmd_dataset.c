/* cmd_dataset.c: `logitscope dataset eval A [--b B] ...` and `dataset
 * merge PARTS...` (dataset_merge.c). eval loads the datasets (input/
 * dataset.h), pairs them by row id, picks the rows of its shard, skips the
 * rows a resumed result already holds, evaluates the rest on worker threads
 * (report/dataset_doc.h), checkpoints the JSON result to --out atomically
 * (at most once a second, and at the end), and renders it. Ctrl-C or
 * SIGTERM stops taking rows and leaves a valid partial result (exit 130)
 * that --resume completes. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/dataset_cli.h"
#include "cli/eval_cli.h"
#include "cli/model_cli.h"
#include "base/clock.h"
#include "base/parse.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

enum { DS_OPT_B = 200, DS_OPT_TEMPS, DS_OPT_SHARD, DS_OPT_OUT, DS_OPT_RESUME, DS_OPT_CSV, DS_OPT_THREADS,
       DS_OPT_MOVED, DS_OPT_MODEL, DS_OPT_B_MODEL, DS_OPT_MAX_TOKENS };

struct ds_args {
    struct eval_config cfg;
    const char *b, *temps, *shard, *out, *moved_by, *model, *b_model;
    int resume, csv, threads;
    long max_tokens;
    const char *models[2];   /* of A's and B's prompt rows (models()) */
    char model_buf[1100];
};

static const struct cli_extra extra[] = {
    EVAL_CLI_EXTRA, {"b", 1, DS_OPT_B}, {"temperatures", 1, DS_OPT_TEMPS}, {"shard", 1, DS_OPT_SHARD},
    {"out", 1, DS_OPT_OUT}, {"resume", 0, DS_OPT_RESUME}, {"csv", 0, DS_OPT_CSV},
    {"threads", 1, DS_OPT_THREADS}, {"moved-by", 1, DS_OPT_MOVED}, {"model", 1, DS_OPT_MODEL},
    {"b-model", 1, DS_OPT_B_MODEL}, {"max-tokens", 1, DS_OPT_MAX_TOKENS}, {NULL, 0, 0}
};

static int on_opt(void *ctx, int id, const char *arg, struct ls_error *err)
{
    struct ds_args *a = ctx;
    long v;
    int rc = eval_cli_option(&a->cfg, id, arg, err);
    if (rc != 1) return rc;
    switch (id) {
    case DS_OPT_B: a->b = arg; return LS_OK;
    case DS_OPT_TEMPS: a->temps = arg; return LS_OK;
    case DS_OPT_SHARD: a->shard = arg; return LS_OK;
    case DS_OPT_OUT: a->out = arg; return LS_OK;
    case DS_OPT_RESUME: a->resume = 1; return LS_OK;
    case DS_OPT_CSV: a->csv = 1; return LS_OK;
    case DS_OPT_MOVED: a->moved_by = arg; return LS_OK;
    case DS_OPT_MODEL: a->model = arg; return LS_OK;
    case DS_OPT_B_MODEL: a->b_model = arg; return LS_OK;
    case DS_OPT_MAX_TOKENS: return cli_opt_rc("--max-tokens", parse_long(arg, 1, 4096, &a->max_tokens, err), err);
    case DS_OPT_THREADS:
        if ((rc = cli_opt_rc("--threads", parse_long(arg, 0, 8, &v, err), err))) return rc;
        a->threads = (int)v;
        return LS_OK;
    default: return ls_fail(err, LS_EUSAGE, "unknown option");
    }
}

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

/* "I/N", 1 <= I <= N */
static int parse_shard(const char *s, int *i, int *n, struct ls_error *err)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    char a[32];
    long x, y;
    if (!s) { *i = *n = 0; return LS_OK; }
    if (!slash || slash == s || (size_t)(slash - s) >= sizeof a)
        return ls_fail(err, LS_EUSAGE, "--shard: expected I/N (1 <= I <= N), got '%.40s'", s);
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = 0;
    int rc = parse_long(slash + 1, 1, 1000000, &y, err);
    if (!rc) rc = parse_long(a, 1, y, &x, err);
    if (rc) return cli_opt_rc("--shard", rc, err);
    *i = (int)x;
    *n = (int)y;
    return LS_OK;
}

/* --- prompt rows ------------------------------------------------------------- */

static int has_prompts(const struct dataset *d)
{
    for (size_t i = 0; d && i < d->n; i++) if (d->rows[i].kind == DS_PROMPT) return 1;
    return 0;
}

/* The models of A's and B's prompt rows (--model, else the default model;
 * --b-model, else A's), NULL for a version without prompt rows; each opened
 * once here, so a model that cannot be read stops the run instead of
 * failing every row. */
static int models(struct ds_args *a, const struct dataset *A, const struct dataset *B, const char *m[2],
                  struct ls_error *err)
{
    m[0] = m[1] = NULL;
    if (a->b_model && !a->b) return ls_fail(err, LS_EUSAGE, "--b-model goes with --b B");
    const char *ma = a->model ? a->model : model_cli_default_path(a->model_buf, sizeof a->model_buf);
    if (has_prompts(A)) m[0] = ma;
    if (has_prompts(B)) m[1] = a->b_model ? a->b_model : ma;
    for (int v = 0; v < 2; v++) {
        struct model *x = NULL;
        int rc = m[v] ? model_open(m[v], &x, err) : LS_OK;
        model_close(x);
        if (rc) return cli_opt_rc(v && a->b_model ? "--b-model" : a->model ? "--model" : "the default model (--model)",
                                  rc, err);
    }
    return LS_OK;
}

/* --- checkpoints ------------------------------------------------------------- */

struct ckpt { const char *out; double last; };

/* After each row (the runner holds its lock): the partial result to
 * --out, at most once a second. A failed checkpoint is retried later. */
static void checkpoint(void *ctx, struct ds_doc *d)
{
    struct ckpt *c = ctx;
    struct ls_error err = {0};
    double now = clock_s();
    if (!c->out || now - c->last < 1.0) return;
    c->last = now;
    if (!ds_doc_sort(d, &err)) ds_write_json(d, c->out, &err);
}

/* --resume: take the rows of the saved result (same settings and shard). */
static int resume_rows(struct ds_doc *d, const char *out, struct ls_error *err)
{
    struct ds_doc *old = NULL;
    FILE *f = fopen(out, "rb");
    if (!f) return LS_OK;   /* nothing saved yet: a fresh run (a requeued job) */
    fclose(f);
    int rc = ds_read(out, &old, err);
    if (!rc && (!ds_doc_same_settings(d, old) || old->shard_i != d->shard_i || old->shard_n != d->shard_n ||
                old->rows_total != d->rows_total))
        rc = ls_fail(err, LS_EUSAGE, "%s: saved with other settings, datasets or shard; cannot resume it", out);
    if (!rc) rc = ds_doc_take_rows(d, old, err);
    if (!rc) rc = ds_doc_sort(d, err);
    ds_doc_free(old);
    return rc;
}

/* --- dataset eval ------------------------------------------------------------ */

static const char eval_help[] =
    "usage: logitscope dataset eval A [--b B] [--temperatures 0,0.4,0.7,1] [chain options]\n"
    "                               [-n N] [--seed S] [--regex RE] [--json-keys a,b]\n"
    "                               [--model MODEL] [--b-model MODEL] [--max-tokens M]\n"
    "                               [--evaluator NAME=COMMAND]... [--moved-by SCORE]\n"
    "                               [--top N] [--shard I/N] [--out FILE [--resume]]\n"
    "                               [--threads T] [--json | --csv]\n"
    "Every evaluator of `eval` per row, per temperature and per version, over a dataset:\n"
    "a folder of dumps (row id = file name without its extension) or a JSON Lines\n"
    "manifest, one row per line: {\"id\": ..., \"dump\": PATH (relative to the manifest),\n"
    "\"reference\": TEXT, \"expected\": [ITEM, ...], \"format\": NAME} (reference, expected\n"
    "and format optional; \"prompt\": TEXT instead of \"dump\": see below). Rows may be\n"
    "any format logitscope reads. With --b, rows of A and B are paired by id; unpaired\n"
    "rows are listed and count in their version's mean.\n"
    "Per temperature and score: the mean of A and of B over their usable rows, the paired\n"
    "delta (mean of B - A over rows with both) and its 95% interval: a paired percentile\n"
    "bootstrap over rows, 2000 resamples, xoshiro256** seeded with S (default 42); then\n"
    "the --top N rows x temperatures that moved most on --moved-by (default\n"
    "json_valid_share), and for paired dumps of the same tokens diff's KL statistics over\n"
    "all their steps (raw distributions). A row that cannot be read or evaluated is\n"
    "reported with its error, counted, and left out of the means; the run goes on.\n"
    "Rows with a \"prompt\" instead of a dump are text for a model: --model MODEL (default:\n"
    "the bundled model, as `generate`) writes N continuations of the prompt per temperature\n"
    "(--max-tokens M, default 64; continuation i from stream seed + i, as `eval --model`),\n"
    "and the evaluators score prompt + continuation; B's prompt rows use --b-model MODEL\n"
    "(default: A's model), so A and B can be two versions of a model. Rows with a dump\n"
    "and with a prompt mix freely (diff's KL statistics need two dumps).\n"
    "Reference-based scores (ref_exact_match, ref_contains_all, ref_token_f1, ref_rouge_l)\n"
    "use the row's reference / expected list (A's, else B's). External evaluators get\n"
    "them in their environment: LOGITSCOPE_ROW_ID, LOGITSCOPE_VERSION (A or B),\n"
    "LOGITSCOPE_REFERENCE (when the row has one), LOGITSCOPE_EXPECTED (a JSON array,\n"
    "when it has a list), with LOGITSCOPE_SAMPLE; the text is on stdin as in `eval`.\n"
    "\noptions (and the chain options of `logitscope --help`; --temperature T alone = one\n"
    "temperature):\n"
    EVAL_CLI_HELP
    "  --b B                    version B (a folder or a manifest)\n"
    "  --model MODEL            the model of prompt rows (A's, and B's without --b-model)\n"
    "  --b-model MODEL          the model of B's prompt rows\n"
    "  --max-tokens M           tokens per continuation of a prompt row (default 64)\n"
    "  --temperatures LIST      comma-separated (default 0,0.4,0.7,1; at most 16)\n"
    "  --moved-by SCORE         the score of the moved-rows list\n"
    "  --top N|all              moved rows listed (default 20)\n"
    "  --shard I/N              only rows k with k mod N = I - 1 (k: position in the sorted\n"
    "                           union of ids); combine the parts with `dataset merge`\n"
    "  --out FILE               write the JSON result atomically to FILE (checkpointed at\n"
    "                           most once a second while running); stdout gets the report\n"
    "  --resume                 keep the rows FILE already holds, evaluate the rest\n"
    "  --threads T              rows evaluated at once (default: one per CPU, at most 8)\n"
    "  --json | --csv           the JSON result / one CSV line per row x version x T\n"
    "exit codes: 0 ok (also when rows failed: see \"failed\"), 2 usage, 3 cannot read a\n"
    "dataset or model, 4 invalid dataset or model, 5 limit, 130 interrupted (a valid partial\n"
    "result; --resume completes it)\n"
    "\ndataset merge: `logitscope dataset merge --help`\n";

static const char dataset_help[] =
    "usage: logitscope dataset eval A [--b B] [options]   scores over many dumps (--help)\n"
    "       logitscope dataset merge PART...              combine --shard results (--help)\n";

/* Checks and derived settings before anything is read. */
static int eval_setup(struct ds_args *a, struct cli_opts *o, double *temps, int *nt, int *si, int *sn,
                      struct ls_error *err)
{
    int rc;
    if (o->n_files != 1) return ls_fail(err, LS_EUSAGE, "dataset eval takes one dataset A (B with --b; see --help)");
    if (o->step >= 0 || o->all) return ls_fail(err, LS_EUSAGE, "dataset eval covers every step; --step/--all do not apply");
    if (a->resume && !a->out) return ls_fail(err, LS_EUSAGE, "--resume needs --out FILE (the result to complete)");
    if (a->csv && o->json) return ls_fail(err, LS_EUSAGE, "--json and --csv: choose one");
    eval_cli_finish(&a->cfg, o);
    if ((rc = eval_cli_check(&a->cfg, err))) return rc;
    if ((rc = ds_temperatures(a->temps, &o->params, temps, nt, err)))
        return cli_opt_rc("--temperatures", rc, err);
    return parse_shard(a->shard, si, sn, err);
}

static int run_rows(struct ds_doc *d, const struct ds_plan *pl, const struct ds_args *a, const struct cli_opts *o,
                    struct ls_error *err)
{
    struct ckpt ck = { a->out, clock_s() };
    struct ds_run_opts ro = { &o->src, a->cfg, o->chain, o->params, a->threads, (const volatile int *)&g_stop,
                              checkpoint, &ck, { a->models[0], a->models[1] }, (uint32_t)a->max_tokens };
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* a first (partial) result at once: an unwritable FILE fails now, not
     * after the work, and an interrupted run always leaves a result */
    int rc = a->out ? ds_write_json(d, a->out, err) : LS_OK;
    if (!rc) rc = ds_run(d, pl->jobs, pl->n_jobs, &ro, err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (!rc && a->out) rc = ds_write_json(d, a->out, err);
    return rc;
}

static int eval_main(int argc, char **argv)
{
    struct ds_args a;
    struct cli_opts o;
    struct ls_error err = {0};
    double temps[DS_MAX_TEMPS];
    int nt = 0, si = 0, sn = 0;
    memset(&a, 0, sizeof a);
    eval_config_init(&a.cfg);
    int rc = cli_parse(argc, argv, &o, extra, on_opt, &a, eval_help, &err);
    if (rc < 0) return 0;
    if (!rc) rc = eval_setup(&a, &o, temps, &nt, &si, &sn, &err);
    struct dataset *A = NULL, *B = NULL;
    struct ds_doc *d = NULL;
    struct ds_plan pl = {0};
    if (!rc) rc = dataset_load(o.files[0], &A, &err);
    if (!rc && a.b) rc = dataset_load(a.b, &B, &err);
    if (!rc) rc = models(&a, A, B, a.models, &err);
    struct ds_spec sp = { o.files[0], a.b, temps, nt, &o.chain, &o.params, &a.cfg, o.src.format, o.src.vocab_path,
                          o.top, a.moved_by, { a.models[0], a.models[1] }, (uint32_t)a.max_tokens };
    if (!rc && (rc = ds_doc_new(&sp, &d, &err)) == LS_EUSAGE) ls_error_prefix(&err, "--moved-by");
    if (!rc) { d->shard_i = si; d->shard_n = sn; }
    if (!rc && (rc = ds_plan_build(A, B, si, sn, d, &pl, &err)) == LS_OK) {
        d->rows_total = pl.total;
        d->rows_expected = pl.expected;
        if (a.resume && (rc = resume_rows(d, a.out, &err)) == LS_OK) { ds_plan_free(&pl); rc = ds_plan_build(A, B, si, sn, d, &pl, &err); }
    }
    if (!rc) rc = run_rows(d, &pl, &a, &o, &err);
    if (rc) ls_error_print(&err, stderr);
    else rc = ds_print(d, a.csv ? DS_CSV : o.json ? DS_JSON : DS_TEXT, o.disp);
    if (!rc && g_stop && d->n_rows < d->rows_expected) {
        fprintf(stderr, "logitscope: interrupted: %zu of %zu rows done%s\n", d->n_rows, d->rows_expected,
                a.out ? "; --resume completes the result" : "");
        rc = DS_EXIT_INTERRUPTED;
    }
    ds_plan_free(&pl);
    ds_doc_free(d);
    dataset_free(A);
    dataset_free(B);
    return rc;
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    if (argc >= 2 && !strcmp(argv[1], "eval")) return eval_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "merge")) return ds_merge_main(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) { fputs(self->help, stdout); return 0; }
    fprintf(stderr, "logitscope: dataset: expected eval or merge (see logitscope dataset --help)\n");
    return LS_EUSAGE;
}

const struct cli_command cli_cmd_dataset = {
    "dataset", run, "scores over a dataset of dumps, A/B paired (eval, merge)", dataset_help,
};
