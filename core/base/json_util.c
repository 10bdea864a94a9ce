/* json_util.c: strict JSON parsing and error locations (see json_util.h). */
#include "base/json_util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *json_type_name(const cJSON *v)
{
    if (!v) return "nothing";
    if (cJSON_IsNumber(v)) return "number";
    if (cJSON_IsString(v)) return "string";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsObject(v)) return "object";
    if (cJSON_IsArray(v)) return "array";
    if (cJSON_IsBool(v)) return "boolean";
    return "invalid";
}

/* cJSON returns NULL both for a syntax error and for a failed malloc; a
 * hook that notes the failure (per thread: the explorer's workers parse
 * too) tells them apart. */
static _Thread_local int parse_oom;

static void *hook_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p) parse_oom = 1;
    return p;
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void install_hooks(void)
{
    cJSON_Hooks h = { hook_malloc, free };
    cJSON_InitHooks(&h);
}

cJSON *json_parse_opts(const char *buf, size_t len, const char **end, int require_null, int *oom)
{
    pthread_once(&hooks_once, install_hooks);
    parse_oom = 0;
    cJSON *r = cJSON_ParseWithLengthOpts(buf, len + 1, end, require_null);
    *oom = !r && parse_oom;
    return r;
}

cJSON *json_parse_span(const char *t, size_t n, const char **end, int *oom)
{
    pthread_once(&hooks_once, install_hooks);
    parse_oom = 0;
    cJSON *r = cJSON_ParseWithLengthOpts(t, n, end, 0);
    *oom = !r && parse_oom;
    return r;
}

cJSON *json_value_of(const char *text, size_t len)
{
    if (memchr(text, 0, len)) return NULL;
    const char *end = NULL;
    return cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
}

/* The size of the file being loaded (json_text_size), per thread. */
static _Thread_local size_t cur_size;

void json_text_size(size_t n) { cur_size = n; }

size_t json_current_text_size(void) { return cur_size; }

/* bytes as "N MB" / "N.N GB" (the memory figures of json_oom_fail) */
static void mem_size(char *b, size_t n, double bytes)
{
    if (bytes >= 1e9) snprintf(b, n, "%.1f GB", bytes / 1e9);
    else snprintf(b, n, "%.0f MB", bytes < 1e6 ? 1.0 : bytes / 1e6);
}

int json_oom_fail(size_t len, int whole, struct ls_error *err)
{
    /* the figure that matters is the file's: a loader that parses it in
     * pieces set its size (json_text_size); else the text is the file */
    size_t file = json_current_text_size();
    int in_pieces = file > 0;
    if (file < len) file = len;
    double need = whole ? (double)(file - len) + (double)len * JSON_TREE_PEAK : (double)file * JSON_PARSE_PEAK;
    char fs[32], ns[32];
    mem_size(fs, sizeof fs, (double)file);
    mem_size(ns, sizeof ns, need);
    if (!whole)
        return ls_fail(err, LS_ELIMIT, "out of memory loading JSON: this %zu-byte file (%s) needs up to about %s "
                       "while loading (%dx its size); free memory or raise the memory limit (ulimit -v)",
                       file, fs, ns, JSON_PARSE_PEAK);
    return ls_fail(err, LS_ELIMIT, "out of memory loading JSON: this %zu-byte file (%s) needs up to about %s "
                   "while loading (%s as one cJSON tree, up to %dx %s); free memory or raise the memory limit "
                   "(ulimit -v)%s", file, fs, ns, in_pieces ? "text beyond strict JSON, such as the number 007, is parsed"
                                                           : "it is parsed",
                   JSON_TREE_PEAK, len < file ? "that text" : "its size",
                   in_pieces ? ", or rewrite it as strict JSON (about 3x)" : "");
}

