/* cli_opts.c: the shared option parser (see cli_opts.h). */
#include "cli/cli_opts.h"
#include "base/display.h"
#include "base/parse.h"
#include "base/rng.h"
#include "input/source_args.h"
#include "sampling/params_table.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
    O_STEP = 256, O_CHAIN, O_DEFAULTS, O_SEED, O_TOP, O_JSON, O_NONFINITE,
    O_RAW, O_ALL, O_HELP, O_COUNT, O_EXACT, O_SOURCE0 = 800, O_LIST0 = 850, O_PARAM0 = 900, O_EXTRA0 = 1000
};

static const struct option shared_opts[] = {
    {"step", required_argument, NULL, O_STEP},
    {"chain", required_argument, NULL, O_CHAIN},
    {"exact", no_argument, NULL, O_EXACT},
    {"defaults", required_argument, NULL, O_DEFAULTS},
    {"seed", required_argument, NULL, O_SEED},
    {"top", required_argument, NULL, O_TOP},
    {"json", no_argument, NULL, O_JSON},
    {"allow-nonfinite", no_argument, NULL, O_NONFINITE},
    {"raw", no_argument, NULL, O_RAW},
    {"all", no_argument, NULL, O_ALL},
    {"count", required_argument, NULL, O_COUNT},
    {"help", no_argument, NULL, O_HELP},
};
#define N_SHARED (sizeof shared_opts / sizeof shared_opts[0])
#define N_PARAM_OPTS (2 * PARAM__COUNT + LPARAM__COUNT)  /* --NAME, its extra spelling (--temp), the lists */
#define MAX_EXTRA 48

/* How the command line spells the input options ("--format NAME"): core's
 * messages about a file use these words when they point at an option. */
static struct source_spelling source_spelling;

/* Chain parameters given one by one: explicit values override --defaults
 * whatever the order on the command line, so they are applied last. */
struct pending {
    double v[PARAM__COUNT];
    int set[PARAM__COUNT];
    const char *defaults;
    int chain_set;
    int exact;
};

int cli_opt_rc(const char *opt, int rc, struct ls_error *err)
{
    if (rc) ls_error_prefix(err, opt);
    return rc;
}

static int opt_long(const char *opt, const char *s, long lo, long hi, long *out, struct ls_error *err)
{
    return cli_opt_rc(opt, parse_long(s, lo, hi, out, err), err);
}

static int opt_double(const char *opt, const char *s, double *out, struct ls_error *err)
{
    return cli_opt_rc(opt, parse_double(s, -INFINITY, INFINITY, out, err), err);
}

static int opt_u64(const char *opt, const char *s, uint64_t *out, struct ls_error *err)
{
    return cli_opt_rc(opt, parse_u64(s, 0, UINT64_MAX, out, err), err);
}

/* The sampling parameters' long options, from the parameter table:
 * --NAME and the extra spelling if any (--temp); getopt value O_PARAM0 + id. */
static size_t param_options(struct option *out)
{
    size_t n = 0;
    for (int i = 0; i < PARAM__COUNT; i++) {
        const struct param_def *d = param_def((enum param_id)i);
        out[n++] = (struct option){ d->name, required_argument, NULL, O_PARAM0 + i };
        if (d->opt_alias) out[n++] = (struct option){ d->opt_alias, required_argument, NULL, O_PARAM0 + i };
    }
    for (int i = 0; i < LPARAM__COUNT; i++)
        out[n++] = (struct option){ list_param_def((enum list_param_id)i)->name, required_argument, NULL, O_LIST0 + i };
    return n;
}

/* A list parameter's value (params_table.h's list rows): a bias spec to
 * resolve once the file is open, or one more DRY breaker. */
static int list_option(enum list_param_id id, const char *arg, struct cli_opts *o, struct ls_error *err)
{
    if (id == LPARAM_LOGIT_BIAS) return cli_opt_rc("--logit-bias", bias_spec_parse(arg, &o->bias_spec, err), err);
    if (!o->dry_breakers_set) o->n_dry_breakers = 0;
    o->dry_breakers_set = 1;
    if (!strcmp(arg, "none")) { o->n_dry_breakers = 0; return LS_OK; }
    if (o->n_dry_breakers >= DRY_MAX_BREAKERS)
        return ls_fail(err, LS_EUSAGE, "--dry-sequence-breaker: at most %d breakers", DRY_MAX_BREAKERS);
    if (!*arg) return ls_fail(err, LS_EUSAGE, "--dry-sequence-breaker: an empty breaker");
    o->dry_breakers[o->n_dry_breakers++] = arg;
    return LS_OK;
}

