/* cmd_sample.c: `logitscope sample FILE`: draw tokens with a seeded PRNG.
 *
 * -n COUNT draws COUNT tokens at --step N from one stream; --all draws one
 * token per step, in step order, from one stream. Same file, settings and
 * seed: same tokens on every machine (rng.h). Each draw is rendered as it
 * is made: a draw's row is its document. */
#include "cli/commands.h"
#include "cli/eval_cli.h"
#include "cli/sample_steps.h"
#include "base/step_pipe.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

/* --threads T (eval's option and parse); 0: not given */
static int sample_option(void *ctx, int id, const char *arg, struct ls_error *err)
{
    if (id != EVAL_OPT_THREADS) return 1;
    return eval_cli_threads(arg, ctx, err);
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    static const struct cli_extra extra[] = { EVAL_THREADS_EXTRA, {NULL, 0, 0} };
    struct cli_one c;
    int threads = 0;
    int rc = cli_begin_with(argc, argv, self->help, extra, sample_option, &threads, &c);
    if (rc) return rc < 0 ? 0 : rc;
    const struct cli_opts *o = &c.o;
    struct rng g;
    rng_seed(&g, o->seed);
    uint32_t first = o->all ? 0 : (uint32_t)(o->step < 0 ? 0 : o->step);
    struct sample_plan plan = {
        .first = first, .n = o->all ? c.s->n_steps : 1, .count = o->all ? 1 : (o->count < 0 ? 1 : o->count),
        .all = o->all, .threads = threads ? threads : step_pipe_cpus(), .auto_threads = !threads,
    };
    cJSON *doc = NULL, *arr = NULL;
    int approx = 0;
    if (o->json) {
        doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "seed", (double)o->seed);
        arr = cJSON_AddArrayToObject(doc, "samples");
    } else {
        printf("seed %llu\n%6s %8s  %-24s %10s\n", (unsigned long long)o->seed, "step", "id", "token", "p");
    }
    rc = sample_steps_run(&c, &plan, &g, arr, &approx);
    if (!rc && o->json) {
        if (approx) cJSON_AddBoolToObject(doc, "approximate", 1);
        rc = cli_print_json(doc);
        doc = NULL;
    } else if (!rc && approx) {
        printf("APPROXIMATE: drawn from top-N logprobs only\n");
    }
    cJSON_Delete(doc);
    return cli_end(&c, rc);
}

const struct cli_command cli_cmd_sample = {
    "sample", run, "draw tokens: -n COUNT at --step N, or --all (one per step)",
    "usage: logitscope sample FILE [-n COUNT] [--step N | --all] [--seed S] [chain options] [--json]\n"
    "Draw tokens from the final distribution (inverse CDF over the surviving tokens in\n"
    "ascending id order, in double; PRNG xoshiro256** seeded with SplitMix64). -n COUNT\n"
    "draws COUNT tokens at one step (default 1); --all draws one token per step.\n"
    "  --threads T              steps whose chains run at once with --all (default: up to\n"
    "                           one per CPU, at most 8, as many as the chains keep busy\n"
    "                           while steps are read); the draws do not depend on it\n",
};
