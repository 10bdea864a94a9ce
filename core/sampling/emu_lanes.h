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

/* FN(NAME, ATTR, VF, VI, W) defined at each width the build has: NAME##4
 * (the baseline), NAME##8 (AVX2), NAME##16 (AVX-512); a function needing
 * other lane types makes them from W. EMU_AT_WIDTH(NAME, wd): the one of
 * width wd (vm_path_lanes() for the chosen path; a test passes each). One
 * place for the widths' attributes and the choice, which each pass wrote
 * out. */
#if defined(__x86_64__) && defined(__GNUC__)
#define EMU_AT_WIDTHS(FN, NAME)                                                                    \
    FN(NAME##4, , emu_v4f, emu_v4i, 4)                                                             \
    FN(NAME##8, __attribute__((target("avx2"))), emu_v8f, emu_v8i, 8)                              \
    FN(NAME##16, __attribute__((target("avx512f,avx512dq"))), emu_v16f, emu_v16i, 16)
#define EMU_AT_WIDTH(NAME, wd) ((wd) == 16 ? NAME##16 : (wd) == 8 ? NAME##8 : NAME##4)
#else
#define EMU_AT_WIDTHS(FN, NAME) FN(NAME##4, , emu_v4f, emu_v4i, 4)
#define EMU_AT_WIDTH(NAME, wd) ((void)(wd), NAME##4)
#endif

#endif
