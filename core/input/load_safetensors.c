/* load_safetensors.c: safetensors files read in place (formats.md 11,
 * robustness.md 3.2).
 *
 * Every rule of the reference reader (safetensors/src/tensor.rs) is applied
 * before any data is touched:
 *   - at least 8 bytes; header length N <= 100,000,000 and 8 + N <= file
 *     size (checked before allocating N bytes);
 *   - the header is UTF-8 and a JSON object (leading/trailing whitespace
 *     allowed: writers pad with spaces); no NUL bytes;
 *   - __metadata__, if present, maps strings to strings;
 *   - no duplicate tensor names (cJSON would silently keep both; other
 *     readers keep the last: a polyglot risk);
 *   - every entry has a known dtype, a shape of integers in [0, 2^53] and
 *     data_offsets [BEGIN, END] of integers in [0, 2^53] with BEGIN <= END;
 *   - END - BEGIN == prod(shape) * bits(dtype) / 8 (checked arithmetic;
 *     sub-byte totals that are not whole bytes are an error);
 *   - sorted by offsets the tensors start at 0 and tile the buffer with no
 *     gap and no overlap, and the last END + 8 + N equals the file size.
 * The chosen tensor (--tensor NAME, default: the first F32/F16/BF16/F64 in
 * header order) must have shape [V], [steps, V] or [1, steps, V]; its data
 * is then read step by step with pread (binsrc.h). */
#include "input/binsrc.h"
#include "base/fileio.h"
#include "base/json_util.h"
#include "input/source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ST_MAX_HEADER 100000000ull
#define ST_MAX_DIMS 16
#define ST_INT_MAX 9007199254740992.0 /* 2^53 */

struct st_tensor {
    const char *name;
    uint64_t begin, end;
    unsigned bits;
    int ndim;
    uint64_t dims[ST_MAX_DIMS];
    const char *dtype;
    int float_kind;           /* 1 if F32/F16/BF16/F64 */
    enum hf_dtype hf;
    int order;                /* position in the header */
};

static const struct { const char *name; unsigned bits; int hf; } st_dtypes[] = {
    {"F32", 32, HF_F32}, {"F16", 16, HF_F16}, {"BF16", 16, HF_BF16}, {"F64", 64, HF_F64},
    {"BOOL", 8, -1}, {"U8", 8, -1}, {"I8", 8, -1}, {"I16", 16, -1}, {"U16", 16, -1},
    {"I32", 32, -1}, {"U32", 32, -1}, {"I64", 64, -1}, {"U64", 64, -1}, {"C64", 64, -1},
    {"F8_E5M2", 8, -1}, {"F8_E4M3", 8, -1}, {"F8_E8M0", 8, -1}, {"F8_E4M3FNUZ", 8, -1},
    {"F8_E5M2FNUZ", 8, -1}, {"F6_E2M3", 6, -1}, {"F6_E3M2", 6, -1}, {"F4", 4, -1},
};

