/* binsrc.c: dense logit arrays read in place (see binsrc.h). */
#include "input/binsrc.h"
#include "base/fileio.h"
#include "input/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int binsrc_bytes(struct binsrc *b, uint64_t off, void *buf, size_t n, struct ls_error *err)
{
    uint64_t at;
    if (!u64_add(b->base, off, &at)) return ls_fail(err, LS_EDATA, "offset overflows");
    if (b->z) return zipinf_read(b->z, at, buf, n, err);
    return file_pread_exact(b->fd, buf, n, at, err);
}

static uint32_t block_steps(const struct binsrc *b);

/* Scratch sized to what a step (or a C-order block of steps) needs, at
 * most BINSRC_CHUNK bytes. */
static int need_scratch(struct binsrc *b, struct ls_error *err)
{
    if (b->scratch) return LS_OK;
    uint64_t w = hf_width(b->dt), need = (uint64_t)b->V * w * block_steps(b);
    if (b->fortran && b->n_steps > 1) need = ((uint64_t)b->V - 1) * b->n_steps * w + w;
    if (need > BINSRC_CHUNK) need = BINSRC_CHUNK;
    if (need < 8) need = 8;
    b->scratch = malloc((size_t)need);
    if (!b->scratch) return ls_oom(err);
    return LS_OK;
}

/* Steps per kept block: 1 means no block (read the step alone). */
static uint32_t block_steps(const struct binsrc *b)
{
    uint64_t w = hf_width(b->dt), V = b->V, S = b->n_steps, n = 1;
    if (S < 2) return 1;
    /* a step this large in file order is read alone, straight into the
     * caller's buffer (float32; halves widened there in place) or
     * converted into it from the scratch (other types): a block would only add a copy of every step, and a
     * block of 16-bit steps larger than L2 (4 x 512 KiB of floats at
     * V = 131072) cost the half dump's read pass 1.5x float32's time */
    if (!b->fortran && V * w >= (64u << 10)) return 1;
    if (!b->fortran) {
        if (V * w * 2 <= BINSRC_CHUNK) n = BINSRC_CHUNK / (V * w);
        if (n > BINSRC_CBLOCK_STEPS) n = BINSRC_CBLOCK_STEPS;
    } else if (!b->z && S * w > BINSRC_PREAD_STRIDE) {
        n = BINSRC_BLOCK_BYTES / (V * sizeof(float));
        if (n > BINSRC_FBLOCK_STEPS) n = BINSRC_FBLOCK_STEPS;
    }
    if (n > S) n = S;
    return n < 2 ? 1 : (uint32_t)n;
}

/* Steps [first, first+n) into b->blk: C order in one read (n*V*w <=
 * BINSRC_CHUNK), Fortran order one read of n elements per token. */
static int fill_block(struct binsrc *b, uint32_t first, uint32_t n, uint32_t cap, struct ls_error *err)
{
    size_t w = hf_width(b->dt);
    uint64_t V = b->V, S = b->n_steps;
    int rc;
    b->blk_n = 0;
    if (!b->blk && !(b->blk = malloc((size_t)cap * V * sizeof(float))))
        return ls_oom(err);
    if (!b->fortran && b->dt == HF_F32 && !b->big_endian) {
        rc = binsrc_bytes(b, (uint64_t)first * V * w, b->blk, (size_t)(n * V * w), err);
        if (rc) return rc;
    } else if (!b->fortran) {
        if ((rc = need_scratch(b, err))) return rc;
        if ((rc = binsrc_bytes(b, (uint64_t)first * V * w, b->scratch, (size_t)(n * V * w), err))) return rc;
        hf_convert(b->blk, b->scratch, (size_t)(n * V), b->dt, b->big_endian);
    } else {
        unsigned char e[BINSRC_FBLOCK_STEPS * 8];
        float col[BINSRC_FBLOCK_STEPS];
        for (uint64_t i = 0; i < V; i++) {
            if ((rc = binsrc_bytes(b, (i * S + first) * w, e, n * w, err))) return rc;
            hf_convert(col, e, n, b->dt, b->big_endian);
            for (uint32_t j = 0; j < n; j++) b->blk[(size_t)j * V + i] = col[j];
        }
    }
    b->blk_first = first;
    b->blk_n = n;
    return LS_OK;
}
/* A C-order step alone (no block): one contiguous run of V elements;
 * *maybe_nf as hf_convert answers (1 unless every value is known finite) */
