/* actions.c: the action table as data, and the texts built from it (see
 * actions.h). No curses: the unit tests compile this file as is. */
#include "actions.h"
#include "commands.h"

#include <string.h>

static const struct action_info builtin[] = {
#define ACTION(id, group, keys, desc) { ACT_##id, #id, group, keys, desc },
#include "actions.def"
#undef ACTION
};
const struct action_table actions_builtin = { builtin, (int)(sizeof builtin / sizeof builtin[0]) };

const struct mouse_info mouse_rows[] = {
#define MOUSE(event, where, what) { event, where, what },
#include "mouse.def"
#undef MOUSE
};
const int mouse_n_rows = (int)(sizeof mouse_rows / sizeof mouse_rows[0]);

const struct action_info *actions_find(const struct action_table *t, enum action id)
{
    for (int i = 0; i < t->n; i++)
        if (t->a[i].id == id) return &t->a[i];
    return NULL;
}

const char *actions_key_label(const struct action_table *t, enum action id, char *buf, size_t bufsz)
{
    const struct action_info *a = actions_find(t, id);
    const char *k = a ? a->keys + strspn(a->keys, " ") : "";
    size_t n = strcspn(k, " ");
    /* "<Tab>" reads "Tab" in a hint; a lone "<" or ">" is a key itself */
    if (n > 2 && k[0] == '<' && k[n - 1] == '>') { k++; n -= 2; }
    if (n == 0) { k = "?"; n = 1; }
    snprintf(buf, bufsz, "%.*s", (int)n, k);
    return buf;
}

/* The text of placeholder name[0..len): a key label or the command list. */
static int placeholder(const struct action_table *t, const char *name, size_t len, char *buf, size_t bufsz)
{
    if (len == 8 && !strncmp(name, "COMMANDS", 8)) { commands_list(buf, bufsz, ", "); return 0; }
    for (int i = 0; i < t->n; i++)
        if (strlen(t->a[i].name) == len && !strncmp(t->a[i].name, name, len)) {
            actions_key_label(t, t->a[i].id, buf, bufsz);
            return 0;
        }
    return -1;
}

int actions_expand(const struct action_table *t, const char *tmpl, char *out, size_t outsz)
{
    size_t o = 0;
    int rc = 0;
    char piece[512];
    if (!outsz) return -1;
    for (const char *s = tmpl; *s;) {
        const char *e = *s == '{' ? strchr(s, '}') : NULL;
        size_t n;
        const char *src = s;
        if (e && !placeholder(t, s + 1, (size_t)(e - s - 1), piece, sizeof piece)) {
            src = piece;
            n = strlen(piece);
            s = e + 1;
        } else {
            if (e) rc = -1;              /* unknown name: copied as written */
            n = e ? (size_t)(e - s + 1) : strcspn(s + 1, "{") + 1;
            s += n;
        }
        if (o + n >= outsz) { n = outsz - 1 - o; rc = -1; }
        memcpy(out + o, src, n);
        o += n;
    }
    out[o] = 0;
    return rc;
}

/* Keys as a reader sees them: "k, <Up>". */
static void keys_pretty(const char *keys, char *out, size_t outsz, const char *sep)
{
    size_t o = 0;
    int first = 1;
    out[0] = 0;
    for (const char *s = keys; *s;) {
        if (*s == ' ') { s++; continue; }
        const char *b = s;
        while (*s && *s != ' ') s++;
        int n = snprintf(out + o, outsz - o, "%s%.*s", first ? "" : sep, (int)(s - b), b);
        if (n < 0 || (size_t)n >= outsz - o) break;
        o += (size_t)n;
        first = 0;
    }
}

/* roff needs backslashes doubled and '-' escaped. */
static void roff(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", f);
        else if (*s == '-') fputs("\\-", f);
        else fputc(*s, f);
    }
}

/* The mouse table (mouse.def) in format (see actions_print). */
static void mouse_print(FILE *f, const char *format)
{
    char w[96];
    if (!strcmp(format, "md")) fprintf(f, "\n| %s | Action |\n|---|---|\n", MOUSE_HEADING);
    else if (!strcmp(format, "man")) fputs(".TP\n.B Mouse\n(where the terminal reports it; \\-\\-no\\-mouse: off)\n", f);
    else fprintf(f, "\n%s\n", MOUSE_HEADING);
    for (int i = 0; i < mouse_n_rows; i++) {
        const struct mouse_info *m = &mouse_rows[i];
        snprintf(w, sizeof w, "%s %s", m->event, m->where);
        if (!strcmp(format, "md")) fprintf(f, "| %s | %s |\n", w, m->what);
        else if (!strcmp(format, "man")) {
            fputs(".TP\n.B ", f);
            roff(f, w);
            fputs("\n", f);
            roff(f, m->what);
            fputs("\n", f);
        } else fprintf(f, "  %-33s %s\n", w, m->what);
    }
}

void actions_print(FILE *f, const struct action_table *t, const char *format)
{
    char k[128], d[512];
    const char *group = "";
    for (int i = 0; i < t->n; i++) {
        const struct action_info *a = &t->a[i];
        actions_expand(t, a->desc, d, sizeof d);
        if (!strcmp(format, "md")) {
            if (i == 0) fputs("| Keys | Action | Group |\n|---|---|---|\n", f);
            keys_pretty(a->keys, k, sizeof k, "` `");
            fprintf(f, "| `%s` | %s | %s |\n", k, d, a->group);
        } else if (!strcmp(format, "man")) {
            keys_pretty(a->keys, k, sizeof k, ", ");
            fputs(".TP\n.B ", f);
            roff(f, k);
            fputs("\n", f);
            roff(f, d);
            fputs("\n", f);
        } else {
            if (strcmp(group, a->group)) {
                group = a->group;
                fprintf(f, "%s%s\n", i ? "\n" : "", group);
            }
            keys_pretty(a->keys, k, sizeof k, " ");
            fprintf(f, "  %-24s %s\n", k, d);
        }
    }
    mouse_print(f, format);
}
