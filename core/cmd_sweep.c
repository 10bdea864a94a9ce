/* cmd_sweep.c: PLACEHOLDER until its issue lands. */
#include "cli.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc; (void)argv;
    fputs("logitscope: sweep: not implemented yet\n", stderr);
    return LS_EINTERNAL;
}
