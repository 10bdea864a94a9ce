/* json_formats.c: the JSON family: parse, detect the format from the content
 * (formats.md 0.3), dispatch to its loader.
 *
 * Layouts:
 *   - one JSON document: a logitscope dump ({"steps": [...]}), one API
 *     response object, or an array of response objects;
 *   - JSON Lines: one response per line (batch jobs, streamed chunks); chosen
 *     when a complete first value is followed by a newline and more text.
 *     Each line is parsed on its own; errors name the file's line. OpenAI
 *     batch output lines ({"response": {"body": {...}}}) are unwrapped;
 *   - an SSE capture (lines "data: {...}", "data: [DONE]", "event: ..."): the
 *     data lines are parsed like JSON Lines.
 * Detection (first response that says something wins; --format overrides):
 *   steps[]                                      native (load_native_json.c)
 *   choices[].logprobs.content / .refusal        openai-chat
 *   choices[].logprobs.tokens / token_logprobs   openai-completions
 *   choices[].prompt_logprobs                    openai-completions (vLLM)
 *   completion_probabilities[]                   llama.cpp
 *   details.tokens[]                             tgi
 *   logprobs[] beside response/message/done      ollama (native API)
 *
 * Native logitscope dumps accept Python's bare NaN/Infinity/-Infinity (what
 * json.dump writes by default); every other JSON format rejects them with the
 * literal and its line:column. */
#include "input/source.h"
#include "base/json_util.h"
#include "input/json_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fmt { F_NONE = 0, F_NATIVE, F_CHAT, F_COMPL, F_LLAMA, F_TGI, F_OLLAMA, F_NOLP };

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int classify(const cJSON *o)
{
    if (!cJSON_IsObject(o)) return F_NONE;
    if (cJSON_IsArray(get(o, "steps"))) return F_NATIVE;
    if (cJSON_IsArray(get(o, "completion_probabilities"))) return F_LLAMA;
    const cJSON *d = get(o, "details");
    if (cJSON_IsObject(d) && cJSON_IsArray(get(d, "tokens"))) return F_TGI;
    if (cJSON_IsArray(get(o, "logprobs")) && (get(o, "response") || get(o, "message") || get(o, "done")))
        return F_OLLAMA;
    const cJSON *ch = get(o, "choices");
    if (!cJSON_IsArray(ch)) return F_NONE;
    const cJSON *c;
    cJSON_ArrayForEach(c, ch) {
        const cJSON *lp = get(c, "logprobs");
        if (cJSON_IsObject(lp)) {
            if (get(lp, "content") || get(lp, "refusal")) return F_CHAT;
            if (get(lp, "tokens") || get(lp, "token_logprobs") || get(lp, "top_logprobs") || get(lp, "text_offset"))
                return F_COMPL;
        }
        if (cJSON_IsArray(get(c, "prompt_logprobs"))) return F_COMPL;
    }
    if (cJSON_IsArray(get(o, "prompt_logprobs"))) return F_CHAT;
    return F_NOLP;
}

struct docs {
    cJSON **roots;
    size_t n_roots, cap_roots;
    struct api_item *items;
    size_t n_items, cap_items;
};

static void docs_free(struct docs *d)
{
    for (size_t i = 0; i < d->n_roots; i++) cJSON_Delete(d->roots[i]);
    free(d->roots);
    free(d->items);
}

static int add_root(struct docs *d, cJSON *r, struct ls_error *err)
{
    if (d->n_roots == d->cap_roots) {
        size_t nc = d->cap_roots ? d->cap_roots * 2 : 16;
        cJSON **nr = realloc(d->roots, nc * sizeof *nr);
        if (!nr) { cJSON_Delete(r); return ls_fail(err, LS_ELIMIT, "out of memory"); }
        d->roots = nr;
        d->cap_roots = nc;
    }
    d->roots[d->n_roots++] = r;
    return LS_OK;
}

