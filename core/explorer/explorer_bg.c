/* explorer_bg.c: the explorer's background work (explorer.h explorer_work):
 * a key's result under way first, then the rest of the current step's
 * history (explorer.c), then the sequence-wide numbers (explorer_seq):
 * per setting, each step's chain along the recorded tokens, its recorded
 * token's p and state, and the running perplexity, computed in the
 * background a slice at a time and cached for the last EX_SEQ_CACHE
 * settings. The chain runs are on the sequence job's worker when the
 * explorer is async (explorer_job.h), else here; reading and scoring stay
 * on the main thread. Units: p in [0, 1] (-1: unknown). */
#include "explorer/explorer_bg.h"
#include "explorer/explorer_job.h"
#include "base/clock.h"
#include "input/replay.h"
#include "sampling/params_table.h"
#include "sampling/topn.h"

#include <stdlib.h>
#include <string.h>

static int same_setting(const struct ex_seq *s, const struct chain *c, const struct params *p)
{
    return s->used && !memcmp(&s->chain, c, sizeof *c) && !memcmp(&s->params, p, sizeof *p);
}

/* Find or claim the cache slot for the current setting. */
static int seq_slot(struct explorer *ex)
{
    if (ex->seq_cur >= 0 && same_setting(&ex->seq[ex->seq_cur], &ex->chain, &ex->params))
        return ex->seq_cur;
    int victim = 0;
    for (int i = 0; i < EX_SEQ_CACHE; i++) {
        if (same_setting(&ex->seq[i], &ex->chain, &ex->params)) { ex->seq_cur = i; return i; }
        if (!ex->seq[i].used) victim = i;
        else if (ex->seq[victim].used && ex->seq[i].stamp < ex->seq[victim].stamp) victim = i;
    }
    struct ex_seq *s = &ex->seq[victim];
    s->used = 1;
    s->chain = ex->chain;
    s->params = ex->params;
    s->done = 0;
    memset(&s->ppl, 0, sizeof s->ppl);
    s->n_err = 0;
    s->n_hist = 0;
    s->mu_set = 0;
    s->warmed = 0;
    ex->seq_cur = victim;
    return victim;
}

const struct ex_seq *explorer_seq(const struct explorer *ex)
{
    if (ex->seq_cur < 0) return NULL;
    const struct ex_seq *s = &ex->seq[ex->seq_cur];
    return same_setting(s, &ex->chain, &ex->params) ? s : NULL;
}

/* Step s->done of the sequence numbers, read into z/info (rec_tok): 1 when
 * the chain must run on it, 0 when its state is known already (an error, no
 * recorded token). */
static int seq_read(struct explorer *ex, struct ex_seq *s, float *z, struct step_info *info)
{
    uint32_t i = s->done;
    struct ls_error e = {0};
    s->p[i] = -1.0f;
    info->token = -1;
    int bad = explorer_read_step(ex, i, z, info, &e);
    int32_t tok = info->token;   /* a step refused for NaN still has its token */
    ex->rec_tok[i] = tok >= 0 && (uint32_t)tok < ex->V ? tok : -1;
    if (bad) { s->state[i] = SEQ_ERROR; s->n_err++; return 0; }
    if (tok < 0 || (uint32_t)tok >= ex->V) { s->state[i] = SEQ_NOTOKEN; return 0; }
    return 1;
}

/* The chain ran on step s->done (ok: r holds it): its numbers. */
static void seq_score(struct explorer *ex, struct ex_seq *s, int ok, const float *z, const struct step_info *info,
                      const struct chain_result *r)
{
    uint32_t i = s->done;
    if (!ok) { s->state[i] = SEQ_ERROR; s->n_err++; return; }
    /* the perplexity evaluator's arithmetic: one definition (eval_ppl.h) */
    struct eval_ppl_point pt;
    eval_ppl_add(&s->ppl, z, info, r, ex->src->vocab, info->token, &pt);
    s->p[i] = pt.unknown ? -1.0f : (float)pt.p_chain;
    s->state[i] = pt.unknown ? SEQ_UNKNOWN : pt.cut ? SEQ_CUT : SEQ_KEPT;
}

static void seq_next(struct explorer *ex, struct ex_seq *s)
{
    uint32_t i = s->done;
    if (ex->rec_tok[i] >= 0) ex->rec_hist[s->n_hist++] = ex->rec_tok[i];
    s->done++;
}

