/* explorer_cmd.c: the explorer's ':' commands, parsed and run headless.
 *
 * Commands (aliases in brackets):
 *   set NAME VALUE | set NAME=VALUE   NAME: a sampling parameter (temperature,
 *                                     top-k, top-p, min-p or an alias from
 *                                     sampling/params_table.h), seed, step,
 *                                     draws [n], scale (prob|logprob|logit)
 *   chain hf|llama.cpp|vllm|LIST      stage order and tie rules
 *   defaults llama.cpp|hf|vllm        that system's default values and chain
 *   step N [goto]      seed S      open FILE [o e edit]      export FILE [w write]
 *   dump-screen FILE [save-display] (run by the front end: EXC_DUMP)
 *   token ID           the token details overlay (explorer_show_token)
 *   help [h ?]         quit [q exit]
 * export and dump-screen have a forced form (export! FILE, w! FILE) that
 * may replace an existing file; nothing replaces the open file.
 * Setting a parameter whose stage is not in the chain succeeds and says it
 * has no effect (explorer_param_note).
 * Errors are returned as EXC_ERROR with the message in ex->msg; nothing here
 * ends the program. Unknown commands return EXC_UNKNOWN so the TUI can
 * handle its own (resize, click, ... in scripts). */
#include "explorer/explorer.h"
#include "input/source_args.h"
#include "input/token_lookup.h"
#include "report/report.h"
#include "sampling/params_table.h"
#include "base/fileio.h"
#include "base/parse.h"
#include "base/words.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const struct ex_command_info explorer_commands[] = {
    {"set", "se", "NAME VALUE", "set any sampling parameter (temperature, top-k, ...: see logitscope --help), seed, step, draws or scale (NAME=VALUE too)"},
    {"chain", "", "hf|llama.cpp|vllm|LIST", "the stage order and tie rules of a system, or a list of stages"},
    {"defaults", "", "llama.cpp|hf|vllm", "that system's default parameter values and its chain order"},
    {"step", "goto", "N", "go to step N (0-based)"},
    {"seed", "", "S", "the seed of the draws"},
    {"open", "o e edit", "FILE [--format NAME ...]", "open another file, with the command line's input options; on failure the current one stays"},
    {"token", "", "ID", "token details: id, text, bytes, rank, logit, raw and final p, the stage that cut it"},
    {"export", "w write", "FILE [N|all]", "write the step's distribution as `show --json --top all` prints it; an existing file only as export! FILE (w! FILE), never the open file"},
    /* explorer_eval.c's views */
    {"scores", "", "", "the scores view: every evaluator for the current settings"},
    {"sweep", "", "[LIST]", "the sweep view: each score against temperature (LIST: 0,0.5,1)"},
    {"compare", "", "OTHER", "compare with a second dump OTHER (the diff view)"},
    {"diff", "", "", "the diff view"},
    {"draws", "", "", "the many-draws view"},
    {"main", "", "", "back to the main panels"},
    {"dump-screen", "save-display", "FILE", "write the screen as text; an existing file only as dump-screen! FILE, never the open file"},
    /* explorer_live.c's (live mode: --model) */
    {"prompt", "", "TEXT", "live: a new prompt; the model writes the continuations again"},
    {"pick", "", "N", "live: show continuation N (0-based)"},
    {"fork", "", "[ID]", "live: at this step take token ID (default: the selected row) and regenerate from there"},
    {"ab", "", "", "live: hold the current settings as A; the status line compares A and B (again: off)"},
    /* explorer_dataset.c's (--dataset A [--b B]) */
    {"sort", "", "COLUMN [asc|desc]", "dataset table: sort by a score (SCORE:A, SCORE:B, SCORE:delta; a bare SCORE is its delta) or id"},
    {"table", "", "", "dataset: back to the table from a row"},
    {"help", "h ?", "", "the help overlay: keys and commands"},
    {"quit", "q exit q!", "", "quit"},
    {NULL, NULL, NULL, NULL}
};
const char *const explorer_chain_names[] = { "hf", "llama.cpp", "vllm", NULL };
static const char *const scale_words[] = { "prob", "logprob", "logit", NULL };

