/* cli.c: shared option parsing, dispatch and output helpers (see cli.h). */
#include "cli/cli.h"
#include "base/display.h"
#include "base/rng.h"
#include "input/formats.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    O_STEP = 256, O_TEMP, O_TOPK, O_TOPP, O_MINP, O_CHAIN, O_DEFAULTS, O_SEED, O_TOP,
    O_VOCAB, O_JSON, O_FORMAT, O_TENSOR, O_MAXJSON, O_VOCABSIZE, O_DTYPE, O_NONFINITE,
    O_RAW, O_ALL, O_HELP, O_COUNT, O_EXTRA0 = 1000
};

static const struct option shared_opts[] = {
    {"step", required_argument, NULL, O_STEP},
    {"temperature", required_argument, NULL, O_TEMP},
    {"temp", required_argument, NULL, O_TEMP},
    {"top-k", required_argument, NULL, O_TOPK},
    {"top-p", required_argument, NULL, O_TOPP},
    {"min-p", required_argument, NULL, O_MINP},
    {"chain", required_argument, NULL, O_CHAIN},
    {"defaults", required_argument, NULL, O_DEFAULTS},
    {"seed", required_argument, NULL, O_SEED},
    {"top", required_argument, NULL, O_TOP},
    {"vocab", required_argument, NULL, O_VOCAB},
    {"json", no_argument, NULL, O_JSON},
    {"format", required_argument, NULL, O_FORMAT},
    {"tensor", required_argument, NULL, O_TENSOR},
    {"max-json-size", required_argument, NULL, O_MAXJSON},
    {"vocab-size", required_argument, NULL, O_VOCABSIZE},
    {"dtype", required_argument, NULL, O_DTYPE},
    {"allow-nonfinite", no_argument, NULL, O_NONFINITE},
    {"raw", no_argument, NULL, O_RAW},
    {"all", no_argument, NULL, O_ALL},
    {"count", required_argument, NULL, O_COUNT},
    {"help", no_argument, NULL, O_HELP},
};
#define N_SHARED (sizeof shared_opts / sizeof shared_opts[0])

/* How the command line spells the input options: core's messages about a
 * file use these words when they point at an option (source.h). */
static const char *const source_spelling[SOPT_N] = {
    [SOPT_FORMAT] = "--format NAME", [SOPT_TENSOR] = "--tensor NAME",
    [SOPT_VOCAB_SIZE] = "--vocab-size V", [SOPT_DTYPE] = "--dtype D",
    [SOPT_JSON_CAP] = "--max-json-size BYTES", [SOPT_VOCAB] = "--vocab FILE",
};
#define MAX_EXTRA 48

int cli_parse_double(const char *opt, const char *s, double *out, struct ls_error *err)
{
    char *e;
    errno = 0;
    double d = strtod(s, &e);
    if (e == s || *e || errno == ERANGE || !isfinite(d))
        return ls_fail(err, LS_EUSAGE, "%s: expected a number, got '%.40s'", opt, s);
    *out = d;
    return LS_OK;
}

int cli_parse_long(const char *opt, const char *s, long lo, long hi, long *out, struct ls_error *err)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (e == s || *e || errno == ERANGE)
        return ls_fail(err, LS_EUSAGE, "%s: expected an integer, got '%.40s'", opt, s);
    if (v < lo || v > hi)
        return ls_fail(err, LS_EUSAGE, "%s: %ld is out of range [%ld, %ld]", opt, v, lo, hi);
    *out = v;
    return LS_OK;
}

int cli_parse_u64(const char *opt, const char *s, uint64_t *out, struct ls_error *err)
{
    char *e;
    errno = 0;
    if (*s == '-' || !*s) return ls_fail(err, LS_EUSAGE, "%s: expected a non-negative integer, got '%.40s'", opt, s);
    unsigned long long v = strtoull(s, &e, 0);
    if (*e || errno == ERANGE)
        return ls_fail(err, LS_EUSAGE, "%s: expected a non-negative integer, got '%.40s'", opt, s);
    *out = (uint64_t)v;
    return LS_OK;
}

