/* dataset.h: a dataset = rows of one model version, each naming what to
 * evaluate: a dump (any format source_open reads) or a prompt for a model
 * (the runner generates its continuations). Two datasets are paired by
 * row id (report/dataset_doc.h).
 *
 * Two spellings:
 *   - a folder: every regular file not starting with '.' is a row; its id
 *     is the file name without its last extension ("q017.json" -> "q017");
 *   - a manifest, JSON Lines: one object per line,
 *       {"id": "q017", "dump": "dumps/q017.npy", "reference": "Paris",
 *        "expected": ["paris", "france"], "format": "npy"}
 *     id (string or integer, required), dump (path, relative to the
 *     manifest's folder) or prompt (text for a model), optional reference
 *     (string), expected (array of strings), format (a format name,
 *     formats.h). Blank lines are skipped.
 * A manifest line that cannot be used (bad JSON, a missing id, an unknown
 * key, neither dump nor prompt) becomes a row of kind DS_BAD with the
 * reason, so the run reports it instead of dropping it; a line with no
 * usable id gets the id "<line N>". Two rows with the same id are an error
 * of the whole dataset (pairing by id would be ambiguous).
 *
 * Ownership: dataset_load returns a dataset the caller frees with
 * dataset_free; every string belongs to it. Rows are sorted by id (strcmp).
 */
#ifndef LS_DATASET_H
#define LS_DATASET_H

#include <stddef.h>
#include "base/status.h"

#define DS_ID_MAX 200        /* bytes of a row id */
#define DS_MAX_ROWS 1000000u
#define DS_MAX_EXPECTED 64

enum ds_kind { DS_DUMP, DS_PROMPT, DS_BAD };

struct ds_row {
    char *id;
    int kind;                /* enum ds_kind */
    char *path;              /* DS_DUMP: the dump's path (resolved) */
    char *prompt;            /* DS_PROMPT: text for a model */
    char *format;            /* a format name, NULL: detect from the content */
    char *reference;         /* NULL: none */
    char **expected;         /* n_expected strings */
    int n_expected;
    char *error;             /* DS_BAD: why the line is unusable */
    long line;               /* manifest line, 0 for a folder */
};

struct dataset {
    char *origin;            /* the path as given */
    int manifest;            /* 1: JSON Lines manifest, 0: folder */
    struct ds_row *rows;
    size_t n;
};

/* A folder or a manifest file. Errors: cannot read (LS_EREAD), duplicate
 * ids or a manifest that is not text (LS_EDATA), limits (LS_ELIMIT). */
int dataset_load(const char *path, struct dataset **out, struct ls_error *err);
void dataset_free(struct dataset *d);
/* The row with this id, or NULL. */
const struct ds_row *dataset_find(const struct dataset *d, const char *id);

#endif