/* The input options' long options, from the input options table
 * (source_args.h): --NAME VALUE, getopt value O_SOURCE0 + which. */
static size_t source_options(struct option *out)
{
    size_t n = 0;
    for (const struct source_arg *a; (a = source_arg_at(n)); n++)
        out[n] = (struct option){ a->name, required_argument, NULL, O_SOURCE0 + (int)a->which };
    return n;
}

/* An input option's value into o->src; the error names the option. */
static int source_option(int c, const char *arg, struct cli_opts *o, struct ls_error *err)
{
    enum source_opt w = (enum source_opt)(c - O_SOURCE0);
    char opt[48];
    snprintf(opt, sizeof opt, "%.*s", (int)strcspn(source_spelling.ptr[w], " "), source_spelling.ptr[w]);
    return cli_opt_rc(opt, source_arg_set(&o->src, w, arg, err), err);
}

/* getopt's short option string: "n:hj" plus each parameter's letter. */
static void short_options(char *buf, size_t bufsz)
{
    size_t l = (size_t)snprintf(buf, bufsz, "n:hj");
    for (int i = 0; i < PARAM__COUNT && l + 3 <= bufsz; i++) {
        char ch = param_def((enum param_id)i)->opt_short;
        if (ch) { buf[l++] = ch; buf[l++] = ':'; buf[l] = 0; }
    }
}

/* getopt's value to a parameter id (long option or short letter), or -1 */
static int param_of_option(int c)
{
    if (c >= O_PARAM0 && c < O_PARAM0 + PARAM__COUNT) return c - O_PARAM0;
    for (int i = 0; i < PARAM__COUNT && c > 0 && c < 128; i++)
        if (param_def((enum param_id)i)->opt_short == c) return i;
    return -1;
}

/* A parameter's value, held back in pd; the range is checked at the end
 * (params_check) except an integer's, which must fit its type. */
static int param_option(enum param_id id, const char *arg, struct pending *pd, struct ls_error *err)
{
    const struct param_def *d = param_def(id);
    char opt[32];
    snprintf(opt, sizeof opt, "--%s", d->name);
    int rc;
    if (d->is_int) {
        long v = 0;
        rc = opt_long(opt, arg, (long)d->lo, (long)d->hi, &v, err);
        pd->v[id] = (double)v;
    } else {
        rc = opt_double(opt, arg, &pd->v[id], err);
    }
    pd->set[id] = 1;
    return rc;
}

/* The chain options (values held back in `pd` until the end). */
static int chain_option(int c, const char *arg, struct cli_opts *o, struct pending *pd, struct ls_error *err)
{
    int rc = LS_OK, pid = param_of_option(c);
    if (pid >= 0) return param_option((enum param_id)pid, arg, pd, err);
    if (c >= O_LIST0 && c < O_LIST0 + LPARAM__COUNT) return list_option((enum list_param_id)(c - O_LIST0), arg, o, err);
    switch (c) {
    case O_CHAIN:
        if ((rc = cli_opt_rc("--chain", chain_parse(arg, &o->chain, err), err))) return rc;
        pd->chain_set = 1;
        break;
    case O_DEFAULTS: pd->defaults = arg; break;
    case O_EXACT: pd->exact = 1; break;
    case O_SEED: rc = opt_u64("--seed", arg, &o->seed, err); o->seed_set = 1; break;
    default: return 1;
    }
    return rc;
}

/* Source, selection and output options; 1 when c is none of them. */
static int other_option(int c, const char *arg, struct cli_opts *o, struct ls_error *err)
{
    long lv;
    int rc = LS_OK;
    if (c >= O_SOURCE0 && c < O_SOURCE0 + SOPT_N) return source_option(c, arg, o, err);
    switch (c) {
    /* a file may have 2^32 - 1 steps: indexes 0 .. 2^32 - 2 */
    case O_STEP: if (!(rc = opt_long("--step", arg, 0, (long)UINT32_MAX - 1, &lv, err))) o->step = lv; break;
    case O_TOP:
        if (!strcmp(arg, "all")) o->top = -1;
        else rc = opt_long("--top", arg, 1, INT32_MAX, &o->top, err);
        break;
    case 'n': case O_COUNT: rc = opt_long("-n", arg, 1, 100000000, &o->count, err); break;
    case 'j': case O_JSON: o->json = 1; break;
    case O_NONFINITE: o->allow_nonfinite = 1; break;
    case O_RAW: o->raw = 1; break;
    case O_ALL: o->all = 1; break;
    default: return 1;
    }
    return rc;
}

