/* cli_run.c: opening, stepping and printing for the commands (see cli_run.h). */
#include "cli/cli_run.h"
#include "input/nonfinite.h"
#include "report/report.h"
#include "sampling/topn.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_open(const struct cli_opts *o, int which, struct source **out, struct ls_error *err)
{
    if (which >= o->n_files) return ls_fail(err, LS_EUSAGE, "missing FILE (see --help)");
    return source_open(o->files[which], &o->src, out, err);
}

int cli_step_init(struct cli_step *st, uint32_t V)
{
    memset(st, 0, sizeof *st);
    st->logits = malloc((size_t)V * sizeof *st->logits);
    st->hist = NULL;
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
    free(st->hist);
    free(st->breaker);
    chain_ws_free(&st->ws);
    chain_result_free(&st->res);
    memset(st, 0, sizeof *st);
}

/* The chain reads the recorded tokens before this step (penalties). */
static int needs_history(const struct cli_opts *o)
{
    return chain_uses(&o->chain, &o->params, STAGE_PENALTIES) || chain_uses(&o->chain, &o->params, STAGE_DRY);
}

/* llama.cpp's default DRY sequence breakers: "\n", ":", "\"", "*". Each is
 * one character, so a token breaks a sequence exactly when its text
 * contains one (llama.cpp's multi-token breakers cannot arise from them). */
static int build_breakers(const struct source *s, struct cli_step *st, struct ls_error *err)
{
    if (st->breaker) return LS_OK;
    if (!(st->breaker = calloc(s->vocab_size ? s->vocab_size : 1, 1)))
        return ls_fail(err, LS_ELIMIT, "out of memory for DRY's sequence breakers");
    for (uint32_t id = 0; id < s->vocab_size; id++) {
        char tmp[32];
        size_t len;
        int known;
        const char *t = vocab_text(s->vocab, (int32_t)id, tmp, sizeof tmp, &len, &known);
        for (size_t i = 0; known && i < len && !st->breaker[id]; i++) st->breaker[id] = strchr("\n:\"*", t[i]) && t[i];
    }
    return LS_OK;
}

/* Recorded tokens of the steps before `step`, read once (steps are read
 * in order by sample --all, so each is read once overall). */
static int gather_history(struct source *s, uint32_t step, struct cli_step *st, struct ls_error *err)
{
    if (step < st->hist_upto) st->hist_upto = st->n_hist = 0; /* went back: start over */
    if (!st->hist && !(st->hist = malloc((size_t)(s->n_steps ? s->n_steps : 1) * sizeof *st->hist)))
        return ls_fail(err, LS_ELIMIT, "out of memory for the token history");
    for (; st->hist_upto < step; st->hist_upto++) {
        int rc = source_read_step(s, st->hist_upto, st->logits, &st->info, err);
        if (rc) { ls_error_prefix(err, s->path); return rc; }
        if (st->info.token >= 0) st->hist[st->n_hist++] = st->info.token;
    }
    return LS_OK;
}

int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err)
{
    int rc = needs_history(o) ? gather_history(s, step, st, err) : LS_OK;
    if (!rc && chain_uses(&o->chain, &o->params, STAGE_DRY)) rc = build_breakers(s, st, err);
    if (rc) return rc;
    chain_ws_set_breakers(&st->ws, st->breaker);
    chain_ws_set_context(&st->ws, st->hist, st->n_hist, 0, step, o->seed);
    rc = source_read_step(s, step, st->logits, &st->info, err);
    if (rc) { ls_error_prefix(err, s->path); return rc; }
    if (!o->allow_nonfinite &&
        (rc = step_nonfinite_check(st->logits, s->vocab_size, &st->info, "--allow-nonfinite treats them as masked", err))) {
        source_error_step(err, step);
        ls_error_prefix(err, s->path);
        return rc;
    }
    int want = st->ws.want;
    if (st->info.sparse) st->ws.want = CHAIN_WANT_ALL; /* top-N truth needs the raw numbers */
    rc = topn_run(&o->chain, &o->params, st->logits, s->vocab_size,
                  st->info.sparse ? st->info.tail_mass : -1.0, st->info.token, 0, &st->ws, &st->res, err);
    st->ws.want = want;
    if (rc) {
        source_error_step(err, step);
        ls_error_prefix(err, s->path);
    }
    return rc;
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
