/* json_docs.c: JSON texts into response objects (json_docs.h).
 *
 * Layouts:
 *   - one JSON document: one API response object, or an array of them;
 *   - JSON Lines: one response per line (batch jobs, streamed chunks); chosen
 *     when a complete first value is followed by a newline and more text.
 *     Each line is parsed on its own; errors name the file's line. OpenAI
 *     batch output lines ({"response": {"body": {...}}}) are unwrapped; a
 *     failed one ("response": null, "error": {...}) is skipped and named by
 *     its custom_id in a warning (json_docs_warnings);
 *   - an SSE capture (lines "data: {...}", "data: [DONE]", "event: ...",
 *     comments ": ping", "id: ..." and "retry: ...", in any order, also
 *     first): the data lines are parsed like JSON Lines.
 * An array of separate responses (not a stream's chunks) is read as one
 * sequence, and a warning says so.
 * Which format the responses are in is the registry's question (formats.c),
 * asked of each response in turn. Bare NaN/Infinity/-Infinity are rejected
 * here with the literal and its line:column (only native dumps accept them,
 * and those are parsed by their loader). */
#include "input/json_docs.h"
#include "base/json_lazy.h"
#include "base/json_scan.h"
#include "base/json_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests and the benchmark: parse with cJSON whole, as before the skeletons. */
static int whole_trees;

void json_docs_whole_trees(int on) { whole_trees = on; }

