/* vmath_check.h: what test_vmath.c and test_vmath_scan.c share: the
 * checksum of every output bit (check_simd_paths.sh requires the same one
 * on every SIMD path) and the random and hostile logits they run on.
 * Static: each test program has its own checksum. */
#ifndef LS_TEST_VMATH_CHECK_H
#define LS_TEST_VMATH_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/rng.h"
#include "base/vmath.h"

static uint64_t checksum = 1469598103934665603ull;

static inline void mix(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { checksum ^= b[i]; checksum *= 1099511628211ull; }
}

static inline void fill(struct rng *g, float *z, size_t n, int kind)
{
    static const float odd[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, -0.0f, 0.0f, -720.0f, -708.5f, 3.4e38f};
    for (size_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        z[i] = kind == 0 ? (float)(u * 40 - 30) : kind == 1 ? (float)(int)(u * 4) : (float)(u * 2000 - 1000);
        if (kind == 2 && rng_uniform(g) < 0.2) z[i] = odd[(int)(rng_uniform(g) * 10)];
    }
}

/* the group teardown: the line check_simd_paths.sh compares across paths */
static inline int vmath_check_report(void **st)
{
    (void)st;
    printf("vmath path %s checksum %016llx\n", vm_path_name(), (unsigned long long)checksum);
    return 0;
}

#endif
