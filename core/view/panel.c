/* panel.c: the helpers every panel shares (see panel.h). */
#include "view/panel.h"
#include "base/display.h"

#include <string.h>

void panel_title(struct grid *g, struct view_rect r, const char *title, int focused)
{
    const struct grid_glyphs *gl = grid_glyphs(g);
    enum grid_role role = focused ? ROLE_TITLE_FOCUS : ROLE_TITLE;
    grid_hline(g, r.x, r.y, r.w, gl->hline, ROLE_BORDER);
    int n = grid_puts(g, r.x + 1, r.y, r.w - 2, role, " ");
    n += grid_puts(g, r.x + 1 + n, r.y, r.w - 2 - n, role, title);
    grid_puts(g, r.x + 1 + n, r.y, r.w - 2 - n, role, " ");
}

int panel_token(struct grid *g, const struct explorer *ex, int x, int y, int maxw,
                enum grid_role role, int32_t id)
{
    char buf[32];
    size_t len;
    int known;
    const char *t = explorer_token_known(ex, id, buf, sizeof buf, &len, &known);
    /* a token without text is spelled "<id N>" as the CLI spells it: the
     * token transform (visible spaces) is for token text only; too narrow,
     * it keeps its digits ("…62143>"), so two ids never read alike */
    if (known) return grid_text(g, x, y, maxw, role, t, len, DISP_TOKEN);
    if ((int)len <= maxw || maxw < 3) return grid_text(g, x, y, maxw, ROLE_DIM, t, len, 0);
    grid_glyph(g, x, y, (g->dflags & DISP_ASCII) ? '~' : 0x2026, ROLE_DIM);
    int n = 1;
    return n + grid_text(g, x + n, y, maxw - n, ROLE_DIM, t + len - (size_t)(maxw - n), (size_t)(maxw - n), 0);
}

int panel_token_width(const struct grid *g, const struct explorer *ex, int32_t id)
{
    char buf[32];
    size_t len;
    int known;
    const char *t = explorer_token_known(ex, id, buf, sizeof buf, &len, &known);
    return disp_width(t, len, (known ? DISP_TOKEN : 0) | g->dflags);
}

enum grid_role panel_score_role(const struct score_row *s)
{
    return s->hint == SCORE_PENDING ? ROLE_DIM : s->hint == SCORE_WARN || s->hint == SCORE_NOTE ? ROLE_CUT_LABEL
         : s->hint == SCORE_HEADING ? ROLE_TITLE : ROLE_VALUE;
}

void panel_score_row(struct grid *g, int x, int y, int lw, int vw, const struct score_row *s)
{
    if (s->hint == SCORE_NOTE) { /* across the label column too */
        grid_text(g, x, y, lw + (vw > 0 ? vw : 0), ROLE_CUT_LABEL, s->value, strlen(s->value), 0);
        return;
    }
    grid_text(g, x, y, lw - 1, ROLE_LABEL, s->label, strlen(s->label), 0);
    if (vw > 0) grid_text(g, x + lw, y, vw, panel_score_role(s), s->value, strlen(s->value), 0);
}

/* The longest prefix of s[0..len) that fits w columns, ending at a blank
 * when one is in reach (else cut mid-word). */
static size_t wrap_cut(const char *s, size_t len, int w, unsigned flags)
{
    if (disp_width(s, len, flags) <= w) return len;
    size_t lo = 1, hi = len, fit = 1;
    while (lo <= hi) {          /* the longest prefix that fits (width grows with length) */
        size_t mid = lo + (hi - lo) / 2;
        if (disp_width(s, mid, flags) <= w) { fit = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (size_t i = fit; i > fit / 2; i--)
        if (s[i] == ' ') return i;
    /* never split a UTF-8 sequence: back up to a lead byte */
    while (fit > 1 && ((unsigned char)s[fit] & 0xC0) == 0x80) fit--;
    return fit;
}

int panel_wrap_slice(const struct grid *g, int w, const char *s, int i, size_t *off, size_t *len)
{
    size_t n = strlen(s), o = 0;
    if (w < 1) return 0;
    for (int k = 0; o < n; k++) {
        size_t cut = wrap_cut(s + o, n - o, w, g->dflags);
        if (k == i) { *off = o; *len = cut; return 1; }
        o += cut;
        while (o < n && s[o] == ' ') o++;
    }
    return 0;
}

int panel_wrap_lines(const struct grid *g, int w, const char *s)
{
    size_t off, len;
    int n = 0;
    while (panel_wrap_slice(g, w, s, n, &off, &len)) n++;
    return n ? n : 1;
}

int panel_wrap(struct grid *g, int x, int y, int w, int max_lines, enum grid_role role, const char *s)
{
    size_t off, len;
    int n = 0;
    while (n < max_lines && panel_wrap_slice(g, w, s, n, &off, &len)) {
        /* the last row takes the rest, clipped with an ellipsis */
        if (n + 1 == max_lines) len = strlen(s) - off;
        grid_text(g, x, y + n, w, role, s + off, len, 0);
        n++;
    }
    return n;
}