void json_item_fix_line(struct ls_error *err, const struct api_item *it)
{
    if (!err || !it || it->line <= 0) return;
    static const char pat[] = " (line 1, column ";
    char *m = strstr(err->msg, pat);
    char tmp[LS_ERROR_MAX];
    if (m) {
        *m = 0;
        if (snprintf(tmp, sizeof tmp, "%s (line %ld, column %s", err->msg, it->line, m + sizeof pat - 1) < 0) return;
    } else {
        if (snprintf(tmp, sizeof tmp, "line %ld: %s", it->line, err->msg) < 0) return;
    }
    memcpy(err->msg, tmp, sizeof tmp);
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

void json_docs_free(struct json_docs *d)
{
    for (size_t i = 0; i < d->n_roots; i++) cJSON_Delete(d->roots[i]);
    cJSON_Delete(d->cur);
    free(d->roots);
    free(d->items);
    if (json_lazy_current_index() == &d->ix) {
        json_lazy_index(NULL);
        json_text_size(0);
    }
    json_index_free(&d->ix);
}

int json_docs_item(struct json_docs *d, size_t i, const struct api_item **out, struct ls_error *err)
{
    struct api_item *it = &d->items[i];
    *out = it;
    if (!it->span || (d->cur && d->cur_item == i)) return LS_OK;
    if (d->cur) d->items[d->cur_item].node = NULL;
    cJSON_Delete(d->cur);
    int oom;
    d->cur = json_lazy_parse(it->span, it->span_len, 0, &oom);
    d->cur_item = i;
    if (!d->cur) {
        *out = NULL;
        if (oom) return json_oom_fail(it->span_len, 0, err);
        return ls_fail(err, LS_EDATA, "internal error: a validated JSON value did not parse");
    }
    it->node = d->cur;
    if (it->body) it->node = get(get(d->cur, "response"), "body");
    return LS_OK;
}

static int add_root(struct json_docs *d, cJSON *r, struct ls_error *err)
{
    if (d->n_roots == d->cap_roots) {
        size_t nc = d->cap_roots ? d->cap_roots * 2 : 16;
        cJSON **nr = realloc(d->roots, nc * sizeof *nr);
        if (!nr) { cJSON_Delete(r); return ls_oom(err); }
        d->roots = nr;
        d->cap_roots = nc;
    }
    d->roots[d->n_roots++] = r;
    return LS_OK;
}

/* An OpenAI Batch output line whose request failed: {"custom_id": "...",
 * "response": null, "error": {...}}. Noted (by custom_id) and skipped. */
static int batch_failed(struct json_docs *d, const cJSON *node)
{
    const cJSON *resp = get(node, "response"), *e = get(node, "error"), *id = get(node, "custom_id");
    if (!cJSON_IsObject(node) || !cJSON_IsNull(resp) || !e || cJSON_IsNull(e) || get(node, "choices")) return 0;
    size_t o = strlen(d->failed_ids);
    const char *name = cJSON_IsString(id) ? id->valuestring : "(no custom_id)";
    if (o + 1 < sizeof d->failed_ids)
        snprintf(d->failed_ids + o, sizeof d->failed_ids - o, "%s%.60s", d->n_failed ? ", " : "", name);
    d->n_failed++;
    return 1;
}

/* node: the response (parsed now); span: the text to parse it from again
 * when it is needed (NULL: node stays, its tree is kept). */
static int add_item(struct json_docs *d, const cJSON *node, const char *path, const struct json_ctx *jc,
                    long line, const char *span, size_t span_len, struct ls_error *err)
{
    if (batch_failed(d, node)) return LS_OK;
    if (d->n_items == d->cap_items) {
        size_t nc = d->cap_items ? d->cap_items * 2 : 16;
        struct api_item *ni = realloc(d->items, nc * sizeof *ni);
        if (!ni) return ls_oom(err);
        d->items = ni;
        d->cap_items = nc;
    }
    struct api_item *it = &d->items[d->n_items++];
    const cJSON *resp = get(node, "response");
    const cJSON *body = cJSON_IsObject(resp) ? get(resp, "body") : NULL;
    it->body = cJSON_IsObject(node) && !get(node, "choices") && cJSON_IsObject(body);
    if (it->body) {
        /* OpenAI batch output line: {"custom_id", "response": {"body": {...}}} */
        node = body;
        snprintf(it->path, sizeof it->path, "%s%sresponse.body", path, path[0] ? "." : "");
    } else {
        snprintf(it->path, sizeof it->path, "%s", path);
    }
    it->node = span ? NULL : node;
    it->span = span;
    it->span_len = span_len;
    it->jc = *jc;
    it->line = line;
    return LS_OK;
}

/* A streamed chunk ("object": "chat.completion.chunk", or llama.cpp's
 * partial results with "stop": false): arrays of those are one response. */
static int is_chunk(const cJSON *o)
{
    const cJSON *ob = get(o, "object"), *st = get(o, "stop");
    if (cJSON_IsString(ob)) {
        size_t l = strlen(ob->valuestring);
        if (l >= 6 && !strcmp(ob->valuestring + l - 6, ".chunk")) return 1;
    }
    return cJSON_IsFalse(st);
}

void json_docs_warnings(const struct json_docs *d, char *buf, size_t bufsz)
{
    int o = 0;
    if (bufsz) buf[0] = 0;
    if (d->n_failed && bufsz)
        o = snprintf(buf, bufsz, "%u batch lines have \"response\": null (a failed request) and are skipped: "
                     "custom_id %s", d->n_failed, d->failed_ids);
    if (o < 0) o = 0;
    if (d->n_array > 1 && (size_t)o < bufsz)
        snprintf(buf + o, bufsz - (size_t)o, "%sthe file is an array of %zu responses: their steps follow each "
                 "other as one sequence", o ? "\n" : "", d->n_array);
}

/* One parsed document: an object is one response, an array holds several.
 * span: the document's text when its object is to be parsed again on
 * demand (NULL: kept); a lazy array's elements are always parsed on demand. */
static int flatten(struct json_docs *d, const cJSON *root, const struct json_ctx *jc, long line,
                   const char *span, size_t span_len, struct ls_error *err)
{
    if (cJSON_IsObject(root)) return add_item(d, root, "", jc, line, span, span_len, err);
    int rc = json_expect(jc, root, cJSON_Object | cJSON_Array, "object or array", "(top level)", err);
    if (rc) return rc;
    if (json_array_size(root) == 0) return ls_fail(err, LS_EDATA, "(top level): empty array (expected response objects)");
    size_t i = 0;
    const cJSON *e;
    struct json_elems it;
    json_elems_begin(&it, root);
    while (!rc && (e = json_elems_next(&it))) {
        char p[32];
        if (i == 0 && line == 0 && !is_chunk(e)) d->n_array = (size_t)json_array_size(root);
        snprintf(p, sizeof p, "[%zu]", i);
        i++;
        if (!(rc = json_expect(jc, e, cJSON_Object, "object", p, err)))
            rc = add_item(d, e, p, jc, line, it.p ? it.at : NULL, it.len, err);
    }
    return json_elems_end(&it, rc, err);
}

/* A document or line the scanner validated: its skeleton; the items get
 * their text to parse again on demand, except a kept document's object. */
static int parse_lazy(struct json_docs *d, const char *t, size_t n, const struct json_ctx *jc, long line,
                      int keep, struct ls_error *err)
{
    int oom;
    cJSON *r = json_lazy_parse(t, n, 1, &oom);
    if (!r) return oom ? json_oom_fail(n, 0, err) : ls_fail(err, LS_EDATA, "internal error: a validated JSON value did not parse");
    int rc = flatten(d, r, jc, line, keep ? NULL : t, n, err);
    if (keep && cJSON_IsObject(r)) return rc ? (cJSON_Delete(r), rc) : add_root(d, r, err);
    cJSON_Delete(r);
    return rc;
}

static size_t skip_ws(const char *b, size_t n, size_t i)
{
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
    return i;
}

/* End (one past) of the object/array starting at b[i], or 0 if unterminated. */
static size_t value_end(const char *b, size_t n, size_t i)
{
    long depth = 0;
    for (; i < n; i++) {
        char c = b[i];
        if (c == '"') {
            for (i++; i < n && b[i] != '"'; i++)
                if (b[i] == '\\') i++;
            if (i >= n) return 0;
        } else if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') { if (--depth == 0) return i + 1; }
    }
    return 0;
}

enum layout { L_DOC, L_JSONL, L_SSE };

/* The SSE line kinds a capture may begin with: a data line, an event name, a
 * comment (": keep-alive", llama.cpp's sse_ping_interval), an id or a retry
 * time. Returns the kind's length up to the colon + 1, 0 if none. */
static size_t sse_field(const char *b, size_t n)
{
    static const char *const fields[] = { "data:", "event:", "id:", "retry:", ":" };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        size_t l = strlen(fields[k]);
        if (n >= l && !memcmp(b, fields[k], l)) return l;
    }
    return 0;
}

