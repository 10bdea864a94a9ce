/* grid.h: a plain cell grid the explorer's panels are laid out into.
 *
 * Owns: a W x H array of cells. Each cell holds one code point (plus at
 * most one combining mark), its width in terminal columns (2 for a wide
 * character, whose right half is a width-0 continuation cell), a colour
 * *role* (what the cell means, never a colour: tui/ maps roles to colour
 * pairs and attributes, htop's model) and a click tag (what a mouse click
 * on the cell selects). Units: columns and rows, origin top-left.
 *
 * Everything that reaches a cell goes through the display transform
 * (display.h): grid_text is the only way to put text in, so token strings,
 * file names and messages are escaped (escapes drawn in ROLE_ESCAPE) and
 * clipped with an ellipsis on a piece boundary.
 *
 * Memory: grid_resize allocates (only when the grid grows); every drawing
 * call writes into existing cells and never allocates, so a frame costs no
 * allocation. grid_to_text renders the grid as plain UTF-8 lines for golden
 * tests (trailing blanks trimmed).
 *
 *   struct grid g = {0};
 *   grid_resize(&g, 80, 24);
 *   grid_text(&g, 0, 0, 20, ROLE_TITLE, "Distribution", 12, 0);
 *   char buf[4096]; grid_to_text(&g, buf, sizeof buf);
 *   grid_free(&g);
 */
#ifndef LS_GRID_H
#define LS_GRID_H

#include <stddef.h>
#include <stdint.h>

/* Colour roles: X(ID, "name", "what it marks"). tui/ maps each to a colour
 * pair and attributes; the monochrome mapping must keep them apart by
 * attribute alone (meaning is never carried by colour only). */
#define GRID_ROLES(X)                                                   \
    X(NORMAL, "normal", "ordinary text")                                \
    X(DIM, "dim", "secondary text, units, placeholders")                \
    X(TITLE, "title", "panel title")                                    \
    X(TITLE_FOCUS, "title-focus", "title of the focused panel")         \
    X(LABEL, "label", "field labels")                                   \
    X(VALUE, "value", "numbers and values")                             \
    X(FOCUS, "focus", "the focused parameter or selected row")          \
    X(BAR_RAW, "bar-raw", "raw-probability bars")                       \
    X(BAR_FINAL, "bar-final", "final-probability bars")                 \
    X(CUT, "cut", "tokens cut by the chain")                            \
    X(CUT_LABEL, "cut-label", "the stage that cut a token")             \
    X(ESCAPE, "escape", "escaped bytes in untrusted text")              \
    X(MARK, "mark", "markers: the top-p cut, the recorded token")       \
    X(STRIP_A, "strip-a", "cumulative strip, kept, even tokens")        \
    X(STRIP_B, "strip-b", "cumulative strip, kept, odd tokens")         \
    X(STRIP_CUT, "strip-cut", "cumulative strip, cut mass")             \
    X(P_HI, "p-high", "sequence token with p >= 0.5")                   \
    X(P_MID, "p-mid", "sequence token with 0.1 <= p < 0.5")             \
    X(P_LO, "p-low", "sequence token with p < 0.1")                     \
    X(P_CUT, "p-cut", "sequence token the chain would cut")             \
    X(SELECT, "select", "the selected step")                            \
    X(STATUS, "status", "status line")                                  \
    X(HINT, "hint", "key hints")                                        \
    X(ERROR, "error", "error messages")                                 \
    X(PROMPT, "prompt", "the command line")                             \
    X(HELP, "help", "help overlay")                                     \
    X(HELP_KEY, "help-key", "keys in the help overlay")                 \
    X(BORDER, "border", "panel separators")

enum grid_role {
#define GRID_ROLE_ENUM(id, name, what) ROLE_##id,
    GRID_ROLES(GRID_ROLE_ENUM)
#undef GRID_ROLE_ENUM
    ROLE__COUNT
};


/* Click tags: what a cell selects. 0 = nothing. */
enum grid_tag_kind { TAG_NONE = 0, TAG_STEP = 1, TAG_TOKEN_ROW = 2, TAG_PANEL = 3, TAG_PARAM = 4,
                     TAG_DS_LINE = 5,     /* a dataset table line (display position) */
                     TAG_DS_COL = 6 };    /* a dataset table header: column + 1 (0: id) */
#define GRID_TAG(kind, idx) ((int32_t)(((uint32_t)(kind) << 24) | ((uint32_t)(idx) & 0xFFFFFFu)))
#define GRID_TAG_KIND(t) ((int)((uint32_t)(t) >> 24))
#define GRID_TAG_INDEX(t) ((int32_t)((uint32_t)(t) & 0xFFFFFFu))

