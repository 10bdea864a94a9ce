/* status.c: error messages (see status.h). */
#include "base/status.h"
#include "base/display.h"

#include <stdarg.h>
#include <string.h>

int ls_fail(struct ls_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
        err->oom = 0;
    }
    return code;
}

int ls_oom(struct ls_error *err)
{
    int rc = ls_fail(err, LS_ELIMIT, "out of memory");
    if (err) err->oom = 1;
    return rc;
}

void ls_error_prefix(struct ls_error *err, const char *prefix)
{
    if (!err || !prefix) return;
    size_t pl = strlen(prefix), ml = strlen(err->msg);
    if (pl > LS_ERROR_MAX / 2) pl = LS_ERROR_MAX / 2;
    if (pl + 2 + ml >= LS_ERROR_MAX) ml = LS_ERROR_MAX - pl - 3;
    memmove(err->msg + pl + 2, err->msg, ml);
    memcpy(err->msg, prefix, pl);
    err->msg[pl] = ':';
    err->msg[pl + 1] = ' ';
    err->msg[pl + 2 + ml] = 0;
}

static void print_escaped_line(FILE *f, const char *lead, const char *msg)
{
    char out[LS_ERROR_MAX * 4 + 16];
    disp_escape(msg, strlen(msg), disp_locale_flags(), out, sizeof out);
    fprintf(f, "logitscope: %s%s\n", lead, out);
}

void ls_error_print(const struct ls_error *err, FILE *f)
{
    print_escaped_line(f, "", err && err->msg[0] ? err->msg : "unknown error");
}

void ls_warn_print(FILE *f, const char *msg)
{
    /* one line per warning: source warnings are newline-separated */
    char line[LS_ERROR_MAX];
    while (msg && *msg) {
        size_t n = strcspn(msg, "\n");
        size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, msg, k);
        line[k] = 0;
        if (k) print_escaped_line(f, "warning: ", line);
        msg += n;
        if (*msg == '\n') msg++;
    }
}
