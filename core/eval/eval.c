/* eval.c: the evaluation run (see eval.h): one pass over the steps, every
 * setting's chain per step, N parallel continuations, then the evaluators. */
#include "eval/eval_impl.h"
#include "base/clock.h"
#include "sampling/draw.h"
#include "input/nonfinite.h"
#include "sampling/topn.h"
#include "input/token_lookup.h"
#include "base/vmath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct evaluator *const eval_registry[] = {
    &eval_perplexity, &eval_cut, &eval_clipping, &eval_json, &eval_regex,
    &eval_diversity, &eval_reference, &eval_ext, NULL
};
/* every evaluator has a state slot in struct eval_run */
_Static_assert(sizeof eval_registry / sizeof *eval_registry <= EVAL_MAX_EVALUATORS + 1,
               "raise EVAL_MAX_EVALUATORS");

const char eval_note_continuations[] =
    "continuations are per-step draws given the recorded context: each of the N "
    "continuations takes one token per step from that step's final distribution; "
    "a dump cannot tell what the model would have produced after a different token";

const char *const eval_default_stops[] = {
    "</s>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>",
    "<eos>", "<end_of_turn>", "<|end|>", "<|return|>", "[EOS]", NULL
};

static const char *const reserved[] = {
    "file", "format", "steps", "vocab_size", "preset", "chain", "params", "seed", "n",
    "approximate", "notes", "definitions", "rows", "varied", "grid", "temperature",
    "top_k", "top_p", "min_p", "external", "clipping_per_step", "clip_threshold",
    "regex", "json_keys", NULL
};

int eval_key_reserved(const char *name)
{
    for (int i = 0; reserved[i]; i++) if (!strcmp(name, reserved[i])) return 1;
    for (int i = 0; eval_registry[i]; i++) {
        const char *k = eval_registry[i]->keys;
        size_t n = strlen(name);
        while (*k) {
            size_t l = strcspn(k, " ");
            if (l == n && !strncmp(k, name, n)) return 1;
            k += l;
            while (*k == ' ') k++;
        }
    }
    return 0;
}

int eval_ext_name_check(const struct eval_config *cfg, const char *name, struct ls_error *err)
{
    size_t n = strlen(name);
    if (n > EVAL_EXT_NAME_MAX) return ls_fail(err, LS_EUSAGE, "NAME longer than %d characters", EVAL_EXT_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return ls_fail(err, LS_EUSAGE, "NAME may hold only letters, digits, '_' and '-': '%s'", name);
    }
    if (cfg->n_ext >= EVAL_MAX_EXT) return ls_fail(err, LS_EUSAGE, "at most %d", EVAL_MAX_EXT);
    if (eval_key_reserved(name)) return ls_fail(err, LS_EUSAGE, "NAME '%s' is a built-in key; choose another", name);
    for (int j = 0; j < cfg->n_ext; j++)
        if (!strcmp(cfg->ext[j].name, name)) return ls_fail(err, LS_EUSAGE, "NAME '%s' given twice", name);
    return LS_OK;
}

void eval_config_init(struct eval_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = LS_DEFAULT_SEED;
    c->n_samples = EVAL_DEFAULT_N;
    c->clip_threshold = EVAL_DEFAULT_CLIP;
    c->ext_timeout = EVAL_DEFAULT_TIMEOUT;
    c->n_stop = -1;
}

/* Ids whose text equals a stop text (first EVAL_MAX_STOP_IDS). */
static void find_stops(struct eval_run *r)
{
    const struct vocab *v = r->src->vocab;
    if (!v) return;
    const char *const *list = r->cfg.n_stop < 0 ? eval_default_stops : r->cfg.stop;
    int n = r->cfg.n_stop;
    if (n < 0) for (n = 0; list[n]; n++) {}
    if (n == 0) return;
    size_t sl[32];
    if (n > 32) n = 32;
    for (int j = 0; j < n; j++) sl[j] = strlen(list[j]);
    for (uint32_t id = 0; id < v->n && r->n_stop_ids < EVAL_MAX_STOP_IDS; id++) {
        size_t len;
        const char *t = vocab_get(v, (int32_t)id, &len);
        if (!t) continue;
        for (int j = 0; j < n; j++)
            if (len == sl[j] && !memcmp(t, list[j], len)) { r->stop_ids[r->n_stop_ids++] = (int32_t)id; break; }
    }
}

