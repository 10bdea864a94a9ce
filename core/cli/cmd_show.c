/* cmd_show.c: `logitscope show FILE`: one step's distribution after the
 * chain. The document and both renderings are report.h's (the explorer's
 * :export writes the same JSON). */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "report/report.h"

#include <cjson/cJSON.h>

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_one c;
    int rc = cli_begin(argc, argv, self->help, &c);
    if (rc) return rc < 0 ? 0 : rc;
    if (c.o.all) return cli_end(&c, ls_fail(&c.err, LS_EUSAGE, "show: --all is for sample; use --step N"));
    uint32_t step = c.o.step < 0 ? 0 : (uint32_t)c.o.step;
    if ((rc = cli_run_step(&c.o, c.s, step, &c.st, &c.err))) return cli_end(&c, rc);
    struct report_ctx doc = { c.s, step, &c.o.chain, &c.o.params, &c.st.res, &c.st.info, c.st.logits, c.o.seed, c.o.top };
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
    "usage: logitscope show FILE [--step N] [chain options] [--top N|all] [--json]\n"
    "The distribution at one step: every stage's candidates in/out and mass removed,\n"
    "entropy before/after, and the top tokens by raw probability with their final\n"
    "probability and the stage that cut them. See `logitscope --help` for chain options.\n",
};
