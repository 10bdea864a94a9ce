/* cli_run.c: opening, stepping and printing for the commands (see cli_run.h). */
#include "cli/cli_run.h"
#include "input/nonfinite.h"
#include "input/replay.h"
#include "input/token_lookup.h"
#include "report/report.h"
#include "sampling/topn.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_open(struct cli_opts *o, int which, struct source **out, struct ls_error *err)
{
    if (which >= o->n_files) return ls_fail(err, LS_EUSAGE, "missing FILE (see --help)");
    int rc = source_open(o->files[which], &o->src, out, err);
    if (rc || which != 0) return rc;
    /* the bias names tokens of the first file (ids as it numbers them) */
    if ((rc = source_bias_resolve(*out, &o->bias_spec, &o->params.bias, err))) {
        ls_error_prefix(err, "--logit-bias");
        source_close(*out);
        *out = NULL;
    }
    return rc;
}

int cli_bias_needs_file(const struct cli_opts *o, struct ls_error *err)
{
    if (!o->bias_spec.n) return LS_OK;
    return ls_fail(err, LS_EUSAGE, "--logit-bias: not available with --model yet (it names the tokens of a FILE)");
}

const char *const *cli_dry_breakers(const struct cli_opts *o)
{
    return o->dry_breakers_set ? o->dry_breakers : NULL;
}

int cli_step_init(struct cli_step *st, uint32_t V)
{
    memset(st, 0, sizeof *st);
    st->logits = malloc((size_t)V * sizeof *st->logits);
    st->breaker = NULL;
    if (!st->logits || chain_ws_init(&st->ws, V) || chain_result_init(&st->res, V)) {
        cli_step_free(st);
        return LS_ELIMIT;
    }
    return LS_OK;
}

void cli_step_free(struct cli_step *st)
{
    free(st->logits);
    replay_free(&st->rp);
    dry_breakers_free(st->breaker);
    chain_ws_free(&st->ws);
    chain_result_free(&st->res);
    memset(st, 0, sizeof *st);
}

/* DRY's sequence breakers over the file's vocabulary, processed once
 * (llama.cpp's defaults unless the options name others) */
static int build_breakers(const struct cli_opts *o, const struct source *s, struct cli_step *st,
                          struct ls_error *err)
{
    if (st->breaker_built) return LS_OK;
    st->breaker_built = 1;
    return source_dry_breakers(s, cli_dry_breakers(o), o->n_dry_breakers, &st->breaker, err);
}

/* The recorded path before `step` and the chain's state along it
 * (input/replay.h), read once when steps come in order (sample --all). */
static int gather_history(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st,
                          struct ls_error *err)
{
    if (!st->rp.hist && replay_init(&st->rp, s->n_steps))
        return ls_fail(err, LS_ELIMIT, "out of memory for the token history");
    return replay_to(&st->rp, s, &o->chain, &o->params, step, o->seed, st->logits, &st->info, &st->ws, &st->res, err);
}

void cli_step_accept(const struct cli_opts *o, struct cli_step *st, uint32_t step, int32_t tok)
{
    if (st->rp.hist) replay_accept(&st->rp, &o->chain, &o->params, step, tok, &st->ws, &st->res);
}

/* The non-finite policy of step `step` (NaN/+inf refused unless allowed),
 * its error named as a read error is. */
static int check_nonfinite(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st,
                           struct ls_error *err)
{
    source_count_nonfinite(st->z, s->vocab_size, &st->info);
    int rc = o->allow_nonfinite ? LS_OK
           : step_nonfinite_check(st->z, s->vocab_size, &st->info, "--allow-nonfinite treats them as masked", err);
    if (rc) {
        source_error_step(err, step);
        ls_error_prefix(err, s->path);
    }
    return rc;
}

int cli_step_begin(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st,
                   struct ls_error *err)
{
    int rc = chain_uses(&o->chain, &o->params, STAGE_DRY) ? build_breakers(o, s, st, err) : LS_OK;
    if (rc) return rc;
    chain_ws_set_breakers(&st->ws, st->breaker);
    if (replay_needed(&o->chain, &o->params)) rc = gather_history(o, s, step, st, err);
    else chain_ws_set_context(&st->ws, NULL, 0, 0, step, o->seed);
    return rc;
}

