/* explorer_diff.c: the explorer's comparison with a second dump (see
 * explorer_diff.h). The per-step numbers are those of `logitscope diff`
 * (div_step_bounds over the same ids), so the view and the CLI agree. */
#include "explorer/explorer_diff.h"
#include "input/nonfinite.h"
#include "input/token_match.h"
#include "base/clock.h"
#include "explorer/explorer.h"
#include "explorer/explorer_task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void bufs_free(struct explorer_diff *d)
{
    free(d->st); free(d->za); free(d->zb); free(d->cz); free(d->pa); free(d->pb); free(d->b2a); free(d->zt);
    d->st = NULL; d->za = d->zb = d->cz = d->zt = NULL; d->pa = d->pb = NULL; d->b2a = NULL;
}

void explorer_diff_close(struct explorer_diff *d)
{
    bufs_free(d);
    if (d->b) source_close(d->b);
    memset(d, 0, sizeof *d);
}

static void check_shape(struct explorer_diff *d)
{
    static uint64_t gens;   /* the comparisons made (main thread) */
    struct source *a = d->a, *b = d->b;
    d->gen = ++gens;
    d->fatal = 0;
    d->err[0] = d->warn[0] = 0;
    d->done = 0;
    d->stats_ok = 0;
    d->cur_ok = 0;
    d->cur_key = 0;
    d->calc_on = 0;
    int differ = 0;
    if (!d->b2a) d->V = div_compared_vocab(a->vocab_size, a->sparse, b->vocab_size, b->sparse, &differ);
    d->bounded = a->sparse || b->sparse;
    d->n_steps = a->n_steps < b->n_steps ? a->n_steps : b->n_steps;
    if (a->n_steps != b->n_steps) {
        d->fatal = 1;
        snprintf(d->err, sizeof d->err, "%.100s has %u steps but %.100s has %u: not the same token sequence",
                 a->path, a->n_steps, b->path, b->n_steps);
    }
    if (differ)
        snprintf(d->warn, sizeof d->warn, "vocabulary sizes differ (A: %u, B: %u): ids [0, %u) compared; "
                 "perplexities are not comparable", a->vocab_size, b->vocab_size, d->V);
}

/* The id space: tokens matched by text when a side has none (as diff). */
static int alloc_bufs(struct explorer_diff *d, struct ls_error *err)
{
    uint32_t n = d->a->n_steps > d->b->n_steps ? d->a->n_steps : d->b->n_steps;
    uint32_t V = d->a->vocab_size > d->b->vocab_size ? d->a->vocab_size : d->b->vocab_size;
    if (d->a->local_ids || d->b->local_ids) {
        if (token_match_by_text(d->a, d->b, &d->b2a, &d->V, err)) return -1;
        if (d->V > V) V = d->V;
        if (!(d->zt = malloc((size_t)d->b->vocab_size * sizeof *d->zt))) return -1;
    }
    d->st = calloc(n ? n : 1, sizeof *d->st);
    d->za = malloc((size_t)V * sizeof *d->za);
    d->zb = malloc((size_t)V * sizeof *d->zb);
    d->cz = malloc((size_t)V * sizeof *d->cz);
    d->pa = malloc((size_t)V * sizeof *d->pa);
    d->pb = malloc((size_t)V * sizeof *d->pb);
    if (!(d->st && d->za && d->zb && d->cz && d->pa && d->pb)) return -1;
    d->zcap = V;
    /* a read writes its own V: the ids past it stay unlisted */
    for (uint32_t i = 0; i < V; i++) d->za[i] = d->zb[i] = d->cz[i] = -INFINITY;
    return 0;
}

int explorer_diff_open(struct explorer_diff *d, struct source *a, const char *path,
                       const struct source_opts *opts, struct ls_error *err)
{
    struct source *b = NULL;
    int rc = source_open(path, opts, &b, err);   /* NULL opts: detect, no hints */
    if (rc) return rc;
    if (b->n_steps == 0 || b->vocab_size == 0) {
        source_close(b);
        return ls_fail(err, LS_EDATA, "%s: no steps to compare", path);
    }
    struct explorer_diff n;
    memset(&n, 0, sizeof n);
    n.a = a;
    n.b = b;
    if (alloc_bufs(&n, err)) {
        explorer_diff_close(&n);
        return err->code ? err->code : ls_fail(err, LS_ELIMIT, "out of memory comparing with %s", path);
    }
    check_shape(&n);
    explorer_diff_close(d);
    *d = n;
    return LS_OK;
}