int cli_parse(int argc, char **argv, struct cli_opts *o, const struct cli_extra *extra,
              cli_extra_fn fn, void *ctx, const char *help, struct ls_error *err)
{
    struct option opts[N_SHARED + MAX_EXTRA + 1];
    size_t n = 0;
    memset(o, 0, sizeof *o);
    o->step = -1;
    o->top = 20;
    o->count = -1;
    o->seed = LS_DEFAULT_SEED;
    o->disp = disp_locale_flags();
    o->src.spelling = source_spelling;
    chain_preset(&o->chain, PRESET_HF);
    for (size_t i = 0; i < N_SHARED; i++) opts[n++] = shared_opts[i];
    for (size_t i = 0; extra && extra[i].name && i < MAX_EXTRA; i++) {
        opts[n].name = extra[i].name;
        opts[n].has_arg = extra[i].has_arg ? required_argument : no_argument;
        opts[n].flag = NULL;
        opts[n].val = O_EXTRA0 + (int)i;
        n++;
    }
    memset(&opts[n], 0, sizeof opts[n]);

    /* explicit values override --defaults whatever the order */
    double t = 1, tp = 1, mp = 0;
    long tk = 0;
    int set_t = 0, set_k = 0, set_p = 0, set_m = 0;
    const char *defaults = NULL;
    int chain_set = 0;
    int rc = LS_OK, c;
    long lv;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:t:k:p:hj", opts, NULL)) != -1) {
        switch (c) {
        case O_STEP:
            if ((rc = cli_parse_long("--step", optarg, 0, INT32_MAX, &lv, err))) return rc;
            o->step = lv;
            break;
        case 't': case O_TEMP:
            if ((rc = cli_parse_double("--temperature", optarg, &t, err))) return rc;
            set_t = 1;
            break;
        case 'k': case O_TOPK:
            if ((rc = cli_parse_long("--top-k", optarg, 0, INT32_MAX, &tk, err))) return rc;
            set_k = 1;
            break;
        case 'p': case O_TOPP:
            if ((rc = cli_parse_double("--top-p", optarg, &tp, err))) return rc;
            set_p = 1;
            break;
        case O_MINP:
            if ((rc = cli_parse_double("--min-p", optarg, &mp, err))) return rc;
            set_m = 1;
            break;
        case O_CHAIN:
            if ((rc = chain_parse(optarg, &o->chain, err))) return rc;
            chain_set = 1;
            break;
        case O_DEFAULTS: defaults = optarg; break;
        case O_SEED:
            if ((rc = cli_parse_u64("--seed", optarg, &o->seed, err))) return rc;
            o->seed_set = 1;
            break;
        case O_TOP:
            if (!strcmp(optarg, "all")) o->top = -1;
            else if ((rc = cli_parse_long("--top", optarg, 1, INT32_MAX, &o->top, err))) return rc;
            break;
        case O_VOCAB: o->src.vocab_path = optarg; break;
        case 'j': case O_JSON: o->json = 1; break;
        case O_FORMAT: o->src.format = optarg; break;
        case O_TENSOR: o->src.tensor = optarg; break;
        case O_MAXJSON:
            if ((rc = cli_parse_u64("--max-json-size", optarg, &o->src.json_cap, err))) return rc;
            break;
        case O_VOCABSIZE:
            if ((rc = cli_parse_long("--vocab-size", optarg, 1, LS_MAX_VOCAB, &lv, err))) return rc;
            o->src.vocab_size = (uint32_t)lv;
            break;
        case O_DTYPE: o->src.dtype = optarg; break;
        case O_NONFINITE: o->allow_nonfinite = 1; break;
        case O_RAW: o->raw = 1; break;
        case O_ALL: o->all = 1; break;
        case 'n': case O_COUNT:
            if ((rc = cli_parse_long("-n", optarg, 1, 100000000, &o->count, err))) return rc;
            break;
        case 'h': case O_HELP:
            fputs(help, stdout);
            return -1;
        case '?':
            if (optopt) return ls_fail(err, LS_EUSAGE, "option -%c needs a value or is unknown (see --help)", optopt);
            return ls_fail(err, LS_EUSAGE, "unknown option '%.60s' (see --help)", argv[optind - 1]);
        case ':':
            return ls_fail(err, LS_EUSAGE, "option '%.60s' needs a value", argv[optind - 1]);
        default:
            if (c >= O_EXTRA0 && fn) {
                rc = fn(ctx, extra[c - O_EXTRA0].id, optarg, err);
                if (rc) return rc;
                break;
            }
            return ls_fail(err, LS_EUSAGE, "unknown option (see --help)");
        }
    }
    o->params = PARAMS_OFF;
    if (defaults) {
        /* a system's defaults come with its chain order unless --chain says otherwise */
        if ((rc = params_defaults(defaults, &o->params, err))) return rc;
        if (!chain_set && (rc = chain_parse(defaults, &o->chain, err))) return rc;
    }
    if (set_t) o->params.temperature = t;
    if (set_k) o->params.top_k = (int32_t)tk;
    if (set_p) o->params.top_p = tp;
    if (set_m) o->params.min_p = mp;
    if ((rc = params_check(&o->params, err))) return rc;
    for (int i = optind; i < argc; i++) {
        if (o->n_files >= CLI_MAX_FILES) return ls_fail(err, LS_EUSAGE, "too many files (at most %d)", CLI_MAX_FILES);
        o->files[o->n_files++] = argv[i];
    }
    if (o->raw) o->disp = 0;
    return LS_OK;
}