/* The chain parameters in force: --defaults, then explicit values. */
static int finish_params(struct cli_opts *o, const struct pending *pd, struct ls_error *err)
{
    int rc;
    o->params = PARAMS_OFF;
    if (pd->defaults) {
        /* a system's defaults come with its chain order unless --chain says
         * otherwise: the same chain_defaults as the explorer's :defaults */
        struct chain dc;
        if ((rc = cli_opt_rc("--defaults", chain_defaults(pd->defaults, &dc, &o->params, err), err))) return rc;
        if (!pd->chain_set) o->chain = dc;
    }
    for (int i = 0; i < PARAM__COUNT; i++)
        if (pd->set[i]) param_set(&o->params, (enum param_id)i, pd->v[i]);
    if (pd->exact) o->chain.exact = 1; /* a preset's order, double precision and ties by id */
    return params_check(&o->params, err);
}

static size_t build_longopts(struct option *opts, const struct cli_extra *extra)
{
    size_t n = 0;
    for (size_t i = 0; i < N_SHARED; i++) opts[n++] = shared_opts[i];
    n += source_options(opts + n);
    n += param_options(opts + n);
    for (size_t i = 0; extra && extra[i].name && i < MAX_EXTRA; i++) {
        opts[n].name = extra[i].name;
        opts[n].has_arg = extra[i].has_arg ? required_argument : no_argument;
        opts[n].flag = NULL;
        opts[n].val = O_EXTRA0 + (int)i;
        n++;
    }
    memset(&opts[n], 0, sizeof opts[n]);
    return n;
}

static void opts_init(struct cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->step = -1;
    o->top = 20;
    o->count = -1;
    o->seed = LS_DEFAULT_SEED;
    o->disp = disp_locale_flags();
    if (!source_spelling.ptr[0]) source_spelling_init(&source_spelling, "--");
    o->src.spelling = source_spelling.ptr;
    chain_preset(&o->chain, PRESET_HF);
}

int cli_parse(int argc, char **argv, struct cli_opts *o, const struct cli_extra *extra,
              cli_extra_fn fn, void *ctx, const char *help, struct ls_error *err)
{
    struct option opts[N_SHARED + SOPT_N + N_PARAM_OPTS + MAX_EXTRA + 1];
    struct pending pd;
    memset(&pd, 0, sizeof pd);
    char shorts[16 + 2 * PARAM__COUNT];
    int rc, c;
    opts_init(o);
    build_longopts(opts, extra);
    short_options(shorts, sizeof shorts);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
        if (c == 'h' || c == O_HELP) { fputs(help, stdout); return -1; }
        if (c == '?') {
            if (optopt) return ls_fail(err, LS_EUSAGE, "option -%c needs a value or is unknown (see --help)", optopt);
            return ls_fail(err, LS_EUSAGE, "unknown option '%.60s' (see --help)", argv[optind - 1]);
        }
        if (c == ':') return ls_fail(err, LS_EUSAGE, "option '%.60s' needs a value", argv[optind - 1]);
        if (c >= O_EXTRA0) {
            if (!fn) return ls_fail(err, LS_EUSAGE, "unknown option (see --help)");
            rc = fn(ctx, extra[c - O_EXTRA0].id, optarg, err);
        } else if ((rc = chain_option(c, optarg, o, &pd, err)) == 1) {
            rc = other_option(c, optarg, o, err);
            if (rc == 1) return ls_fail(err, LS_EUSAGE, "unknown option (see --help)");
        }
        if (rc) return rc;
    }
    if ((rc = finish_params(o, &pd, err))) return rc;
    for (int i = optind; i < argc; i++) {
        if (o->n_files >= CLI_MAX_FILES) return ls_fail(err, LS_EUSAGE, "too many files (at most %d)", CLI_MAX_FILES);
        o->files[o->n_files++] = argv[i];
    }
    /* --raw: token text as it is, but only into a file or pipe: a terminal
     * always gets the display transform (escape sequences in a vocabulary
     * must not drive it) */
    if (o->raw && !isatty(STDOUT_FILENO)) o->disp |= DISP_RAW;
    return LS_OK;
}
