/* json_scan.c: the shared structural scanner and number scanner (see
 * json_scan.h). No allocation, no recursion. */
#include "base/json_scan.h"

#include <float.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t json_ws(const char *t, size_t n, size_t i)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
    return i;
}

size_t json_str_end(const char *t, size_t n, size_t i, int *esc)
{
    *esc = 0;
    for (i++; i < n; i++) {
        if (t[i] == '\\') { *esc = 1; i++; }
        else if (t[i] == '"') return i + 1;
    }
    return 0;
}

size_t json_skip(const char *t, size_t n, size_t i, size_t *count)
{
    size_t depth = 0, commas = 0, items = 0;
    int esc;
    if (count) *count = 0;
    for (; i < n; i++) {
        char c = t[i];
        if (c == '"') {
            if (!(i = json_str_end(t, n, i, &esc))) return 0;
            if (depth == 0) return i;
            if (depth == 1) items = 1;
            i--;
        } else if (c == '[' || c == '{') {
            if (depth == 1) items = 1;
            depth++;
        } else if (depth == 0) {   /* a number or literal ends here */
            if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r') return i;
        } else if (c == ']' || c == '}') {
            if (--depth == 0) {
                if (count && c == ']') *count = items ? commas + 1 : 0;
                return i + 1;
            }
        } else if (depth == 1) {
            if (c == ',') commas++;
            else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') items = 1;
        }
    }
    return depth == 0 ? i : 0;
}

static int hexd(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) v = v * 16 + (unsigned)(p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
    return v;
}

/* A \u escape at t[i] (t[i] == '\\', t[i+1] == 'u'): the index after it
 * (after both halves of a surrogate pair), 0 unless cJSON decodes it. */
static size_t u_escape(const char *t, size_t n, size_t i)
{
    if (i + 6 > n || !hexd(t[i + 2]) || !hexd(t[i + 3]) || !hexd(t[i + 4]) || !hexd(t[i + 5])) return 0;
    unsigned u = hex4(t + i + 2);
    if (u >= 0xDC00 && u <= 0xDFFF) return 0;
    if (u < 0xD800 || u > 0xDBFF) return i + 6;
    i += 6;
    if (i + 6 > n || t[i] != '\\' || t[i + 1] != 'u' || !hexd(t[i + 2]) || !hexd(t[i + 3]) ||
        !hexd(t[i + 4]) || !hexd(t[i + 5]))
        return 0;
    u = hex4(t + i + 2);
    return u >= 0xDC00 && u <= 0xDFFF ? i + 6 : 0;
}

/* A string at t[i] == '"' as cJSON reads it: the index after it, 0 if it
 * is unterminated, holds a NUL byte or an escape cJSON refuses. Raw
 * control bytes and invalid UTF-8 are accepted, as cJSON does (the display
 * transform deals with them). */
static size_t str_valid(const char *t, size_t n, size_t i)
{
    for (i++; i < n; ) {
        char c = t[i];
        if (c == '"') return i + 1;
        if (c == 0) return 0;
        if (c != '\\') { i++; continue; }
        if (i + 1 >= n) return 0;
        c = t[i + 1];
        if (c == 'u') { if (!(i = u_escape(t, n, i))) return 0; }
        else if (strchr("\"\\/bfnrt", c) && c) i += 2;
        else return 0;
    }
    return 0;
}

static int digit(char c) { return c >= '0' && c <= '9'; }

size_t json_number_len(const char *t, size_t n)
{
    size_t i = 0;
    if (i < n && t[i] == '-') i++;
    if (i < n && t[i] == '0') i++;
    else if (i < n && t[i] >= '1' && t[i] <= '9') while (i < n && digit(t[i])) i++;
    else return 0;
    if (i < n && t[i] == '.') {
        size_t d = ++i;
        while (i < n && digit(t[i])) i++;
        if (i == d) return 0;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) i++;
        size_t d = i;
        while (i < n && digit(t[i])) i++;
        if (i == d) return 0;
    }
    return i <= JSON_NUMBER_MAX ? i : 0;
}

/* true, false or null at t[i]: the index after it, 0 if none. */
static size_t literal(const char *t, size_t n, size_t i)
{
    static const char *const w[] = { "true", "false", "null" };
    for (size_t k = 0; k < 3; k++) {
        size_t l = strlen(w[k]);
        if (n - i >= l && !memcmp(t + i, w[k], l)) return i + l;
    }
    return 0;
}

/* A key and its colon at t[i]: the index of the value, 0 if malformed. */
static size_t key(const char *t, size_t n, size_t i)
{
    if (i >= n || t[i] != '"' || !(i = str_valid(t, n, i))) return 0;
    i = json_ws(t, n, i);
    return i < n && t[i] == ':' ? json_ws(t, n, i + 1) : 0;
}

/* A scalar at t[i]: the index after it, 0 if malformed. */
static size_t scalar(const char *t, size_t n, size_t i)
{
    char c = t[i];
    if (c == '"') return str_valid(t, n, i);
    if (c == '-' || digit(c)) {
        size_t k = json_number_len(t + i, n - i);
        return k ? i + k : 0;
    }
    return literal(t, n, i);
}

/* A container of t closed at i (one past its bracket) after opening at
 * `open` with `items` elements: noted when large. */
