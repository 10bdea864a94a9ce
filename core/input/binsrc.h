/* binsrc.h: a dense logit array read in place, step by step.
 *
 * Shared by the npy, npz, safetensors and raw loaders: the array has
 * n_steps x V elements of one dtype (halffloat.h), little- or big-endian,
 * row-major (C order: step s is V contiguous elements) or column-major
 * (Fortran order: element (s, i) is at i*n_steps + s, so a step is strided).
 * Bytes come either from the file with pread (offset `base`) or from a
 * deflated zip member (zip.h) inflated as a stream. Nothing is held but a
 * bounded scratch buffer (BINSRC_CHUNK bytes): memory does not grow with
 * the file.
 *
 * Cost of a step: C order reads V*width bytes; when a step is small (V*width
 * at most half of BINSRC_CHUNK and under 64 KiB) a block of consecutive steps is read at once
 * and kept (a million one-float steps are not a million reads). Fortran
 * order from a file with a large stride (n_steps*width over
 * BINSRC_PREAD_STRIDE) reads column blocks: for each token, the run of up
 * to BINSRC_FBLOCK_STEPS consecutive steps is one pread, and the block's
 * steps are kept (BINSRC_BLOCK_BYTES of floats at most), so stepping
 * through costs V reads per block instead of per step; a small stride reads
 * chunks that cover the step's elements (up to the whole array). Fortran
 * order in a deflated member inflates the array up to the step's last
 * element.
 *
 * Lending (binsrc_lend_step): a C-order array in a plain file is mapped
 * (binsrc_map.h: read-only, SIGBUS-guarded) on the first lend, and a step is
 * lent in place: little-endian float32 at a 4-byte-aligned offset as a
 * pointer into the map (no copy at all), every other element type
 * converted from the map into one V-float buffer (one pass, no pread).
 * Before each lend fstat checks that the file still holds the step. Fortran
 * order, zip members, and a map that cannot be made: the step is read
 * (binsrc_read_step) into that buffer instead; so is every step when the
 * caller asks (source.h SOURCE_LEND_READ: steps read once each cost less copied
 * than newly mapped).
 */
#ifndef LS_BINSRC_H
#define LS_BINSRC_H

#include <stdint.h>
#include "input/binsrc_map.h"
#include "input/halffloat.h"
#include "input/source.h"

#define BINSRC_CHUNK (1u << 20)
#define BINSRC_PREAD_STRIDE 4096u  /* Fortran stride above which columns are read in blocks */
#define BINSRC_FBLOCK_STEPS 64u    /* Fortran column block: steps per pread */
#define BINSRC_CBLOCK_STEPS 256u   /* C order: small steps read together */
#define BINSRC_BLOCK_BYTES (32u << 20) /* the kept block of steps, as floats */

struct zipinf;

struct binsrc {
    int fd;                  /* owned; -1 if none */
    uint64_t base;           /* offset of element 0 in the file or the zip member */
    uint32_t n_steps, V;
    enum hf_dtype dt;
    int big_endian;
    int fortran;
    struct zipinf *z;        /* owned; non-NULL: bytes come from a deflated member */
    unsigned char *scratch;  /* BINSRC_CHUNK bytes, allocated on first use */
    float *blk;              /* steps [blk_first, blk_first + blk_n) as floats, V each */
    uint32_t blk_first, blk_n;
    struct bmap map;         /* the whole file, mapped on the first lend (map.p NULL: none) */
    int map_tried;           /* 1 once a map was attempted (it is made once) */
    float *lend;             /* V floats: a lent step that is not the file's own bytes */
};

/* Logical bytes [off, off+n) of the array data. */
int binsrc_bytes(struct binsrc *b, uint64_t off, void *buf, size_t n, struct ls_error *err);
/* Step `step` as V floats; *maybe_nf (may be NULL) 0 when every value is
 * known finite (hf_convert's answer), else 1. */
int binsrc_read_step(struct binsrc *b, uint32_t step, float *out, int *maybe_nf, struct ls_error *err);
/* Step `step` lent: *out points at V floats, valid until binsrc_free when
 * they are the map's, else (converted or read into buf, or b's own buffer
 * when buf is NULL) until that buffer is reused. After using them,
 * binsrc_lend_verify says whether the file shrank meanwhile (then what was
 * computed from the step is void). read: a step that would be lent from
 * the map is read into the buffer instead (source.h SOURCE_LEND_READ); a
 * file that no longer holds it gets the same message as a map's lend
 * (its fstat made only when the read falls short). */
int binsrc_lend_step(struct binsrc *b, uint32_t step, float *buf, int read, const float **out, struct ls_error *err);
int binsrc_lend_verify(const struct binsrc *b, struct ls_error *err);
void binsrc_free(struct binsrc *b);

/* Wrap b (moved into the source, freed by source_close) as a source with
 * ops (the registry row's: binsrc_source_read, binsrc_source_close). On
 * failure b is freed too. */
int binsrc_make_source(const struct source_ops *ops, const char *path, struct binsrc *b,
                       struct source **out, struct ls_error *err);
int binsrc_source_read(struct source *s, uint32_t step, float *logits, struct step_info *info,
                       struct ls_error *err);
void binsrc_source_close(struct source *s);

/* Map an array shape to b's steps x V: [V], [steps, V] or [B, steps, V],
 * where B must be 1 unless opts names a batch row (then b->base moves to
 * that row; b->dt and b->fortran must be set). `what` prefixes messages
 * ("npy header: shape"). Checks limits. */
int binsrc_shape(struct binsrc *b, const uint64_t *dims, int ndim, const struct source_opts *opts,
                 const char *what, struct ls_error *err);

/* Format dims as "(2, 5)" into buf. */
void binsrc_fmt_shape(const uint64_t *dims, int ndim, char *buf, size_t bufsz);

#endif
