/* lm_file.c: writing and reading the built-in model's file (format in lm.h).
 *
 * Reading trusts nothing: sizes are checked against what the file holds
 * before anything is allocated, the payload's CRC-32 must match, and every
 * id, count and order relation the model relies on is verified, so a
 * corrupt or truncated file gives one clear line and exit 4, never a crash
 * (tests/fuzz/fuzz_model.c replays a corpus of broken files). */
#include "model/lm.h"
#include "base/fileio.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const char magic[8] = "LSMODEL";   /* + the NUL */

struct wbuf { unsigned char *p; size_t n, cap; int oom; };

static void put(struct wbuf *b, const void *src, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 1 << 16;
        while (nc < b->n + n) nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np) { b->oom = 1; return; }
        b->p = np; b->cap = nc;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u32(struct wbuf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    put(b, x, 4);
}

static void put_u64(struct wbuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_level(struct wbuf *b, const struct ngram_level *lv, uint32_t n)
{
    put_u32(b, lv->n_ctx);
    put_u32(b, lv->fol_off[lv->n_ctx]);
    for (size_t i = 0; i < (size_t)lv->n_ctx * (n - 1); i++) put_u32(b, lv->ctx_ids[i]);
    for (uint32_t c = 0; c < lv->n_ctx; c++) put_u32(b, lv->fol_off[c + 1] - lv->fol_off[c]);
    for (uint32_t f = 0; f < lv->fol_off[lv->n_ctx]; f++) { put_u32(b, lv->fol[f].tok); put_u32(b, lv->fol[f].count); }
}

static void put_payload(struct wbuf *b, const struct lm *m)
{
    const struct ngram *g = &m->ng;
    uint32_t dl = (uint32_t)strlen(m->description);
    put_u32(b, g->V); put_u32(b, g->order); put_u32(b, m->bpe.n_merges); put_u32(b, dl);
    put(b, m->description, dl);
    for (uint32_t n = 1; n <= g->order; n++) {
        uint64_t bits;
        memcpy(&bits, &g->discount[n], sizeof bits);
        put_u64(b, bits);
    }
    for (uint32_t i = 0; i < m->bpe.n_merges; i++) { put_u32(b, m->bpe.merges[i].a); put_u32(b, m->bpe.merges[i].b); }
    for (uint32_t w = 0; w < g->V; w++) put_u32(b, g->uni[w]);
    for (uint32_t n = 2; n <= g->order; n++) put_level(b, &g->lv[n], n);
}

int lm_save(const struct lm *m, const char *path, struct ls_error *err)
{
    struct wbuf pl = {0}, out = {0};
    put_payload(&pl, m);
    uLongf clen = compressBound((uLong)pl.n);
    unsigned char *z = pl.oom ? NULL : malloc(clen);
    int rc = LS_OK;
    if (!z || compress2(z, &clen, pl.p, (uLong)pl.n, 9) != Z_OK) {
        rc = ls_fail(err, LS_ELIMIT, "out of memory while compressing the model");
    } else {
        put(&out, magic, 8);
        put_u32(&out, LM_FILE_VERSION); put_u32(&out, 0);
        put_u64(&out, pl.n); put_u64(&out, clen);
        put_u32(&out, (uint32_t)crc32(0L, pl.p, (uInt)pl.n)); put_u32(&out, 0);
        put(&out, z, clen);
        rc = out.oom ? ls_oom(err) : file_write_atomic(path, out.p, out.n, err);
    }
    free(z); free(pl.p); free(out.p);
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

struct rbuf { const unsigned char *p; size_t n, at; int short_read; };

static uint32_t get_u32(struct rbuf *r)
{
    if (r->n - r->at < 4) { r->short_read = 1; r->at = r->n; return 0; }
    const unsigned char *x = r->p + r->at;
    r->at += 4;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

static uint64_t get_u64(struct rbuf *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

/* Room for n records of `size` bytes left in r? (checked before allocating) */
static int room(const struct rbuf *r, uint64_t n, uint64_t size)
{
    return size == 0 || n <= (r->n - r->at) / size;
}

static int corrupt(struct ls_error *err, const char *what)
{
    return ls_fail(err, LS_EDATA, "corrupt model file: %s", what);
}

/* a < b in lexicographic order (w ids each) */
static int ids_ascending(const uint32_t *a, const uint32_t *b, uint32_t w)
{
    for (uint32_t k = 0; k < w; k++)
        if (a[k] != b[k]) return a[k] < b[k];
    return 0;
}

/* Histories strictly ascending, followers strictly ascending, ids < V. */
static int check_level(const struct ngram_level *lv, uint32_t n, uint32_t V, struct ls_error *err)
{
    uint32_t w = n - 1;
    for (uint32_t c = 0; c < lv->n_ctx; c++) {
        const uint32_t *h = lv->ctx_ids + (size_t)c * w;
        for (uint32_t k = 0; k < w; k++) if (h[k] >= V) return corrupt(err, "token id out of range in a history");
        if (c && !ids_ascending(h - w, h, w)) return corrupt(err, "histories out of order");
        for (uint32_t f = lv->fol_off[c]; f < lv->fol_off[c + 1]; f++) {
            if (lv->fol[f].tok >= V || !lv->fol[f].count) return corrupt(err, "bad follower (token id out of range or zero count)");
            if (f > lv->fol_off[c] && lv->fol[f].tok <= lv->fol[f - 1].tok) return corrupt(err, "followers out of order");
        }
    }
    return LS_OK;
}

static int get_level(struct rbuf *r, struct ngram_level *lv, uint32_t n, uint32_t V, struct ls_error *err)
{
    uint32_t n_ctx = get_u32(r), n_fol = get_u32(r);
    if (!room(r, n_ctx, 4ull * n) || !room(r, n_fol, 8) || n_fol < n_ctx) return corrupt(err, "table sizes exceed the file");
    lv->ctx_ids = malloc(((size_t)n_ctx * (n - 1) + 1) * sizeof *lv->ctx_ids);
    lv->fol_off = malloc(((size_t)n_ctx + 1) * sizeof *lv->fol_off);
    lv->fol = malloc(((size_t)n_fol + 1) * sizeof *lv->fol);
    if (!lv->ctx_ids || !lv->fol_off || !lv->fol) return ls_oom(err);
    lv->n_ctx = n_ctx;
    for (size_t i = 0; i < (size_t)n_ctx * (n - 1); i++) lv->ctx_ids[i] = get_u32(r);
    uint64_t sum = 0;
    lv->fol_off[0] = 0;
    for (uint32_t c = 0; c < n_ctx; c++) {
        uint32_t k = get_u32(r);
        if (!k) return corrupt(err, "a history without followers");
        sum += k;
        if (sum > n_fol) return corrupt(err, "follower counts exceed the table");
        lv->fol_off[c + 1] = (uint32_t)sum;
    }
    if (sum != n_fol) return corrupt(err, "follower counts do not add up");
    for (uint32_t f = 0; f < n_fol; f++) { lv->fol[f].tok = get_u32(r); lv->fol[f].count = get_u32(r); }
    if (r->short_read) return corrupt(err, "payload ends early");
    return check_level(lv, n, V, err);
}

static int get_head(struct rbuf *r, struct lm *m, struct ls_error *err)
{
    struct ngram *g = &m->ng;
    g->V = get_u32(r); g->order = get_u32(r);
    uint32_t n_merges = get_u32(r), dl = get_u32(r);
    if (r->short_read) return corrupt(err, "payload ends early");
    if (g->order < 1 || g->order > NGRAM_MAX_ORDER) return corrupt(err, "order outside 1..6");
    if (n_merges > BPE_MAX_VOCAB - BPE_FIRST_MERGE || g->V != BPE_FIRST_MERGE + n_merges)
        return corrupt(err, "vocabulary size does not match the merges");
    if (dl >= sizeof m->description || !room(r, dl, 1)) return corrupt(err, "bad description length");
    memcpy(m->description, r->p + r->at, dl);
    m->description[dl] = 0;
    r->at += dl;
    for (uint32_t n = 1; n <= g->order; n++) {
        uint64_t bits = get_u64(r);
        memcpy(&g->discount[n], &bits, sizeof bits);
        if (!(g->discount[n] > 0.0 && g->discount[n] < 1.0)) return corrupt(err, "discount outside (0, 1)");
    }
    if (!room(r, n_merges, 8) || !room(r, g->V, 4)) return corrupt(err, "payload ends early");
    struct bpe_merge *mg = malloc((n_merges + 1) * sizeof *mg);
    g->uni = malloc(g->V * sizeof *g->uni);
    if (!mg || !g->uni) { free(mg); return ls_oom(err); }
    for (uint32_t i = 0; i < n_merges; i++) { mg[i].a = get_u32(r); mg[i].b = get_u32(r); }
    for (uint32_t w = 0; w < g->V; w++) g->uni[w] = get_u32(r);
    int rc = bpe_from_merges(&m->bpe, mg, n_merges, err);
    free(mg);
    if (rc == LS_EDATA) ls_error_prefix(err, "corrupt model file");
    return rc;
}

static int get_payload(struct rbuf *r, struct lm *m, struct ls_error *err)
{
    int rc = get_head(r, m, err);
    for (uint32_t n = 2; !rc && n <= m->ng.order; n++) rc = get_level(r, &m->ng.lv[n], n, m->ng.V, err);
    if (!rc && r->at != r->n) rc = corrupt(err, "bytes left after the last table");
    m->ng.eos = BPE_EOS;
    if (!rc) rc = ngram_finish(&m->ng, 0, err);
    return rc;
}

int lm_load_payload(const unsigned char *buf, size_t len, struct lm *out, struct ls_error *err)
{
    memset(out, 0, sizeof *out);
    struct rbuf r = { buf, len, 0, 0 };
    int rc = get_payload(&r, out, err);
    if (rc) lm_free(out);
    return rc;
}

/* Header checks; *plen the payload length. */
static int get_header(const unsigned char *buf, size_t len, uint64_t *plen, uint64_t *clen,
                      uint32_t *crc, struct ls_error *err)
{
    if (len < 8 || memcmp(buf, magic, 8))
        return ls_fail(err, LS_EDATA, "not a logitscope model file (bad magic; train one with `logitscope train`)");
    if (len < LM_HEADER_SIZE) return ls_fail(err, LS_EDATA, "truncated model file (%zu bytes, the header alone is %u)", len, LM_HEADER_SIZE);
    struct rbuf r = { buf, len, 8, 0 };
    uint32_t version = get_u32(&r), flags = get_u32(&r);
    *plen = get_u64(&r); *clen = get_u64(&r); *crc = get_u32(&r);
    if (version != LM_FILE_VERSION) return ls_fail(err, LS_EDATA, "model file version %u is not supported (this build reads %u)", version, LM_FILE_VERSION);
    if (flags || get_u32(&r)) return corrupt(err, "unknown flags");
    if (*clen != len - LM_HEADER_SIZE)
        return ls_fail(err, LS_EDATA, "truncated or padded model file (%zu bytes, the header says %llu)", len,
                       (unsigned long long)(*clen + LM_HEADER_SIZE));
    if (*plen > LM_MAX_PAYLOAD) return ls_fail(err, LS_ELIMIT, "model payload of %llu bytes exceeds the limit of %llu", (unsigned long long)*plen, (unsigned long long)LM_MAX_PAYLOAD);
    if (*plen / 1100 > *clen) return corrupt(err, "payload length impossible for its compressed size");
    return LS_OK;
}

int lm_load_buffer(const unsigned char *buf, size_t len, struct lm *out, struct ls_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t plen = 0, clen = 0;
    uint32_t crc = 0;
    int rc = get_header(buf, len, &plen, &clen, &crc, err);
    if (rc) return rc;
    unsigned char *pl = malloc(plen ? plen : 1);
    if (!pl) return ls_fail(err, LS_ELIMIT, "out of memory for a %llu-byte model", (unsigned long long)plen);
    uLongf got = (uLongf)plen;
    if (uncompress(pl, &got, buf + LM_HEADER_SIZE, (uLong)clen) != Z_OK || got != plen)
        rc = corrupt(err, "compressed payload does not inflate to its length");
    else if ((uint32_t)crc32(0L, pl, (uInt)plen) != crc)
        rc = corrupt(err, "checksum mismatch");
    struct rbuf r = { pl, plen, 0, 0 };
    if (!rc) rc = get_payload(&r, out, err);
    free(pl);
    if (rc) lm_free(out);
    return rc;
}

int lm_read_whole(const char *path, uint64_t cap, const char *what, unsigned char **buf, size_t *len,
                  struct ls_error *err)
{
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    if (size > cap) rc = ls_fail(err, LS_ELIMIT, "%s of %llu bytes exceeds the limit of %llu", what, (unsigned long long)size, (unsigned long long)cap);
    else if (!(*buf = malloc(size ? (size_t)size : 1))) rc = ls_oom(err);
    else if ((rc = file_pread_exact(fd, *buf, (size_t)size, 0, err))) free(*buf);
    *len = (size_t)size;
    close(fd);
    return rc;
}

int lm_load(const char *path, struct lm *out, struct ls_error *err)
{
    unsigned char *buf;
    size_t len;
    int rc = lm_read_whole(path, LM_MAX_PAYLOAD, "model file", &buf, &len, err);
    if (!rc) {
        rc = lm_load_buffer(buf, len, out, err);
        free(buf);
    }
    if (rc) ls_error_prefix(err, path);
    return rc;
}