static int read_c_step(struct binsrc *b, uint32_t step, float *out, int *maybe_nf, struct ls_error *err)
{
    size_t w = hf_width(b->dt);
    uint64_t V = b->V, off = (uint64_t)step * V * w; /* < n_steps*V*w, checked at open */
    int rc;
    *maybe_nf = 1;
    if (b->dt == HF_F32 && !b->big_endian)
        /* the file's bytes are the floats: read them in place, no second copy */
        return binsrc_bytes(b, off, out, (size_t)V * w, err);
    if (w == 2) {
        /* halves: read into the upper half of out and widened in place,
         * front to back. Widening half i writes bytes [4i, 4i + 4) of out,
         * which held the halves j with 2V + 2j < 4i + 4, all j <= i: every
         * half it overwrites was loaded before (the converters read each
         * block before storing it, and go forward). No scratch is shared,
         * so such steps may be read at once (binsrc_make_source). */
        unsigned char *half = (unsigned char *)out + (size_t)V * 2;
        if ((rc = binsrc_bytes(b, off, half, (size_t)V * 2, err))) return rc;
        *maybe_nf = hf_convert(out, half, (size_t)V, b->dt, b->big_endian);
        return LS_OK;
    }
    if ((rc = need_scratch(b, err))) return rc;
    size_t per = BINSRC_CHUNK / w; /* read in chunks, converted */
    int nf = 0;
    for (uint64_t i = 0; i < V; i += per) {
        size_t k = (size_t)(V - i < per ? V - i : per);
        if ((rc = binsrc_bytes(b, off + i * w, b->scratch, k * w, err))) return rc;
        nf |= hf_convert(out + i, b->scratch, k, b->dt, b->big_endian);
    }
    *maybe_nf = nf;
    return LS_OK;
}

int binsrc_read_step(struct binsrc *b, uint32_t step, float *out, int *maybe_nf, struct ls_error *err)
{
    size_t w = hf_width(b->dt);
    uint64_t V = b->V, S = b->n_steps;
    uint32_t B = block_steps(b);
    int rc, nf_;
    if (!maybe_nf) maybe_nf = &nf_;
    *maybe_nf = 1;
    if (B > 1) {
        if (!b->blk_n || step < b->blk_first || step - b->blk_first >= b->blk_n) {
            uint32_t first = step - step % B;
            uint32_t n = S - first < B ? (uint32_t)(S - first) : B;
            if ((rc = fill_block(b, first, n, B, err))) return rc;
        }
        memcpy(out, b->blk + (size_t)(step - b->blk_first) * V, (size_t)V * sizeof *out);
        return LS_OK;
    }
    if (!b->fortran || S == 1) return read_c_step(b, step, out, maybe_nf, err);
    if ((rc = need_scratch(b, err))) return rc;
    /* Fortran order: element (step, i) at (i*S + step) * w; a large stride
     * from a file took the column-block path above */
    uint64_t stride = S * w;
    /* chunks of k elements: bytes from (i*S+step)*w, span (k-1)*stride + w */
    uint64_t per = (BINSRC_CHUNK - w) / stride + 1;
    for (uint64_t i = 0; i < V; i += per) {
        uint64_t k = V - i < per ? V - i : per;
        size_t span = (size_t)((k - 1) * stride + w);
        if ((rc = binsrc_bytes(b, (i * S + step) * w, b->scratch, span, err))) return rc;
        hf_convert_strided(out + i, b->scratch, (size_t)k, (size_t)stride, b->dt, b->big_endian);
    }
    return LS_OK;
}

/* A step is V contiguous elements of a plain file: what a map can lend. */
static int mappable(const struct binsrc *b)
{
    return !b->z && b->fd >= 0 && (!b->fortran || b->n_steps == 1);
}

/* The map a lend reads from, made once; NULL when the layout or the file
 * does not allow one (then steps are read into b->lend). */
static const unsigned char *lend_map(struct binsrc *b)
{
    if (!b->map_tried) {
        b->map_tried = 1;
        struct stat st;
        if (mappable(b) && !fstat(b->fd, &st) && st.st_size > 0)
            (void)bmap_open(b->fd, (uint64_t)st.st_size, &b->map);
    }
    return b->map.p;
}

static int shrank(uint64_t need, uint64_t have, struct ls_error *err)
{
    return ls_fail(err, LS_EREAD, "file changed while reading (expected at least %llu bytes, found %llu)",
                   (unsigned long long)need, (unsigned long long)have);
}

