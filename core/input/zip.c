/* zip.c: ZIP directory walking and streaming inflate for .npz (see zip.h).
 *
 * Layout (APPNOTE 6.3.x): local headers "PK\3\4" + data, central directory
 * "PK\1\2" entries, optional ZIP64 end record "PK\6\6" and locator
 * "PK\6\7", end-of-central-directory "PK\5\6" (22 bytes + comment <= 65535).
 * NumPy's savez forces ZIP64 on every member: 0xFFFFFFFF sizes with the real
 * values in the ZIP64 extra field (id 0x0001), in the order uncompressed
 * size, compressed size, local header offset, each present only if its
 * 32-bit field is 0xFFFFFFFF. */
#include "input/zip.h"
#include "base/fileio.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint16_t g16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t g32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t g64(const unsigned char *p) { return (uint64_t)g32(p) | ((uint64_t)g32(p + 4) << 32); }

int zip_open_dir(int fd, uint64_t size, struct zip_dir *d, struct ls_error *err)
{
    if (size < 22) return ls_fail(err, LS_EDATA, "zip: file too short for an end-of-central-directory record (%llu bytes)",
                                  (unsigned long long)size);
    /* the EOCD is in the last 22 + 65535 bytes */
    size_t tail = (size_t)(size < 22 + 65535 ? size : 22 + 65535);
    unsigned char *buf = malloc(tail);
    if (!buf) return ls_oom(err);
    uint64_t tail_off = size - tail;
    int rc = file_pread_exact(fd, buf, tail, tail_off, err);
    if (rc) { free(buf); return rc; }
    long at = -1;
    for (size_t i = tail - 22 + 1; i-- > 0;) {
        if (memcmp(buf + i, "PK\5\6", 4) == 0 && (size_t)g16(buf + i + 20) == tail - 22 - i) { at = (long)i; break; }
    }
    if (at < 0) {
        /* accept a comment-length mismatch as a second chance */
        for (size_t i = tail - 22 + 1; i-- > 0;)
            if (memcmp(buf + i, "PK\5\6", 4) == 0) { at = (long)i; break; }
    }
    if (at < 0) { free(buf); return ls_fail(err, LS_EDATA, "zip: no end-of-central-directory record (not a zip file, or truncated)"); }
    const unsigned char *e = buf + at;
    uint64_t eocd_off = tail_off + (uint64_t)at;
    if (g16(e + 4) != 0 || g16(e + 6) != 0 || g16(e + 8) != g16(e + 10)) {
        free(buf);
        return ls_fail(err, LS_EDATA, "zip: multi-disk archives are not supported");
    }
    d->fd = fd;
    d->file_size = size;
    d->n_entries = g16(e + 10);
    d->cd_size = g32(e + 12);
    d->cd_off = g32(e + 16);
    free(buf);
    if (d->n_entries == 0xFFFF || d->cd_size == 0xFFFFFFFFu || d->cd_off == 0xFFFFFFFFu) {
        /* ZIP64: locator 20 bytes before the EOCD */
        unsigned char loc[20], z[56];
        if (eocd_off < 20) return ls_fail(err, LS_EDATA, "zip: ZIP64 end-of-central-directory locator missing");
        if ((rc = file_pread_exact(fd, loc, 20, eocd_off - 20, err))) return rc;
        if (memcmp(loc, "PK\6\7", 4) != 0) return ls_fail(err, LS_EDATA, "zip: ZIP64 end-of-central-directory locator missing");
        uint64_t zoff = g64(loc + 8);
        if (zoff > eocd_off - 20 || eocd_off - 20 - zoff < 56)
            return ls_fail(err, LS_EDATA, "zip: ZIP64 end-of-central-directory record offset %llu out of range",
                           (unsigned long long)zoff);
        if ((rc = file_pread_exact(fd, z, 56, zoff, err))) return rc;
        if (memcmp(z, "PK\6\6", 4) != 0) return ls_fail(err, LS_EDATA, "zip: bad ZIP64 end-of-central-directory signature");
        d->n_entries = g64(z + 32);
        d->cd_size = g64(z + 40);
        d->cd_off = g64(z + 48);
        eocd_off = zoff;
    }
    uint64_t cd_end;
    if (!u64_add(d->cd_off, d->cd_size, &cd_end) || cd_end > eocd_off)
        return ls_fail(err, LS_EDATA, "zip: central directory (offset %llu, %llu bytes) extends past its end record",
                       (unsigned long long)d->cd_off, (unsigned long long)d->cd_size);
    if (d->n_entries > d->cd_size / 46)
        return ls_fail(err, LS_EDATA, "zip: %llu entries cannot fit in a %llu-byte central directory",
                       (unsigned long long)d->n_entries, (unsigned long long)d->cd_size);
    return LS_OK;
}