/* w is a row's name or one of its aliases (space separated) */
static int names_cmd(const struct ex_command_info *c, const char *w)
{
    if (!strcmp(w, c->name)) return 1;
    size_t n = strlen(w);
    for (const char *a = c->aliases; *a;) {
        size_t l = strcspn(a, " ");
        if (l == n && !strncmp(a, w, n)) return 1;
        a += l;
        a += strspn(a, " ");
    }
    return 0;
}

static const char *canon_cmd(const char *w)
{
    for (int i = 0; explorer_commands[i].name; i++)
        if (names_cmd(&explorer_commands[i], w)) return explorer_commands[i].name;
    return NULL;
}

/* The explorer's own settings; the sampling parameters' names and aliases
 * come from the parameter table (sampling/params_table.h). */
static const char *const setting_names[] = { "seed", "step", "draws", "scale", NULL };
static const struct { const char *alias; const char *name; } setting_alias[] = {
    {"seed", "seed"}, {"step", "step"}, {"draws", "draws"}, {"n", "draws"}, {"scale", "scale"},
};

static const char *canon_setting(const char *w)
{
    for (size_t i = 0; i < sizeof setting_alias / sizeof setting_alias[0]; i++)
        if (!strcasecmp(w, setting_alias[i].alias)) return setting_alias[i].name;
    return NULL;
}

/* What :set takes, for completion and messages: the parameters' canonical
 * names, then the settings. Built once from the tables. */
static const char *const *set_names(void)
{
    static const char *names[PARAM__COUNT + 1 + sizeof setting_names / sizeof setting_names[0]];
    if (!names[0]) {
        size_t n = 0;
        for (int i = 0; i < PARAM__COUNT; i++) names[n++] = param_name((enum param_id)i);
        names[n++] = list_param_def(LPARAM_LOGIT_BIAS)->name;   /* a list (set_bias) */
        for (size_t i = 0; setting_names[i]; i++) names[n++] = setting_names[i];
        names[n] = NULL;
    }
    return names;
}

/* "temperature, top-k, top-p, min-p, seed, step, draws, scale" */
static void set_names_join(char *buf, size_t bufsz)
{
    const char *const *names = set_names();
    int n = 0;
    while (names[n]) n++;
    words_join(words_at, names, n, ", ", buf, bufsz);
}

const char *const *explorer_completions(const char *cmd, int argi, int *files)
{
    *files = 0;
    if (argi == 0) return NULL;
    if (!strcmp(cmd, "compare") && argi == 1) { *files = 1; return NULL; }
    const char *c = canon_cmd(cmd);
    if (!c) return NULL;
    if (!strcmp(c, "set") && argi == 1) return set_names();
    if ((!strcmp(c, "chain") || !strcmp(c, "defaults")) && argi == 1) return explorer_chain_names;
    if ((!strcmp(c, "open") || !strcmp(c, "export") || !strcmp(c, "dump-screen")) && argi == 1) { *files = 1; return NULL; }
    return NULL;
}

#include <stdarg.h>
#include <stdio.h>
static int fail(struct explorer *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct explorer *ex, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ex->msg, sizeof ex->msg, fmt, ap);
    va_end(ap);
    ex->msg_error = 1;
    return EXC_ERROR;
}

/* A value the one parser refused (base/parse.h), in the explorer's words. */
static int bad_value(struct explorer *ex, const char *p, const struct ls_error *e)
{
    return fail(ex, "set %s: %s", p, e->msg);
}

/* :set for a sampling parameter: the one number parser, the table's integer
 * rule, then the chain's range check (params_check in explorer_set_params). */