static int add_item(struct docs *d, const cJSON *node, const char *path, const struct json_ctx *jc,
                    long line, struct ls_error *err)
{
    if (d->n_items == d->cap_items) {
        size_t nc = d->cap_items ? d->cap_items * 2 : 16;
        struct api_item *ni = realloc(d->items, nc * sizeof *ni);
        if (!ni) return ls_fail(err, LS_ELIMIT, "out of memory");
        d->items = ni;
        d->cap_items = nc;
    }
    struct api_item *it = &d->items[d->n_items++];
    const cJSON *resp = get(node, "response");
    const cJSON *body = cJSON_IsObject(resp) ? get(resp, "body") : NULL;
    if (cJSON_IsObject(node) && !get(node, "choices") && cJSON_IsObject(body)) {
        /* OpenAI batch output line: {"custom_id", "response": {"body": {...}}} */
        node = body;
        snprintf(it->path, sizeof it->path, "%s%sresponse.body", path, path[0] ? "." : "");
    } else {
        snprintf(it->path, sizeof it->path, "%s", path);
    }
    it->node = node;
    it->jc = *jc;
    it->line = line;
    return LS_OK;
}

/* One parsed document: an object is one response, an array holds several. */
static int flatten(struct docs *d, const cJSON *root, const struct json_ctx *jc, long line,
                   struct ls_error *err)
{
    if (cJSON_IsObject(root)) return add_item(d, root, "", jc, line, err);
    int rc = json_expect(jc, root, cJSON_Object | cJSON_Array, "object or array", "(top level)", err);
    if (rc) return rc;
    if (cJSON_GetArraySize(root) == 0) return ls_fail(err, LS_EDATA, "(top level): empty array (expected response objects)");
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        char p[32];
        snprintf(p, sizeof p, "[%zu]", i);
        i++;
        if ((rc = json_expect(jc, e, cJSON_Object, "object", p, err))) return rc;
        if ((rc = add_item(d, e, p, jc, line, err))) return rc;
    }
    return LS_OK;
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

static enum layout detect_layout(const char *b, size_t n)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3)) i = 3;
    i = skip_ws(b, n, i);
    if (n - i >= 5 && !memcmp(b + i, "data:", 5)) return L_SSE;
    if (n - i >= 6 && !memcmp(b + i, "event:", 6)) return L_SSE;
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
static void refine_parse_error(const char *b, size_t n, long line0, size_t base, struct ls_error *err)
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

/* Parse every line of a JSON Lines file or SSE capture. */
static int parse_lines(char *buf, size_t len, enum layout lay, struct docs *d, struct ls_error *err)
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
            if (le - s >= 5 && !memcmp(buf + s, "data:", 5)) {
                s += 5;
                if (s < le && buf[s] == ' ') s++;
                size_t t = skip_ws(buf, le, s);
                if (le - t >= 6 && !memcmp(buf + t, "[DONE]", 6) && skip_ws(buf, le, t + 6) == le) s = le;
            } else if (buf[s] == ':' || (le - s >= 6 && !memcmp(buf + s, "event:", 6)) ||
                       (le - s >= 3 && !memcmp(buf + s, "id:", 3)) || (le - s >= 6 && !memcmp(buf + s, "retry:", 6))) {
                s = le;
            } else {
                return ls_fail(err, LS_EDATA, "line %ld: not a server-sent event line (expected data: ...)", line);
            }
        }
        if (skip_ws(buf, le, s) < le) {
            char *seg = buf + s;
            size_t sn = le - s;
            buf[le] = 0;   /* our copy of the file; buf[len] is already 0 */
            const char *w = NULL;
            long lo = find_literal(seg, sn, &w);
            long l, c;
            if (lo >= 0) {
                json_line_col(seg, (size_t)lo, &l, &c);
                return ls_fail(err, LS_EDATA, "invalid JSON: %s literal at line %ld, column %ld (byte %zu); "
                               "this format needs numbers or null", w, line, c + (long)(s - ls), s + (size_t)lo);
            }
            const char *end = NULL;
            cJSON *r = cJSON_ParseWithLengthOpts(seg, sn + 1, &end, 1);
            if (!r) {
                size_t off = end && end >= seg ? (size_t)(end - seg) : 0;
                if (off > sn) off = sn;
                json_line_col(seg, off, &l, &c);
                ls_fail(err, LS_EDATA, "invalid JSON at line %ld, column %ld (byte %zu)",
                        line, c + (long)(s - ls), s + off);
                refine_parse_error(seg, sn, line, s, err);
                return LS_EDATA;
            }
            if ((rc = add_root(d, r, err))) return rc;
            struct json_ctx jc = { seg, sn };
            if ((rc = flatten(d, r, &jc, line, err))) {
                struct api_item tmp = { NULL, "", jc, line };
                api_fix_line(err, &tmp);
                return rc;
            }
        }
        ls = le + 1;
        line++;
    }
    if (!d->n_items) return ls_fail(err, LS_EDATA, "no JSON value (file has no data lines)");
    return LS_OK;
}

