/* display.c: the display transform (see display.h and robustness.md 1.5).
 *
 * Why our own UTF-8 decoder: mbrtowc accepts what the C library accepts and
 * depends on the locale; the transform must reject overlongs, surrogates and
 * out-of-range values identically everywhere, byte by byte.
 */
#include "base/display.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t need;
    uint32_t v, lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) { need = 1; v = c & 0x1Fu; }
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2; v = c & 0x0Fu;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3; v = c & 0x07u;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* <= U+10FFFF */
    } else return 0;
    if (len < need + 1) return 0;
    for (size_t i = 1; i <= need; i++) {
        unsigned char b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
        v = (v << 6) | (b & 0x3Fu);
    }
    *cp = v;
    return need + 1;
}

long utf8_invalid_at(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(u + i, len - i, &cp);
        if (!k) return (long)i;
        i += k;
    }
    return -1;
}

/* Code points that must never reach a terminal as themselves. */
static int is_hidden(uint32_t c)
{
    if (c == 0x061C || c == 0x200E || c == 0x200F) return 1;          /* bidi marks */
    if (c >= 0x202A && c <= 0x202E) return 1;                         /* bidi embeddings/overrides */
    if (c >= 0x2066 && c <= 0x2069) return 1;                         /* bidi isolates */
    if (c == 0x00AD || c == 0x034F || c == 0x115F || c == 0x1160) return 1;
    if (c == 0x17B4 || c == 0x17B5) return 1;
    if (c >= 0x180B && c <= 0x180F) return 1;
    if (c >= 0x200B && c <= 0x200D) return 1;                         /* zero width */
    if (c >= 0x2060 && c <= 0x2064) return 1;
    if (c >= 0x206A && c <= 0x206F) return 1;
    if (c == 0x3164 || c == 0xFEFF || c == 0xFFA0) return 1;
    if (c >= 0xFFF9 && c <= 0xFFFB) return 1;                         /* interlinear annotation */
    if (c >= 0xE0000 && c <= 0xE007F) return 1;                       /* tags */
    if (c == 0x2028 || c == 0x2029) return 1;                         /* line/paragraph separators */
    if (c >= 0xFDD0 && c <= 0xFDEF) return 1;                         /* noncharacters */
    if ((c & 0xFFFE) == 0xFFFE) return 1;
    return 0;
}

static void set_esc(struct disp_piece *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p->text, s, n + 1);
    p->len = (int)n;
    p->width = (int)n;
    p->escape = 1;
}

static void set_utf8(struct disp_piece *p, uint32_t c, int width, int escape)
{
    unsigned char *o = (unsigned char *)p->text;
    int n;
    if (c < 0x80) { o[0] = (unsigned char)c; n = 1; }
    else if (c < 0x800) { o[0] = (unsigned char)(0xC0 | (c >> 6)); o[1] = (unsigned char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12)); o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F)); n = 3;
    } else {
        o[0] = (unsigned char)(0xF0 | (c >> 18)); o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (c & 0x3F)); n = 4;
    }
    o[n] = 0;
    p->len = n;
    p->width = width;
    p->escape = escape;
}

