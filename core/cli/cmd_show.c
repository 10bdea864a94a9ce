/* cmd_show.c: `logitscope show FILE`: one step's distribution after the chain. */
#include "cli/cli.h"
#include "report/report.h"

#include <cjson/cJSON.h>

static const char help[] =
    "usage: logitscope show FILE [--step N] [chain options] [--top N|all] [--json]\n"
    "The distribution at one step: every stage's candidates in/out and mass removed,\n"
    "entropy before/after, and the top tokens by raw probability with their final\n"
    "probability and the stage that cut them. See `logitscope --help` for chain options.\n";

int cmd_show(int argc, char **argv)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct cli_step st;
    int rc = cli_begin(argc, argv, help, &o, &s, &st);
    if (rc) return rc < 0 ? 0 : rc;
    if (o.all) { rc = ls_fail(&err, LS_EUSAGE, "show: --all is for sample; use --step N"); ls_error_print(&err, stderr); goto out; }
    uint32_t step = o.step < 0 ? 0 : (uint32_t)o.step;
    rc = cli_run_step(&o, s, step, &st, &err);
    if (rc) { ls_error_print(&err, stderr); goto out; }
    struct report_ctx rc_ = { s, step, &o.chain, &o.params, &st.res, &st.info, st.logits, o.seed, o.top };
    if (o.json) {
        cJSON *doc = report_show_json(&rc_);
        rc = doc ? cli_print_json(doc) : LS_ELIMIT;
    } else {
        report_show_text(stdout, &rc_, o.disp);
    }
out:
    cli_step_free(&st);
    source_close(s);
    return rc;
}