static int is_sse_field(const char *b, size_t n) { return sse_field(b, n) != 0; }

static enum layout detect_layout(const char *b, size_t n)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3)) i = 3;
    i = skip_ws(b, n, i);
    if (is_sse_field(b + i, n - i)) return L_SSE;
    if (i >= n || (b[i] != '{' && b[i] != '[')) return L_DOC;
    size_t e = value_end(b, n, i);
    if (!e) return L_DOC;
    while (e < n && (b[e] == ' ' || b[e] == '\t' || b[e] == '\r')) e++;
    if (e >= n || b[e] != '\n') return L_DOC;
    return skip_ws(b, n, e) < n ? L_JSONL : L_DOC;
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Offset of a bare NaN/Infinity/-Infinity outside strings, or -1. */
static long find_literal(const char *b, size_t n, const char **word)
{
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (c == '"') {
            for (i++; i < n && b[i] != '"'; i++)
                if (b[i] == '\\') i++;
            continue;
        }
        if (c != 'N' && c != 'I' && c != '-') continue;
        if (i > 0 && is_ident(b[i - 1])) continue;
        const char *w = NULL;
        if (n - i >= 3 && !strncmp(b + i, "NaN", 3)) w = "NaN";
        else if (n - i >= 8 && !strncmp(b + i, "Infinity", 8)) w = "Infinity";
        else if (n - i >= 9 && !strncmp(b + i, "-Infinity", 9)) w = "-Infinity";
        if (!w) continue;
        size_t wl = strlen(w);
        if (i + wl < n && is_ident(b[i + wl])) continue;
        *word = w;
        return (long)i;
    }
    return -1;
}

