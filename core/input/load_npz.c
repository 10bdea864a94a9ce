/* load_npz.c: NumPy .npz archives (formats.md 10.2): a zip of .npy members,
 * stored (np.savez) or deflated (np.savez_compressed), ZIP64 extras as
 * NumPy writes them.
 *
 * --tensor NAME picks the member NAME.npy (NAME.npy also accepted); by
 * default the only member, or the first whose dtype is a float (integer
 * arrays such as token ids are skipped). Members are read in place: stored
 * data with pread, deflated data inflated as a stream with fixed buffers
 * (zip.h), so memory never depends on the declared sizes. A deflated member
 * cannot be seeked: reading step s inflates from the member start (or from
 * the previous position when reading forward), which costs time, not memory.
 * The member's own npy header is checked like a .npy file (npy.h); its
 * uncompressed size must hold the whole array. */
#include "input/binsrc.h"
#include "base/fileio.h"
#include "input/npy.h"
#include "input/source.h"
#include "input/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPZ_MAX_SCAN 4096  /* members examined (a crafted directory cannot make us parse more) */

struct member_rd {
    int fd;
    const struct zip_entry *e;
    struct zipinf *z;
};

static int member_read(void *ctx, uint64_t off, void *buf, size_t n, struct ls_error *err)
{
    struct member_rd *m = ctx;
    if (m->z) return zipinf_read(m->z, off, buf, n, err);
    uint64_t end;
    if (!u64_add(off, n, &end) || end > m->e->uncomp_size) return ls_fail(err, LS_EDATA, "zip: read past the member's end");
    return file_pread_exact(m->fd, buf, n, m->e->data_off + off, err);
}

static int is_npy_name(const struct zip_entry *e)
{
    return e->name_len <= ZIP_NAME_MAX && e->name_len > 4 && !strcmp(e->name + e->name_len - 4, ".npy");
}

static int name_matches(const struct zip_entry *e, const char *want)
{
    if (e->name_len > ZIP_NAME_MAX) return 0;
    size_t wl = strlen(want);
    if (wl == e->name_len && !memcmp(e->name, want, wl)) return 1;
    return is_npy_name(e) && wl == e->name_len - 4 && !memcmp(e->name, want, wl);
}

/* Locate e, open a reader (stored or deflated) and parse the npy header. */
static int open_member(const struct zip_dir *d, struct zip_entry *e, struct member_rd *m,
                       struct npy_info *ni, struct ls_error *err)
{
    memset(m, 0, sizeof *m);
    memset(ni, 0, sizeof *ni);
    m->fd = d->fd;
    m->e = e;
    int rc = zip_entry_locate(d, e, err);
    if (rc) return rc;
    if (e->method == 8 && !(m->z = zipinf_new(d->fd, e))) return ls_fail(err, LS_ELIMIT, "out of memory");
    rc = npy_read_header(member_read, m, e->uncomp_size, ni, err);
    if (rc) { zipinf_free(m->z); m->z = NULL; }
    return rc;
}

static void prefix_member(struct ls_error *err, const struct zip_entry *e)
{
    char pre[96];
    snprintf(pre, sizeof pre, "npz member '%.60s'", e->name);
    ls_error_prefix(err, pre);
}

