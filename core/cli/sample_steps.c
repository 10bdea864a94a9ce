/* sample_steps.c: sample's draws over steps on step workers (see
 * sample_steps.h). Take: the step lent (cli_step_take; a source whose
 * reads may run at once, source.h lend_concurrent: lent in compute);
 * compute: its chain and its final p's block sums (cli_step_compute,
 * draw_blocks_build: a few draws over many survivors need no V-long
 * prefix sums, and give draw_token's answers);
 * commit, in step order: the draws from the one stream, the rows, and the
 * drawn token accepted into the history.
 * On several workers (no history: nothing accepted) a step's draws are
 * made in its compute instead, from the worker's copy of the stream moved
 * on to the step's place in it (one uniform a draw, count a step: the
 * serial pass's draws), into a ring that the commit prints from in step
 * order (step_pipe's ahead): a worker goes on to its next step while a
 * slow one (a broad top-p step costs ten narrow ones) is still computed. */
#include "cli/sample_steps.h"
#include "base/step_pipe.h"
#include "report/report.h"
#include "sampling/draw.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

struct worker {
    struct cli_step *st;     /* worker 0: the command's own */
    struct cli_step own;
    double *cum;             /* V: the step's prefix sums, when the draws need them */
    double *pre;             /* draw_blocks_len(V): its block sums */
    struct draw_blocks d;
    struct ls_error err;
    struct rng g;            /* ahead: the worker's copy of the stream, */
    uint64_t used;           /* with this many uniforms drawn from it */
};

/* ahead: a step's draws and what its rows print, or its failure */
#define SAMPLE_AHEAD 32u
#define SAMPLE_AHEAD_DRAWS 4
struct drawn {
    int32_t tok[SAMPLE_AHEAD_DRAWS];
    double p[SAMPLE_AHEAD_DRAWS];
    int sparse;
    double tail;
    struct ls_error err;
};

struct run {
    struct cli_one *c;
    const struct sample_plan *plan;
    struct rng *g;
    cJSON *arr;
    int approx;
    uint64_t committed;      /* ahead: steps printed */
    struct worker w[STEP_PIPE_MAX_WORKERS];
    struct drawn ring[SAMPLE_AHEAD];
};

/* One drawn token with its final p: a JSON item or a table row; sparse:
 * drawn from a top-N step's known tokens (its unknown tail's mass). */
static void put_row(const struct cli_one *c, cJSON *arr, uint32_t step, int32_t id, double p, int sparse,
                    double tail)
{
    if (id < 0) {   /* draw_token: nothing kept (a top-N step listing no token) */
        if (!arr) { printf("%6u %8s  %-24s %10s\n", step, "-", "(nothing to draw)", "-"); return; }
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "step", step);
        cJSON_AddNullToObject(it, "id");
        cJSON_AddItemToArray(arr, it);
        return;
    }
    if (!arr) {
        char buf[256];
        report_token_cell(c->s, id, c->o.disp, 24, buf, sizeof buf);
        printf("%6u %8lld  %s %10.6f\n", step, (long long)source_file_id(c->s, id), buf, p);
        return;
    }
    cJSON *it = cJSON_CreateObject();
    cJSON_AddNumberToObject(it, "step", step);
    cJSON_AddNumberToObject(it, "id", (double)source_file_id(c->s, id));
    report_add_text(it, c->s, id);
    cJSON_AddNumberToObject(it, "p", p);
    if (sparse) { /* top-N source: drawn from the known tokens only */
        cJSON_AddBoolToObject(it, "approximate", 1);
        cJSON_AddNumberToObject(it, "tail_mass", tail);
    }
    cJSON_AddItemToArray(arr, it);
}

static void put_draw(const struct cli_one *c, const struct cli_step *st, cJSON *arr, uint32_t step, int32_t id)
{
    put_row(c, arr, step, id, id >= 0 ? st->res.p[id] : 0.0, st->info.sparse, st->info.tail_mass);
}

