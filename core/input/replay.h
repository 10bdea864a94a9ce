/* replay.h: a source's recorded path up to a step, and the chain's carried
 * state along it.
 *
 * Stateful stages read the tokens before a step (penalties, DRY: the
 * history given by chain_ws_set_context) and carry state over steps
 * (mirostat's mu: chain_accept). The real system at step N has accepted the
 * tokens of steps 0..N-1; to show step N as it would see it, the state is
 * replayed along the recorded tokens: each earlier step is run through the
 * chain and its recorded token accepted. A step that records no token adds
 * nothing and leaves the state as it was; a recorded token the chain cut
 * leaves mu unchanged (chain_accept: the system could not have drawn it).
 *
 * One replay per chain_ws. Reading forward in step order costs one read
 * per step, plus one chain run per step only when the chain carries state;
 * going back costs nothing (the history length and the state before every
 * step are kept); a different chain or parameters start over. */
#ifndef LS_REPLAY_H
#define LS_REPLAY_H

#include "input/source.h"
#include "sampling/chain.h"

struct replay {
    uint32_t n_steps;
    int32_t *hist;        /* recorded tokens of steps [0, upto) that have one */
    uint32_t n_hist;
    uint32_t *n_before;   /* per step t <= upto: entries of hist before step t */
    double *mu_before;    /* per step t <= accepted: the carried state before t */
    uint8_t *mu_set_before;
    uint32_t upto;        /* steps read */
    uint32_t accepted;    /* steps the carried state has seen */
    uint32_t ran;         /* chain runs the last replay_to made (on ws and r) */
    struct chain c;       /* the setting the state belongs to */
    struct params p;
};

int replay_init(struct replay *h, uint32_t n_steps);
void replay_free(struct replay *h);
/* The chain carries state over steps (mirostat on and in the chain). */
int replay_stateful(const struct chain *c, const struct params *p);
/* The chain reads the history or carries state (penalties, DRY, mirostat). */
int replay_needed(const struct chain *c, const struct params *p);

/* Bring h, and ws's carried state when the chain has one, to just before
 * `step`, reading the steps in between into logits/info (scratch of V) and
 * running them through r. Leaves ws's context set for `step`. */
int replay_to(struct replay *h, struct source *s, const struct chain *c, const struct params *p, uint32_t step,
              uint64_t seed, float *logits, struct step_info *info, struct chain_ws *ws,
              struct chain_result *r, struct ls_error *err);
/* The first part of replay_to alone: back to `step` (or to step 0 for
 * another setting) without reading anything, so a caller can then go
 * forward a step at a time (replay_to(h, .., h->upto + 1, ..)) and stop
 * between steps (the explorer's bounded background work). */
void replay_rewind(struct replay *h, const struct chain *c, const struct params *p, uint32_t step,
                   struct chain_ws *ws);
/* After `step` ran into r: accept its recorded token tok (once per step;
 * tok < 0: none, the state stays). */
void replay_accept(struct replay *h, const struct chain *c, const struct params *p, uint32_t step, int32_t tok,
                   struct chain_ws *ws, const struct chain_result *r);

#endif
