/* source_args.c: the input options table (see source_args.h). */
#include "input/source_args.h"
#include "base/parse.h"

#include <stdio.h>
#include <string.h>

/* In the order --help lists them. */
static const struct source_arg args[SOPT_N] = {
    { "format", "NAME", SOPT_FORMAT },
    { "tensor", "NAME", SOPT_TENSOR },
    { "batch-row", "N", SOPT_BATCH_ROW },
    { "vocab-size", "V", SOPT_VOCAB_SIZE },
    { "dtype", "D", SOPT_DTYPE },
    { "max-json-size", "BYTES", SOPT_JSON_CAP },
    { "vocab", "FILE", SOPT_VOCAB },
};

const struct source_arg *source_arg_at(size_t i)
{
    return i < SOPT_N ? &args[i] : NULL;
}

const struct source_arg *source_arg_find(const char *name)
{
    for (size_t i = 0; name && i < SOPT_N; i++)
        if (!strcmp(args[i].name, name)) return &args[i];
    return NULL;
}

int source_arg_set(struct source_opts *o, enum source_opt which, const char *val, struct ls_error *err)
{
    long l;
    uint64_t u;
    int rc = LS_OK;
    switch (which) {
    case SOPT_FORMAT: o->format = val; break;
    case SOPT_TENSOR: o->tensor = val; break;
    case SOPT_DTYPE: o->dtype = val; break;
    case SOPT_VOCAB: o->vocab_path = val; break;
    case SOPT_JSON_CAP: rc = parse_u64(val, 0, UINT64_MAX, &o->json_cap, err); break;
    case SOPT_VOCAB_SIZE:
        if (!(rc = parse_long(val, 1, LS_MAX_VOCAB, &l, err))) o->vocab_size = (uint32_t)l;
        break;
    case SOPT_BATCH_ROW:
        if (!(rc = parse_u64(val, 0, UINT32_MAX - 1, &u, err))) { o->batch_row = (uint32_t)u; o->has_batch_row = 1; }
        break;
    default: return ls_fail(err, LS_EINTERNAL, "input option %d unknown", (int)which);
    }
    return rc;
}

void source_spelling_init(struct source_spelling *sp, const char *prefix)
{
    for (size_t i = 0; i < SOPT_N; i++) {
        enum source_opt w = args[i].which;
        snprintf(sp->text[w], sizeof sp->text[w], "%s%s %s", prefix, args[i].name, args[i].metavar);
        sp->ptr[w] = sp->text[w];
    }
}

/* One "--name[=value]" at w[*i] (value from the next word when no '='). */
static int one_option(char **w, int n, int *i, struct source_opts *o, struct ls_error *err)
{
    char name[40];
    const char *word = w[*i] + 2, *eq = strchr(word, '='), *val;
    size_t nl = eq ? (size_t)(eq - word) : strlen(word);
    snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), word);
    const struct source_arg *a = nl < sizeof name ? source_arg_find(name) : NULL;
    if (!a) {
        char names[200];
        size_t off = 0;
        for (size_t k = 0; k < SOPT_N && off < sizeof names; k++)
            off += (size_t)snprintf(names + off, sizeof names - off, "%s--%s", k ? ", " : "", args[k].name);
        return ls_fail(err, LS_EUSAGE, "unknown option '--%.40s' (input options: %s)", name, names);
    }
    if (eq) val = eq + 1;
    else if (*i + 1 < n) val = w[++*i];
    else return ls_fail(err, LS_EUSAGE, "option '--%s' needs a value (%s)", a->name, a->metavar);
    int rc = source_arg_set(o, a->which, val, err);
    if (rc) {
        char pre[48];
        snprintf(pre, sizeof pre, "--%s", a->name);
        ls_error_prefix(err, pre);
    }
    return rc;
}

int source_args_parse(char **w, int n, struct source_opts *o, const char **path, struct ls_error *err)
{
    *path = NULL;
    for (int i = 0; i < n; i++) {
        if (!strncmp(w[i], "--", 2) && w[i][2]) {
            int rc = one_option(w, n, &i, o, err);
            if (rc) return rc;
        } else if (*path) {
            return ls_fail(err, LS_EUSAGE, "one file only (got '%.60s' and '%.60s')", *path, w[i]);
        } else {
            *path = w[i];
        }
    }
    if (!*path) return ls_fail(err, LS_EUSAGE, "no file given");
    return LS_OK;
}