/* worker 0 reads into the source's buffer, as a serial pass does; the
 * others into their own, so a step stays theirs while later ones are read.
 * Each step is read once, front to back: copied into the workers'
 * buffers, not lent from a map whose every page is new (source.h). */
static int lend(struct run *R, int wi, uint32_t step)
{
    struct worker *w = &R->w[wi];
    return cli_step_lend(R->c->s, step, w->st, wi ? w->st->logits : NULL, SOURCE_LEND_READ, &w->err);
}

static int take(void *ctx, int wi, uint32_t step)
{
    struct run *R = ctx;
    struct worker *w = &R->w[wi];
    int rc = cli_step_begin(&R->c->o, R->c->s, step, w->st, &w->err);
    /* a source whose reads may run at once is read in compute (source.h) */
    return rc || R->c->s->lend_concurrent ? rc : lend(R, wi, step);
}

static int compute(void *ctx, int wi, uint32_t step)
{
    struct run *R = ctx;
    struct worker *w = &R->w[wi];
    int rc = R->c->s->lend_concurrent ? lend(R, wi, step) : LS_OK;
    if (!rc) rc = cli_step_compute(&R->c->o, R->c->s, step, w->st, &w->err);
    uint32_t draws = R->plan->count < UINT32_MAX ? (uint32_t)R->plan->count : UINT32_MAX;
    if (!rc) w->d = draw_blocks_build(&w->st->res, draws, w->pre, w->cum);
    return rc;
}

static int commit(void *ctx, int wi, uint32_t step)
{
    struct run *R = ctx;
    struct worker *w = &R->w[wi];
    R->approx |= w->st->info.sparse;
    for (long i = 0; i < R->plan->count; i++) {
        int32_t tok = draw_blocks_token(&w->d, R->g);
        put_draw(R->c, w->st, R->arr, step, tok);
        /* the state (mirostat's mu) follows the recorded tokens (compute
         * accepted the step's own); a step recording none takes the draw */
        if (R->plan->all) cli_step_accept(&R->c->o, w->st, step, tok);
    }
    return LS_OK;
}

/* ahead: take, its failure's message kept with the step */
static int take_ahead(void *ctx, int wi, uint32_t step)
{
    struct run *R = ctx;
    int rc = take(ctx, wi, step);
    if (rc) R->ring[step % SAMPLE_AHEAD].err = R->w[wi].err;
    return rc;
}

/* ahead: compute, then the step's draws from the worker's copy of the
 * stream, moved on to the step's first uniform (the serial pass's) */
static int compute_ahead(void *ctx, int wi, uint32_t step)
{
    struct run *R = ctx;
    struct worker *w = &R->w[wi];
    struct drawn *o = &R->ring[step % SAMPLE_AHEAD];
    int rc = compute(ctx, wi, step);
    if (rc) { o->err = w->err; return rc; }
    uint64_t count = (uint64_t)R->plan->count, at = (uint64_t)(step - R->plan->first) * count;
    for (; w->used < at; w->used++) (void)rng_next(&w->g);
    for (uint64_t i = 0; i < count; i++) {
        int32_t tok = draw_blocks_token(&w->d, &w->g);
        o->tok[i] = tok;
        o->p[i] = tok >= 0 ? w->st->res.p[tok] : 0.0;
    }
    w->used += count;
    o->sparse = w->st->info.sparse;
    o->tail = w->st->info.tail_mass;
    return LS_OK;
}

static int commit_ahead(void *ctx, int wi, uint32_t step)
{
    (void)wi;
    struct run *R = ctx;
    const struct drawn *o = &R->ring[step % SAMPLE_AHEAD];
    R->approx |= o->sparse;
    for (long i = 0; i < R->plan->count; i++) put_row(R->c, R->arr, step, o->tok[i], o->p[i], o->sparse, o->tail);
    R->committed++;
    return LS_OK;
}

