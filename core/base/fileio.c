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

int file_write_atomic(const char *path, const void *data, size_t len, struct ls_error *err)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp) return ls_fail(err, LS_ELIMIT, "out of memory");
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
    if (rc == LS_OK && fsync(fd) != 0) { int e = errno; rc = ls_fail(err, LS_EREAD, "fsync: %s", strerror(e)); }
    if (close(fd) != 0 && rc == LS_OK) { int e = errno; rc = ls_fail(err, LS_EREAD, "close: %s", strerror(e)); }
    if (rc == LS_OK && rename(tmp, path) != 0) { int e = errno; rc = ls_fail(err, LS_EREAD, "rename: %s", strerror(e)); }
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}
