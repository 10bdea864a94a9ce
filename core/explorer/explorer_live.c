/* explorer_live.c: live generation in the explorer (see explorer_live.h). */
#include "explorer/explorer_live.h"
#include "base/json_util.h"
#include "eval/eval_gen.h"
#include "sampling/params_table.h"
#include "base/clock.h"
#include "base/parse.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the source a continuation becomes ---------------------------------- */

struct live_src { float *logits; int32_t *ids; };

static int live_read(struct source *s, uint32_t step, float *logits, struct step_info *info, struct ls_error *err)
{
    (void)err;
    const struct live_src *l = s->impl;
    memcpy(logits, l->logits + (size_t)step * s->vocab_size, s->vocab_size * sizeof *logits);
    info->token = l->ids[step];
    return LS_OK;
}

static void live_close(struct source *s)
{
    struct live_src *l = s->impl;
    if (l) { free(l->logits); free(l->ids); free(l); }
}

static const struct source_ops live_ops = { "live", live_read, live_close };

static struct source *cont_source(const struct ex_live *lv, const struct gen_cont *c)
{
    char path[160];
    snprintf(path, sizeof path, "live:%s #%u", lv->model->name, c->index);
    struct source *s = source_alloc(&live_ops, path);
    struct live_src *l = calloc(1, sizeof *l);
    if (!s || !l) { free(l); source_close(s); return NULL; }
    s->impl = l;
    uint32_t V = lv->model->V;
    l->logits = malloc((size_t)c->n * V * sizeof *l->logits);
    l->ids = malloc(c->n * sizeof *l->ids);
    s->vocab = vocab_new();
    if (!l->logits || !l->ids || !s->vocab) { source_close(s); return NULL; }
    memcpy(l->logits, c->logits, (size_t)c->n * V * sizeof *l->logits);
    memcpy(l->ids, c->ids, c->n * sizeof *l->ids);
    for (uint32_t i = 0; i < V; i++) {
        size_t n = 0;
        const char *t = vocab_get(lv->model->vocab, (int32_t)i, &n);
        if (vocab_add(s->vocab, t ? t : "", t ? n : 0) < 0) { source_close(s); return NULL; }
    }
    s->n_steps = c->n;
    s->vocab_size = V;
    s->dtype = "f32";
    s->has_tokens = 1;
    return s;
}

/* ---- generation --------------------------------------------------------- */

int explorer_live_open(struct ex_live *lv, const char *model_path, const char *prompt, uint32_t n,
                       uint32_t max_tokens, struct ls_error *err)
{
    memset(lv, 0, sizeof *lv);
    lv->n = n < 1 ? 1 : n > EX_LIVE_MAX ? EX_LIVE_MAX : n;
    lv->max_tokens = max_tokens ? max_tokens : 64;
    lv->fork_tok = -1;
    eval_config_init(&lv->cfg);
    int rc = model_open(model_path, &lv->model, err);
    if (!rc) {
        lv->prompt = strdup(prompt ? prompt : "");
        if (!lv->prompt || gen_ws_init(&lv->ws, lv->model->V)) rc = ls_oom(err);
    }
    if (!rc) rc = model_encode_prompt(lv->model, lv->prompt, strlen(lv->prompt), &lv->prompt_ids, &lv->n_prompt, err);
    if (rc) explorer_live_free(lv);
    return rc;
}

void explorer_live_free(struct ex_live *lv)
{
    for (uint32_t i = 0; i < EX_LIVE_MAX; i++) gen_cont_free(&lv->cont[i]);
    gen_ws_free(&lv->ws);
    model_close(lv->model);
    free(lv->prompt);
    free(lv->prompt_ids);
    memset(lv, 0, sizeof *lv);
}

static int same_settings(const struct gen_request *r, const struct explorer *ex)
{
    /* every field of the chain (mode included) and every parameter */
    return !memcmp(&r->chain, &ex->chain, sizeof r->chain) && params_same(&r->params, &ex->params, 1) &&
           r->seed == ex->seed;
}

static void start(struct ex_live *lv, const struct explorer *ex)
{
    lv->rq = (struct gen_request){ lv->prompt_ids, lv->n_prompt, ex->chain, ex->params, ex->seed,
                                   lv->max_tokens, NULL, 1 };
    for (uint32_t i = 0; i < lv->n; i++) {
        gen_cont_free(&lv->cont[i]);
        gen_begin(&lv->cont[i], &lv->rq, i);
    }
    lv->gen_i = 0;
    lv->running = 1;
    lv->installed = 0;
    lv->sc_ok = 0;
}

/* Every evaluator over the N continuations just generated. */
static void score(struct ex_live *lv, struct explorer *ex)
{
    struct eval_gen_request g = { lv->model, lv->prompt, lv->prompt_ids, lv->n_prompt, lv->max_tokens, NULL };
    struct eval_settings set = { lv->rq.chain, lv->rq.params };
    struct eval_gen *e;
    struct ls_error err = {0};
    lv->sc_ok = !eval_gen_score(&g, &lv->cfg, &set, lv->cont, lv->n, &e, &err);
    if (!lv->sc_ok) { explorer_message(ex, 1, "live: scores: %s", err.msg); return; }
    lv->sc = *eval_run_scores(e->run, 0);
    eval_gen_free(e);
}

