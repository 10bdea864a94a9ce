/* sigma_cut.h: llama.cpp's top-n-sigma threshold under its float32 rules,
 * certified from fast double sums when it can be (sigma_cut.c).
 *
 * llama.cpp sums the logits and then their squared deviations from the
 * mean in float, one add after another, in array order: two dependent
 * chains of V adds, each add waiting for the last. The stage's result is
 * only which logits lie at or above max - n * sigma. So the sums are taken
 * in double, in any order, with a rigorous bound on how far llama.cpp's
 * float32 sequential sums can lie from them; carried through llama.cpp's
 * roundings (each monotone) that gives an interval holding its threshold.
 * When no logit lies in that interval, any threshold in it keeps the same
 * tokens; otherwise the float sums are run as llama.cpp runs them.
 * Units: logits in nats. */
#ifndef LS_SIGMA_CUT_H
#define LS_SIGMA_CUT_H

#include <stdint.h>

/* A threshold thr such that {i : y[i] >= thr} is exactly the set
 * llama.cpp's top-n-sigma keeps over y[0..n) (finite floats in array
 * order, mx their maximum, nsig its n as float > 0, n >= 1). certify 0:
 * always llama.cpp's own float sums (the threshold is then bit for bit
 * its threshold). *how, when not NULL: 1 certified, 0 summed. */
double sigma_cut_f32(const float *y, uint32_t n, float mx, float nsig, int certify, int *how);

/* llama.cpp's threshold itself: its sequential float sums. */
double sigma_cut_seq(const float *y, uint32_t n, float mx, float nsig);

#endif
