/* tokenizer_json.c: Hugging Face tokenizer.json vocabularies (formats.md 14)
 * and the token-text decoding shared with GGUF (vocab_fmt.h).
 *
 * id -> text comes from model.vocab (BPE / WordPiece / WordLevel: an object
 * {token: id}; Unigram: an array of [piece, score] whose index is the id)
 * overridden by added_tokens [{id, content}]. Ids may have gaps: a missing
 * id is a gap in the vocabulary and shows as "<id N>", like unknown ids. The table is sized
 * max_id + 1, and max_id may not exceed 4 x the token count + 65536 (a few
 * entries with huge ids must not force a huge allocation). Added tokens are
 * literal text and are kept as they are; model tokens are decoded per the
 * tokenizer's style (byte-level BPE if the pre-tokenizer or decoder is
 * ByteLevel; SentencePiece if Metaspace / a Replace of "▁" / ByteFallback
 * is used or the model is Unigram). */
#include "input/vocab_fmt.h"
#include "base/json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decoding ---- */

static int bl_inverse(uint32_t cp)
{
    /* bytes mapped to themselves: 0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF */
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF)) return (int)cp;
    if (cp < 0x100 || cp >= 0x100 + 68) return -1;
    uint32_t n = cp - 0x100, k = 0;
    for (int b = 0; b < 256; b++) {
        int self = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (self) continue;
        if (k++ == n) return b;
    }
    return -1;
}

/* Decode one UTF-8 code point; 0 on invalid. */
static size_t utf8_cp(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t k;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { k = 1; *cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { k = 2; *cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 3; *cp = c & 0x07; }
    else return 0;
    if (n <= k) return 0;
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xC0) != 0x80) return 0;
        *cp = (*cp << 6) | (s[j] & 0x3F);
    }
    return k + 1;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int32_t vocab_add_decoded(struct vocab *v, const char *s, size_t n, enum tok_style st)
{
    if (st == TOK_PLAIN || n == 0) return vocab_add(v, s, n);
    char small[256];
    char *out = n <= sizeof small ? small : malloc(n);
    if (!out) return -1;
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    if (st == TOK_BYTELEVEL) {
        size_t i = 0;
        while (i < n) {
            uint32_t cp;
            size_t k = utf8_cp(u + i, n - i, &cp);
            int b = k ? bl_inverse(cp) : -1;
            if (b < 0) { memcpy(out, s, n); o = n; break; }  /* fallback: raw bytes */
            out[o++] = (char)b;
            i += k;
        }
    } else {
        if (n == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' && s[5] == '>' && hexv(s[3]) >= 0 && hexv(s[4]) >= 0) {
            out[o++] = (char)(hexv(s[3]) * 16 + hexv(s[4]));
        } else {
            for (size_t i = 0; i < n;) {
                if (i + 3 <= n && u[i] == 0xE2 && u[i + 1] == 0x96 && u[i + 2] == 0x81) { out[o++] = ' '; i += 3; }
                else out[o++] = s[i++];
            }
        }
    }
    int32_t id = vocab_add(v, out, o);
    if (out != small) free(out);
    return id;
}

/* ---- tokenizer.json ---- */

static int type_is(const cJSON *o, const char *t)
{
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(o, "type");
    return cJSON_IsString(ty) && !strcmp(ty->valuestring, t);
}

/* Does component o (or a Sequence of them under `list`) have type t?
 * For "Replace", match a pattern of "▁". */
static int has_part(const cJSON *o, const char *list, const char *t)
{
    if (!cJSON_IsObject(o)) return 0;
    if (type_is(o, t)) {
        if (strcmp(t, "Replace")) return 1;
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "pattern");
        const cJSON *str = cJSON_GetObjectItemCaseSensitive(p, "String");
        return cJSON_IsString(str) && !strcmp(str->valuestring, "\xE2\x96\x81");
    }
    if (type_is(o, "Sequence")) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, list), *c;
        cJSON_ArrayForEach(c, arr) if (has_part(c, list, t)) return 1;
    }
    return 0;
}

struct slot { const char *s; size_t n; int added; };

static int get_id(const cJSON *v, uint32_t *id)
{
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d >= LS_VOCAB_MAX_TOKENS || floor(d) != d) return 0;
    *id = (uint32_t)d;
    return 1;
}

/* How the tokenizer spells bytes: byte-level (GPT-2), SentencePiece, plain. */
static enum tok_style tok_style_of(const cJSON *root, const cJSON *model)
{
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(root, "decoder");
    const cJSON *bf = cJSON_GetObjectItemCaseSensitive(model, "byte_fallback");
    if (has_part(pre, "pretokenizers", "ByteLevel") || has_part(dec, "decoders", "ByteLevel")) return TOK_BYTELEVEL;
    if (has_part(pre, "pretokenizers", "Metaspace") || has_part(dec, "decoders", "Metaspace") ||
        has_part(dec, "decoders", "Replace") || has_part(dec, "decoders", "ByteFallback") ||
        type_is(model, "Unigram") || cJSON_IsTrue(bf))
        return TOK_SPM;
    return TOK_PLAIN;
}

