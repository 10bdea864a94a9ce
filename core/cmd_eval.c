/* cmd_eval.c: PLACEHOLDER until its issue lands. */
#include "cli.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc; (void)argv;
    fputs("logitscope: eval: not implemented yet\n", stderr);
    return LS_EINTERNAL;
}
