/* lm.c: training the built-in model and serving it as a model source
 * (see lm.h and model.h). */
#include "model/lm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct phase_ctx { const struct lm_train_opts *o; int phase; };

static void phase_progress(void *ctx, uint64_t done, uint64_t total)
{
    const struct phase_ctx *p = ctx;
    if (p->o->progress) p->o->progress(p->o->ctx, p->phase, done, total);
}

static int check_text(const char *text, size_t len, struct ls_error *err)
{
    const char *nul = memchr(text, 0, len);
    if (nul) return ls_fail(err, LS_EDATA, "NUL byte at offset %zu: binary data, not text", (size_t)(nul - text));
    for (size_t i = 0; i < len; i++)
        if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t') return LS_OK;
    return ls_fail(err, LS_EDATA, "no text to learn from (empty or blank)");
}

/* Every non-blank line encoded, each followed by e, after a leading e. */
static int encode_docs(const struct bpe *b, const char *text, size_t len, struct phase_ctx *pc,
                       int32_t **out, size_t *n, struct ls_error *err)
{
    size_t cap = len + 2, w = 0;
    int32_t *toks = malloc(cap * sizeof *toks);   /* never more tokens than bytes + separators */
    if (!toks) return ls_fail(err, LS_ELIMIT, "out of memory for %zu tokens", cap);
    toks[w++] = BPE_EOS;
    for (size_t i = 0, line = 0; i <= len; i++) {
        if (i < len && text[i] != '\n') continue;
        size_t e = i;
        if (e > line && text[e - 1] == '\r') e--;
        if (e > line) {
            int32_t *ids;
            uint32_t k;
            int rc = bpe_encode(b, text + line, e - line, &ids, &k, err);
            if (rc) { free(toks); return rc; }
            memcpy(toks + w, ids, k * sizeof *ids);
            w += k;
            toks[w++] = BPE_EOS;
            free(ids);
        }
        line = i + 1;
        if ((i & 0xFFFF) == 0) phase_progress(pc, i, len);
    }
    *out = toks;
    *n = w;
    return LS_OK;
}

int lm_train(const char *text, size_t len, const struct lm_train_opts *o, struct lm *out,
             struct ls_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_text(text, len, err);
    if (rc) return rc;
    if (o->vocab_size < BPE_FIRST_MERGE || o->vocab_size > BPE_MAX_VOCAB)
        return ls_fail(err, LS_EUSAGE, "vocabulary size %u is outside %u..%u", o->vocab_size, BPE_FIRST_MERGE, BPE_MAX_VOCAB);
    struct phase_ctx pc = { o, 0 };
    if ((rc = bpe_train(text, len, o->vocab_size - BPE_FIRST_MERGE, phase_progress, &pc, &out->bpe, err))) return rc;
    int32_t *toks = NULL;
    size_t n = 0;
    pc.phase = 1;
    rc = encode_docs(&out->bpe, text, len, &pc, &toks, &n, err);
    pc.phase = 2;
    if (!rc) rc = ngram_train(toks, n, bpe_vocab_size(&out->bpe), o->order, BPE_EOS, phase_progress, &pc, &out->ng, err);
    free(toks);
    if (rc) { lm_free(out); return rc; }
    snprintf(out->description, sizeof out->description,
             "built-in n-gram model (interpolated Kneser-Ney, order %u) over a byte-level BPE vocabulary of %u tokens, trained on %zu tokens",
             o->order, bpe_vocab_size(&out->bpe), n);
    return LS_OK;
}

void lm_free(struct lm *m)
{
    bpe_free(&m->bpe);
    ngram_free(&m->ng);
}

/* ---- the model source ------------------------------------------------- */

static int lm_next(struct model *m, const int32_t *ctx, uint32_t n, float *out, struct ls_error *err)
{
    struct lm *l = m->impl;
    /* only the tokens the n-gram reads: checking the whole context would
     * make a step's cost grow with the position */
    uint32_t from = n >= l->ng.order ? n - (l->ng.order - 1) : 0;
    for (uint32_t i = from; i < n; i++)
        if (ctx[i] < 0 || (uint32_t)ctx[i] >= m->V) return ls_fail(err, LS_EINTERNAL, "context token %d out of range", ctx[i]);
    ngram_logprobs(&l->ng, ctx, n, out);
    return LS_OK;
}

static int lm_encode(const struct model *m, const char *text, size_t len, int32_t **ids, uint32_t *n,
                     struct ls_error *err)
{
    const struct lm *l = m->impl;
    return bpe_encode(&l->bpe, text, len, ids, n, err);
}

static void lm_close(struct model *m)
{
    lm_free(m->impl);
    free(m->impl);
}

static const struct model_ops lm_ops = { "ngram", lm_next, lm_encode, lm_close };

int lm_model(struct lm *l, const char *name, struct model **out, struct ls_error *err)
{
    struct model *m = calloc(1, sizeof *m);
    struct lm *own = malloc(sizeof *own);
    if (!m || !own) { free(m); free(own); lm_free(l); return ls_oom(err); }
    *own = *l;
    memset(l, 0, sizeof *l);
    m->ops = &lm_ops;
    m->impl = own;
    m->V = own->ng.V;
    m->eos = BPE_EOS;
    m->vocab = own->bpe.vocab;
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->description, sizeof m->description, "%s", own->description);
    *out = m;
    return LS_OK;
}