int cli_open(const struct cli_opts *o, int which, struct source **out, struct ls_error *err)
{
    if (which >= o->n_files) return ls_fail(err, LS_EUSAGE, "missing FILE (see --help)");
    return source_open(o->files[which], &o->src, out, err);
}

int cli_begin(int argc, char **argv, const char *help, struct cli_opts *o,
              struct source **s, struct cli_step *st)
{
    struct ls_error err = {0};
    int rc = cli_parse(argc, argv, o, NULL, NULL, NULL, help, &err);
    if (rc < 0) return -1;
    if (!rc && o->all && o->step >= 0) rc = ls_fail(&err, LS_EUSAGE, "--all and --step are exclusive");
    if (rc || (rc = cli_open(o, 0, s, &err))) { ls_error_print(&err, stderr); return rc; }
    if ((*s)->warnings[0]) ls_warn_print(stderr, (*s)->warnings);
    if (cli_step_init(st, (*s)->vocab_size)) {
        source_close(*s);
        *s = NULL;
        fputs("logitscope: out of memory\n", stderr);
        return LS_ELIMIT;
    }
    return LS_OK;
}

int cli_step_init(struct cli_step *st, uint32_t V)
{
    memset(st, 0, sizeof *st);
    st->logits = malloc((size_t)V * sizeof *st->logits);
    if (!st->logits || chain_ws_init(&st->ws, V) || chain_result_init(&st->res, V)) {
        cli_step_free(st);
        return LS_ELIMIT;
    }
    return LS_OK;
}

void cli_step_free(struct cli_step *st)
{
    free(st->logits);
    chain_ws_free(&st->ws);
    chain_result_free(&st->res);
    memset(st, 0, sizeof *st);
}

int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err)
{
    int rc = source_read_step(s, step, st->logits, &st->info, err);
    if (rc) { ls_error_prefix(err, s->path); return rc; }
    if (!o->allow_nonfinite && (st->info.n_nan || st->info.n_posinf)) {
        for (uint32_t i = 0; i < s->vocab_size; i++) {
            float z = st->logits[i];
            if (isnan(z) || (isinf(z) && z > 0))
                return ls_fail(err, LS_EDATA, "%s: step %u: token %u: %s logit (%u NaN, %u +inf in this step; "
                               "--allow-nonfinite treats them as masked)", s->path, step, i,
                               isnan(z) ? "NaN" : "+inf", st->info.n_nan, st->info.n_posinf);
        }
    }
    rc = chain_run(&o->chain, &o->params, st->logits, s->vocab_size, &st->ws, &st->res, err);
    if (rc) {
        char pre[64];
        snprintf(pre, sizeof pre, "step %u", step);
        ls_error_prefix(err, pre);
        ls_error_prefix(err, s->path);
    }
    return rc;
}

