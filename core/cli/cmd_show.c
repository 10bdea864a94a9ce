/* cmd_show.c: `logitscope show FILE`: one step's distribution after the
 * chain. The document and both renderings are report.h's (the explorer's
 * :export writes the same JSON). */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "report/report.h"
#include "report/token_detail.h"
#include "base/display.h"
#include "base/parse.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* --token ID: one token's details instead of the list */
enum { X_TOKEN = 1 };
static const struct cli_extra extras[] = { {"token", 1, X_TOKEN}, {NULL, 0, 0} };

static int on_extra(void *ctx, int id, const char *arg, struct ls_error *err)
{
    long *tok = ctx;
    if (id != X_TOKEN) return 1;
    if (parse_long(arg, 0, INT32_MAX, tok, err)) return cli_opt_rc("--token", LS_EUSAGE, err);
    return 0;
}

/* show --token ID: the token detail document (report/token_detail.h) */
static int show_token(struct cli_one *c, const struct report_ctx *doc, long id)
{
    struct token_detail d;
    if (token_detail(doc, (int32_t)id, &d, &c->err)) {
        ls_error_prefix(&c->err, "--token");
        return LS_EUSAGE;
    }
    if (c->o.json) {
        cJSON *j = token_detail_json(doc, &d);
        return j ? cli_print_json(j) : LS_ELIMIT;
    }
    struct token_detail_row row[16];
    int n = token_detail_rows(&d, row, 16);
    for (int i = 0; i < n; i++) {
        char v[700];
        /* the text row through the token transform, as the list shows it */
        if (row[i].is_text) disp_escape(d.text, d.len, c->o.disp | DISP_TOKEN, v, sizeof v);
        else disp_escape(row[i].value, strlen(row[i].value), c->o.disp, v, sizeof v);
        printf("%-9s %s\n", row[i].label, v);
    }
    return LS_OK;
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_one c;
    long token = -1;
    int rc = cli_begin_with(argc, argv, self->help, extras, on_extra, &token, &c);
    if (rc) return rc < 0 ? 0 : rc;
    if (c.o.all) return cli_end(&c, ls_fail(&c.err, LS_EUSAGE, "show: --all is for sample; use --step N"));
    uint32_t step = c.o.step < 0 ? 0 : (uint32_t)c.o.step;
    if ((rc = cli_run_step(&c.o, c.s, step, &c.st, &c.err))) return cli_end(&c, rc);
    struct report_ctx doc = { c.s, step, &c.o.chain, &c.o.params, &c.st.res, &c.st.info, c.st.z, c.o.seed, c.o.top };
    if (token >= 0) return cli_end(&c, show_token(&c, &doc, token));
    if (c.o.json) {
        cJSON *d = report_show_json(&doc);
        rc = d ? cli_print_json(d) : LS_ELIMIT;
    } else {
        report_show_text(stdout, &doc, c.o.disp);
    }
    return cli_end(&c, rc);
}

const struct cli_command cli_cmd_show = {
    "show", run, "the distribution at one step after the chain",
    "usage: logitscope show FILE [--step N] [chain options] [--top N|all] [--token ID] [--json]\n"
    "The distribution at one step: every stage's candidates in/out and mass removed,\n"
    "entropy before/after, and the top tokens by raw probability with their final\n"
    "probability and the stage that cut them. See `logitscope --help` for chain options.\n"
    "--token ID: that token only: id, text, bytes, rank, logit, raw and final p,\n"
    "the stage that cut it, and whether it is the recorded token.\n",
};
