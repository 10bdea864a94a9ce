/* fuzz_detect.c: libFuzzer target for detection by content (source_open
 * with no format named): the binary signatures, the refusals of files that
 * are not logits (torch.save zip and legacy, pickles, GGUF; unsupported.c),
 * the "unknown binary" description, then whichever loader claims the input
 * (fuzz_bin.h). Corpus: tests/fuzz/corpus/detect/. */
#include "fuzz_bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    fuzz_open(data, size, NULL);
    return 0;
}