static void note(struct json_index *ix, const char *t, size_t open, size_t i, size_t items)
{
    if (!ix || i - open < JSON_INDEX_MIN) return;
    if (ix->n == ix->cap) {
        size_t nc = ix->cap ? ix->cap * 2 : 256;
        struct json_span *ne = realloc(ix->e, nc * sizeof *ne);
        if (!ne) return;   /* a shorter index only costs time */
        ix->e = ne;
        ix->cap = nc;
    }
    ix->e[ix->n++] = (struct json_span){ t + open, i - open, items };
}

static int by_start(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct json_span *)a)->start, y = (uintptr_t)((const struct json_span *)b)->start;
    return x < y ? -1 : x > y;
}

/* The validating walk: an explicit stack of open containers (their kind,
 * where they opened, how many elements so far). */
struct vstack { char kind[JSON_SCAN_MAX_DEPTH]; size_t open[JSON_SCAN_MAX_DEPTH], items[JSON_SCAN_MAX_DEPTH]; };

static int scan_walk(const char *t, size_t n, struct json_index *ix, struct vstack *st)
{
    size_t d = 0, i = json_ws(t, n, 0);
    int want_value = 1;
    for (;;) {
        if (want_value) {
            if (i >= n) return 0;
            char c = t[i];
            if (d) st->items[d - 1]++;
            if (c == '{' || c == '[') {
                if (d >= JSON_SCAN_MAX_DEPTH) return 0;
                st->kind[d] = c;
                st->open[d] = i;
                st->items[d++] = 0;
                i = json_ws(t, n, i + 1);
                if (i < n && t[i] == (c == '{' ? '}' : ']')) { d--; i++; want_value = 0; }
                else if (c == '{' && !(i = key(t, n, i))) return 0;
                continue;
            }
            if (!(i = scalar(t, n, i))) return 0;
            want_value = 0;
        }
        i = json_ws(t, n, i);
        if (d == 0) return i == n;
        if (i >= n) return 0;
        char close = st->kind[d - 1] == '{' ? '}' : ']';
        if (t[i] == close) { d--; i++; note(ix, t, st->open[d], i, st->items[d]); continue; }
        if (t[i] != ',') return 0;
        i = json_ws(t, n, i + 1);
        if (st->kind[d - 1] == '{' && !(i = key(t, n, i))) return 0;
        want_value = 1;
    }
}

int json_scan_index(const char *t, size_t n, struct json_index *ix)
{
    struct vstack *st = malloc(sizeof *st);
    if (!st) return 0;   /* then cJSON judges the text */
    size_t first = ix ? ix->n : 0;
    int ok = scan_walk(t, n, ix, st);
    free(st);
    if (!ix) return ok;
    if (!ok) ix->n = first;
    else if (ix->n - first > 1) qsort(ix->e + first, ix->n - first, sizeof *ix->e, by_start);
    return ok;
}

int json_scan_valid(const char *t, size_t n) { return json_scan_index(t, n, NULL); }

const struct json_span *json_index_find(const struct json_index *ix, const char *p)
{
    uintptr_t q = (uintptr_t)p;   /* p may lie in another buffer: compare addresses as numbers */
    if (!ix || !ix->n || q < (uintptr_t)ix->e[0].start || q > (uintptr_t)ix->e[ix->n - 1].start) return NULL;
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)ix->e[mid].start < q) lo = mid + 1;
        else hi = mid;
    }
    return lo < ix->n && ix->e[lo].start == p ? &ix->e[lo] : NULL;
}

void json_index_free(struct json_index *ix)
{
    free(ix->e);
    memset(ix, 0, sizeof *ix);
}

/* Clinger's fast path: m (< 2^53) times 10^e10, |e10| <= 22, is one
 * correctly rounded operation on exact operands. */
static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int fast_path(const char *t, size_t k, double *out)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    size_t i = t[0] == '-';
    uint64_t m = 0;
    int digits = 0;
    long e10 = 0;
    int frac = 0;
    for (; i < k && (digit(t[i]) || t[i] == '.'); i++) {
        if (t[i] == '.') { frac = 1; continue; }
        e10 -= frac;
        if (m == 0 && t[i] == '0') continue;
        if (++digits > 19) return 0;
        m = m * 10 + (uint64_t)(t[i] - '0');
    }
    if (i < k) {
        long x = strtol(t + i + 1, NULL, 10);   /* t[i] is e/E; at most 61 digits: clamp */
        if (x > 1000 || x < -1000) return 0;
        e10 += x;
    }
    if (m > (1ull << 53) || e10 > 22 || e10 < -22) return 0;
    double v = (double)m;
    v = e10 >= 0 ? v * pow10_exact[e10] : v / pow10_exact[-e10];
    *out = t[0] == '-' ? -v : v;
    return 1;
#else
    (void)t; (void)k; (void)out;
    return 0;
#endif
}

int json_number(const char *t, size_t k, double *out)
{
    if (k == 0 || json_number_len(t, k) != k) return 0;
    if (fast_path(t, k, out)) return 1;
    char buf[JSON_NUMBER_MAX + 1];
    memcpy(buf, t, k);
    buf[k] = 0;
    /* strtod reads the locale's decimal point; JSON's is '.' (as cJSON does) */
    const char *dp = localeconv()->decimal_point;
    char *dot = memchr(buf, '.', k);
    if (dot && dp && dp[0] && dp[0] != '.' && !dp[1]) *dot = dp[0];
    *out = strtod(buf, NULL);
    return 1;
}
