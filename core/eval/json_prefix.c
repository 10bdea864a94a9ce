/* json_prefix.c: the JSON prefix automaton (see json_prefix.h). */
#include "eval/json_prefix.h"

#include <stdlib.h>
#include <string.h>

enum mode { M_VALUE, M_VALUE_OR_CLOSE, M_KEY, M_KEY_OR_CLOSE, M_COLON, M_AFTER, M_STRING, M_NUMBER, M_LITERAL, M_DONE };
/* number sub-states: which characters may come next */
enum num { N_SIGN, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

struct jp {
    enum mode mode;
    char stack[JSON_PREFIX_MAX_DEPTH];
    int depth;
    int key;          /* the string being read is an object key */
    int esc, hex;     /* in a string: after '\', hex digits left of \uXXXX */
    enum num num;
    const char *lit;  /* the literal being matched and how far */
    size_t lit_at;
};

static int is_ws(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* A value just ended: what may follow it. */
static void value_done(struct jp *p) { p->mode = p->depth ? M_AFTER : M_DONE; }

static int start_value(struct jp *p, int c)
{
    if (c == '"') { p->mode = M_STRING; p->key = 0; p->esc = p->hex = 0; return 1; }
    if (c == '{' || c == '[') {
        if (p->depth >= JSON_PREFIX_MAX_DEPTH) return 0;
        p->stack[p->depth++] = (char)c;
        p->mode = c == '{' ? M_KEY_OR_CLOSE : M_VALUE_OR_CLOSE;
        return 1;
    }
    if (c == '-' || is_digit(c)) { p->mode = M_NUMBER; p->num = c == '-' ? N_SIGN : c == '0' ? N_ZERO : N_INT; return 1; }
    static const char *const lits[] = { "true", "false", "null" };
    for (int i = 0; i < 3; i++)
        if (c == lits[i][0]) { p->mode = M_LITERAL; p->lit = lits[i]; p->lit_at = 1; return 1; }
    return 0;
}

static int close_container(struct jp *p, int c)
{
    if (!p->depth || p->stack[p->depth - 1] != (c == '}' ? '{' : '[')) return 0;
    p->depth--;
    value_done(p);
    return 1;
}

static int string_byte(struct jp *p, int c)
{
    if (p->hex) { p->hex--; return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
    if (p->esc) {
        p->esc = 0;
        if (c == 'u') { p->hex = 4; return 1; }
        return strchr("\"\\/bfnrt", c) != NULL && c;
    }
    if (c == '\\') { p->esc = 1; return 1; }
    if (c < 0x20) return 0;
    if (c == '"') {
        if (p->key) p->mode = M_COLON;
        else value_done(p);
    }
    return 1;
}

/* 1: c continues the number; 0: the number ended before c (c re-read); -1: broken */
static int number_byte(struct jp *p, int c)
{
    switch (p->num) {
    case N_SIGN: if (c == '0') { p->num = N_ZERO; return 1; } if (is_digit(c)) { p->num = N_INT; return 1; } return -1;
    case N_ZERO: case N_INT:
        if (is_digit(c)) return p->num == N_INT ? 1 : -1;
        if (c == '.') { p->num = N_DOT; return 1; }
        if (c == 'e' || c == 'E') { p->num = N_E; return 1; }
        return 0;
    case N_DOT: if (is_digit(c)) { p->num = N_FRAC; return 1; } return -1;
    case N_FRAC:
        if (is_digit(c)) return 1;
        if (c == 'e' || c == 'E') { p->num = N_E; return 1; }
        return 0;
    case N_E: if (c == '+' || c == '-') { p->num = N_ESIGN; return 1; } /* fall through */
    case N_ESIGN: if (is_digit(c)) { p->num = N_EXP; return 1; } return -1;
    case N_EXP: return is_digit(c) ? 1 : 0;
    }
    return -1;
}

static int structural(struct jp *p, int c)
{
    switch (p->mode) {
    case M_VALUE: return is_ws(c) || start_value(p, c);
    case M_VALUE_OR_CLOSE: return is_ws(c) || (c == ']' ? close_container(p, c) : start_value(p, c));
    case M_KEY_OR_CLOSE: if (c == '}') return close_container(p, c); /* fall through */
    case M_KEY:
        if (is_ws(c)) return 1;
        if (c != '"') return 0;
        p->mode = M_STRING; p->key = 1; p->esc = p->hex = 0;
        return 1;
    case M_COLON: if (is_ws(c)) return 1; if (c != ':') return 0; p->mode = M_VALUE; return 1;
    case M_AFTER:
        if (is_ws(c)) return 1;
        if (c == ',') { p->mode = p->stack[p->depth - 1] == '{' ? M_KEY : M_VALUE; return 1; }
        return (c == '}' || c == ']') && close_container(p, c);
    case M_DONE: return is_ws(c);
    default: return 0;
    }
}

static int feed(struct jp *p, int c)
{
    if (p->mode == M_STRING) return string_byte(p, c);
    if (p->mode == M_LITERAL) {
        if (c != p->lit[p->lit_at]) return 0;
        if (!p->lit[++p->lit_at]) value_done(p);
        return 1;
    }
    if (p->mode == M_NUMBER) {
        int r = number_byte(p, c);
        if (r) return r > 0;
        value_done(p);
    }
    return structural(p, c);
}

static long run(struct jp *p, const char *s, size_t len)
{
    memset(p, 0, sizeof *p);
    p->mode = M_VALUE;
    for (size_t i = 0; i < len; i++)
        if (!feed(p, (unsigned char)s[i])) return (long)i;
    return -1;
}

long json_prefix_break(const char *s, size_t len)
{
    struct jp *p = malloc(sizeof *p);
    if (!p) return 0;
    long r = run(p, s, len);
    free(p);
    return r;
}

int json_prefix_complete(const char *s, size_t len)
{
    struct jp *p = malloc(sizeof *p);
    if (!p) return 0;
    int ok = run(p, s, len) < 0 &&
             (p->mode == M_DONE || (p->mode == M_NUMBER && !p->depth && (p->num == N_ZERO || p->num == N_INT || p->num == N_FRAC || p->num == N_EXP)));
    free(p);
    return ok;
}
