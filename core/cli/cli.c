/* cli.c: the command table and the dispatcher (see cli.h). The only file
 * that knows which commands exist; it calls them and nothing calls back. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "input/formats.h"
#include "input/source_args.h"
#include "sampling/params_table.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct cli_command *const commands[] = {
    &cli_cmd_show, &cli_cmd_sample, &cli_cmd_info, &cli_cmd_eval, &cli_cmd_sweep, &cli_cmd_diff,
    &cli_cmd_train, &cli_cmd_generate, &cli_cmd_dump, &cli_cmd_dataset,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char chain_help[] =
    "\nchain options (every command):\n"
    "  --temperature T, -t T   divide logits by T; 0 = greedy (default 1 = off)\n"
    "  --top-k K, -k K         keep the K most likely (default 0 = off)\n"
    "  --top-p P, -p P         keep the smallest set with mass >= P, crossing token included (default 1 = off)\n"
    "  --min-p M               keep p >= M * p_max (default 0 = off)\n"
    "  --chain hf|llama.cpp|vllm|LIST   stage order and tie rules (default hf);\n"
    "                          LIST: comma-separated stages, e.g. top-k,temperature,top-p\n"
    "  --defaults llama.cpp|hf|vllm     that system's default values and chain order;\n"
    "                          explicit --chain and parameter options win\n"
    "  --exact                 double precision and ties by lowest id (the clean reference);\n"
    "                          without it a preset reproduces its system's float32 sums,\n"
    "                          sorts and tie order, and says when those alone decided\n"
    "  --seed S                PRNG seed (xoshiro256**; default 42; always reported)\n"
    "  --step N                0-based step (default 0)\n"
    "  --top N|all             tokens listed by show (default 20)\n"
    "  --vocab FILE            token texts: tokenizer.json, GGUF, JSON array, or one per line\n"
    "  --json                  one JSON document on stdout\n"
    "  --allow-nonfinite       treat NaN/+inf logits as masked instead of an error\n"
    "  --raw                   token text unescaped in table output to a file or pipe\n"
    "                          (a terminal always gets escapes)\n";
static const char exit_help[] =
    "\nexit codes: 0 ok, 2 usage, 3 cannot open/read, 4 invalid or unsupported data,\n"
    "            5 resource limit, 70 internal error, 130 interrupted (dataset eval)\n"
    "\nThe explorer's keys: `logitscope --help-keys` (and its help overlay); see also man logitscope.\n";

void cli_usage(FILE *f)
{
    fputs("usage: logitscope [FILE]              the explorer (no FILE: the built-in model, live)\n"
          "       logitscope COMMAND FILE [opts]\n\ncommands:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
    fputs(chain_help, f);
    /* the other samplers' options, from the parameter table */
    for (int i = PARAM_MIN_P + 1; i < PARAM__COUNT; i++) {
        const struct param_def *d = param_def((enum param_id)i);
        char opt[40];
        snprintf(opt, sizeof opt, "--%s %s", d->name, d->is_int ? "N" : "X");
        fprintf(f, "  %-23s %s\n", opt, d->help);
    }
    for (int i = 0; i < LPARAM__COUNT; i++) {   /* the list parameters (given as text) */
        const struct list_param_def *d = list_param_def((enum list_param_id)i);
        char opt[48];
        snprintf(opt, sizeof opt, "--%s%s", d->name, i == LPARAM_LOGIT_BIAS ? " LIST" : "");
        fprintf(f, "  %-23s %s\n", opt, d->help);
    }
    fputs(" ", f);   /* the input options, from their table (source_args.h), but --vocab (above) */
    for (size_t i = 0; source_arg_at(i); i++)
        if (source_arg_at(i)->which != SOPT_VOCAB)
            fprintf(f, "%s --%s %s", i ? "," : "", source_arg_at(i)->name, source_arg_at(i)->metavar);
    fputs("\n", f);
    char names[256];   /* the format registry's names (default: detected from the content) */
    input_format_names(names, sizeof names);
    fprintf(f, "  --format NAME: %s\n", names);
    fputs(exit_help, f);
}

/* A word like a command name (lower-case letters and '-'), not a path. */
static int looks_like_command(const char *w)
{
    if (!*w) return 0;
    for (const char *p = w; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '-')) return 0;
    return *w != '-';
}

static int unknown_command(const char *w)
{
    fprintf(stderr, "logitscope: unknown command '%s' (commands:", w);
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(stderr, " %s", commands[i]->name);
    fputs("; a FILE opens the explorer; see --help)\n", stderr);
    return 2;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) return -1;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i]->name)) return commands[i]->run(argc - 1, argv + 1, commands[i]);
    struct stat sb;
    if (looks_like_command(argv[1]) && stat(argv[1], &sb) != 0) return unknown_command(argv[1]);
    return -1;
}
