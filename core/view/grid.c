/* grid.c: the cell grid (see grid.h). No allocation outside grid_resize. */
#include "view/grid.h"
#include "base/display.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int grid_resize(struct grid *g, int w, int h)
{
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    size_t n = (size_t)w * (size_t)h;
    if (n > g->cap) {
        struct grid_cell *c = realloc(g->c, n * sizeof *c);
        if (!c) return -1;
        g->c = c;
        g->cap = n;
    }
    g->w = w;
    g->h = h;
    grid_clear(g);
    return 0;
}

void grid_free(struct grid *g)
{
    free(g->c);
    g->c = NULL;
    g->cap = 0;
    g->w = g->h = 0;
}

static const struct grid_cell blank = { ' ', 0, 1, ROLE_NORMAL, 0 };

void grid_clear(struct grid *g)
{
    size_t n = (size_t)g->w * (size_t)g->h;
    for (size_t i = 0; i < n; i++) g->c[i] = blank;
}

struct grid_cell *grid_at(struct grid *g, int x, int y)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return NULL;
    return &g->c[(size_t)y * (size_t)g->w + (size_t)x];
}

const struct grid_cell *grid_cat(const struct grid *g, int x, int y)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return NULL;
    return &g->c[(size_t)y * (size_t)g->w + (size_t)x];
}

void grid_fill(struct grid *g, int x, int y, int w, int h, enum grid_role role)
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) {
            struct grid_cell *c = grid_at(g, i, j);
            if (c) { *c = blank; c->role = (uint8_t)role; }
        }
}

void grid_tag(struct grid *g, int x, int y, int w, int h, int32_t tag)
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) {
            struct grid_cell *c = grid_at(g, i, j);
            if (c) c->tag = tag;
        }
}

void grid_role(struct grid *g, int x, int y, int w, int h, enum grid_role role)
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) {
            struct grid_cell *c = grid_at(g, i, j);
            if (c) c->role = (uint8_t)role;
        }
}

/* Piece texts are valid UTF-8 by construction (display.c). */
static size_t dec(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    if (s[0] < 0xE0) { *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3Fu); return 2; }
    if (s[0] < 0xF0) { *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3Fu); return 3; }
    *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3Fu);
    return 4;
}

static void put_cell(struct grid *g, int x, int y, uint32_t cp, uint32_t comb, int width, enum grid_role role)
{
    struct grid_cell *c = grid_at(g, x, y);
    if (!c) return;
    int32_t tag = c->tag;
    c->ch = cp;
    c->comb = comb;
    c->width = (uint8_t)width;
    c->role = (uint8_t)role;
    c->tag = tag;
    if (width == 2) {
        struct grid_cell *r = grid_at(g, x + 1, y);
        if (r) { r->ch = ' '; r->comb = 0; r->width = 0; r->role = (uint8_t)role; }
    }
}

/* Draw one piece at column x; returns columns used. */
static int put_piece(struct grid *g, int x, int y, const struct disp_piece *p, enum grid_role role)
{
    const unsigned char *t = (const unsigned char *)p->text;
    enum grid_role r = p->escape ? ROLE_ESCAPE : role;
    uint32_t cp, cp2 = 0;
    size_t n = dec(t, &cp);
    if ((int)n < p->len) dec(t + n, &cp2);
    if (p->width == 0) {
        /* a combining mark after a base character: join the previous cell */
        struct grid_cell *c = grid_at(g, x - 1, y);
        if (c && c->width == 0) c = grid_at(g, x - 2, y);
        if (c && !c->comb) c->comb = cp;
        return 0;
    }
    if (p->escape && cp < 0x80) {
        /* multi-column ASCII escape such as \x1B or \u{202E} */
        for (int i = 0; i < p->len; i++) put_cell(g, x + i, y, t[i], 0, 1, r);
        return p->len;
    }
    put_cell(g, x, y, cp, cp2, p->width, r);
    return p->width;
}

int grid_text(struct grid *g, int x, int y, int maxw, enum grid_role role,
              const char *s, size_t len, unsigned flags)
{
    if (maxw > g->w - x) maxw = g->w - x;
    if (y < 0 || y >= g->h || x < 0 || maxw <= 0 || !s) return 0;
    flags |= g->dflags;
    const unsigned char *u = (const unsigned char *)s;
    int total = disp_width(s, len, flags);
    int budget = total <= maxw ? maxw : maxw - 1; /* leave room for the ellipsis */
    size_t pos = 0;
    int used = 0, first = 1;
    struct disp_piece p;
    while (disp_next(u + pos, len - pos, flags, first, &p)) {
        if (used + p.width > budget) break;
        used += put_piece(g, x + used, y, &p, role);
        pos += p.consumed;
        if (p.width > 0) first = 0;
    }
    if (total > maxw) {
        put_cell(g, x + used, y, (flags & DISP_ASCII) ? '~' : 0x2026, 0, 1, ROLE_DIM);
        used++;
    }
    return used;
}

