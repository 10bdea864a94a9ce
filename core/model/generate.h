/* generate.h: whole continuations from a model source under a sampler chain.
 *
 * Continuation i of a request draws from its own stream, rng seeded with
 * seed + i (base/rng.h), one uniform per token through the one draw
 * (sampling/draw.h): the same model, prompt, chain and seed give the same
 * text on every machine, and continuation i does not depend on how many
 * others were asked for. A continuation ends at the model's end-of-text
 * token (not part of the text), after max_tokens tokens, when the text
 * contains the stop string (the text is cut before it), or when the chain
 * keeps nothing.
 *
 * Generation is a stepper so the explorer can run it in slices:
 *   struct gen_ws ws; gen_ws_init(&ws, m->V);
 *   struct gen_cont c; gen_begin(&c, &req, i);
 *   while (!c.end) gen_step(m, &req, &c, &ws, &err);
 *   ... c.text, c.ids ...; gen_cont_free(&c); gen_ws_free(&ws);
 * or gen_run for the loop. Ownership: a gen_cont owns its arrays; the
 * request's prompt and stop string are borrowed for the request's life.
 *
 * fork: gen_fork(&c, step, token) keeps steps [0, step), forces `token` at
 * `step` and continues from there with the continuation's own stream at the
 * position the kept steps left it (so a fork at the last step with the same
 * token changes nothing).
 *
 * Carried state: a continuation owns its context (prompt + generated ids,
 * appended in place: a step never copies the context, so its cost does not
 * grow with the position) and its mirostat mu. gen_step gives the chain the
 * context (penalties, DRY, XTC's per-position draws, seeded seed + i) and
 * the continuation's mu, then calls chain_accept with the chosen token and
 * keeps the updated mu; mu after every step is kept so a fork resumes with
 * the mu of the step it forks at. A forced token the chain cut (p = 0)
 * leaves mu as it was: -log2(0) would send it to -inf. One gen_ws serves
 * any number of continuations, interleaved or not. */
#ifndef LS_GENERATE_H
#define LS_GENERATE_H

#include <stdint.h>
#include "base/rng.h"
#include "base/status.h"
#include "sampling/chain.h"
#include "model/model.h"
#include "model/gen_cache.h"

enum gen_end { GEN_RUNNING = 0, GEN_EOS, GEN_MAX_TOKENS, GEN_STOP, GEN_NOTHING_KEPT };

struct gen_request {
    const int32_t *prompt;     /* prompt ids (borrowed) */
    uint32_t n_prompt;
    struct chain chain;
    struct params params;
    uint64_t seed;
    uint32_t max_tokens;       /* >= 1 */
    const char *stop;          /* NULL or "" = none */
    int keep_logits;           /* 1: keep every step's raw logits (dump, inspection) */
};

struct gen_cont {
    uint32_t index;            /* i: stream seed + i */
    struct rng g;
    int32_t *ctx;              /* prompt ids then the generated ones (owned) */
    uint32_t n_prompt;         /* prompt ids at the front of ctx */
    int32_t *ids;              /* generated tokens: ctx + n_prompt (not separately owned) */
    double *mu;                /* mirostat mu after each step (NaN: not set) */
    double mu_now;             /* carried mu before the next step */
    int mu_set;
    double *p;                 /* final p of each chosen token under the chain */
    double *p_raw;             /* raw p of each (T = 1, unfiltered) */
    float *logits;             /* n * V raw logits when keep_logits */
    uint32_t n, cap;
    char *text;                /* decoded text (NUL-terminated), cut at the stop string */
    size_t text_len, text_cap;
    enum gen_end end;
    int32_t forced;            /* token forced at the next step (fork), -1 none */
};

/* res holds the last chain run; a step served by the cache (gen_cache.h)
 * runs no chain, so res is not the last step's: read a continuation's
 * p / p_raw, not res. no_cache = 1 runs the chain at every step (the
 * bench's baseline). */
struct gen_ws {
    uint32_t V;
    float *z;
    struct chain_ws ws;
    struct chain_result res;
    double *cum;
    struct gen_cache *cache;
    int no_cache;
};

int gen_ws_init(struct gen_ws *w, uint32_t V);
void gen_ws_free(struct gen_ws *w);
void gen_begin(struct gen_cont *c, const struct gen_request *r, uint32_t index);
/* One token; sets c->end when the continuation is over. */
int gen_step(struct model *m, const struct gen_request *r, struct gen_cont *c, struct gen_ws *w,
             struct ls_error *err);
int gen_run(struct model *m, const struct gen_request *r, struct gen_cont *c, struct gen_ws *w,
            struct ls_error *err);
/* Keep steps [0, step), force token at step (0 <= step <= c->n). */
int gen_fork(struct model *m, const struct gen_request *r, struct gen_cont *c, uint32_t step,
             int32_t token, struct ls_error *err);
void gen_cont_free(struct gen_cont *c);
/* "end of text", "max tokens", "stop string", "nothing kept", "running" */
const char *gen_end_name(enum gen_end e);

#endif
