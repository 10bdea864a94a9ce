/* fileio.h: careful file access for loaders.
 *
 * Rules (robustness.md 3.4): open read-only and non-blocking (a FIFO never
 * blocks us), accept only regular files, do all size arithmetic in uint64_t,
 * read with read()/pread() looping over EINTR and short reads, never mmap
 * (a file truncated under us would SIGBUS), and report a file that changed
 * size while we read it. Input files are never written.
 *
 * Errors are "what: detail" without the file name; source_open prefixes it.
 */
#ifndef LS_FILEIO_H
#define LS_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

/* Open path read-only; fails (LS_EREAD) for missing files, directories,
 * FIFOs, devices. *size receives the size in bytes. */
int file_open_regular(const char *path, int *fd, uint64_t *size, struct ls_error *err);

/* Read exactly n bytes at offset off. A short read (file shrank) is
 * LS_EREAD "file changed while reading". */
int file_pread_exact(int fd, void *buf, size_t n, uint64_t off, struct ls_error *err);

/* Read a whole file into a fresh buffer with a NUL appended (buf[len] == 0).
 * Refuses files larger than cap with LS_ELIMIT before allocating; `what`
 * names the flag that raises the cap in the message. Caller frees *buf. */
int file_read_all(const char *path, uint64_t cap, const char *cap_flag, char **buf,
                  size_t *len, struct ls_error *err);

/* Checked uint64 arithmetic: return 0 on overflow. */
int u64_mul(uint64_t a, uint64_t b, uint64_t *out);
int u64_add(uint64_t a, uint64_t b, uint64_t *out);

/* Write data to path atomically: temp file in the same directory, fsync,
 * rename. Never leaves a partial file behind. */
int file_write_atomic(const char *path, const void *data, size_t len, struct ls_error *err);

#endif