static int set_param(struct explorer *ex, enum param_id id, const char *val)
{
    const struct param_def *pd = param_def(id);
    struct ls_error e = {0};
    double d;
    if (pd->is_int) {
        long k;
        if (parse_long(val, (long)pd->lo, (long)pd->hi, &k, &e)) return bad_value(ex, pd->name, &e);
        d = (double)k;
    } else if (parse_double(val, -INFINITY, INFINITY, &d, &e)) {
        return bad_value(ex, pd->name, &e);
    }
    struct params pr = ex->params;
    param_set(&pr, id, d);
    if (explorer_set_params(ex, &pr)) return EXC_ERROR;
    /* a value whose stage is not in the chain changes nothing: say so */
    char note[128];
    explorer_param_note(ex, (int)id, note, sizeof note);
    if (note[0]) explorer_message(ex, 0, "%s %s: %s", pd->name, val, note);
    else explorer_message(ex, 0, "%s %s", pd->name, val);
    return EXC_OK;
}

static int cmd_set(struct explorer *ex, const char *name, const char *val)
{
    enum param_id id;
    int is_param = param_lookup(name, &id);
    const char *p = is_param ? param_name(id) : canon_setting(name);
    uint64_t u;
    struct ls_error e = {0};
    if (!p) {
        char names[160];
        set_names_join(names, sizeof names);
        return fail(ex, "set: unknown parameter '%.40s' (%s)", name, names);
    }
    if (!val || !*val) return fail(ex, "set %s: missing value", p);
    if (is_param) return set_param(ex, id, val);
    if (!strcmp(p, "scale")) {
        for (int i = 0; scale_words[i]; i++)
            if (!strcasecmp(val, scale_words[i])) { explorer_set_scale(ex, i); explorer_message(ex, 0, "scale %s", scale_words[i]); return EXC_OK; }
        return fail(ex, "set scale: expected prob, logprob or logit, got '%.40s'", val);
    }
    if (!strcmp(p, "seed")) {
        if (parse_u64(val, 0, UINT64_MAX, &u, &e)) return bad_value(ex, p, &e);
        explorer_set_seed(ex, u);
        explorer_message(ex, 0, "seed %llu", (unsigned long long)u);
        return EXC_OK;
    }
    if (!strcmp(p, "step")) {
        if (!ex->n_steps) return fail(ex, "set step: the file has no steps");
        if (parse_u64(val, 0, ex->n_steps - 1, &u, &e)) return bad_value(ex, p, &e);
        explorer_set_step(ex, (int64_t)u);
        explorer_message(ex, 0, "step %llu", (unsigned long long)u);
        return EXC_OK;
    }
    /* draws */
    if (parse_u64(val, 1, EX_DRAWS_MAX, &u, &e)) return bad_value(ex, p, &e);
    explorer_set_draws(ex, (int64_t)u);
    explorer_message(ex, 0, "draws %u", ex->n_draws);
    return EXC_OK;
}

/* The refusal in the user's words: which file, and how to force it. */
static int write_refused(enum file_refusal why, const char *cmd, const char *path,
                         const struct ls_error *e, struct ls_error *err)
{
    switch (why) {
    case FILE_REFUSED_PROTECTED: return ls_fail(err, LS_EUSAGE, "%s is the open file; never overwritten", path);
    case FILE_REFUSED_EXISTS:
        return ls_fail(err, LS_EUSAGE, "%s exists; not overwritten (:%s! %s overwrites it)", path, cmd, path);
    case FILE_REFUSED_NOT_REGULAR: return ls_fail(err, LS_EUSAGE, "%s: %s", path, e->msg);
    default: return ls_fail(err, e->code ? e->code : LS_EREAD, "%s: %s", path, e->msg);
    }
}

int explorer_write_file(struct explorer *ex, const char *cmd, const char *path, const void *data,
                        size_t len, int force, struct ls_error *err)
{
    struct file_id open_id[3];
    int n = 0;
    if (ex->src && file_id_of(ex->src->path, &open_id[n]) == 0) n++;
    if (ex->other_path[0] && file_id_of(ex->other_path, &open_id[n]) == 0) n++;
    if (ex->vocab_path[0] && file_id_of(ex->vocab_path, &open_id[n]) == 0) n++;
    enum file_refusal why = FILE_REFUSED_NONE;
    struct ls_error e = {0};
    if (file_write_new(path, data, len, force, open_id, n, &why, &e) == LS_OK) return LS_OK;
    return write_refused(why, cmd, path, &e, err);
}