/* Pass 1: every entry valid; the largest id and the number of entries. */
static int scan_ids(const cJSON *vocab, const cJSON *added, uint32_t *max_id, uint64_t *count,
                    struct ls_error *err)
{
    const cJSON *t;
    char p[64];
    uint32_t idx = 0;
    *max_id = 0;
    *count = 0;
    cJSON_ArrayForEach(t, vocab) (*count)++;
    if (cJSON_IsArray(added)) cJSON_ArrayForEach(t, added) (*count)++;
    if (*count == 0) return ls_fail(err, LS_EDATA, "tokenizer.json: model.vocab is empty");
    cJSON_ArrayForEach(t, vocab) {
        uint32_t id = idx;
        if (cJSON_IsObject(vocab) && !get_id(t, &id)) {
            snprintf(p, sizeof p, "model.vocab[\"%.24s\"]", t->string ? t->string : "");
            return ls_fail(err, LS_EDATA, "tokenizer.json: %s: expected an id in [0, %u)", p, LS_VOCAB_MAX_TOKENS);
        }
        if (!cJSON_IsObject(vocab) && (!cJSON_IsArray(t) || !cJSON_IsString(t->child))) {
            snprintf(p, sizeof p, "model.vocab[%u]", idx);
            return ls_fail(err, LS_EDATA, "tokenizer.json: %s: expected [piece, score]", p);
        }
        if (id > *max_id) *max_id = id;
        idx++;
    }
    idx = 0;
    if (cJSON_IsArray(added)) cJSON_ArrayForEach(t, added) {
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(t, "content");
        uint32_t id;
        if (!cJSON_IsObject(t) || !get_id(cJSON_GetObjectItemCaseSensitive(t, "id"), &id) || !cJSON_IsString(ct)) {
            snprintf(p, sizeof p, "added_tokens[%u]", idx);
            return ls_fail(err, LS_EDATA, "tokenizer.json: %s: expected {\"id\": N, \"content\": \"...\"}", p);
        }
        if (id > *max_id) *max_id = id;
        idx++;
    }
    if ((uint64_t)*max_id >= *count * 4 + 65536)
        return ls_fail(err, LS_EDATA, "tokenizer.json: token ids go up to %u for only %llu tokens", *max_id, (unsigned long long)*count);
    return LS_OK;
}

/* Pass 2: slots[id] = the piece (added tokens win), then into v in id order. */
static int fill_slots(const cJSON *vocab, const cJSON *added, uint32_t max_id, enum tok_style st,
                      struct vocab *v, struct ls_error *err)
{
    struct slot *slots = calloc((size_t)max_id + 1, sizeof *slots);
    if (!slots) return ls_oom(err);
    const cJSON *t;
    uint32_t idx = 0;
    cJSON_ArrayForEach(t, vocab) {
        uint32_t id = idx;
        const char *s = cJSON_IsObject(vocab) ? t->string : t->child->valuestring;
        if (cJSON_IsObject(vocab)) get_id(t, &id);
        if (s) { slots[id].s = s; slots[id].n = strlen(s); slots[id].added = 0; }
        idx++;
    }
    if (cJSON_IsArray(added)) cJSON_ArrayForEach(t, added) {
        uint32_t id = 0;
        get_id(cJSON_GetObjectItemCaseSensitive(t, "id"), &id);
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(t, "content");
        slots[id].s = ct->valuestring;
        slots[id].n = strlen(ct->valuestring);
        slots[id].added = 1;
    }
    int rc = LS_OK;
    for (uint32_t i = 0; i <= max_id && !rc; i++) {
        int32_t r = !slots[i].s ? vocab_add_unknown(v)
                                : vocab_add_decoded(v, slots[i].s, slots[i].n, slots[i].added ? TOK_PLAIN : st);
        if (r < 0) rc = ls_fail(err, LS_ELIMIT, "too many tokens or out of memory");
    }
    free(slots);
    return rc;
}

int vocab_load_tokenizer_json(char *buf, size_t len, struct vocab *v, struct ls_error *err)
{
    cJSON *root = NULL;
    int rc = json_parse(buf, len, JSON_LITERALS_REJECT, &root, NULL, err);
    if (rc) { ls_error_prefix(err, "tokenizer.json"); return rc; }
    struct json_ctx jc = { buf, len };
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    uint32_t max_id;
    uint64_t count;
    if (!cJSON_IsObject(model))
        rc = ls_fail(err, LS_EDATA, "JSON object is not a tokenizer.json (no \"model\" object; a vocabulary is a tokenizer.json, a JSON array of strings, a GGUF file or one token per line)");
    else if (!cJSON_IsObject(vocab) && !cJSON_IsArray(vocab))
        rc = json_expect(&jc, vocab, cJSON_Object | cJSON_Array, "object or array", "model.vocab", err);
    else if (added && !cJSON_IsNull(added))
        rc = json_expect(&jc, added, cJSON_Array, "array", "added_tokens", err);
    if (!rc && !(rc = scan_ids(vocab, added, &max_id, &count, err)))
        rc = fill_slots(vocab, added, max_id, tok_style_of(root, model), v, err);
    cJSON_Delete(root);
    return rc;
}
