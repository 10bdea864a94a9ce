/* synth_source.c: synthetic steps (see synth_source.h). */
#include "input/synth_source.h"
#include "base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct synth {
    float *z;        /* n_steps * V */
    int32_t *token;
};

static int synth_read(struct source *s, uint32_t step, float *logits, struct step_info *info, struct ls_error *err)
{
    struct synth *y = s->impl;
    if (step >= s->n_steps) return ls_fail(err, LS_EUSAGE, "step %u out of range", step);
    memcpy(logits, y->z + (size_t)step * s->vocab_size, (size_t)s->vocab_size * sizeof *logits);
    memset(info, 0, sizeof *info);
    info->token = y->token[step];
    return LS_OK;
}

static void synth_close(struct source *s)
{
    struct synth *y = s->impl;
    if (y) { free(y->z); free(y->token); free(y); }
}

static const struct source_ops synth_ops = { "synthetic", synth_read, synth_close };

int source_synthetic(uint32_t V, uint32_t n_steps, uint64_t seed, struct source **out, struct ls_error *err)
{
    if (V == 0 || n_steps == 0) return ls_fail(err, LS_EUSAGE, "synthetic: V and steps must be > 0");
    struct source *s = source_alloc(&synth_ops, "synthetic");
    struct synth *y = calloc(1, sizeof *y);
    if (!s || !y) { free(y); if (s) source_close(s); return ls_oom(err); }
    s->impl = y;
    y->z = malloc((size_t)V * n_steps * sizeof *y->z);
    y->token = malloc((size_t)n_steps * sizeof *y->token);
    if (!y->z || !y->token) { source_close(s); return ls_oom(err); }
    struct rng g;
    rng_seed(&g, seed);
    for (uint32_t t = 0; t < n_steps; t++) {
        float *z = y->z + (size_t)t * V;
        uint64_t mul = 2654435761u, off = rng_next(&g) % V;
        double sharp = 0.6 + 1.2 * rng_uniform(&g); /* some steps peaked, some broad */
        for (uint32_t i = 0; i < V; i++) {
            uint64_t rank = ((uint64_t)i * mul + off) % V;
            z[i] = (float)(-sharp * 1.1 * log(1.0 + (double)rank) + 0.3 * rng_uniform(&g));
        }
        y->token[t] = (int32_t)(rng_next(&g) % (V < 50 ? V : 50)); /* a plausible (low-rank) id */
    }
    s->n_steps = n_steps;
    s->vocab_size = V;
    s->has_tokens = 1;
    s->dtype = "f32";
    *out = s;
    return LS_OK;
}
