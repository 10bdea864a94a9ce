/* main.c: the logitscope binary: headless commands (core/cli.c) or the
 * explorer (tui/app.c). Hidden: --bench-frames (make bench). */
#include "actions.h"
#include "app.h"
#include "commands.h"
#include "cli/cli.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    /* what the code relies on, whatever the parent left: SIGCHLD ignored
     * would make waitpid fail (ECHILD) and lose an evaluator's exit status;
     * SIGPIPE kills a headless command writing into a closed pipe quietly
     * (the explorer ignores it itself, signals.c) */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* numbers are always read and written with '.' */
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) { cli_usage(stdout); return 0; }
    if (argc >= 2 && !strcmp(argv[1], "--version")) { puts("logitscope 0.1.0"); return 0; }
    if (argc >= 2 && !strncmp(argv[1], "--help-keys", 11)) {
        const char *fmt = argv[1][11] == '=' ? argv[1] + 12 : "text";
        if (strcmp(fmt, "text") && strcmp(fmt, "md") && strcmp(fmt, "man")) {
            fputs("logitscope: --help-keys[=text|md|man]\n", stderr);
            return 2;
        }
        actions_print(stdout, &actions_builtin, fmt);
        return 0;
    }
    if (argc >= 2 && !strncmp(argv[1], "--help-commands", 15)) {
        const char *fmt = argv[1][15] == '=' ? argv[1] + 16 : "text";
        if (strcmp(fmt, "text") && strcmp(fmt, "md")) {
            fputs("logitscope: --help-commands[=text|md]\n", stderr);
            return 2;
        }
        commands_print(stdout, fmt);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--bench-frames")) return bench_frames(argc - 1, argv + 1);
    int rc = cli_main(argc, argv);
    if (rc >= 0) return rc;
    return app_main(argc, argv);
}
