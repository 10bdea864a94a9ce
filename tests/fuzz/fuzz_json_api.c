/* fuzz_json_api.c: libFuzzer target for the JSON API loaders (OpenAI chat and
 * legacy completions, llama.cpp, TGI; one document, arrays, JSON Lines, SSE)
 * and the sparse sources they build.
 *
 * The input goes into a heap buffer of exactly size + 1 bytes with the NUL
 * that file_read_all appends in production, through content detection, and
 * every loaded source has its first and last steps read (when V is modest),
 * so the schema walk, sentinel handling, `bytes` decoding, duplicate merging
 * and read_step all run under ASan/UBSan. Corpus: tests/fuzz/corpus/json_api/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    buf[size] = 0;
    struct source *s = NULL;
    struct ls_error err = {0};
    if (load_json_any("fuzz.json", buf, size, NULL, &s, &err) == LS_OK && s) {
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
    return 0;
}
