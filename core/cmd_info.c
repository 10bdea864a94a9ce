/* cmd_info.c: PLACEHOLDER until its issue lands. */
#include "cli.h"

int cmd_info(int argc, char **argv)
{
    (void)argc; (void)argv;
    fputs("logitscope: info: not implemented yet\n", stderr);
    return LS_EINTERNAL;
}
