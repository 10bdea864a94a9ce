/* fuzz_kld.c: libFuzzer target for the kld loader (load_kld.c): the input is
 * opened as a file with --format kld and some steps are read back (fuzz_bin.h).
 * Corpus: tests/fuzz/corpus/kld/. */
#include "fuzz_bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source_opts o = {0};
    o.format = "kld";
    fuzz_open(data, size, &o);
    return 0;
}
