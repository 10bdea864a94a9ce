/* generate.c: continuations from a model source under a chain (generate.h). */
#include "model/generate.h"
#include "sampling/draw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int gen_ws_init(struct gen_ws *w, uint32_t V)
{
    memset(w, 0, sizeof *w);
    w->V = V;
    w->z = malloc(V * sizeof *w->z);
    w->cum = malloc(V * sizeof *w->cum);
    w->cache = malloc(sizeof *w->cache);
    if (w->cache) gen_cache_init(w->cache, V);
    if (!w->z || !w->cum || !w->cache || chain_ws_init(&w->ws, V) || chain_result_init(&w->res, V)) {
        gen_ws_free(w);
        return -1;
    }
    return 0;
}

void gen_ws_free(struct gen_ws *w)
{
    free(w->z);
    free(w->cum);
    if (w->cache) gen_cache_free(w->cache);
    free(w->cache);
    chain_ws_free(&w->ws);
    chain_result_free(&w->res);
    memset(w, 0, sizeof *w);
}

void gen_begin(struct gen_cont *c, const struct gen_request *r, uint32_t index)
{
    memset(c, 0, sizeof *c);
    c->index = index;
    c->forced = -1;
    c->n_prompt = r->n_prompt;
    rng_seed(&c->g, r->seed + index);
}

void gen_cont_free(struct gen_cont *c)
{
    free(c->ctx); free(c->mu); free(c->p); free(c->p_raw); free(c->logits); free(c->text);
    memset(c, 0, sizeof *c);
}

const char *gen_end_name(enum gen_end e)
{
    static const char *const names[] = { "running", "end of text", "max tokens", "stop string", "nothing kept" };
    return names[e];
}

/* Room for one more step: the context (prompt copied once, at the first
 * step) and the per-step arrays, doubled when full. */
static int grow(struct gen_cont *c, const struct gen_request *r, uint32_t V, struct ls_error *err)
{
    if (c->n < c->cap) return LS_OK;
    if ((uint64_t)c->n_prompt + c->n + 1 > MODEL_MAX_CONTEXT)
        return ls_fail(err, LS_ELIMIT, "context of %u tokens exceeds the limit of %u", c->n_prompt + c->n + 1, MODEL_MAX_CONTEXT);
    uint32_t nc = c->cap ? 2 * c->cap : 64;
    int first = !c->ctx, keep = r->keep_logits;
    int32_t *ctx = realloc(c->ctx, ((size_t)c->n_prompt + nc) * sizeof *ctx);
    if (ctx) c->ctx = ctx;
    double *mu = realloc(c->mu, nc * sizeof *mu);
    if (mu) c->mu = mu;
    double *p = realloc(c->p, nc * sizeof *p);
    if (p) c->p = p;
    double *pr = realloc(c->p_raw, nc * sizeof *pr);
    if (pr) c->p_raw = pr;
    float *lg = keep ? realloc(c->logits, (size_t)nc * V * sizeof *lg) : NULL;
    if (lg) c->logits = lg;
    if (!ctx || !mu || !p || !pr || (keep && !lg)) return ls_fail(err, LS_ELIMIT, "out of memory for %u generated tokens", nc);
    if (first && c->n_prompt) memcpy(c->ctx, r->prompt, c->n_prompt * sizeof *c->ctx);
    c->ids = c->ctx + c->n_prompt;
    c->cap = nc;
    return LS_OK;
}

/* Append token bytes to the text; stop at the stop string. */
static int append_text(const struct model *m, const struct gen_request *r, struct gen_cont *c, int32_t tok,
                       struct ls_error *err)
{
    size_t l = 0;
    const char *t = tok == m->eos ? NULL : vocab_get(m->vocab, tok, &l);
    if (!t) l = 0;
    if (c->text_len + l + 1 > c->text_cap) {
        size_t nc = c->text_cap ? 2 * c->text_cap : 256;
        while (nc < c->text_len + l + 1) nc *= 2;
        char *nt = realloc(c->text, nc);
        if (!nt) return ls_oom(err);
        c->text = nt; c->text_cap = nc;
    }
    size_t old = c->text_len;
    if (l) memcpy(c->text + old, t, l);
    c->text_len += l;
    c->text[c->text_len] = 0;
    size_t sl = r->stop ? strlen(r->stop) : 0;
    if (sl && c->text_len >= sl) {
        size_t from = old + 1 > sl ? old + 1 - sl : 0;
        for (size_t i = from; i + sl <= c->text_len; i++)
            if (!memcmp(c->text + i, r->stop, sl)) { c->text_len = i; c->text[i] = 0; c->end = GEN_STOP; break; }
    }
    return LS_OK;
}

/* The token of this step and its numbers (from the chain or the cache). */
struct pick { int32_t tok; double p, p_raw; int cached; };

/* The cache's answer for the logits in w->z, when it may give one: a draw
 * with the step's uniform on the stored prefix sums. 0: run the chain. */
