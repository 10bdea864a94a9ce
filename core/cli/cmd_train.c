/* cmd_train.c: `logitscope train CORPUS... -o MODEL`: learn a BPE
 * vocabulary and an n-gram model from text and write a model file. The
 * summary on stdout is deterministic (no timings), so it is a golden. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/model_cli.h"
#include "model/lm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS_CAP (1ull << 30)

/* Every corpus file, joined by '\n' (a document never spans two files). */
static int read_corpora(const struct cli_opts *o, char **text, size_t *len, struct ls_error *err)
{
    char *all = NULL;
    size_t n = 0;
    for (int i = 0; i < o->n_files; i++) {
        unsigned char *b;
        size_t l;
        int rc = lm_read_whole(o->files[i], CORPUS_CAP, "corpus", &b, &l, err);
        char *na = rc ? NULL : realloc(all, n + l + 1);
        if (!rc && !na) rc = ls_oom(err);
        if (rc) { free(b); free(all); ls_error_prefix(err, o->files[i]); return rc; }
        all = na;
        memcpy(all + n, b, l);
        n += l;
        all[n++] = '\n';
        free(b);
    }
    *text = all;
    *len = n;
    return LS_OK;
}

static void report(const struct cli_opts *o, const struct model_cli *mc, const struct lm *m, size_t bytes)
{
    if (o->json) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "model", mc->output);
        cJSON_AddNumberToObject(d, "vocab_size", m->ng.V);
        cJSON_AddNumberToObject(d, "order", m->ng.order);
        cJSON_AddNumberToObject(d, "corpus_bytes", (double)bytes);
        cJSON *ng = cJSON_AddArrayToObject(d, "ngrams");
        for (uint32_t n = 1; n <= m->ng.order; n++) cJSON_AddItemToArray(ng, cJSON_CreateNumber((double)ngram_count(&m->ng, n)));
        cJSON_AddStringToObject(d, "description", m->description);
        cli_print_json(d);
        return;
    }
    printf("trained %s: %u tokens (byte-level BPE), order %u, from %zu bytes of text\n", mc->output, m->ng.V, m->ng.order, bytes);
    printf("distinct n-grams:");
    for (uint32_t n = 1; n <= m->ng.order; n++) printf(" %u:%llu", n, (unsigned long long)ngram_count(&m->ng, n));
    printf("\ndiscounts:");
    for (uint32_t n = 1; n <= m->ng.order; n++) printf(" %u:%.3f", n, m->ng.discount[n]);
    printf("\n");
}

static int train(struct model_cmd *c)
{
    const struct cli_opts *o = &c->o;
    const struct model_cli *mc = &c->mc;
    char *text = NULL;
    size_t len = 0;
    int rc = read_corpora(o, &text, &len, &c->err);
    struct lm m;
    memset(&m, 0, sizeof m);
    struct lm_train_opts to = { o->src.vocab_size ? o->src.vocab_size : LM_DEFAULT_VOCAB,
                                mc->order > 0 ? (uint32_t)mc->order : LM_DEFAULT_ORDER, model_cli_progress, NULL };
    if (!rc && (rc = lm_train(text, len, &to, &m, &c->err)) == LS_EDATA)
        ls_error_prefix(&c->err, o->n_files == 1 ? o->files[0] : "corpus");
    if (!rc && (rc = lm_save(&m, mc->output, &c->err)) != 0) ls_error_prefix(&c->err, mc->output);
    if (!rc) report(o, mc, &m, len);
    free(text);
    lm_free(&m);
    return rc;
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct model_cmd c;
    int rc = model_cmd_begin(argc, argv, "train", self->help, 0, &c);
    if (!rc && !c.o.n_files) rc = ls_fail(&c.err, LS_EUSAGE, "train: no CORPUS file (see --help)");
    if (!rc && !c.mc.output) rc = ls_fail(&c.err, LS_EUSAGE, "train: no output file (-o MODEL)");
    if (!rc) rc = train(&c);
    return model_cmd_end(&c, rc);
}

const struct cli_command cli_cmd_train = {
    "train", run, "learn a model (BPE + n-gram) from text files: train CORPUS... -o MODEL",
    "usage: logitscope train CORPUS... -o MODEL [--vocab-size N] [--order N] [--json]\n"
    "Learn the built-in model from UTF-8 text (one document per line; at most 4 files):\n"
    "a byte-level BPE vocabulary of N tokens (default 4096; fewer when the text runs\n"
    "out of repeated pairs) and an interpolated Kneser-Ney n-gram model of order N\n"
    "(1..6, default 4). A progress bar goes to stderr when it is a terminal. MODEL is\n"
    "written atomically. Empty or binary (NUL bytes) text is refused (exit 4).\n",
};