static void seq_step(struct explorer *ex, struct ex_seq *s)
{
    struct step_info info;
    if (seq_read(ex, s, ex->wlogits, &info)) {
        struct ls_error e = {0};
        /* the stages' history and carried state: this slot's, along the recorded tokens */
        chain_ws_set_breakers(&ex->wws, explorer_breakers(ex, &s->chain, &s->params));
        chain_ws_set_context(&ex->wws, ex->rec_hist, s->n_hist, 0, s->done, ex->seed);
        ex->wws.mu = s->mu;
        ex->wws.mu_set = s->mu_set;
        ex->wws.want = CHAIN_WANT_SCORES;   /* the numbers read here: no stage masses */
        int ok = topn_run(&s->chain, &s->params, ex->wlogits, ex->V, info.sparse ? info.tail_mass : -1.0,
                          info.token, 0, &ex->wws, &ex->wres, &e) == LS_OK;
        if (ok) {
            chain_accept(&s->chain, &s->params, &ex->wws, &ex->wres, info.token);
            s->mu = ex->wws.mu;
            s->mu_set = ex->wws.mu_set;
        }
        seq_score(ex, s, ok, ex->wlogits, &info, &ex->wres);
    }
    seq_next(ex, s);
}

/* The sequence job (async explorer): a finished one's numbers go to its
 * slot if that slot still has this setting and waits for this step (else
 * dropped: the slot went to another setting meanwhile). */
static void seq_collect(struct explorer *ex)
{
    struct ex_job *b = ex->sjob;
    ex_job_idle(b);
    struct ex_seq *s = &ex->seq[b->slot];
    if (!same_setting(s, &b->chain, &b->params) || s->done != b->step) return;
    if (b->ok) { s->mu = b->mu; s->mu_set = b->mu_set; }
    seq_score(ex, s, b->ok, b->logits, &b->info, &b->res);
    seq_next(ex, s);
}

/* Read the slot's next step (main thread) and hand its chain run to the
 * sequence job; a step with nothing to run is done here. */
static void seq_begin(struct explorer *ex, struct ex_seq *s)
{
    struct ex_job *b = ex->sjob;
    if (!seq_read(ex, s, b->logits, &b->info)) { seq_next(ex, s); return; }
    b->mode = EXJ_SEQ;
    b->slot = (int)(s - ex->seq);
    b->step = s->done;
    b->position = s->done;
    b->chain = s->chain;
    b->params = s->params;
    b->seed = ex->seed;
    memcpy(b->hist, ex->rec_hist, (size_t)s->n_hist * sizeof *b->hist);
    b->n_hist = s->n_hist;
    b->breaker = explorer_breakers(ex, &s->chain, &s->params);
    b->mu = s->mu;
    b->mu_set = s->mu_set;
    ex_job_start(b);
}

/* explorer_work's sequence numbers with the chain runs on the worker: the
 * main thread reads each step and scores it; a slice waits (asleep) for a
 * run under way at most its budget. */
static unsigned seq_work_async(struct explorer *ex, struct ex_seq *s, long budget_ns)
{
    struct ex_job *b = ex->sjob;
    if (ex_job_warm(b)) return EX_BUSY | EX_WAIT;   /* its first slice: the worker faults the buffers in */
    const int64_t t0 = clock_ns();
    for (int begun = 0;; begun = 1) {   /* at least one step handed over, whatever the budget */
        int st = ex_task_slice(&b->task, budget_ns - (long)(clock_ns() - t0), ex->slice_nowait);
        if (st == EXJ_QUEUED) return EX_BUSY | EX_WAIT;
        if (st == EXJ_DONE) seq_collect(ex);
        if (s->done >= ex->n_steps || (begun && clock_ns() - t0 >= budget_ns)) break;
        seq_begin(ex, s);
    }
    int st = ex_job_state(b);
    return EX_REDRAW | (s->done < ex->n_steps || st != EXJ_IDLE ? EX_BUSY : 0) | (st == EXJ_QUEUED ? EX_WAIT : 0);
}

/* No thread (scripts): the buffers a run of the slot's setting writes
 * (the step's, the workspace's, the result's; the emulation's scratch
 * when its runs go through it) faulted in before its first step, a piece
 * per slice: the first step's run would write 7-30 MiB of fresh pages in
 * one slice (20-100 ms here; issue 9: none over 2 ms). 1 when done. */