int cli_step_lend(struct source *s, uint32_t step, struct cli_step *st, float *buf, enum source_lend_how how,
                  struct ls_error *err)
{
    /* the step is lent (a map of the file, or read: as the caller asks), read only */
    int rc = source_lend_into(s, step, buf, how, &st->z, &st->info, err);
    if (rc) ls_error_prefix(err, s->path);
    return rc;
}

int cli_step_take(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st, float *buf,
                  enum source_lend_how how, struct ls_error *err)
{
    int rc = cli_step_begin(o, s, step, st, err);
    return rc ? rc : cli_step_lend(s, step, st, buf, how, err);
}

int cli_step_compute(const struct cli_opts *o, struct source *s, uint32_t step, struct cli_step *st,
                     struct ls_error *err)
{
    int rc;
    int deferred = st->info.nonfinite_deferred;
    if (!deferred && (rc = check_nonfinite(o, s, step, st, err))) return rc;
    int want = st->ws.want;
    if (st->info.sparse) st->ws.want = CHAIN_WANT_ALL; /* top-N truth needs the raw numbers */
    rc = topn_run(&o->chain, &o->params, st->z, s->vocab_size,
                  st->info.sparse ? st->info.tail_mass : -1.0, st->info.token, 0, &st->ws, &st->res, err);
    st->ws.want = want;
    /* a lent step's counts: the chain's scan found non-finite logits (or
     * failed): the policy's verdict comes first, as if checked before */
    if (deferred && (rc || st->res.n_finite != s->vocab_size)) {
        int rc2 = check_nonfinite(o, s, step, st, err);
        if (rc2) return rc2;
    }
    if (!rc) rc = source_lend_verify(s, step, err); /* the file shrank under the map: nothing computed stands */
    /* the recorded token continues the path (a step without one: the caller's draw may, cli_step_accept) */
    if (!rc && st->info.token >= 0 && (uint32_t)st->info.token < s->vocab_size) cli_step_accept(o, st, step, st->info.token);
    if (rc) {
        source_error_step(err, step);
        ls_error_prefix(err, s->path);
    }
    return rc;
}

int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err)
{
    int rc = cli_step_take(o, s, step, st, NULL, SOURCE_LEND_MAP, err);
    return rc ? rc : cli_step_compute(o, s, step, st, err);
}

int cli_begin(int argc, char **argv, const char *help, struct cli_one *c)
{
    return cli_begin_with(argc, argv, help, NULL, NULL, NULL, c);
}

int cli_begin_with(int argc, char **argv, const char *help, const struct cli_extra *extra, cli_extra_fn fn,
                   void *ctx, struct cli_one *c)
{
    memset(c, 0, sizeof *c);
    struct cli_opts *o = &c->o;
    int rc = cli_parse(argc, argv, o, extra, fn, ctx, help, &c->err);
    if (rc < 0) return -1;
    if (!rc && o->all && o->step >= 0) rc = ls_fail(&c->err, LS_EUSAGE, "--all and --step are exclusive");
    if (rc || (rc = cli_open(o, 0, &c->s, &c->err))) { ls_error_print(&c->err, stderr); return rc; }
    if (c->s->warnings[0]) ls_warn_print(stderr, c->s->warnings);
    if (cli_step_init(&c->st, c->s->vocab_size)) {
        source_close(c->s);
        c->s = NULL;
        fputs("logitscope: out of memory\n", stderr);
        return LS_ELIMIT;
    }
    return LS_OK;
}

int cli_end(struct cli_one *c, int rc)
{
    if (rc && c->err.code) ls_error_print(&c->err, stderr);
    cli_step_free(&c->st);
    source_close(c->s);
    c->s = NULL;
    return rc;
}

/* cJSON_Print escapes only C0, '"' and '\'. Strings we put in documents
 * are already display-escaped (valid UTF-8, no controls), so the output is
 * safe; this prints and frees. */
int cli_print_json(cJSON *doc)
{
    char *txt = report_json_print(doc);
    cJSON_Delete(doc);
    if (!txt) { fputs("logitscope: out of memory printing JSON\n", stderr); return LS_ELIMIT; }
    fputs(txt, stdout);
    fputc('\n', stdout);
    cJSON_free(txt);
    return LS_OK;
}

const char *cli_next_line(const char **p, size_t *len)
{
    const char *l = *p;
    if (!*l) return NULL;
    *len = strcspn(l, "\n");
    *p = l + *len + (l[*len] ? 1 : 0);
    return l;
}
