/* bpe_train.c: learning BPE merges from text (see bpe.h).
 *
 * Classic BPE over distinct chunks weighted by their counts: count every
 * adjacent pair, merge the most frequent (ties: the smaller (a, b), so the
 * result never depends on hash order), update the counts of the chunks that
 * held it, repeat. Chunks longer than TRAIN_CHUNK_MAX bytes are left out of
 * training (they still encode, byte by byte at worst). */
#include "model/bpe.h"

#include <stdlib.h>
#include <string.h>

#define TRAIN_CHUNK_MAX 64

struct word { uint32_t off, len, count; };

struct trainer {
    struct nghash index;      /* (hash lo, hash hi) -> word + 1 */
    struct word *w;
    uint32_t n_words, cap_words;
    int32_t *tok;             /* every word's tokens back to back */
    size_t n_tok, cap_tok;
    struct nghash pairs;      /* (a, b) -> weighted count */
};

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
    return h;
}

static int same_word(const struct trainer *t, const struct word *w, const unsigned char *p, size_t n)
{
    if (w->len != n) return 0;
    for (size_t i = 0; i < n; i++) if (t->tok[w->off + i] != p[i]) return 0;
    return 1;
}

static int add_word(struct trainer *t, const unsigned char *p, size_t n)
{
    uint64_t h = hash_bytes(p, n);
    uint32_t key[2] = { (uint32_t)h, (uint32_t)(h >> 32) }, *slot = nghash_put(&t->index, key);
    if (!slot) return -1;
    if (*slot) {   /* a 64-bit hash collision between different chunks is dropped */
        struct word *w = &t->w[*slot - 1];
        if (same_word(t, w, p, n)) w->count++;
        return 0;
    }
    if (t->n_words == t->cap_words) {
        uint32_t nc = t->cap_words ? 2 * t->cap_words : 1024;
        struct word *nw = realloc(t->w, nc * sizeof *nw);
        if (!nw) return -1;
        t->w = nw; t->cap_words = nc;
    }
    if (t->n_tok + n > t->cap_tok) {
        size_t nc = t->cap_tok ? 2 * t->cap_tok : 65536;
        while (nc < t->n_tok + n) nc *= 2;
        int32_t *nt = realloc(t->tok, nc * sizeof *nt);
        if (!nt) return -1;
        t->tok = nt; t->cap_tok = nc;
    }
    t->w[t->n_words] = (struct word){ (uint32_t)t->n_tok, (uint32_t)n, 1 };
    for (size_t i = 0; i < n; i++) t->tok[t->n_tok++] = p[i];
    *slot = ++t->n_words;
    return 0;
}

static int collect_words(struct trainer *t, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t line = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '\n') continue;
        for (size_t j = line; j < i;) {   /* chunk the line, never across '\n' */
            size_t cl = bpe_chunk_len(s + line, i - line, j - line);
            if (cl <= TRAIN_CHUNK_MAX && add_word(t, s + j, cl)) return -1;
            j += cl;
        }
        line = i + 1;
    }
    return 0;
}

/* Add (sign +1) or remove (-1) the pairs of word w, weighted by its count. */
static int count_pairs(struct trainer *t, const struct word *w, int sign)
{
    for (uint32_t i = 0; i + 1 < w->len; i++) {
        uint32_t key[2] = { (uint32_t)t->tok[w->off + i], (uint32_t)t->tok[w->off + i + 1] };
        uint32_t *c = nghash_put(&t->pairs, key);
        if (!c) return -1;
        *c = sign > 0 ? *c + w->count : *c - w->count;
    }
    return 0;
}

/* The most frequent pair (ties: smallest a, then b); 0 when none occurs twice. */
static int best_pair(const struct trainer *t, uint32_t out[2])
{
    uint32_t best = 1;
    int found = 0;
    for (size_t i = 0; i < t->pairs.cap; i++) {
        const uint32_t *k = nghash_key(&t->pairs, i);
        if (!k) continue;
        uint32_t c = t->pairs.vals[i];
        if (c > best || (c == best && found && (k[0] < out[0] || (k[0] == out[0] && k[1] < out[1])))) {
            if (c < 2) continue;
            best = c; out[0] = k[0]; out[1] = k[1]; found = 1;
        }
    }
    return found;
}

static int has_pair(const struct trainer *t, const struct word *w, const uint32_t pr[2])
{
    for (uint32_t i = 0; i + 1 < w->len; i++)
        if ((uint32_t)t->tok[w->off + i] == pr[0] && (uint32_t)t->tok[w->off + i + 1] == pr[1]) return 1;
    return 0;
}

static int apply_merge(struct trainer *t, const uint32_t pr[2], int32_t id)
{
    for (uint32_t wi = 0; wi < t->n_words; wi++) {
        struct word *w = &t->w[wi];
        if (!has_pair(t, w, pr)) continue;
        if (count_pairs(t, w, -1)) return -1;
        int32_t *k = t->tok + w->off;
        uint32_t o = 0;
        for (uint32_t i = 0; i < w->len; i++) {
            if (i + 1 < w->len && (uint32_t)k[i] == pr[0] && (uint32_t)k[i + 1] == pr[1]) { k[o++] = id; i++; }
            else k[o++] = k[i];
        }
        w->len = o;
        if (count_pairs(t, w, +1)) return -1;
    }
    return 0;
}

static void trainer_free(struct trainer *t)
{
    nghash_free(&t->index);
    nghash_free(&t->pairs);
    free(t->w);
    free(t->tok);
}

static int learn(struct trainer *t, uint32_t n_merges, struct bpe_merge *m, uint32_t *got,
                 bpe_progress_fn progress, void *ctx)
{
    for (uint32_t i = 0; i < t->n_words; i++) if (count_pairs(t, &t->w[i], +1)) return -1;
    for (*got = 0; *got < n_merges; (*got)++) {
        uint32_t pr[2] = { 0, 0 };
        if (!best_pair(t, pr)) break;
        m[*got] = (struct bpe_merge){ pr[0], pr[1] };
        if (apply_merge(t, pr, (int32_t)(BPE_FIRST_MERGE + *got))) return -1;
        if (progress && (*got % 64 == 0)) progress(ctx, *got, n_merges);
    }
    if (progress) progress(ctx, n_merges, n_merges);
    return 0;
}

int bpe_train(const char *text, size_t len, uint32_t n_merges, bpe_progress_fn progress, void *ctx,
              struct bpe *b, struct ls_error *err)
{
    struct trainer t;
    memset(&t, 0, sizeof t);
    if (n_merges > BPE_MAX_VOCAB - BPE_FIRST_MERGE) n_merges = BPE_MAX_VOCAB - BPE_FIRST_MERGE;
    struct bpe_merge *m = malloc((n_merges ? n_merges : 1) * sizeof *m);
    uint32_t got = 0;
    int rc = LS_OK;
    if (!m || nghash_init(&t.index, 2, 4096) || nghash_init(&t.pairs, 2, 4096) ||
        collect_words(&t, text, len) || learn(&t, n_merges, m, &got, progress, ctx))
        rc = ls_fail(err, LS_ELIMIT, "out of memory while learning the vocabulary");
    trainer_free(&t);
    if (!rc) rc = bpe_from_merges(b, m, got, err);
    free(m);
    return rc;
}
