/* cmd_sample.c: `logitscope sample FILE`: draw tokens with a seeded PRNG.
 *
 * -n COUNT draws COUNT tokens at --step N from one stream; --all draws one
 * token per step, in step order, from one stream. Same file, settings and
 * seed: same tokens on every machine (rng.h). */
#include "cli/cli.h"
#include "report/report.h"
#include "base/rng.h"
#include "sampling/draw.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static const char help[] =
    "usage: logitscope sample FILE [-n COUNT] [--step N | --all] [--seed S] [chain options] [--json]\n"
    "Draw tokens from the final distribution (inverse CDF over the surviving tokens in\n"
    "ascending id order, in double; PRNG xoshiro256** seeded with SplitMix64). -n COUNT\n"
    "draws COUNT tokens at one step (default 1); --all draws one token per step.\n";

int cmd_sample(int argc, char **argv)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct cli_step st;
    int rc = cli_begin(argc, argv, help, &o, &s, &st);
    if (rc) return rc < 0 ? 0 : rc;
    struct rng g;
    rng_seed(&g, o.seed);
    uint32_t first = o.all ? 0 : (uint32_t)(o.step < 0 ? 0 : o.step);
    uint32_t last = o.all ? s->n_steps : first + 1;
    long count = o.all ? 1 : (o.count < 0 ? 1 : o.count);
    cJSON *doc = NULL, *arr = NULL;
    int approx = 0;
    double *cum = malloc((size_t)(s->vocab_size ? s->vocab_size : 1) * sizeof *cum);
    if (!cum) { rc = ls_fail(&err, LS_ELIMIT, "out of memory for V = %u", s->vocab_size); ls_error_print(&err, stderr); goto out; }
    if (o.json) {
        doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "seed", (double)o.seed);
        arr = cJSON_AddArrayToObject(doc, "samples");
    } else {
        printf("seed %llu\n%6s %8s  %-24s %10s\n", (unsigned long long)o.seed, "step", "id", "token", "p");
    }
    for (uint32_t step = first; step < last; step++) {
        rc = cli_run_step(&o, s, step, &st, &err);
        if (rc) { ls_error_print(&err, stderr); goto out; }
        approx |= st.info.sparse;
        struct draw_cdf d = draw_cdf_build(&st.res, cum);
        for (long i = 0; i < count; i++) {
            int32_t id = draw_token(&d, &g);
            if (o.json) {
                cJSON *it = cJSON_CreateObject();
                cJSON_AddNumberToObject(it, "step", step);
                cJSON_AddNumberToObject(it, "id", id);
                report_add_text(it, s, id);
                cJSON_AddNumberToObject(it, "p", st.res.p[id]);
                if (st.info.sparse) { /* top-N source: drawn from the known tokens only */
                    cJSON_AddBoolToObject(it, "approximate", 1);
                    cJSON_AddNumberToObject(it, "tail_mass", st.info.tail_mass);
                }
                cJSON_AddItemToArray(arr, it);
            } else {
                char buf[256];
                report_token_cell(s, id, o.disp, 24, buf, sizeof buf);
                printf("%6u %8d  %s %10.6f\n", step, id, buf, st.res.p[id]);
            }
        }
    }
    if (o.json) {
        if (approx) cJSON_AddBoolToObject(doc, "approximate", 1);
        rc = cli_print_json(doc);
        doc = NULL;
    } else if (approx) {
        printf("APPROXIMATE: drawn from top-N logprobs only\n");
    }
out:
    free(cum);
    cJSON_Delete(doc);
    cli_step_free(&st);
    source_close(s);
    return rc;
}