static int cmp_name(const void *a, const void *b)
{
    const struct st_tensor *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static int cmp_off(const void *a, const void *b)
{
    const struct st_tensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* An integer in [0, 2^53]: returns 1, or 0 with why[] saying what is wrong. */
static int get_uint(const cJSON *v, uint64_t *out, char *why, size_t whysz)
{
    if (!cJSON_IsNumber(v)) { snprintf(why, whysz, "%s is not a number", v ? json_type_name(v) : "missing"); return 0; }
    double d = v->valuedouble;
    if (!isfinite(d)) { snprintf(why, whysz, "not a finite number"); return 0; }
    if (d < 0) { snprintf(why, whysz, "%.17g is negative", d); return 0; }
    if (floor(d) != d) { snprintf(why, whysz, "%.17g is not an integer", d); return 0; }
    if (d > ST_INT_MAX) { snprintf(why, whysz, "%.17g exceeds 2^53", d); return 0; }
    *out = (uint64_t)d;
    return 1;
}

static int valid_utf8(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; }
        else { *bad = i; return 0; }
        if (n - i <= k) { *bad = i; return 0; }
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) { *bad = i; return 0; }
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
            *bad = i;
            return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* Display name for messages: at most 80 bytes (escaped later by the printer). */
#define NM(t) (int)(strlen(t) > 80 ? 80 : strlen(t)), (t)

static int parse_tensor(const cJSON *e, struct st_tensor *t, struct ls_error *err)
{
    const char *nm = e->string;
    if (!cJSON_IsObject(e))
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': expected an object, got %s", NM(nm), json_type_name(e));
    const cJSON *dt = NULL, *sh = NULL, *of = NULL, *c;
    cJSON_ArrayForEach(c, e) {
        if (!c->string) continue;
        if (!strcmp(c->string, "dtype")) { if (dt) goto dup; dt = c; }
        else if (!strcmp(c->string, "shape")) { if (sh) goto dup; sh = c; }
        else if (!strcmp(c->string, "data_offsets")) { if (of) goto dup; of = c; }
        else return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': unknown field '%.40s'", NM(nm), c->string);
    }
    if (!cJSON_IsString(dt)) return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': dtype: expected a string", NM(nm));
    if (!cJSON_IsArray(sh)) return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': shape: expected an array", NM(nm));
    if (!cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets: expected [BEGIN, END]", NM(nm));
    t->name = nm;
    t->dtype = dt->valuestring;
    t->bits = 0;
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (!strcmp(dt->valuestring, st_dtypes[i].name)) {
            t->bits = st_dtypes[i].bits;
            t->float_kind = st_dtypes[i].hf >= 0;
            if (t->float_kind) t->hf = (enum hf_dtype)st_dtypes[i].hf;
        }
    if (!t->bits)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': unknown dtype '%.20s'", NM(nm), dt->valuestring);
    t->ndim = 0;
    uint64_t count = 1;
    cJSON_ArrayForEach(c, sh) {
        uint64_t d;
        char why[64];
        if (!get_uint(c, &d, why, sizeof why))
            return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': shape: dimension %d: %s", NM(nm), t->ndim, why);
        if (t->ndim >= ST_MAX_DIMS)
            return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': shape: more than %d dimensions", NM(nm), ST_MAX_DIMS);
        t->dims[t->ndim++] = d;
        if (!u64_mul(count, d, &count))
            return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': shape: element count overflows", NM(nm));
    }
    char why[64];
    if (!get_uint(of->child, &t->begin, why, sizeof why))
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets: begin %s", NM(nm), why);
    if (!get_uint(of->child->next, &t->end, why, sizeof why))
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets: end %s", NM(nm), why);
    if (t->end < t->begin)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets: end %llu < begin %llu", NM(nm),
                       (unsigned long long)t->end, (unsigned long long)t->begin);
    uint64_t bits;
    if (!u64_mul(count, t->bits, &bits))
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': size overflows", NM(nm));
    if (bits % 8)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': %llu elements of %s are not a whole number of bytes",
                       NM(nm), (unsigned long long)count, t->dtype);
    if (bits / 8 != t->end - t->begin)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets [%llu, %llu] hold %llu bytes but shape x dtype needs %llu",
                       NM(nm), (unsigned long long)t->begin, (unsigned long long)t->end,
                       (unsigned long long)(t->end - t->begin), (unsigned long long)(bits / 8));
    return LS_OK;
dup:
    return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': duplicate field '%.40s'", NM(nm), c->string);
}

