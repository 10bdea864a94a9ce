/* bpe.c: byte-level BPE: building from merges, chunking, encode, decode
 * (training is in bpe_train.c). See bpe.h. */
#include "model/bpe.h"

#include <stdlib.h>
#include <string.h>

enum cclass { C_LETTER, C_DIGIT, C_SPACE, C_PUNCT };

static enum cclass cls(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80) return C_LETTER;
    if (c >= '0' && c <= '9') return C_DIGIT;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return C_SPACE;
    return C_PUNCT;
}

size_t bpe_chunk_len(const unsigned char *t, size_t len, size_t i)
{
    size_t j = i;
    /* a single space joins the run that follows it (" the", " \"") */
    if (t[j] == ' ' && j + 1 < len && cls(t[j + 1]) != C_SPACE) j++;
    enum cclass k = cls(t[j]);
    if (k == C_SPACE) {
        /* a whitespace run, leaving a final space to the word after it */
        while (j + 1 < len && cls(t[j + 1]) == C_SPACE && !(t[j + 1] == ' ' && j + 2 < len && cls(t[j + 2]) != C_SPACE))
            j++;
        return j + 1 - i;
    }
    while (j + 1 < len && cls(t[j + 1]) == k) j++;
    return j + 1 - i;
}

static int build_vocab(struct bpe *b, struct ls_error *err)
{
    b->vocab = vocab_new();
    if (!b->vocab) return ls_oom(err);
    for (int c = 0; c < 256; c++) {
        char ch = (char)c;
        if (vocab_add(b->vocab, &ch, 1) < 0) return ls_oom(err);
    }
    if (vocab_add(b->vocab, "<|end|>", 7) < 0) return ls_oom(err);
    char buf[1024];
    for (uint32_t i = 0; i < b->n_merges; i++) {
        size_t la, lb;
        const char *ta = vocab_get(b->vocab, (int32_t)b->merges[i].a, &la);
        const char *tb = vocab_get(b->vocab, (int32_t)b->merges[i].b, &lb);
        if (la + lb > sizeof buf) return ls_fail(err, LS_EDATA, "merge %u: token longer than %zu bytes", i, sizeof buf);
        memcpy(buf, ta, la);
        memcpy(buf + la, tb, lb);
        if (vocab_add(b->vocab, buf, la + lb) < 0) return ls_oom(err);
    }
    return LS_OK;
}

int bpe_from_merges(struct bpe *b, const struct bpe_merge *merges, uint32_t n, struct ls_error *err)
{
    memset(b, 0, sizeof *b);
    if (n > BPE_MAX_VOCAB - BPE_FIRST_MERGE) return ls_fail(err, LS_ELIMIT, "%u merges exceed the limit of %u", n, BPE_MAX_VOCAB - BPE_FIRST_MERGE);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t lim = BPE_FIRST_MERGE + i;
        if (merges[i].a >= lim || merges[i].b >= lim || merges[i].a == BPE_EOS || merges[i].b == BPE_EOS)
            return ls_fail(err, LS_EDATA, "merge %u joins %u and %u: not two earlier tokens", i, merges[i].a, merges[i].b);
    }
    b->merges = malloc((n ? n : 1) * sizeof *b->merges);
    if (!b->merges || nghash_init(&b->rank, 2, n)) { bpe_free(b); return ls_oom(err); }
    if (n) memcpy(b->merges, merges, n * sizeof *merges);
    b->n_merges = n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t key[2] = { merges[i].a, merges[i].b }, *v = nghash_put(&b->rank, key);
        if (!v) { bpe_free(b); return ls_oom(err); }
        if (!*v) *v = i + 1;   /* a duplicate pair never wins: the first rank stands */
    }
    int rc = build_vocab(b, err);
    if (rc) bpe_free(b);
    return rc;
}

void bpe_free(struct bpe *b)
{
    free(b->merges);
    vocab_free(b->vocab);
    nghash_free(&b->rank);
    memset(b, 0, sizeof *b);
}

/* Merge within one chunk (ids[0..n)) by rank until no pair merges; new n. */
static uint32_t merge_chunk(const struct bpe *b, int32_t *ids, uint32_t n)
{
    while (n > 1) {
        uint32_t best = UINT32_MAX, at = 0;
        for (uint32_t i = 0; i + 1 < n; i++) {
            uint32_t key[2] = { (uint32_t)ids[i], (uint32_t)ids[i + 1] };
            const uint32_t *r = nghash_get(&b->rank, key);
            if (r && *r < best) { best = *r; at = i; }
        }
        if (best == UINT32_MAX) break;
        int32_t tok = (int32_t)(BPE_FIRST_MERGE + best - 1);
        /* merge every occurrence of this pair, left to right */
        uint32_t w = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (i >= at && i + 1 < n && (uint32_t)ids[i] == b->merges[best - 1].a && (uint32_t)ids[i + 1] == b->merges[best - 1].b) {
                ids[w++] = tok;
                i++;
            } else {
                ids[w++] = ids[i];
            }
        }
        n = w;
    }
    return n;
}

int bpe_encode(const struct bpe *b, const char *text, size_t len, int32_t **ids, uint32_t *n,
               struct ls_error *err)
{
    if (len > UINT32_MAX / 2) return ls_fail(err, LS_ELIMIT, "text of %zu bytes is too long to encode", len);
    int32_t *out = malloc((len ? len : 1) * sizeof *out);
    if (!out) return ls_oom(err);
    const unsigned char *t = (const unsigned char *)text;
    uint32_t w = 0;
    for (size_t i = 0; i < len;) {
        size_t cl = bpe_chunk_len(t, len, i);
        for (size_t k = 0; k < cl; k++) out[w + k] = t[i + k];
        w += merge_chunk(b, out + w, (uint32_t)cl);
        i += cl;
    }
    *ids = out;
    *n = w;
    return LS_OK;
}

size_t bpe_decode(const struct bpe *b, const int32_t *ids, uint32_t n, char *buf, size_t cap)
{
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] == BPE_EOS || ids[i] < 0 || (uint32_t)ids[i] >= bpe_vocab_size(b)) continue;
        size_t l;
        const char *t = vocab_get(b->vocab, ids[i], &l);
        if (t && total + l < cap) memcpy(buf + total, t, l);
        else if (t && total < cap) memcpy(buf + total, t, cap - total);
        total += l;
    }
    if (cap) buf[total < cap ? total : cap - 1] = 0;
    return total;
}
