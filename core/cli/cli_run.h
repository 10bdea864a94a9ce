/* cli_run.h: what the headless commands share after option parsing:
 * opening FILE, reading and running a step under the non-finite policy, and
 * printing a JSON document. Knows no command (see cli.h for the table).
 *
 * Output: stdout for results, stderr for "logitscope: FILE: what: detail"
 * errors (status.h); return values are exit codes. */
#ifndef LS_CLI_RUN_H
#define LS_CLI_RUN_H

#include "cli/cli_opts.h"
#include "input/replay.h"

/* Open file number `which` of o->files with o->src. The first file also
 * resolves --logit-bias (o->bias_spec) into o->params.bias. */
int cli_open(struct cli_opts *o, int which, struct source **out, struct ls_error *err);
/* --logit-bias resolves against a FILE: an error with --model (a usage
 * error naming the option), LS_OK without a bias. */
int cli_bias_needs_file(const struct cli_opts *o, struct ls_error *err);
/* The DRY breaker strings the options name, or NULL for llama.cpp's
 * defaults (count: o->n_dry_breakers). */
const char *const *cli_dry_breakers(const struct cli_opts *o);

/* One step's buffers: raw logits (V floats), chain workspace and result. */
struct cli_step {
    float *logits;           /* V floats: the history's steps (replay) */
    const float *z;          /* the step cli_run_step ran: lent by the source (source_lend_step) */
    struct chain_ws ws;
    struct chain_result res;
    struct step_info info;
    /* the recorded path before the step and the chain's state along it
     * (penalties, DRY, mirostat); read only when the chain needs it */
    struct replay rp;
    struct dry_breakers *breaker;  /* DRY's sequence breakers, built on first use */
    int breaker_built;
};
int cli_step_init(struct cli_step *st, uint32_t V);
void cli_step_free(struct cli_step *st);

/* Read step `step` and run the chain on it, enforcing the non-finite policy
 * (NaN/+inf are an error naming step and token id unless allow_nonfinite). */
int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err);

/* cli_run_step in two: taking the step (the chain's context and history,
 * and the step lent: into buf, V floats, when the source cannot lend it;
 * NULL: the source's own buffer), then running it. Several cli_steps may
 * hold steps at once (sample --all's workers, sample_steps.c): takes on
 * one source are serialised by the caller, computes need not be.
 * cli_step_take is cli_step_begin (the context and history) then
 * cli_step_lend (the step); a source with lend_concurrent may have its
 * lends made outside the serialised part, each into its own buffer. */
int cli_step_take(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st, float *buf,
                  enum source_lend_how how, struct ls_error *err);
int cli_step_begin(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st,
                   struct ls_error *err);
int cli_step_lend(struct source *s, uint32_t step, struct cli_step *st, float *buf, enum source_lend_how how,
                  struct ls_error *err);
int cli_step_compute(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st,
                     struct ls_error *err);

/* Step `step` (just run) continues with token tok: the chain's carried
 * state accepts it, once per step. cli_run_step accepts a recorded token
 * itself; sample --all gives its draw for a step that records none. */
void cli_step_accept(const struct cli_opts *o, struct cli_step *st, uint32_t step, int32_t tok);

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
