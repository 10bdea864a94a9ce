/* load_npy.c: NumPy .npy files read in place (formats.md 10.1,
 * robustness.md 3.1; header rules in npy.h).
 *
 * Shapes (V,), (steps, V), (1, steps, V); C or Fortran order; the data is
 * read step by step with pread (binsrc.h), never loaded whole. Policy:
 * data shorter than shape x itemsize is an error ("truncated"); extra bytes
 * after the data are ignored with a warning (NumPy ignores them silently);
 * a 0-size dimension is an error (no logits); a scalar () is refused. */
#include "input/npy.h"
#include "input/binsrc.h"
#include "base/fileio.h"
#include "input/loader.h"
#include "input/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the header dict tokenizer ---- */

struct cur {
    const char *h;
    size_t n, i;
    struct ls_error *err;
};

static void skip_ws(struct cur *c)
{
    while (c->i < c->n && (c->h[c->i] == ' ' || c->h[c->i] == '\t' || c->h[c->i] == '\n' || c->h[c->i] == '\r'))
        c->i++;
}

static int at_end(const struct cur *c) { return c->i >= c->n; }

static int fail_at(struct cur *c, const char *what)
{
    if (at_end(c)) return ls_fail(c->err, LS_EDATA, "npy header: %s, found the end of the header", what);
    unsigned char ch = (unsigned char)c->h[c->i];
    if (ch >= 0x21 && ch < 0x7F)
        return ls_fail(c->err, LS_EDATA, "npy header: %s, found '%c' at header offset %zu", what, ch, c->i);
    return ls_fail(c->err, LS_EDATA, "npy header: %s, found byte 0x%02x at header offset %zu", what, ch, c->i);
}

/* A quoted string without escapes into out (truncated to outsz-1; *len gets
 * the real length). */
static int read_str(struct cur *c, const char *key, char *out, size_t outsz, size_t *len)
{
    char q = c->h[c->i];
    size_t start = ++c->i;
    while (c->i < c->n && c->h[c->i] != q) {
        if (c->h[c->i] == '\\')
            return ls_fail(c->err, LS_EDATA, "npy header: %s: escapes in strings are not supported (header offset %zu)", key, c->i);
        if (c->h[c->i] == '\n')
            break;
        c->i++;
    }
    if (c->i >= c->n || c->h[c->i] != q)
        return ls_fail(c->err, LS_EDATA, "npy header: %s: unterminated string starting at header offset %zu", key, start - 1);
    size_t l = c->i - start;
    size_t k = l < outsz - 1 ? l : outsz - 1;
    memcpy(out, c->h + start, k);
    out[k] = 0;
    *len = l;
    c->i++;
    return LS_OK;
}

static int read_ident(struct cur *c, char *out, size_t outsz)
{
    size_t k = 0;
    while (c->i < c->n && ((c->h[c->i] >= 'A' && c->h[c->i] <= 'Z') || (c->h[c->i] >= 'a' && c->h[c->i] <= 'z') ||
                           (c->h[c->i] >= '0' && c->h[c->i] <= '9') || c->h[c->i] == '_')) {
        if (k + 1 < outsz) out[k++] = c->h[c->i];
        c->i++;
    }
    out[k] = 0;
    return (int)k;
}