void eval_worker_unshare(struct eval_worker *w)
{
    for (size_t k = 1; w->res && k < w->n_res; k++)
        if (w->res[k].p_raw == w->res[0].p_raw) w->res[k].p_raw = NULL;
}

#define FREE_ARRAY(f, bytes) free(f);

void eval_run_free(struct eval_run *r)
{
    if (!r) return;
    for (size_t i = 0; r->acc && i < r->n_set; i++) {
        struct eval_acc *a = &r->acc[i];
        EVAL_ACC_ARRAYS(FREE_ARRAY, a, 0, 0)
    }
    free(r->acc);
    for (int i = 0; i <= EVAL_MAX_THREADS; i++) {
        struct eval_worker *w = &r->w[i];
        chain_ws_free(&w->ws);
        eval_worker_unshare(w);
        for (size_t k = 0; w->res && k < w->n_res; k++) chain_result_free(&w->res[k]);
        free(w->res);
        EVAL_WORKER_ARRAYS(FREE_ARRAY, w, 0, 0)
    }
    free(r->rec);
    free(r->g);
    free(r->bigram_tab);
    free(r->fin_buf);
    dry_breakers_free(r->breakers);
    for (int e = 0; eval_registry[e]; e++)
        if (eval_registry[e]->free) eval_registry[e]->free(r->state[e]);
    free(r);
}

/* Give every evaluator its state slot (init), in registry order. */
static int init_states(const struct eval_config *cfg, void **state, int *field, struct ls_error *err)
{
    for (int e = 0; eval_registry[e]; e++) {
        if (!eval_registry[e]->init) continue;
        int rc = eval_registry[e]->init(cfg, &state[e], err);
        if (rc) {
            if (field) *field = eval_registry[e]->field;
            return rc;
        }
    }
    return LS_OK;
}

static void free_states(void **state)
{
    for (int e = 0; eval_registry[e]; e++) {
        if (eval_registry[e]->free) eval_registry[e]->free(state[e]);
        state[e] = NULL;
    }
}

static int check_n(const struct eval_config *cfg, int *field, struct ls_error *err)
{
    if (cfg->n_samples > 0 && cfg->n_samples <= EVAL_MAX_N) return LS_OK;
    if (field) *field = EVAL_FIELD_N;
    return ls_fail(err, LS_EUSAGE, "%u samples is out of range [1, %u]", cfg->n_samples, EVAL_MAX_N);
}

int eval_config_check(const struct eval_config *cfg, int *field, struct ls_error *err)
{
    if (field) *field = EVAL_FIELD_NONE;
    int rc = check_n(cfg, field, err);
    if (rc) return rc;
    void *state[EVAL_MAX_EVALUATORS] = {0};
    rc = init_states(cfg, state, field, err);
    free_states(state);
    return rc;
}

/* A worker's buffers; its chain_ws gets the run's DRY breakers. */
int eval_worker_init(struct eval_run *r, struct eval_worker *w, int batch)
{
    size_t V = r->V ? r->V : 1, n_res = batch ? r->n_set : 1;
    w->batch = batch;
    w->run = r;
    if (chain_ws_init(&w->ws, r->V)) return -1;
    chain_ws_set_breakers(&w->ws, r->breakers);
    w->ws.want = CHAIN_WANT_SCORES; /* no evaluator reads a stage's removed mass */
    w->ws.raw_total_wanted = r->raw_total_read; /* (w[0]'s: set again once the settings are known) */
    w->res = calloc(n_res, sizeof *w->res);
    w->cdf = malloc(n_res * V * sizeof *w->cdf); /* touched only when a draw needs the exact sums */
    w->pre = malloc(n_res * draw_blocks_len(r->V) * sizeof *w->pre);
    w->dk = calloc(n_res, sizeof *w->dk);
    w->z = batch ? malloc(V * sizeof *w->z) : NULL; /* a step worker reads its own step */
    size_t N = r->cfg.n_samples ? r->cfg.n_samples : 1;
    w->u = malloc(N * sizeof *w->u);
    w->tok = batch ? malloc(n_res * N * sizeof *w->tok) : NULL;
    if (!w->res || !w->cdf || !w->pre || !w->dk || !w->u || (batch && (!w->z || !w->tok))) return -1;
    w->n_res = n_res;
    for (size_t k = 0; k < n_res; k++)
        if (chain_result_init(&w->res[k], r->V)) return -1;
    /* the settings of a step share its raw softmax: the first setting's
     * (it depends on the step alone; a top-N step's is the file's, written
     * alike by every setting), instead of a copy per setting */
    for (size_t k = 1; k < n_res; k++) {
        free(w->res[k].p_raw);
        w->res[k].p_raw = w->res[0].p_raw;
    }
    return 0;
}

