/* eval_model.c: eval and sweep on generated continuations (eval_model.h). */
#include "cli/eval_model.h"
#include "cli/cli_run.h"
#include "cli/eval_cli.h"
#include "base/display.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define BREAK_TOP 3
#define EVAL_MODEL_DEFAULT_MAX 64

int eval_model_option(struct model_cli *mc, int id, const char *arg, struct ls_error *err)
{
    static const int map[] = { 0, 1, 2 };   /* model_cli's ids: MO_MODEL, MO_PROMPT, MO_MAXTOK */
    if (id < EVAL_MODEL_ID0 || id >= EVAL_MODEL_ID0 + 3) return 1;
    return model_cli_option(mc, map[id - EVAL_MODEL_ID0], arg, err);
}

int eval_model_run(const struct cli_opts *o, const struct model_cli *mc, const struct eval_config *cfg,
                   const struct eval_settings *set, size_t n_set, struct eval_model *em,
                   struct ls_error *err)
{
    memset(em, 0, sizeof *em);
    if (o->n_files) return ls_fail(err, LS_EUSAGE, "with --model there is no FILE (the model writes the continuations)");
    if (cli_bias_needs_file(o, err)) return LS_EUSAGE;
    int rc = model_cli_open(mc, &em->model, &em->prompt, &em->n_prompt, err);
    if (rc) return rc;
    struct eval_gen_request g = { em->model, mc->prompt ? mc->prompt : "", em->prompt, em->n_prompt,
                                  (uint32_t)(mc->max_tokens > 0 ? mc->max_tokens : EVAL_MODEL_DEFAULT_MAX), NULL };
    return eval_gen_run(&g, cfg, set, n_set, NULL, &em->gen, err);
}

void eval_model_free(struct eval_model *em)
{
    eval_gen_free(em->gen);
    free(em->prompt);
    model_close(em->model);
    memset(em, 0, sizeof *em);
}

struct breaks {
    uint32_t n, *steps, *counts, *tcounts;
    int32_t *toks;
};

static int breaks_get(const struct eval_model *em, size_t k, struct breaks *b)
{
    uint32_t S = em->gen->max_tokens;
    b->steps = malloc(S * sizeof *b->steps);
    b->counts = malloc(S * sizeof *b->counts);
    b->toks = malloc((size_t)S * BREAK_TOP * sizeof *b->toks);
    b->tcounts = malloc((size_t)S * BREAK_TOP * sizeof *b->tcounts);
    if (!b->steps || !b->counts || !b->toks || !b->tcounts) return -1;
    b->n = eval_gen_breaks(em->gen, k, BREAK_TOP, b->steps, b->counts, b->toks, b->tcounts);
    return 0;
}

static void breaks_free(struct breaks *b)
{
    free(b->steps); free(b->counts); free(b->toks); free(b->tcounts);
}

static void tok_text(const struct model *m, int32_t id, unsigned disp, char *buf, size_t cap)
{
    size_t l = 0;
    const char *t = vocab_get(m->vocab, id, &l);
    disp_escape(t ? t : "", t ? l : 0, disp, buf, cap);
}

void eval_model_breaks_text(FILE *f, const struct eval_model *em, size_t k, unsigned disp)
{
    const struct eval_gen_set *gs = &em->gen->sets[k];
    fprintf(f, "continuations: mean %.1f tokens (%u ended at end of text, %u at the token limit)\n",
            gs->mean_tokens, gs->n_eos, gs->n_max);
    fprintf(f, "JSON: %u valid, %u broken, %u incomplete (every prefix still parses), %u broken in the prompt\n",
            gs->n_valid, gs->n_broken, gs->n_incomplete, gs->n_in_prompt);
    struct breaks b = {0};
    if (!gs->n_broken || breaks_get(em, k, &b)) { breaks_free(&b); return; }
    fprintf(f, "where JSON broke (the first generated token after which no completion parses):\n");
    for (uint32_t j = 0; j < b.n; j++) {
        fprintf(f, "  step %3u: %4u", b.steps[j], b.counts[j]);
        for (uint32_t t = 0; t < BREAK_TOP && b.toks[j * BREAK_TOP + t] >= 0; t++) {
            char buf[96];
            tok_text(em->model, b.toks[j * BREAK_TOP + t], disp, buf, sizeof buf);
            fprintf(f, "%s \"%s\" x%u", t ? "," : "  ", buf, b.tcounts[j * BREAK_TOP + t]);
        }
        fputc('\n', f);
    }
    breaks_free(&b);
}