struct grid_cell {
    uint32_t ch;     /* code point; ' ' when blank */
    uint32_t comb;   /* combining mark drawn on ch, 0 if none */
    uint8_t width;   /* 1 or 2; 0 = right half of a wide character */
    uint8_t role;    /* enum grid_role */
    int32_t tag;     /* GRID_TAG(kind, index) or 0 */
};

/* Keys a panel names in its text ("type :compare OTHER"). The key table
 * is the TUI's (tui/actions.def, above core), so the TUI writes their
 * labels into the grid at startup, as it sets the display flags; an empty
 * label reads as the default binding (grid_key). */
enum grid_key { GK_COMMAND = 0, GK_BACK, GK__COUNT };

struct grid {
    int w, h;
    size_t cap;            /* cells allocated */
    struct grid_cell *c;   /* w * h, row-major */
    unsigned dflags;       /* display flags (DISP_ASCII on non-UTF-8 terminals) */
    char keys[GK__COUNT][16]; /* key labels, written by the TUI */
};

/* The label of key k: g->keys[k], or the default binding (":", "Esc"). */
const char *grid_key(const struct grid *g, enum grid_key k);

/* (Re)size to w x h (both >= 1); contents are cleared. Allocates only when
 * growing. Returns 0, or -1 on out of memory (the grid is unchanged). */
int grid_resize(struct grid *g, int w, int h);
void grid_free(struct grid *g);

/* Blank every cell (space, ROLE_NORMAL, tag 0). */
void grid_clear(struct grid *g);
/* Blank a rectangle with a role (clipped to the grid). */
void grid_fill(struct grid *g, int x, int y, int w, int h, enum grid_role role);
/* Set the tag of a rectangle (clipped). */
void grid_tag(struct grid *g, int x, int y, int w, int h, int32_t tag);
/* Set the role of a rectangle, keeping its characters. */
void grid_role(struct grid *g, int x, int y, int w, int h, enum grid_role role);

/* Put s[0..len) at (x, y), at most maxw columns, through the display
 * transform with flags (| g->dflags). Escape pieces take ROLE_ESCAPE; text
 * that does not fit is clipped on a piece boundary with an ellipsis.
 * Returns the columns used. A wide character never straddles the edge. */
int grid_text(struct grid *g, int x, int y, int maxw, enum grid_role role,
              const char *s, size_t len, unsigned flags);
/* NUL-terminated convenience form (flags 0). */
int grid_puts(struct grid *g, int x, int y, int maxw, enum grid_role role, const char *s);
/* printf into a stack buffer, then grid_puts. Numbers use the C locale. */
int grid_printf(struct grid *g, int x, int y, int maxw, enum grid_role role,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Put one trusted code point (a chart glyph) of width 1. */
void grid_glyph(struct grid *g, int x, int y, uint32_t cp, enum grid_role role);
/* Horizontal rule of cp from x for w columns. */
void grid_hline(struct grid *g, int x, int y, int w, uint32_t cp, enum grid_role role);

/* Cell access (NULL outside the grid). */
struct grid_cell *grid_at(struct grid *g, int x, int y);
const struct grid_cell *grid_cat(const struct grid *g, int x, int y);

/* Encode a cell as UTF-8 into out (>= 9 bytes); returns bytes written
 * (0 for a continuation cell). */
int grid_cell_utf8(const struct grid_cell *c, char *out);

/* Whole grid as text: one line per row, trailing blanks trimmed, '\n'
 * after each. Returns the bytes the full text needs (like snprintf). */
size_t grid_to_text(const struct grid *g, char *out, size_t outsz);

/* Chart glyphs for the current mode (UTF-8 blocks, or ASCII fallback). */
struct grid_glyphs {
    uint32_t bar_full;       /* full block */
    uint32_t bar_part[8];    /* eighths 0..7 (0 = none) */
    uint32_t hline, vline;   /* separators */
    uint32_t marker_down;    /* a cut marker above a strip */
    uint32_t cut_mark;       /* prefix of a token the chain would cut */
    uint32_t arrow;          /* "->" as one glyph */
    uint32_t dot;            /* placeholder */
};
const struct grid_glyphs *grid_glyphs(const struct grid *g);

/* Bar of value v in [0, 1] over w columns with eighth-block resolution. */
void grid_bar(struct grid *g, int x, int y, int w, double v, enum grid_role role);

#endif
