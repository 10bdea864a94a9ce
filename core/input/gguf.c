/* gguf.c: the vocabulary of a GGUF model file (formats.md 15).
 *
 * Walks the header key/value pairs with a small buffered reader and keeps
 * only tokenizer.ggml.tokens (array of strings, indexed by id) and
 * tokenizer.ggml.model (the decoding style: "gpt2" byte-level BPE, "llama"
 * and "t5" SentencePiece, else plain). Every other value is skipped by its
 * size; the tensor infos and tensor data are never read. Defensive like
 * ggml's gguf.cpp: versions 2 and 3 only (1 and byte-swapped headers are
 * refused), every length and count is checked against the bytes that remain
 * before it is used (overflow-checked), nested arrays, unknown types, empty
 * keys and keys over 65535 bytes are errors, tokens longer than
 * VOCAB_TOKEN_MAX are a limit error, and a duplicated tokenizer key is an
 * error. Messages start with "gguf: ". */
#include "input/vocab_fmt.h"
#include "base/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rd {
    int fd;
    uint64_t size, pos;       /* logical read position */
    uint64_t boff;            /* file offset of buf[0] */
    size_t blen;
    unsigned char buf[65536];
};

static int rd_need(struct rd *r, uint64_t n, const char *what, struct ls_error *err)
{
    if (n > r->size - r->pos)
        return ls_fail(err, LS_EDATA, "gguf: truncated: %s needs %llu bytes at offset %llu, %llu remain", what,
                       (unsigned long long)n, (unsigned long long)r->pos, (unsigned long long)(r->size - r->pos));
    return LS_OK;
}

static int rd_bytes(struct rd *r, void *out, size_t n, const char *what, struct ls_error *err)
{
    int rc = rd_need(r, n, what, err);
    if (rc) return rc;
    unsigned char *o = out;
    while (n > 0) {
        if (r->pos < r->boff || r->pos >= r->boff + r->blen) {
            uint64_t left = r->size - r->pos;
            size_t k = left < sizeof r->buf ? (size_t)left : sizeof r->buf;
            if ((rc = file_pread_exact(r->fd, r->buf, k, r->pos, err))) return rc;
            r->boff = r->pos;
            r->blen = k;
        }
        size_t at = (size_t)(r->pos - r->boff), k = r->blen - at;
        if (k > n) k = n;
        memcpy(o, r->buf + at, k);
        o += k;
        n -= k;
        r->pos += k;
    }
    return LS_OK;
}

static int rd_skip(struct rd *r, uint64_t n, const char *what, struct ls_error *err)
{
    int rc = rd_need(r, n, what, err);
    if (rc) return rc;
    r->pos += n;
    return LS_OK;
}

static int rd_u32(struct rd *r, uint32_t *v, const char *what, struct ls_error *err)
{
    unsigned char b[4];
    int rc = rd_bytes(r, b, 4, what, err);
    if (!rc) *v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return rc;
}

static int rd_u64(struct rd *r, uint64_t *v, const char *what, struct ls_error *err)
{
    uint32_t lo, hi;
    int rc = rd_u32(r, &lo, what, err);
    if (!rc) rc = rd_u32(r, &hi, what, err);
    if (!rc) *v = ((uint64_t)hi << 32) | lo;
    return rc;
}

enum { G_U8, G_I8, G_U16, G_I16, G_U32, G_I32, G_F32, G_BOOL, G_STR, G_ARR, G_U64, G_I64, G_F64, G_NTYPES };

static uint64_t type_size(uint32_t t)
{
    static const unsigned char sz[G_NTYPES] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    return t < G_NTYPES ? sz[t] : 0;
}

