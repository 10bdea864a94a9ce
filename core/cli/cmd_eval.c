/* cmd_eval.c: `logitscope eval FILE`: evaluator scores for a dump under the
 * current settings (eval.h): the run is the document, rendered as JSON or
 * text. `--help` adds the definitions after the table's help text. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/eval_cli.h"
#include "cli/eval_model.h"

#include <cjson/cJSON.h>

static const char help_head[] =
    "usage: logitscope eval FILE [chain options] [-n N] [--seed S] [--regex RE]\n"
    "                            [--json-keys a,b] [--evaluator NAME=COMMAND]... [--json]\n"
    "Evaluator scores of a dump under the current settings: perplexity of the recorded\n"
    "tokens (raw and under the chain), cut rate, top-1 agreement, entropy, kept count,\n"
    "logit clipping, and scores over N sampled continuations (JSON validity, regex,\n"
    "diversity, agreement with the recorded text, external commands).\n"
    "Continuations are per-step draws given the recorded context: a dump cannot tell\n"
    "what the model would have produced after a different token. Sparse (top-N) dumps\n"
    "give approximate results (\"approximate\": true). Continuation i draws from its own\n"
    "xoshiro256** stream seeded from the i-th output of a stream seeded with S.\n"
    "\noptions (and the chain options of `logitscope --help`):\n"
    EVAL_CLI_HELP
    EVAL_THREADS_HELP
    EVAL_MODEL_HELP
    "  --json                   one JSON document; keys perplexity_raw, perplexity_chain,\n"
    "                           nll_raw_nats, bits_per_byte, cut_rate, top1_agreement,\n"
    "                           mean_entropy_nats, mean_kept, clipping_rate,\n"
    "                           json_valid_share, json_valid_ci, regex_match_share,\n"
    "                           distinct_1, distinct_2, recorded_agreement, NAME per\n"
    "                           external evaluator, seed, n, approximate (null = n/a)\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or an external evaluator\n"
    "failed / printed a non-number, 5 limit (memory, evaluator timeout)\n"
    "\ndefinitions:\n";

static const struct cli_extra extra[] = { EVAL_CLI_EXTRA, EVAL_THREADS_EXTRA, EVAL_MODEL_EXTRA, {NULL, 0, 0} };

struct eval_ctx { struct eval_config cfg; struct model_cli mc; };

static int on_opt(void *vctx, int id, const char *arg, struct ls_error *err)
{
    struct eval_ctx *c = vctx;
    int rc = eval_cli_option(&c->cfg, id, arg, err);
    if (rc == 1) rc = eval_model_option(&c->mc, id, arg, err);
    return rc == 1 ? ls_fail(err, LS_EUSAGE, "unknown option") : rc;
}

/* --- rendering: the document is the eval run (eval.h) ------------------- */

static cJSON *eval_json(const struct source *s, const struct cli_opts *o, const struct eval_config *cfg,
                        const struct eval_scores *sc, const struct eval_step_series *ser)
{
    cJSON *d = cJSON_CreateObject();
    if (!d) return NULL;
    eval_add_header_json(d, s, &o->chain, &o->params, cfg);
    eval_scores_json(d, cfg, sc);
    cJSON *cps = cJSON_AddArrayToObject(d, "clipping_per_step");
    for (uint32_t i = 0; i < s->n_steps; i++) cJSON_AddItemToArray(cps, cJSON_CreateNumber(ser->clipped[i]));
    cJSON *notes = cJSON_AddArrayToObject(d, "notes");
    cJSON_AddItemToArray(notes, cJSON_CreateString(eval_note_continuations));
    char topn[256];
    if (eval_topn_note(sc, topn, sizeof topn)) cJSON_AddItemToArray(notes, cJSON_CreateString(topn));
    if (!sc->texts_known)
        cJSON_AddItemToArray(notes, cJSON_CreateString("no vocabulary: text-based scores are null (pass --vocab FILE)"));
    eval_definitions_json(d);
    return d;
}

static void eval_text(const struct source *s, const struct cli_opts *o, const struct eval_config *cfg,
                      const struct eval_scores *sc, const struct eval_step_series *ser)
{
    eval_print_header_text(stdout, s, &o->chain, &o->params, cfg, o->disp);
    char topn[256];
    if (eval_topn_note(sc, topn, sizeof topn)) printf("%s\n", topn);
    putchar('\n');
    eval_scores_text(stdout, cfg, sc);
    if (sc->n_clipped_steps) {
        printf("clipped logits per step:");
        uint32_t shown = 0;
        for (uint32_t i = 0; i < s->n_steps && shown < 12; i++)
            if (ser->clipped[i]) { printf(" %u:%u", i, ser->clipped[i]); shown++; }
        if (sc->n_clipped_steps > shown) printf(" ... (%u steps)", sc->n_clipped_steps);
        putchar('\n');
    }
    printf("\nnote: %s.\n", eval_note_continuations);
    if (!sc->texts_known) printf("note: no vocabulary: text-based scores need --vocab FILE.\n");
    printf("definitions: logitscope eval --help, docs/EVALUATORS.md\n");
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct eval_ctx ctx;
    struct eval_config *const cfgp = &ctx.cfg;
#define cfg (*cfgp)
    struct eval_run *run_ = NULL;
    eval_config_init(&cfg);
    model_cli_init(&ctx.mc);
    int rc = cli_parse(argc, argv, &o, extra, on_opt, &ctx, "", &err);
    if (rc < 0) { fputs(self->help, stdout); eval_definitions_text(stdout, 2, 80); return 0; }
    if (!rc && (ctx.mc.model || ctx.mc.prompt)) {   /* generated continuations */
        if ((rc = eval_model_cmd(&o, &ctx.mc, &cfg, &err))) ls_error_print(&err, stderr);
        return rc;
    }
    if (rc || (rc = eval_cli_usage_check("eval", &o, &err)) || (rc = eval_cli_open(&o, &cfg, &s, &err))) {
        ls_error_print(&err, stderr);
        return rc;
    }
    struct eval_settings set = { o.chain, o.params };
    rc = eval_source(s, &cfg, &set, 1, NULL, &run_, &err);
    if (rc) { ls_error_print(&err, stderr); source_close(s); return rc; }
    const struct eval_scores *sc = eval_run_scores(run_, 0);
    struct eval_step_series ser;
    eval_run_series(run_, 0, &ser);
    if (o.json) {
        cJSON *d = eval_json(s, &o, &cfg, sc, &ser);
        rc = d ? cli_print_json(d) : LS_ELIMIT;
    } else {
        eval_text(s, &o, &cfg, sc, &ser);
    }
    eval_run_free(run_);
    source_close(s);
    return rc;
#undef cfg
}

const struct cli_command cli_cmd_eval = {
    "eval", run, "evaluator scores over the whole sequence", help_head,
};