int disp_next(const unsigned char *s, size_t len, unsigned flags, int first,
              struct disp_piece *p)
{
    char buf[16];
    uint32_t c;
    if (len == 0) return 0;
    if (flags & DISP_RAW) {
        p->text[0] = (char)s[0];
        p->text[1] = 0;
        p->len = 1;
        p->width = (s[0] & 0xC0) == 0x80 ? 0 : 1;
        p->escape = 0;
        p->consumed = 1;
        return 1;
    }
    size_t n = utf8_decode(s, len, &c);
    if (n == 0) { /* invalid byte: escape it and resync at the next byte */
        snprintf(buf, sizeof buf, "\\x%02X", s[0]);
        set_esc(p, buf);
        p->consumed = 1;
        return 1;
    }
    p->consumed = n;
    if (c < 0x20 || c == 0x7F) {
        if ((flags & DISP_TOKEN) && c == '\n' && !(flags & DISP_ASCII)) { set_utf8(p, 0x21B5, 1, 1); return 1; }
        switch (c) {
        case 0: set_esc(p, "\\0"); break;
        case '\t': set_esc(p, "\\t"); break;
        case '\n': set_esc(p, "\\n"); break;
        case '\r': set_esc(p, "\\r"); break;
        case 0x1B: set_esc(p, "\\e"); break;
        default: snprintf(buf, sizeof buf, "\\x%02X", (unsigned)c); set_esc(p, buf);
        }
        return 1;
    }
    if (c == '\\' && (flags & DISP_BACKSLASH)) { set_esc(p, "\\\\"); p->escape = 0; return 1; }
    if (c == ' ' && (flags & DISP_TOKEN)) {
        /* a visible space in tokens; "\s" (the escapes' family) where U+2423 cannot be shown */
        if (flags & DISP_ASCII) set_esc(p, "\\s");
        else set_utf8(p, 0x2423, 1, 1);
        return 1;
    }
    if (c < 0x80) { set_utf8(p, c, 1, 0); return 1; }
    if (c <= 0x9F) { snprintf(buf, sizeof buf, "\\u%04X", (unsigned)c); set_esc(p, buf); return 1; }
    if (flags & DISP_ASCII) {
        snprintf(buf, sizeof buf, "\\u{%X}", (unsigned)c);
        set_esc(p, buf);
        return 1;
    }
    int w = is_hidden(c) ? -1 : wcwidth((wchar_t)c);
    if (w < 0) {
        snprintf(buf, sizeof buf, "\\u{%X}", (unsigned)c);
        set_esc(p, buf);
        return 1;
    }
    if (w == 0 && first) {
        /* A leading combining mark would fuse with whatever is drawn before
         * it: show it on a dotted circle. */
        unsigned char *o = (unsigned char *)p->text;
        set_utf8(p, 0x25CC, 1, 1);
        struct disp_piece tmp;
        set_utf8(&tmp, c, 0, 0);
        memcpy(o + p->len, tmp.text, (size_t)tmp.len + 1);
        p->len += tmp.len;
        return 1;
    }
    set_utf8(p, c, w, 0);
    return 1;
}

size_t disp_escape(const char *s, size_t len, unsigned flags, char *out, size_t outsz)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t pos = 0, total = 0, w = 0;
    struct disp_piece p;
    int first = 1, full = 0;
    while (disp_next(u + pos, len - pos, flags, first, &p)) {
        /* stop writing on a piece boundary: never half an escape */
        if (!full && outsz && w + (size_t)p.len < outsz) {
            memcpy(out + w, p.text, (size_t)p.len);
            w += (size_t)p.len;
        } else full = 1;
        total += (size_t)p.len;
        pos += p.consumed;
        if (p.width > 0) first = 0;
    }
    if (outsz) out[w] = 0;
    return total;
}

int disp_fit(const char *s, size_t len, unsigned flags, int max_cols, char *out,
             size_t outsz, int *cols)
{
    const unsigned char *u = (const unsigned char *)s;
    const char *ell = (flags & DISP_ASCII) ? "~" : "\xE2\x80\xA6";
    size_t ell_len = strlen(ell);
    size_t pos = 0, o = 0;
    int used = 0, clipped = 0, first = 1;
    struct disp_piece p;
    if (outsz == 0) return 0;
    /* Cut points: after each piece we remember where the output would stand
     * if the ellipsis had to go here. */
    size_t cut_o = 0;
    int cut_used = 0;
    while (disp_next(u + pos, len - pos, flags, first, &p)) {
        if (used + p.width > max_cols || o + (size_t)p.len + ell_len + 1 > outsz) { clipped = 1; break; }
        if (used + p.width <= max_cols - 1) { cut_o = o + (size_t)p.len; cut_used = used + p.width; }
        memcpy(out + o, p.text, (size_t)p.len);
        o += (size_t)p.len;
        used += p.width;
        pos += p.consumed;
        if (p.width > 0) first = 0;
    }
    if (clipped) {
        if (max_cols >= 1) {
            o = cut_o;
            used = cut_used;
            memcpy(out + o, ell, ell_len);
            o += ell_len;
            used += 1;
        } else { o = 0; used = 0; }
    }
    out[o] = 0;
    if (cols) *cols = used;
    return clipped;
}

int disp_width(const char *s, size_t len, unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t pos = 0;
    int w = 0, first = 1;
    struct disp_piece p;
    while (disp_next(u + pos, len - pos, flags, first, &p)) {
        w += p.width;
        pos += p.consumed;
        if (p.width > 0) first = 0;
    }
    return w;
}

int disp_is_clean(const char *s, size_t len, unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t pos = 0;
    int first = 1;
    struct disp_piece p;
    while (disp_next(u + pos, len - pos, flags, first, &p)) {
        if (p.escape || p.consumed != (size_t)p.len || memcmp(p.text, u + pos, p.consumed) != 0) return 0;
        pos += p.consumed;
        if (p.width > 0) first = 0;
    }
    return 1;
}

unsigned disp_locale_flags(void)
{
    const char *cs = nl_langinfo(CODESET);
    if (cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0)) return 0;
    return DISP_ASCII;
}