static int pick_cached(const struct gen_request *r, struct gen_cont *c, struct gen_ws *w, struct pick *k)
{
    if (w->no_cache || c->forced >= 0 || !gen_cache_usable(&r->chain, &r->params)) return 0;
    gen_cache_bind(w->cache, &r->chain, &r->params);
    const struct gen_cache_entry *e = gen_cache_find(w->cache, w->z);
    if (!e) return 0;
    struct draw_cdf d = { e->kept, e->cum, e->n_kept, e->n_kept ? e->cum[e->n_kept - 1] : 0.0 };
    k->tok = draw_token(&d, &c->g);
    int32_t j = k->tok >= 0 ? gen_cache_pos(e, k->tok) : -1;
    k->p = j >= 0 ? e->p[j] : 0.0;
    k->p_raw = j >= 0 ? e->p_raw[j] : 0.0;
    k->cached = 1;
    return 1;
}

/* Run the chain on the model's logits for the next token, with the
 * continuation's context and carried mu, and draw (forced or not: always
 * one uniform); the result is remembered when the cache may serve it. */
static int step_pick(struct model *m, const struct gen_request *r, struct gen_cont *c, struct gen_ws *w,
                     struct pick *k, struct ls_error *err)
{
    uint32_t n_ctx = c->n_prompt + c->n;
    int rc = grow(c, r, m->V, err);
    if (!rc) rc = model_next_logits(m, c->ctx, n_ctx, w->z, err);
    if (rc || pick_cached(r, c, w, k)) return rc;
    chain_ws_set_context(&w->ws, c->ctx, n_ctx, c->n_prompt, c->n, r->seed + c->index);
    w->ws.mu = c->mu_now;
    w->ws.mu_set = c->mu_set;
    if ((rc = chain_run(&r->chain, &r->params, w->z, m->V, &w->ws, &w->res, err))) return rc;
    struct draw_cdf d = draw_cdf_build(&w->res, w->cum);
    if (!w->no_cache && gen_cache_usable(&r->chain, &r->params)) {
        gen_cache_bind(w->cache, &r->chain, &r->params); /* (a forced step has not looked) */
        gen_cache_put(w->cache, w->z, &w->res, &d);
    }
    k->tok = draw_token(&d, &c->g);
    if (c->forced >= 0) { k->tok = c->forced; c->forced = -1; }
    k->p = k->tok >= 0 ? w->res.p[k->tok] : 0.0;
    k->p_raw = k->tok >= 0 ? w->res.p_raw[k->tok] : 0.0;
    k->cached = 0;
    return LS_OK;
}

/* The chosen token's effect on carried state: mirostat's mu (a cached
 * step's chain uses none: mu stays). */
static void accept(const struct gen_request *r, struct gen_cont *c, struct gen_ws *w, const struct pick *k)
{
    if (!k->cached) {
        if (w->res.p[k->tok] > 0) chain_accept(&r->chain, &r->params, &w->ws, &w->res, k->tok);
        c->mu_now = w->ws.mu;
        c->mu_set = w->ws.mu_set;
    }
    c->mu[c->n] = c->mu_set ? c->mu_now : NAN;
}

int gen_step(struct model *m, const struct gen_request *r, struct gen_cont *c, struct gen_ws *w,
             struct ls_error *err)
{
    if (c->end) return LS_OK;
    struct pick k;
    int rc = step_pick(m, r, c, w, &k, err);
    if (rc) return rc;
    if (k.tok < 0) { c->end = GEN_NOTHING_KEPT; return LS_OK; }
    accept(r, c, w, &k);
    c->ids[c->n] = k.tok;
    c->p[c->n] = k.p;
    c->p_raw[c->n] = k.p_raw;
    if (r->keep_logits) memcpy(c->logits + (size_t)c->n * m->V, w->z, m->V * sizeof *w->z);
    c->n++;
    if ((rc = append_text(m, r, c, k.tok, err))) return rc;
    if (!c->end && k.tok == m->eos) c->end = GEN_EOS;
    if (!c->end && c->n >= r->max_tokens) c->end = GEN_MAX_TOKENS;
    return LS_OK;
}

int gen_run(struct model *m, const struct gen_request *r, struct gen_cont *c, struct gen_ws *w,
            struct ls_error *err)
{
    int rc = LS_OK;
    while (!c->end && !rc) rc = gen_step(m, r, c, w, err);
    return rc;
}

int gen_fork(struct model *m, const struct gen_request *r, struct gen_cont *c, uint32_t step,
             int32_t token, struct ls_error *err)
{
    if (step > c->n || token < 0 || (uint32_t)token >= m->V)
        return ls_fail(err, LS_EUSAGE, "cannot fork at step %u with token %d (%u steps, V = %u)", step, token, c->n, m->V);
    /* rewind: the stream advanced one uniform per kept step */
    rng_seed(&c->g, r->seed + c->index);
    for (uint32_t i = 0; i < step; i++) (void)rng_uniform(&c->g);
    c->n = step;
    c->mu_set = step > 0 && !isnan(c->mu[step - 1]);
    c->mu_now = c->mu_set ? c->mu[step - 1] : 0.0;
    c->text_len = 0;
    if (c->text) c->text[0] = 0;
    c->end = GEN_RUNNING;
    for (uint32_t i = 0; i < step; i++) {
        int rc = append_text(m, r, c, c->ids[i], err);
        if (rc) return rc;
    }
    c->forced = token;
    return LS_OK;
}
