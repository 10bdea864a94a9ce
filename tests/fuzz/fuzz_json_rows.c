/* fuzz_json_rows.c: differential libFuzzer target for the native dump's
 * logits scanner (core/input/json_rows.h) against cJSON. For any text:
 * the scanner only turns bytes into spaces; if cJSON parses the original,
 * it parses the blanked text too; and every row the scanner took equals,
 * value for value, what cJSON gives for steps[i].logits (null -> -inf,
 * (float) of the double). Any difference aborts.
 * Corpus: tests/fuzz/corpus/json_rows/ (native dumps). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "input/json_rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(float a, float b) { return (isnan(a) && isnan(b)) || a == b; }

static void compare_rows(const cJSON *root, const struct json_rows *r)
{
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    for (uint32_t i = 0; i < r->n_steps; i++) {
        if (r->off[i] == JSON_ROW_NONE) continue;
        const cJSON *lg = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(steps, (int)i), "logits");
        if (!cJSON_IsArray(lg) || (uint32_t)cJSON_GetArraySize(lg) != r->len[i]) abort();
        uint32_t k = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, lg) {
            float want = cJSON_IsNull(v) ? -INFINITY : cJSON_IsNumber(v) ? (float)v->valuedouble : NAN;
            if (!cJSON_IsNull(v) && !cJSON_IsNumber(v)) abort();
            if (!same(want, r->v[r->off[i] + k])) abort();
            k++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    char *buf = malloc(size + 1), *orig = malloc(size + 1);
    if (!buf || !orig) { free(buf); free(orig); return 0; }
    if (size) { memcpy(buf, data, size); memcpy(orig, data, size); }
    buf[size] = orig[size] = 0;
    struct json_rows r;
    struct ls_error err = {0};
    if (json_rows_extract(buf, size, &r, &err) == LS_OK) {
        for (size_t i = 0; i < size; i++)
            if (buf[i] != orig[i] && buf[i] != ' ') abort();
        cJSON *a = cJSON_ParseWithLengthOpts(orig, size + 1, NULL, 1);
        if (a) {
            cJSON *b = cJSON_ParseWithLengthOpts(buf, size + 1, NULL, 1);
            if (!b) abort();
            compare_rows(a, &r);
            cJSON_Delete(b);
            cJSON_Delete(a);
        }
    }
    json_rows_free(&r);
    free(buf);
    free(orig);
    return 0;
}