static int parse_descr(struct cur *c, struct npy_info *ni)
{
    if (at_end(c)) return fail_at(c, "descr: expected a string");
    if (c->h[c->i] == '[')
        return ni->dtype_unsupported = 1,
               ls_fail(c->err, LS_EDATA, "npy header: descr: structured dtype (a list of fields) not supported: expected float logits");
    if (c->h[c->i] != '\'' && c->h[c->i] != '"') return fail_at(c, "descr: expected a string");
    size_t len;
    int rc = read_str(c, "descr", ni->descr, sizeof ni->descr, &len);
    if (rc) return rc;
    if (len >= sizeof ni->descr)
        return ls_fail(c->err, LS_EDATA, "npy header: descr: '%.20s...' is not a dtype", ni->descr);
    const char *d = ni->descr;
    char order = 0;
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=') order = *d++;
    const char *what = NULL;
    if (!strcmp(d, "f4") || !strcmp(d, "f2") || !strcmp(d, "f8")) {
        if (order == '|')
            return ls_fail(c->err, LS_EDATA, "npy header: descr: dtype '%s' has an invalid byte order '|' for a multi-byte float",
                           ni->descr);
        ni->dt = d[1] == '4' ? HF_F32 : d[1] == '2' ? HF_F16 : HF_F64;
        ni->big_endian = order == '>';
        return LS_OK;
    }
    if (!strcmp(d, "V2")) {
        if (order == '>')
            return ls_fail(c->err, LS_EDATA, "npy header: descr: dtype '%s' not supported (2-byte void read as bfloat16 must be '<V2' or '|V2')",
                           ni->descr);
        ni->dt = HF_BF16;
        ni->big_endian = 0;
        ni->void2 = 1;
        return LS_OK;
    }
    switch (*d) {
    case 'O': what = "Python objects, i.e. a pickle; logitscope never unpickles"; break;
    case 'U': what = "unicode strings"; break;
    case 'S': case 'a': what = "byte strings"; break;
    case 'V': what = "raw void bytes"; break;
    case 'i': case 'u': what = "integers"; break;
    case 'b': case '?': what = "booleans"; break;
    case 'c': what = "complex numbers"; break;
    case 'M': case 'm': what = "datetimes"; break;
    case 'f': what = "an unsupported float width"; break;
    default: what = "unknown"; break;
    }
    ni->dtype_unsupported = 1;
    return ls_fail(c->err, LS_EDATA, "npy header: descr: dtype '%s' (%s) not supported: expected <f4, <f2, <f8 (any byte order) or <V2 (bfloat16)",
                   ni->descr, what);
}

static int parse_bool(struct cur *c, struct npy_info *ni)
{
    char id[16];
    size_t at = c->i;
    if (!read_ident(c, id, sizeof id)) return fail_at(c, "fortran_order: expected True or False");
    if (!strcmp(id, "True")) ni->fortran = 1;
    else if (!strcmp(id, "False")) ni->fortran = 0;
    else return ls_fail(c->err, LS_EDATA, "npy header: fortran_order: expected True or False, got '%s' at header offset %zu", id, at);
    return LS_OK;
}

static int parse_shape(struct cur *c, struct npy_info *ni)
{
    if (at_end(c) || c->h[c->i] != '(') return fail_at(c, "shape: expected a tuple '('");
    c->i++;
    ni->ndim = 0;
    int trailing_comma = 0;
    for (;;) {
        skip_ws(c);
        if (at_end(c)) return fail_at(c, "shape: expected ')'");
        if (c->h[c->i] == ')') { c->i++; break; }
        if (ni->ndim > 0 && !trailing_comma) return fail_at(c, "shape: expected ',' or ')'");
        size_t start = c->i;
        int neg = 0;
        if (c->h[c->i] == '-') { neg = 1; c->i++; }
        if (at_end(c) || c->h[c->i] < '0' || c->h[c->i] > '9') { c->i = start; return fail_at(c, "shape: expected a non-negative integer"); }
        uint64_t v = 0;
        int big = 0;
        while (c->i < c->n && c->h[c->i] >= '0' && c->h[c->i] <= '9') {
            unsigned dg = (unsigned)(c->h[c->i] - '0');
            if (v > (UINT64_MAX - dg) / 10) big = 1;
            else v = v * 10 + dg;
            c->i++;
        }
        size_t dl = c->i - start;
        if (c->i < c->n && (c->h[c->i] == 'L' || c->h[c->i] == 'l')) c->i++;
        if (neg)
            return ls_fail(c->err, LS_EDATA, "npy header: shape: negative dimension %.*s", (int)(dl > 40 ? 40 : dl), c->h + start);
        if (big || v > ((uint64_t)1 << 62))
            return ls_fail(c->err, LS_EDATA, "npy header: shape: dimension %.*s%s is too large", (int)(dl > 40 ? 40 : dl),
                           c->h + start, dl > 40 ? "..." : "");
        if (ni->ndim >= NPY_MAXDIM)
            return ls_fail(c->err, LS_EDATA, "npy header: shape: more than %d dimensions", NPY_MAXDIM);
        ni->dims[ni->ndim++] = v;
        skip_ws(c);
        trailing_comma = 0;
        if (c->i < c->n && c->h[c->i] == ',') { c->i++; trailing_comma = 1; }
    }
    if (ni->ndim == 1 && !trailing_comma)
        return ls_fail(c->err, LS_EDATA, "npy header: shape: (%llu) is not a tuple (a 1-tuple needs a trailing comma: (%llu,))",
                       (unsigned long long)ni->dims[0], (unsigned long long)ni->dims[0]);
    return LS_OK;
}