static int hexd(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* After cJSON rejected b[0..n): name the two causes it reports only as a
 * position, a lone UTF-16 surrogate escape (Python surrogateescape strings)
 * and nesting deeper than cJSON's 1000 levels. line0 > 0: b is that line of
 * a JSON Lines file starting at file offset base. Leaves err alone otherwise. */
void json_refine_parse_error(const char *b, size_t n, long line0, size_t base, struct ls_error *err)
{
    if (strncmp(err->msg, "invalid JSON at", 15) && strncmp(err->msg, "invalid JSON: unexpected end", 28)) return;
    long depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        const char *what = NULL;
        size_t at = i;
        if (c == '"') {
            for (i++; i < n && b[i] != '"'; i++) {
                if (b[i] != '\\') continue;
                if (i + 5 < n && b[i + 1] == 'u' && hexd(b[i + 2]) && hexd(b[i + 3]) && hexd(b[i + 4]) && hexd(b[i + 5])) {
                    unsigned u = hex4(b + i + 2);
                    if (u >= 0xD800 && u <= 0xDBFF) {
                        if (i + 11 < n && b[i + 6] == '\\' && b[i + 7] == 'u' && hexd(b[i + 8]) && hexd(b[i + 9]) &&
                            hexd(b[i + 10]) && hexd(b[i + 11]) && hex4(b + i + 8) >= 0xDC00 && hex4(b + i + 8) <= 0xDFFF) {
                            i += 11;
                            continue;
                        }
                        what = "lone UTF-16 surrogate escape";
                    } else if (u >= 0xDC00 && u <= 0xDFFF) {
                        what = "lone UTF-16 surrogate escape";
                    }
                    if (what) { at = i; break; }
                    i += 5;
                    continue;
                }
                i++;
            }
        } else if (c == '{' || c == '[') {
            if (++depth > 1000) what = "nesting deeper than 1000 levels";
        } else if (c == '}' || c == ']') {
            depth--;
        }
        if (!what) continue;
        long l, col;
        json_line_col(b, at, &l, &col);
        if (line0 > 0) l = line0;
        if (what[0] == 'l')
            ls_fail(err, LS_EDATA, "invalid JSON: %s \\%.5s at line %ld, column %ld (byte %zu); "
                    "the text was not valid Unicode when it was written", what, b + at + 1, l, col, base + at);
        else
            ls_fail(err, LS_EDATA, "invalid JSON: %s at line %ld, column %ld (byte %zu)", what, l, col, base + at);
        return;
    }
}

/* Every response was a failed Batch request: nothing to load. */
static int all_failed(const struct json_docs *d, struct ls_error *err)
{
    if (d->n_items || !d->n_failed) return LS_OK;
    return ls_fail(err, LS_EDATA, "every batch line is a failed request (\"response\": null): custom_id %s",
                   d->failed_ids);
}

/* The JSON value of one line, buf[s..le) (the line starts at ls): the
 * scanner's lazy skeleton, or cJSON's whole tree and its messages. */
static int parse_line(struct json_docs *d, char *buf, size_t ls, size_t s, size_t le, long line,
                      struct ls_error *err)
{
    char *seg = buf + s;
    size_t sn = le - s;
    int rc;
    buf[le] = 0;   /* our copy of the file; buf[len] is already 0 */
    const char *w = NULL;
    long lo = find_literal(seg, sn, &w);
    long l, c;
    if (lo >= 0) {
        json_line_col(seg, (size_t)lo, &l, &c);
        return ls_fail(err, LS_EDATA, "invalid JSON: %s literal at line %ld, column %ld (byte %zu); "
                       "this format needs numbers or null", w, line, c + (long)(s - ls), s + (size_t)lo);
    }
    struct json_ctx jc = { seg, sn };
    struct api_item tmp = { NULL, "", jc, line, NULL, 0, 0 };
    if (!whole_trees && json_scan_index(seg, sn, &d->ix)) {
        if ((rc = parse_lazy(d, seg, sn, &jc, line, 0, err))) json_item_fix_line(err, &tmp);
        return rc;
    }
    const char *end = NULL;
    int oom;
    cJSON *r = json_parse_opts(seg, sn, &end, 1, &oom);
    if (oom) return json_oom_fail(sn, 1, err);
    if (!r) {
        size_t off = end && end >= seg ? (size_t)(end - seg) : 0;
        if (off > sn) off = sn;
        json_line_col(seg, off, &l, &c);
        ls_fail(err, LS_EDATA, "invalid JSON at line %ld, column %ld (byte %zu)", line, c + (long)(s - ls), s + off);
        json_refine_parse_error(seg, sn, line, s, err);
        return LS_EDATA;
    }
    if ((rc = add_root(d, r, err))) return rc;
    if ((rc = flatten(d, r, &jc, line, NULL, 0, err))) json_item_fix_line(err, &tmp);
    return rc;
}