void json_line_col(const char *buf, size_t off, long *line, long *col)
{
    long l = 1, c = 1;
    for (size_t i = 0; i < off && buf[i]; i++) {
        if (buf[i] == '\n') { l++; c = 1; }
        else if (((unsigned char)buf[i] & 0xC0) != 0x80) c++;
    }
    *line = l;
    *col = c;
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Rewrite or reject NaN/Infinity literals outside strings. */
static int scan_literals(char *buf, size_t len, enum json_literals lit, size_t *count,
                         struct ls_error *err)
{
    int in_str = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
            continue;
        }
        if (c == '"') { in_str = 1; continue; }
        if (c != 'N' && c != 'I' && c != '-') continue;
        if (i > 0 && is_ident(buf[i - 1])) continue;
        const char *word = NULL, *repl = NULL;
        if (!strncmp(buf + i, "NaN", 3)) { word = "NaN"; repl = "[] "; }
        else if (!strncmp(buf + i, "Infinity", 8)) { word = "Infinity"; repl = "1e999   "; }
        else if (!strncmp(buf + i, "-Infinity", 9)) { word = "-Infinity"; repl = "-1e999   "; }
        if (!word) continue;
        size_t wl = strlen(word);
        if (i + wl < len && is_ident(buf[i + wl])) continue;
        if (lit == JSON_LITERALS_REJECT) {
            long l, col;
            json_line_col(buf, i, &l, &col);
            return ls_fail(err, LS_EDATA, "invalid JSON: %s literal at line %ld, column %ld (byte %zu); "
                           "this format needs numbers or null", word, l, col, i);
        }
        memcpy(buf + i, repl, wl);
        i += wl - 1;
        n++;
    }
    if (count) *count = n;
    return LS_OK;
}

int json_precheck(char *buf, size_t len, enum json_literals lit, size_t *n_literals, struct ls_error *err)
{
    const unsigned char *u = (const unsigned char *)buf;
    if (n_literals) *n_literals = 0;
    if (len == 0) return ls_fail(err, LS_EDATA, "empty file");
    if ((len >= 4 && !memcmp(u, "\xFF\xFE\x00\x00", 4)) || (len >= 4 && !memcmp(u, "\x00\x00\xFE\xFF", 4)))
        return ls_fail(err, LS_EDATA, "UTF-32 is not supported; convert to UTF-8");
    if (len >= 2 && (!memcmp(u, "\xFF\xFE", 2) || !memcmp(u, "\xFE\xFF", 2)))
        return ls_fail(err, LS_EDATA, "UTF-16 is not supported; convert to UTF-8");
    const char *nul = memchr(buf, 0, len);
    if (nul) {
        if (len >= 2 && (u[0] == 0 || u[1] == 0))
            return ls_fail(err, LS_EDATA, "UTF-16 or binary data is not supported (NUL byte at offset %zu)", (size_t)(nul - buf));
        return ls_fail(err, LS_EDATA, "NUL byte at offset %zu", (size_t)(nul - buf));
    }
    size_t start = 0;
    if (len >= 3 && !memcmp(u, "\xEF\xBB\xBF", 3)) { buf[0] = buf[1] = buf[2] = ' '; start = 3; }
    size_t k = start;
    while (k < len && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\n' || buf[k] == '\r')) k++;
    if (k == len) return ls_fail(err, LS_EDATA, "no JSON value (file is empty or whitespace)");
    return scan_literals(buf, len, lit, n_literals, err);
}

int json_parse(char *buf, size_t len, enum json_literals lit, cJSON **root,
               size_t *n_literals, struct ls_error *err)
{
    *root = NULL;
    int rc = json_precheck(buf, len, lit, n_literals, err);
    if (rc) return rc;
    const char *end = NULL;
    int oom;
    cJSON *r = json_parse_opts(buf, len, &end, 1, &oom);
    if (oom) return json_oom_fail(len, 1, err);
    if (!r) {
        size_t off = end && end >= buf ? (size_t)(end - buf) : 0;
        if (off > len) off = len;
        long l, c;
        json_line_col(buf, off, &l, &c);
        /* a complete value followed by junk? parse leniently to find out */
        const char *end2 = NULL;
        cJSON *lenient = json_parse_opts(buf, len, &end2, 0, &oom);
        if (oom) return json_oom_fail(len, 1, err);
        if (lenient) {
            cJSON_Delete(lenient);
            size_t o2 = end2 && end2 >= buf ? (size_t)(end2 - buf) : off;
            while (o2 < len && (buf[o2] == ' ' || buf[o2] == '\t' || buf[o2] == '\n' || buf[o2] == '\r')) o2++;
            json_line_col(buf, o2, &l, &c);
            return ls_fail(err, LS_EDATA, "invalid JSON: trailing data after the value at line %ld, column %ld (byte %zu)", l, c, o2);
        }
        if (off >= len)
            return ls_fail(err, LS_EDATA, "invalid JSON: unexpected end of input at line %ld, column %ld (byte %zu)", l, c, off);
        return ls_fail(err, LS_EDATA, "invalid JSON at line %ld, column %ld (byte %zu)", l, c, off);
    }
    *root = r;
    return LS_OK;
}

/* ---- json_locate: a tiny skipping scanner ---- */

static size_t skip_ws(const char *b, size_t n, size_t i)
{
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
    return i;
}

static size_t skip_string(const char *b, size_t n, size_t i)
{
    /* b[i] == '"' */
    for (i++; i < n; i++) {
        if (b[i] == '\\') i++;
        else if (b[i] == '"') return i + 1;
    }
    return n;
}

/* Skip one value starting at i; iterative depth count (no recursion). */
static size_t skip_value(const char *b, size_t n, size_t i)
{
    long depth = 0;
    while (i < n) {
        char c = b[i];
        if (c == '"') { i = skip_string(b, n, i); if (depth == 0) return i; continue; }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') { depth--; if (depth <= 0) return i + 1; }
        else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) return i;
        i++;
    }
    return n;
}

