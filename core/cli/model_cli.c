/* model_cli.c: options, model and prompt for the model commands (model_cli.h). */
#include "cli/model_cli.h"
#include "cli/cli_run.h"
#include "report/report.h"
#include "base/parse.h"
#include "model/ngram.h"
#include "base/display.h"
#include "sampling/params_table.h"

#include <cjson/cJSON.h>
#include <math.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MO_MODEL, MO_PROMPT, MO_MAXTOK, MO_STOP, MO_OUTPUT, MO_ORDER };
static const struct cli_extra rows[MODEL_CLI_N_EXTRA] = {
    {"model", 1, MO_MODEL}, {"prompt", 1, MO_PROMPT}, {"max-tokens", 1, MO_MAXTOK},
    {"stop", 1, MO_STOP}, {"output", 1, MO_OUTPUT}, {"order", 1, MO_ORDER},
};

void model_cli_init(struct model_cli *mc)
{
    memset(mc, 0, sizeof *mc);
    mc->max_tokens = -1;
    mc->order = -1;
}

void model_cli_extra(struct cli_extra *out, int first_id)
{
    for (int i = 0; i < MODEL_CLI_N_EXTRA; i++) {
        out[i] = rows[i];
        out[i].id = first_id + rows[i].id;
    }
}

int model_cli_option(struct model_cli *mc, int id, const char *arg, struct ls_error *err)
{
    switch (id) {
    case MO_MODEL: mc->model = arg; return LS_OK;
    case MO_PROMPT: mc->prompt = arg; return LS_OK;
    case MO_MAXTOK: return cli_opt_rc("--max-tokens", parse_long(arg, 1, 4096, &mc->max_tokens, err), err);
    case MO_STOP:
        if (!*arg) return ls_fail(err, LS_EUSAGE, "--stop: empty text");
        mc->stop = arg;
        return LS_OK;
    case MO_OUTPUT: mc->output = arg; return LS_OK;
    case MO_ORDER: return cli_opt_rc("--order", parse_long(arg, 1, NGRAM_MAX_ORDER, &mc->order, err), err);
    default: return 1;
    }
}

static int on_extra(void *ctx, int id, const char *arg, struct ls_error *err)
{
    return model_cli_option(ctx, id, arg, err);
}

int model_cli_parse(int argc, char **argv, struct cli_opts *o, struct model_cli *mc,
                    const char *help, struct ls_error *err)
{
    struct cli_extra ex[MODEL_CLI_N_EXTRA + 1];
    model_cli_init(mc);
    model_cli_extra(ex, 0);
    ex[MODEL_CLI_N_EXTRA] = (struct cli_extra){ NULL, 0, 0 };
    /* -o FILE is --output FILE: the shared parser has no -o of its own */
    char **av = malloc(((size_t)argc + 1) * sizeof *av);
    if (!av) return ls_oom(err);
    static char output_opt[] = "--output";
    for (int i = 0; i < argc; i++) av[i] = strcmp(argv[i], "-o") ? argv[i] : output_opt;
    av[argc] = NULL;
    int rc = cli_parse(argc, av, o, ex, on_extra, mc, help, err);
    free(av);
    return rc;
}

const char *model_cli_default_path(char *buf, size_t bufsz)
{
    const char *env = getenv("LOGITSCOPE_MODEL");
    if (env && *env) return env;
    if (access("samples/model.lsm", R_OK) == 0) return "samples/model.lsm";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = 0;
        snprintf(buf, bufsz, "%s/samples/model.lsm", exe);
        if (access(buf, R_OK) == 0) return buf;
        snprintf(buf, bufsz, "%s/../share/logitscope/model.lsm", exe);
        if (access(buf, R_OK) == 0) return buf;
    }
    return "samples/model.lsm";
}

