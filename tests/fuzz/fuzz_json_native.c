/* fuzz_json_native.c: libFuzzer target for the native logitscope JSON dump
 * loader (--format native: NaN/Infinity literals rewritten, steps/logits/
 * token/text/vocab validated), through fuzz_json.h.
 * Corpus: tests/fuzz/corpus/json_native/. */
#include "fuzz_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_json(data, size, "native");
    return 0;
}
