/* load_npz.c: NumPy .npz archives (formats.md 10.2): a zip of .npy members,
 * stored (np.savez) or deflated (np.savez_compressed), ZIP64 extras as
 * NumPy writes them.
 *
 * The tensor option NAME picks the member NAME.npy (NAME.npy also accepted); by
 * default the only member, or the first whose dtype is a float (integer
 * arrays such as token ids are skipped). Members are read in place: stored
 * data with pread, deflated data inflated as a stream with fixed buffers
 * (zip.h), so memory never depends on the declared sizes. A deflated member
 * cannot be seeked: reading step s inflates from the nearest inflate
 * checkpoint at or before it (every 1 MB, zip.h), or from the previous
 * position when reading forward.
 * The member's own npy header is checked like a .npy file (npy.h); its
 * uncompressed size must hold the whole array. */
#include "input/binsrc.h"
#include "base/fileio.h"
#include "input/loader.h"
#include "input/npy.h"
#include "input/source.h"
#include "input/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* .npy headers parsed when no array is named (a crafted directory cannot make
 * us parse more); the directory itself is read to its end (its entries are
 * bounded by its size), so a named array is found wherever it is. */
#define NPZ_MAX_SCAN 4096

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
    if (e->method == 8 && !(m->z = zipinf_new(d->fd, e))) return ls_oom(err);
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

int npz_sniff(const struct input_probe *p)
{
    return probe_magic(p, "PK\x03\x04", 4) || probe_magic(p, "PK\x05\x06", 4); /* or an empty zip */
}

/* What the walk over the members found. */
struct npz_scan {
    struct zip_entry pick;           /* the member shown */
    struct member_rd m;              /* its reader (m.z owned) */
    struct npy_info ni;              /* its npy header */
    int found, n_npy, n_tried;
    char names[200];                 /* the .npy members, for messages */
    size_t no;
    struct ls_error first_err;       /* no tensor asked: why the first float-less member failed */
    struct zip_entry first_err_e;
};

static void add_name(struct npz_scan *sc, const struct zip_entry *e)
{
    if (sc->no + 4 >= sizeof sc->names) return;
    int w = snprintf(sc->names + sc->no, sizeof sc->names - sc->no, "%s%.*s", sc->no ? ", " : "",
                     (int)(e->name_len - 4 > 40 ? 40 : e->name_len - 4), e->name);
    if (w > 0) sc->no += (size_t)w;
}

/* Walk the directory: list the .npy members and open the one asked for
 * (want), else the first that parses as a float array. */
static int npz_scan(struct zip_dir *d, const char *want, struct npz_scan *sc, struct ls_error *err)
{
    struct zip_entry e;
    uint64_t cur = 0;
    int rc;
    for (uint64_t i = 0; i < d->n_entries; i++) {
        if ((rc = zip_next_entry(d, &cur, &e, err))) { ls_error_prefix(err, "npz"); return rc; }
        if (!is_npy_name(&e)) continue;
        sc->n_npy++;
        add_name(sc, &e);
        if (sc->found) continue;
        if (want) {
            if (!name_matches(&e, want)) continue;
            if ((rc = open_member(d, &e, &sc->m, &sc->ni, err))) { prefix_member(err, &e); return rc; }
            sc->found = 1;
            sc->pick = e;
            continue;
        }
        if (sc->n_tried >= NPZ_MAX_SCAN) continue;
        sc->n_tried++;
        struct ls_error e2 = {0};
        if (open_member(d, &e, &sc->m, &sc->ni, &e2) == LS_OK) { sc->found = 1; sc->pick = e; continue; }
        sc->m.z = NULL;  /* open_member freed it */
        if (!sc->ni.dtype_unsupported && !sc->first_err.code) { sc->first_err = e2; sc->first_err_e = e; }
    }
    return LS_OK;
}

/* Nothing to show: say why. */
static int npz_none(struct npz_scan *sc, const struct source_opts *o, struct ls_error *err)
{
    char flag[32];
    if (o->tensor)
        return ls_fail(err, LS_EUSAGE, "%s: no array named '%.80s' in the archive (arrays: %s)",
                       source_opt_flag(o, SOPT_TENSOR, "tensor", flag, sizeof flag), o->tensor,
                       sc->no ? sc->names : "none");
    if (sc->first_err.code) {
        *err = sc->first_err;
        prefix_member(err, &sc->first_err_e);
        return err->code;
    }
    if (sc->n_npy == 0) return ls_fail(err, LS_EDATA, "npz: no .npy members in the archive");
    if (sc->n_npy > sc->n_tried)
        return ls_fail(err, LS_EDATA, "npz: no float array among the first %d of %d .npy members "
                       "(the limit of members tried; name the array with %s)", sc->n_tried, sc->n_npy,
                       source_opt_flag(o, SOPT_TENSOR, "tensor", flag, sizeof flag));
    return ls_fail(err, LS_EDATA, "npz: no float array in the archive (arrays: %s)", sc->names);
}

