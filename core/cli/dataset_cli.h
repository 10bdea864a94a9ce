/* dataset_cli.h: what `dataset eval` and `dataset merge` share (cmd_dataset.c,
 * dataset_merge.c): writing the result (--out FILE atomically, the chosen
 * rendering on stdout) and reading a saved result. */
#ifndef LS_DATASET_CLI_H
#define LS_DATASET_CLI_H

#include "report/dataset_doc.h"

enum ds_render { DS_TEXT, DS_JSON, DS_CSV };

/* Exit code of a run stopped by Ctrl-C / SIGTERM (its partial result is
 * valid; --resume completes it). */
#define DS_EXIT_INTERRUPTED 130

/* The JSON document of d written atomically to path. */
int ds_write_json(const struct ds_doc *d, const char *path, struct ls_error *err);
/* d rendered on stdout as asked; returns an exit code. */
int ds_print(const struct ds_doc *d, int render, unsigned disp);
/* Read a saved result. */
int ds_read(const char *path, struct ds_doc **out, struct ls_error *err);

extern const char ds_merge_help[];
int ds_merge_main(int argc, char **argv);

#endif