const struct eval_scores *explorer_live_scores(const struct ex_live *lv)
{
    return lv->model && !lv->running && lv->sc_ok ? &lv->sc : NULL;
}

static int json_ok(const char *prompt, const char *text)
{
    size_t a = strlen(prompt), b = strlen(text);
    char *s = malloc(a + b + 1);
    if (!s) return 0;
    memcpy(s, prompt, a);
    memcpy(s + a, text, b + 1);
    cJSON *d = json_value_of(s, a + b); /* eval's test, not cJSON_Parse's laxer one */
    free(s);
    cJSON_Delete(d);
    return d != NULL;
}

static uint32_t count_valid(const struct ex_live *lv)
{
    uint32_t v = 0;
    for (uint32_t i = 0; i < lv->n; i++) v += json_ok(lv->prompt, lv->cont[i].text ? lv->cont[i].text : "");
    return v;
}

/* The message after a generation: what is shown, and A/B when held. */
static void live_message(const struct ex_live *lv, struct explorer *ex)
{
    const struct gen_cont *c = &lv->cont[lv->pick];
    if (!lv->ab) {
        explorer_message(ex, 0, "live: %u continuations generated (#%u shown, %u tokens, %s; %u/%u valid JSON): %.120s",
                         lv->n, lv->pick, c->n, gen_end_name(c->end), count_valid(lv), lv->n, c->text ? c->text : "");
        return;
    }
    explorer_message(ex, 0, "A/B: A%s%s T=%g p=%g k=%d m=%g: %u/%u valid JSON | B%s%s T=%g p=%g k=%d m=%g: %u/%u | A#%u: %.50s | B#%u: %.50s",
                     lv->ab_model[0][0] ? " " : "", lv->ab_model[0], lv->ab_rq.params.temperature,
                     lv->ab_rq.params.top_p, (int)lv->ab_rq.params.top_k, lv->ab_rq.params.min_p, lv->ab_valid, lv->n,
                     lv->ab_model[1][0] ? " " : "", lv->ab_model[1], lv->rq.params.temperature, lv->rq.params.top_p,
                     (int)lv->rq.params.top_k, lv->rq.params.min_p, count_valid(lv), lv->n, lv->pick,
                     lv->ab_text[lv->pick], lv->pick, c->text ? c->text : "");
}

static unsigned install(struct ex_live *lv, struct explorer *ex)
{
    const struct gen_cont *c = &lv->cont[lv->pick];
    lv->installed = 1;
    if (!c->n) { explorer_message(ex, 1, "live: continuation #%u is empty (%s)", lv->pick, gen_end_name(c->end)); return EX_REDRAW; }
    uint32_t step = ex->step;
    struct ls_error err = {0};
    struct source *s = cont_source(lv, c);
    if (!s) { explorer_message(ex, 1, "live: out of memory"); return EX_REDRAW; }
    if (explorer_set_source(ex, s, &err)) { explorer_message(ex, 1, "live: %s", err.msg); return EX_REDRAW; }
    explorer_set_step(ex, step < ex->n_steps ? step : ex->n_steps - 1);
    live_message(lv, ex);
    return EX_RECOMPUTE;
}

unsigned explorer_live_work(struct ex_live *lv, struct explorer *ex, long budget_ns)
{
    if (!lv->model) return EX_NONE;
    if (!same_settings(&lv->rq, ex) || (!lv->running && !lv->installed && lv->gen_i == 0 && !lv->cont[0].ids))
        start(lv, ex);
    if (!lv->running) return EX_NONE;
    int64_t t0 = clock_ns();
    struct ls_error err = {0};
    while (lv->gen_i < lv->n) {
        struct gen_cont *c = &lv->cont[lv->gen_i];
        if (c->end) { lv->gen_i++; continue; }
        if (gen_step(lv->model, &lv->rq, c, &lv->ws, &err)) {
            lv->running = 0;
            explorer_message(ex, 1, "live: %s", err.msg);
            return EX_REDRAW;
        }
        if (clock_ns() - t0 > budget_ns) return EX_BUSY;
    }
    lv->running = 0;
    score(lv, ex);
    return install(lv, ex);
}

