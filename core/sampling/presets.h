/* presets.h: lookups in the table of systems (presets.c). chain_preset and
 * preset_name, the everyday entry points, are declared in chain.h. */
#ifndef LS_PRESETS_H
#define LS_PRESETS_H

#include <stddef.h>
#include "sampling/chain.h"

/* "hf" | "transformers" | "llama.cpp" | "llamacpp" | "llama" | "vllm",
 * case-insensitive ("custom" is not a system). Returns 1 if known. */
int preset_parse(const char *s, enum preset *p);
/* The system's default parameter values (PARAMS_OFF-like for custom). */
struct params preset_defaults(enum preset p);
/* "hf, llama.cpp, vllm" (the systems, joined by sep). */
void preset_names_join(const char *sep, char *buf, size_t bufsz);

#endif