static int skip_value(struct rd *r, uint32_t type, const char *key, struct ls_error *err)
{
    uint64_t n;
    int rc;
    if (type >= G_NTYPES) return ls_fail(err, LS_EDATA, "gguf: key '%.60s': unknown value type %u", key, type);
    if (type == G_STR) {
        if ((rc = rd_u64(r, &n, "a string length", err))) return rc;
        return rd_skip(r, n, "a string", err);
    }
    if (type != G_ARR) return rd_skip(r, type_size(type), "a value", err);
    uint32_t et;
    if ((rc = rd_u32(r, &et, "an array type", err)) || (rc = rd_u64(r, &n, "an array count", err))) return rc;
    if (et == G_ARR) return ls_fail(err, LS_EDATA, "gguf: key '%.60s': nested arrays are not supported", key);
    if (et >= G_NTYPES) return ls_fail(err, LS_EDATA, "gguf: key '%.60s': unknown array element type %u", key, et);
    if (et == G_STR) {
        if (n > (r->size - r->pos) / 8)
            return ls_fail(err, LS_EDATA, "gguf: key '%.60s': %llu strings cannot fit in the %llu bytes that remain", key,
                           (unsigned long long)n, (unsigned long long)(r->size - r->pos));
        for (uint64_t i = 0; i < n; i++) {
            uint64_t l;
            if ((rc = rd_u64(r, &l, "a string length", err)) || (rc = rd_skip(r, l, "a string", err))) return rc;
        }
        return LS_OK;
    }
    uint64_t bytes;
    if (!u64_mul(n, type_size(et), &bytes))
        return ls_fail(err, LS_EDATA, "gguf: key '%.60s': array size overflows", key);
    return rd_skip(r, bytes, "an array", err);
}

/* Magic, version, counts; *n_kv checked against what the file can hold. */
static int gguf_header(struct rd *r, uint64_t *n_kv, struct ls_error *err)
{
    unsigned char magic[4];
    uint32_t ver;
    uint64_t n_tensors;
    int rc = rd_bytes(r, magic, 4, "the magic", err);
    if (rc) return rc;
    if (memcmp(magic, "GGUF", 4) != 0) return ls_fail(err, LS_EDATA, "gguf: bad magic");
    if ((rc = rd_u32(r, &ver, "the version", err))) return rc;
    if (ver == 0x02000000u || ver == 0x03000000u) return ls_fail(err, LS_EDATA, "gguf: big-endian GGUF files are not supported");
    if (ver != 2 && ver != 3) return ls_fail(err, LS_EDATA, "gguf: unsupported version %u (expected 2 or 3)", ver);
    if ((rc = rd_u64(r, &n_tensors, "the tensor count", err)) || (rc = rd_u64(r, n_kv, "the key/value count", err))) return rc;
    if (*n_kv > (r->size - r->pos) / 13)
        return ls_fail(err, LS_EDATA, "gguf: %llu key/value pairs cannot fit in a %llu-byte file", (unsigned long long)*n_kv,
                       (unsigned long long)r->size);
    return LS_OK;
}

/* The value of tokenizer.ggml.tokens (an array of strings) into a new *raw. */
static int read_tokens(struct rd *r, uint32_t type, struct vocab **raw, struct ls_error *err)
{
    uint32_t et;
    uint64_t n;
    int rc;
    if (*raw) return ls_fail(err, LS_EDATA, "gguf: duplicate key 'tokenizer.ggml.tokens'");
    if (type != G_ARR) return ls_fail(err, LS_EDATA, "gguf: tokenizer.ggml.tokens: expected an array, got type %u", type);
    if ((rc = rd_u32(r, &et, "an array type", err)) || (rc = rd_u64(r, &n, "an array count", err))) return rc;
    if (et != G_STR) return ls_fail(err, LS_EDATA, "gguf: tokenizer.ggml.tokens: expected strings, got element type %u", et);
    if (n > (r->size - r->pos) / 8)
        return ls_fail(err, LS_EDATA, "gguf: tokenizer.ggml.tokens: %llu strings cannot fit in the %llu bytes that remain",
                       (unsigned long long)n, (unsigned long long)(r->size - r->pos));
    if (n > LS_VOCAB_MAX_TOKENS)
        return ls_fail(err, LS_ELIMIT, "gguf: tokenizer.ggml.tokens: %llu tokens exceeds the limit of %u", (unsigned long long)n, LS_VOCAB_MAX_TOKENS);
    char *tok = malloc(VOCAB_TOKEN_MAX);
    if (!(*raw = vocab_new()) || !tok) { free(tok); return ls_oom(err); }
    for (uint64_t j = 0; j < n && !rc; j++) {
        uint64_t l;
        if ((rc = rd_u64(r, &l, "a token length", err))) break;
        if (l > VOCAB_TOKEN_MAX)
            rc = ls_fail(err, LS_ELIMIT, "gguf: tokenizer.ggml.tokens[%llu]: length %llu exceeds the limit of %u bytes",
                         (unsigned long long)j, (unsigned long long)l, VOCAB_TOKEN_MAX);
        else if (!(rc = rd_bytes(r, tok, (size_t)l, "a token", err)) && vocab_add(*raw, tok, (size_t)l) < 0)
            rc = ls_fail(err, LS_ELIMIT, "too many tokens or out of memory");
    }
    free(tok);
    return rc;
}

