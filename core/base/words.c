/* words.c: joining names (see words.h). */
#include "base/words.h"

#include <stdio.h>

char *words_join(words_get_fn get, const void *ctx, int n, const char *sep, char *buf, size_t bufsz)
{
    size_t o = 0;
    if (!bufsz) return buf;
    buf[0] = 0;
    for (int i = 0; i < n && o < bufsz; i++) {
        int w = snprintf(buf + o, bufsz - o, "%s%s", i ? sep : "", get(ctx, i));
        if (w < 0) break;
        o += (size_t)w;
    }
    return buf;
}

const char *words_at(const void *list, int i)
{
    return ((const char *const *)list)[i];
}