long json_locate(const char *b, size_t n, const char *path)
{
    if (!b || !path) return -1;
    size_t i = skip_ws(b, n, 0);
    const char *p = path;
    while (*p) {
        if (*p == '.') p++;
        if (*p == '[') {
            char *e;
            long idx = strtol(p + 1, &e, 10);
            if (*e != ']' || idx < 0) return -1;
            p = e + 1;
            i = skip_ws(b, n, i);
            if (i >= n || b[i] != '[') return -1;
            i = skip_ws(b, n, i + 1);
            for (long k = 0; k < idx; k++) {
                i = skip_value(b, n, i);
                i = skip_ws(b, n, i);
                if (i >= n || b[i] != ',') return -1;
                i = skip_ws(b, n, i + 1);
            }
        } else {
            size_t kl = strcspn(p, ".[");
            i = skip_ws(b, n, i);
            if (i >= n || b[i] != '{') return -1;
            i = skip_ws(b, n, i + 1);
            int found = 0;
            while (i < n && b[i] == '"') {
                size_t ks = i + 1, ke = skip_string(b, n, i);
                int match = ke - 1 - ks == kl && !memcmp(b + ks, p, kl);
                i = skip_ws(b, n, ke);
                if (i >= n || b[i] != ':') return -1;
                i = skip_ws(b, n, i + 1);
                if (match) { found = 1; break; }
                i = skip_ws(b, n, skip_value(b, n, i));
                if (i < n && b[i] == ',') i = skip_ws(b, n, i + 1);
                else break;
            }
            if (!found) return -1;
            p += kl;
        }
    }
    return (long)skip_ws(b, n, i);
}

void json_where(const char *buf, size_t len, const char *path, char *out, size_t outsz)
{
    long off = json_locate(buf, len, path);
    if (off < 0) { if (outsz) out[0] = 0; return; }
    long l, c;
    json_line_col(buf, (size_t)off, &l, &c);
    snprintf(out, outsz, " (line %ld, column %ld)", l, c);
}

int json_expect(const struct json_ctx *jc, const cJSON *v, int type_mask, const char *tname,
                const char *path, struct ls_error *err)
{
    if (v && (v->type & 0xFF & type_mask)) return LS_OK;
    char where[64] = "";
    if (jc && jc->buf && v) json_where(jc->buf, jc->len, path, where, sizeof where);
    if (!v) return ls_fail(err, LS_EDATA, "%s: missing (expected %s)", path, tname);
    return ls_fail(err, LS_EDATA, "%s: expected %s, got %s%s", path, tname, json_type_name(v), where);
}

int json_get_number(const struct json_ctx *jc, const cJSON *v, const char *path, double *out,
                    struct ls_error *err)
{
    int rc = json_expect(jc, v, cJSON_Number, "number", path, err);
    if (rc) return rc;
    *out = v->valuedouble;
    return LS_OK;
}

int json_get_int(const struct json_ctx *jc, const cJSON *v, const char *path, long lo, long hi,
                 long *out, struct ls_error *err)
{
    double d;
    int rc = json_get_number(jc, v, path, &d, err);
    if (rc) return rc;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) {
        char where[64] = "";
        if (jc && jc->buf) json_where(jc->buf, jc->len, path, where, sizeof where);
        return ls_fail(err, LS_EDATA, "%s: expected an integer in [%ld, %ld], got %.17g%s", path, lo, hi, d, where);
    }
    *out = (long)d;
    return LS_OK;
}

cJSON *json_num(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

void json_add_num(cJSON *obj, const char *key, double v)
{
    cJSON_AddItemToObject(obj, key, json_num(v));
}
