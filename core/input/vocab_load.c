/* vocab_load.c: reading vocabulary files for --vocab.
 *
 * Detected by content, never by name:
 *   "GGUF" magic        a GGUF model file: only tokenizer.ggml.tokens is
 *                       read, walking the header (gguf.c); never the tensors,
 *                       never the whole file
 *   '{' (after ws/BOM)  a Hugging Face tokenizer.json (tokenizer_json.c)
 *   '['                 a JSON array of strings
 *   anything else       one token per line (LF-separated; a trailing CR is
 *                       stripped; the final newline is optional)
 * Text files are capped at VOCAB_CAP bytes before reading. Token bytes are
 * kept as they are (tokenizer.json/GGUF tokens are decoded to the bytes they
 * stand for, vocab_fmt.h); display escaping happens at output. */
#include "input/vocab.h"
#include "input/vocab_fmt.h"
#include "base/fileio.h"
#include "base/json_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    int fd;
    uint64_t size;
    unsigned char magic[4];
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    rc = size >= 4 ? file_pread_exact(fd, magic, 4, 0, err) : LS_OK;
    if (!rc && size >= 4 && memcmp(magic, "GGUF", 4) == 0) {
        struct vocab *v = vocab_new();
        if (!v) rc = ls_oom(err);
        else rc = vocab_load_gguf(fd, size, v, err);
        close(fd);
        if (rc) { vocab_free(v); ls_error_prefix(err, path); return rc; }
        *out = v;
        return LS_OK;
    }
    close(fd);
    if (rc) { ls_error_prefix(err, path); return rc; }
    rc = file_read_all(path, VOCAB_CAP, "a smaller vocabulary file", &buf, &len, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    struct vocab *v = vocab_new();
    if (!v) { free(buf); return ls_fail(err, LS_ELIMIT, "%s: out of memory", path); }
    size_t k = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF) k = 3;
    while (k < len && (buf[k] == ' ' || buf[k] == '\n' || buf[k] == '\r' || buf[k] == '\t')) k++;
    if (len == 0) rc = ls_fail(err, LS_EDATA, "empty file");
    else if (k < len && buf[k] == '[') rc = load_json_array(path, buf, len, v, err);
    else if (k < len && buf[k] == '{') rc = vocab_load_tokenizer_json(buf, len, v, err);
    else rc = load_lines(buf, len, v, err);
    free(buf);
    if (rc) { vocab_free(v); ls_error_prefix(err, path); return rc; }
    if (v->n == 0) { vocab_free(v); rc = ls_fail(err, LS_EDATA, "no tokens"); ls_error_prefix(err, path); return rc; }
    *out = v;
    return LS_OK;
}
