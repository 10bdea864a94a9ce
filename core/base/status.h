/* status.h: error codes and one-line error messages shared by every module.
 *
 * Every fallible core function takes a `struct ls_error *` (caller-owned,
 * fixed size, never allocates) and returns an `enum ls_code`. The message is
 * "FILE: where: what" without the program prefix; ls_error_print adds
 * "logitscope: " and passes the whole line through the display transform, so
 * file names and token text from untrusted files never reach a terminal raw.
 *
 *   struct ls_error err = {0};
 *   if (source_open(path, &opts, &src, &err)) { ls_error_print(&err, stderr); return err.code; }
 *
 * Exit codes (documented in --help, README and the man page):
 *   0 ok, 2 usage, 3 cannot open/read, 4 invalid or unsupported data,
 *   5 resource limit (size caps, out of memory), 70 internal error.
 */
#ifndef LS_STATUS_H
#define LS_STATUS_H

#include <stdio.h>

enum ls_code {
    LS_OK = 0,
    LS_EUSAGE = 2,
    LS_EREAD = 3,
    LS_EDATA = 4,
    LS_ELIMIT = 5,
    LS_EINTERNAL = 70
};

#define LS_ERROR_MAX 1024

struct ls_error {
    int code;                 /* enum ls_code; 0 when no error */
    char msg[LS_ERROR_MAX];   /* raw (unescaped) UTF-8-ish text */
    int oom;                  /* 1: ls_oom's plain "out of memory", which a
                                 caller that knows the input's size may
                                 replace with figures (formats.c) */
};

/* Set err (may be NULL) and return code. printf-style. */
int ls_fail(struct ls_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An allocation failed: LS_ELIMIT, "out of memory" (the one wording), and
 * err->oom set. */
int ls_oom(struct ls_error *err);

/* Prefix an existing message with "prefix: " (e.g. a file name). */
void ls_error_prefix(struct ls_error *err, const char *prefix);

/* Print "logitscope: MSG\n" to f, escaped for display. */
void ls_error_print(const struct ls_error *err, FILE *f);

/* Print a warning "logitscope: warning: MSG\n" to f, escaped. */
void ls_warn_print(FILE *f, const char *msg);

#endif