static int seq_warm(struct explorer *ex, struct ex_seq *s, long budget_ns)
{
    if (s->warmed == 2) return 1;
    const int slot = (int)(s - ex->seq);
    const int64_t t0 = clock_ns();
    const int listed_now = !s->warmed || ex->wwarm_slot != slot;
    if (listed_now) {
        ex_warm_clear(&ex->wwarm);
        ex_warm_add(&ex->wwarm, ex->wlogits, (size_t)ex->V * sizeof *ex->wlogits, 1);   /* read(2) fills it */
        (void)ex_warm_chain(&ex->wwarm, &s->chain, &s->params, &ex->wws, &ex->wres);   /* none made: the run says so */
        ex->wwarm_slot = slot;
        s->warmed = 1;
    }
    /* half the budget: a piece's faults vary (0.1-1 ms) with the host; the
     * listing may have spent it (it makes the emulation's scratch: ten
     * mallocs, about 1 ms here): then the pieces start next slice */
    long left = budget_ns / 2 - (long)(clock_ns() - t0);
    if (left < 0 && listed_now) return 0;
    if (!ex_warm_run(&ex->wwarm, left < 0 ? 0 : left, NULL)) return 0;
    s->warmed = 2;
    return 1;
}

static unsigned seq_work(struct explorer *ex, long budget_ns)
{
    struct ex_seq *s = &ex->seq[seq_slot(ex)];
    s->stamp = ++ex->seq_clock;
    if (ex->sjob && ex->async) {
        if (s->done >= ex->n_steps && ex_job_state(ex->sjob) == EXJ_IDLE) return EX_NONE;
        return seq_work_async(ex, s, budget_ns);
    }
    if (s->done >= ex->n_steps) return EX_NONE;
    long t0 = (long)clock_ns();
    if (!seq_warm(ex, s, budget_ns)) return EX_BUSY;   /* a slice of faults only: nothing new to draw */
    long now = (long)clock_ns(), last;   /* a step starts only if one as long as the last still fits the budget */
    do {
        long ts = now;
        seq_step(ex, s);
        now = (long)clock_ns();
        last = now - ts;
    } while (s->done < ex->n_steps && now - t0 + last < budget_ns);
    return EX_REDRAW | (s->done < ex->n_steps ? EX_BUSY : 0);
}

/* --- the history's chain runs on a worker (async, threaded) ------------- */

/* A finished history run, accepted into the replay (input/replay.h's
 * fields, as replay_to's loop body sets them after that step) only when
 * the replay still waits for exactly that step in exactly the state the
 * run started from; else dropped (a key rewound the replay or changed the
 * setting, or a whole replay went past the step meanwhile). */
static void hist_collect(struct explorer *ex)
{
    struct ex_job *b = ex->hjob;
    struct replay *h = &ex->rp;
    const uint32_t t = b->step;
    ex_job_idle(b);
    if (h->upto != t || h->accepted != t || t >= ex->step || h->n_hist != b->n_hist ||
        memcmp(&h->c, &b->chain, sizeof h->c) || !params_same(&h->p, &b->params, 1) ||
        memcmp(&ex->ws.mu, &b->mu_in, sizeof b->mu_in) || ex->ws.mu_set != b->mu_set_in)
        return;
    h->n_before[t] = h->n_hist;
    h->mu_before[t] = b->mu_in;
    h->mu_set_before[t] = (uint8_t)b->mu_set_in;
    h->accepted = t + 1;
    ex->ws.mu = b->mu;
    ex->ws.mu_set = b->mu_set;
    int32_t tok = b->info.token;
    if (tok >= 0 && (uint32_t)tok < ex->V) h->hist[h->n_hist++] = tok;
    h->upto = t + 1;
}

/* Read the replay's next step (main thread: the source stays here) and
 * hand its chain run to the history job, with copies of the state. */
static int hist_begin(struct explorer *ex, struct ls_error *e)
{
    struct ex_job *b = ex->hjob;
    const struct replay *h = &ex->rp;
    const uint32_t t = h->upto;
    memset(&b->info, 0, sizeof b->info);
    b->logits_step = -1;   /* the buffer holds no step the key job could reuse */
    if (source_read_step(ex->src, t, b->logits, &b->info, e)) {
        ls_error_prefix(e, ex->src->path);
        return -1;
    }
    b->mode = EXJ_HIST;
    b->step = t;
    b->position = t;
    b->chain = h->c;
    b->params = h->p;
    b->seed = ex->seed;
    if (h->n_hist) memcpy(b->hist, h->hist, (size_t)h->n_hist * sizeof *b->hist);
    b->n_hist = h->n_hist;
    b->breaker = explorer_breakers(ex, &ex->chain, &ex->params);
    b->mu = b->mu_in = ex->ws.mu;
    b->mu_set = b->mu_set_in = ex->ws.mu_set;
    ex_job_start(b);
    return 0;
}