/* Setting k's accumulator: buffers, series at NaN. */
static int acc_init(struct eval_run *r, size_t k, const struct eval_settings *set, struct ls_error *err)
{
    size_t N = r->cfg.n_samples, S = r->n_steps;
    struct eval_acc *a = &r->acc[k];
    a->set = *set;
    a->tokens = malloc(N * S * sizeof *a->tokens);
    a->s_nll_raw = malloc(S * sizeof(double));
    a->s_p_chain = malloc(S * sizeof(double));
    a->s_entropy = malloc(S * sizeof(double));
    a->s_kept = malloc(S * sizeof(double));
    a->s_clipped = calloc(S, sizeof(uint32_t));
    a->json_brk = calloc(S ? S : 1, sizeof(uint32_t));
    if (!a->tokens || !a->s_nll_raw || !a->s_p_chain || !a->s_entropy || !a->s_kept || !a->s_clipped ||
        !a->json_brk)
        return ls_fail(err, LS_ELIMIT, "out of memory (%zu samples x %zu steps)", N, S);
    int rc = params_check(&a->set.params, err);
    if (rc) return rc;
    for (size_t s = 0; s < S; s++)
        a->s_nll_raw[s] = a->s_p_chain[s] = a->s_entropy[s] = a->s_kept[s] = NAN;
    a->sc.n_steps = r->n_steps;
    a->sc.n_samples = r->cfg.n_samples;
    a->sc.post_sampling = r->src->post_sampling;   /* a property of the file: once */
    a->carry = chain_uses(&set->chain, &set->params, STAGE_MIROSTAT); /* (pipe_workers: then one worker) */
    return LS_OK;
}

/* DRY's sequence breakers, once for every setting that uses DRY */
static int build_breakers(struct eval_run *r, const struct eval_settings *set, size_t n_set, struct ls_error *err)
{
    int dry = 0;
    for (size_t k = 0; k < n_set; k++) dry |= chain_uses(&set[k].chain, &set[k].params, STAGE_DRY);
    if (!dry) return LS_OK;
    int rc = source_dry_breakers(r->src, r->cfg.dry_breakers, r->cfg.n_dry_breakers, &r->breakers, err);
    if (!rc) chain_ws_set_breakers(&r->w[0].ws, r->breakers); /* later workers get it at init */
    return rc;
}

/* One setting's chain on the worker's step: its carried state (mirostat's
 * mu) in, the run, the recorded token accepted, the state out. The state
 * follows the recorded tokens: the path the file's logits were computed on. */
static int run_setting(struct eval_run *r, struct eval_worker *w, struct eval_acc *a, int reuse,
                       struct chain_result *res)
{
    if (a->carry) {
        w->ws.mu = a->mu;
        w->ws.mu_set = a->mu_set;
    }
    int rc = topn_run(&a->set.chain, &a->set.params, w->logits, r->V,
                      w->info->sparse ? w->info->tail_mass : -1.0, w->info->token, reuse, &w->ws, res, &w->err);
    if (!a->carry) return rc;
    if (!rc && w->info->token >= 0) chain_accept(&a->set.chain, &a->set.params, &w->ws, res, w->info->token);
    a->mu = w->ws.mu;
    a->mu_set = w->ws.mu_set;
    return rc;
}

/* The run's N streams: stream i is seeded with the i-th output of a
 * generator seeded with the run's seed (the same for every setting) */
static int seed_streams(struct eval_run *r)
{
    size_t N = r->cfg.n_samples ? r->cfg.n_samples : 1;
    r->g = malloc(N * sizeof *r->g);
    if (!r->g) return -1;
    struct rng master;
    rng_seed(&master, r->cfg.seed);
    for (size_t i = 0; i < r->cfg.n_samples; i++) rng_seed(&r->g[i], rng_next(&master));
    return 0;
}

/* The diversity evaluator's bigram table, when small (eval_impl.h
 * bigram_tab); out of memory: none (the finish makes its own, or fails) */
