/* keys.c: key names (see keys.h). */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; int key; } names[] = {
    {"Up", KEYF(KEY_UP)}, {"Down", KEYF(KEY_DOWN)}, {"Left", KEYF(KEY_LEFT)}, {"Right", KEYF(KEY_RIGHT)},
    {"S-Left", KEYF(KEY_SLEFT)}, {"S-Right", KEYF(KEY_SRIGHT)},
    {"Home", KEYF(KEY_HOME)}, {"End", KEYF(KEY_END)}, {"PgUp", KEYF(KEY_PPAGE)}, {"PgDn", KEYF(KEY_NPAGE)},
    {"BTab", KEYF(KEY_BTAB)}, {"Backspace", KEYF(KEY_BACKSPACE)}, {"Del", KEYF(KEY_DC)},
    {"Resize", KEYF(KEY_RESIZE)}, {"Mouse", KEYF(KEY_MOUSE)},
    {"Enter", '\r'}, {"Tab", '\t'}, {"Esc", 27}, {"Space", ' '}, {"Lt", '<'},
};

int keys_parse(const char **sp)
{
    const char *s = *sp;
    if (!*s) return KEY_NONE;
    const char *e = *s == '<' ? strchr(s + 1, '>') : NULL;
    if (e && (e == s + 1 || memchr(s + 1, ' ', (size_t)(e - s - 1)))) e = NULL;
    if (!e) {
        /* one UTF-8 character */
        const unsigned char *u = (const unsigned char *)s;
        int n = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
        int cp = n == 1 ? u[0] : u[0] & (0x7F >> n);
        for (int i = 1; i < n; i++) { if (!u[i]) return KEY_NONE; cp = (cp << 6) | (u[i] & 0x3F); }
        *sp = s + n;
        return cp;
    }
    size_t len = (size_t)(e - s - 1);
    char nm[16];
    if (len == 0 || len >= sizeof nm) return KEY_NONE;
    memcpy(nm, s + 1, len);
    nm[len] = 0;
    *sp = e + 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(nm, names[i].name)) return names[i].key;
    if ((nm[0] == 'C' || nm[0] == 'c') && nm[1] == '-' && nm[2] && !nm[3]) {
        char c = nm[2];
        if (c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (c >= '@' && c <= '_') return c - '@';
    }
    if ((nm[0] == 'F' || nm[0] == 'f') && nm[1]) {
        int n = 0;
        for (const char *p = nm + 1; *p; p++) { if (*p < '0' || *p > '9') return KEY_NONE; n = n * 10 + (*p - '0'); }
        if (n >= 1 && n <= 12) return KEYF(KEY_F(n));
    }
    return KEY_NONE;
}