int explorer_export(struct explorer *ex, const char *path, long top, int force, struct ls_error *err)
{
    if (!ex->src) return ls_fail(err, LS_EUSAGE, "nothing open");
    explorer_update_whole(ex);
    if (!ex->res_ok) return ls_fail(err, LS_EDATA, "step %u has no distribution", ex->step);
    struct report_ctx c = { ex->src, ex->step, &ex->chain, &ex->params, &ex->res, &ex->info,
                            ex->logits, ex->seed, top };
    cJSON *doc = report_show_json(&c);
    char *txt = doc ? report_json_print(doc) : NULL;
    cJSON_Delete(doc);
    if (!txt) return ls_oom(err);
    /* the same bytes as `show --json` prints: document plus newline */
    size_t n = strlen(txt);
    char *buf = malloc(n + 2);
    if (!buf) { cJSON_free(txt); return ls_oom(err); }
    memcpy(buf, txt, n);
    buf[n] = '\n';
    cJSON_free(txt);
    int rc = explorer_write_file(ex, "export", path, buf, n + 1, force, err);
    free(buf);
    return rc;
}

/* ":set NAME" without a value: what the parameter does, from the table;
 * otherwise the names :set takes */
static int set_usage(struct explorer *ex, const char *name)
{
    enum param_id id;
    if (name && param_lookup(name, &id))
        return fail(ex, "usage: set %s VALUE (%s)", param_name(id), param_def(id)->help);
    char names[160];
    set_names_join(names, sizeof names);
    return fail(ex, "usage: set NAME VALUE (names: %s)", names);
}

/* :chain LIST: the core's message, in the explorer's words ("chain: ") */
static int cmd_chain(struct explorer *ex, const char *arg)
{
    struct chain ch;
    struct ls_error e = {0};
    if (chain_parse(arg, &ch, &e)) return fail(ex, "chain: %s", e.msg);
    explorer_set_chain(ex, &ch);
    char order[128];
    chain_format(&ch, order, sizeof order);
    explorer_message(ex, 0, "chain %s: %s", preset_name(ch.preset), order);
    return EXC_OK;
}

/* :defaults SYSTEM: the system's values and its chain, as --defaults does
 * (both through chain_defaults) */
static int cmd_defaults(struct explorer *ex, const char *system)
{
    struct chain ch;
    struct params p;
    struct ls_error e = {0};
    if (chain_defaults(system, &ch, &p, &e)) return fail(ex, "defaults: %s", e.msg);
    explorer_set_chain(ex, &ch);
    if (explorer_set_params(ex, &p)) return EXC_ERROR;
    char shorthand[64];
    chain_format_short(&ch, shorthand, sizeof shorthand);
    explorer_message(ex, 0, "defaults of %s: chain %s", preset_name(ch.preset), shorthand);
    return EXC_OK;
}

#define MAX_WORDS 8

/* A parsed command line: the words (n of them, w[0] the command as typed)
 * and the whole line, for commands whose argument may hold blanks. */
struct cmd_args { int n; char **w; const char *line; int bang; };

/* :set logit-bias LIST (params_table.h's list row): the rest of the line
 * is the list (a token text may hold blanks), resolved against the file
 * open now; it replaces the bias in force ("none" clears it). */
static int set_bias(struct explorer *ex, const char *line, const char *name)
{
    const char *v = strstr(line, name);
    v = v ? v + strlen(name) : "";
    v += strspn(v, " \t");
    if (*v == '=') v++;
    struct bias_spec sp = {0};
    struct params pr = ex->params;
    struct ls_error e = {0};
    if (!*v) return fail(ex, "usage: set logit-bias ID=BIAS,'TEXT'=BIAS,...|none");
    if (bias_spec_parse(v, &sp, &e)) return fail(ex, "set logit-bias: %s", e.msg);
    memset(&pr.bias, 0, sizeof pr.bias);
    if (sp.n && !ex->src) return fail(ex, "set logit-bias: no file open");
    if (sp.n && source_bias_resolve(ex->src, &sp, &pr.bias, &e)) return fail(ex, "set logit-bias: %s", e.msg);
    if (explorer_set_params(ex, &pr)) return EXC_ERROR;
    if (!pr.bias.n) explorer_message(ex, 0, "logit-bias off");
    else explorer_message(ex, 0, "logit-bias: %u token%s", pr.bias.n, pr.bias.n == 1 ? "" : "s");
    return EXC_OK;
}

