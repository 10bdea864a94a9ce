/* fuzz_json_native.c: libFuzzer target for the native logitscope JSON dump
 * loader (--format native: NaN/Infinity literals rewritten, steps/logits/
 * token/text/vocab validated). Same harness shape as fuzz_json_api.c: a
 * NUL-terminated heap copy, then load_json_any and a read of the first and
 * last steps. Corpus: tests/fuzz/corpus/json_native/. */
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
    struct source_opts o = {0};
    o.format = "native";
    if (load_json_any("fuzz.json", buf, size, &o, &s, &err) == LS_OK && s) {
        float *z = malloc((size_t)s->vocab_size * sizeof *z);
        struct step_info si;
        if (z) {
            source_read_step(s, 0, z, &si, &err);
            source_read_step(s, s->n_steps - 1, z, &si, &err);
            free(z);
        }
        source_close(s);
    }
    free(buf);
    return 0;
}
