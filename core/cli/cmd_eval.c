/* cmd_eval.c: `logitscope eval FILE`: evaluator scores for a dump under the
 * current settings (eval.h). */
#include "cli/cli.h"
#include "base/display.h"
#include "cli/eval_cli.h"
#include "report/report.h"

#include <cjson/cJSON.h>
#include <string.h>

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
    "  --json                   one JSON document; keys perplexity_raw, perplexity_chain,\n"
    "                           nll_raw_nats, bits_per_byte, cut_rate, top1_agreement,\n"
    "                           mean_entropy_nats, mean_kept, clipping_rate,\n"
    "                           json_valid_share, json_valid_ci, regex_match_share,\n"
    "                           distinct_1, distinct_2, recorded_agreement, NAME per\n"
    "                           external evaluator, seed, n, approximate (null = n/a)\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or an external evaluator\n"
    "failed / printed a non-number, 5 limit (memory, evaluator timeout)\n"
    "\ndefinitions:\n";

static const struct cli_extra extra[] = { EVAL_CLI_EXTRA, {NULL, 0, 0} };

static int on_opt(void *ctx, int id, const char *arg, struct ls_error *err)
{
    int rc = eval_cli_option(ctx, id, arg, err);
    return rc == 1 ? ls_fail(err, LS_EUSAGE, "unknown option") : rc;
}

static void print_help(void)
{
    fputs(help_head, stdout);
    eval_definitions_text(stdout, 2, 80);
}

void eval_add_header_json(cJSON *d, const struct source *s, const struct chain *ch,
                          const struct params *p, const struct eval_config *cfg)
{
    char buf[1024];
    report_add_source_json(d, s, -1);
    report_add_chain_json(d, ch, p);
    cJSON_AddNumberToObject(d, "seed", (double)cfg->seed);
    cJSON_AddNumberToObject(d, "n", cfg->n_samples);
    cJSON_AddNumberToObject(d, "clip_threshold", cfg->clip_threshold);
    if (cfg->regex) {
        disp_escape(cfg->regex, strlen(cfg->regex), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddStringToObject(d, "regex", buf);
    } else {
        cJSON_AddNullToObject(d, "regex");
    }
    cJSON *st = cJSON_AddArrayToObject(d, "stop");
    const char *const *sl = cfg->n_stop < 0 ? eval_default_stops : cfg->stop;
    for (int i = 0; cfg->n_stop < 0 ? sl[i] != NULL : i < cfg->n_stop; i++) {
        disp_escape(sl[i], strlen(sl[i]), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddItemToArray(st, cJSON_CreateString(buf));
    }
    if (cfg->json_keys) {
        disp_escape(cfg->json_keys, strlen(cfg->json_keys), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddStringToObject(d, "json_keys", buf);
    } else {
        cJSON_AddNullToObject(d, "json_keys");
    }
}

void eval_print_header_text(FILE *f, const struct source *s, const struct chain *ch,
                            const struct params *p, const struct eval_config *cfg, unsigned disp)
{
    char buf[1024], order[128];
    disp_escape(s->path, strlen(s->path), disp, buf, sizeof buf);
    chain_format(ch, order, sizeof order);
    fprintf(f, "%s  %u step%s  V=%u  format %s\n", buf, s->n_steps, s->n_steps == 1 ? "" : "s",
            s->vocab_size, s->ops->format);
    fprintf(f, "chain %s: %s\n", preset_name(ch->preset), order);
    if (p)
        fprintf(f, "params: temperature %.9g  top-k %d  top-p %.9g  min-p %.9g\n",
                p->temperature, (int)p->top_k, p->top_p, p->min_p);
    fprintf(f, "seed %llu  continuations %u\n", (unsigned long long)cfg->seed, cfg->n_samples);
}

int cmd_eval(int argc, char **argv)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct eval_config cfg;
    struct eval_run *run = NULL;
    eval_config_init(&cfg);
    int rc = cli_parse(argc, argv, &o, extra, on_opt, &cfg, "", &err);
    if (rc < 0) { print_help(); return 0; }
    if (!rc && o.n_files > 1) rc = ls_fail(&err, LS_EUSAGE, "eval takes one FILE (see --help)");
    if (!rc && (o.step >= 0 || o.all)) rc = ls_fail(&err, LS_EUSAGE, "eval covers every step; --step/--all do not apply");
    if (rc || (rc = cli_open(&o, 0, &s, &err))) { ls_error_print(&err, stderr); return rc; }
    if (s->warnings[0]) ls_warn_print(stderr, s->warnings);
    eval_cli_finish(&cfg, &o);
    struct eval_settings set = { o.chain, o.params };
    rc = eval_cli_check(&cfg, &err);
    if (!rc) rc = eval_source(s, &cfg, &set, 1, NULL, &run, &err);
    if (rc) { ls_error_print(&err, stderr); source_close(s); return rc; }
    const struct eval_scores *sc = eval_run_scores(run, 0);
    struct eval_step_series ser;
    eval_run_series(run, 0, &ser);
    if (o.json) {
        cJSON *d = cJSON_CreateObject();
        eval_add_header_json(d, s, &o.chain, &o.params, &cfg);
        eval_scores_json(d, &cfg, sc);
        cJSON *cps = cJSON_AddArrayToObject(d, "clipping_per_step");
        for (uint32_t i = 0; i < s->n_steps; i++) cJSON_AddItemToArray(cps, cJSON_CreateNumber(ser.clipped[i]));
        cJSON *notes = cJSON_AddArrayToObject(d, "notes");
        cJSON_AddItemToArray(notes, cJSON_CreateString(eval_note_continuations));
        if (sc->approximate)
            cJSON_AddItemToArray(notes, cJSON_CreateString("sparse (top-N) dump: every score is approximate"));
        if (!sc->texts_known)
            cJSON_AddItemToArray(notes, cJSON_CreateString("no vocabulary: text-based scores are null (pass --vocab FILE)"));
        eval_definitions_json(d);
        rc = cli_print_json(d);
    } else {
        eval_print_header_text(stdout, s, &o.chain, &o.params, &cfg, o.disp);
        if (sc->approximate) printf("APPROXIMATE: sparse (top-N) dump; every score is computed over the known tokens\n");
        putchar('\n');
        eval_scores_text(stdout, &cfg, sc);
        if (sc->n_clipped_steps) {
            printf("clipped logits per step:");
            uint32_t shown = 0;
            for (uint32_t i = 0; i < s->n_steps && shown < 12; i++)
                if (ser.clipped[i]) { printf(" %u:%u", i, ser.clipped[i]); shown++; }
            if (sc->n_clipped_steps > shown) printf(" ... (%u steps)", sc->n_clipped_steps);
            putchar('\n');
        }
        printf("\nnote: %s.\n", eval_note_continuations);
        if (!sc->texts_known) printf("note: no vocabulary: text-based scores need --vocab FILE.\n");
        printf("definitions: logitscope eval --help, docs/EVALUATORS.md\n");
    }
    eval_run_free(run);
    source_close(s);
    return rc;
}
