/* input.c: terminal and scripted keys (see input.h). */
#include "input.h"
#include "keys.h"
#include "base/fileio.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

struct input {
    char *script;      /* NULL: terminal */
    const char *pos;   /* next unread byte of the script */
    int in_line;       /* inside a ':' line: typed literally */
    int pending_enter;
    int ended;
};

/* A script is a test's keys: far smaller than this. */
#define SCRIPT_CAP (16u << 20)

struct input *input_open(const char *script, struct ls_error *err)
{
    struct input *in = calloc(1, sizeof *in);
    if (!in) { ls_oom(err); return NULL; }
    if (!script) return in;
    size_t n;
    struct ls_error e = {0};
    if (file_read_all(script, SCRIPT_CAP, "a shorter script", &in->script, &n, &e)) {
        /* the path is data: ls_error_print escapes it (ESC, BEL, ...) */
        ls_fail(err, e.code, "script %s: %s", script, e.msg);
        free(in);
        return NULL;
    }
    in->pos = in->script;
    return in;
}

void input_close(struct input *in)
{
    if (!in) return;
    free(in->script);
    free(in);
}

int input_scripted(const struct input *in)
{
    return in->script != NULL;
}

static int script_next(struct input *in)
{
    for (;;) {
        const char *s = in->pos;
        if (in->in_line) {
            if (*s == '\n' || *s == 0) {
                in->in_line = 0;
                if (*s) in->pos++;
                return '\r';
            }
            int k = keys_parse(&in->pos);
            if (k != KEY_NONE) return k;
            in->pos++;
            continue;
        }
        if (*s == 0) {
            if (in->ended++) return KEY_NONE;
            return 'q';
        }
        if (*s == '\n') { in->pos++; continue; }
        int bol = s == in->script || s[-1] == '\n';
        if (bol && *s == '#') { while (*in->pos && *in->pos != '\n') in->pos++; continue; }
        if (bol && *s == ':') { in->in_line = 1; in->pos++; return ':'; }
        int k = keys_parse(&in->pos);
        if (k != KEY_NONE) return k;
        in->pos++;
    }
}

int input_next(struct input *in, int timeout_ms)
{
    if (in->script) return script_next(in);
    timeout(timeout_ms);
    wint_t ch;
    int r = get_wch(&ch);
    if (r == ERR) return KEY_NONE;
    if (r == KEY_CODE_YES) return KEYF((int)ch);
    return (int)ch;
}