int load_npz(const char *path, const struct source_opts *opts, struct source **out, struct ls_error *err)
{
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    struct zip_dir d;
    struct zip_entry e, pick, first_err_e;
    memset(&first_err_e, 0, sizeof first_err_e);
    struct member_rd m;
    struct npy_info ni;
    memset(&m, 0, sizeof m);
    struct ls_error first_err = {0};
    char names[200] = "";
    size_t no = 0;
    int found = 0, n_npy = 0;
    if ((rc = zip_open_dir(fd, size, &d, err))) { ls_error_prefix(err, "npz"); goto fail; }
    if (d.n_entries == 0) { rc = ls_fail(err, LS_EDATA, "npz: the archive is empty"); goto fail; }
    uint64_t cur = 0;
    const char *want = opts ? opts->tensor : NULL;
    for (uint64_t i = 0; i < d.n_entries && i < NPZ_MAX_SCAN; i++) {
        if ((rc = zip_next_entry(&d, &cur, &e, err))) { ls_error_prefix(err, "npz"); goto fail; }
        if (!is_npy_name(&e)) continue;
        n_npy++;
        if (no + 4 < sizeof names) {
            int w = snprintf(names + no, sizeof names - no, "%s%.*s", no ? ", " : "", (int)(e.name_len - 4 > 40 ? 40 : e.name_len - 4), e.name);
            if (w > 0) no += (size_t)w;
        }
        if (found) continue;
        if (want) {
            if (!name_matches(&e, want)) continue;
            if ((rc = open_member(&d, &e, &m, &ni, err))) { prefix_member(err, &e); goto fail; }
            found = 1;
            pick = e;
            continue;
        }
        struct ls_error e2 = {0};
        if (open_member(&d, &e, &m, &ni, &e2) == LS_OK) { found = 1; pick = e; continue; }
        m.z = NULL;  /* open_member freed it */
        if (!ni.dtype_unsupported && !first_err.code) { first_err = e2; first_err_e = e; }
    }
    if (!found) {
        if (want) rc = ls_fail(err, LS_EUSAGE, "--tensor: no array named '%.80s' in the archive (arrays: %s)", want, no ? names : "none");
        else if (first_err.code) { *err = first_err; rc = err->code; prefix_member(err, &first_err_e); }
        else if (n_npy == 0) rc = ls_fail(err, LS_EDATA, "npz: no .npy members in the archive");
        else rc = ls_fail(err, LS_EDATA, "npz: no float array in the archive (arrays: %s)", names);
        goto fail;
    }
    uint64_t bytes;
    if ((rc = npy_data_bytes(&ni, &bytes, err))) goto fail_m;
    uint64_t avail = pick.uncomp_size - ni.data_off;
    if (avail < bytes) {
        rc = ls_fail(err, LS_EDATA, "npy: truncated: expected %llu bytes of data, found %llu",
                     (unsigned long long)bytes, (unsigned long long)avail);
        goto fail_m;
    }
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) { rc = ls_fail(err, LS_ELIMIT, "out of memory"); goto fail_m; }
    b->fd = fd;
    b->z = m.z;
    m.z = NULL;
    b->base = b->z ? ni.data_off : pick.data_off + ni.data_off;
    b->dt = ni.dt;
    b->big_endian = ni.big_endian;
    b->fortran = ni.fortran;
    if ((rc = binsrc_shape(ni.dims, ni.ndim, &b->n_steps, &b->V, "npy header: shape", err))) {
        binsrc_free(b);
        prefix_member(err, &pick);
        return rc;
    }
    if ((rc = binsrc_make_source(path, "npz", b, out, err))) return rc;
    if (!want && n_npy > 1)
        source_warn(*out, "npz: %d arrays (%s); showing '%.*s' (choose with --tensor NAME)", n_npy, names,
                    (int)(pick.name_len - 4 > 60 ? 60 : pick.name_len - 4), pick.name);
    if (avail > bytes)
        source_warn(*out, "npz member '%.60s': %llu trailing bytes after the array data ignored", pick.name,
                    (unsigned long long)(avail - bytes));
    if (ni.void2)
        source_warn(*out, "npz member '%.60s': dtype '%s' (2-byte void) read as bfloat16, as ml_dtypes saves it", pick.name, ni.descr);
    if (b->z && pick.uncomp_size > (64u << 20))
        source_warn(*out, "npz member '%.60s' is deflated: steps are inflated as a stream, and going back restarts from the member start (slow for large arrays)",
                    pick.name);
    return LS_OK;
fail_m:
    prefix_member(err, &pick);
fail:
    zipinf_free(m.z);
    close(fd);
    return rc;
}
