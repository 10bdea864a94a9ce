/* source.c: the source object: allocation, warnings, reading a step,
 * closing; the caller's words for the input options (source.h).
 *
 * The bottom of core/input: loaders build sources with these helpers, and
 * nothing here knows any format. Opening a file by name or content is the
 * format registry's job (formats.c), which calls the loaders. */
#include "input/source.h"
#include "input/halffloat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct source *source_alloc(const struct source_ops *ops, const char *path)
{
    struct source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ops = ops;
    s->path = strdup(path ? path : "");
    if (!s->path) { free(s); return NULL; }
    s->dtype = "f32";
    return s;
}

void source_warn(struct source *s, const char *fmt, ...)
{
    size_t o = strlen(s->warnings);
    if (o + 2 >= sizeof s->warnings) return;
    if (o) s->warnings[o++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->warnings + o, sizeof s->warnings - o, fmt, ap);
    va_end(ap);
}

void source_close(struct source *s)
{
    if (!s) return;
    if (s->ops && s->ops->close) s->ops->close(s);
    vocab_free(s->vocab);
    free(s->lend_buf);
    free(s->path);
    free(s);
}

int source_read_step(struct source *s, uint32_t step, float *logits,
                     struct step_info *info, struct ls_error *err)
{
    if (step >= s->n_steps)
        return ls_fail(err, LS_EUSAGE, "step %u out of range (file has %u step%s, 0-based)",
                       step, s->n_steps, s->n_steps == 1 ? "" : "s");
    memset(info, 0, sizeof *info);
    info->token = -1;
    int rc = s->ops->read_step(s, step, logits, info, err);
    if (rc) source_error_step(err, step);   /* loaders do not name the step */
    return rc;
}

int source_lend_step(struct source *s, uint32_t step, const float **out,
                     struct step_info *info, struct ls_error *err)
{
    return source_lend_into(s, step, NULL, SOURCE_LEND_MAP, out, info, err);
}

int source_lend_into(struct source *s, uint32_t step, float *buf, enum source_lend_how how, const float **out,
                     struct step_info *info, struct ls_error *err)
{
    if (!s->lend) {
        if (!buf && !s->lend_buf &&
            !(s->lend_buf = malloc((size_t)(s->vocab_size ? s->vocab_size : 1) * sizeof(float))))
            return ls_oom(err);
        *out = buf ? buf : s->lend_buf;
        return source_read_step(s, step, buf ? buf : s->lend_buf, info, err);
    }
    if (step >= s->n_steps) return source_read_step(s, step, NULL, info, err); /* its range error */
    memset(info, 0, sizeof *info);
    info->token = -1;
    int rc = s->lend(s, step, buf, how, out, info, err);
    if (rc) source_error_step(err, step);
    return rc;
}

int source_lend_verify(const struct source *s, uint32_t step, struct ls_error *err)
{
    int rc = s->lend_verify ? s->lend_verify(s, err) : LS_OK;
    if (rc) source_error_step(err, step);
    return rc;
}

void source_count_nonfinite(const float *z, uint32_t V, struct step_info *info)
{
    if (!info->nonfinite_deferred) return;
    hf_count_nonfinite(z, V, &info->n_nan, &info->n_posinf, &info->n_neginf);
    info->nonfinite_deferred = 0;
}

void source_error_step(struct ls_error *err, uint32_t step)
{
    char pre[32];
    int n = snprintf(pre, sizeof pre, "step %u: ", step);
    if (n > 0 && !strncmp(err->msg, pre, (size_t)n)) return;
    pre[n - 2] = 0;
    ls_error_prefix(err, pre);
}

const char *source_opt_usage(const struct source_opts *opts, enum source_opt which)
{
    if (!opts || !opts->spelling || (unsigned)which >= SOPT_N) return NULL;
    return opts->spelling[which];
}

const char *source_opt_flag(const struct source_opts *opts, enum source_opt which,
                            const char *dflt, char *buf, size_t bufsz)
{
    const char *u = source_opt_usage(opts, which);
    if (!u) return dflt;
    snprintf(buf, bufsz, "%.*s", (int)strcspn(u, " "), u);
    return buf;
}
