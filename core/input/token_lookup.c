/* token_lookup.c: tokens by name over a source (see token_lookup.h). */
#include "input/token_lookup.h"

#include <string.h>

/* the compact id of file id fid, or -1 */
static int32_t compact_id(const struct source *s, int64_t fid)
{
    if (!s->file_id) return fid >= 0 && fid < (int64_t)s->vocab_size ? (int32_t)fid : -1;
    uint32_t lo = 0, hi = s->vocab_size;
    while (lo < hi) {   /* file_id is ascending */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->file_id[mid] < fid) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->vocab_size && s->file_id[lo] == fid ? (int32_t)lo : -1;
}

const char *source_token_text(const void *ctx, int32_t id, size_t *len)
{
    const struct source *s = ctx;
    return s->vocab ? vocab_get(s->vocab, id, len) : NULL;
}

static int text_ids(const struct source *s, const struct bias_item *it, int32_t *ids, uint32_t max, uint32_t *n,
                    struct ls_error *err)
{
    char name[300];
    bias_item_name(it, name, sizeof name);
    if (!s->vocab) return ls_fail(err, LS_EUSAGE, "%s: a token text needs a vocabulary, and this file has none (give ids)", name);
    for (uint32_t id = 0; id < s->vocab_size && *n < max; id++) {
        size_t len;
        const char *t = vocab_get(s->vocab, (int32_t)id, &len);
        if (t && len == it->len && !memcmp(t, it->text, len)) ids[(*n)++] = (int32_t)id;
    }
    if (!*n)
        return ls_fail(err, LS_EUSAGE, "%s is not a single token of the vocabulary (a text must be exactly one "
                       "token's; bias the ids of a longer text one by one)", name);
    return LS_OK;
}

int source_bias_lookup(const void *ctx, const struct bias_item *it, int32_t *ids, uint32_t max, uint32_t *n,
                       struct ls_error *err)
{
    const struct source *s = ctx;
    *n = 0;
    if (it->is_text) return text_ids(s, it, ids, max, n, err);
    int32_t id = compact_id(s, it->id);
    if (id < 0) {
        if (s->file_id) return ls_fail(err, LS_EUSAGE, "token id %lld does not occur in this file", (long long)it->id);
        return ls_fail(err, LS_EUSAGE, "token id %lld is outside the vocabulary (V = %u)", (long long)it->id, s->vocab_size);
    }
    if (max) ids[(*n)++] = id;
    return LS_OK;
}

int source_bias_resolve(const struct source *s, const struct bias_spec *sp, struct logit_bias *out,
                        struct ls_error *err)
{
    return bias_resolve(sp, source_bias_lookup, s, out, err);
}

int source_dry_breakers(const struct source *s, const char *const *strs, int n, struct dry_breakers **out,
                        struct ls_error *err)
{
    *out = NULL;
    if (!s->vocab) return LS_OK;
    if (!strs) { strs = dry_default_breakers; n = 4; }
    return dry_breakers_build(strs, n, s->vocab_size, source_token_text, s, out, err);
}