int npy_parse_dict(const char *h, size_t n, struct npy_info *ni, struct ls_error *err)
{
    struct cur c = { h, n, 0, err };
    if (n == 0 || h[n - 1] != '\n') return ls_fail(err, LS_EDATA, "npy header: does not end with a newline");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (ch >= 0x80)
            return ls_fail(err, LS_EDATA, "npy header: non-ASCII byte 0x%02x at header offset %zu", ch, i);
        if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
            return ls_fail(err, LS_EDATA, "npy header: control byte 0x%02x at header offset %zu", ch, i);
    }
    skip_ws(&c);
    if (at_end(&c) || h[c.i] != '{') return fail_at(&c, "not a dict: expected '{'");
    c.i++;
    int seen_d = 0, seen_f = 0, seen_s = 0, rc;
    for (;;) {
        skip_ws(&c);
        if (at_end(&c)) return fail_at(&c, "expected a key or '}'");
        if (h[c.i] == '}') { c.i++; break; }
        if (h[c.i] != '\'' && h[c.i] != '"') return fail_at(&c, "expected a quoted key");
        char key[32];
        size_t kl;
        if ((rc = read_str(&c, "key", key, sizeof key, &kl))) return rc;
        int *seen = NULL;
        if (kl == 5 && !strcmp(key, "descr")) seen = &seen_d;
        else if (kl == 13 && !strcmp(key, "fortran_order")) seen = &seen_f;
        else if (kl == 5 && !strcmp(key, "shape")) seen = &seen_s;
        else return ls_fail(err, LS_EDATA, "npy header: unknown key '%.31s' (expected only 'descr', 'fortran_order', 'shape')", key);
        if (*seen) return ls_fail(err, LS_EDATA, "npy header: duplicate key '%s'", key);
        *seen = 1;
        skip_ws(&c);
        if (at_end(&c) || h[c.i] != ':') return fail_at(&c, "expected ':' after a key");
        c.i++;
        skip_ws(&c);
        if (seen == &seen_d) rc = parse_descr(&c, ni);
        else if (seen == &seen_f) rc = parse_bool(&c, ni);
        else rc = parse_shape(&c, ni);
        if (rc) return rc;
        skip_ws(&c);
        if (at_end(&c)) return fail_at(&c, "expected ',' or '}'");
        if (h[c.i] == ',') { c.i++; continue; }
        if (h[c.i] == '}') { c.i++; break; }
        return fail_at(&c, "expected ',' or '}'");
    }
    skip_ws(&c);
    if (!at_end(&c)) return fail_at(&c, "unexpected text after the dict");
    if (!seen_d) return ls_fail(err, LS_EDATA, "npy header: missing key 'descr'");
    if (!seen_f) return ls_fail(err, LS_EDATA, "npy header: missing key 'fortran_order'");
    if (!seen_s) return ls_fail(err, LS_EDATA, "npy header: missing key 'shape'");
    return LS_OK;
}

