/* fuzz_model.c: libFuzzer target for the built-in model's file loader
 * (core/model/lm_file.c): the input is loaded as a model file and, when it
 * loads, one next-token distribution is computed from it; the same bytes
 * are also parsed as a bare payload (lm_load_payload), so mutations reach
 * the table checks past the checksum.
 * Corpus: tests/fuzz/corpus/model/ (a small valid model, truncations, flips). */
#include <stdint.h>
#include <stdlib.h>
#include "model/lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(struct lm *m)
{
    float *z = malloc(m->ng.V * sizeof *z);
    const int32_t h[] = { 1, 256, 300 % (int32_t)m->ng.V };
    if (z) ngram_logprobs(&m->ng, h, 3, z);
    free(z);
    lm_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lm m;
    struct ls_error err = {0};
    if (lm_load_buffer(data, size, &m, &err) == LS_OK) use(&m);
    if (lm_load_payload(data, size, &m, &err) == LS_OK) use(&m);
    return 0;
}