static int run_set(struct explorer *ex, const struct cmd_args *a)
{
    char **w = a->w;
    enum list_param_id lid;
    char name[48];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a->n >= 2 ? w[1] : "", "="), a->n >= 2 ? w[1] : "");
    if (a->n >= 2 && list_param_lookup(name, &lid) && lid == LPARAM_LOGIT_BIAS) return set_bias(ex, a->line, name);
    if (a->n == 2 && strchr(w[1], '=')) { char *eq = strchr(w[1], '='); *eq = 0; return cmd_set(ex, w[1], eq + 1); }
    if (a->n != 3) return set_usage(ex, a->n == 2 ? w[1] : NULL);
    return cmd_set(ex, w[1], w[2]);
}

/* :step N and :seed S are :set step N and :set seed S */
static int run_step_seed(struct explorer *ex, const struct cmd_args *a, const char *name)
{
    if (a->n != 2) return fail(ex, "usage: %s N", name);
    return cmd_set(ex, name, a->w[1]);
}
static int run_step(struct explorer *ex, const struct cmd_args *a) { return run_step_seed(ex, a, "step"); }
static int run_seed(struct explorer *ex, const struct cmd_args *a) { return run_step_seed(ex, a, "seed"); }

static int run_chain(struct explorer *ex, const struct cmd_args *a)
{
    if (a->n != 2) return fail(ex, "usage: chain hf|llama.cpp|vllm|LIST");
    return cmd_chain(ex, a->w[1]);
}

static int run_defaults(struct explorer *ex, const struct cmd_args *a)
{
    if (a->n != 2) return fail(ex, "usage: defaults llama.cpp|hf|vllm");
    return cmd_defaults(ex, a->w[1]);
}

/* The rest of the line after the command word is the path; "\ "
 * (readline's file name completion quoting) stands for a space. */
static size_t rest_as_path(const char *line, char *path, size_t sz)
{
    const char *r = line + strspn(line, " \t");
    r += strcspn(r, " \t");
    r += strspn(r, " \t");
    size_t o = 0;
    for (; *r && o + 1 < sz; r++) {
        if (*r == '\\' && r[1]) r++;
        path[o++] = *r;
    }
    while (o > 0 && (path[o - 1] == ' ' || path[o - 1] == '\t')) o--;
    path[o] = 0;
    return o;
}

/* ":open FILE [--format NAME --vocab-size V ...]": the command line's input
 * options, parsed by the same table (source_args.h). Without options the
 * rest of the line is the path (it may contain blanks). */
static int run_open(struct explorer *ex, const struct cmd_args *a)
{
    char path[1024];
    const char *file = path;
    struct source_opts o = {0};
    static struct source_spelling sp;
    struct ls_error e = {0};
    int with_opts = 0;
    for (int i = 1; i < a->n; i++) with_opts |= !strncmp(a->w[i], "--", 2);
    if (!with_opts && !rest_as_path(a->line, path, sizeof path)) return fail(ex, "usage: open FILE [--format NAME ...]");
    if (with_opts && source_args_parse(a->w + 1, a->n - 1, &o, &file, &e)) return fail(ex, "open: %s", e.msg);
    if (!sp.ptr[0]) source_spelling_init(&sp, "--");
    o.spelling = sp.ptr;
    if (explorer_open_with(ex, file, &o, &e)) { explorer_message(ex, 1, "%s", e.msg); return EXC_ERROR; }
    if (!ex->msg_error && strncmp(ex->msg, "warning:", 8)) explorer_message(ex, 0, "opened %s", file);
    return EXC_OK;
}

