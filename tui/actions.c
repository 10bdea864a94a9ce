/* actions.c: the action table, bindings and key documentation. */
#include "actions.h"
#include "keys.h"

#include <string.h>

const struct action_info action_table[] = {
#define ACTION(id, group, keys, desc) { ACT_##id, #id, group, keys, desc },
#include "actions.def"
#undef ACTION
};
const int action_count = (int)(sizeof action_table / sizeof action_table[0]);

#define MAX_BINDINGS 128
static struct { int key; enum action act; } bindings[MAX_BINDINGS];
static int n_bindings;

int actions_init(void)
{
    n_bindings = 0;
    for (int i = 0; i < action_count; i++) {
        const char *s = action_table[i].keys;
        while (*s) {
            if (*s == ' ') { s++; continue; }
            int k = keys_parse(&s);
            if (k == KEY_NONE || n_bindings >= MAX_BINDINGS) return -1;
            bindings[n_bindings].key = k;
            bindings[n_bindings].act = action_table[i].id;
            n_bindings++;
        }
    }
    return 0;
}

enum action actions_lookup(int key)
{
    for (int i = 0; i < n_bindings; i++)
        if (bindings[i].key == key) return bindings[i].act;
    return ACT_NONE;
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

/* roff needs backslashes doubled and a leading '.' or '\'' protected. */
static void roff(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", f);
        else if (*s == '-') fputs("\\-", f);
        else fputc(*s, f);
    }
}

void actions_print(FILE *f, const char *format)
{
    char k[128];
    if (!strcmp(format, "md")) {
        fputs("| Keys | Action | Group |\n|---|---|---|\n", f);
        for (int i = 0; i < action_count; i++) {
            keys_pretty(action_table[i].keys, k, sizeof k, "` `");
            /* '|' would end a Markdown cell */
            fprintf(f, "| `%s` | %s | %s |\n", k, action_table[i].desc, action_table[i].group);
        }
        return;
    }
    if (!strcmp(format, "man")) {
        for (int i = 0; i < action_count; i++) {
            keys_pretty(action_table[i].keys, k, sizeof k, ", ");
            fputs(".TP\n.B ", f);
            roff(f, k);
            fputs("\n", f);
            roff(f, action_table[i].desc);
            fputs("\n", f);
        }
        return;
    }
    const char *group = "";
    for (int i = 0; i < action_count; i++) {
        if (strcmp(group, action_table[i].group)) {
            group = action_table[i].group;
            fprintf(f, "%s%s\n", i ? "\n" : "", group);
        }
        keys_pretty(action_table[i].keys, k, sizeof k, " ");
        fprintf(f, "  %-24s %s\n", k, action_table[i].desc);
    }
    fputs("\nMouse (where the terminal reports it): click a step or a token to select it,\n"
          "click a parameter to focus it; the wheel scrolls the token list or the steps.\n", f);
}