static void premake_bigrams(struct eval_run *r)
{
    size_t n2 = (size_t)r->cfg.n_samples * (r->n_steps - 1), cap = eval_bigram_cap(n2);
    if (cap * sizeof *r->bigram_tab > EVAL_BIGRAM_PREMADE) return;
    r->bigram_tab = malloc(cap * sizeof *r->bigram_tab);
    r->bigram_cap = r->bigram_tab ? cap : 0;
}

int eval_run_new(const struct source *src, const struct eval_config *cfg,
                 const struct eval_settings *set, size_t n_set,
                 struct eval_run **out, struct ls_error *err)
{
    *out = NULL;
    if (n_set == 0) return ls_fail(err, LS_EINTERNAL, "eval: no settings");
    int rc = check_n(cfg, NULL, err); /* the evaluators' own checks run once, in init_states below */
    if (rc) return rc;
    if (src->n_steps == 0) return ls_fail(err, LS_EDATA, "%s: no steps to evaluate", src->path);
    uint64_t ntok = (uint64_t)cfg->n_samples * src->n_steps * n_set;
    if (ntok > EVAL_MAX_TOKENS)
        return ls_fail(err, LS_ELIMIT, "%u samples x %u steps x %zu settings = %llu continuation tokens "
                       "exceeds the limit of %u (use fewer samples)", cfg->n_samples, src->n_steps, n_set,
                       (unsigned long long)ntok, EVAL_MAX_TOKENS);
    struct eval_run *r = calloc(1, sizeof *r);
    if (!r) return ls_oom(err);
    r->src = src;
    r->V = src->vocab_size;
    r->n_steps = src->n_steps;
    r->cfg = *cfg;
    r->n_set = n_set;
    find_stops(r);
    rc = init_states(cfg, r->state, NULL, err);
    r->acc = calloc(n_set, sizeof *r->acc);
    r->rec = malloc((size_t)r->n_steps * sizeof *r->rec);
    if (!rc && (!r->acc || !r->rec || seed_streams(r) || eval_worker_init(r, &r->w[0], 0)))
        rc = ls_fail(err, LS_ELIMIT, "out of memory (V = %u)", src->vocab_size);
    for (size_t k = 0; k < n_set && !rc; k++) rc = acc_init(r, k, &set[k], err);
    for (size_t k = 0; k < n_set && !rc; k++) r->raw_total_read |= chain_reads_raw_total(&set[k].chain, &set[k].params);
    r->w[0].ws.raw_total_wanted = r->raw_total_read;
    if (!rc) rc = build_breakers(r, set, n_set, err);
    if (!rc) premake_bigrams(r);
    if (rc) { eval_run_free(r); return rc; }
    *out = r;
    return LS_OK;
}

int eval_run_buffers(struct eval_run *r, struct chain_span *out, size_t cap, size_t *n)
{
    struct eval_worker *w = &r->w[0];   /* the run's own: the one eval_run_step_set uses */
    struct chain_span sp[CHAIN_SPANS_MAX];
    int rc = LS_OK;
    *n = 0;
    for (size_t k = 0; k < r->n_set && !rc; k++) {
        size_t m = 0;
        const struct eval_settings *s = &r->acc[k].set;
        rc = chain_buffers(&s->chain, &s->params, &w->ws, &w->res[k < w->n_res ? k : 0], sp, CHAIN_SPANS_MAX, &m);
        for (size_t i = 0; i < m && *n < cap; i++) {
            size_t j = 0;
            while (j < *n && out[j].p != sp[i].p) j++;   /* the workspace and a shared p_raw: once */
            if (j == *n) out[(*n)++] = sp[i];
        }
    }
    size_t V = r->V ? r->V : 1;
    if (*n < cap) out[(*n)++] = (struct chain_span){ w->cdf, w->n_res * V * sizeof *w->cdf };
    if (r->bigram_tab && *n < cap) out[(*n)++] = (struct chain_span){ r->bigram_tab, r->bigram_cap * sizeof *r->bigram_tab };
    return rc;
}

/* Draw one token per continuation from setting k's final distribution
 * res, each with its stream's uniform of the step (draw.h: the same rule
 * as `sample`); a step worker drew them in its compute */
