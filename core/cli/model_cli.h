/* model_cli.h: what the model commands (train, generate, dump, and eval /
 * sweep with --model) share: their options, opening the model and the
 * prompt, the default model's location, and the training progress bar.
 *
 * Options: --model FILE, --prompt TEXT, --max-tokens M, --stop TEXT,
 * -o/--output FILE, --order N. The default model (no --model) is
 * $LOGITSCOPE_MODEL, else samples/model.lsm in the working directory, next
 * to the binary, or PREFIX/share/logitscope/model.lsm. */
#ifndef LS_MODEL_CLI_H
#define LS_MODEL_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "cli/cli_opts.h"
#include "model/generate.h"

struct model_cli {
    const char *model;       /* NULL: the default model */
    const char *prompt;      /* NULL: no --prompt */
    long max_tokens;         /* -1: unset */
    const char *stop;
    const char *output;
    long order;              /* -1: unset */
};

/* Parse argv after the command name: the shared options into o, the model
 * options into mc (-o is accepted as --output). Returns -1 after --help. */
int model_cli_parse(int argc, char **argv, struct cli_opts *o, struct model_cli *mc,
                    const char *help, struct ls_error *err);

/* The extra options and their handler, for commands that add them to their
 * own list (eval, sweep): MODEL_CLI_EXTRA(first_id) rows, ids first_id+k. */
#define MODEL_CLI_N_EXTRA 6
void model_cli_extra(struct cli_extra *out, int first_id);
int model_cli_option(struct model_cli *mc, int id, const char *arg, struct ls_error *err);
void model_cli_init(struct model_cli *mc);

/* The model (--model or the default) and the encoded prompt (empty when no
 * --prompt). Errors name the model file or "--prompt". */
int model_cli_open(const struct model_cli *mc, struct model **m, int32_t **prompt, uint32_t *np,
                   struct ls_error *err);
const char *model_cli_default_path(char *buf, size_t bufsz);

/* A request from the parsed options: chain, params, seed, max tokens (default
 * `dflt_max`), stop string. */
void model_cli_request(const struct cli_opts *o, const struct model_cli *mc, const int32_t *prompt,
                       uint32_t np, long dflt_max, struct gen_request *r);

/* Training progress on stderr, only when stderr is a terminal
 * (lm_train_opts.progress; ctx unused). */
void model_cli_progress(void *ctx, int phase, uint64_t done, uint64_t total);



/* A model command's run (train, generate, dump), like cli_one for FILE
 * commands: parse, then with `open_model` refuse a FILE and open the model
 * and the prompt. begin returns LS_OK, -1 after --help (exit 0) or an exit
 * code; end prints c->err when rc is an error, frees, and returns rc. */
struct model_cmd {
    struct cli_opts o;
    struct model_cli mc;
    struct ls_error err;
    struct model *m;
    int32_t *prompt;
    uint32_t np;
};
int model_cmd_begin(int argc, char **argv, const char *name, const char *help, int open_model,
                    struct model_cmd *c);
/* The FILE check and the model and prompt (what begin does with open_model). */
int model_cmd_open(struct model_cmd *c, const char *name);
int model_cmd_end(struct model_cmd *c, int rc);

/* Shared rendering of a continuation (generate, dump). */
struct cJSON;
/* obj[key] = text escaped for display (never truncated), plus key_bytes
 * when the escaping changed anything (report_add_raw_text's rule). */
void model_cli_add_text(struct cJSON *obj, const char *key, const char *t, size_t len);
/* One line "chain hf (temperature,top-k,...) temperature 0.8 top-k 0 ..." to f. */
void model_cli_print_chain(FILE *f, const struct cli_opts *o);
/* exp(-mean ln p_raw) of the generated tokens (0 tokens: 0). */
double model_cli_perplexity(const struct gen_cont *c);
#endif