int npy_read_header(npy_read_fn rd, void *ctx, uint64_t total, struct npy_info *ni,
                    struct ls_error *err)
{
    unsigned char pre[12];
    memset(ni, 0, sizeof *ni);
    if (total < 8) {
        size_t k = (size_t)total;
        int rc = k ? rd(ctx, 0, pre, k, err) : LS_OK;
        if (rc) return rc;
        if (k < 6 || memcmp(pre, "\x93NUMPY", 6) != 0)
            return ls_fail(err, LS_EDATA, "not an npy file (no \\x93NUMPY magic)");
        return ls_fail(err, LS_EDATA, "npy: truncated before the header length (%zu bytes)", k);
    }
    size_t k = total < 12 ? (size_t)total : 12;
    int rc = rd(ctx, 0, pre, k, err);
    if (rc) return rc;
    if (memcmp(pre, "\x93NUMPY", 6) != 0) return ls_fail(err, LS_EDATA, "not an npy file (no \\x93NUMPY magic)");
    ni->major = pre[6];
    ni->minor = pre[7];
    if (ni->major < 1 || ni->major > 3 || ni->minor != 0)
        return ls_fail(err, LS_EDATA, "npy: unsupported format version %u.%u (expected 1.0, 2.0 or 3.0)", ni->major, ni->minor);
    size_t plen = ni->major == 1 ? 10 : 12;
    if (k < plen) return ls_fail(err, LS_EDATA, "npy: truncated before the header length (%zu bytes)", k);
    uint64_t hl = ni->major == 1 ? (uint64_t)(pre[8] | (pre[9] << 8))
                                 : (uint64_t)pre[8] | ((uint64_t)pre[9] << 8) | ((uint64_t)pre[10] << 16) | ((uint64_t)pre[11] << 24);
    if (hl > total - plen)
        return ls_fail(err, LS_EDATA, "npy header: truncated: length %llu runs past the end of the data (%llu bytes follow the preamble)",
                       (unsigned long long)hl, (unsigned long long)(total - plen));
    if (hl > NPY_HEADER_CAP)
        return ls_fail(err, LS_ELIMIT, "npy header: length %llu exceeds the limit of %u bytes", (unsigned long long)hl, NPY_HEADER_CAP);
    if (hl == 0) return ls_fail(err, LS_EDATA, "npy header: empty (length 0)");
    char *h = malloc((size_t)hl);
    if (!h) return ls_oom(err);
    rc = rd(ctx, plen, h, (size_t)hl, err);
    if (!rc) rc = npy_parse_dict(h, (size_t)hl, ni, err);
    free(h);
    ni->data_off = plen + hl;
    return rc;
}

int npy_data_bytes(const struct npy_info *ni, uint64_t *bytes, struct ls_error *err)
{
    uint64_t count = 1;
    for (int i = 0; i < ni->ndim; i++)
        if (!u64_mul(count, ni->dims[i], &count)) {
            char sh[160];
            binsrc_fmt_shape(ni->dims, ni->ndim, sh, sizeof sh);
            return ls_fail(err, LS_EDATA, "npy header: shape %s: element count overflows 64 bits", sh);
        }
    if (!u64_mul(count, hf_width(ni->dt), bytes)) {
        char sh[160];
        binsrc_fmt_shape(ni->dims, ni->ndim, sh, sizeof sh);
        return ls_fail(err, LS_EDATA, "npy header: shape %s: data size overflows 64 bits", sh);
    }
    return LS_OK;
}

/* ---- the loader ---- */

static int fd_read(void *ctx, uint64_t off, void *buf, size_t n, struct ls_error *err)
{
    return file_pread_exact(*(int *)ctx, buf, n, off, err);
}

int npy_sniff(const struct input_probe *p)
{
    return probe_magic(p, "\x93NUMPY", 6);
}

int load_npy(const struct input_job *j, struct source **out, struct ls_error *err)
{
    const char *path = j->path;
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    if (size == 0) { close(fd); return ls_fail(err, LS_EDATA, "empty file"); }
    struct npy_info ni;
    uint64_t bytes = 0;
    rc = npy_read_header(fd_read, &fd, size, &ni, err);
    if (rc) { close(fd); return rc; }
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) { close(fd); return ls_oom(err); }
    b->fd = fd;
    b->base = ni.data_off;
    b->dt = ni.dt;
    b->big_endian = ni.big_endian;
    b->fortran = ni.fortran;
    /* the shape's limits first: a V over the limit is that, not "truncated" */
    rc = binsrc_shape(b, ni.dims, ni.ndim, j->opts, "npy header: shape", err);
    if (!rc) rc = npy_data_bytes(&ni, &bytes, err);
    uint64_t avail = size - ni.data_off;
    if (!rc && avail < bytes)
        rc = ls_fail(err, LS_EDATA, "npy: truncated: expected %llu bytes of data, found %llu",
                     (unsigned long long)bytes, (unsigned long long)avail);
    if (rc) { binsrc_free(b); return rc; }
    if ((rc = binsrc_make_source(j->ops, path, b, out, err))) return rc;
    if (avail > bytes)
        source_warn(*out, "npy: %llu trailing bytes after the array data ignored", (unsigned long long)(avail - bytes));
    if (ni.void2)
        source_warn(*out, "npy: dtype '%s' (2-byte void) read as bfloat16, as ml_dtypes saves it", ni.descr);
    return LS_OK;
}