/* explorer_work's history when the chain carries state (mirostat): each
 * earlier step's chain run on the history job's worker, a step at a time
 * in order; the main thread reads the steps and accepts the results. The
 * slice waits (asleep) at most its budget for a run under way. */
static unsigned history_work_async(struct explorer *ex, long budget_ns)
{
    struct ex_job *b = ex->hjob;
    struct replay *h = &ex->rp;
    if (ex_job_warm(b)) return EX_BUSY | EX_WAIT;   /* its first slice: the worker faults the buffers in */
    replay_rewind(h, &ex->chain, &ex->params, ex->step, &ex->ws);
    int st = ex_task_slice(&b->task, budget_ns, ex->slice_nowait);
    if (st == EXJ_QUEUED) return EX_BUSY | EX_WAIT;
    if (st == EXJ_DONE) hist_collect(ex);
    ex->hist_done = h->upto;
    ex->hist_total = ex->step;
    /* arrived (the context and the bookkeeping only), or a step that runs
     * nothing: the main thread's own slice */
    if (h->upto >= ex->step || h->accepted != h->upto) return explorer_history_work(ex, budget_ns);
    struct ls_error e = {0};
    if (hist_begin(ex, &e)) {   /* as explorer_history_work: the next update meets it */
        ex->hist_pending = 0;
        ex->hist_failed = 1;
        ex->stale |= EX_RECOMPUTE;
        return EX_REDRAW | EX_BUSY;
    }
    return EX_REDRAW | EX_BUSY | EX_WAIT;
}

/* The front result's buffers (the main thread's: it reads them, a job
 * writes them only after a swap), once a source; listed again when a key
 * swapped another result in before they were done. */
static int front_warm(struct explorer *ex, long budget_ns)
{
    /* done once: the front and the key jobs' results are the same three
     * buffers, swapped around, and the jobs warm theirs */
    if (ex->fwarm_state == 2) return 0;
    if (!ex->fwarm_state || ex->fwarm_gen != ex->res_gen) {
        const struct chain_result *r = &ex->res;
        size_t V = ex->V;
        ex_warm_clear(&ex->fwarm);
        ex_warm_add(&ex->fwarm, r->p_raw, V * sizeof *r->p_raw, 0);
        ex_warm_add(&ex->fwarm, r->p, V * sizeof *r->p, 0);
        ex_warm_add(&ex->fwarm, r->cut_by, V, 0);
        ex_warm_add(&ex->fwarm, r->kept, V * sizeof *r->kept, 0);
        ex_warm_add(&ex->fwarm, ex->logits, V * sizeof *ex->logits, 1);
        ex->fwarm_gen = ex->res_gen;
        ex->fwarm_state = 1;
    }
    if (ex_warm_run(&ex->fwarm, budget_ns / 2, NULL)) ex->fwarm_state = 2;
    return 1;
}

/* Threaded, async (the terminal): before the sequence numbers, the key
 * jobs' buffers are faulted in on their workers, one job at a time (the
 * other stays free for a key), then the front result's here, so the
 * first visits of steps after an open pay no first touch (issue 9). */
static unsigned keys_warm(struct explorer *ex, long budget_ns)
{
    if (!ex->threaded || !ex->async || !ex->job || !ex->step_loaded) return EX_NONE;   /* after a first result */
    struct ex_job *js[2] = { ex->job, ex->job2 };
    for (int i = 0; i < 2; i++)
        if (js[i] && ex_job_state(js[i]) == EXJ_IDLE && ex_job_warm_key(js[i], &ex->chain, &ex->params))
            return EX_BUSY | EX_WAIT;
    return ex->res_ok && front_warm(ex, budget_ns) ? EX_BUSY : EX_NONE;
}

unsigned explorer_work(struct explorer *ex, long budget_ns)
{
    if (!ex->src) return EX_NONE;
    /* a key's result under way goes first: no work competes with it for
     * the cores; the slice waits for it (asleep) instead */
    if (ex->async && explorer_key_running(ex)) {
        if (budget_ns > 0 && !ex->slice_nowait && !explorer_key_wait_ns(ex, budget_ns)) return EX_BUSY;
        return EX_BUSY | EX_WAIT;
    }
    if (ex->hist_pending) {   /* what is on screen first */
        if (ex->async && ex->hjob && replay_stateful(&ex->chain, &ex->params)) return history_work_async(ex, budget_ns);
        return explorer_history_work(ex, budget_ns);
    }
    unsigned wf = keys_warm(ex, budget_ns);
    if (wf) return wf;
    unsigned fl = seq_work(ex, budget_ns);
    if (fl & EX_REDRAW) explorer_fill_scores(ex);
    return fl;
}
