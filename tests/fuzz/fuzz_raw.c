/* fuzz_raw.c: libFuzzer target for raw float files (load_raw.c). The first
 * input byte picks --vocab-size (1..64), the second --dtype (f32, f16, bf16,
 * f64); the rest is the file. Corpus: tests/fuzz/corpus/raw/. */
#include "fuzz_bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const dt[4] = { "f32", "f16", "bf16", "f64" };
    if (size < 2) return 0;
    struct source_opts o = {0};
    o.format = "raw";
    o.vocab_size = 1u + data[0] % 64u;
    o.dtype = dt[data[1] % 4];
    fuzz_open(data + 2, size - 2, &o);
    return 0;
}
