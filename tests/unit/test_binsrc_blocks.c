/* test_binsrc_blocks.c: the kept blocks of steps (binsrc.h) return exactly
 * the values of a plain read: Fortran order with a stride over
 * BINSRC_PREAD_STRIDE (column blocks), C order with small steps (row
 * blocks), f32 and big-endian f16, in forward, backward and random order,
 * across block edges and a last partial block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/binsrc.h"
#include "input/halffloat.h"
#include "input/source.h"
#include "npy_write.h"

/* the value of element (step s, token i) */
static float val(uint32_t s, uint32_t i) { return (float)s * 0.25f + (float)i; }

/* An .npy of S x V: f32 little-endian or f16 big-endian, C or Fortran order. */
static void write_npy(const char *path, uint32_t S, uint32_t V, int fortran, int f16be)
{
    char h[NPY_HDR_MAX];
    int n = npy_header(h, f16be ? ">f2" : "<f4", fortran, S, V);
    assert_true(n > 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(h, 1, (size_t)n, f);
    for (uint64_t k = 0; k < (uint64_t)S * V; k++) {
        uint32_t s = fortran ? (uint32_t)(k % S) : (uint32_t)(k / V);
        uint32_t i = fortran ? (uint32_t)(k / S) : (uint32_t)(k % V);
        if (f16be) {
            uint16_t x = hf_f32_to_f16(val(s, i));
            unsigned char be[2] = { (unsigned char)(x >> 8), (unsigned char)(x & 0xff) };
            fwrite(be, 1, 2, f);
        } else {
            float x = val(s, i);
            fwrite(&x, 4, 1, f);
        }
    }
    fclose(f);
}

static void check_order(uint32_t S, uint32_t V, int fortran, int f16be)
{
    char path[] = "/tmp/ls_blk_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_npy(path, S, V, fortran, f16be);
    struct source *src = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open(path, NULL, &src, &e), LS_OK);
    assert_int_equal(src->n_steps, S);
    float *z = malloc(V * sizeof *z);
    struct step_info si;
    uint32_t order[3 * 64];
    size_t no = 0;
    for (uint32_t s = 0; s < 64 && s < S; s++) order[no++] = s;                 /* forward */
    for (uint32_t s = 0; s < 64 && s < S; s++) order[no++] = S - 1 - s;         /* backward, last block */
    for (uint32_t s = 0; s < 64; s++) order[no++] = (uint32_t)((s * 2654435761u) % S); /* scattered */
    for (size_t k = 0; k < no; k++) {
        uint32_t s = order[k];
        assert_int_equal(source_read_step(src, s, z, &si, &e), LS_OK);
        for (uint32_t i = 0; i < V; i++) {
            float want = f16be ? hf_f16_to_f32(hf_f32_to_f16(val(s, i))) : val(s, i);
            if (z[i] != want) fail_msg("S=%u V=%u fortran=%d: step %u token %u: %g, want %g", S, V, fortran, s, i, z[i], want);
        }
    }
    free(z);
    source_close(src);
    unlink(path);
}

static void fortran_column_blocks(void **state)
{
    (void)state;
    check_order(1500, 7, 1, 0);     /* stride 6000 bytes: column blocks */
    check_order(3001, 5, 1, 1);     /* f16 big-endian, stride 6002 */
    check_order(300, 9, 1, 0);      /* small stride: the chunk path */
}

static void c_order_row_blocks(void **state)
{
    (void)state;
    check_order(1000, 3, 0, 0);     /* 12-byte steps: blocks of 256 */
    check_order(777, 2, 0, 1);
    check_order(5, 200000, 0, 0);   /* 800 KB steps: no block */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fortran_column_blocks),
        cmocka_unit_test(c_order_row_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