/* Apply a ZIP64 extra field (id 1) to the fields that are 0xFFFFFFFF. */
static int apply_zip64(const unsigned char *x, size_t xl, uint64_t *usz, uint64_t *csz,
                       uint64_t *loff, int want_off, struct ls_error *err)
{
    size_t i = 0;
    while (i + 4 <= xl) {
        uint16_t id = g16(x + i), n = g16(x + i + 2);
        if ((size_t)n > xl - i - 4) return ls_fail(err, LS_EDATA, "zip: extra field overruns its block");
        if (id == 1) {
            const unsigned char *p = x + i + 4;
            size_t k = 0;
            if (*usz == 0xFFFFFFFFu) { if (k + 8 > n) goto short_; *usz = g64(p + k); k += 8; }
            if (*csz == 0xFFFFFFFFu) { if (k + 8 > n) goto short_; *csz = g64(p + k); k += 8; }
            if (want_off && *loff == 0xFFFFFFFFu) { if (k + 8 > n) goto short_; *loff = g64(p + k); k += 8; }
            return LS_OK;
        }
        i += 4 + (size_t)n;
    }
    return LS_OK;
short_:
    return ls_fail(err, LS_EDATA, "zip: ZIP64 extra field too short");
}

int zip_next_entry(const struct zip_dir *d, uint64_t *cursor, struct zip_entry *e,
                   struct ls_error *err)
{
    unsigned char h[46];
    uint64_t at = d->cd_off + *cursor, end = d->cd_off + d->cd_size;
    if (*cursor > d->cd_size || d->cd_size - *cursor < 46)
        return ls_fail(err, LS_EDATA, "zip: central directory truncated");
    int rc = file_pread_exact(d->fd, h, 46, at, err);
    if (rc) return rc;
    if (memcmp(h, "PK\1\2", 4) != 0)
        return ls_fail(err, LS_EDATA, "zip: bad central directory entry signature at offset %llu", (unsigned long long)at);
    memset(e, 0, sizeof *e);
    e->flags = g16(h + 8);
    e->method = g16(h + 10);
    e->crc = g32(h + 16);
    e->comp_size = g32(h + 20);
    e->uncomp_size = g32(h + 24);
    size_t nl = g16(h + 28), xl = g16(h + 30), cl = g16(h + 32);
    e->local_off = g32(h + 42);
    uint64_t total = 46 + (uint64_t)nl + xl + cl;
    if (total > end - at) return ls_fail(err, LS_EDATA, "zip: central directory entry overruns the directory");
    e->name_len = nl;
    size_t keep = nl < ZIP_NAME_MAX ? nl : ZIP_NAME_MAX;
    if (keep && (rc = file_pread_exact(d->fd, e->name, keep, at + 46, err))) return rc;
    e->name[keep] = 0;
    if (memchr(e->name, 0, keep)) e->name_len = ZIP_NAME_MAX + 1; /* NUL in a name: never matches */
    if (xl) {
        unsigned char x[65535];
        if ((rc = file_pread_exact(d->fd, x, xl, at + 46 + nl, err))) return rc;
        if ((rc = apply_zip64(x, xl, &e->uncomp_size, &e->comp_size, &e->local_off, 1, err))) return rc;
    }
    *cursor += total;
    return LS_OK;
}

