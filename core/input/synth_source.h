/* synth_source.h: a synthetic in-memory source (benchmarks, tests).
 *
 * n_steps steps over V tokens with a Zipf-like shape (logit -1.1 ln(rank)
 * plus noise, ranks scattered over the ids) and a recorded token per step;
 * no vocabulary (tokens show as <id N>). Deterministic for a seed. All
 * steps are generated at creation, so reading a step is a copy. */
#ifndef LS_SYNTH_SOURCE_H
#define LS_SYNTH_SOURCE_H

#include <stdint.h>
#include "input/source.h"

int source_synthetic(uint32_t V, uint32_t n_steps, uint64_t seed, struct source **out, struct ls_error *err);

#endif
