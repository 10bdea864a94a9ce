/* replay_main.c: plain driver for libFuzzer targets (no libFuzzer needed).
 *
 * Linked with one tests/fuzz/fuzz_*.c file; runs LLVMFuzzerTestOneInput on
 * every file named on the command line. `make check` replays each corpus
 * (tests/fuzz/corpus/<target>/) through it under ASan+UBSan, so every input
 * that ever crashed stays a regression test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 1; }
        if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return 1; }
        long n = ftell(f);
        if (n < 0) { fclose(f); return 1; }
        rewind(f);
        uint8_t *buf = malloc((size_t)n + 1);
        if (!buf) { fclose(f); return 1; }
        size_t got = fread(buf, 1, (size_t)n, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
    }
    return 0;
}