int grid_puts(struct grid *g, int x, int y, int maxw, enum grid_role role, const char *s)
{
    return grid_text(g, x, y, maxw, role, s, strlen(s), 0);
}

int grid_printf(struct grid *g, int x, int y, int maxw, enum grid_role role, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return 0;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    return grid_text(g, x, y, maxw, role, buf, len, 0);
}

void grid_glyph(struct grid *g, int x, int y, uint32_t cp, enum grid_role role)
{
    put_cell(g, x, y, cp, 0, 1, role);
}

void grid_hline(struct grid *g, int x, int y, int w, uint32_t cp, enum grid_role role)
{
    for (int i = 0; i < w; i++) put_cell(g, x + i, y, cp, 0, 1, role);
}

static size_t enc(uint32_t c, char *o)
{
    unsigned char *u = (unsigned char *)o;
    if (c < 0x80) { u[0] = (unsigned char)c; return 1; }
    if (c < 0x800) { u[0] = (unsigned char)(0xC0 | (c >> 6)); u[1] = (unsigned char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (c >> 12)); u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (c & 0x3F)); return 3;
    }
    u[0] = (unsigned char)(0xF0 | (c >> 18)); u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F)); u[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

int grid_cell_utf8(const struct grid_cell *c, char *out)
{
    if (c->width == 0) { out[0] = 0; return 0; }
    size_t n = enc(c->ch, out);
    if (c->comb) n += enc(c->comb, out + n);
    out[n] = 0;
    return (int)n;
}

size_t grid_to_text(const struct grid *g, char *out, size_t outsz)
{
    size_t o = 0;
    char tmp[16];
    for (int y = 0; y < g->h; y++) {
        int last = g->w - 1;
        while (last >= 0) {
            const struct grid_cell *c = grid_cat(g, last, y);
            if (c->width != 0 && !(c->ch == ' ' && !c->comb)) break;
            last--;
        }
        for (int x = 0; x <= last; x++) {
            int n = grid_cell_utf8(grid_cat(g, x, y), tmp);
            for (int i = 0; i < n; i++, o++) if (o + 1 < outsz) out[o] = tmp[i];
        }
        if (o + 1 < outsz) out[o] = '\n';
        o++;
    }
    if (outsz) out[o < outsz ? o : outsz - 1] = 0;
    return o;
}

static const struct grid_glyphs glyphs_utf8 = {
    0x2588,
    { 0, 0x258F, 0x258E, 0x258D, 0x258C, 0x258B, 0x258A, 0x2589 },
    0x2500, 0x2502, 0x25BC, 0x00D7, 0x2192, 0x00B7
};
static const struct grid_glyphs glyphs_ascii = {
    '#',
    { 0, 0, 0, 0, '+', '+', '+', '+' },
    '-', '|', 'v', 'x', '>', '.'
};

const struct grid_glyphs *grid_glyphs(const struct grid *g)
{
    return (g->dflags & DISP_ASCII) ? &glyphs_ascii : &glyphs_utf8;
}

void grid_bar(struct grid *g, int x, int y, int w, double v, enum grid_role role)
{
    const struct grid_glyphs *gl = grid_glyphs(g);
    if (!(v > 0)) return;   /* also catches NaN */
    if (v > 1) v = 1;
    long eighths = (long)(v * w * 8 + 0.5);
    if (eighths == 0) eighths = 1; /* a nonzero value is never invisible */
    int full = (int)(eighths / 8), part = (int)(eighths % 8);
    for (int i = 0; i < full && i < w; i++) put_cell(g, x + i, y, gl->bar_full, 0, 1, role);
    if (full < w && part && gl->bar_part[part]) put_cell(g, x + full, y, gl->bar_part[part], 0, 1, role);
    else if (full < w && part && !full) put_cell(g, x, y, gl->bar_part[4] ? gl->bar_part[4] : '+', 0, 1, role);
}

const char *grid_key(const struct grid *g, enum grid_key k)
{
    static const char *const dflt[GK__COUNT] = { ":", "Esc" };
    if ((unsigned)k >= GK__COUNT) return "?";
    return g->keys[k][0] ? g->keys[k] : dflt[k];
}
