/* formats.c: the format registry and the front door, source_open (see
 * formats.h and source.h).
 *
 * The table below is the only list of format names and the only place that
 * names the loaders. Order matters within a stage: the first detector that
 * claims the content wins. Binary signatures (formats.md 0.3):
 *   "\x93NUMPY"          npy
 *   "PK\x03\x04"         npz (zip)
 *   "_logits_"           kld (llama-perplexity KL-divergence base)
 *   u64 LE N, then '{'   safetensors (a heuristic, so last; whitespace may
 *                        come before the '{')
 * With no format named, files that are not logits are refused with what to
 * do instead (unsupported.h): a torch.save zip before the signatures (it is
 * a zip, not an npz); legacy torch.save, pickles, GGUF and any other binary
 * head after them, when no signature matched.
 * JSON, per response object: steps[] native (which must be the only
 * value), completion_probabilities[] llama.cpp, details.tokens[] tgi,
 * logprobs[] beside response/message/done ollama, then the OpenAI shapes
 * told apart by their choices (json_api.h: api_choices_shape). */
#include "input/formats.h"
#include "base/fileio.h"
#include "input/binsrc.h"
#include "input/json_docs.h"
#include "input/sparse.h"
#include "input/unsupported.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROW(nm, stage, sniff, open, read, close, summary) \
    { nm, summary, stage, sniff, open, { nm, read, close }, 0 }
/* a row whose arrays may be batched [B, steps, V] */
#define ROW_B(nm, stage, sniff, open, read, close, summary) \
    { nm, summary, stage, sniff, open, { nm, read, close }, 1 }

static const struct input_format formats[] = {
    ROW("native", IN_TEXT, native_sniff, load_native, native_read_step, native_close,
        "logitscope's JSON dump: {\"steps\": [{\"logits\": [...]}]}, full distributions"),
    ROW("llama.cpp", IN_ITEMS, llamacpp_sniff, load_llamacpp, sp_read_step, sp_close,
        "llama.cpp server completion_probabilities (top-N)"),
    ROW("tgi", IN_ITEMS, tgi_sniff, load_tgi, sp_read_step, sp_close,
        "Hugging Face TGI details.tokens / top_tokens (top-N)"),
    ROW("ollama", IN_ITEMS, ollama_sniff, load_ollama, sp_read_step, sp_close,
        "Ollama native API logprobs (top-N)"),
    ROW("openai-chat", IN_ITEMS, openai_chat_sniff, load_openai_chat, sp_read_step, sp_close,
        "OpenAI Chat Completions logprobs.content, also vLLM and /v1 endpoints (top-N)"),
    ROW("openai-completions", IN_ITEMS, openai_completions_sniff, load_openai_completions, sp_read_step, sp_close,
        "OpenAI legacy Completions logprobs.tokens, vLLM prompt_logprobs (top-N)"),
    ROW_B("npy", IN_BYTES, npy_sniff, load_npy, binsrc_source_read, binsrc_source_close,
        "NumPy .npy array [V], [steps, V] or [1, steps, V]"),
    ROW_B("npz", IN_BYTES, npz_sniff, load_npz, binsrc_source_read, binsrc_source_close,
        "NumPy .npz archive of .npy arrays"),
    ROW("kld", IN_BYTES, kld_sniff, load_kld, kld_read_step, kld_close,
        "llama-perplexity KL-divergence base file"),
    ROW_B("safetensors", IN_BYTES, safetensors_sniff, load_safetensors, binsrc_source_read, binsrc_source_close,
        "safetensors tensor [V], [steps, V] or [1, steps, V]"),
    ROW("raw", IN_BYTES, NULL, load_raw, binsrc_source_read, binsrc_source_close,
        "headerless float array; only when named, with the vocabulary size"),
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

size_t input_format_count(void) { return N_FORMATS; }

const struct input_format *input_format_at(size_t i)
{
    return i < N_FORMATS ? &formats[i] : NULL;
}

const struct input_format *input_format_find(const char *name)
{
    for (size_t i = 0; name && i < N_FORMATS; i++)
        if (!strcmp(formats[i].name, name)) return &formats[i];
    return NULL;
}

void input_format_names(char *buf, size_t bufsz)
{
    size_t o = 0;
    if (bufsz) buf[0] = 0;
    for (size_t i = 0; i < N_FORMATS && o < bufsz; i++) {
        int w = snprintf(buf + o, bufsz - o, "%s%s", i ? ", " : "", formats[i].name);
        if (w < 0) break;
        o += (size_t)w;
    }
}

int input_format_unknown(const char *name, const struct source_opts *opts, struct ls_error *err)
{
    char names[256], flag[32];
    input_format_names(names, sizeof names);
    const char *f = source_opt_flag(opts, SOPT_FORMAT, NULL, flag, sizeof flag);
    return ls_fail(err, LS_EUSAGE, "%s%sunknown format '%.40s' (formats: %s)", f ? f : "", f ? ": " : "",
                   name, names);
}

const struct input_format *input_format_detect(const struct input_probe *p)
{
    for (size_t i = 0; i < N_FORMATS; i++) {
        const struct input_format *f = &formats[i];
        if (!f->sniff || (f->stage == IN_BYTES) != !p->text) continue;
        if (f->sniff(p)) return f;
    }
    return NULL;
}

/* The responses' format: the first response a JSON row claims decides.
 * *nolp: some response has choices but no logprobs. */
static int detect_items(struct json_docs *d, const char *text, size_t len, const struct input_format **f,
                        int *nolp, struct ls_error *err)
{
    struct input_probe p = { NULL, 0, 0, text, len, NULL };
    *nolp = 0;
    *f = NULL;
    for (size_t i = 0; i < d->n_items; i++) {
        const struct api_item *it;
        int rc = json_docs_item(d, i, &it, err);
        if (rc) return rc;
        p.item = it->node;
        if ((*f = input_format_detect(&p))) return LS_OK;
        if (cJSON_IsObject(p.item) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p.item, "choices")))
            *nolp = 1;
    }
    return LS_OK;
}

