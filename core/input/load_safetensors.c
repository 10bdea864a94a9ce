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
 * The chosen tensor (the tensor option, default: the first F32/F16/BF16/F64
 * in header order) must have shape [V], [steps, V] or [1, steps, V]; its data
 * is then read step by step with pread (binsrc.h). */
#include "input/binsrc.h"
#include "base/display.h"
#include "base/fileio.h"
#include "base/json_util.h"
#include "input/loader.h"
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

/* u64 LE header length N at 0, N < file size, then '{' at byte 8. */
int safetensors_sniff(const struct input_probe *p)
{
    if (p->head_len < 9) return 0;
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = (hl << 8) | p->head[i];
    /* not bounded by the file size: a header length past the end is a broken
     * safetensors file (the loader says so), not a reason to try JSON; the
     * four high bytes are zero in any real file, never in JSON text */
    if (hl < 2 || hl >= (1ull << 32)) return 0;
    size_t i = 8;   /* leading JSON whitespace is allowed (writers that page-align the data) */
    while (i < p->head_len && i - 8 < hl && strchr(" \t\r\n", p->head[i]) && p->head[i]) i++;
    return i < p->head_len && p->head[i] == '{';
}

/* The header text: length checked against the file and the cap, then read
 * and checked for NUL, UTF-8 and a leading '{'. *hdr is NUL-terminated. */
static int st_read_header(int fd, uint64_t size, char **hdr, uint64_t *hlen, struct ls_error *err)
{
    unsigned char n8[8];
    if (size < 8)
        return ls_fail(err, LS_EDATA, "safetensors: file too short (%llu bytes) for the 8-byte header length", (unsigned long long)size);
    int rc = file_pread_exact(fd, n8, 8, 0, err);
    if (rc) return rc;
    uint64_t N = 0;
    for (int i = 7; i >= 0; i--) N = (N << 8) | n8[i];
    if (N == 0) return ls_fail(err, LS_EDATA, "safetensors: header length invalid: 0");
    if (N > size - 8)
        return ls_fail(err, LS_EDATA, "safetensors: header length invalid: %llu exceeds the %llu bytes after it",
                       (unsigned long long)N, (unsigned long long)(size - 8));
    if (N > ST_MAX_HEADER)
        return ls_fail(err, LS_ELIMIT, "safetensors: header length %llu exceeds the limit of %llu bytes",
                       (unsigned long long)N, ST_MAX_HEADER);
    char *h = malloc((size_t)N + 1);
    if (!h) return ls_fail(err, LS_ELIMIT, "out of memory for a %llu-byte header", (unsigned long long)N);
    *hdr = h;
    *hlen = N;
    if ((rc = file_pread_exact(fd, h, (size_t)N, 8, err))) return rc;
    h[N] = 0;
    size_t k = 0;
    const char *nul = memchr(h, 0, (size_t)N);
    if (nul) return ls_fail(err, LS_EDATA, "safetensors header: NUL byte at header offset %zu", (size_t)(nul - h));
    long bad = utf8_invalid_at(h, (size_t)N); /* the one strict decoder (base/display.h) */
    if (bad >= 0) return ls_fail(err, LS_EDATA, "safetensors header: not valid UTF-8 at header offset %ld", bad);
    while (k < N && (h[k] == ' ' || h[k] == '\t' || h[k] == '\n' || h[k] == '\r')) k++;
    if (k == N || h[k] != '{') return ls_fail(err, LS_EDATA, "safetensors header: not a JSON object (must start with '{')");
    return LS_OK;
}

static int check_metadata(const cJSON *e, int *seen_meta, struct ls_error *err)
{
    if (*seen_meta) return ls_fail(err, LS_EDATA, "safetensors header: duplicate __metadata__");
    *seen_meta = 1;
    if (!cJSON_IsObject(e)) return ls_fail(err, LS_EDATA, "safetensors header: __metadata__: expected an object of strings");
    const cJSON *m;
    cJSON_ArrayForEach(m, e)
        if (!cJSON_IsString(m))
            return ls_fail(err, LS_EDATA, "safetensors header: __metadata__: value of '%.*s' is %s, not a string",
                           NM(m->string ? m->string : ""), json_type_name(m));
    return LS_OK;
}

/* Parse the header into *ts (nt entries in header order, calloc'd). */
static int st_parse_header(char *hdr, uint64_t N, cJSON **root, struct st_tensor **ts, int *nt,
                           struct ls_error *err)
{
    int rc = json_parse(hdr, (size_t)N, JSON_LITERALS_REJECT, root, NULL, err);
    if (rc) { ls_error_prefix(err, "safetensors header"); return rc; }
    int n = 0, seen_meta = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, *root) n++;
    *ts = calloc((size_t)n + 1, sizeof **ts);
    if (!*ts) return ls_oom(err);
    *nt = 0;
    cJSON_ArrayForEach(e, *root) {
        if (!e->string) continue;
        if (!strcmp(e->string, "__metadata__")) {
            if ((rc = check_metadata(e, &seen_meta, err))) return rc;
            continue;
        }
        (*ts)[*nt].order = *nt;
        if ((rc = parse_tensor(e, &(*ts)[*nt], err))) return rc;
        (*nt)++;
    }
    return LS_OK;
}

static int layout_fail(const struct st_tensor *sorted, int i, uint64_t pos, struct ls_error *err)
{
    const struct st_tensor *t = &sorted[i];
    if (i == 0)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': data_offsets start at %llu, but the buffer must start at 0",
                       NM(t->name), (unsigned long long)t->begin);
    if (t->begin > pos)
        return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': gap: data starts at %llu but '%.*s' ends at %llu",
                       NM(t->name), (unsigned long long)t->begin, NM(sorted[i - 1].name), (unsigned long long)pos);
    return ls_fail(err, LS_EDATA, "safetensors header: tensor '%.*s': overlap: data starts at %llu inside '%.*s' (ends at %llu)",
                   NM(t->name), (unsigned long long)t->begin, NM(sorted[i - 1].name), (unsigned long long)pos);
}

