/* cli.h: the headless command-line front end (no curses, no readline).
 *
 * Commands (show, sample, info, eval, sweep, diff, train, generate, dump,
 * dataset) live in core/cli/cmd_*.c,
 * one file each, listed in one table in cli.c (commands.h); the options they
 * share are parsed by cli_opts.h, their common steps are in cli_run.h. The
 * binary's main() (tui/main.c) calls cli_main() first and opens the
 * explorer when argv[1] is not a command.
 *
 * Output: stdout for results (text table or --json via cJSON), stderr for
 * "logitscope: FILE: what: detail" errors; every untrusted string passes
 * through the display transform (display.h). Return values are exit codes
 * (status.h). */
#ifndef LS_CLI_H
#define LS_CLI_H

#include <stdio.h>

/* Dispatch: argv[1] is the command name. Returns an exit code, or -1 if
 * argv[1] is not a command (a FILE for the explorer). A bare word that is
 * neither a command nor an existing file is an unknown command (exit 2). */
int cli_main(int argc, char **argv);

/* Usage text for `logitscope --help`. */
void cli_usage(FILE *f);

#endif