/* Why no row claimed the responses (or why the one that did cannot be used). */
static int not_loadable(struct json_docs *d, const struct input_format *f, int nolp,
                        const struct source_opts *opts, struct ls_error *err)
{
    if (f)
        return ls_fail(err, LS_EDATA, "a logitscope dump ({\"steps\": [...]}) must be the only JSON value in the file");
    if (nolp)
        return ls_fail(err, LS_EDATA, "the response has no logprobs (the request needs logprobs: true, or logprobs: N for legacy completions)");
    const char *fu = source_opt_usage(opts, SOPT_FORMAT);
    const struct api_item *first = NULL;
    int rc = d->n_items ? json_docs_item(d, 0, &first, err) : LS_OK;
    if (!rc && first) rc = input_refuse_json(first->node, opts, err);
    if (rc) return rc;
    return ls_fail(err, LS_EDATA, "unrecognised JSON: expected a logitscope dump ({\"steps\": [...]}) or an API "
                   "response with logprobs (OpenAI chat or completions, llama.cpp completion_probabilities, "
                   "TGI details, Ollama logprobs)%s%s%s", fu ? "; " : "", fu ? fu : "", fu ? " chooses one" : "");
}

/* The row opts->format names, which must read JSON; *f = NULL if none named. */
static int named_json(const struct source_opts *opts, const struct input_format **f, struct ls_error *err)
{
    *f = NULL;
    if (!opts->format) return LS_OK;
    if (!(*f = input_format_find(opts->format))) return input_format_unknown(opts->format, opts, err);
    if ((*f)->stage == IN_BYTES)
        return ls_fail(err, LS_EUSAGE, "format '%.40s' is not a JSON format", opts->format);
    return LS_OK;
}

/* The layout's warnings (json_docs_warnings), one source warning each. */
static void docs_warn(struct source *s, const struct json_docs *d)
{
    char w[512];
    json_docs_warnings(d, w, sizeof w);
    for (char *l = w, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
        if ((nl = strchr(l, '\n'))) *nl = 0;
        source_warn(s, "%s", l);
    }
}

/* A loader's own result ran out of memory (its "out of memory" names no
 * figure): what matters is the file's, the README's "about 3x" of it. */
static int oom_figure(int rc, size_t len, struct ls_error *err)
{
    if (rc == LS_ELIMIT && err && err->oom) json_oom_fail(len, 0, err);
    return rc;
}

int source_open_text(const char *path, char *text, size_t len, const struct source_opts *opts,
                     struct source **out, struct ls_error *err)
{
    struct source_opts def = {0};
    if (!opts) opts = &def;
    *out = NULL;
    const struct input_format *f;
    int rc = named_json(opts, &f, err), nolp = 0;
    if (rc) return rc;
    struct input_probe p = { NULL, 0, len, text, len, NULL };
    if (!f) f = input_format_detect(&p);
    struct input_job j = { path, opts, f ? &f->ops : NULL, text, len, NULL, 0 };
    if (f && f->stage == IN_TEXT) return oom_figure(f->open(&j, out, err), len, err);
    struct json_docs d;
    if ((rc = json_docs_parse(text, len, &d, err))) goto done;
    if (!f && (rc = detect_items(&d, text, len, &f, &nolp, err))) goto done;
    if (!f || f->stage != IN_ITEMS) {
        rc = not_loadable(&d, f, nolp, opts, err);
        goto done;
    }
    j.ops = &f->ops;
    j.docs = &d;
    j.n_items = d.n_items;
    rc = f->open(&j, out, err);
    if (rc == LS_OK) docs_warn(*out, &d);
    if (rc == LS_OK && json_has_u0000(text, len))
        source_warn(*out, "the file has \\u0000 escapes: cJSON cuts strings there, so token text without a bytes array may be truncated");
done:
    json_docs_free(&d);
    return oom_figure(rc, len, err);
}

