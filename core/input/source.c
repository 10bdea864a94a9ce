/* source.c: opening a step source, format detection, shared helpers.
 *
 * Detection is by content, never by file name (formats.md 0.3):
 *   "\x93NUMPY"          .npy
 *   "PK\x03\x04"         .npz (zip)
 *   "_logits_"           llama-perplexity --kl-divergence-base
 *   u64 LE N, then '{'   safetensors
 *   '{' / '[' (after whitespace / UTF-8 BOM)   JSON family
 * Raw float32 has no signature: only with --format raw. */
#include "input/source.h"
#include "base/fileio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const source_format_names[] = {
    "native", "openai-chat", "openai-completions", "llama.cpp", "tgi", "ollama",
    "npy", "npz", "safetensors", "kld", "raw", NULL
};

struct source *source_alloc(const struct source_ops *ops, const char *path)
{
    struct source *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ops = ops;
    s->path = strdup(path ? path : "");
    if (!s->path) { free(s); return NULL; }
    s->dtype = "f32";
    return s;
}

void source_warn(struct source *s, const char *fmt, ...)
{
    size_t o = strlen(s->warnings);
    if (o + 2 >= sizeof s->warnings) return;
    if (o) s->warnings[o++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->warnings + o, sizeof s->warnings - o, fmt, ap);
    va_end(ap);
}

void source_close(struct source *s)
{
    if (!s) return;
    if (s->ops && s->ops->close) s->ops->close(s);
    vocab_free(s->vocab);
    free(s->path);
    free(s);
}

int source_read_step(struct source *s, uint32_t step, float *logits,
                     struct step_info *info, struct ls_error *err)
{
    if (step >= s->n_steps)
        return ls_fail(err, LS_EUSAGE, "step %u out of range (file has %u step%s, 0-based)",
                       step, s->n_steps, s->n_steps == 1 ? "" : "s");
    memset(info, 0, sizeof *info);
    info->token = -1;
    return s->ops->read_step(s, step, logits, info, err);
}

int source_attach_vocab(struct source *s, const struct source_opts *opts, struct ls_error *err)
{
    if (!opts || !opts->vocab_path) return LS_OK;
    if (s->local_ids) {
        source_warn(s, "--vocab ignored: this file identifies tokens by their text, not by model ids");
        return LS_OK;
    }
    struct vocab *v = NULL;
    int rc = vocab_load(opts->vocab_path, &v, err);
    if (rc) return rc;
    vocab_free(s->vocab);
    s->vocab = v;
    if (v->n != s->vocab_size)
        source_warn(s, "vocabulary %s has %u tokens but the logits have %u; unknown ids show as <id N>",
                    opts->vocab_path, v->n, s->vocab_size);
    return LS_OK;
}

static int sniff(const unsigned char *h, size_t n, uint64_t size)
{
    if (n >= 6 && memcmp(h, "\x93NUMPY", 6) == 0) return 'n';
    if (n >= 4 && memcmp(h, "PK\x03\x04", 4) == 0) return 'z';
    if (n >= 4 && memcmp(h, "PK\x05\x06", 4) == 0) return 'z'; /* empty zip */
    if (n >= 8 && memcmp(h, "_logits_", 8) == 0) return 'k';
    if (n >= 9) {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = (hl << 8) | h[i];
        if (hl >= 2 && hl <= size - 8 && h[8] == '{') return 's';
    }
    return 'j';
}

static int by_name(const char *f)
{
    if (!strcmp(f, "npy")) return 'n';
    if (!strcmp(f, "npz")) return 'z';
    if (!strcmp(f, "kld")) return 'k';
    if (!strcmp(f, "safetensors")) return 's';
    if (!strcmp(f, "raw")) return 'r';
    for (int i = 0; source_format_names[i]; i++)
        if (!strcmp(f, source_format_names[i])) return 'j';
    return 0;
}

int source_open(const char *path, const struct source_opts *opts,
                struct source **out, struct ls_error *err)
{
    struct source_opts def = {0};
    if (!opts) opts = &def;
    int fd;
    uint64_t size;
    int kind, rc = file_open_regular(path, &fd, &size, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    unsigned char head[16] = {0};
    size_t hn = size < sizeof head ? (size_t)size : sizeof head;
    rc = file_pread_exact(fd, head, hn, 0, err);
    close(fd);
    if (rc) { ls_error_prefix(err, path); return rc; }
    if (opts->format) {
        kind = by_name(opts->format);
        if (!kind) {
            rc = ls_fail(err, LS_EUSAGE, "--format: unknown format '%.40s'", opts->format);
            return rc;
        }
    } else if (size == 0) {
        rc = ls_fail(err, LS_EDATA, "empty file");
        ls_error_prefix(err, path);
        return rc;
    } else {
        kind = sniff(head, hn, size);
    }
    *out = NULL;
    switch (kind) {
    case 'n': rc = load_npy(path, opts, out, err); break;
    case 'z': rc = load_npz(path, opts, out, err); break;
    case 's': rc = load_safetensors(path, opts, out, err); break;
    case 'k': rc = load_kld(path, opts, out, err); break;
    case 'r': rc = load_raw(path, opts, out, err); break;
    default: {
        char *buf = NULL;
        size_t len = 0;
        uint64_t cap = opts->json_cap ? opts->json_cap : LS_JSON_CAP_DEFAULT;
        rc = file_read_all(path, cap, "--max-json-size", &buf, &len, err);
        if (rc == LS_OK) rc = load_json_any(path, buf, len, opts, out, err);
        free(buf);
    }
    }
    if (rc) { ls_error_prefix(err, path); return rc; }
    (*out)->file_size = size;
    rc = source_attach_vocab(*out, opts, err); /* its messages name the vocab file */
    if (rc) { source_close(*out); *out = NULL; }
    return rc;
}
