/* load_kld.c: llama-perplexity --kl-divergence-base files (formats.md 13).
 *
 *   "_logits_"  int32 n_ctx, n_vocab, n_chunk
 *   int32 tokens[n_ctx * n_chunk]
 *   n_chunk x R records, R = n_ctx - 1 - n_ctx/2, each nv = 2*((n_vocab+1)/2) + 4
 *   uint16: float32 scale, float32 min_log_prob, q[n_vocab] (+1 pad if odd)
 *
 * Every scored position is a step: record r of chunk c is the distribution
 * at position p = n_ctx/2 + r and its recorded token is the next one,
 * tokens[c*n_ctx + p + 1]. Logits are the dequantised log-probabilities
 * min_log_prob + scale * q[i] (already normalised; softmax leaves them as
 * they are). q = 0 means "at or below the floor" (16 nats under the top
 * token): those tokens get the floor value min_log_prob.
 *
 * The file size must equal 20 + 4*n_ctx*n_chunk + n_chunk*R*nv*2 exactly
 * (checked arithmetic). Records are read one at a time with pread; tokens
 * are checked once at open (streamed) and read per step. Host-endian in the
 * file; little-endian is assumed (the only kind llama.cpp users have). */
#include "base/fileio.h"
#include "input/halffloat.h"
#include "input/loader.h"
#include "input/source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kld {
    int fd;
    uint32_t n_ctx, n_vocab, n_chunk, R;
    uint64_t nv;            /* uint16 values per record */
    uint64_t rec_off;       /* file offset of the first record */
    unsigned char *rec;     /* nv*2 bytes */
};

static int32_t gi32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    int32_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static float gf32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

int kld_read_step(struct source *s, uint32_t step, float *logits, struct step_info *info, struct ls_error *err)
{
    struct kld *k = s->impl;
    uint32_t c = step / k->R, r = step % k->R;
    uint64_t off = k->rec_off + (uint64_t)step * k->nv * 2;
    int rc = file_pread_exact(k->fd, k->rec, (size_t)(k->nv * 2), off, err);
    if (rc) return rc;
    float scale = gf32(k->rec), minlp = gf32(k->rec + 4);
    if (!isfinite(scale) || !isfinite(minlp) || scale < 0)
        return ls_fail(err, LS_EDATA, "kld: record %u (chunk %u, position %u): invalid scale %g / min_log_prob %g",
                       step, c, k->n_ctx / 2 + r, (double)scale, (double)minlp);
    const unsigned char *q = k->rec + 8;
    for (uint32_t i = 0; i < k->n_vocab; i++) {
        unsigned v = (unsigned)q[2 * i] | ((unsigned)q[2 * i + 1] << 8);
        logits[i] = hf_f64_to_f32((double)minlp + (double)scale * v);
    }
    info->n_nan = info->n_posinf = info->n_neginf = 0;
    for (uint32_t i = 0; i < k->n_vocab; i++)
        if (!isfinite(logits[i])) { if (logits[i] > 0) info->n_posinf++; else info->n_neginf++; }
    unsigned char t[4];
    uint64_t p = (uint64_t)c * k->n_ctx + k->n_ctx / 2 + r + 1;
    if ((rc = file_pread_exact(k->fd, t, 4, 20 + p * 4, err))) return rc;
    int32_t tok = gi32(t);
    info->token = tok >= 0 && (uint32_t)tok < k->n_vocab ? tok : -1;
    return LS_OK;
}

void kld_close(struct source *s)
{
    struct kld *k = s->impl;
    if (!k) return;
    close(k->fd);
    free(k->rec);
    free(k);
}

/* Count out-of-range tokens once, streaming through the token table. */
static int count_bad_tokens(int fd, uint64_t tok_bytes, int32_t n_vocab, uint64_t *bad, int32_t *first_bad,
                            struct ls_error *err)
{
    unsigned char buf[4096];
    for (uint64_t o = 0; o < tok_bytes; o += sizeof buf) {
        size_t n = (size_t)(tok_bytes - o < sizeof buf ? tok_bytes - o : sizeof buf);
        int rc = file_pread_exact(fd, buf, n, 20 + o, err);
        if (rc) return rc;
        for (size_t i = 0; i + 4 <= n; i += 4) {
            int32_t t = gi32(buf + i);
            if (t < 0 || t >= n_vocab) { if (!*bad) *first_bad = t; (*bad)++; }
        }
    }
    return LS_OK;
}

int kld_sniff(const struct input_probe *p)
{
    return probe_magic(p, "_logits_", 8);
}

