/* main.c: the logitscope binary: headless commands or the explorer. */
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* numbers are always read and written with '.' */
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) { cli_usage(stdout); return 0; }
    if (argc >= 2 && !strcmp(argv[1], "--version")) { puts("logitscope 0.1.0"); return 0; }
    int rc = cli_main(argc, argv);
    if (rc >= 0) return rc;
    /* explorer: until the TUI lands, print the distribution */
    char show[] = "show", demo[] = "samples/demo.json";
    char *av[] = { show, argc >= 2 ? argv[1] : demo, NULL };
    return cmd_show(2, av);
}
