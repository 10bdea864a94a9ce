/* fuzz_safetensors.c: libFuzzer target for the safetensors loader (load_safetensors.c): the input is
 * opened as a file with --format safetensors, once with the default array choice and
 * once with --tensor logits, and some steps are read back (fuzz_bin.h).
 * Corpus: tests/fuzz/corpus/safetensors/. */
#include "fuzz_bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source_opts o = {0};
    o.format = "safetensors";
    fuzz_open(data, size, &o);
    o.tensor = "logits";
    fuzz_open(data, size, &o);
    return 0;
}