int model_cli_open(const struct model_cli *mc, struct model **m, int32_t **prompt, uint32_t *np,
                   struct ls_error *err)
{
    char buf[PATH_MAX + 64];
    const char *path = mc->model ? mc->model : model_cli_default_path(buf, sizeof buf);
    int rc = model_open(path, m, err);
    if (rc) return rc;
    const char *p = mc->prompt ? mc->prompt : "";
    if ((rc = cli_opt_rc("--prompt", model_encode_prompt(*m, p, strlen(p), prompt, np, err), err))) {
        model_close(*m);
        *m = NULL;
    }
    return rc;
}

int model_cmd_begin(int argc, char **argv, const char *name, const char *help, int open_model,
                    struct model_cmd *c)
{
    memset(c, 0, sizeof *c);
    int rc = model_cli_parse(argc, argv, &c->o, &c->mc, help, &c->err);
    return rc || !open_model ? rc : model_cmd_open(c, name);
}

int model_cmd_open(struct model_cmd *c, const char *name)
{
    if (c->o.n_files) return ls_fail(&c->err, LS_EUSAGE, "%s takes no FILE (the model is --model MODEL)", name);
    if (cli_bias_needs_file(&c->o, &c->err)) return LS_EUSAGE;
    return model_cli_open(&c->mc, &c->m, &c->prompt, &c->np, &c->err);
}

int model_cmd_end(struct model_cmd *c, int rc)
{
    free(c->prompt);
    model_close(c->m);
    c->prompt = NULL;
    c->m = NULL;
    if (rc > 0) ls_error_print(&c->err, stderr);
    return rc < 0 ? 0 : rc;
}

void model_cli_request(const struct cli_opts *o, const struct model_cli *mc, const int32_t *prompt,
                       uint32_t np, long dflt_max, struct gen_request *r)
{
    memset(r, 0, sizeof *r);
    r->prompt = prompt;
    r->n_prompt = np;
    r->chain = o->chain;
    r->params = o->params;
    r->seed = o->seed;
    r->max_tokens = (uint32_t)(mc->max_tokens > 0 ? mc->max_tokens : dflt_max);
    r->stop = mc->stop;
}

void model_cli_progress(void *ctx, int phase, uint64_t done, uint64_t total)
{
    static const char *const what[] = { "learning the vocabulary", "encoding the text", "counting n-grams" };
    (void)ctx;
    if (!isatty(STDERR_FILENO) || phase < 0 || phase > 2) return;
    int width = 30, fill = total ? (int)((double)done / (double)total * width) : width;
    if (fill > width) fill = width;
    char bar[32];
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(width - fill));
    bar[width] = 0;
    fprintf(stderr, "\r%d/3 %-24s [%s] %3d%%", phase + 1, what[phase], bar, fill * 100 / width);
    if (done >= total && phase == 2) fputc('\n', stderr);
    fflush(stderr);
}

void model_cli_add_text(cJSON *obj, const char *key, const char *t, size_t len)
{
    size_t need = disp_escape(t, len, DISP_BACKSLASH, NULL, 0);
    char *buf = malloc(need + 1);
    if (!buf) return;
    disp_escape(t, len, DISP_BACKSLASH, buf, need + 1);
    cJSON_AddStringToObject(obj, key, buf);
    free(buf);
    if (!disp_is_clean(t, len, 0) || memchr(t, '\\', len)) {
        char bkey[64];
        snprintf(bkey, sizeof bkey, "%s_bytes", key);
        cJSON *arr = cJSON_AddArrayToObject(obj, bkey);
        for (size_t i = 0; i < len && arr; i++) cJSON_AddItemToArray(arr, cJSON_CreateNumber((unsigned char)t[i]));
    }
}

/* The chain, its mode and the parameters in force, as `show` prints them
 * (one definition: report_chain_text). */
void model_cli_print_chain(FILE *f, const struct cli_opts *o)
{
    report_chain_text(f, &o->chain, &o->params, &o->seed);
}

double model_cli_perplexity(const struct gen_cont *c)
{
    if (!c->n) return 0.0;
    double s = 0;
    for (uint32_t i = 0; i < c->n; i++) s += log(c->p_raw[i]);
    return exp(-s / c->n);
}
