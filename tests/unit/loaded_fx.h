/* loaded_fx.h: an opened source and a step buffer, shared by the loader
 * unit tests (include after cmocka.h). */
#ifndef LS_LOADED_FX_H
#define LS_LOADED_FX_H

#include <stdio.h>
#include <stdlib.h>
#include "input/source.h"

struct loaded {
    struct source *s;
    float *z;
    struct step_info si;
};

/* Open path (o may be NULL: detect by content); the error is printed
 * before the assertion fails. */
static inline void open_opts(struct loaded *l, const char *path, const struct source_opts *o)
{
    struct ls_error e = {0};
    int rc = source_open(path, o, &l->s, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    l->z = malloc((size_t)l->s->vocab_size * sizeof *l->z);
    assert_non_null(l->z);
}

static inline void read_step(struct loaded *l, uint32_t i)
{
    struct ls_error e = {0};
    assert_int_equal(source_read_step(l->s, i, l->z, &l->si, &e), 0);
}

static inline void done(struct loaded *l)
{
    free(l->z);
    source_close(l->s);
}

#endif
