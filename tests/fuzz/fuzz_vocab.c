/* fuzz_vocab.c: libFuzzer target for vocabulary files (vocab_load.c:
 * tokenizer.json, GGUF header walking, JSON arrays, one token per line).
 * Every token of a loaded vocabulary is read back. Corpus:
 * tests/fuzz/corpus/vocab/. */
#include "fuzz_bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_file(data, size);
    if (!p) return 0;
    struct vocab *v = NULL;
    struct ls_error e = {0};
    if (vocab_load(p, &v, &e) == LS_OK) {
        size_t sum = 0, l;
        for (uint32_t i = 0; i < v->n; i++) {
            const char *t = vocab_get(v, (int32_t)i, &l);
            if (t && l) sum += (unsigned char)t[l - 1];
        }
        if (sum == 1) e.code = 1;  /* keep the loop */
        vocab_free(v);
    }
    return 0;
}