int zip_entry_locate(const struct zip_dir *d, struct zip_entry *e, struct ls_error *err)
{
    unsigned char h[30];
    if (e->flags & 1) return ls_fail(err, LS_EDATA, "zip: member is encrypted");
    if (e->method != 0 && e->method != 8)
        return ls_fail(err, LS_EDATA, "zip: compression method %u not supported (only stored and deflate)", e->method);
    if (e->local_off > d->cd_off || d->cd_off - e->local_off < 30)
        return ls_fail(err, LS_EDATA, "zip: local header offset %llu out of range", (unsigned long long)e->local_off);
    int rc = file_pread_exact(d->fd, h, 30, e->local_off, err);
    if (rc) return rc;
    if (memcmp(h, "PK\3\4", 4) != 0)
        return ls_fail(err, LS_EDATA, "zip: bad local header signature at offset %llu", (unsigned long long)e->local_off);
    uint64_t nl = g16(h + 26), xl = g16(h + 28);
    if (nl != e->name_len && e->name_len <= ZIP_NAME_MAX)
        return ls_fail(err, LS_EDATA, "zip: local header name length %llu differs from the central directory's %zu",
                       (unsigned long long)nl, e->name_len);
    if (g16(h + 8) != e->method)
        return ls_fail(err, LS_EDATA, "zip: local header method %u differs from the central directory's %u",
                       g16(h + 8), e->method);
    uint64_t data = e->local_off + 30 + nl + xl, end;
    if (!u64_add(data, e->comp_size, &end) || end > d->cd_off)
        return ls_fail(err, LS_EDATA, "zip: member data (%llu bytes at offset %llu) overruns the archive",
                       (unsigned long long)e->comp_size, (unsigned long long)data);
    if (e->method == 0 && e->comp_size != e->uncomp_size)
        return ls_fail(err, LS_EDATA, "zip: stored member has compressed size %llu but uncompressed size %llu",
                       (unsigned long long)e->comp_size, (unsigned long long)e->uncomp_size);
    e->data_off = data;
    return LS_OK;
}

#define ZIN_BUF 16384
/* Inflate checkpoints: the stream's state (inflateCopy: about 40 KB with
 * its window) every ZIN_CKPT_MIN bytes of output, or every 1/ZIN_CKPT_MAX
 * of the member when that is larger, so memory stays under ~10 MB. Going
 * back (or far ahead) restarts from the nearest checkpoint at or before
 * the offset instead of the member's start. */
#define ZIN_CKPT_MIN (1u << 20)
#define ZIN_CKPT_MAX 256

struct zin_ckpt {
    int valid, ended;
    uint64_t pos, comp_pos;   /* uncompressed produced; compressed consumed by inflate */
    z_stream zs;
};

struct zipinf {
    int fd;
    uint64_t comp_off, comp_size, uncomp_size;
    uint64_t comp_pos, pos;   /* compressed bytes read into `in`, uncompressed produced */
    int inited, ended;
    z_stream zs;
    uint64_t ck_every;        /* checkpoint i is at output offset i * ck_every */
    struct zin_ckpt ck[ZIN_CKPT_MAX];
    unsigned char in[ZIN_BUF];
    unsigned char skip[ZIN_BUF];
};

struct zipinf *zipinf_new(int fd, const struct zip_entry *e)
{
    struct zipinf *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    z->fd = fd;
    z->comp_off = e->data_off;
    z->comp_size = e->comp_size;
    z->uncomp_size = e->uncomp_size;
    z->ck_every = e->uncomp_size / ZIN_CKPT_MAX + 1;
    if (z->ck_every < ZIN_CKPT_MIN) z->ck_every = ZIN_CKPT_MIN;
    return z;
}

void zipinf_free(struct zipinf *z)
{
    if (!z) return;
    if (z->inited) inflateEnd(&z->zs);
    for (int i = 0; i < ZIN_CKPT_MAX; i++)
        if (z->ck[i].valid) inflateEnd(&z->ck[i].zs);
    free(z);
}

/* At a checkpoint offset: keep the stream's state (skipped when memory is
 * short: a checkpoint is only a shortcut). */
static void zin_checkpoint(struct zipinf *z)
{
    uint64_t i = z->pos / z->ck_every;
    if (z->pos % z->ck_every || i >= ZIN_CKPT_MAX || z->ck[i].valid) return;
    struct zin_ckpt *c = &z->ck[i];
    if (inflateCopy(&c->zs, &z->zs) != Z_OK) return;
    c->valid = 1;
    c->ended = z->ended;
    c->pos = z->pos;
    c->comp_pos = z->comp_pos - z->zs.avail_in;
}

/* Continue from the last checkpoint at or before off when it is ahead of
 * where the stream is, or when off is behind it; 1 if one was used. */
static int zin_resume(struct zipinf *z, uint64_t off, struct ls_error *err)
{
    uint64_t i = off / z->ck_every;
    if (i >= ZIN_CKPT_MAX) i = ZIN_CKPT_MAX - 1;
    while (i > 0 && !z->ck[i].valid) i--;
    struct zin_ckpt *c = &z->ck[i];
    if (!c->valid || !z->inited || (c->pos <= z->pos && off >= z->pos)) return 0;
    inflateEnd(&z->zs);
    z->inited = 0;
    if (inflateCopy(&z->zs, &c->zs) != Z_OK) return ls_fail(err, LS_ELIMIT, "zip: out of memory inflating"), -1;
    z->inited = 1;
    z->zs.next_in = z->in;
    z->zs.avail_in = 0;
    z->comp_pos = c->comp_pos;
    z->pos = c->pos;
    z->ended = c->ended;
    return 1;
}