const char *cli_token_text(const struct source *s, int32_t id, unsigned flags,
                           char *buf, size_t bufsz)
{
    char tmp[32];
    size_t len;
    int known;
    const char *t = vocab_text(s->vocab, id, tmp, sizeof tmp, &len, &known);
    if (!known) { snprintf(buf, bufsz, "%s", tmp); return buf; }
    disp_escape(t, len, flags, buf, bufsz);
    return buf;
}

/* cJSON_Print escapes only C0, '"' and '\'. Strings we put in documents
 * are already display-escaped (valid UTF-8, no controls), so the output is
 * safe; this prints and frees. */
int cli_print_json(cJSON *doc)
{
    char *txt = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!txt) { fputs("logitscope: out of memory printing JSON\n", stderr); return LS_ELIMIT; }
    fputs(txt, stdout);
    fputc('\n', stdout);
    cJSON_free(txt);
    return LS_OK;
}

static const struct { const char *name; int (*fn)(int, char **); const char *summary; } commands[] = {
    {"show", cmd_show, "the distribution at one step after the chain"},
    {"sample", cmd_sample, "draw tokens: -n COUNT at --step N, or --all (one per step)"},
    {"info", cmd_info, "what a file holds: format, steps, vocabulary, warnings"},
    {"eval", cmd_eval, "evaluator scores over the whole sequence"},
    {"sweep", cmd_sweep, "evaluator scores across temperatures (or other parameters)"},
    {"diff", cmd_diff, "compare two dumps of the same tokens (KL divergence, ...)"},
};

void cli_usage(FILE *f)
{
    fputs("usage: logitscope [FILE]              the explorer (no FILE: the bundled demo)\n"
          "       logitscope COMMAND FILE [opts]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\nchain options (every command):\n"
          "  --temperature T, -t T   divide logits by T; 0 = greedy (default 1 = off)\n"
          "  --top-k K, -k K         keep the K most likely (default 0 = off)\n"
          "  --top-p P, -p P         keep the smallest set with mass >= P, crossing token included (default 1 = off)\n"
          "  --min-p M               keep p >= M * p_max (default 0 = off)\n"
          "  --chain hf|llama.cpp|vllm|LIST   stage order and tie rules (default hf);\n"
          "                          LIST: comma-separated stages, e.g. top-k,temperature,top-p\n"
          "  --defaults llama.cpp|hf|vllm     that system's default values and chain order;\n"
          "                          explicit --chain and parameter options win\n"
          "  --seed S                PRNG seed (xoshiro256**; default 42; always reported)\n"
          "  --step N                0-based step (default 0)\n"
          "  --top N|all             tokens listed by show (default 20)\n"
          "  --vocab FILE            token texts: tokenizer.json, GGUF, JSON array, or one per line\n"
          "  --json                  one JSON document on stdout\n"
          "  --allow-nonfinite       treat NaN/+inf logits as masked instead of an error\n"
          "  --raw                   do not escape token text in table output\n"
          "  --format NAME, --tensor NAME, --vocab-size V, --dtype D, --max-json-size BYTES\n", f);
    char names[256];   /* the format registry's names (default: detected from the content) */
    input_format_names(names, sizeof names);
    fprintf(f, "  --format NAME: %s\n", names);
    fputs("\nexit codes: 0 ok, 2 usage, 3 cannot open/read, 4 invalid or unsupported data,\n"
          "            5 resource limit, 70 internal error\n"
          "\nIn the explorer press ? for keys; see also `logitscope --help-keys` and man logitscope.\n", f);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) return -1;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    return -1;
}
