/* unsupported.h: files logitscope recognises but does not read, and what
 * to do with them instead. Private to core/input; asked by the format
 * registry (formats.c) when no format was named.
 *
 * A table of kinds, each a detector on the file's first bytes and the
 * message: torch.save files (zip and legacy), Python pickles, GGUF models
 * (a vocabulary source, not logits); then any other binary head gets what
 * it looks like and what to try (raw float32). On JSON, a tokenizer.json
 * (a vocabulary) is told apart. Messages point at options through the
 * caller's spelling (source_opts.spelling), never by flag. */
#ifndef LS_UNSUPPORTED_H
#define LS_UNSUPPORTED_H

#include "input/loader.h"

/* first = 1, before the formats' detectors: fails on the kinds more
 * specific than a format's signature (a torch.save zip is not an npz).
 * first = 0, when no format claimed the head: fails on the other kinds, and
 * on a head that does not look like text (the JSON path reads text).
 * LS_OK otherwise. */
int input_refuse_binary(const struct input_probe *p, const struct source_opts *opts, int first,
                        struct ls_error *err);

/* LS_OK unless the response object is a tokenizer.json; then fails saying
 * it is a vocabulary and how to use it. */
int input_refuse_json(const struct cJSON *item, const struct source_opts *opts, struct ls_error *err);

#endif