static void draw_all(const struct eval_run *r, struct eval_worker *w, struct eval_acc *a, size_t k,
                     const struct chain_result *res, uint32_t step)
{
    uint32_t N = r->cfg.n_samples;
    int32_t *t = a->tokens + step;
    if (w->batch) {
        const int32_t *wt = w->tok + k * N;
        for (uint32_t i = 0; i < N; i++) t[(size_t)i * r->n_steps] = wt[i];
        return;
    }
    w->dk[0] = draw_blocks_build(res, N, w->pre, w->cdf);
    for (uint32_t i = 0; i < N; i++) t[(size_t)i * r->n_steps] = draw_blocks_token_at(&w->dk[0], w->u[i]);
}

void eval_step_uniforms(struct eval_run *r, struct eval_worker *w)
{
    for (uint32_t i = 0; i < r->cfg.n_samples; i++) w->u[i] = rng_uniform(&r->g[i]);
}

int32_t eval_recorded(const struct eval_run *r, int32_t tok)
{
    return (tok >= 0 && (uint32_t)tok < r->V) ? tok : -1;
}

/* the result setting k uses on this worker */
static struct chain_result *res_of(struct eval_worker *w, size_t k)
{
    return &w->res[w->batch ? k : 0];
}

/* Setting k's chain on the worker's step. Settings after the first reuse
 * the step's raw softmax: in place with one result, else the first
 * setting's, whose p_raw array they share (eval_worker_init); its summary
 * fields and masked tokens' cuts are copied. */
static int compute_setting(struct eval_run *r, struct eval_worker *w, size_t k)
{
    struct chain_result *res = res_of(w, k);
    if (k > 0 && res != &w->res[0] && !w->info->sparse) chain_result_copy_raw(res, &w->res[0]);
    int rc = run_setting(r, w, &r->acc[k], k > 0, res);
    /* the step's raw total (chain_raw_total: a V-long pass) depends on the
     * shared p_raw alone: the settings after this one copy it instead */
    struct chain_result *r0 = &w->res[0];
    if (!rc && res != r0 && res->raw_total_set && !r0->raw_total_set && res->p_raw == r0->p_raw &&
        res->raw_div == r0->raw_div) {
        r0->raw_total = res->raw_total;
        r0->raw_total_set = 1;
    }
    if (!rc && w->batch) { /* the draws while the result is hot (the step's uniforms: eval_step_uniforms) */
        uint32_t N = r->cfg.n_samples;
        struct draw_blocks *d = &w->dk[k];
        *d = draw_blocks_build(res, N, w->pre + k * draw_blocks_len(r->V), w->cdf + k * (size_t)(r->V ? r->V : 1));
        draw_blocks_tokens_at(d, w->u, N, w->tok + k * N);
    }
    if (rc) {
        source_error_step(&w->err, w->step);
        ls_error_prefix(&w->err, r->src->path);
    }
    return rc;
}

/* Setting k's scores and draws of the worker's step (in step order). */
static void commit_setting(struct eval_run *r, struct eval_worker *w, size_t k)
{
    struct eval_acc *a = &r->acc[k];
    const struct chain_result *res = res_of(w, k);
    struct eval_step_view v = { w->step, w->logits, w->info, res, r->V, r->cfg.clip_threshold, r->src->vocab,
                                w->n_over };
    if (w->info->sparse) {
        a->sc.n_topn++;
        if (!res->topn.exact) { a->sc.n_topn_bounded++; a->sc.approximate = 1; }
    }
    for (int e = 0; eval_registry[e]; e++)
        if (eval_registry[e]->step) eval_registry[e]->step(a, &v);
    draw_all(r, w, a, k, res, w->step);
}

/* The non-finite check, then (with one result per setting) every
 * setting's chain. The stages' context is the recorded tokens before this
 * step (penalties), which the caller has filled in r->rec. */
