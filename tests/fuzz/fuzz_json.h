/* fuzz_json.h: the shared body of the JSON fuzz targets (header-only, like
 * fuzz_bin.h). The input goes into a heap buffer of exactly size + 1 bytes
 * with the NUL that file_read_all appends in production, through
 * source_open_text (format NULL = content detection), and every loaded source
 * has its first and last steps read (when V is modest) and its last vocab
 * entry touched, so the schema walk, sentinel handling, `bytes` decoding and
 * read_step all run under ASan/UBSan. */
#ifndef LS_FUZZ_JSON_H
#define LS_FUZZ_JSON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/formats.h"

static inline void fuzz_json(const uint8_t *data, size_t size, const char *format)
{
    if (size > (1u << 20)) return;
    char *buf = malloc(size + 1);
    if (!buf) return;
    if (size) memcpy(buf, data, size);
    buf[size] = 0;
    struct source *s = NULL;
    struct ls_error err = {0};
    struct source_opts o = {0};
    o.format = format;
    if (source_open_text("fuzz.json", buf, size, &o, &s, &err) == LS_OK && s) {
        if (s->vocab_size <= (1u << 20)) {
            float *z = malloc((size_t)s->vocab_size * sizeof *z);
            struct step_info si;
            if (z) {
                source_read_step(s, 0, z, &si, &err);
                source_read_step(s, s->n_steps - 1, z, &si, &err);
                if (si.text && si.text_len) { volatile char c = si.text[si.text_len - 1]; (void)c; }
                free(z);
            }
        }
        size_t n;
        if (s->vocab && s->vocab->n) vocab_get(s->vocab, (int32_t)(s->vocab->n - 1), &n);
        source_close(s);
    }
    free(buf);
}

#endif
