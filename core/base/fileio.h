/* fileio.h: careful file access for loaders.
 *
 * Rules (robustness.md 3.4): open read-only and non-blocking (a FIFO never
 * blocks us), accept only regular files, do all size arithmetic in uint64_t,
 * read with read()/pread() looping over EINTR and short reads, never mmap
 * (a file truncated under us would SIGBUS; the one map, input/binsrc_map.h,
 * guards against that), and report a file that changed
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
 * rename. Never leaves a partial file behind. Replaces whatever is there:
 * for the program's own files (history); user-named outputs use
 * file_write_new. */
int file_write_atomic(const char *path, const void *data, size_t len, struct ls_error *err);

/* A file's identity: device and inode (after resolving links). */
struct file_id { uint64_t dev, ino; };

/* The identity of the file path names (links followed); 0 if it exists. */
int file_id_of(const char *path, struct file_id *id);

/* How file_write_new refused (in addition to the message). */
enum file_refusal { FILE_REFUSED_NONE, FILE_REFUSED_EXISTS, FILE_REFUSED_PROTECTED, FILE_REFUSED_NOT_REGULAR };

/* Write a user-named output file atomically (temp file in the target's
 * directory, fsync, then link or rename):
 * - never onto a file in protect[0..n_protect) (the open inputs), compared
 *   by device and inode after resolving links, even when forced;
 * - never onto an existing file unless force; a forced write replaces the
 *   file a link points to (not the link) and keeps that file's mode;
 * - a new file gets 0666 minus the umask, as open(2) would give it;
 * - never onto something that is not a regular file.
 * *refused (may be NULL) says why a refusal happened. LS_EUSAGE for a
 * refusal, LS_EREAD for an I/O failure. */
int file_write_new(const char *path, const void *data, size_t len, int force,
                   const struct file_id *protect, int n_protect, enum file_refusal *refused,
                   struct ls_error *err);

#endif