int eval_step_compute(struct eval_run *r, struct eval_worker *w)
{
    uint32_t step = w->step;
    /* the step's first pass: its non-finite count and (the same for every
     * setting, eval_clipping.c reports it) its clipping count together */
    size_t n_over = 0, bad = vm_scan_abs_gt(w->logits, r->V, r->cfg.clip_threshold, &n_over, &w->ws.scan_pre);
    w->n_over = (uint32_t)n_over;
    w->ws.scan_z = NULL; /* the scan is handed to the chain just before its run (below) */
    if (bad == 0 && w->si.nonfinite_deferred) { /* a lent step's counts (w->info is &w->si): none */
        w->si.n_nan = w->si.n_posinf = w->si.n_neginf = 0;
        w->si.nonfinite_deferred = 0;
    }
    source_count_nonfinite(w->logits, r->V, &w->si);   /* a lent step with some: count them by kind */
    if (!r->cfg.allow_nonfinite && step_nonfinite_check(w->logits, r->V, w->info, r->cfg.nonfinite_hint, &w->err)) {
        source_error_step(&w->err, step);
        ls_error_prefix(&w->err, r->src->path);
        return LS_EDATA;
    }
    chain_ws_set_context(&w->ws, r->rec, step, 0, step, r->cfg.seed);
    w->ws.scan_z = w->logits; /* the first run on the step takes the scan above (chain_ws.scan_z) */
    w->ws.scan_n = r->V;
    for (size_t k = 0; w->batch && k < r->n_set; k++) {
        int rc = compute_setting(r, w, k);
        if (rc) return rc;
    }
    return LS_OK;
}

void eval_step_commit(struct eval_run *r, struct eval_worker *w)
{
    for (size_t k = 0; k < r->n_set; k++) commit_setting(r, w, k);
}

int eval_run_step(struct eval_run *r, const float *logits, const struct step_info *info,
                  struct ls_error *err)
{
    /* one result: each setting is run, scored and drawn before the next */
    for (size_t k = 0; k < r->n_set; k++) {
        int rc = eval_run_step_set(r, logits, info, k, err);
        if (rc) return rc;
    }
    return LS_OK;
}

int eval_run_step_set(struct eval_run *r, const float *logits, const struct step_info *info, size_t k,
                      struct ls_error *err)
{
    uint32_t step = r->steps_done;
    struct eval_worker *w = &r->w[0];
    if (step >= r->n_steps) return ls_fail(err, LS_EINTERNAL, "eval: more steps than the source has");
    if (k >= r->n_set) return ls_fail(err, LS_EINTERNAL, "eval: no setting %zu", k);
    int rc = LS_OK;
    if (k == 0) {   /* the step's own part, shared by its settings */
        r->rec[step] = eval_recorded(r, info->token);
        w->si = *info;
        w->si.token = r->rec[step];
        w->step = step;
        w->logits = logits;
        w->info = &w->si;
        rc = eval_step_compute(r, w);
        if (!rc) eval_step_uniforms(r, w); /* the streams in step order: every setting draws with them */
    }
    if (!rc) rc = compute_setting(r, w, k);
    if (!rc) commit_setting(r, w, k);
    if (rc) {
        if (err) *err = w->err;
        return rc;
    }
    if (k + 1 == r->n_set) r->steps_done++;
    return LS_OK;
}

/* Text of continuation i: the concatenated token bytes. */
static int sample_text(const struct eval_run *r, const struct eval_acc *a, uint32_t i,
                       char **buf, size_t *cap, size_t *len, uint64_t *unknown)
{
    size_t o = 0;
    const int32_t *t = a->tokens + (size_t)i * r->n_steps;
    for (uint32_t s = 0; s < r->n_steps; s++) {
        if (eval_stop_token(r, t[s])) break;
        if (t[s] < 0) continue;   /* nothing could be drawn at this step (draw_token) */
        char tmp[32];
        size_t l;
        int known;
        const char *p = vocab_text(r->src->vocab, t[s], tmp, sizeof tmp, &l, &known);
        if (!known) (*unknown)++;
        if (o + l + 1 > *cap) {
            size_t nc = *cap ? *cap : 256;
            while (nc < o + l + 1) nc *= 2;
            char *nb = realloc(*buf, nc);
            if (!nb) return LS_ELIMIT;
            *buf = nb;
            *cap = nc;
        }
        memcpy(*buf + o, p, l);
        o += l;
    }
    (*buf)[o] = 0;
    *len = o;
    return LS_OK;
}

static int past(int64_t deadline_ns)
{
    return deadline_ns > 0 && clock_ns() >= deadline_ns;
}

/* The sample evaluators over the continuations' texts, from fin_i on:
 * one continuation a piece */
