/* replay.c: the recorded path and the chain's state along it (replay.h). */
#include "input/replay.h"
#include "sampling/params_table.h"
#include "sampling/topn.h"

#include <stdlib.h>
#include <string.h>

int replay_init(struct replay *h, uint32_t n_steps)
{
    memset(h, 0, sizeof *h);
    size_t n = (size_t)n_steps + 1;
    h->n_steps = n_steps;
    h->hist = malloc(n * sizeof *h->hist);
    h->n_before = calloc(n, sizeof *h->n_before);
    h->mu_before = calloc(n, sizeof *h->mu_before);
    h->mu_set_before = calloc(n, 1);
    if (h->hist && h->n_before && h->mu_before && h->mu_set_before) return LS_OK;
    replay_free(h);
    return LS_ELIMIT;
}

void replay_free(struct replay *h)
{
    free(h->hist);
    free(h->n_before);
    free(h->mu_before);
    free(h->mu_set_before);
    memset(h, 0, sizeof *h);
}

int replay_stateful(const struct chain *c, const struct params *p)
{
    return chain_uses(c, p, STAGE_MIROSTAT);
}

int replay_needed(const struct chain *c, const struct params *p)
{
    return chain_uses(c, p, STAGE_PENALTIES) || chain_uses(c, p, STAGE_DRY) || replay_stateful(c, p);
}

void replay_accept(struct replay *h, const struct chain *c, const struct params *p, uint32_t step, int32_t tok,
                   struct chain_ws *ws, const struct chain_result *r)
{
    if (step != h->accepted || step >= h->n_steps) return;   /* accepted already, or a step skipped */
    h->mu_before[step] = ws->mu;
    h->mu_set_before[step] = (uint8_t)ws->mu_set;
    if (tok >= 0) chain_accept(c, p, ws, r, tok);
    h->accepted = step + 1;
}

/* back to step (or to 0 for another setting): the kept history length and
 * state before it */
static void rewind_to(struct replay *h, const struct chain *c, const struct params *p, uint32_t step,
                      struct chain_ws *ws)
{
    if (memcmp(&h->c, c, sizeof *c) || !params_same(&h->p, p, 1)) {
        /* the tokens stay; the state belongs to the setting: replayed anew */
        h->c = *c;
        h->p = *p;
        h->accepted = 0;
        chain_ws_reset_state(ws);
        if (replay_stateful(c, p)) h->upto = h->n_hist = 0;
    }
    if (step < h->upto) { h->upto = step; h->n_hist = h->n_before[step]; }
    if (step < h->accepted) {
        h->accepted = step;
        ws->mu = h->mu_before[step];
        ws->mu_set = h->mu_set_before[step];
    }
}

void replay_rewind(struct replay *h, const struct chain *c, const struct params *p, uint32_t step,
                   struct chain_ws *ws)
{
    rewind_to(h, c, p, step > h->n_steps ? h->n_steps : step, ws);
}

/* step t (read into logits/info) through the chain, its token accepted */
static void run_earlier(struct replay *h, struct source *s, const struct chain *c, const struct params *p,
                        uint32_t t, uint64_t seed, const float *logits, const struct step_info *info,
                        struct chain_ws *ws, struct chain_result *r, int32_t tok)
{
    struct ls_error e = {0};
    chain_ws_set_context(ws, h->hist, h->n_hist, 0, t, seed);
    h->ran++;
    int want = ws->want;
    if (info->sparse) ws->want = CHAIN_WANT_ALL;   /* top-N truth needs the raw numbers (as cli_run_step) */
    /* a step with nothing finite cannot be run: its token is not accepted */
    if (topn_run(c, p, logits, s->vocab_size, info->sparse ? info->tail_mass : -1.0, tok, 0, ws, r, &e) != LS_OK) tok = -1;
    ws->want = want;
    replay_accept(h, c, p, t, tok, ws, r);
}

int replay_to(struct replay *h, struct source *s, const struct chain *c, const struct params *p, uint32_t step,
              uint64_t seed, float *logits, struct step_info *info, struct chain_ws *ws,
              struct chain_result *r, struct ls_error *err)
{
    int stateful = replay_stateful(c, p);
    if (step > h->n_steps) step = h->n_steps;
    h->ran = 0;
    rewind_to(h, c, p, step, ws);
    for (; h->upto < step; h->upto++) {
        uint32_t t = h->upto;
        int rc = source_read_step(s, t, logits, info, err);
        if (rc) { ls_error_prefix(err, s->path); return rc; }
        int32_t tok = info->token >= 0 && (uint32_t)info->token < s->vocab_size ? info->token : -1;
        h->n_before[t] = h->n_hist;
        if (stateful && t == h->accepted) run_earlier(h, s, c, p, t, seed, logits, info, ws, r, tok);
        if (tok >= 0) h->hist[h->n_hist++] = tok;
    }
    h->n_before[step] = h->n_hist;
    if (!stateful) h->accepted = step;
    chain_ws_set_context(ws, h->hist, h->n_hist, 0, step, seed);
    return LS_OK;
}
