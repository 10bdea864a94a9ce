/* cmd_diff.c: PLACEHOLDER until its issue lands. */
#include "cli.h"

int cmd_diff(int argc, char **argv)
{
    (void)argc; (void)argv;
    fputs("logitscope: diff: not implemented yet\n", stderr);
    return LS_EINTERNAL;
}
