/* cmd_sample.c: `logitscope sample FILE`: draw tokens with a seeded PRNG.
 *
 * -n COUNT draws COUNT tokens at --step N from one stream; --all draws one
 * token per step, in step order, from one stream. Same file, settings and
 * seed: same tokens on every machine (rng.h). Each draw is rendered as it
 * is made: a draw's row is its document. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "report/report.h"
#include "base/rng.h"
#include "sampling/draw.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

/* One drawn token: a JSON item or a table row. */
static void put_draw(const struct cli_one *c, cJSON *arr, uint32_t step, int32_t id)
{
    const struct cli_step *st = &c->st;
    if (id < 0) {   /* draw_token: nothing kept (a top-N step listing no token) */
        if (!arr) { printf("%6u %8s  %-24s %10s\n", step, "-", "(nothing to draw)", "-"); return; }
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "step", step);
        cJSON_AddNullToObject(it, "id");
        cJSON_AddItemToArray(arr, it);
        return;
    }
    if (!arr) {
        char buf[256];
        report_token_cell(c->s, id, c->o.disp, 24, buf, sizeof buf);
        printf("%6u %8lld  %s %10.6f\n", step, (long long)source_file_id(c->s, id), buf, st->res.p[id]);
        return;
    }
    cJSON *it = cJSON_CreateObject();
    cJSON_AddNumberToObject(it, "step", step);
    cJSON_AddNumberToObject(it, "id", (double)source_file_id(c->s, id));
    report_add_text(it, c->s, id);
    cJSON_AddNumberToObject(it, "p", st->res.p[id]);
    if (st->info.sparse) { /* top-N source: drawn from the known tokens only */
        cJSON_AddBoolToObject(it, "approximate", 1);
        cJSON_AddNumberToObject(it, "tail_mass", st->info.tail_mass);
    }
    cJSON_AddItemToArray(arr, it);
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_one c;
    int rc = cli_begin(argc, argv, self->help, &c);
    if (rc) return rc < 0 ? 0 : rc;
    const struct cli_opts *o = &c.o;
    struct rng g;
    rng_seed(&g, o->seed);
    uint32_t first = o->all ? 0 : (uint32_t)(o->step < 0 ? 0 : o->step);
    uint32_t last = o->all ? c.s->n_steps : first + 1;
    long count = o->all ? 1 : (o->count < 0 ? 1 : o->count);
    cJSON *doc = NULL, *arr = NULL;
    int approx = 0;
    double *cum = malloc((size_t)(c.s->vocab_size ? c.s->vocab_size : 1) * sizeof *cum);
    if (!cum) return cli_end(&c, ls_fail(&c.err, LS_ELIMIT, "out of memory for V = %u", c.s->vocab_size));
    if (o->json) {
        doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "seed", (double)o->seed);
        arr = cJSON_AddArrayToObject(doc, "samples");
    } else {
        printf("seed %llu\n%6s %8s  %-24s %10s\n", (unsigned long long)o->seed, "step", "id", "token", "p");
    }
    c.st.ws.want = CHAIN_WANT_DRAW; /* draws need no raw softmax (cli_run_step keeps it for top-N steps) */
    for (uint32_t step = first; step < last && !rc; step++) {
        if ((rc = cli_run_step(o, c.s, step, &c.st, &c.err))) break;
        approx |= c.st.info.sparse;
        struct draw_cdf d = draw_cdf_build(&c.st.res, cum);
        for (long i = 0; i < count; i++) {
            int32_t tok = draw_token(&d, &g);
            put_draw(&c, arr, step, tok);
            /* the state (mirostat's mu) follows the recorded tokens (cli_run_step
             * accepted the step's own); a step recording none takes the draw */
            if (o->all) cli_step_accept(o, &c.st, step, tok);
        }
    }
    if (!rc && o->json) {
        if (approx) cJSON_AddBoolToObject(doc, "approximate", 1);
        rc = cli_print_json(doc);
        doc = NULL;
    } else if (!rc && approx) {
        printf("APPROXIMATE: drawn from top-N logprobs only\n");
    }
    cJSON_Delete(doc);
    free(cum);
    return cli_end(&c, rc);
}

const struct cli_command cli_cmd_sample = {
    "sample", run, "draw tokens: -n COUNT at --step N, or --all (one per step)",
    "usage: logitscope sample FILE [-n COUNT] [--step N | --all] [--seed S] [chain options] [--json]\n"
    "Draw tokens from the final distribution (inverse CDF over the surviving tokens in\n"
    "ascending id order, in double; PRNG xoshiro256** seeded with SplitMix64). -n COUNT\n"
    "draws COUNT tokens at one step (default 1); --all draws one token per step.\n",
};
