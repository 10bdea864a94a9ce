/* model.c: the model-source interface's shared functions and the one place
 * that picks a back end for a spec (see model.h). */
#include "model/model.h"
#include "base/display.h"
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

long model_utf8_invalid_at(const char *s, size_t len)
{
    return utf8_invalid_at(s, len);   /* the display transform's strict decoder */
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