int binsrc_lend_verify(const struct binsrc *b, struct ls_error *err)
{
    if (!bmap_faulted(&b->map)) return LS_OK;
    struct stat st;
    return shrank(b->map.len, fstat(b->fd, &st) ? 0 : (uint64_t)st.st_size, err);
}

/* A step lent by reading (binsrc.h): read first, and fstat only when the
 * read failed, to give a file cut before the step's end the map's message
 * (shrank) all the same. Before the read, as a map's lend does it, the
 * fstat would cost a system call a step (1.7 us on this project's VM, 2%
 * of a sample --all step) to tell what a short read tells anyway; the read
 * touches no map, so there is no SIGBUS to prevent. */
static int read_checked(struct binsrc *b, uint32_t step, uint64_t end, float *buf, struct ls_error *err)
{
    int nf, rc = read_c_step(b, step, buf, &nf, err);
    if (!rc) return LS_OK;
    struct stat st;
    if (fstat(b->fd, &st)) return ls_fail(err, LS_EREAD, "file changed while reading (cannot stat it)");
    if ((uint64_t)st.st_size < end) return shrank(end, (uint64_t)st.st_size, err);
    return rc; /* a read error on a file that still holds the step: its own message */
}

int binsrc_lend_step(struct binsrc *b, uint32_t step, float *buf, int read, const float **out, struct ls_error *err)
{
    read = read && mappable(b);
    const unsigned char *m = read ? NULL : lend_map(b);
    if (!buf && !b->lend && !(b->lend = malloc((size_t)b->V * sizeof *b->lend)))
        return ls_oom(err);
    if (!buf) buf = b->lend;
    *out = buf;
    if (!m && !read) return binsrc_read_step(b, step, buf, NULL, err);
    size_t w = hf_width(b->dt);
    uint64_t off = b->base + (uint64_t)step * b->V * w, end = off + (uint64_t)b->V * w; /* checked at open */
    /* the step alone copied (a block of small steps would read past a cut
     * that this step is clear of) */
    if (!m) return read_checked(b, step, end, buf, err);
    struct stat st;
    if (fstat(b->fd, &st)) return ls_fail(err, LS_EREAD, "file changed while reading (cannot stat it)");
    if ((uint64_t)st.st_size < end || end > b->map.len) return shrank(end, (uint64_t)st.st_size, err);
    int rc = binsrc_lend_verify(b, err);
    if (rc) return rc;
    if (b->dt == HF_F32 && !b->big_endian && (uintptr_t)(m + off) % sizeof(float) == 0) {
        *out = (const float *)(const void *)(m + off); /* the file's bytes are the floats */
        return LS_OK;
    }
    hf_convert(buf, m + off, b->V, b->dt, b->big_endian);
    return binsrc_lend_verify(b, err);
}

void binsrc_free(struct binsrc *b)
{
    if (!b) return;
    bmap_close(&b->map);
    free(b->lend);
    if (b->z) zipinf_free(b->z);
    if (b->fd >= 0) close(b->fd);
    free(b->scratch);
    free(b->blk);
    free(b);
}

int binsrc_source_read(struct source *s, uint32_t step, float *logits, struct step_info *info,
                       struct ls_error *err)
{
    struct binsrc *b = s->impl;
    int maybe_nf, rc = binsrc_read_step(b, step, logits, &maybe_nf, err);
    if (rc) return rc;   /* source_read_step names the step */
    /* a conversion that saw every exponent and no inf or NaN leaves the
     * counts at source_read_step's zeros: no pass over the step for them */
    if (maybe_nf) hf_count_nonfinite(logits, b->V, &info->n_nan, &info->n_posinf, &info->n_neginf);
    return LS_OK;
}

static int source_lend(struct source *s, uint32_t step, float *buf, enum source_lend_how how, const float **out,
                       struct step_info *info, struct ls_error *err)
{
    struct binsrc *b = s->impl;
    info->nonfinite_deferred = 1; /* the consumer's scan counts (source.h) */
    return binsrc_lend_step(b, step, buf, how == SOURCE_LEND_READ, out, err);
}

static int source_lend_verify_(const struct source *s, struct ls_error *err)
{
    return binsrc_lend_verify(s->impl, err);
}

void binsrc_source_close(struct source *s)
{
    binsrc_free(s->impl);
    s->impl = NULL;
}

