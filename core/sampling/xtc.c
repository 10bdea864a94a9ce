/* xtc.c: XTC, "exclude top choices" (llama.cpp; array path only).
 *
 * Per position, a draw u in [0, 1) from XTC's own generator; if u >
 * probability nothing happens. Otherwise sorted softmax, and every token in
 * the leading run with p >= threshold except the last (least likely) of
 * them is removed, provided at least two pass and min-keep remain.
 * Off when probability <= 0 or threshold > 0.5 (stage_active), or with
 * fewer than two candidates. llama.cpp's sorted softmax over the whole
 * vocabulary is owed rather than run where nothing after XTC reads its tie
 * order (emu_defer_sort.c); only a removed run that ends inside a tie
 * reads it, and then the sort is made.
 *
 * The draw: llama.cpp advances one mt19937 per position reached; we cannot
 * know how many positions a real run consumed, so each position has its
 * own stream: xoshiro seeded from (seed, position) (base/rng.h), first
 * value, as float. Same seed and position, same decision, on every machine. */
#include "sampling/stage.h"
#include "base/rng.h"

#include <string.h>

#define XTC_SALT 0x58544321ull /* "XTC!": XTC's draws are not the token draw's */

double emu_xtc_draw(uint64_t seed, uint64_t position)
{
    struct rng g;
    rng_seed(&g, (seed ^ XTC_SALT) * 0x9E3779B97F4A7C15ull + position);
    return (double)(float)rng_uniform(&g);
}

void emu_xtc(struct emu *e)
{
    if (e->n < 2) return;
    double u = emu_xtc_draw(e->ws->seed, e->ws->position);
    if (u > e->p->xtc_probability) {
        chain_note(e->r, "xtc: draw %.4f > probability %.4g, no-op at this position", u, e->p->xtc_probability);
        return;
    }
    if (emu_llama(e)) { if (!emu_sort_defer(e)) emu_llama_softmax(e, 1); } /* ties in id order: see below */
    else { emu_softmax(e); emu_sort_desc(e); }
    uint32_t last = 0;
    double thr = emu_f(e, e->p->xtc_threshold);
    for (uint32_t i = 0; i < e->n; i++) {
        if (e->a[i].p >= thr) last = i;
        else break;
    }
    chain_note(e->r, "xtc: draw %.4f <= probability %.4g: %u top choice(s) removed", u, e->p->xtc_probability,
               last > 0 && e->n - last >= emu_min_keep(e) ? last : 0);
    if (e->n - last >= emu_min_keep(e) && last > 0) {
        /* the removed run ends inside a run of equal values: which of them
         * go is the sort's tie order (the p, hence last, stay the same) */
        if (e->a[last - 1].logit == e->a[last].logit) emu_sort_settle(e);
        memmove(e->a, e->a + last, (size_t)(e->n - last) * sizeof *e->a);
        e->n -= last;
    }
}
