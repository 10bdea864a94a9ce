/* cli_opts.h: the command-line options every headless command (and the
 * explorer's own argv) shares, parsed into struct cli_opts.
 *
 * This module knows options, never commands: the command table lives in
 * cli.c, which calls the commands, which call this (no call back up).
 * Numbers go through base/parse.h; an error names its option in front
 * ("--top-p: expected a number, got 'x'"). */
#ifndef LS_CLI_OPTS_H
#define LS_CLI_OPTS_H

#include <stdint.h>
#include "sampling/chain.h"
#include "sampling/dry_breakers.h"
#include "sampling/logit_bias.h"
#include "input/source.h"
#include "base/status.h"

#define CLI_MAX_FILES 4

/* Options shared by every command. */
struct cli_opts {
    const char *files[CLI_MAX_FILES];
    int n_files;
    struct source_opts src;
    struct chain chain;
    struct params params;    /* params.bias is resolved by cli_open from bias_spec */
    struct bias_spec bias_spec;                  /* --logit-bias, as given */
    const char *dry_breakers[DRY_MAX_BREAKERS];  /* --dry-sequence-breaker, as given */
    int n_dry_breakers, dry_breakers_set;        /* set: replaces llama.cpp's defaults */
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

/* Put the option's name in front of a parse error: returns rc unchanged.
 *   if ((rc = cli_opt_rc("--top-p", parse_double(arg, 0, 1, &v, err), err))) return rc; */
int cli_opt_rc(const char *opt, int rc, struct ls_error *err);

#endif