const char *explorer_live_text(const struct ex_live *lv, uint32_t i)
{
    return i < lv->n && lv->cont[i].text ? lv->cont[i].text : NULL;
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_prompt(struct ex_live *lv, struct explorer *ex, const char *rest)
{
    int32_t *ids;
    uint32_t n;
    struct ls_error err = {0};
    char *p = strdup(rest);
    if (!p) { explorer_message(ex, 1, "prompt: out of memory"); return EXC_ERROR; }
    if (model_encode_prompt(lv->model, p, strlen(p), &ids, &n, &err)) {
        free(p);
        explorer_message(ex, 1, "prompt: %s", err.msg);
        return EXC_ERROR;
    }
    free(lv->prompt); free(lv->prompt_ids);
    lv->prompt = p; lv->prompt_ids = ids; lv->n_prompt = n;
    lv->ab = 0;
    lv->paired[0] = 0;   /* A was the row's prompt: no longer comparable */
    start(lv, ex);
    explorer_message(ex, 0, "prompt: %u tokens; generating", n);
    return EXC_OK;
}

static int cmd_pick(struct ex_live *lv, struct explorer *ex, const char *arg)
{
    long v;
    struct ls_error err = {0};
    if (parse_long(arg, 0, (long)lv->n - 1, &v, &err)) { explorer_message(ex, 1, "pick: %s", err.msg); return EXC_ERROR; }
    lv->pick = (uint32_t)v;
    if (!lv->running) install(lv, ex);
    return EXC_OK;
}

static int cmd_fork(struct ex_live *lv, struct explorer *ex, const char *arg)
{
    long tok = -1;
    struct ls_error err = {0};
    if (*arg && parse_long(arg, 0, (long)lv->model->V - 1, &tok, &err)) { explorer_message(ex, 1, "fork: %s", err.msg); return EXC_ERROR; }
    if (!*arg) tok = ex->dist_sel < ex->n_top ? ex->top[ex->dist_sel] : -1;
    if (tok < 0 || lv->running) { explorer_message(ex, 1, "fork: %s", lv->running ? "still generating" : "no token selected"); return EXC_ERROR; }
    if (gen_fork(lv->model, &lv->rq, &lv->cont[lv->pick], ex->step, (int32_t)tok, &err)) {
        explorer_message(ex, 1, "fork: %s", err.msg);
        return EXC_ERROR;
    }
    lv->gen_i = 0;
    lv->running = 1;
    lv->installed = 0;
    lv->sc_ok = 0;
    return EXC_OK;
}

/* Hold a's continuations (a may be lv) as A. */
static void hold(struct ex_live *lv, const struct ex_live *a)
{
    lv->ab = 1;
    lv->ab_rq = a->rq;
    for (uint32_t i = 0; i < lv->n; i++)
        snprintf(lv->ab_text[i], sizeof lv->ab_text[i], "%s", i < a->n && a->cont[i].text ? a->cont[i].text : "");
    lv->ab_valid = count_valid(a);
    lv->ab_sc = a->sc;
    lv->ab_sc_ok = a->sc_ok;
    lv->ab_model[0][0] = lv->ab_model[1][0] = 0;
}

static int cmd_ab(struct ex_live *lv, struct explorer *ex)
{
    if (lv->paired[0]) {
        explorer_message(ex, 1, "ab: a paired dataset row always compares A (%s) with B (%s); :prompt TEXT ends the pairing",
                         lv->paired, lv->model->name);
        return EXC_ERROR;
    }
    if (lv->ab) { lv->ab = 0; explorer_message(ex, 0, "A/B off"); return EXC_OK; }
    if (lv->running) { explorer_message(ex, 1, "ab: still generating"); return EXC_ERROR; }
    hold(lv, lv);
    live_message(lv, ex);
    return EXC_OK;
}

void explorer_live_hold(struct ex_live *lv, const struct ex_live *a, struct explorer *ex)
{
    hold(lv, a);
    snprintf(lv->ab_model[0], sizeof lv->ab_model[0], "%.63s", a->model->name);
    snprintf(lv->ab_model[1], sizeof lv->ab_model[1], "%.63s", lv->model->name);
    if (!lv->running) live_message(lv, ex);
}

void explorer_live_pair(struct ex_live *lv, const char *a_model)
{
    snprintf(lv->paired, sizeof lv->paired, "%.63s", a_model);
}

int explorer_live_command(struct ex_live *lv, struct explorer *ex, const char *line)
{
    while (isspace((unsigned char)*line)) line++;
    size_t wl = 0;
    while (line[wl] && !isspace((unsigned char)line[wl])) wl++;
    const char *rest = line + wl;
    while (isspace((unsigned char)*rest)) rest++;
    static const char *const words[] = { "prompt", "pick", "fork", "ab" };
    int w = -1;
    for (int i = 0; i < 4; i++) if (wl == strlen(words[i]) && !strncmp(line, words[i], wl)) w = i;
    if (w < 0) return EXC_UNKNOWN;
    if (!lv->model) { explorer_message(ex, 1, "%s: live mode is off (start with --model MODEL)", words[w]); return EXC_ERROR; }
    switch (w) {
    case 0: return cmd_prompt(lv, ex, rest);
    case 1: return cmd_pick(lv, ex, rest);
    case 2: return cmd_fork(lv, ex, rest);
    default: return cmd_ab(lv, ex);
    }
}
