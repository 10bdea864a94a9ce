/* replay.c: the recorded path and the chain's state along it (replay.h). */
#include "input/replay.h"
#include "sampling/topn.h"

#include <stdlib.h>
#include <string.h>

int replay_init(struct replay *h, uint32_t n_steps)
{
    memset(h, 0, sizeof *h);
    h->hist = malloc((size_t)(n_steps ? n_steps : 1) * sizeof *h->hist);
    return h->hist ? LS_OK : LS_ELIMIT;
}

void replay_free(struct replay *h)
{
    free(h->hist);
    memset(h, 0, sizeof *h);
}

int replay_stateful(const struct chain *c, const struct params *p)
{
    return chain_uses(c, p, STAGE_MIROSTAT);
}

void replay_accept(struct replay *h, const struct chain *c, const struct params *p, uint32_t step, int32_t tok,
                   struct chain_ws *ws, const struct chain_result *r)
{
    if (step != h->accepted) return;   /* accepted already, or a step skipped */
    if (tok >= 0) chain_accept(c, p, ws, r, tok);
    h->accepted = step + 1;
}

int replay_to(struct replay *h, struct source *s, const struct chain *c, const struct params *p, uint32_t step,
              uint64_t seed, float *logits, struct step_info *info, struct chain_ws *ws,
              struct chain_result *r, struct ls_error *err)
{
    int stateful = replay_stateful(c, p);
    if (step < h->upto || step < h->accepted) {   /* went back: start over */
        h->upto = h->n_hist = h->accepted = 0;
        chain_ws_reset_state(ws);
    }
    for (; h->upto < step; h->upto++) {
        uint32_t t = h->upto;
        int rc = source_read_step(s, t, logits, info, err);
        if (rc) { ls_error_prefix(err, s->path); return rc; }
        int32_t tok = info->token >= 0 && (uint32_t)info->token < s->vocab_size ? info->token : -1;
        if (stateful && t == h->accepted) {
            struct ls_error e = {0};
            chain_ws_set_context(ws, h->hist, h->n_hist, 0, t, seed);
            /* a step with nothing finite cannot be run: its token is not accepted */
            if (topn_run(c, p, logits, s->vocab_size, info->sparse ? info->tail_mass : -1.0, 0, ws, r, &e) == LS_OK)
                replay_accept(h, c, p, t, tok, ws, r);
            else
                h->accepted = t + 1;
        }
        if (tok >= 0) h->hist[h->n_hist++] = tok;
    }
    if (!stateful) h->accepted = step;
    chain_ws_set_context(ws, h->hist, h->n_hist, 0, step, seed);
    return LS_OK;
}
