/* cli_run.h: what the headless commands share after option parsing:
 * opening FILE, reading and running a step under the non-finite policy, and
 * printing a JSON document. Knows no command (see cli.h for the table).
 *
 * Output: stdout for results, stderr for "logitscope: FILE: what: detail"
 * errors (status.h); return values are exit codes. */
#ifndef LS_CLI_RUN_H
#define LS_CLI_RUN_H

#include "cli/cli_opts.h"

/* Open file number `which` of o->files with o->src. */
int cli_open(const struct cli_opts *o, int which, struct source **out, struct ls_error *err);

/* One step's buffers: raw logits (V floats), chain workspace and result. */
struct cli_step {
    float *logits;
    struct chain_ws ws;
    struct chain_result res;
    struct step_info info;
    /* recorded tokens of steps [0, hist_upto) (those that record one), the
     * penalties' history; read only when the chain needs it */
    int32_t *hist;
    uint32_t n_hist, hist_upto;
    uint8_t *breaker;   /* DRY's sequence breakers by id, built on first use */
};
int cli_step_init(struct cli_step *st, uint32_t V);
void cli_step_free(struct cli_step *st);

/* Read step `step` and run the chain on it, enforcing the non-finite policy
 * (NaN/+inf are an error naming step and token id unless allow_nonfinite). */
int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err);

/* A one-file command that works step by step (show, sample). */
struct cli_one {
    struct cli_opts o;
    struct source *s;
    struct cli_step st;
    struct ls_error err;
};
/* Parse argv (shared options only), open the first FILE, print its
 * warnings, allocate step buffers. Returns LS_OK, -1 after --help (exit 0),
 * or an exit code after printing the error; on LS_OK end with cli_end. */
int cli_begin(int argc, char **argv, const char *help, struct cli_one *c);
/* The same with the command's own options (cli_opts.h's extras). */
int cli_begin_with(int argc, char **argv, const char *help, const struct cli_extra *extra, cli_extra_fn fn,
                   void *ctx, struct cli_one *c);
/* Print c->err when rc is an error; free; return rc. */
int cli_end(struct cli_one *c, int rc);

/* Print a JSON document (cJSON object, consumed) to stdout. */
struct cJSON;
int cli_print_json(struct cJSON *doc);

/* Each line of a "\n"-separated list (a source's warnings) in turn:
 *   for (const char *p = w, *l; (l = cli_next_line(&p, &n));) ... */
const char *cli_next_line(const char **p, size_t *len);

#endif
