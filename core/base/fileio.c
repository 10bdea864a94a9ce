/* fileio.c: careful file access (see fileio.h). */
#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int u64_mul(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}

int u64_add(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

int file_open_regular(const char *path, int *fd, uint64_t *size, struct ls_error *err)
{
    int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (f < 0) {
        int e = errno;
        return ls_fail(err, LS_EREAD, "cannot open: %s", strerror(e));
    }
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return ls_fail(err, LS_EREAD, "cannot stat: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) { close(f); return ls_fail(err, LS_EREAD, "cannot read: %s", strerror(EISDIR)); }
    if (!S_ISREG(st.st_mode)) { close(f); return ls_fail(err, LS_EREAD, "cannot read: not a regular file"); }
    /* back to blocking reads for a regular file */
    int fl = fcntl(f, F_GETFL);
    if (fl >= 0) (void)fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
    *fd = f;
    *size = (uint64_t)st.st_size;
    return LS_OK;
}

int file_pread_exact(int fd, void *buf, size_t n, uint64_t off, struct ls_error *err)
{
    char *p = buf;
    size_t done = 0;
    while (done < n) {
        if (off + done > (uint64_t)LLONG_MAX) return ls_fail(err, LS_EREAD, "offset out of range");
        ssize_t r = pread(fd, p + done, n - done, (off_t)(off + done));
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            return ls_fail(err, LS_EREAD, "read error: %s", strerror(e));
        }
        if (r == 0) return ls_fail(err, LS_EREAD, "file changed while reading (expected %zu bytes at offset %llu, found %zu)",
                                   n, (unsigned long long)off, done);
        done += (size_t)r;
    }
    return LS_OK;
}

int file_read_all(const char *path, uint64_t cap, const char *cap_flag, char **buf,
                  size_t *len, struct ls_error *err)
{
    int fd;
    uint64_t size;
    int rc = file_open_regular(path, &fd, &size, err);
    if (rc) return rc;
    if (size > cap) {
        close(fd);
        return ls_fail(err, LS_ELIMIT, "file too large: %llu bytes exceeds the limit of %llu bytes (raise it with %s)",
                       (unsigned long long)size, (unsigned long long)cap, cap_flag);
    }
    char *b = malloc((size_t)size + 1);
    if (!b) { close(fd); return ls_fail(err, LS_ELIMIT, "out of memory reading %llu bytes", (unsigned long long)size); }
    rc = file_pread_exact(fd, b, (size_t)size, 0, err);
    if (rc == LS_OK) {
        /* grown while reading? one more byte must not exist */
        char extra;
        ssize_t r;
        do r = pread(fd, &extra, 1, (off_t)size); while (r < 0 && errno == EINTR);
        if (r > 0) rc = ls_fail(err, LS_EREAD, "file changed while reading (grew beyond %llu bytes)", (unsigned long long)size);
    }
    close(fd);
    if (rc) { free(b); return rc; }
    b[size] = 0;
    *buf = b;
    *len = (size_t)size;
    return LS_OK;
}

/* Write data into a fresh temporary file next to path (created 0600 by
 * mkstemp, then given `mode`), fsync'd and closed. *tmp_out is the
 * caller's to free (and to unlink on a later failure). */
static int write_temp(const char *path, const void *data, size_t len, mode_t mode,
                      char **tmp_out, struct ls_error *err)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp) return ls_oom(err);
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmpXXXXXX", 11);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return ls_fail(err, LS_EREAD, "cannot create temporary file: %s", strerror(e));
    }
    const char *p = data;
    size_t done = 0;
    int rc = LS_OK;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            rc = ls_fail(err, LS_EREAD, "write error: %s", strerror(e));
            break;
        }
        done += (size_t)w;
    }
    if (rc == LS_OK && fchmod(fd, mode) != 0) { int e = errno; rc = ls_fail(err, LS_EREAD, "chmod: %s", strerror(e)); }
    if (rc == LS_OK && fsync(fd) != 0) { int e = errno; rc = ls_fail(err, LS_EREAD, "fsync: %s", strerror(e)); }
    if (close(fd) != 0 && rc == LS_OK) { int e = errno; rc = ls_fail(err, LS_EREAD, "close: %s", strerror(e)); }
    if (rc) { unlink(tmp); free(tmp); return rc; }
    *tmp_out = tmp;
    return LS_OK;
}