int binsrc_make_source(const struct source_ops *ops, const char *path, struct binsrc *b,
                       struct source **out, struct ls_error *err)
{
    struct source *s = source_alloc(ops, path);
    if (!s) { binsrc_free(b); return ls_oom(err); }
    s->impl = b;
    s->lend = source_lend;
    s->lend_verify = source_lend_verify_;
    /* read_c_step's float32 and half paths: one pread into the caller's
     * buffer, halves widened there (the other types convert through
     * b->scratch, a zip member has one inflater, blocks one cache) */
    s->lend_concurrent = mappable(b) && ((b->dt == HF_F32 && !b->big_endian) || hf_width(b->dt) == 2) &&
                         block_steps(b) == 1;
    s->n_steps = b->n_steps;
    s->vocab_size = b->V;
    s->dtype = hf_name(b->dt);
    *out = s;
    return LS_OK;
}

void binsrc_fmt_shape(const uint64_t *dims, int ndim, char *buf, size_t bufsz)
{
    size_t o = 0;
    int n = snprintf(buf, bufsz, "(");
    o = n > 0 ? (size_t)n : 0;
    for (int i = 0; i < ndim && o < bufsz; i++) {
        n = snprintf(buf + o, bufsz - o, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
        if (n < 0) break;
        o += (size_t)n;
    }
    if (o < bufsz) snprintf(buf + o, bufsz - o, ndim == 1 ? ",)" : ")");
}

/* dims of a batched [B, steps, V] array: the row opts picks, as an element
 * offset into the array (C order; Fortran order only for B = 1). */
static int batch_row(const uint64_t *dims, const struct binsrc *b, const struct source_opts *opts,
                     const char *what, const char *sh, uint64_t *skip, struct ls_error *err)
{
    char flag[40];
    const char *f = source_opt_usage(opts, SOPT_BATCH_ROW);
    *skip = 0;
    if (!opts || !opts->has_batch_row) {
        if (dims[0] == 1) return LS_OK;
        return ls_fail(err, LS_EDATA, "%s: %s is a batch of %llu sequences: choose one with %s", what, sh,
                       (unsigned long long)dims[0], f ? f : "the batch row option");
    }
    if (opts->batch_row >= dims[0])
        return ls_fail(err, LS_EUSAGE, "%s: %s: batch row %u out of range (0 to %llu)",
                       source_opt_flag(opts, SOPT_BATCH_ROW, what, flag, sizeof flag), sh, opts->batch_row,
                       (unsigned long long)dims[0] - 1);
    if (b->fortran && dims[0] > 1)
        return ls_fail(err, LS_EDATA, "%s: %s in Fortran order: a batch row is read only from C-order arrays",
                       what, sh);
    *skip = (uint64_t)opts->batch_row * dims[1] * dims[2];
    return LS_OK;
}

int binsrc_shape(struct binsrc *b, const uint64_t *dims, int ndim, const struct source_opts *opts,
                 const char *what, struct ls_error *err)
{
    char sh[160], flag[40];
    binsrc_fmt_shape(dims, ndim, sh, sizeof sh);
    uint64_t s, v, skip = 0;
    if (ndim == 3) {
        if (!dims[0] || !dims[1] || !dims[2]) return ls_fail(err, LS_EDATA, "%s: %s is empty (no logits)", what, sh);
        int rc = batch_row(dims, b, opts, what, sh, &skip, err);
        if (rc) return rc;
    } else if (opts && opts->has_batch_row && ndim <= 2) {
        return ls_fail(err, LS_EUSAGE, "%s: %s has no batch dimension (expected (B, steps, V))",
                       source_opt_flag(opts, SOPT_BATCH_ROW, what, flag, sizeof flag), sh);
    }
    if (ndim == 1) { s = 1; v = dims[0]; }
    else if (ndim == 2) { s = dims[0]; v = dims[1]; }
    else if (ndim == 3) { s = dims[1]; v = dims[2]; }
    else
        return ls_fail(err, LS_EDATA, "%s: %s not supported: expected (V,), (steps, V) or (batch, steps, V)",
                       what, sh);
    if (s == 0 || v == 0)
        return ls_fail(err, LS_EDATA, "%s: %s is empty (no logits)", what, sh);
    if (v > LS_MAX_VOCAB)
        return ls_fail(err, LS_ELIMIT, "%s: %s: vocabulary size %llu exceeds the limit of %u",
                       what, sh, (unsigned long long)v, LS_MAX_VOCAB);
    if (s > UINT32_MAX)
        return ls_fail(err, LS_ELIMIT, "%s: %s: %llu steps exceeds the limit of %u",
                       what, sh, (unsigned long long)s, UINT32_MAX);
    b->n_steps = (uint32_t)s;
    b->V = (uint32_t)v;
    b->base += skip * hf_width(b->dt);
    return LS_OK;
}