/* The chosen member as a dense array read in place (b->fd set by the caller). */
static int npz_array(struct npz_scan *sc, struct binsrc *b, const struct source_opts *opts, uint64_t *avail,
                     uint64_t *bytes, struct ls_error *err)
{
    b->z = sc->m.z;   /* b owns the inflater from here (binsrc_free) */
    sc->m.z = NULL;
    b->base = b->z ? sc->ni.data_off : sc->pick.data_off + sc->ni.data_off;
    b->dt = sc->ni.dt;
    b->big_endian = sc->ni.big_endian;
    b->fortran = sc->ni.fortran;
    /* the shape's limits first: a V over the limit is that, not "truncated" */
    int rc = binsrc_shape(b, sc->ni.dims, sc->ni.ndim, opts, "npy header: shape", err);
    if (!rc) rc = npy_data_bytes(&sc->ni, bytes, err);
    if (rc) return rc;
    *avail = sc->pick.uncomp_size - sc->ni.data_off;
    if (*avail < *bytes)
        return ls_fail(err, LS_EDATA, "npy: truncated: expected %llu bytes of data, found %llu",
                       (unsigned long long)*bytes, (unsigned long long)*avail);
    return LS_OK;
}

static void npz_warn(struct source *s, const struct npz_scan *sc, const struct source_opts *o,
                     uint64_t avail, uint64_t bytes, int deflated)
{
    const struct zip_entry *p = &sc->pick;
    const char *tu = source_opt_usage(o, SOPT_TENSOR);
    if (!o->tensor && sc->n_npy > 1)
        source_warn(s, "npz: %d arrays (%s); showing '%.*s'%s%s%s", sc->n_npy, sc->names,
                    (int)(p->name_len - 4 > 60 ? 60 : p->name_len - 4), p->name,
                    tu ? " (choose with " : "", tu ? tu : "", tu ? ")" : "");
    if (avail > bytes)
        source_warn(s, "npz member '%.60s': %llu trailing bytes after the array data ignored", p->name,
                    (unsigned long long)(avail - bytes));
    if (sc->ni.void2)
        source_warn(s, "npz member '%.60s': dtype '%s' (2-byte void) read as bfloat16, as ml_dtypes saves it",
                    p->name, sc->ni.descr);
    /* C order: inflate checkpoints make going back cheap (zip.h); a
     * Fortran-order step has an element in every column: each inflates the
     * array up to its last column */
    if (deflated && sc->ni.fortran && p->uncomp_size > (64u << 20))
        source_warn(s, "npz member '%.60s' is a deflated Fortran-order array: every step inflates the whole array (slow; np.savez or C order avoids it)",
                    p->name);
}

int load_npz(const struct input_job *j, struct source **out, struct ls_error *err)
{
    int fd;
    uint64_t size, avail = 0, bytes = 0;
    int rc = file_open_regular(j->path, &fd, &size, err);
    if (rc) return rc;
    struct zip_dir d;
    struct npz_scan sc;
    memset(&sc, 0, sizeof sc);
    if ((rc = zip_open_dir(fd, size, &d, err))) { ls_error_prefix(err, "npz"); goto fail; }
    if (d.n_entries == 0) { rc = ls_fail(err, LS_EDATA, "npz: the archive is empty"); goto fail; }
    if ((rc = npz_scan(&d, j->opts->tensor, &sc, err))) goto fail;
    if (!sc.found) { rc = npz_none(&sc, j->opts, err); goto fail; }
    struct binsrc *b = calloc(1, sizeof *b);
    if (!b) { rc = ls_oom(err); prefix_member(err, &sc.pick); goto fail; }
    b->fd = -1;
    if ((rc = npz_array(&sc, b, j->opts, &avail, &bytes, err))) {
        binsrc_free(b);
        prefix_member(err, &sc.pick);
        goto fail;
    }
    b->fd = fd;
    int deflated = b->z != NULL;
    if ((rc = binsrc_make_source(j->ops, j->path, b, out, err))) return rc;
    npz_warn(*out, &sc, j->opts, avail, bytes, deflated);
    return LS_OK;
fail:
    zipinf_free(sc.m.z);
    close(fd);
    return rc;
}
