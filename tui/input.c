/* input.c: terminal and scripted keys (see input.h). */
#include "input.h"
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct input {
    char *script;      /* NULL: terminal */
    const char *pos;   /* next unread byte of the script */
    int in_line;       /* inside a ':' line: typed literally */
    int pending_enter;
    int ended;
};

struct input *input_open(const char *script)
{
    struct input *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    if (!script) return in;
    FILE *f = fopen(script, "rb");
    if (!f) { fprintf(stderr, "logitscope: cannot read script %s\n", script); free(in); return NULL; }
    size_t cap = 4096, n = 0, r;
    in->script = malloc(cap + 1);
    while (in->script && (r = fread(in->script + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) { char *p = realloc(in->script, cap * 2 + 1); if (!p) { free(in->script); in->script = NULL; break; } in->script = p; cap *= 2; }
    }
    fclose(f);
    if (!in->script) { free(in); return NULL; }
    in->script[n] = 0;
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
