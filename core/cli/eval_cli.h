/* eval_cli.h: command-line options shared by `eval` and `sweep`
 * (--regex, --json-keys, --evaluator NAME=COMMAND, --evaluator-timeout,
 * --clip-threshold), as cli_extra entries for cli_parse. */
#ifndef LS_EVAL_CLI_H
#define LS_EVAL_CLI_H

#include <stdio.h>
#include "cli/cli_opts.h"
#include "eval/eval.h"

enum { EVAL_OPT_REGEX = 100, EVAL_OPT_KEYS, EVAL_OPT_EXT, EVAL_OPT_TIMEOUT, EVAL_OPT_CLIP,
       EVAL_OPT_STOP, EVAL_OPT_NOSTOP, EVAL_OPT_THREADS };

#define EVAL_CLI_EXTRA \
    {"regex", 1, EVAL_OPT_REGEX}, {"json-keys", 1, EVAL_OPT_KEYS}, \
    {"evaluator", 1, EVAL_OPT_EXT}, {"evaluator-timeout", 1, EVAL_OPT_TIMEOUT}, \
    {"clip-threshold", 1, EVAL_OPT_CLIP}, {"stop", 1, EVAL_OPT_STOP}, \
    {"no-stop", 0, EVAL_OPT_NOSTOP}

#define EVAL_CLI_HELP \
    "  -n N                     sampled continuations (default 200, at most 100000)\n" \
    "  --seed S                 PRNG seed (default 42)\n" \
    "  --regex RE               share of continuations matching the POSIX ERE RE\n" \
    "  --json-keys a,b          schema-lite: share of continuations that are a JSON\n" \
    "                           object with these top-level keys\n" \
    "  --evaluator NAME=COMMAND run COMMAND (/bin/sh -c) once per continuation, text on\n" \
    "                           stdin, one number on stdout; key NAME (repeatable, 8 max)\n" \
    "  --evaluator-timeout SEC  per call (default 10)\n" \
    "  --clip-threshold X       |logit| > X counts as clipped (default 1e4)\n" \
    "  --stop TEXT              end-of-generation token text (repeatable): a\n" \
    "                           continuation's text ends before the first such token;\n" \
    "                           default </s> <|endoftext|> <|im_end|> <|eot_id|>\n" \
    "                           <|end_of_text|> <|eom_id|> <eos> <end_of_turn> <|end|>\n" \
    "                           <|return|> [EOS]\n" \
    "  --no-stop                no end-of-generation tokens: texts span every step\n" \
    "  --allow-nonfinite        NaN/+inf logits are masked (and counted as clipped)\n"

/* eval and sweep only (dataset's --threads counts rows) */
#define EVAL_THREADS_EXTRA {"threads", 1, EVAL_OPT_THREADS}
#define EVAL_THREADS_HELP \
    "  --threads T              steps evaluated at once (default: up to one per CPU, at\n" \
    "                           most 8, as many as the chains keep busy while steps are\n" \
    "                           read); the results do not depend on it\n"

/* --threads T's argument (1 to 8) into *threads (sample's --threads too) */
int eval_cli_threads(const char *arg, int *threads, struct ls_error *err);

/* Handle one eval option (id from EVAL_CLI_EXTRA); returns 1 if id is not
 * an eval option, else LS_OK or an error. */
int eval_cli_option(struct eval_config *cfg, int id, const char *arg, struct ls_error *err);
/* Copy the shared options (seed, -n, --allow-nonfinite) into cfg, with the
 * command line's words for the runtime hints (nonfinite_hint, timeout_hint). */
void eval_cli_finish(struct eval_config *cfg, const struct cli_opts *o);
/* eval_config_check with the option at fault named: "--regex: ...". */
int eval_cli_check(const struct eval_config *cfg, struct ls_error *err);
/* Document headers shared by eval and sweep (cmd_eval.c); p may be NULL. */
struct cJSON;
void eval_add_header_json(struct cJSON *d, const struct source *s, const struct chain *ch,
                          const struct params *p, const struct eval_config *cfg);
void eval_print_header_text(FILE *f, const struct source *s, const struct chain *ch,
                            const struct params *p, const struct eval_config *cfg, unsigned disp);
/* The top-N note of eval and sweep into buf (what is exact, what is
 * bounded); 0 when no step was top-N. */
struct eval_scores;
int eval_topn_note(const struct eval_scores *sc, char *buf, size_t n);
/* eval and sweep read one FILE, every step: refuse a second FILE and
 * --step/--all (`what` names the command in the message). */
int eval_cli_usage_check(const char *what, const struct cli_opts *o, struct ls_error *err);
/* Open the FILE, print its warnings, copy the shared options into cfg. */
int eval_cli_open(struct cli_opts *o, struct eval_config *cfg, struct source **s, struct ls_error *err);

#endif