static int run_export(struct explorer *ex, const struct cmd_args *a)
{
    long top = -1;
    char **w = a->w;
    if (a->n < 2 || a->n > 3) return fail(ex, "usage: export%s FILE [N|all]", a->bang ? "!" : "");
    if (a->n == 3 && strcmp(w[2], "all")) {
        uint64_t u;
        struct ls_error pe = {0};
        if (parse_u64(w[2], 1, INT32_MAX, &u, &pe)) return fail(ex, "export: expected N or all, got '%.40s'", w[2]);
        top = (long)u;
    }
    struct ls_error e = {0};
    int existed = access(w[1], F_OK) == 0;
    if (explorer_export(ex, w[1], top, a->bang, &e)) { explorer_message(ex, 1, "export: %s", e.msg); return EXC_ERROR; }
    explorer_message(ex, 0, "exported step %u to %s%s", ex->step, w[1], existed ? " (replaced the file)" : "");
    return EXC_OK;
}

/* :dump-screen FILE: the screen is the front end's; it writes the file */
static int run_dump(struct explorer *ex, const struct cmd_args *a)
{
    if (!rest_as_path(a->line, ex->dump_path, sizeof ex->dump_path))
        return fail(ex, "usage: dump-screen%s FILE", a->bang ? "!" : "");
    ex->dump_force = a->bang;
    return EXC_DUMP;
}

static int run_token(struct explorer *ex, const struct cmd_args *a)
{
    long id;
    struct ls_error e = {0};
    if (a->n != 2) return fail(ex, "usage: token ID");
    if (!ex->src) return fail(ex, "token: nothing open");
    if (parse_long(a->w[1], 0, (long)ex->V - 1, &id, &e)) return fail(ex, "token: %s", e.msg);
    explorer_show_token(ex, id);
    return EXC_OK;
}

static int run_help(struct explorer *ex, const struct cmd_args *a) { (void)ex; (void)a; return EXC_HELP; }
static int run_quit(struct explorer *ex, const struct cmd_args *a) { (void)ex; (void)a; return EXC_QUIT; }

/* The handlers of the commands this file runs, by the command table's
 * names; the others (the views') are explorer_eval.c's. */
static const struct { const char *name; int (*run)(struct explorer *, const struct cmd_args *); } handlers[] = {
    {"set", run_set}, {"step", run_step}, {"seed", run_seed}, {"chain", run_chain},
    {"defaults", run_defaults}, {"open", run_open}, {"export", run_export}, {"dump-screen", run_dump},
    {"token", run_token}, {"help", run_help}, {"quit", run_quit},
};

int explorer_command(struct explorer *ex, const char *line)
{
    char buf[1024];
    char *w[MAX_WORDS];
    int n = 0;
    size_t len = strlen(line);
    if (len >= sizeof buf) { explorer_message(ex, 1, "command too long"); return EXC_ERROR; }
    memcpy(buf, line, len + 1);
    /* split on blanks; "set k=v" splits at '=' too */
    for (char *s = buf; *s && n < MAX_WORDS;) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        w[n++] = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (*s) *s++ = 0;
    }
    if (n == 0) return EXC_OK;
    /* "w! FILE": the forced form of a command (vim's); "q!" is an alias */
    const char *c = canon_cmd(w[0]);
    size_t l0 = strlen(w[0]);
    int bang = 0;
    if (!c && l0 > 1 && w[0][l0 - 1] == '!') {
        w[0][l0 - 1] = 0;
        c = canon_cmd(w[0]);
        bang = 1;
    }
    if (!c) return EXC_UNKNOWN;
    if (bang && strcmp(c, "export") && strcmp(c, "dump-screen")) return fail(ex, "%s has no ! form", w[0]);
    struct cmd_args a = { n, w, line, bang };
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (!strcmp(c, handlers[i].name)) return handlers[i].run(ex, &a);
    return EXC_UNKNOWN;
}