int load_kld(const struct input_job *j, struct source **out, struct ls_error *err)
{
    const char *path = j->path;
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    unsigned char h[20];
    struct kld *k = NULL;
    if (size < 20) {
        rc = size >= 8 ? file_pread_exact(fd, h, 8, 0, err) : LS_OK;
        if (!rc && (size < 8 || memcmp(h, "_logits_", 8) != 0)) rc = ls_fail(err, LS_EDATA, "not a kld file (no _logits_ magic)");
        else if (!rc) rc = ls_fail(err, LS_EDATA, "kld: truncated header (%llu of 20 bytes)", (unsigned long long)size);
        goto fail;
    }
    if ((rc = file_pread_exact(fd, h, 20, 0, err))) goto fail;
    if (memcmp(h, "_logits_", 8) != 0) { rc = ls_fail(err, LS_EDATA, "not a kld file (no _logits_ magic)"); goto fail; }
    int32_t n_ctx = gi32(h + 8), n_vocab = gi32(h + 12), n_chunk = gi32(h + 16);
    if (n_ctx < 3) { rc = ls_fail(err, LS_EDATA, "kld header: n_ctx %d: need at least 3 (no scored positions)", n_ctx); goto fail; }
    if (n_vocab < 1) { rc = ls_fail(err, LS_EDATA, "kld header: n_vocab %d is not positive", n_vocab); goto fail; }
    if (n_chunk < 1) { rc = ls_fail(err, LS_EDATA, "kld header: n_chunk %d is not positive", n_chunk); goto fail; }
    if ((uint32_t)n_vocab > LS_MAX_VOCAB) {
        rc = ls_fail(err, LS_ELIMIT, "kld header: n_vocab %d exceeds the limit of %u", n_vocab, LS_MAX_VOCAB);
        goto fail;
    }
    uint64_t R = (uint64_t)n_ctx - 1 - (uint64_t)n_ctx / 2;
    uint64_t nv = 2 * (((uint64_t)n_vocab + 1) / 2) + 4;
    uint64_t ntok, tok_bytes, nrec, rec_bytes, all, expect = 0;
    int ok = u64_mul((uint64_t)n_ctx, (uint64_t)n_chunk, &ntok) && u64_mul(ntok, 4, &tok_bytes) &&
             u64_mul((uint64_t)n_chunk, R, &nrec) && u64_mul(nv, 2, &rec_bytes) &&
             u64_mul(nrec, rec_bytes, &all) && u64_add(20 + tok_bytes, all, &expect);
    if (!ok || expect != size) {
        if (!ok)
            rc = ls_fail(err, LS_EDATA, "kld: size does not match the header (n_ctx %d, n_vocab %d, n_chunk %d need more than 2^64 bytes)",
                         n_ctx, n_vocab, n_chunk);
        else
            rc = ls_fail(err, LS_EDATA, "kld: size %llu bytes does not match the header (n_ctx %d, n_vocab %d, n_chunk %d need %llu bytes)",
                         (unsigned long long)size, n_ctx, n_vocab, n_chunk, (unsigned long long)expect);
        goto fail;
    }
    if (nrec > UINT32_MAX) { rc = ls_fail(err, LS_ELIMIT, "kld: %llu scored positions exceeds the limit of %u", (unsigned long long)nrec, UINT32_MAX); goto fail; }
    k = calloc(1, sizeof *k);
    if (!k || !(k->rec = malloc((size_t)rec_bytes))) { rc = ls_oom(err); goto fail; }
    k->fd = fd;
    k->n_ctx = (uint32_t)n_ctx;
    k->n_vocab = (uint32_t)n_vocab;
    k->n_chunk = (uint32_t)n_chunk;
    k->R = (uint32_t)R;
    k->nv = nv;
    k->rec_off = 20 + tok_bytes;
    uint64_t bad = 0;
    int32_t first_bad = 0;
    if ((rc = count_bad_tokens(fd, tok_bytes, n_vocab, &bad, &first_bad, err))) goto fail;
    struct source *s = source_alloc(j->ops, path);
    if (!s) { rc = ls_oom(err); goto fail; }
    s->impl = k;
    s->n_steps = (uint32_t)nrec;
    s->vocab_size = (uint32_t)n_vocab;
    s->dtype = "q16";
    s->has_tokens = 1;
    if (bad)
        source_warn(s, "kld: %llu token ids outside [0, %d) (first: %d); those steps have no recorded token",
                    (unsigned long long)bad, n_vocab, first_bad);
    *out = s;
    return LS_OK;
fail:
    if (k) { free(k->rec); free(k); }
    close(fd);
    return rc;
}
