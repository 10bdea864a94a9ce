/* commands.h: the explorer's ':' commands as text, from its one command
 * table (explorer_commands, core/explorer/explorer.h): the list behind
 * {COMMANDS} in action texts, the help overlay's command section, the
 * unknown-command message and `logitscope --help-commands` (README's
 * command table, kept in sync by tests/tools/docs_check.sh). No curses. */
#ifndef LS_TUI_COMMANDS_H
#define LS_TUI_COMMANDS_H

#include <stddef.h>
#include <stdio.h>

/* Every command name, in table order, joined by sep, into buf. */
void commands_list(char *buf, size_t bufsz, const char *sep);
/* One command as the help overlay shows it: "set NAME VALUE" (names in
 * brackets after it: "[se]"). Returns buf. */
const char *commands_usage(int i, char *buf, size_t bufsz);
/* Documentation outputs: "md" (README table) or "text". */
void commands_print(FILE *f, const char *format);

#endif
