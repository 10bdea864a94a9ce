/* json_rows.c: logits arrays of a native dump without a cJSON tree (see
 * json_rows.h). */
#include "input/json_rows.h"
#include "base/json_scan.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 1000   /* cJSON's nesting limit: deeper text is cJSON's to refuse */

struct scan { char *t; size_t n; };

static size_t ws(const struct scan *s, size_t i) { return json_ws(s->t, s->n, i); }

static size_t str_end(const struct scan *s, size_t i, int *esc) { return json_str_end(s->t, s->n, i, esc); }

static int tok_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '-' || c == '.';
}

/* The index after the value at i (after blanks), 0 if malformed. */
static size_t skip_value(const struct scan *s, size_t i, int depth)
{
    int esc;
    i = ws(s, i);
    if (i >= s->n || depth > MAX_DEPTH) return 0;
    char c = s->t[i];
    if (c == '"') return str_end(s, i, &esc);
    if (c != '[' && c != '{') {
        size_t j = i;
        while (j < s->n && tok_char(s->t[j])) j++;
        return j > i ? j : 0;
    }
    char close = c == '[' ? ']' : '}';
    i = ws(s, i + 1);
    if (i < s->n && s->t[i] == close) return i + 1;
    for (;;) {
        if (c == '{') {
            if (i >= s->n || s->t[i] != '"' || !(i = str_end(s, i, &esc))) return 0;
            i = ws(s, i);
            if (i >= s->n || s->t[i] != ':') return 0;
            i++;
        }
        if (!(i = skip_value(s, i, depth + 1))) return 0;
        i = ws(s, i);
        if (i < s->n && s->t[i] == ',') { i = ws(s, i + 1); continue; }
        return i < s->n && s->t[i] == close ? i + 1 : 0;
    }
}

/* A JSON number (RFC 8259 grammar) or one of the literals the native
 * format takes, t[0..k): its float; 0 if it is anything else or a finite
 * value outside the float32 range (cJSON's path reports that). */
