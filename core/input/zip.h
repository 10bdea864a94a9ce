/* zip.h: just enough ZIP to read .npz archives in place.
 *
 * The central directory is the truth (found from the end-of-central-
 * directory record, ZIP64 records and extras applied); each member's local
 * header is checked (signature, lengths) before its data is used. Stored
 * members are read with pread; deflated members are inflated with zlib as a
 * stream (zipinf) with fixed-size buffers; the inflater's state is kept at
 * checkpoints (every 1 MB of output, at most 256 of them, about 40 KB
 * each), so going back resumes from the nearest checkpoint instead of the
 * member start: memory stays bounded whatever the declared sizes.
 * Every offset and size is checked against the file size with overflow-
 * checked uint64 arithmetic. Encrypted members and methods other than
 * stored (0) and deflate (8) are refused. Messages start with "zip: ".
 */
#ifndef LS_ZIP_H
#define LS_ZIP_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

#define ZIP_NAME_MAX 512

struct zip_dir {
    int fd;
    uint64_t file_size;
    uint64_t cd_off, cd_size, n_entries;
};

struct zip_entry {
    char name[ZIP_NAME_MAX + 1];  /* NUL-terminated; truncated if longer */
    size_t name_len;              /* real length */
    uint16_t method, flags;
    uint32_t crc;
    uint64_t comp_size, uncomp_size, local_off;
    uint64_t data_off;            /* set by zip_entry_locate */
};

/* Read the end records. fd stays owned by the caller. */
int zip_open_dir(int fd, uint64_t file_size, struct zip_dir *d, struct ls_error *err);
/* Entry number idx (sequential use: *cursor starts at 0 for idx 0 and is
 * advanced past the entry). */
int zip_next_entry(const struct zip_dir *d, uint64_t *cursor, struct zip_entry *e,
                   struct ls_error *err);
/* Check the local header and the data range; sets e->data_off. */
int zip_entry_locate(const struct zip_dir *d, struct zip_entry *e, struct ls_error *err);

struct zipinf;
/* A streaming inflater over a located deflate member (fd borrowed). */
struct zipinf *zipinf_new(int fd, const struct zip_entry *e);
/* Uncompressed bytes [off, off+n) of the member. */
int zipinf_read(struct zipinf *z, uint64_t off, void *buf, size_t n, struct ls_error *err);
void zipinf_free(struct zipinf *z);

#endif