int load_safetensors(const char *path, const struct source_opts *opts, struct source **out, struct ls_error *err)
{
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    char *hdr = NULL;
    cJSON *root = NULL;
    struct st_tensor *ts = NULL, *sorted = NULL;
    unsigned char n8[8];
    if (size < 8) { rc = ls_fail(err, LS_EDATA, "safetensors: file too short (%llu bytes) for the 8-byte header length", (unsigned long long)size); goto fail; }
    if ((rc = file_pread_exact(fd, n8, 8, 0, err))) goto fail;
    uint64_t N = 0;
    for (int i = 7; i >= 0; i--) N = (N << 8) | n8[i];
    if (N == 0) { rc = ls_fail(err, LS_EDATA, "safetensors: header length invalid: 0"); goto fail; }
    if (N > size - 8) {
        rc = ls_fail(err, LS_EDATA, "safetensors: header length invalid: %llu exceeds the %llu bytes after it",
                     (unsigned long long)N, (unsigned long long)(size - 8));
        goto fail;
    }
    if (N > ST_MAX_HEADER) {
        rc = ls_fail(err, LS_ELIMIT, "safetensors: header length %llu exceeds the limit of %llu bytes",
                     (unsigned long long)N, ST_MAX_HEADER);
        goto fail;
    }
    hdr = malloc((size_t)N + 1);
    if (!hdr) { rc = ls_fail(err, LS_ELIMIT, "out of memory for a %llu-byte header", (unsigned long long)N); goto fail; }
    if ((rc = file_pread_exact(fd, hdr, (size_t)N, 8, err))) goto fail;
    hdr[N] = 0;
    size_t bad;
    if (memchr(hdr, 0, (size_t)N)) {
        rc = ls_fail(err, LS_EDATA, "safetensors header: NUL byte at header offset %zu", (size_t)((char *)memchr(hdr, 0, (size_t)N) - hdr));
        goto fail;
    }
    if (!valid_utf8((const unsigned char *)hdr, (size_t)N, &bad)) {
        rc = ls_fail(err, LS_EDATA, "safetensors header: not valid UTF-8 at header offset %zu", bad);
        goto fail;
    }
    size_t k = 0;
    while (k < N && (hdr[k] == ' ' || hdr[k] == '\t' || hdr[k] == '\n' || hdr[k] == '\r')) k++;
    if (k == N || hdr[k] != '{') { rc = ls_fail(err, LS_EDATA, "safetensors header: not a JSON object (must start with '{')"); goto fail; }
    if ((rc = json_parse(hdr, (size_t)N, JSON_LITERALS_REJECT, &root, NULL, err))) {
        ls_error_prefix(err, "safetensors header");
        goto fail;
    }
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) n++;
    ts = calloc((size_t)n + 1, sizeof *ts);
    sorted = calloc((size_t)n + 1, sizeof *sorted);
    if (!ts || !sorted) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
    int nt = 0, seen_meta = 0;
    cJSON_ArrayForEach(e, root) {
        if (!e->string) continue;
        if (!strcmp(e->string, "__metadata__")) {
            if (seen_meta) { rc = ls_fail(err, LS_EDATA, "safetensors header: duplicate __metadata__"); goto fail; }
            seen_meta = 1;
            if (!cJSON_IsObject(e)) { rc = ls_fail(err, LS_EDATA, "safetensors header: __metadata__: expected an object of strings"); goto fail; }
            const cJSON *m;
            cJSON_ArrayForEach(m, e)
                if (!cJSON_IsString(m)) {
                    rc = ls_fail(err, LS_EDATA, "safetensors header: __metadata__: value of '%.*s' is %s, not a string",
                                 NM(m->string ? m->string : ""), json_type_name(m));
                    goto fail;
                }
            continue;
        }
        ts[nt].order = nt;
        if ((rc = parse_tensor(e, &ts[nt], err))) goto fail;
        nt++;
    }
    memcpy(sorted, ts, (size_t)nt * sizeof *ts);
    qsort(sorted, (size_t)nt, sizeof *sorted, cmp_name);
    for (int i = 1; i < nt; i++)
        if (!strcmp(sorted[i - 1].name, sorted[i].name)) {
            rc = ls_fail(err, LS_EDATA, "safetensors header: duplicate tensor name '%.*s'", NM(sorted[i].name));
            goto fail;
        }
    qsort(sorted, (size_t)nt, sizeof *sorted, cmp_off);
    uint64_t pos = 0;
    for (int i = 0; i < nt; i++) {
        if (sorted[i].begin != pos) {
            if (i == 0)
                rc = ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets start at %llu, but the buffer must start at 0",
                             NM(sorted[i].name), (unsigned long long)sorted[i].begin);
            else if (sorted[i].begin > pos)
                rc = ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': gap: data starts at %llu but '%.*s' ends at %llu",
                             NM(sorted[i].name), (unsigned long long)sorted[i].begin, NM(sorted[i - 1].name), (unsigned long long)pos);
            else
                rc = ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': overlap: data starts at %llu inside '%.*s' (ends at %llu)",
                             NM(sorted[i].name), (unsigned long long)sorted[i].begin, NM(sorted[i - 1].name), (unsigned long long)pos);
            goto fail;
        }
        pos = sorted[i].end;
    }
    uint64_t buf_size = size - 8 - N;
    if (pos != buf_size) {
        if (pos > buf_size)
            rc = ls_fail(err, LS_EDATA, "safetensors: truncated: tensors need %llu bytes of data, the file has %llu",
                         (unsigned long long)pos, (unsigned long long)buf_size);
        else
            rc = ls_fail(err, LS_EDATA, "safetensors: %llu bytes of trailing data after the last tensor (ends at %llu of %llu)",
                         (unsigned long long)(buf_size - pos), (unsigned long long)pos, (unsigned long long)buf_size);
        goto fail;
    }
    const struct st_tensor *pick = NULL;
    if (opts && opts->tensor) {
        for (int i = 0; i < nt; i++)
            if (!strcmp(ts[i].name, opts->tensor)) pick = &ts[i];
        if (!pick) {
            char names[200] = "";
            size_t o = 0;
            for (int i = 0; i < nt && o + 4 < sizeof names; i++) {
                int w = snprintf(names + o, sizeof names - o, "%s%.40s", i ? ", " : "", ts[i].name);
                if (w < 0) break;
                o += (size_t)w;
            }
            rc = ls_fail(err, LS_EUSAGE, "--tensor: no tensor named '%.80s' (tensors: %s)", opts->tensor, nt ? names : "none");
            goto fail;
        }
        if (!pick->float_kind) {
            rc = ls_fail(err, LS_EDATA, "safetensors: tensor '%.*s' has dtype %s: expected F32, F16, BF16 or F64 logits",
                         NM(pick->name), pick->dtype);
            goto fail;
        }
    } else {
        for (int i = 0; i < nt && !pick; i++)
            if (ts[i].float_kind) pick = &ts[i];
        if (!pick) { rc = ls_fail(err, LS_EDATA, "safetensors: no F32, F16, BF16 or F64 tensor in the file"); goto fail; }
    }
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail; }
    b->fd = fd;
    fd = -1;
    b->base = 8 + N + pick->begin;
    b->dt = pick->hf;
    char what[160];
    snprintf(what, sizeof what, "safetensors: tensor '%.*s': shape", NM(pick->name));
    if ((rc = binsrc_shape(pick->dims, pick->ndim, &b->n_steps, &b->V, what, err))) { binsrc_free(b); goto fail; }
    char chosen[100];
    snprintf(chosen, sizeof chosen, "%.*s", NM(pick->name));
    int several = 0;
    for (int i = 0; i < nt; i++) if (ts[i].float_kind && &ts[i] != pick) several = 1;
    rc = binsrc_make_source(path, "safetensors", b, out, err);
    if (!rc && several && !(opts && opts->tensor))
        source_warn(*out, "safetensors: several float tensors; showing '%s' (choose with --tensor NAME)", chosen);
fail:
    if (fd >= 0) close(fd);
    cJSON_Delete(root);
    free(hdr);
    free(ts);
    free(sorted);
    return rc;
}
