/* fuzz_json_api.c: libFuzzer target for the JSON API loaders (OpenAI chat and
 * legacy completions, llama.cpp, TGI, Ollama; one document, arrays, JSON
 * Lines, SSE) and the sparse sources they build, found by content detection
 * (fuzz_json.h). Corpus: tests/fuzz/corpus/json_api/. */
#include "fuzz_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_json(data, size, NULL);
    return 0;
}
