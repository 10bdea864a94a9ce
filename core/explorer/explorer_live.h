/* explorer_live.h: the explorer's live mode: a model (model/model.h)
 * writes N whole continuations of a prompt under the explorer's current
 * chain, parameters and seed, and the explorer shows one of them as its
 * source, step by step, like a dump (distribution, chain, cut tokens).
 *
 * Every change of a setting regenerates: explorer_live_work notices that
 * the explorer's chain, parameters or seed differ from those of the
 * continuations it holds and generates again, in slices of a time budget
 * like the evaluators (explorer_eval.h), so no key waits behind it. When
 * all N are done, continuation `pick` becomes the explorer's source (a
 * copy: the logits of every step, the chosen tokens, the vocabulary) and
 * the step is kept where it was when it still exists.
 *
 * Commands (explorer_live_command; rows in explorer_commands):
 *   prompt TEXT   a new prompt (regenerates)
 *   pick N        show continuation N (0-based)
 *   fork [ID]     at the current step, take token ID (default: the token
 *                 selected in the distribution list) and regenerate the
 *                 shown continuation from there (steps before stay)
 *   ab            hold the current settings as A: the message line then
 *                 compares A's and the current (B) continuations; again:
 *                 off, until the next :ab (a change of a setting keeps it
 *                 as set). In a paired dataset row (explorer_live_pair) A
 *                 is the row's version A and A/B stays on: :ab says so and
 *                 changes nothing, until a new :prompt ends the pairing.
 *
 * Who writes what: everything here is written by explorer_live_* only; the
 * explorer's source is replaced through explorer_set_source.
 *
 *   struct ex_live lv; explorer_live_open(&lv, "samples/model.lsm", "{", 4, 64, &err);
 *   while (explorer_live_work(&lv, &ex, 4000000) & EX_BUSY) ;
 *   explorer_live_free(&lv);
 */
#ifndef LS_EXPLORER_LIVE_H
#define LS_EXPLORER_LIVE_H

#include "explorer/explorer.h"
#include "eval/eval.h"
#include "model/generate.h"

#define EX_LIVE_MAX 16
#define EX_LIVE_TEXT 160     /* bytes of each continuation kept for A/B */
/* The prompt of `logitscope` with no file: the model writes a JSON record. */
#define EX_LIVE_DEFAULT_PROMPT "{\"name\": \""
#define EX_LIVE_PROMPT_SHOWN "'{\"name\": \"'"

struct ex_live {
    struct model *model;             /* owned; NULL: live mode is off */
    char *prompt;                    /* owned, valid UTF-8 */
    int32_t *prompt_ids;
    uint32_t n_prompt;
    uint32_t n, max_tokens;
    struct gen_cont cont[EX_LIVE_MAX];
    struct gen_ws ws;
    struct gen_request rq;           /* the settings being generated / shown */
    uint32_t gen_i;                  /* next continuation to finish; n = all done */
    int running;                     /* a generation is under way */
    int installed;                   /* the shown source is the current generation */
    uint32_t pick;
    int32_t fork_tok;                /* pending fork: token at fork_step, -1 none */
    uint32_t fork_step;
    /* A/B: A's settings and its continuations' texts */
    int ab;
    struct gen_request ab_rq;
    char ab_text[EX_LIVE_MAX][EX_LIVE_TEXT];
    uint32_t ab_valid;               /* A's continuations that parse as JSON (prompt + text) */
    char ab_model[2][64];            /* A's and this model's names when A came from another
                                        model (explorer_live_hold); "" for :ab */
    char paired[64];                 /* model A's name while this is a paired dataset row's
                                        version B (explorer_live_pair): A/B is not optional */
    /* scores of the N continuations (eval_gen_score: every evaluator of
     * `eval --model`, means over the continuations), and A's when held */
    struct eval_config cfg;          /* evaluator options (the app sets them) */
    struct eval_scores sc, ab_sc;
    int sc_ok, ab_sc_ok;
};

int explorer_live_open(struct ex_live *lv, const char *model_path, const char *prompt, uint32_t n,
                       uint32_t max_tokens, struct ls_error *err);
void explorer_live_free(struct ex_live *lv);
/* One slice: regenerate when the settings changed, install when done. */
unsigned explorer_live_work(struct ex_live *lv, struct explorer *ex, long budget_ns);
/* Run a live command; EXC_UNKNOWN when the line is not one (or live is off
 * and it is not one of its words: then it says live mode is off). */
int explorer_live_command(struct ex_live *lv, struct explorer *ex, const char *line);
/* Hold another live generation's continuations as A (its model and
 * prompt may differ; the dataset table's paired prompt rows: A = model A,
 * this one = model B), as :ab holds this one's; the message says so when
 * this one is not generating. */
void explorer_live_hold(struct ex_live *lv, const struct ex_live *a, struct explorer *ex);
/* This generation is a paired dataset row's version B; version A comes
 * from model a_model (explorer_live_hold). Until a new prompt, :ab does
 * not turn A/B off. */
void explorer_live_pair(struct ex_live *lv, const char *a_model);
/* The scores of the shown generation, NULL while generating or on failure. */
const struct eval_scores *explorer_live_scores(const struct ex_live *lv);
/* Continuation i's text (NUL-terminated) or NULL. */
const char *explorer_live_text(const struct ex_live *lv, uint32_t i);

#endif