static int tok_value(const char *t, size_t k, float *out)
{
    static const struct { const char *w; float v; } lit[] = {
        {"null", -INFINITY}, {"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY},
    };
    for (size_t i = 0; i < sizeof lit / sizeof lit[0]; i++)
        if (strlen(lit[i].w) == k && !memcmp(t, lit[i].w, k)) { *out = lit[i].v; return 1; }
    double d;
    if (!json_number(t, k, &d)) return 0;   /* the shared scanner: strtod's value, any locale */
    if (isfinite(d) && fabs(d) > FLT_MAX) return 0;
    *out = (float)d;
    return 1;
}

static int push(struct json_rows *r, float v)
{
    if (r->n == r->cap) {
        uint64_t nc = r->cap ? r->cap * 2 : 4096;
        float *p = realloc(r->v, (size_t)nc * sizeof *p);
        if (!p) return -1;
        r->v = p;
        r->cap = nc;
    }
    r->v[r->n++] = v;
    return 0;
}

/* Step `step` holds values [off, off+len) of r->v (or JSON_ROW_NONE). */
static int set_step(struct json_rows *r, uint32_t step, uint64_t off, uint32_t len)
{
    if (step >= r->cap_steps) {
        uint32_t nc = r->cap_steps ? r->cap_steps * 2 : 256;
        while (nc <= step) nc *= 2;
        uint64_t *o = realloc(r->off, (size_t)nc * sizeof *o);
        if (o) r->off = o;
        uint32_t *l = realloc(r->len, (size_t)nc * sizeof *l);
        if (l) r->len = l;
        if (!o || !l) return -1;
        r->cap_steps = nc;
    }
    while (r->n_steps <= step) { r->off[r->n_steps] = JSON_ROW_NONE; r->len[r->n_steps] = 0; r->n_steps++; }
    r->off[step] = off;
    r->len[step] = len;
    return 0;
}

/* s->t[i] == '[': read a row of plain values into r and blank it. The
 * index after the array (0 if malformed); *oom on allocation failure. A
 * row with anything else in it is left alone (skipped). */
static size_t read_row(struct scan *s, size_t i, struct json_rows *r, uint32_t step, int *oom)
{
    uint64_t first = r->n;
    size_t j = ws(s, i + 1);
    int ok = 1;
    if (j < s->n && s->t[j] == ']') ok = 0;   /* empty: cJSON's message */
    while (ok) {
        size_t k = j;
        float v;
        while (k < s->n && tok_char(s->t[k])) k++;
        if (k == j || !tok_value(s->t + j, k - j, &v) || r->n - first >= UINT32_MAX) { ok = 0; break; }
        if (push(r, v)) { *oom = 1; return 0; }
        j = ws(s, k);
        if (j < s->n && s->t[j] == ',') { j = ws(s, j + 1); continue; }
        if (j < s->n && s->t[j] == ']') break;
        ok = 0;
    }
    if (!ok) { r->n = first; return skip_value(s, i, 1); }
    if (set_step(r, step, first, (uint32_t)(r->n - first))) { *oom = 1; return 0; }
    memset(s->t + i + 1, ' ', j - i - 1);
    return j + 1;
}

/* The members of the object at i, the first plain-keyed `want` handled by
 * fn (others skipped); an escaped key before it stops the search (cJSON
 * would unescape it and might match it first). Index after the object. */
typedef size_t (*member_fn)(struct scan *s, size_t i, struct json_rows *r, uint32_t step, int *oom);
static size_t members(struct scan *s, size_t i, const char *want, member_fn fn, struct json_rows *r,
                      uint32_t step, int *oom)
{
    int esc, looking = 1;
    size_t wl = strlen(want);
    i = ws(s, i + 1);
    if (i < s->n && s->t[i] == '}') return i + 1;
    for (;;) {
        if (i >= s->n || s->t[i] != '"') return 0;
        size_t k = str_end(s, i, &esc);
        if (!k) return 0;
        int hit = looking && !esc && k - i - 2 == wl && !memcmp(s->t + i + 1, want, wl);
        if (esc) looking = 0;
        i = ws(s, k);
        if (i >= s->n || s->t[i] != ':') return 0;
        i = ws(s, i + 1);
        if (hit) looking = 0;
        if (hit && i < s->n && s->t[i] == '[') i = fn(s, i, r, step, oom);
        else i = skip_value(s, i, 2);
        if (!i) return 0;
        i = ws(s, i);
        if (i < s->n && s->t[i] == ',') { i = ws(s, i + 1); continue; }
        return i < s->n && s->t[i] == '}' ? i + 1 : 0;
    }
}

/* s->t[i] == '[': the steps; each object element's "logits" row. */
static size_t steps_array(struct scan *s, size_t i, struct json_rows *r, uint32_t unused, int *oom)
{
    (void)unused;
    i = ws(s, i + 1);
    if (i < s->n && s->t[i] == ']') return i + 1;
    for (uint32_t step = 0;; step++) {
        if (i < s->n && s->t[i] == '{') i = members(s, i, "logits", read_row, r, step, oom);
        else i = skip_value(s, i, 2);
        if (!i || *oom) return 0;
        i = ws(s, i);
        if (i < s->n && s->t[i] == ',') { i = ws(s, i + 1); continue; }
        return i < s->n && s->t[i] == ']' ? i + 1 : 0;
    }
}

int json_rows_extract(char *text, size_t len, struct json_rows *r, struct ls_error *err)
{
    memset(r, 0, sizeof *r);
    struct scan s = { text, len };
    size_t i = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    i = ws(&s, i);
    int oom = 0;
    if (i < len && text[i] == '{') members(&s, i, "steps", steps_array, r, 0, &oom);
    if (oom) return ls_fail(err, LS_ELIMIT, "out of memory reading the logits (%llu values)", (unsigned long long)r->n);
    return LS_OK;
}

void json_rows_free(struct json_rows *r)
{
    free(r->v);
    free(r->off);
    free(r->len);
    memset(r, 0, sizeof *r);
}
