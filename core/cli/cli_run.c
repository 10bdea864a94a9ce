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
    if (!st->logits || chain_ws_init(&st->ws, V) || chain_result_init(&st->res, V)) {
        cli_step_free(st);
        return LS_ELIMIT;
    }
    return LS_OK;
}

void cli_step_free(struct cli_step *st)
{
    free(st->logits);
    chain_ws_free(&st->ws);
    chain_result_free(&st->res);
    memset(st, 0, sizeof *st);
}

int cli_run_step(const struct cli_opts *o, struct source *s, uint32_t step,
                 struct cli_step *st, struct ls_error *err)
{
    int rc = source_read_step(s, step, st->logits, &st->info, err);
    if (rc) { ls_error_prefix(err, s->path); return rc; }
    if (!o->allow_nonfinite &&
        (rc = step_nonfinite_check(st->logits, s->vocab_size, &st->info, "--allow-nonfinite treats them as masked", err))) {
        char pre[32];
        snprintf(pre, sizeof pre, "step %u", step);
        ls_error_prefix(err, pre);
        ls_error_prefix(err, s->path);
        return rc;
    }
    rc = topn_run(&o->chain, &o->params, st->logits, s->vocab_size,
                  st->info.sparse ? st->info.tail_mass : -1.0, 0, &st->ws, &st->res, err);
    if (rc) {
        char pre[64];
        snprintf(pre, sizeof pre, "step %u", step);
        ls_error_prefix(err, pre);
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
