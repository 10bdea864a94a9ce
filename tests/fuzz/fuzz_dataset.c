/* fuzz_dataset.c: libFuzzer target for dataset manifests (input/dataset.c,
 * JSON Lines: id, dump, prompt, reference, expected, format). Every row is
 * read back, and every id looked up. Corpus: tests/fuzz/corpus/dataset/. */
#include "fuzz_bin.h"
#include "input/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_file(data, size);
    if (!p) return 0;
    struct dataset *d = NULL;
    struct ls_error e = {0};
    if (dataset_load(p, &d, &e) == LS_OK) {
        size_t sum = 0;
        for (size_t i = 0; i < d->n; i++) {
            const struct ds_row *r = &d->rows[i];
            if (dataset_find(d, r->id) == NULL) abort(); /* every row is found by its id */
            sum += strlen(r->id) + (size_t)r->n_expected;
            if (r->kind == DS_DUMP && r->path) sum += strlen(r->path);
            if (r->kind == DS_PROMPT && r->prompt) sum += strlen(r->prompt);
            if (r->kind == DS_BAD && r->error) sum += strlen(r->error);
            for (int k = 0; k < r->n_expected; k++) sum += strlen(r->expected[k]);
        }
        if (sum == 1) e.code = 1; /* keep the loop */
        dataset_free(d);
    }
    return 0;
}
