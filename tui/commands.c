/* commands.c: the command table as text (see commands.h). */
#include "commands.h"
#include "explorer/explorer.h"

#include <string.h>

void commands_list(char *buf, size_t bufsz, const char *sep)
{
    size_t o = 0;
    if (!bufsz) return;
    buf[0] = 0;
    for (int i = 0; explorer_commands[i].name && o < bufsz; i++) {
        int n = snprintf(buf + o, bufsz - o, "%s%s", i ? sep : "", explorer_commands[i].name);
        if (n < 0) break;
        o += (size_t)n;
    }
}

const char *commands_usage(int i, char *buf, size_t bufsz)
{
    const struct ex_command_info *c = &explorer_commands[i];
    snprintf(buf, bufsz, "%s%s%s", c->name, c->args[0] ? " " : "", c->args);
    return buf;
}

/* A Markdown table cell: '|' would end it. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputc('\\', f);
        fputc(*s, f);
    }
}

void commands_print(FILE *f, const char *format)
{
    char u[96];
    int md = !strcmp(format, "md");
    if (md) fputs("| Command | Aliases | What it does |\n|---|---|---|\n", f);
    for (int i = 0; explorer_commands[i].name; i++) {
        const struct ex_command_info *c = &explorer_commands[i];
        commands_usage(i, u, sizeof u);
        if (md) {
            fputs("| `", f); md_cell(f, u); fputs("` | ", f);
            md_cell(f, c->aliases); fputs(" | ", f);
            md_cell(f, c->help); fputs(" |\n", f);
        } else fprintf(f, "  %-30s %s%s%s%s\n", u, c->help, c->aliases[0] ? " (also: " : "", c->aliases,
                     c->aliases[0] ? ")" : "");
    }
}
