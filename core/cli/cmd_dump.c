/* cmd_dump.c: `logitscope dump --prompt TEXT -o OUT.json|OUT.npy`: one
 * continuation from a model, written as a dump every other command reads.
 *
 * OUT.json is the native JSON format (input/load_native_json.c): the
 * vocabulary (token bytes as JSON strings; the 128 single-byte tokens
 * 0x80..0xFF are raw bytes, not UTF-8 on their own), one step per generated
 * token with the full raw logits (%.9g: float32 round-trips) and the chosen
 * token, and "meta" naming the model, prompt, chain and seed. OUT.npy is a
 * float32 (steps, V) array (no vocabulary: pass --vocab to read it with
 * token texts). The file is written atomically. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/model_cli.h"
#include "base/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_DEFAULT_MAX 48

static void json_bytes(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7F) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void dump_meta(FILE *f, const struct cli_opts *o, const struct model_cli *mc, const struct model *m)
{
    const char *p = mc->prompt ? mc->prompt : "";
    char ch[128];
    chain_format(&o->chain, ch, sizeof ch);
    fputs("{\"meta\":{\"generator\":\"logitscope dump\",\"model\":", f);
    json_bytes(f, m->name, strlen(m->name));
    fputs(",\"description\":", f);
    json_bytes(f, m->description, strlen(m->description));
    fputs(",\"prompt\":", f);
    json_bytes(f, p, strlen(p));
    fprintf(f, ",\"chain\":\"%s\",\"preset\":\"%s\",\"seed\":%llu,\"continuations_are\":\"generated\"},\n\"vocab\":[",
            ch, preset_name(o->chain.preset), (unsigned long long)o->seed);
    for (uint32_t i = 0; i < m->V; i++) {
        size_t l = 0;
        const char *t = vocab_get(m->vocab, (int32_t)i, &l);
        if (i) fputc(',', f);
        json_bytes(f, t ? t : "", t ? l : 0);
    }
    fputs("],\n\"steps\":[\n", f);
}

static void dump_json(FILE *f, const struct cli_opts *o, const struct model_cli *mc, const struct model *m,
                      const struct gen_cont *c)
{
    dump_meta(f, o, mc, m);
    for (uint32_t s = 0; s < c->n; s++) {
        const float *z = c->logits + (size_t)s * m->V;
        fputs(s ? ",\n{\"logits\":[" : "{\"logits\":[", f);
        for (uint32_t i = 0; i < m->V; i++) fprintf(f, i ? ",%.9g" : "%.9g", (double)z[i]);
        size_t l = 0;
        const char *t = vocab_get(m->vocab, c->ids[s], &l);
        fprintf(f, "],\"token\":%d,\"text\":", c->ids[s]);
        json_bytes(f, t ? t : "", t ? l : 0);
        fputc('}', f);
    }
    fputs("\n]}\n", f);
}

static void dump_npy(FILE *f, const struct model *m, const struct gen_cont *c)
{
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%u, %u), }", c->n, m->V);
    int total = 10 + n + 1, pad = (64 - total % 64) % 64;
    unsigned hl = (unsigned)(n + pad + 1);
    fputs("\x93NUMPY", f);
    fputc(1, f); fputc(0, f);
    fputc((int)(hl & 0xFF), f); fputc((int)(hl >> 8), f);
    fprintf(f, "%s%*s\n", hdr, pad, "");
    for (size_t i = 0; i < (size_t)c->n * m->V; i++) {
        uint32_t b;
        memcpy(&b, &c->logits[i], 4);
        unsigned char x[4] = { (unsigned char)b, (unsigned char)(b >> 8), (unsigned char)(b >> 16), (unsigned char)(b >> 24) };
        fwrite(x, 1, 4, f);
    }
}

static int write_dump(const struct cli_opts *o, const struct model_cli *mc, const struct model *m,
                      const struct gen_cont *c, struct ls_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return ls_oom(err);
    size_t ol = strlen(mc->output);
    int npy = ol >= 4 && !strcmp(mc->output + ol - 4, ".npy");
    if (npy) dump_npy(f, m, c);
    else dump_json(f, o, mc, m, c);
    int bad = ferror(f);
    fclose(f);
    int rc = bad ? ls_oom(err) : file_write_atomic(mc->output, buf, len, err);
    if (rc && !bad) ls_error_prefix(err, mc->output);
    free(buf);
    if (!rc && !o->json)
        printf("wrote %s: %u steps x V = %u (%s), continuation: %u tokens, %s\n", mc->output, c->n, m->V,
               npy ? "npy float32" : "native JSON", c->n, gen_end_name(c->end));
    return rc;
}

/* Continuation 0 with every step's logits kept. */
static int dump(struct model_cmd *c)
{
    struct gen_ws ws;
    struct gen_cont cont = {0};
    struct gen_request r;
    if (gen_ws_init(&ws, c->m->V)) return ls_oom(&c->err);
    model_cli_request(&c->o, &c->mc, c->prompt, c->np, DUMP_DEFAULT_MAX, &r);
    r.keep_logits = 1;
    gen_begin(&cont, &r, 0);
    int rc = gen_run(c->m, &r, &cont, &ws, &c->err);
    if (!rc && !cont.n) rc = ls_fail(&c->err, LS_EDATA, "the model generated no token (nothing to dump)");
    if (!rc) rc = write_dump(&c->o, &c->mc, c->m, &cont, &c->err);
    gen_cont_free(&cont);
    gen_ws_free(&ws);
    return rc;
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct model_cmd c;
    int rc = model_cmd_begin(argc, argv, "dump", self->help, 0, &c);
    if (!rc && !c.mc.output) rc = ls_fail(&c.err, LS_EUSAGE, "dump: no output file (-o OUT.json or OUT.npy)");
    if (!rc) rc = model_cmd_open(&c, "dump");
    if (!rc) rc = dump(&c);
    return model_cmd_end(&c, rc);
}

const struct cli_command cli_cmd_dump = {
    "dump", run, "write a model's continuation of --prompt as a dump (-o OUT.json|OUT.npy)",
    "usage: logitscope dump [--model MODEL] --prompt TEXT [--max-tokens M] -o OUT.json|OUT.npy\n"
    "                       [chain options] [--seed S]\n"
    "Generate one continuation (at most M tokens, default 48; chain and seed as for\n"
    "generate: continuation 0) and write what the model produced: the full raw logits\n"
    "of every step, the chosen tokens and the vocabulary, in logitscope's native JSON\n"
    "format, or as a float32 (steps, V) .npy array (no vocabulary). Every command\n"
    "reads the result. The file is replaced atomically.\n",
};
