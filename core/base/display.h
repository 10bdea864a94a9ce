/* display.h: the one display transform for untrusted strings.
 *
 * Every token text, file name, JSON key and message shown on a terminal (TUI
 * or headless) passes through here. Input is a byte string of known length
 * (NUL is data). Output is safe UTF-8: strict UTF-8 decode (Unicode Table
 * 3-7); each rejected byte becomes \xHH; C0, ESC, DEL, C1, bidi controls,
 * zero-width/invisible characters, tag characters, line/paragraph separators,
 * noncharacters and anything wcwidth() rejects become visible escapes
 * (\e \n \t \r \0 \xHH \u0085 \u{202E}). See docs: robustness.md section 1.5.
 *
 * The transform works piece by piece (disp_next) so the TUI can draw escape
 * pieces in a distinct attribute and clip on piece boundaries; disp_escape
 * is the string form for headless output.
 *
 * Widths come from wcwidth(), which follows LC_CTYPE: callers set a UTF-8
 * locale (setlocale(LC_ALL, "")) or pass DISP_ASCII.
 *
 *   char out[256]; int cols;
 *   disp_fit(tok, tok_len, DISP_TOKEN, 20, out, sizeof out, &cols);
 */
#ifndef LS_DISPLAY_H
#define LS_DISPLAY_H

#include <stddef.h>
#include <stdint.h>

enum disp_flags {
    DISP_ASCII = 1u << 0,     /* non-UTF-8 terminal: every code point >= 0x80 escaped */
    DISP_BACKSLASH = 1u << 1, /* escape '\' as "\\" (unambiguous headless text) */
    DISP_TOKEN = 1u << 2,     /* token text: space shown as U+2423 (open box), LF as U+21B5;
                                 with DISP_ASCII space is "\s", LF "\n" */
    DISP_LEAD_MARK = 1u << 3, /* internal: first visible piece of the string */
    DISP_RAW = 1u << 4        /* no transform: each byte as it is (headless output to a
                                 file or pipe on request, never to a terminal); width 1
                                 per byte that does not continue a UTF-8 sequence */
};

struct disp_piece {
    char text[16];   /* NUL-terminated UTF-8 of one code point, or an escape */
    int len;         /* bytes in text */
    int width;       /* terminal columns */
    int escape;      /* 1: an escape/marker, draw in the "escape" role */
    size_t consumed; /* input bytes consumed */
};

/* Decode the next piece of s[0..len). Returns 0 at end of input. `first`
 * must be 1 for the first call on a string (leading combining mark gets a
 * dotted-circle prefix). */
int disp_next(const unsigned char *s, size_t len, unsigned flags, int first,
              struct disp_piece *out);

/* Escape s[0..len) into out (always NUL-terminated if outsz > 0). Returns
 * the number of bytes the full result needs (excluding NUL), like snprintf. */
size_t disp_escape(const char *s, size_t len, unsigned flags, char *out, size_t outsz);

/* Like disp_escape but clipped to max_cols terminal columns; when clipped the
 * last column is an ellipsis (U+2026, or "~" with DISP_ASCII). *cols receives
 * the width used. Returns 1 if clipped. */
int disp_fit(const char *s, size_t len, unsigned flags, int max_cols, char *out,
             size_t outsz, int *cols);

/* Terminal width of the escaped form of s (no clipping). */
int disp_width(const char *s, size_t len, unsigned flags);

/* Strict decode of one code point (no overlongs, surrogates or code points
 * past U+10FFFF). Returns bytes consumed (1..4) and sets *cp, or 0 if s[0]
 * does not start a valid sequence within len bytes. */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Offset of the first byte that does not start a valid sequence, or -1
 * when s[0..len) is valid UTF-8. */
long utf8_invalid_at(const char *s, size_t len);
/* 1 if s[0..len) would be shown unchanged (printable valid UTF-8 only). */
int disp_is_clean(const char *s, size_t len, unsigned flags);

/* Process-wide default flags: DISP_ASCII unless the locale's codeset is
 * UTF-8. Call after setlocale(). */
unsigned disp_locale_flags(void);

#endif