void eval_model_breaks_json(cJSON *obj, const struct eval_model *em, size_t k)
{
    const struct eval_gen_set *gs = &em->gen->sets[k];
    cJSON_AddNumberToObject(obj, "mean_tokens", gs->mean_tokens);
    cJSON *j = cJSON_AddObjectToObject(obj, "json_breaks");
    cJSON_AddNumberToObject(j, "valid", gs->n_valid);
    cJSON_AddNumberToObject(j, "broken", gs->n_broken);
    cJSON_AddNumberToObject(j, "incomplete", gs->n_incomplete);
    cJSON_AddNumberToObject(j, "in_prompt", gs->n_in_prompt);
    cJSON *arr = cJSON_AddArrayToObject(j, "per_step");
    struct breaks b = {0};
    if (!gs->n_broken || breaks_get(em, k, &b)) { breaks_free(&b); return; }
    for (uint32_t s = 0; s < b.n; s++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "step", b.steps[s]);
        cJSON_AddNumberToObject(it, "count", b.counts[s]);
        cJSON *ta = cJSON_AddArrayToObject(it, "tokens");
        for (uint32_t t = 0; t < BREAK_TOP && b.toks[s * BREAK_TOP + t] >= 0; t++) {
            cJSON *to = cJSON_CreateObject();
            size_t l = 0;
            const char *tx = vocab_get(em->model->vocab, b.toks[s * BREAK_TOP + t], &l);
            cJSON_AddNumberToObject(to, "id", b.toks[s * BREAK_TOP + t]);
            model_cli_add_text(to, "text", tx ? tx : "", tx ? l : 0);
            cJSON_AddNumberToObject(to, "count", b.tcounts[s * BREAK_TOP + t]);
            cJSON_AddItemToArray(ta, to);
        }
        cJSON_AddItemToArray(arr, it);
    }
    breaks_free(&b);
}

static void header_text(const struct cli_opts *o, const struct model_cli *mc, const struct eval_model *em,
                        const struct eval_config *cfg)
{
    const char *p = mc->prompt ? mc->prompt : "";
    char buf[512];
    disp_escape(p, strlen(p), o->disp, buf, sizeof buf);
    printf("model %s: %s\nprompt \"%s\" (%u tokens)\n", em->model->name, em->model->description, buf, em->n_prompt);
    model_cli_print_chain(stdout, o);
    printf("%u continuations generated by the model, at most %u tokens each\n", cfg->n_samples, em->gen->max_tokens);
}

int eval_model_cmd(const struct cli_opts *o, const struct model_cli *mc, struct eval_config *cfg,
                   struct ls_error *err)
{
    struct eval_model em;
    memset(&em, 0, sizeof em);
    struct eval_settings set = { o->chain, o->params };
    eval_cli_finish(cfg, o);
    int rc = eval_cli_check(cfg, err);
    if (!rc) rc = eval_model_run(o, mc, cfg, &set, 1, &em, err);
    if (rc) { eval_model_free(&em); return rc; }
    const struct eval_scores *sc = eval_run_scores(em.gen->run, 0);
    if (o->json) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "model", em.model->name);
        model_cli_add_text(d, "prompt", mc->prompt ? mc->prompt : "", mc->prompt ? strlen(mc->prompt) : 0);
        eval_add_header_json(d, em.gen->src, &o->chain, &o->params, cfg);
        cJSON_AddStringToObject(d, "continuations_are", "generated");
        eval_scores_json(d, cfg, sc);
        eval_model_breaks_json(d, &em, 0);
        cJSON *notes = cJSON_AddArrayToObject(d, "notes");
        cJSON_AddItemToArray(notes, cJSON_CreateString(eval_note_generated));
        eval_definitions_json(d);
        rc = cli_print_json(d);
    } else {
        header_text(o, mc, &em, cfg);
        putchar('\n');
        eval_scores_text(stdout, cfg, sc);
        putchar('\n');
        eval_model_breaks_text(stdout, &em, 0, o->disp);
        printf("\nnote: %s.\n", eval_note_generated);
        printf("definitions: logitscope eval --help, docs/EVALUATORS.md\n");
    }
    eval_model_free(&em);
    return rc;
}
