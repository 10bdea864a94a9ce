/* json_prefix.c: the streaming JSON prefix checker (see json_prefix.h).
 *
 * One mode per grammar position; a number ends at the first byte that
 * cannot extend it, which is then read in the position after a value. */
#include "base/json_prefix.h"

#include <string.h>

enum {
    M_VALUE,        /* a value is due (leading whitespace allowed) */
    M_ARR_FIRST,    /* after '[': a value or ']' */
    M_OBJ_FIRST,    /* after '{': a key or '}' */
    M_KEY,          /* after ',' in an object: a key */
    M_COLON,        /* after a key */
    M_AFTER,        /* after a value: ',' or the container's end, or only whitespace at the top */
    M_STR, M_KEYSTR, M_ESC, M_KEYESC, M_HEX, M_KEYHEX,
    M_MINUS, M_ZERO, M_INT, M_DOT, M_FRAC, M_E, M_ESIGN, M_EXP,
    M_LIT
};

static const char *const lits[] = { "true", "false", "null" };

void jp_init(struct json_prefix *jp)
{
    memset(jp, 0, sizeof *jp);
    jp->mode = M_VALUE;
}

static int is_ws(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* The start of a value at byte c: 0, or -1 if c cannot start one. */
static int value_start(struct json_prefix *jp, int c)
{
    if (c == '"') { jp->mode = M_STR; return 0; }
    if (c == '-') { jp->mode = M_MINUS; return 0; }
    if (c == '0') { jp->mode = M_ZERO; return 0; }
    if (is_digit(c)) { jp->mode = M_INT; return 0; }
    if (c == '[' || c == '{') {
        if (jp->depth >= JP_MAX_DEPTH) return -1;
        jp->stack[jp->depth++] = (char)c;
        jp->mode = c == '[' ? M_ARR_FIRST : M_OBJ_FIRST;
        return 0;
    }
    for (int i = 0; i < 3; i++)
        if (c == lits[i][0]) { jp->mode = M_LIT; jp->lit = i; jp->lit_pos = 1; return 0; }
    return -1;
}

/* After a value, at byte c. */
static int after_value(struct json_prefix *jp, int c)
{
    if (is_ws(c)) return 0;
    if (jp->depth == 0) return -1;              /* only whitespace after the document */
    char top = jp->stack[jp->depth - 1];
    if (c == ',') { jp->mode = top == '[' ? M_VALUE : M_KEY; return 0; }
    if ((top == '[' && c == ']') || (top == '{' && c == '}')) { jp->depth--; jp->mode = M_AFTER; return 0; }
    return -1;
}

/* Inside a string (key: the key of an object member). */
static int in_string(struct json_prefix *jp, int c, int key)
{
    if (c == '"') { jp->mode = key ? M_COLON : M_AFTER; return 0; }
    if (c == '\\') { jp->mode = key ? M_KEYESC : M_ESC; return 0; }
    return c < 0x20 ? -1 : 0;
}

static int escape(struct json_prefix *jp, int c, int key)
{
    if (c == 'u') { jp->mode = key ? M_KEYHEX : M_HEX; jp->hex = 4; return 0; }
    if (!strchr("\"\\/bfnrt", c)) return -1;
    jp->mode = key ? M_KEYSTR : M_STR;
    return 0;
}

/* Numbers: M_MINUS .. M_EXP; a byte that ends a complete number goes on
 * to after_value. */
static int number(struct json_prefix *jp, int c)
{
    int m = jp->mode, d = is_digit(c);
    switch (m) {
    case M_MINUS: if (c == '0') { jp->mode = M_ZERO; return 0; } if (d) { jp->mode = M_INT; return 0; } return -1;
    case M_DOT: if (d) { jp->mode = M_FRAC; return 0; } return -1;
    case M_E: if (c == '+' || c == '-') { jp->mode = M_ESIGN; return 0; } /* fall through */
    case M_ESIGN: if (d) { jp->mode = M_EXP; return 0; } return -1;
    default: break;
    }
    if (d && m != M_ZERO) return 0;                          /* M_INT, M_FRAC, M_EXP go on */
    if (c == '.' && (m == M_ZERO || m == M_INT)) { jp->mode = M_DOT; return 0; }
    if ((c == 'e' || c == 'E') && m != M_EXP) { jp->mode = M_E; return 0; }
    jp->mode = M_AFTER;
    return after_value(jp, c);
}

static int step(struct json_prefix *jp, int c)
{
    if (c == 0) return -1;                      /* a NUL byte is never JSON */
    switch (jp->mode) {
    case M_VALUE: return is_ws(c) ? 0 : value_start(jp, c);
    case M_ARR_FIRST:
        if (is_ws(c)) return 0;
        if (c == ']') { jp->depth--; jp->mode = M_AFTER; return 0; }
        return value_start(jp, c);
    case M_OBJ_FIRST:
        if (is_ws(c)) return 0;
        if (c == '}') { jp->depth--; jp->mode = M_AFTER; return 0; }
        /* fall through */
    case M_KEY:
        if (is_ws(c)) return 0;
        if (c == '"') { jp->mode = M_KEYSTR; return 0; }
        return -1;
    case M_COLON:
        if (is_ws(c)) return 0;
        if (c == ':') { jp->mode = M_VALUE; return 0; }
        return -1;
    case M_AFTER: return after_value(jp, c);
    case M_STR: case M_KEYSTR: return in_string(jp, c, jp->mode == M_KEYSTR);
    case M_ESC: case M_KEYESC: return escape(jp, c, jp->mode == M_KEYESC);
    case M_HEX: case M_KEYHEX:
        if (!is_hex(c)) return -1;
        if (--jp->hex == 0) jp->mode = jp->mode == M_KEYHEX ? M_KEYSTR : M_STR;
        return 0;
    case M_LIT:
        if (c != lits[jp->lit][jp->lit_pos]) return -1;
        if (!lits[jp->lit][++jp->lit_pos]) jp->mode = M_AFTER;
        return 0;
    default: return number(jp, c);
    }
}

int jp_feed(struct json_prefix *jp, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !jp->broken; i++)
        if (step(jp, (unsigned char)s[i]) < 0) jp->broken = 1;
    return jp->broken ? -1 : 0;
}

int jp_complete(const struct json_prefix *jp)
{
    if (jp->broken || jp->depth) return 0;
    /* a number is complete where it stands (no more digits are needed) */
    return jp->mode == M_AFTER || jp->mode == M_ZERO || jp->mode == M_INT || jp->mode == M_FRAC ||
           jp->mode == M_EXP;
}