const struct source *explorer_diff_b_text(const struct explorer_diff *d, int32_t id, int32_t *sid)
{
    *sid = id;
    if (!d->b2a) return d->b;
    if (id >= 0 && (uint32_t)id < d->a->vocab_size) return d->a;
    for (uint32_t j = 0; j < d->b->vocab_size; j++)
        if (d->b2a[j] == id) { *sid = (int32_t)j; break; }
    return d->b;
}

void explorer_diff_rebind(struct explorer_diff *d, struct source *a)
{
    if (!d->b) return;
    bufs_free(d);
    d->a = a;
    struct ls_error e = {0};
    if (alloc_bufs(d, &e)) {
        bufs_free(d);
        d->fatal = 1;
        snprintf(d->err, sizeof d->err, "%.290s", e.code ? e.msg : "out of memory");
        return;
    }
    check_shape(d);
}

/* A step of either side under the explorer's non-finite policy
 * (input/nonfinite.h): NaN/+inf refuse the comparison unless allowed, as
 * `logitscope diff` does. */
static int diff_read(const struct explorer_diff *d, struct source *s, uint32_t t, float *z, struct step_info *info,
                     struct ls_error *e)
{
    int map = s == d->b && d->b2a;   /* B's values at A's ids (tokens matched by text) */
    float *in = map ? d->zt : z;
    int rc = source_read_step(s, t, in, info, e);
    if (!rc && !d->allow_nonfinite) {
        rc = step_nonfinite_check(in, s->vocab_size, info, d->nonfinite_hint, e);
        if (rc) ls_error_prefix(e, s->path);
    }
    if (rc || !map) return rc;
    for (uint32_t i = 0; i < d->V; i++) z[i] = -INFINITY;
    for (uint32_t j = 0; j < s->vocab_size; j++) z[d->b2a[j]] = in[j];
    if (info->token >= 0 && (uint32_t)info->token < s->vocab_size) info->token = d->b2a[info->token];
    return LS_OK;
}

/* The comparison cannot go on at step t: why, once. */
static void diff_fail(struct explorer_diff *d, struct ls_error *e, uint32_t t)
{
    d->fatal = 1;
    source_error_step(e, t);
    snprintf(d->err, sizeof d->err, "%.270s", e->msg);
}

/* Every step done: the summary (or why there is none). */
static void diff_summary(struct explorer_diff *d)
{
    struct ls_error e = {0};
    int rc = d->bounded ? div_stats_bounds(d->st, d->n_steps, &d->stats, &d->stats_hi, &e)
                        : div_stats_compute(d->st, d->n_steps, &d->stats, &e);
    if (!d->bounded) d->stats_hi = d->stats;
    if (rc == LS_OK) d->stats_ok = 1;
    else { d->fatal = 1; snprintf(d->err, sizeof d->err, "%.290s", e.msg); }
}

void xd_piece_want(struct xd_piece *p, const struct explorer_diff *d)
{
    p->want_gen = d->gen;
    p->want_cap = d->zcap;
}

int xd_piece_prepare(struct xd_piece *p)
{
    const uint32_t V = p->want_cap ? p->want_cap : 1;
    if (p->cap < V || !p->own_a) {
        xd_piece_free(p);
        p->own_a = malloc((size_t)V * sizeof *p->own_a);
        p->own_b = malloc((size_t)V * sizeof *p->own_b);
        if (!p->own_a || !p->own_b) { xd_piece_free(p); return -1; }
        /* faulted in here, once (the explorer's comparison worker): not by
         * the main thread's reads */
        ex_touch_pages(p->own_a, (size_t)V * sizeof *p->own_a);
        ex_touch_pages(p->own_b, (size_t)V * sizeof *p->own_b);
        p->cap = V;
    }
    /* a read writes its own V: the ids past it stay unlisted */
    for (uint32_t i = 0; i < V; i++) p->own_a[i] = p->own_b[i] = -INFINITY;
    p->ready = p->want_gen;
    return 0;
}

int xd_piece_ready(const struct xd_piece *p, const struct explorer_diff *d)
{
    return p->ready == d->gen && p->own_a && p->cap >= d->zcap;
}

void xd_piece_free(struct xd_piece *p)
{
    free(p->own_a);
    free(p->own_b);
    p->own_a = p->own_b = NULL;
    p->cap = 0;
}