/* Parse every line of a JSON Lines file or SSE capture. */
static int parse_lines(char *buf, size_t len, enum layout lay, struct json_docs *d, struct ls_error *err)
{
    const char *nul = memchr(buf, 0, len);
    if (nul) return ls_fail(err, LS_EDATA, "NUL byte at offset %zu", (size_t)(nul - buf));
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) buf[0] = buf[1] = buf[2] = ' ';
    size_t ls = 0;
    long line = 1;
    int rc;
    while (ls < len) {
        size_t le = ls;
        while (le < len && buf[le] != '\n') le++;
        size_t s = skip_ws(buf, le, ls);
        if (lay == L_SSE && s < le) {
            size_t fl = sse_field(buf + s, le - s);
            if (!fl)
                return ls_fail(err, LS_EDATA, "line %ld: not a server-sent event line (expected data: ...)", line);
            if (fl == 5 && buf[s] == 'd') {
                s += 5;
                if (s < le && buf[s] == ' ') s++;
                size_t t = skip_ws(buf, le, s);
                if (le - t >= 6 && !memcmp(buf + t, "[DONE]", 6) && skip_ws(buf, le, t + 6) == le) s = le;
            } else {
                s = le;   /* event, comment, id, retry: no data */
            }
        }
        if (skip_ws(buf, le, s) < le && (rc = parse_line(d, buf, ls, s, le, line, err))) return rc;
        ls = le + 1;
        line++;
    }
    if (!d->n_items && !d->n_failed) return ls_fail(err, LS_EDATA, "no JSON value (file has no data lines)");
    return all_failed(d, err);
}

/* A \u0000 escape anywhere (cJSON silently truncates such strings). */
int json_has_u0000(const char *b, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++)
        if (b[i] == '\\' && b[i + 1] == 'u' && !memcmp(b + i + 2, "0000", 4)) return 1;
    return 0;
}

int json_docs_parse(char *buf, size_t len, struct json_docs *d, struct ls_error *err)
{
    memset(d, 0, sizeof *d);
    json_lazy_index(&d->ix);   /* until json_docs_free */
    json_text_size(len);  /* out-of-memory messages give the file's figure */
    enum layout lay = detect_layout(buf, len);
    if (lay != L_DOC && !memchr(buf, 0, len)) return parse_lines(buf, len, lay, d, err);
    cJSON *root = NULL;
    struct json_ctx jc = { buf, len };
    int rc = json_precheck(buf, len, JSON_LITERALS_REJECT, NULL, err);
    if (!rc && !whole_trees && json_scan_index(buf, len, &d->ix)) {
        if ((rc = parse_lazy(d, buf, len, &jc, 0, 1, err))) return rc;
        return all_failed(d, err);
    }
    if (!rc) rc = json_parse(buf, len, JSON_LITERALS_REJECT, &root, NULL, err);
    if (rc) {
        json_refine_parse_error(buf, len, 0, 0, err);
        return rc;
    }
    if ((rc = add_root(d, root, err))) return rc;
    if ((rc = flatten(d, root, &jc, 0, NULL, 0, err))) return rc;
    return all_failed(d, err);
}
