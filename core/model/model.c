/* model.c: the model-source interface's shared functions and the one place
 * that picks a back end for a spec (see model.h). */
#include "model/model.h"
#include "model/lm.h"

#include <stdlib.h>
#include <string.h>

int model_open(const char *spec, struct model **out, struct ls_error *err)
{
    /* other back ends would be chosen here by prefix ("gguf:", "http://") */
    struct lm l;
    int rc = lm_load(spec, &l, err);
    if (rc) return rc;
    const char *base = strrchr(spec, '/');
    return lm_model(&l, base ? base + 1 : spec, out, err);
}

void model_close(struct model *m)
{
    if (!m) return;
    m->ops->close(m);
    free(m);
}

int model_next_logits(struct model *m, const int32_t *ctx, uint32_t n, float *out, struct ls_error *err)
{
    return m->ops->next_logits(m, ctx, n, out, err);
}

/* Bytes after lead byte c (0..3), or -1 when c cannot start a character. */
static int utf8_tail(unsigned c)
{
    if (c < 0x80) return 0;
    if (c >= 0xC2 && c <= 0xDF) return 1;
    if (c >= 0xE0 && c <= 0xEF) return 2;
    if (c >= 0xF0 && c <= 0xF4) return 3;
    return -1;
}

long model_utf8_invalid_at(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        int k = utf8_tail(c);
        if (k < 0 || len - i <= (size_t)k) return (long)i;
        for (int j = 1; j <= k; j++)
            if ((u[i + j] & 0xC0) != 0x80) return (long)i;
        /* overlongs, surrogates and code points past U+10FFFF: the second byte's range */
        if ((c == 0xE0 && u[i + 1] < 0xA0) || (c == 0xED && u[i + 1] > 0x9F) ||
            (c == 0xF0 && u[i + 1] < 0x90) || (c == 0xF4 && u[i + 1] > 0x8F)) return (long)i;
        i += (size_t)k + 1;
    }
    return -1;
}

int model_encode_prompt(const struct model *m, const char *text, size_t len, int32_t **ids,
                        uint32_t *n, struct ls_error *err)
{
    if (len > MODEL_MAX_PROMPT)
        return ls_fail(err, LS_EUSAGE, "prompt of %zu bytes is longer than the limit of %u bytes", len, MODEL_MAX_PROMPT);
    long bad = model_utf8_invalid_at(text, len);
    if (bad >= 0)
        return ls_fail(err, LS_EUSAGE, "prompt is not valid UTF-8 (byte 0x%02X at offset %ld)", (unsigned char)text[bad], bad);
    if (memchr(text, 0, len)) return ls_fail(err, LS_EUSAGE, "prompt contains a NUL byte");
    return m->ops->encode(m, text, len, ids, n, err);
}

size_t model_decode(const struct model *m, const int32_t *ids, uint32_t n, char *buf, size_t cap)
{
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t l;
        const char *t = ids[i] == m->eos ? NULL : vocab_get(m->vocab, ids[i], &l);
        if (!t) continue;
        if (total < cap) memcpy(buf + total, t, total + l < cap ? l : cap - total);
        total += l;
    }
    if (cap) buf[total < cap ? total : cap - 1] = 0;
    return total;
}