int explorer_diff_next(struct explorer_diff *d, struct xd_piece *p, int own)
{
    if (!d->b || d->fatal || d->stats_ok || !d->st) return 0;
    if (d->done >= d->n_steps) { diff_summary(d); return 0; }
    if (own && !xd_piece_ready(p, d)) {
        xd_piece_want(p, d);
        if (xd_piece_prepare(p)) return -1;
    }
    uint32_t t = d->done;
    struct ls_error e = {0};
    struct step_info ia, ib;
    memset(&ia, 0, sizeof ia);
    memset(&ib, 0, sizeof ib);
    /* own: read straight into p's buffers (the worker's while it runs), no copy */
    float *za = own ? p->own_a : d->za, *zb = own ? p->own_b : d->zb;
    if (diff_read(d, d->a, t, za, &ia, &e) || diff_read(d, d->b, t, zb, &ib, &e)) {
        diff_fail(d, &e, t);
        return 0;
    }
    if (ia.token >= 0 && ib.token >= 0 && ia.token != ib.token) {
        d->fatal = 1;
        snprintf(d->err, sizeof d->err, "token sequences differ at step %u: %.90s has id %d, %.90s has id %d",
                 t, d->a->path, ia.token, d->b->path, ib.token);
        return 0;
    }
    int32_t tok = ia.token >= 0 ? ia.token : ib.token;
    p->tok = tok >= 0 && (uint32_t)tok >= d->V ? -1 : tok;
    p->gen = d->gen;
    p->step = t;
    p->V = d->V;
    p->sparse_a = ia.sparse;
    p->sparse_b = ib.sparse;
    p->za = za;
    p->zb = zb;
    return 1;
}

void explorer_diff_piece_run(void *piece)
{
    struct xd_piece *p = piece;
    struct div_side sa = { p->za, p->sparse_a }, sb = { p->zb, p->sparse_b };
    p->err.code = 0;
    p->err.msg[0] = 0;
    p->rc = div_step_bounds(&sa, &sb, p->V, p->tok, &p->st, &p->err);
}

void explorer_diff_accept(struct explorer_diff *d, const struct xd_piece *p)
{
    if (!d->b || d->fatal || d->stats_ok || p->gen != d->gen || p->step != d->done) return;
    if (p->rc) {
        struct ls_error e = p->err;
        diff_fail(d, &e, p->step);
        return;
    }
    d->st[d->done++] = p->st;
}

/* Tokens of div_calc's passes between two looks at the clock: about
 * 0.1-0.3 ms at a time. */
#define XD_CALC_PIECE 16384

/* The next step read into d's buffers and begun (d->calc): 1; a top-N
 * side's step is computed whole here (div_step_bounds' own path, not
 * split): 2; nothing left or the comparison failed: 0. */
static int calc_begin(struct explorer_diff *d)
{
    struct xd_piece p;
    memset(&p, 0, sizeof p);
    if (explorer_diff_next(d, &p, 0) != 1) return 0;   /* borrowed buffers: nothing to free */
    if (p.sparse_a || p.sparse_b) {
        explorer_diff_piece_run(&p);
        explorer_diff_accept(d, &p);
        return 2;
    }
    div_calc_begin(&d->calc, p.za, p.zb, p.V, p.tok);
    d->calc_on = 1;
    d->calc_gen = p.gen;
    d->calc_step = p.step;
    return 1;
}

/* A step of two full sides costs 5-10 ms at V = 262144, more than a slice
 * (issue 9: none over 2 ms): it goes in pieces, its sums carried to the
 * next slice in d->calc (div_calc_run: div_step_bounds' numbers bit for
 * bit). A step begun is resumed only while it is still the one due in
 * this comparison with its logits in d->za, d->zb (explorer_diff_update
 * reads into d->za and drops it; a worker may have done the step). */
int explorer_diff_work(struct explorer_diff *d, long budget_ns)
{
    long t0 = (long)clock_ns();
    if (d->calc_on && (d->calc_gen != d->gen || d->calc_step != d->done || d->fatal || d->stats_ok)) d->calc_on = 0;
    if (d->warm_gen != d->gen && d->za && !d->fatal && !d->stats_ok) {
        ex_warm_clear(&d->warm);
        ex_warm_add(&d->warm, d->za, (size_t)d->zcap * sizeof *d->za, 1);
        ex_warm_add(&d->warm, d->zb, (size_t)d->zcap * sizeof *d->zb, 1);
        d->warm_gen = d->gen;
    }
    /* half the budget: a piece's faults vary with the host (contents kept) */
    if (!ex_warm_done(&d->warm) && !ex_warm_run(&d->warm, budget_ns / 2, NULL)) return 1;
    for (;;) {
        int r = d->calc_on ? 1 : calc_begin(d);
        if (r == 0) return 0;
        if (r == 1) {
            while (!div_calc_run(&d->calc, XD_CALC_PIECE))
                if ((long)clock_ns() - t0 >= budget_ns) return 1;
            struct xd_piece p;
            memset(&p, 0, sizeof p);
            p.gen = d->calc_gen;
            p.step = d->calc_step;
            p.rc = div_calc_end(&d->calc, &p.st, &p.err);
            d->calc_on = 0;
            explorer_diff_accept(d, &p);
        }
        if (d->done < d->n_steps && (long)clock_ns() - t0 >= budget_ns) return 1;
    }
}

