/* emu_lanes.h: the float and int32 lane types of the system emulation's
 * plain passes at each width vm_path_lanes gives (emu_topp_torch.c's
 * bins, emu_torch_topp_run.c's classify: GCC vector extensions, the
 * wider ones used only in functions built for AVX2 or AVX-512). Units:
 * none (lanes). */
#ifndef LS_EMU_LANES_H
#define LS_EMU_LANES_H

#include <stdint.h>

typedef float emu_v4f __attribute__((vector_size(16)));
typedef int32_t emu_v4i __attribute__((vector_size(16)));
#if defined(__x86_64__) && defined(__GNUC__)
typedef float emu_v8f __attribute__((vector_size(32)));
typedef int32_t emu_v8i __attribute__((vector_size(32)));
typedef float emu_v16f __attribute__((vector_size(64)));
typedef int32_t emu_v16i __attribute__((vector_size(64)));
#endif

#endif
