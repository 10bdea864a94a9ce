/* commands.h: one headless command, as the dispatcher's table holds it.
 *
 * Each cmd_*.c defines one `const struct cli_command`; cli.c lists them and
 * is the only place that knows which commands exist (dispatch, the command
 * list of `logitscope --help`, the "unknown command" message). A command
 * computes its document first and renders it (text or --json) second. */
#ifndef LS_COMMANDS_H
#define LS_COMMANDS_H

struct cli_command {
    const char *name;
    /* argc/argv start at the command name; returns an exit code (status.h) */
    int (*run)(int argc, char **argv, const struct cli_command *self);
    const char *summary;   /* one line for `logitscope --help` */
    const char *help;      /* `logitscope NAME --help` */
};

extern const struct cli_command cli_cmd_show, cli_cmd_sample, cli_cmd_info, cli_cmd_eval,
    cli_cmd_sweep, cli_cmd_diff, cli_cmd_train, cli_cmd_generate, cli_cmd_dump, cli_cmd_dataset;

#endif
