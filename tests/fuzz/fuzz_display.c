/* fuzz_display.c: libFuzzer target for the display transform.
 *
 * Invariants checked on every input (abort() on violation, so libFuzzer and
 * the replay driver both report it):
 *   - the output of disp_escape / disp_fit is valid UTF-8;
 *   - it holds no C0 control, DEL, C1 (U+0080..U+009F), bidi control,
 *     zero-width or line-separator code point;
 *   - disp_fit never exceeds its column budget, and disp_escape's return
 *     value equals the length it writes when the buffer is large enough. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/display.h"

static void check_safe(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        uint32_t cp;
        size_t k;
        if (c < 0x80) { cp = c; k = 1; }
        else if ((c & 0xE0) == 0xC0) { cp = c & 0x1Fu; k = 2; }
        else if ((c & 0xF0) == 0xE0) { cp = c & 0x0Fu; k = 3; }
        else if ((c & 0xF8) == 0xF0) { cp = c & 0x07u; k = 4; }
        else abort();
        if (i + k > n) abort();
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) abort();
            cp = (cp << 6) | (s[i + j] & 0x3Fu);
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) abort();
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
            cp == 0x200F || cp == 0x061C || (cp >= 0x200B && cp <= 0x200D) || cp == 0xFEFF ||
            cp == 0x2028 || cp == 0x2029 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            abort();
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) { setlocale(LC_ALL, "C.UTF-8"); init = 1; }
    if (size == 0) return 0;
    unsigned flags = data[0] & (DISP_ASCII | DISP_BACKSLASH | DISP_TOKEN);
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    size_t cap = n * 12 + 16;
    char *out = malloc(cap);
    if (!out) return 0;
    size_t need = disp_escape(s, n, flags, out, cap);
    if (need != strlen(out)) abort();
    check_safe((const unsigned char *)out, need);
    for (int cols = 0; cols < 24; cols += 5) {
        int used = -1;
        disp_fit(s, n, flags, cols, out, cap, &used);
        if (used < 0 || used > cols) abort();
        check_safe((const unsigned char *)out, strlen(out));
    }
    free(out);
    return 0;
}
