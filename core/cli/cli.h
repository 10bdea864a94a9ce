/* cli.h: the headless command-line front end (no curses, no readline).
 *
 * Commands (show, sample, info, eval, sweep, diff) live in core/cmd_*.c, one
 * file each, and share the option parser here. The binary's main()
 * (tui/main.c) calls cli_main() for any argv[1] that names a command and
 * opens the explorer otherwise.
 *
 * Output: stdout for results (text table or --json via cJSON), stderr for
 * "logitscope: FILE: what: detail" errors; every untrusted string passes
 * through the display transform (display.h). Return values are exit codes
 * (status.h).
 */
#ifndef LS_CLI_H
#define LS_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "sampling/chain.h"
#include "input/source.h"
#include "base/status.h"

#define CLI_MAX_FILES 4

/* Options shared by every command. */
struct cli_opts {
    const char *files[CLI_MAX_FILES];
    int n_files;
    struct source_opts src;
    struct chain chain;
    struct params params;
    uint64_t seed;
    int seed_set;
    int64_t step;            /* --step N, -1 = unset (commands default to 0) */
    long top;                /* --top N; -1 = all; default 20 */
    long count;              /* -n COUNT; -1 = unset */
    int all;                 /* --all */
    int json;                /* --json */
    int allow_nonfinite;     /* --allow-nonfinite: NaN/+inf become masked */
    int raw;                 /* --raw: do not escape text output */
    unsigned disp;           /* display flags for text output */
};

/* A command-specific option: long name, whether it takes an argument, and
 * an id handed to the command's callback. Arrays end with a NULL name. */
struct cli_extra {
    const char *name;
    int has_arg;
    int id;
};

typedef int (*cli_extra_fn)(void *ctx, int id, const char *arg, struct ls_error *err);

/* Parse argv (after the command name). Shared options fill `o`; options in
 * `extra` go to fn(ctx, id, arg). `help` is printed for --help (returns -1
 * then: caller exits 0). */
int cli_parse(int argc, char **argv, struct cli_opts *o, const struct cli_extra *extra,
              cli_extra_fn fn, void *ctx, const char *help, struct ls_error *err);

/* Number parsing with range checks and messages naming the option; they
 * accept only the C locale's '.' as decimal point. */
int cli_parse_double(const char *opt, const char *s, double *out, struct ls_error *err);
int cli_parse_long(const char *opt, const char *s, long lo, long hi, long *out, struct ls_error *err);
int cli_parse_u64(const char *opt, const char *s, uint64_t *out, struct ls_error *err);

/* Open the first file with o->src; prefix errors with the file name. */
int cli_open(const struct cli_opts *o, int which, struct source **out, struct ls_error *err);

struct cli_step;
/* The common start of a one-file command: parse argv (shared options
 * only), open the first FILE, print its warnings, allocate step buffers.
 * Returns LS_OK, -1 after --help (exit 0), or an exit code after printing
 * the error. On LS_OK the caller frees with cli_step_free + source_close. */
int cli_begin(int argc, char **argv, const char *help, struct cli_opts *o,
              struct source **s, struct cli_step *st);

/* Read step `step` and run the chain on it, enforcing the non-finite policy
 * (NaN/+inf are an error naming step and token id unless allow_nonfinite).
 * Buffers are owned by the caller (cli_step_buffers). */
struct cli_step {
    float *logits;
    struct chain_ws ws;
    struct chain_result res;
    struct step_info info;
};
int cli_step_init(struct cli_step *st, uint32_t V);
void cli_step_free(struct cli_step *st);
int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err);

/* Print a JSON document (cJSON object, consumed) to stdout with the
 * escaping rules of display.h applied to strings cJSON leaves raw. */
struct cJSON;
int cli_print_json(struct cJSON *doc);

/* Token text escaped for the text table (with width limit) or JSON. */
const char *cli_token_text(const struct source *s, int32_t id, unsigned flags,
                           char *buf, size_t bufsz);

/* Dispatch: argv[1] is the command name. Returns an exit code, or -1 if
 * argv[1] is not a command. */
int cli_main(int argc, char **argv);

/* Each command: argc/argv start at the command name. */
int cmd_show(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* Usage text for `logitscope --help`. */
void cli_usage(FILE *f);

#endif