int sample_steps_workers(const struct cli_one *c, const struct sample_plan *plan)
{
    int nw = plan->threads < 1 ? 1 : plan->threads;
    if (nw > STEP_PIPE_MAX_WORKERS) nw = STEP_PIPE_MAX_WORKERS;
    /* the history is the draws: each step waits for the one before */
    if (replay_needed(&c->o.chain, &c->o.params)) return 1;
    if (plan->n < SAMPLE_MIN_THREADED_STEPS * (uint32_t)nw) nw = (int)(plan->n / SAMPLE_MIN_THREADED_STEPS);
    /* a worker's buffers: the step, the chain's workspace and result, the
     * prefix sums: about 80 bytes a token (61 allocated at once, the
     * emulation's scratch on use) */
    uint64_t per = (uint64_t)(c->s->vocab_size ? c->s->vocab_size : 1) * 80u;
    while (nw > 1 && per * (uint64_t)(nw - 1) > SAMPLE_PIPE_MEMORY) nw--;
    return nw < 1 ? 1 : nw;
}

/* Workers 0..nw-1's buffers; returns how many could be had (>= 1 unless
 * worker 0's prefix sums could not: 0). */
static int workers_init(struct run *R, int nw)
{
    uint32_t V = R->c->s->vocab_size;
    size_t n = V ? V : 1;
    for (int i = 0; i < nw; i++) {
        struct worker *w = &R->w[i];
        w->st = i ? &w->own : &R->c->st;
        if (i && cli_step_init(w->st, V)) return i;
        w->st->ws.want = CHAIN_WANT_DRAW; /* draws need no raw softmax (cli_step_compute keeps it for top-N steps) */
        w->cum = malloc(n * sizeof *w->cum);
        w->pre = malloc(draw_blocks_len((uint32_t)n) * sizeof *w->pre);
        if (!w->cum || !w->pre) {
            free(w->cum);
            free(w->pre);
            if (i) cli_step_free(w->st);
            return i;
        }
    }
    return nw;
}

static void workers_free(struct run *R, int nw)
{
    for (int i = 0; i < nw; i++) {
        free(R->w[i].cum);
        free(R->w[i].pre);
        if (i) cli_step_free(&R->w[i].own);
    }
}

int sample_steps_run(struct cli_one *c, const struct sample_plan *plan, struct rng *g, struct cJSON *arr,
                     int *approx)
{
    struct run R = { .c = c, .plan = plan, .g = g, .arr = arr };
    int nw = workers_init(&R, sample_steps_workers(c, plan));
    if (nw < 1) return ls_fail(&c->err, LS_ELIMIT, "out of memory for V = %u", c->s->vocab_size);
    static const struct step_pipe_ops ops = { take, compute, commit, 0 };
    static const struct step_pipe_ops ahead = { take_ahead, compute_ahead, commit_ahead, SAMPLE_AHEAD };
    /* several workers: no history to accept draws into (sample_steps_workers) */
    int use_ahead = nw > 1 && plan->count >= 1 && plan->count <= SAMPLE_AHEAD_DRAWS;
    for (int i = 0; i < nw; i++) R.w[i].g = *g;
    int failed = 0;
    /* reads that run at once leave nothing for extra workers to wait on */
    int by_timing = plan->auto_threads && !c->s->lend_concurrent;
    int rc = (by_timing ? step_pipe_run_auto : step_pipe_run)(use_ahead ? &ahead : &ops, &R, nw, plan->first,
                                                              plan->n, &failed);
    if (rc) c->err = use_ahead ? R.ring[failed].err : R.w[failed].err;
    for (uint64_t k = 0; use_ahead && k < R.committed * (uint64_t)plan->count; k++) (void)rng_next(g); /* as served */
    workers_free(&R, nw);
    *approx |= R.approx;
    return rc;
}