int file_write_atomic(const char *path, const void *data, size_t len, struct ls_error *err)
{
    char *tmp = NULL;
    int rc = write_temp(path, data, len, 0600, &tmp, err);
    if (rc) return rc;
    if (rename(tmp, path) != 0) { int e = errno; rc = ls_fail(err, LS_EREAD, "rename: %s", strerror(e)); }
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

int file_id_of(const char *path, struct file_id *id)
{
    struct stat st;
    if (!path || stat(path, &st) != 0) return -1;
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    return 0;
}

static int refuse(enum file_refusal *refused, enum file_refusal why, struct ls_error *err, const char *msg)
{
    if (refused) *refused = why;
    return ls_fail(err, LS_EUSAGE, "%s", msg);
}

/* A new file: link(2) the temporary file to path, which fails when
 * something appeared there meanwhile (rename would replace it). File
 * systems without hard links fall back to rename. */
static int publish_new(const char *tmp, const char *path, enum file_refusal *refused, struct ls_error *err)
{
    if (link(tmp, path) == 0) return LS_OK;
    int e = errno;
    if (e == EEXIST) return refuse(refused, FILE_REFUSED_EXISTS, err, "file exists; not overwritten");
    if (e != EPERM && e != ENOSYS && e != EOPNOTSUPP) return ls_fail(err, LS_EREAD, "cannot create: %s", strerror(e));
    if (rename(tmp, path) != 0) { e = errno; return ls_fail(err, LS_EREAD, "rename: %s", strerror(e)); }
    return LS_OK;
}

int file_write_new(const char *path, const void *data, size_t len, int force,
                   const struct file_id *protect, int n_protect, enum file_refusal *refused,
                   struct ls_error *err)
{
    struct stat st;
    if (refused) *refused = FILE_REFUSED_NONE;
    int exists = stat(path, &st) == 0;
    for (int i = 0; exists && i < n_protect; i++)
        if (protect[i].dev == (uint64_t)st.st_dev && protect[i].ino == (uint64_t)st.st_ino)
            return refuse(refused, FILE_REFUSED_PROTECTED, err, "is the open file; never overwritten");
    struct stat lst;
    if (!exists && lstat(path, &lst) == 0)   /* a dangling link: never followed to create a file */
        return refuse(refused, FILE_REFUSED_NOT_REGULAR, err, "a link to a missing file; not written");
    if (exists && !force) return refuse(refused, FILE_REFUSED_EXISTS, err, "file exists; not overwritten");
    if (exists && !S_ISREG(st.st_mode)) return refuse(refused, FILE_REFUSED_NOT_REGULAR, err, "not a regular file; not overwritten");
    /* the real target: a forced write replaces the file a link points to */
    char *target = exists ? realpath(path, NULL) : NULL;
    if (exists && !target) { int e = errno; return ls_fail(err, LS_EREAD, "cannot resolve: %s", strerror(e)); }
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~mask);
    char *tmp = NULL;
    int rc = write_temp(exists ? target : path, data, len, mode, &tmp, err);
    if (rc == LS_OK) {
        if (exists && rename(tmp, target) != 0) { int e = errno; rc = ls_fail(err, LS_EREAD, "rename: %s", strerror(e)); }
        else if (!exists) rc = publish_new(tmp, path, refused, err);
        unlink(tmp);   /* after link(2) the name is no longer needed; after rename it is gone */
    }
    free(tmp);
    free(target);
    return rc;
}
