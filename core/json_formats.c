/* json_formats.c: the JSON family: parse once, detect the format from the
 * top-level shape (formats.md 0.3), dispatch to its loader.
 *
 * Native logitscope dumps accept Python's bare NaN/Infinity/-Infinity (what
 * json.dump writes by default); every other JSON format rejects them. */
#include "source.h"
#include "json_util.h"

#include <string.h>

static int is_native(const cJSON *root)
{
    if (!cJSON_IsObject(root)) return 0;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    return cJSON_IsArray(steps);
}

int load_json_any(const char *path, char *buf, size_t len, const struct source_opts *opts,
                  struct source **out, struct ls_error *err)
{
    cJSON *root = NULL;
    size_t n_lit = 0;
    int rc = json_parse(buf, len, JSON_LITERALS_REWRITE, &root, &n_lit, err);
    if (rc) return rc;
    const char *fmt = opts ? opts->format : NULL;
    if ((fmt && !strcmp(fmt, "native")) || (!fmt && is_native(root))) {
        rc = load_native_json(path, root, buf, len, opts, out, err);
    } else if (fmt) {
        rc = ls_fail(err, LS_EDATA, "format %s is not supported for this file", fmt);
    } else {
        rc = ls_fail(err, LS_EDATA, "unrecognised JSON: expected a logitscope dump ({\"steps\": [...]}) "
                     "or an API response with logprobs");
    }
    cJSON_Delete(root);
    return rc;
}
