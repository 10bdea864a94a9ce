/* diff_doc.c: the diff document, computed (see diff_doc.h). */
#include "cli/diff_doc.h"
#include "base/budget.h"
#include "input/token_match.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* diff's own wording (it has no chain run to count per step) */
static int check_finite(const struct cli_opts *o, const struct source *s, uint32_t step,
                        const float *z, const struct step_info *in, struct ls_error *err)
{
    if (o->allow_nonfinite || !(in->n_nan || in->n_posinf)) return LS_OK;
    for (uint32_t i = 0; i < s->vocab_size; i++)
        if (isnan(z[i]) || (isinf(z[i]) && z[i] > 0))
            return ls_fail(err, LS_EDATA, "%s: step %u: token %u: %s logit (--allow-nonfinite treats "
                           "NaN/+inf as masked)", s->path, step, i, isnan(z[i]) ? "NaN" : "+inf");
    return LS_OK;
}

static _Thread_local const struct div_step *g_steps; /* qsort's context, one per thread */
static int by_kld_desc(const void *pa, const void *pb)
{
    uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    double kx = g_steps[x].kld_lo, ky = g_steps[y].kld_lo;
    if (kx > ky) return -1;
    if (kx < ky) return 1;
    kx = g_steps[x].kld_hi, ky = g_steps[y].kld_hi;
    if (kx > ky) return -1;
    if (kx < ky) return 1;
    return (x > y) - (x < y);
}

/* Shapes that make two files incomparable, and the vocabulary warning. */
static int check_shapes(const struct source *a, const struct source *b, struct diff_doc *d, struct ls_error *err)
{
    if (a->n_steps != b->n_steps)
        return ls_fail(err, LS_EDATA, "%s has %u steps but %s has %u: not the same token sequence",
                       a->path, a->n_steps, b->path, b->n_steps);
    d->n_steps = a->n_steps;
    if (a->local_ids || b->local_ids) return token_match_by_text(a, b, &d->b2a, &d->V, err);
    int differ;
    d->V = div_compared_vocab(a->vocab_size, a->sparse, b->vocab_size, b->sparse, &differ);
    if (differ) {
        snprintf(d->warn, sizeof d->warn, "vocabulary sizes differ (A: %u, B: %u): ids [0, %u) compared, each side "
                 "renormalised over them; perplexities across different vocabularies are not comparable",
                 a->vocab_size, b->vocab_size, d->V);
        ls_warn_print(stderr, d->warn);
    }
    return LS_OK;
}

/* A side's step t, lent (source.h: no copy) with its non-finite counts
 * made; a side with fewer ids than the compared ones is copied into buf,
 * whose ids beyond its own V stay -inf (unlisted). */
static int lend_side(struct source *s, uint32_t t, uint32_t V, float *buf, const float **z, struct step_info *in,
                     struct ls_error *err)
{
    int rc = source_lend_step(s, t, z, in, err);
    if (rc) { ls_error_prefix(err, s->path); return rc; }
    source_count_nonfinite(*z, s->vocab_size, in);
    if (s->vocab_size < V) {
        memcpy(buf, *z, (size_t)s->vocab_size * sizeof *buf);
        *z = buf;
    }
    return LS_OK;
}

/* After the comparison: a file cut under its map voids what was computed from its step. */
static int verify_side(const struct source *s, uint32_t t, struct ls_error *err)
{
    int rc = source_lend_verify(s, t, err);
    if (rc) ls_error_prefix(err, s->path);
    return rc;
}

/* Step t of both files: read, check, compare. The buffers hold d->V
 * values; a side's ids beyond its own V stay -inf (unlisted). */
static int diff_step(const struct cli_opts *o, struct source *a, struct source *b, uint32_t t,
                     float *za, float *zb, struct diff_doc *d, struct ls_error *err)
{
    struct step_info ia, ib;
    const float *la, *lb;
    int rc;
    if ((rc = lend_side(a, t, d->V, za, &la, &ia, err))) return rc;
    /* tokens matched by text: B's own ids (lent as they are), remapped below */
    if ((rc = lend_side(b, t, d->b2a ? 0 : d->V, zb, &lb, &ib, err))) return rc;
    if ((rc = check_finite(o, a, t, la, &ia, err)) || (rc = check_finite(o, b, t, lb, &ib, err)))
        return rc;
    if (d->b2a) {   /* B's values at A's ids (tokens matched by text) */
        for (uint32_t i = 0; i < d->V; i++) zb[i] = -INFINITY;
        for (uint32_t j = 0; j < b->vocab_size; j++) zb[d->b2a[j]] = lb[j];
        lb = zb;
        if (ib.token >= 0 && (uint32_t)ib.token < b->vocab_size) ib.token = d->b2a[ib.token];
    }
    if (ia.token >= 0 && ib.token >= 0 && ia.token != ib.token)
        return ls_fail(err, LS_EDATA, "token sequences differ at step %u: %s has id %d, %s has id %d",
                       t, a->path, ia.token, b->path, ib.token);
    int32_t tok = ia.token >= 0 ? ia.token : ib.token;
    if (tok >= 0 && (uint32_t)tok >= d->V) tok = -1;
    struct div_side sa = { la, ia.sparse }, sb = { lb, ib.sparse };
    if ((rc = div_step_bounds(&sa, &sb, d->V, tok, &d->steps[t], err))) {
        char pre[64];
        snprintf(pre, sizeof pre, "step %u", t);
        ls_error_prefix(err, pre);
        return rc;
    }
    if ((rc = verify_side(a, t, err)) || (rc = verify_side(b, t, err))) return rc;
    d->n_basis[div_step_basis(&d->steps[t])]++;
    d->order[t] = t;
    return LS_OK;
}

int diff_doc_build(const struct cli_opts *o, struct source *a, struct source *b,
                   struct diff_doc *d, struct ls_error *err)
{
    memset(d, 0, sizeof *d);
    d->a = a;
    d->b = b;
    int rc = check_shapes(a, b, d, err);
    if (rc) return rc;
    uint32_t N = d->n_steps;
    if ((rc = step_budget(N, sizeof *d->steps + sizeof *d->order, "the per-step divergences", err))) return rc;
    uint32_t W = a->vocab_size > b->vocab_size ? a->vocab_size : b->vocab_size;
    if (W < d->V) W = d->V;
    float *za = malloc((size_t)W * sizeof *za);
    float *zb = malloc((size_t)W * sizeof *zb);
    d->steps = malloc((size_t)(N ? N : 1) * sizeof *d->steps);
    d->order = malloc((size_t)(N ? N : 1) * sizeof *d->order);
    if (!za || !zb || !d->steps || !d->order) rc = step_oom(N, a->vocab_size, "diff", err);
    d->bounded = a->sparse || b->sparse;
    for (uint32_t i = 0; !rc && i < W; i++) za[i] = zb[i] = -INFINITY;
    for (uint32_t t = 0; t < N && !rc; t++) rc = diff_step(o, a, b, t, za, zb, d, err);
    free(za);
    free(zb);
    if (!rc && d->bounded) rc = div_stats_bounds(d->steps, N, &d->stats, &d->stats_hi, err);
    else if (!rc && !(rc = div_stats_compute(d->steps, N, &d->stats, err))) d->stats_hi = d->stats;
    if (rc) return rc;
    g_steps = d->steps;
    qsort(d->order, N, sizeof *d->order, by_kld_desc);
    return LS_OK;
}

void diff_doc_free(struct diff_doc *d)
{
    free(d->steps);
    free(d->order);
    free(d->b2a);
    memset(d, 0, sizeof *d);
}
