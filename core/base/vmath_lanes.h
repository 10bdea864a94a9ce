/* vmath_lanes.h: the vector types and lane helpers of vmath.c's kernels
 * (GCC vector extensions). Internal to vmath.c, which includes it once;
 * not an API. */
#ifndef LS_VMATH_LANES_H
#define LS_VMATH_LANES_H

#include <stdint.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
/* 8 doubles (one zmm): only in the AVX-512 path's exp passes, which keep
 * the lane sums of the 4-double code exactly (see exp_body8) */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
typedef uint64_t v8u __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));

#define INLINE static inline __attribute__((always_inline))

INLINE v4f load4f(const float *p) { v4f v; memcpy(&v, p, sizeof v); return v; }
/* lanes where m is all ones take a, the others b */
INLINE v4d sel4d(v4l m, v4d a, v4d b) { return (v4d)(((v4l)a & m) | ((v4l)b & ~m)); }
INLINE v8f load8f(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
INLINE v8d sel8d(v8l m, v8d a, v8d b) { return (v8d)(((v8l)a & m) | ((v8l)b & ~m)); }
/* finite lanes: x - x is 0 for finite x and NaN for NaN and +-inf */
INLINE v4i finite4(v4f z) { v4f d = z - z; return d == d; }
INLINE v8i finite8(v8f z) { v8f d = z - z; return d == d; }

#endif
