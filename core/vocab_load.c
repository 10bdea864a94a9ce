/* vocab_load.c: reading vocabulary files for --vocab.
 *
 * Detected by content: a JSON array of strings, else one token per line
 * (LF-separated; a trailing CR is stripped; the final newline is optional).
 * Token bytes are kept as they are; display escaping happens at output. */
#include "vocab.h"
#include "fileio.h"
#include "json_util.h"

#include <stdlib.h>
#include <string.h>

#define VOCAB_CAP (512ull << 20)

static int load_json_array(const char *path, char *buf, size_t len, struct vocab *v,
                           struct ls_error *err)
{
    (void)path;
    cJSON *root = NULL;
    int rc = json_parse(buf, len, JSON_LITERALS_REJECT, &root, NULL, err);
    if (rc) return rc;
    struct json_ctx jc = { buf, len };
    const cJSON *t;
    char p[48];
    uint32_t i = 0;
    cJSON_ArrayForEach(t, root) {
        snprintf(p, sizeof p, "[%u]", i);
        if ((rc = json_expect(&jc, t, cJSON_String, "string", p, err))) break;
        if (vocab_add(v, t->valuestring, strlen(t->valuestring)) < 0) {
            rc = ls_fail(err, LS_ELIMIT, "too many tokens or out of memory");
            break;
        }
        i++;
    }
    cJSON_Delete(root);
    return rc;
}

static int load_lines(char *buf, size_t len, struct vocab *v, struct ls_error *err)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len;
        size_t tl = e - i;
        if (tl && buf[i + tl - 1] == '\r') tl--;
        if (vocab_add(v, buf + i, tl) < 0) return ls_fail(err, LS_ELIMIT, "too many tokens or out of memory");
        i = e + 1;
    }
    return LS_OK;
}

int vocab_load(const char *path, struct vocab **out, struct ls_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read_all(path, VOCAB_CAP, "a smaller vocabulary file", &buf, &len, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    struct vocab *v = vocab_new();
    if (!v) { free(buf); return ls_fail(err, LS_ELIMIT, "%s: out of memory", path); }
    size_t k = 0;
    while (k < len && (buf[k] == ' ' || buf[k] == '\n' || buf[k] == '\r' || buf[k] == '\t')) k++;
    if (len == 0) rc = ls_fail(err, LS_EDATA, "empty file");
    else if (k < len && buf[k] == '[') rc = load_json_array(path, buf, len, v, err);
    else rc = load_lines(buf, len, v, err);
    free(buf);
    if (rc) { vocab_free(v); ls_error_prefix(err, path); return rc; }
    *out = v;
    return LS_OK;
}