static api_loader_fn loader_for(int f)
{
    switch (f) {
    case F_CHAT: return load_openai_chat;
    case F_COMPL: return load_openai_completions;
    case F_LLAMA: return load_llamacpp;
    case F_TGI: return load_tgi;
    case F_OLLAMA: return load_ollama;
    default: return NULL;
    }
}

static int fmt_by_name(const char *n)
{
    if (!strcmp(n, "openai-chat")) return F_CHAT;
    if (!strcmp(n, "openai-completions")) return F_COMPL;
    if (!strcmp(n, "llama.cpp")) return F_LLAMA;
    if (!strcmp(n, "tgi")) return F_TGI;
    if (!strcmp(n, "ollama")) return F_OLLAMA;
    if (!strcmp(n, "native")) return F_NATIVE;
    return F_NONE;
}

/* A \u0000 escape anywhere (cJSON silently truncates such strings). */
static int has_u0000(const char *b, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++)
        if (b[i] == '\\' && b[i + 1] == 'u' && !memcmp(b + i + 2, "0000", 4)) return 1;
    return 0;
}

static int looks_native(const char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) i = 3;
    return json_locate(buf + i, len - i, "steps") >= 0;
}

int load_json_any(const char *path, char *buf, size_t len, const struct source_opts *opts,
                  struct source **out, struct ls_error *err)
{
    const char *fname = opts ? opts->format : NULL;
    int forced = fname ? fmt_by_name(fname) : F_NONE;
    int rc;
    if (fname && forced == F_NONE)
        return ls_fail(err, LS_EUSAGE, "--format %.40s is not a JSON format", fname);
    *out = NULL;

    if (forced == F_NATIVE || (!fname && looks_native(buf, len))) {
        cJSON *root = NULL;
        size_t n_lit = 0;
        rc = json_parse(buf, len, JSON_LITERALS_REWRITE, &root, &n_lit, err);
        if (rc) { refine_parse_error(buf, len, 0, 0, err); return rc; }
        rc = load_native_json(path, root, buf, len, opts, out, err);
        cJSON_Delete(root);
        return rc;
    }

    struct docs d = {0};
    enum layout lay = detect_layout(buf, len);
    if (lay == L_DOC || memchr(buf, 0, len)) {
        cJSON *root = NULL;
        struct json_ctx jc = { buf, len };
        if ((rc = json_parse(buf, len, JSON_LITERALS_REJECT, &root, NULL, err))) {
            refine_parse_error(buf, len, 0, 0, err);
            return rc;
        }
        if ((rc = add_root(&d, root, err))) goto done;
        if ((rc = flatten(&d, root, &jc, 0, err))) goto done;
    } else if ((rc = parse_lines(buf, len, lay, &d, err))) {
        goto done;
    }

    int f = forced, nolp = 0;
    for (size_t i = 0; !f && i < d.n_items; i++) {
        int k = classify(d.items[i].node);
        if (k == F_NOLP) nolp = 1;
        else if (k != F_NONE) f = k;
    }
    if (f == F_NATIVE) {
        rc = ls_fail(err, LS_EDATA, "a logitscope dump ({\"steps\": [...]}) must be the only JSON value in the file");
    } else if (!f && nolp) {
        rc = ls_fail(err, LS_EDATA, "the response has no logprobs (the request needs logprobs: true, or logprobs: N for legacy completions)");
    } else if (!f) {
        rc = ls_fail(err, LS_EDATA, "unrecognised JSON: expected a logitscope dump ({\"steps\": [...]}) or an API "
                     "response with logprobs (OpenAI chat or completions, llama.cpp completion_probabilities, "
                     "TGI details, Ollama logprobs); --format NAME chooses one");
    } else {
        rc = loader_for(f)(path, d.items, d.n_items, opts, out, err);
        if (rc == LS_OK && has_u0000(buf, len))
            source_warn(*out, "the file has \\u0000 escapes: cJSON cuts strings there, so token text without a bytes array may be truncated");
    }
done:
    docs_free(&d);
    return rc;
}
