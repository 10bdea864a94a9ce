/* emu_trim_typical.c: HF's typical-p as the first cut over plain arrays
 * by token id, sorting only the prefix it reads (see emu.h
 * emu_typical_ids; emu_trim_eps.c lays out the run). Owner: hE (issue 9).
 * Units: y logits in nats; p torch's float probabilities; v the scores
 * |-ln p - H| in nats (float, as typical.c rounds them).
 *
 * typical.c's hf_typical argsorts every score (stable: ties by position),
 * walks the float-rounded cumulative mass in that order and keeps every
 * score at or below the one where it first reaches p. The walk reads only
 * a prefix of the order. Here the scores are binned by value (a monotone
 * bin index, so every score in a bin at or below b is below every score
 * beyond it: the prefix of the whole order is the order of those), the
 * bins are taken until their mass passes p with room to spare, only
 * their tokens are sorted (in id order: the same stable order), and the
 * same walk decides; when it does not stop inside them (the room was not
 * enough), -1 and the array path runs. Same arithmetic as hf_typical on
 * the same values: the same bits. */
#include "sampling/stage.h"

#include <math.h>

#define NBINS 2048
#define ROOM 1e-3 /* mass beyond p that the sorted bins hold, for the float walk's rounding */

/* H (float, typical.c's: the p-weighted log-probabilities) and the scores
 * into v; their largest */
static float scores(const struct emu *e, const float *y, const float *ef, double s, double lse, float *v)
{
    uint32_t V = e->r->V;
    double H = 0.0;
    for (uint32_t i = 0; i < V; i++) {
        double p = emu_f(e, (double)ef[i] / s), lp = emu_f(e, (double)y[i] - lse);
        if (p > 0) H += lp * p;
    }
    H = emu_f(e, -H);
    float vmax = 0.0f;
    for (uint32_t i = 0; i < V; i++) {
        v[i] = (float)fabs(-emu_f(e, (double)y[i] - lse) - H);
        if (v[i] > vmax) vmax = v[i];
    }
    return vmax;
}

static inline uint32_t bin_of(float v, double scale) { return (uint32_t)((double)v * scale); }

/* the tokens (ascending ids, into e->ix) of the bins whose approximate
 * mass reaches p + ROOM (every token when none do); their count */
static uint32_t candidates(struct emu *e, const float *v, const float *ef, double s, float vmax)
{
    uint32_t V = e->r->V, last = NBINS - 1, c = 0;
    double mass[NBINS] = { 0 }, scale = vmax > 0 ? (double)(NBINS - 1) / (double)vmax : 0.0, cum = 0.0;
    for (uint32_t i = 0; i < V; i++) mass[bin_of(v[i], scale)] += (double)ef[i] / s;
    for (uint32_t b = 0; b < NBINS; b++) {
        cum += mass[b];
        if (cum >= e->p->typical_p + ROOM) { last = b; break; }
    }
    for (uint32_t i = 0; i < V; i++) if (bin_of(v[i], scale) <= last) e->ix[c++] = (int32_t)i;
    return c;
}

int32_t emu_typical_ids(struct emu *e, const float *y, const float *ef, double s, double ymax)
{
    uint32_t V = e->r->V;
    float *v = e->yd;
    double lse = emu_f(e, emu_lse_seq(e, y, V, ymax));
    float vmax = scores(e, y, ef, s, lse, v);
    uint32_t c = candidates(e, v, ef, s, vmax), last = 0, j;
    for (j = 0; j < c; j++) {
        e->v[j] = (double)v[e->ix[j]];
        e->in[j] = (int32_t)j;
    }
    emu_argsort(e->v, e->in, e->ix2, c, e->buf); /* stable: ties in id order, as over every token */
    double acc = 0.0;
    for (j = 0; j < c; j++) { /* hf_typical's count: the cumulative mass only grows */
        acc += emu_f(e, (double)ef[e->ix[e->in[j]]] / s);
        if (!(emu_f(e, acc) < e->p->typical_p)) break;
        last++;
    }
    if (j == c && c < V) return -1; /* not reached inside the sorted bins */
    if (last > V - 1) last = V - 1;
    double bound = e->v[e->in[last]];
    uint32_t m = 0;
    for (j = 0; j < c; j++) if (e->v[j] <= bound) e->ix[m++] = e->ix[j];
    return (int32_t)m;
}
