/* fuzz_npy.c: libFuzzer target for the npy loader (load_npy.c): the input is
 * opened as a file with --format npy and some steps are read back (fuzz_bin.h).
 * Corpus: tests/fuzz/corpus/npy/. */
#include "fuzz_bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source_opts o = {0};
    o.format = "npy";
    fuzz_open(data, size, &o);
    return 0;
}
