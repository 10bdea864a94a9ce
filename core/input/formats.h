/* formats.h: the format registry, the one list of input formats.
 *
 * Every format logitscope reads is one row: its name (what the format
 * option takes, what `info` reports as "format", what a source's
 * ops->format points to), a one-line summary, its detection stage and
 * detector, its opener, and the ops its sources carry. The registry is the
 * only caller of the loaders (loader.h); source_open (source.h) is
 * implemented here.
 *
 * Detection is by content, never by file name (formats.md 0.3): the binary
 * rows' detectors look at the first bytes, in table order; a file none of
 * them claims is JSON unless it looks binary (unsupported.h says what it is): the native dump is recognised on the text, the API
 * outputs on the first response object one of them claims. A row without a
 * detector (raw) is used only when named. */
#ifndef LS_FORMATS_H
#define LS_FORMATS_H

#include <stddef.h>
#include "input/loader.h"
#include "input/source.h"

struct input_format {
    const char *name;          /* "npy", "openai-chat", ... */
    const char *summary;       /* one line: what the format is */
    enum input_stage stage;    /* what sniff looks at and open gets */
    input_sniff_fn sniff;      /* 1: this content is ours; NULL: only by name */
    input_open_fn open;
    struct source_ops ops;     /* ops.format == name */
};

/* The rows, in detection order; i >= input_format_count() gives NULL. */
size_t input_format_count(void);
const struct input_format *input_format_at(size_t i);

/* The row named name, or NULL. */
const struct input_format *input_format_find(const char *name);

/* "native, llama.cpp, ..." (every name, table order) into buf. */
void input_format_names(char *buf, size_t bufsz);

/* Fail with "unknown format 'x' (formats: ...)", prefixed with the
 * caller's spelling of the format option when it gave one. */
int input_format_unknown(const char *name, const struct source_opts *opts, struct ls_error *err);

/* The first row whose detector claims the probe: binary rows when p->text
 * is NULL, else the JSON rows (text stage; item stage when p->item is set).
 * NULL when none does. */
const struct input_format *input_format_detect(const struct input_probe *p);

/* Open a JSON text held in memory (len bytes plus a NUL at text[len]; the
 * text is modified) as opts->format names it or as detected. What
 * source_open does for a file that is not binary; also the fuzz targets'
 * and tests' entry. Messages do not carry the file name. */
int source_open_text(const char *path, char *text, size_t len, const struct source_opts *opts,
                     struct source **out, struct ls_error *err);

#endif