/* The value of tokenizer.ggml.model (a string; the first 63 bytes kept). */
static int read_model(struct rd *r, uint32_t type, char *model, size_t msz, int *seen, struct ls_error *err)
{
    uint64_t l;
    int rc;
    if (*seen) return ls_fail(err, LS_EDATA, "gguf: duplicate key 'tokenizer.ggml.model'");
    *seen = 1;
    if (type != G_STR) return ls_fail(err, LS_EDATA, "gguf: tokenizer.ggml.model: expected a string, got type %u", type);
    if ((rc = rd_u64(r, &l, "a string length", err))) return rc;
    size_t keep = l < msz - 1 ? (size_t)l : msz - 1;
    if ((rc = rd_bytes(r, model, keep, "a string", err)) || (rc = rd_skip(r, l - keep, "a string", err))) return rc;
    model[keep] = 0;
    return LS_OK;
}

/* One key (into key[65536]) and its type. */
static int read_key(struct rd *r, uint64_t i, char *key, uint32_t *type, struct ls_error *err)
{
    uint64_t kl;
    int rc = rd_u64(r, &kl, "a key length", err);
    if (rc) return rc;
    if (kl == 0) return ls_fail(err, LS_EDATA, "gguf: key/value %llu: empty key", (unsigned long long)i);
    if (kl > 65535) return ls_fail(err, LS_EDATA, "gguf: key/value %llu: key length %llu exceeds 65535", (unsigned long long)i, (unsigned long long)kl);
    if ((rc = rd_bytes(r, key, (size_t)kl, "a key", err))) return rc;
    key[kl] = 0;
    if (memchr(key, 0, (size_t)kl)) return ls_fail(err, LS_EDATA, "gguf: key/value %llu: NUL byte in the key", (unsigned long long)i);
    return rd_u32(r, type, "a value type", err);
}

/* Walk the key/value pairs until the tokens and the model are found. */
static int gguf_walk(struct rd *r, uint64_t n_kv, char *key, struct vocab **raw, char *model, size_t msz,
                     struct ls_error *err)
{
    int seen_model = 0, rc = LS_OK;
    for (uint64_t i = 0; i < n_kv && !rc; i++) {
        uint32_t type = 0;
        if ((rc = read_key(r, i, key, &type, err))) break;
        if (!strcmp(key, "tokenizer.ggml.tokens")) rc = read_tokens(r, type, raw, err);
        else if (!strcmp(key, "tokenizer.ggml.model")) rc = read_model(r, type, model, msz, &seen_model, err);
        else rc = skip_value(r, type, key, err);
        if (!rc && *raw && seen_model) break;   /* everything we need; never walk further */
    }
    if (!rc && !*raw) rc = ls_fail(err, LS_EDATA, "gguf: no tokenizer.ggml.tokens key (this GGUF file has no vocabulary)");
    return rc;
}

int vocab_load_gguf(int fd, uint64_t size, struct vocab *out, struct ls_error *err)
{
    struct rd *r = calloc(1, sizeof *r);
    char *key = malloc(65536);
    struct vocab *raw = NULL;
    char model[64] = "";
    uint64_t n_kv;
    int rc;
    if (!r || !key) { rc = ls_oom(err); goto out; }
    r->fd = fd;
    r->size = size;
    if ((rc = gguf_header(r, &n_kv, err)) || (rc = gguf_walk(r, n_kv, key, &raw, model, sizeof model, err))) goto out;
    enum tok_style st = TOK_PLAIN;
    if (!strcmp(model, "gpt2")) st = TOK_BYTELEVEL;
    else if (!strcmp(model, "llama") || !strcmp(model, "t5")) st = TOK_SPM;
    for (uint32_t i = 0; i < raw->n && !rc; i++) {
        size_t l;
        const char *t = vocab_get(raw, (int32_t)i, &l);
        if (vocab_add_decoded(out, t, l, st) < 0) rc = ls_fail(err, LS_ELIMIT, "too many tokens or out of memory");
    }
out:
    vocab_free(raw);
    free(key);
    free(r);
    return rc;
}