/* A JSON file: read whole (capped), then source_open_text. */
static int open_json_file(const char *path, uint64_t size, const struct source_opts *opts,
                          struct source **out, struct ls_error *err)
{
    uint64_t cap = opts->json_cap ? opts->json_cap : LS_JSON_CAP_DEFAULT;
    char flag[48];
    const char *cf = source_opt_flag(opts, SOPT_JSON_CAP, NULL, flag, sizeof flag);
    if (size > cap)
        return ls_fail(err, LS_ELIMIT, "file too large: %llu bytes exceeds the limit of %llu bytes%s%s%s",
                       (unsigned long long)size, (unsigned long long)cap,
                       cf ? " (raise it with " : " for JSON input", cf ? cf : "", cf ? ")" : "");
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read_all(path, cap, cf ? cf : "a larger JSON size limit", &buf, &len, err);
    if (rc == LS_OK) rc = source_open_text(path, buf, len, opts, out, err);
    free(buf);
    return rc;
}

/* Replace the file's vocabulary with the one opts names, warning when its
 * size differs from V; its messages name the vocabulary file. */
static int attach_vocab(struct source *s, const struct source_opts *opts, struct ls_error *err)
{
    if (!opts->vocab_path) return LS_OK;
    if (s->local_ids || s->file_id) {
        char flag[32];
        source_warn(s, s->local_ids ? "%s ignored: this file identifies tokens by their text, not by model ids"
                                    : "%s ignored: this file's token ids are numbered compactly (its texts are used)",
                    source_opt_flag(opts, SOPT_VOCAB, "the vocabulary file", flag, sizeof flag));
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

/* A batch row asked of a format without [B, steps, V] arrays is refused,
 * not ignored. The formats it applies to come from the table. */
static int batch_row_applies(const char *path, const struct source *s, const struct source_opts *opts,
                             struct ls_error *err)
{
    const struct input_format *f = input_format_find(s->ops->format);
    if (!opts->has_batch_row || !f || f->batched) return LS_OK;
    char names[96] = "", flag[32];
    size_t o = 0;
    for (size_t i = 0; i < N_FORMATS && o < sizeof names; i++)
        if (formats[i].batched)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", o ? ", " : "", formats[i].name);
    return ls_fail(err, LS_EUSAGE, "%s applies to [B, S, V] arrays (%s); %s is %s",
                   source_opt_flag(opts, SOPT_BATCH_ROW, "a batch row", flag, sizeof flag), names, path, f->name);
}

/* The file's size and first bytes. */
static int read_head(const char *path, unsigned char *head, size_t cap, struct input_probe *p,
                     struct ls_error *err)
{
    int fd;
    int rc = file_open_regular(path, &fd, &p->size, err);
    if (rc) return rc;
    p->head = head;
    p->head_len = p->size < cap ? (size_t)p->size : cap;
    rc = file_pread_exact(fd, head, p->head_len, 0, err);
    close(fd);
    return rc;
}

int source_open(const char *path, const struct source_opts *opts,
                struct source **out, struct ls_error *err)
{
    struct source_opts def = {0};
    if (!opts) opts = &def;
    *out = NULL;
    unsigned char head[512] = {0};   /* room for a zip member's name, a padded safetensors header */
    struct input_probe p = { NULL, 0, 0, NULL, 0, NULL };
    const struct input_format *f = NULL;
    int rc = read_head(path, head, sizeof head, &p, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    if (opts->format) {
        if (!(f = input_format_find(opts->format))) return input_format_unknown(opts->format, opts, err);
    } else if (p.size == 0) {
        rc = ls_fail(err, LS_EDATA, "empty file");
        ls_error_prefix(err, path);
        return rc;
    } else if (!(rc = input_refuse_binary(&p, opts, 1, err)) && !(f = input_format_detect(&p))) {
        rc = input_refuse_binary(&p, opts, 0, err);
    }
    if (rc) { ls_error_prefix(err, path); return rc; }
    struct input_job j = { path, opts, f ? &f->ops : NULL, NULL, 0, NULL, 0 };
    if (f && f->stage == IN_BYTES) rc = f->open(&j, out, err);
    else rc = open_json_file(path, p.size, opts, out, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    (*out)->file_size = p.size;
    if ((rc = batch_row_applies(path, *out, opts, err)) || (rc = attach_vocab(*out, opts, err))) {
        source_close(*out);
        *out = NULL;
    }
    return rc;
}