static int finish_samples(struct eval_run *r, struct eval_acc *a, int64_t deadline_ns, const volatile int *cancel,
                          int *more, struct ls_error *err)
{
    size_t len = 0;
    while (a->sc.texts_known && r->fin_i < r->cfg.n_samples) {
        if (cancel && *cancel) return ls_fail(err, LS_EINTERNAL, "cancelled");
        if (sample_text(r, a, r->fin_i, &r->fin_buf, &r->fin_cap, &len, &a->sc.n_unknown_text))
            return ls_fail(err, LS_ELIMIT, "out of memory building sample text");
        for (int e = 0; eval_registry[e]; e++) {
            int rc = eval_registry[e]->sample ? eval_registry[e]->sample(r->state[e], r, a, r->fin_i, r->fin_buf,
                                                                          len, err) : LS_OK;
            if (rc) return rc;
        }
        a->n_text_samples++;
        if (++r->fin_i < r->cfg.n_samples && past(deadline_ns)) { *more = 1; return LS_OK; }
    }
    return LS_OK;
}

/* Each evaluator's finish in registry order, from fin_e on: one a piece,
 * or a piece of one that finishes in pieces */
static int finish_evaluators(struct eval_run *r, struct eval_acc *a, int64_t deadline_ns, int *more,
                             struct ls_error *err)
{
    while (eval_registry[r->fin_e]) {
        const struct evaluator *ev = eval_registry[r->fin_e];
        void *st = r->state[r->fin_e];
        int rc = LS_OK, part = 0;
        if (ev->finish_part) rc = ev->finish_part(st, r, a, deadline_ns, &part, err);
        else if (ev->finish) rc = ev->finish(st, r, a, err);
        if (rc) return rc;
        if (part) { *more = 1; return LS_OK; }
        r->fin_e++;
        if (eval_registry[r->fin_e] && past(deadline_ns)) { *more = 1; return LS_OK; }
    }
    return LS_OK;
}

int eval_run_finish_part(struct eval_run *r, size_t k, int64_t deadline_ns, const volatile int *cancel, int *more,
                         struct ls_error *err)
{
    *more = 0;
    if (r->steps_done != r->n_steps)
        return ls_fail(err, LS_EINTERNAL, "eval: finish after %u of %u steps", r->steps_done, r->n_steps);
    if (k >= r->n_set) return ls_fail(err, LS_EINTERNAL, "eval: finish of setting %zu of %zu", k, r->n_set);
    if (r->fin_busy && r->fin_k != k)
        return ls_fail(err, LS_EINTERNAL, "eval: finish of setting %zu while %zu's goes on", k, r->fin_k);
    struct eval_acc *a = &r->acc[k];
    if (!r->fin_busy) {
        r->fin_busy = 1;
        r->fin_k = k;
        r->fin_i = 0;
        r->fin_e = 0;
        a->sc.texts_known = r->src->vocab != NULL;
    }
    int rc = finish_samples(r, a, deadline_ns, cancel, more, err);
    if (!rc && !*more) rc = finish_evaluators(r, a, deadline_ns, more, err);
    if (rc || !*more) {   /* the setting's finish is over (an error ends it too) */
        r->fin_busy = 0;
        free(r->fin_buf);
        r->fin_buf = NULL;
        r->fin_cap = 0;
    }
    if (!rc && !*more && k + 1 == r->n_set) r->finished = 1;
    return rc;
}

int eval_run_finish_set(struct eval_run *r, size_t k, const volatile int *cancel, struct ls_error *err)
{
    int more;
    return eval_run_finish_part(r, k, 0, cancel, &more, err);
}

int eval_run_finish(struct eval_run *r, const volatile int *cancel, struct ls_error *err)
{
    int rc = LS_OK;   /* eval_run_new refuses n_set = 0 */
    for (size_t k = 0; k < r->n_set && !rc; k++) rc = eval_run_finish_set(r, k, cancel, err);
    return rc;
}

const struct eval_scores *eval_run_scores(const struct eval_run *r, size_t set)
{
    return set < r->n_set ? &r->acc[set].sc : NULL;
}

const int32_t *eval_run_tokens(const struct eval_run *r, size_t set)
{
    return set < r->n_set ? r->acc[set].tokens : NULL;
}

void eval_run_series(const struct eval_run *r, size_t set, struct eval_step_series *o)
{
    memset(o, 0, sizeof *o);
    if (set >= r->n_set) return;
    const struct eval_acc *a = &r->acc[set];
    o->nll_raw = a->s_nll_raw;
    o->p_chain = a->s_p_chain;
    o->entropy = a->s_entropy;
    o->kept = a->s_kept;
    o->clipped = a->s_clipped;
}