static int zin_restart(struct zipinf *z, struct ls_error *err)
{
    if (z->inited) {
        if (inflateReset(&z->zs) != Z_OK) return ls_fail(err, LS_EINTERNAL, "zip: inflateReset failed");
    } else {
        memset(&z->zs, 0, sizeof z->zs);
        if (inflateInit2(&z->zs, -MAX_WBITS) != Z_OK) return ls_fail(err, LS_ELIMIT, "zip: inflateInit failed (out of memory)");
        z->inited = 1;
    }
    z->zs.next_in = z->in;
    z->zs.avail_in = 0;
    z->comp_pos = 0;
    z->pos = 0;
    z->ended = 0;
    return LS_OK;
}

/* Inflate exactly n bytes into out. */
static int zin_pull(struct zipinf *z, unsigned char *out, size_t n, struct ls_error *err)
{
    z->zs.next_out = out;
    z->zs.avail_out = (uInt)n;
    while (z->zs.avail_out > 0) {
        if (z->ended)
            return ls_fail(err, LS_EDATA, "zip: deflate stream ends after %llu bytes but the member declares %llu",
                           (unsigned long long)(z->pos + (n - z->zs.avail_out)), (unsigned long long)z->uncomp_size);
        if (z->zs.avail_in == 0 && z->comp_pos < z->comp_size) {
            uint64_t left = z->comp_size - z->comp_pos;
            size_t k = left < ZIN_BUF ? (size_t)left : ZIN_BUF;
            int rc = file_pread_exact(z->fd, z->in, k, z->comp_off + z->comp_pos, err);
            if (rc) return rc;
            z->comp_pos += k;
            z->zs.next_in = z->in;
            z->zs.avail_in = (uInt)k;
        }
        uInt before_in = z->zs.avail_in, before_out = z->zs.avail_out;
        int r = inflate(&z->zs, Z_NO_FLUSH);
        if (r == Z_STREAM_END) { z->ended = 1; continue; }
        if (r == Z_MEM_ERROR) return ls_fail(err, LS_ELIMIT, "zip: out of memory inflating");
        if (r != Z_OK && r != Z_BUF_ERROR)
            return ls_fail(err, LS_EDATA, "zip: corrupt deflate data: %s", z->zs.msg ? z->zs.msg : "error");
        if (before_in == z->zs.avail_in && before_out == z->zs.avail_out) {
            if (z->zs.avail_in == 0 && z->comp_pos >= z->comp_size)
                return ls_fail(err, LS_EDATA, "zip: compressed data truncated (deflate stream incomplete)");
            if (z->zs.avail_in != 0)
                return ls_fail(err, LS_EDATA, "zip: corrupt deflate data: no progress");
        }
    }
    z->pos += n;
    return LS_OK;
}

int zipinf_read(struct zipinf *z, uint64_t off, void *buf, size_t n, struct ls_error *err)
{
    int rc;
    uint64_t end;
    if (!u64_add(off, n, &end) || end > z->uncomp_size)
        return ls_fail(err, LS_EDATA, "zip: read past the member's end");
    int used = zin_resume(z, off, err);
    if (used < 0) return err->code;
    if (!used && (!z->inited || off < z->pos))
        if ((rc = zin_restart(z, err))) return rc;
    /* pulls stop at checkpoint offsets so each one can be taken */
    while (z->pos < off) {
        zin_checkpoint(z);
        uint64_t k = off - z->pos, to_ck = z->ck_every - z->pos % z->ck_every;
        if (k > ZIN_BUF) k = ZIN_BUF;
        if (k > to_ck) k = to_ck;
        if ((rc = zin_pull(z, z->skip, (size_t)k, err))) return rc;
    }
    unsigned char *p = buf;
    while (n > 0) {
        zin_checkpoint(z);
        uint64_t to_ck = z->ck_every - z->pos % z->ck_every;
        size_t k = n > (1u << 30) ? (1u << 30) : n;
        if (k > to_ck) k = (size_t)to_ck;
        if ((rc = zin_pull(z, p, k, err))) return rc;
        p += k;
        n -= k;
    }
    return LS_OK;
}