/* Names unique; sorted by offsets the tensors tile [0, buf_size) exactly. */
static int st_check_layout(const struct st_tensor *ts, int nt, uint64_t buf_size, struct ls_error *err)
{
    struct st_tensor *sorted = calloc((size_t)nt + 1, sizeof *sorted);
    if (!sorted) return ls_oom(err);
    memcpy(sorted, ts, (size_t)nt * sizeof *ts);
    qsort(sorted, (size_t)nt, sizeof *sorted, cmp_name);
    int rc = LS_OK;
    for (int i = 1; i < nt && !rc; i++)
        if (!strcmp(sorted[i - 1].name, sorted[i].name))
            rc = ls_fail(err, LS_EDATA, "safetensors header: duplicate tensor name '%.*s'", NM(sorted[i].name));
    qsort(sorted, (size_t)nt, sizeof *sorted, cmp_off);
    uint64_t pos = 0;
    for (int i = 0; i < nt && !rc; i++) {
        if (sorted[i].begin != pos) rc = layout_fail(sorted, i, pos, err);
        pos = sorted[i].end;
    }
    free(sorted);
    if (rc || pos == buf_size) return rc;
    if (pos > buf_size)
        return ls_fail(err, LS_EDATA, "safetensors: truncated: tensors need %llu bytes of data, the file has %llu",
                       (unsigned long long)pos, (unsigned long long)buf_size);
    return ls_fail(err, LS_EDATA, "safetensors: %llu bytes of trailing data after the last tensor (ends at %llu of %llu)",
                   (unsigned long long)(buf_size - pos), (unsigned long long)pos, (unsigned long long)buf_size);
}

/* The tensor to show: the one asked for (a float tensor), else the first float one. */
static int st_pick(const struct st_tensor *ts, int nt, const struct source_opts *o,
                   const struct st_tensor **pick, struct ls_error *err)
{
    *pick = NULL;
    if (!o->tensor) {
        for (int i = 0; i < nt && !*pick; i++)
            if (ts[i].float_kind) *pick = &ts[i];
        if (!*pick) return ls_fail(err, LS_EDATA, "safetensors: no F32, F16, BF16 or F64 tensor in the file");
        return LS_OK;
    }
    for (int i = 0; i < nt; i++)
        if (!strcmp(ts[i].name, o->tensor)) *pick = &ts[i];
    if (!*pick) {
        char names[200] = "", flag[32];
        size_t n = 0;
        for (int i = 0; i < nt && n + 4 < sizeof names; i++) {
            int w = snprintf(names + n, sizeof names - n, "%s%.40s", i ? ", " : "", ts[i].name);
            if (w < 0) break;
            n += (size_t)w;
        }
        return ls_fail(err, LS_EUSAGE, "%s: no tensor named '%.80s' (tensors: %s)",
                       source_opt_flag(o, SOPT_TENSOR, "tensor", flag, sizeof flag), o->tensor, nt ? names : "none");
    }
    if (!(*pick)->float_kind)
        return ls_fail(err, LS_EDATA, "safetensors: tensor '%.*s' has dtype %s: expected F32, F16, BF16 or F64 logits",
                       NM((*pick)->name), (*pick)->dtype);
    return LS_OK;
}

/* The picked tensor as a source; warns when other float tensors were passed over. */
static int st_make_source(const struct input_job *j, int *fd, uint64_t N, const struct st_tensor *ts,
                          int nt, const struct st_tensor *pick, struct source **out, struct ls_error *err)
{
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) return ls_oom(err);
    b->fd = *fd;
    *fd = -1;
    b->base = 8 + N + pick->begin;
    b->dt = pick->hf;
    char what[160];
    snprintf(what, sizeof what, "safetensors: tensor '%.*s': shape", NM(pick->name));
    int rc = binsrc_shape(b, pick->dims, pick->ndim, j->opts, what, err);
    if (rc) { binsrc_free(b); return rc; }
    int several = 0;
    for (int i = 0; i < nt; i++) if (ts[i].float_kind && &ts[i] != pick) several = 1;
    if ((rc = binsrc_make_source(j->ops, j->path, b, out, err))) return rc;
    const char *tu = source_opt_usage(j->opts, SOPT_TENSOR);
    if (several && !j->opts->tensor)
        source_warn(*out, "safetensors: several float tensors; showing '%.*s'%s%s%s", NM(pick->name),
                    tu ? " (choose with " : "", tu ? tu : "", tu ? ")" : "");
    return LS_OK;
}

int load_safetensors(const struct input_job *j, struct source **out, struct ls_error *err)
{
    int fd;
    uint64_t size, N = 0;
    int rc = file_open_regular(j->path, &fd, &size, err);
    if (rc) return rc;
    char *hdr = NULL;
    cJSON *root = NULL;
    struct st_tensor *ts = NULL;
    const struct st_tensor *pick;
    int nt = 0;
    if (!(rc = st_read_header(fd, size, &hdr, &N, err)) &&
        !(rc = st_parse_header(hdr, N, &root, &ts, &nt, err)) &&
        !(rc = st_check_layout(ts, nt, size - 8 - N, err)) &&
        !(rc = st_pick(ts, nt, j->opts, &pick, err)))
        rc = st_make_source(j, &fd, N, ts, nt, pick, out, err);
    if (fd >= 0) close(fd);
    cJSON_Delete(root);
    free(hdr);
    free(ts);
    return rc;
}
