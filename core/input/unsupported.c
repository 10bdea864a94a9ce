/* unsupported.c: known files that are not logits, and binary heads no
 * format claims (see unsupported.h; formats.md 12, 14, 15). */
#include "input/unsupported.h"
#include "base/json_util.h"

#include <stdio.h>
#include <string.h>

/* Conversion advice for a PyTorch tensor t. */
#define TORCH_ADVICE "its tensors are described by a Python pickle, which logitscope never runs; " \
    "save the tensor as .npy with np.save(path, t.float().numpy()), or as safetensors with " \
    "safetensors.torch.save_file({\"logits\": t}, path)"

/* torch.save since PyTorch 1.6: a zip whose first member is "<dir>/data.pkl"
 * (formats.md 12); the local header's name is at offset 30. */
static int torch_zip(const struct input_probe *p)
{
    if (!probe_magic(p, "PK\x03\x04", 4) || p->head_len < 30) return 0;
    size_t nl = (size_t)p->head[26] | (size_t)p->head[27] << 8;
    if (nl < 9 || 30 + nl > p->head_len) return 0;
    const char *name = (const char *)p->head + 30;
    return !memcmp(name + nl - 9, "/data.pkl", 9) && memchr(name, '/', nl) == name + nl - 9;
}

/* Legacy torch.save: pickle protocol 2 whose first object is the magic
 * number 0x1950a86a20f9469cfc6c (a 10-byte LONG1). */
static int torch_legacy(const struct input_probe *p)
{
    static const unsigned char m[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };
    return probe_magic(p, (const char *)m, sizeof m);
}

/* A pickle stream: PROTO opcode with protocol 2..5. */
static int pickle(const struct input_probe *p)
{
    return p->head_len >= 3 && p->head[0] == 0x80 && p->head[1] >= 2 && p->head[1] <= 5;
}

static int gguf(const struct input_probe *p) { return probe_magic(p, "GGUF", 4); }

static const struct {
    int (*is)(const struct input_probe *p);
    const char *what;        /* "a ...: not supported: why" */
    int vocab;               /* 1: a vocabulary; the message says how to use it */
    int first;               /* 1: asked before the formats' detectors (a zip that is not an npz) */
} kinds[] = {
    { torch_zip, "a PyTorch torch.save file (zip format): not supported: " TORCH_ADVICE, 0, 1 },
    { torch_legacy, "a PyTorch torch.save file (legacy format, before PyTorch 1.6): not supported: " TORCH_ADVICE, 0, 0 },
    { pickle, "a Python pickle: not supported: loading a pickle runs code the file names, and it holds Python "
              "objects, not an array; save the array with np.save(path, a) or as safetensors", 0, 0 },
    { gguf, "a GGUF model file: it holds a vocabulary, not logits", 1, 0 },
};

/* "use it as the vocabulary of a logit file (--vocab FILE)" */
static int vocab_advice(const char *what, const struct source_opts *opts, struct ls_error *err)
{
    const char *vu = source_opt_usage(opts, SOPT_VOCAB);
    return ls_fail(err, LS_EDATA, "%s: use it as the vocabulary of a logit file%s%s%s", what,
                   vu ? " (" : "", vu ? vu : "", vu ? ")" : "");
}

/* Text heads (JSON, SSE, JSON Lines, UTF-16 JSON) go to the JSON path, whose
 * messages name the problem (NUL byte at offset N, UTF-16); a head with
 * control bytes before its first JSON character is binary. */
static int looks_binary(const struct input_probe *p)
{
    const unsigned char *h = p->head;
    size_t n = p->head_len, i = 0;
    if (n >= 2 && ((h[0] == 0xFF && h[1] == 0xFE) || (h[0] == 0xFE && h[1] == 0xFF))) return 0;
    if (n >= 2 && h[0] == 0 && (h[1] == '{' || h[1] == '[')) return 0;   /* UTF-16BE JSON, no BOM */
    if (n >= 3 && !memcmp(h, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < n && strchr(" \t\r\n", h[i]) && h[i]) i++;
    if (i < n && strchr("{[:dei", h[i]) && h[i]) return 0;   /* JSON, SSE (data:, event:, id:, :) */
    for (size_t k = 0; k < n && k < 64; k++)
        if (h[k] == 0 || h[k] == 0x7f || (h[k] < 0x20 && !strchr("\t\r\n\f", h[k]))) return 1;
    return 0;
}

/* An unknown binary head: its first bytes, and what to try. */
static int unknown_binary(const struct input_probe *p, const struct source_opts *opts, struct ls_error *err)
{
    char hex[3 * 8 + 1] = "", fl[32], fmt[96] = "", vs[80] = "";
    for (size_t i = 0, o = 0; i < 8 && i < p->head_len; i++, o = strlen(hex))
        snprintf(hex + o, sizeof hex - o, "%s%02x", i ? " " : "", p->head[i]);
    const char *ff = source_opt_flag(opts, SOPT_FORMAT, NULL, fl, sizeof fl);
    const char *vu = source_opt_usage(opts, SOPT_VOCAB_SIZE), *vo = source_opt_usage(opts, SOPT_VOCAB);
    if (ff && vu) snprintf(fmt, sizeof fmt, " (%s raw %s)", ff, vu);
    if (p->size % 4 == 0) snprintf(vs, sizeof vs, "; its %llu bytes are %llu float32 values",
                                   (unsigned long long)p->size, (unsigned long long)p->size / 4);
    return ls_fail(err, LS_EDATA, "binary data in no format logitscope knows (it starts with %s; not npy, npz, "
                   "safetensors, a KL-divergence base file or JSON). Headerless float32 logits: read them as "
                   "raw with the vocabulary size%s%s. A vocabulary (GGUF, tokenizer.json) goes with a logit "
                   "file%s%s%s. A Python pickle is not supported (loading one runs code the file names)", hex, fmt, vs, vo ? " (" : "", vo ? vo : "", vo ? ")" : "");
}

int input_refuse_binary(const struct input_probe *p, const struct source_opts *opts, int first,
                        struct ls_error *err)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].first != first || !kinds[i].is(p)) continue;
        if (kinds[i].vocab) return vocab_advice(kinds[i].what, opts, err);
        return ls_fail(err, LS_EDATA, "%s", kinds[i].what);
    }
    return !first && looks_binary(p) ? unknown_binary(p, opts, err) : LS_OK;
}

int input_refuse_json(const struct cJSON *item, const struct source_opts *opts, struct ls_error *err)
{
    const cJSON *m = cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "model") : NULL;
    if (!cJSON_IsObject(m) || !(cJSON_GetObjectItemCaseSensitive(item, "added_tokens") ||
                                cJSON_GetObjectItemCaseSensitive(m, "vocab")))
        return LS_OK;
    return vocab_advice("a Hugging Face tokenizer.json: it holds a vocabulary, not logits", opts, err);
}
