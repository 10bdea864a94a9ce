/* halffloat.h: element types of binary logit files and their conversion to
 * float32 (the engine's working type).
 *
 * One module for every loader (npy, npz, safetensors, raw): IEEE binary16
 * (f16), bfloat16 (bf16: the high 16 bits of a float32), float32 and
 * float64, little- or big-endian in the file. Conversions are exact for
 * f16/bf16 (every f16/bf16 value is a float32 value); f64 values outside
 * the float32 range become +-inf (never undefined behaviour), NaN stays NaN.
 *
 *   float out[n];
 *   hf_convert(out, bytes, n, HF_F16, 0);   // n little-endian halves
 */
#ifndef LS_HALFFLOAT_H
#define LS_HALFFLOAT_H

#include <stddef.h>
#include <stdint.h>

enum hf_dtype { HF_F32 = 0, HF_F16, HF_BF16, HF_F64 };

/* Bytes per element (4, 2, 2, 8). */
size_t hf_width(enum hf_dtype t);
/* "f32", "f16", "bf16", "f64" (static strings, usable as source->dtype). */
const char *hf_name(enum hf_dtype t);
/* Parse "f32"/"f16"/"bf16"/"f64" (also "float32", "float16", "bfloat16",
 * "float64"); 0 on success, -1 if unknown. */
int hf_parse(const char *s, enum hf_dtype *t);

float hf_f16_to_f32(uint16_t h);
float hf_bf16_to_f32(uint16_t b);
/* float32 -> f16 / bf16 with round-to-nearest-even (used by tests and tools). */
uint16_t hf_f32_to_f16(float f);
uint16_t hf_f32_to_bf16(float f);
/* double -> float without UB: out-of-range finite values become +-inf. */
float hf_f64_to_f32(double d);

/* Convert n elements of type t stored at src (any alignment) into dst.
 * big_endian: the file stores elements most significant byte first.
 * Returns 0 when every value is known finite (little-endian f16 and bf16:
 * the conversion sees each exponent anyway, so a reader can skip counting
 * non-finite values), 1 when some may be inf or NaN (one was, or the type
 * was copied unchecked). Halves may be widened in place: src at dst + n * 2
 * bytes, the upper half of dst's n floats (every path goes front to back
 * and reads a block before storing it, and float i covers only halves j <= i:
 * binsrc.c read_c_step; test_halves.c checks it on every path). */
int hf_convert(float *dst, const void *src, size_t n, enum hf_dtype t, int big_endian);
/* Gather: element k comes from src + k*stride_bytes (for strided layouts). */
void hf_convert_strided(float *dst, const void *src, size_t n, size_t stride_bytes,
                        enum hf_dtype t, int big_endian);

/* Count NaN, +inf and -inf in v[0..n). */
void hf_count_nonfinite(const float *v, size_t n, uint32_t *n_nan, uint32_t *n_posinf,
                        uint32_t *n_neginf);

#endif
