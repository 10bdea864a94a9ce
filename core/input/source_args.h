/* source_args.h: the input options (the format to read a file as, the
 * tensor, the vocabulary...) as one table, so that every front end takes the
 * same options with the same words: the command line builds its long options
 * from it, the explorer's `:open FILE --format raw --vocab-size 16` parses
 * with source_args_parse. There is no other list of input options.
 *
 * Names carry no prefix ("format"); a caller spells them its own way
 * (source_spelling_init: "--" gives "--format NAME") and passes the spelling
 * in source_opts.spelling, so core messages point at the caller's words. */
#ifndef LS_SOURCE_ARGS_H
#define LS_SOURCE_ARGS_H

#include <stddef.h>
#include "input/source.h"

struct source_arg {
    const char *name;        /* "vocab-size" */
    const char *metavar;     /* "V": what the value is */
    enum source_opt which;
};

/* The rows (one per enum source_opt); i >= SOPT_N gives NULL. */
const struct source_arg *source_arg_at(size_t i);
/* The row named name ("format"), or NULL. */
const struct source_arg *source_arg_find(const char *name);

/* Set o's field for `which` from the value text: numbers go through
 * base/parse.h (the message has no option name: the caller prefixes its
 * spelling); strings are borrowed, not copied. */
int source_arg_set(struct source_opts *o, enum source_opt which, const char *val, struct ls_error *err);

/* A caller's spellings: "<prefix><name> <metavar>" for every option, and
 * the pointer table source_opts.spelling takes. */
struct source_spelling {
    char text[SOPT_N][40];
    const char *ptr[SOPT_N];
};
void source_spelling_init(struct source_spelling *sp, const char *prefix);

/* Words "FILE --name VALUE --name=VALUE ..." (options before or after the
 * file) into *path and o (which should be zeroed first; its strings point
 * into w). Exactly one file. Options are spelled "--name". */
int source_args_parse(char **w, int n, struct source_opts *o, const char **path, struct ls_error *err);

#endif
