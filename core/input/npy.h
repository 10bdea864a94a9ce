/* npy.h: the NumPy .npy header (format versions 1.0, 2.0 and 3.0).
 *
 * The header is a Python dict literal parsed by a small strict tokenizer
 * (never eval, never pickle): exactly the keys 'descr', 'fortran_order' and
 * 'shape' once each, in any order; strings in '...' or "..." without
 * escapes; True/False; tuples of non-negative integers (optional trailing
 * comma, Python 2 'L' suffix); spaces; a final '\n'. Anything else is an
 * error naming what and where (robustness.md 3.1). Header length is capped
 * at NPY_HEADER_CAP bytes before any allocation.
 *
 * dtypes: f4, f2, f8 with '<' (little), '>' (big-endian: byte-swapped on
 * read) or '=' (native), and V2 (how ml_dtypes.bfloat16 arrays are saved,
 * read as little-endian bfloat16). Object (pickle), unicode, bytes,
 * structured, integer, bool, complex and datetime dtypes are refused by
 * name.
 */
#ifndef LS_NPY_H
#define LS_NPY_H

#include <stddef.h>
#include <stdint.h>
#include "input/halffloat.h"
#include "base/status.h"

#define NPY_HEADER_CAP 65536u
#define NPY_MAXDIM 32

struct npy_info {
    unsigned major, minor;
    uint64_t data_off;        /* preamble + header length: where data starts */
    char descr[64];
    enum hf_dtype dt;
    int big_endian;
    int fortran;
    int void2;                /* descr was V2, read as bfloat16 */
    int dtype_unsupported;    /* set when the only problem is a non-float dtype */
    int ndim;
    uint64_t dims[NPY_MAXDIM];
};

/* Bytes [off, off+n) of the stream holding the .npy (a file or a zip member). */
typedef int (*npy_read_fn)(void *ctx, uint64_t off, void *buf, size_t n, struct ls_error *err);

/* Read and parse the preamble and header of a stream of `total` bytes. */
int npy_read_header(npy_read_fn rd, void *ctx, uint64_t total, struct npy_info *out,
                    struct ls_error *err);
/* Parse a header dict (h[0..n), including the final '\n'). */
int npy_parse_dict(const char *h, size_t n, struct npy_info *out, struct ls_error *err);
/* Element count and data bytes of the array; LS_EDATA on overflow. */
int npy_data_bytes(const struct npy_info *ni, uint64_t *bytes, struct ls_error *err);

#endif
