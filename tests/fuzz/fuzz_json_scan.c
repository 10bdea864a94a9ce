/* fuzz_json_scan.c: differential libFuzzer target for the shared JSON
 * scanner (base/json_scan.h) and the lazy skeleton trees (base/json_lazy.h)
 * against cJSON and strtod. For any text (in an exact-size heap buffer):
 *   - json_scan_valid accepts it only if cJSON (strict) parses it;
 *   - then json_lazy_parse, with every lazy array walked, prints exactly as
 *     cJSON's whole tree (root lazy or not, with the container index
 *     json_scan_index builds or without);
 *   - a text that is one number converts bit for bit as strtod does;
 *   - source_open_text gives the same result with skeletons as with whole
 *     trees: exit code, message, format, steps, and every step's values.
 * Any difference aborts. Corpus: tests/fuzz/corpus/json_scan/. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "base/json_lazy.h"
#include "base/json_scan.h"
#include "input/formats.h"
#include "input/json_docs.h"
#include "json_expand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tree(const char *buf, size_t size)
{
    struct json_index ix = { NULL, 0, 0 };
    if (json_scan_index(buf, size, &ix) != json_scan_valid(buf, size)) abort();
    if (!json_scan_valid(buf, size)) { json_index_free(&ix); return; }
    cJSON *whole = cJSON_ParseWithLengthOpts(buf, size + 1, NULL, 1);
    if (!whole) abort();   /* the scanner accepted what cJSON refuses */
    char *a = cJSON_PrintUnformatted(whole);
    for (int root_lazy = 0; root_lazy <= 1; root_lazy++) {
        int oom;
        json_lazy_index(root_lazy ? &ix : NULL);   /* with and without the index */
        cJSON *lz = json_lazy_parse(buf, size, root_lazy, &oom);
        if (!lz) abort();
        cJSON *x = json_expand(lz);
        char *b = x ? cJSON_PrintUnformatted(x) : NULL;
        if (!a || !b || strcmp(a, b)) abort();
        free(b);
        cJSON_Delete(x);
        cJSON_Delete(lz);
    }
    json_lazy_index(NULL);
    json_index_free(&ix);
    free(a);
    cJSON_Delete(whole);
}

static void check_number(const char *buf, size_t size)
{
    double v;
    if (!json_number(buf, size, &v)) return;
    double w = strtod(buf, NULL);
    if (memcmp(&v, &w, sizeof v)) abort();
}

static int open_both(const char *data, size_t size, int whole, struct source **s, struct ls_error *err)
{
    char *buf = malloc(size + 1);
    if (!buf) abort();
    memcpy(buf, data, size);
    buf[size] = 0;
    json_docs_whole_trees(whole);
    int rc = source_open_text("fuzz.json", buf, size, NULL, s, err);
    json_docs_whole_trees(0);
    free(buf);
    return rc;
}

static void check_steps(struct source *a, struct source *b)
{
    if (strcmp(a->ops->format, b->ops->format) || a->n_steps != b->n_steps || a->vocab_size != b->vocab_size ||
        strcmp(a->warnings, b->warnings))
        abort();
    if (a->vocab_size > (1u << 16)) return;
    float *za = malloc(a->vocab_size * sizeof *za + 1), *zb = malloc(a->vocab_size * sizeof *zb + 1);
    for (uint32_t i = 0; za && zb && i < a->n_steps && i < 64; i++) {
        struct step_info ia, ib;
        struct ls_error e = {0};
        int ra = source_read_step(a, i, za, &ia, &e), rb = source_read_step(b, i, zb, &ib, &e);
        if (ra != rb) abort();
        if (!ra && (memcmp(za, zb, a->vocab_size * sizeof *za) || ia.token != ib.token || ia.n_known != ib.n_known))
            abort();
    }
    free(za);
    free(zb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 18)) return 0;
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    buf[size] = 0;
    check_tree(buf, size);
    check_number(buf, size);
    struct source *a = NULL, *b = NULL;
    struct ls_error ea = {0}, eb = {0};
    int ra = open_both(buf, size, 0, &a, &ea), rb = open_both(buf, size, 1, &b, &eb);
    if (ra != rb || strcmp(ea.msg, eb.msg)) abort();
    if (!ra) check_steps(a, b);
    source_close(a);
    source_close(b);
    free(buf);
    return 0;
}
