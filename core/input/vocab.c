/* vocab.c: token id -> bytes, one arena (see vocab.h). */
#include "input/vocab.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

struct vocab *vocab_new(void)
{
    struct vocab *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->off = calloc(1, sizeof *v->off);
    if (!v->off) { free(v); return NULL; }
    return v;
}

void vocab_free(struct vocab *v)
{
    if (!v) return;
    free(v->arena);
    free(v->off);
    free(v->unknown);
    free(v);
}

int32_t vocab_add(struct vocab *v, const char *bytes, size_t len)
{
    if (v->n >= LS_VOCAB_MAX_TOKENS) return -1;
    if (v->n + 1 >= v->cap) {
        uint32_t nc = v->cap ? v->cap * 2 : 1024;
        size_t *no = realloc(v->off, (size_t)(nc + 1) * sizeof *no);
        if (!no) return -1;
        v->off = no;
        uint8_t *nu = realloc(v->unknown, (size_t)nc + 1);
        if (!nu) return -1;
        v->unknown = nu;
        v->cap = nc;
    }
    if (v->arena_len + len + 1 > v->arena_cap) {
        size_t nc = v->arena_cap ? v->arena_cap : 4096;
        while (nc < v->arena_len + len + 1) nc *= 2;
        char *na = realloc(v->arena, nc);
        if (!na) return -1;
        v->arena = na;
        v->arena_cap = nc;
    }
    if (len) memcpy(v->arena + v->arena_len, bytes, len);
    v->arena_len += len;
    v->arena[v->arena_len] = 0; /* convenience terminator, not part of the token */
    v->off[v->n + 1] = v->arena_len;
    v->unknown[v->n] = 0;
    return (int32_t)v->n++;
}

int32_t vocab_add_unknown(struct vocab *v)
{
    int32_t id = vocab_add(v, "", 0);
    if (id >= 0) v->unknown[id] = 1;
    return id;
}

const char *vocab_get(const struct vocab *v, int32_t id, size_t *len)
{
    if (!v || id < 0 || (uint32_t)id >= v->n || v->unknown[id]) return NULL;
    *len = v->off[id + 1] - v->off[id];
    return v->arena + v->off[id];
}

const char *vocab_text(const struct vocab *v, int32_t id, char *buf, size_t bufsz,
                       size_t *len, int *known)
{
    const char *t = vocab_get(v, id, len);
    if (t) {
        if (known) *known = 1;
        return t;
    }
    int n = snprintf(buf, bufsz, "<id %ld>", (long)id);
    *len = n < 0 ? 0 : ((size_t)n < bufsz ? (size_t)n : bufsz - 1);
    if (known) *known = 0;
    return buf;
}