/* A side's probabilities over [0, V): a top-N side's own p = exp(z), NAN
 * where it lists nothing and has a tail (unknown; a step listing nothing
 * is all NAN);
 * else the softmax in double, non-finite logits masked (p = 0). */
static int softmax(const float *z, uint32_t V, int sparse, double *p)
{
    if (sparse) {   /* listed p reaching 1: an unlisted token is a known 0 (div_bounds.c) */
        double sum = 0;
        for (uint32_t i = 0; i < V; i++) sum += isfinite(z[i]) ? exp((double)z[i]) : 0;
        for (uint32_t i = 0; i < V; i++) p[i] = isfinite(z[i]) ? exp((double)z[i]) : sum < 1 ? NAN : 0;
        return 0;
    }
    double mx = -INFINITY;
    for (uint32_t i = 0; i < V; i++) if (isfinite(z[i]) && z[i] > mx) mx = z[i];
    if (!isfinite(mx)) return -1;
    double s = 0;
    for (uint32_t i = 0; i < V; i++) { p[i] = isfinite(z[i]) ? exp((double)z[i] - mx) : 0.0; s += p[i]; }
    for (uint32_t i = 0; i < V; i++) p[i] /= s;
    return 0;
}

/* the n largest of p[0..V) by p descending, id ascending */
static uint32_t top_n(const double *p, uint32_t V, int32_t *out, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < V; i++) {
        if (!(p[i] > 0)) continue;
        if (k == n && !(p[i] > p[out[k - 1]])) continue;
        uint32_t j = k < n ? k++ : n - 1;
        while (j > 0 && p[out[j - 1]] < p[i]) { out[j] = out[j - 1]; j--; }
        out[j] = (int32_t)i;
    }
    return k;
}

void explorer_diff_update(struct explorer_diff *d, const struct explorer *ex)
{
    if (!d->b || !ex->src || !d->pa) return;
    uint64_t key = ((uint64_t)ex->step << 1) | 1u;
    if (d->cur_ok >= 0 && d->cur_key == key && d->cur_step == ex->step) return;
    d->cur_key = key;
    d->cur_step = ex->step;
    d->cur_ok = 0;
    d->calc_on = 0;   /* d->za is read below: a step under way there starts over */
    d->cur_err[0] = 0;
    d->n_top_a = d->n_top_b = 0;
    d->tok_a = d->tok_b = -1;
    if (ex->step >= d->b->n_steps) {
        snprintf(d->cur_err, sizeof d->cur_err, "B has no step %u", ex->step);
        return;
    }
    struct step_info ia, ib;
    struct ls_error e = {0};
    memset(&ia, 0, sizeof ia);
    memset(&ib, 0, sizeof ib);
    /* A is read again rather than taken from ex->logits: the explorer may
     * not have loaded this step yet, and this costs one read per step change */
    if (diff_read(d, d->a, ex->step, d->za, &ia, &e) || diff_read(d, d->b, ex->step, d->cz, &ib, &e)) {
        source_error_step(&e, ex->step);
        snprintf(d->cur_err, sizeof d->cur_err, "%.170s", e.msg);
        return;
    }
    d->tok_a = ia.token;
    d->tok_b = ib.token;
    if (softmax(d->za, d->V, ia.sparse, d->pa) || softmax(d->cz, d->V, ib.sparse, d->pb)) {
        snprintf(d->cur_err, sizeof d->cur_err, "step %u: no finite logit on one side", ex->step);
        return;
    }
    int32_t tok = ia.token >= 0 ? ia.token : ib.token;
    if (tok >= 0 && (uint32_t)tok >= d->V) tok = -1;
    struct div_side sa = { d->za, ia.sparse }, sb = { d->cz, ib.sparse };
    if (div_step_bounds(&sa, &sb, d->V, tok, &d->cur, &e)) {
        snprintf(d->cur_err, sizeof d->cur_err, "%.170s", e.msg);   /* "step N: ..." already */
        return;
    }
    d->n_top_a = top_n(d->pa, d->V, d->top_a, XD_TOP);
    d->n_top_b = top_n(d->pb, d->V, d->top_b, XD_TOP);
    d->cur_ok = 1;
}
