/* dry.c: DRY, "don't repeat yourself" (llama.cpp, ported there from
 * koboldcpp; array path only).
 *
 * Over the last dry-last-n history tokens (-1: all of them): the most
 * recent sequence breaker limits how far back a repeat may reach; a
 * reversed Z-algorithm gives, for each earlier position, how long the
 * current suffix repeats there; a token that would extend a repeat of
 * length L >= allowed length loses multiplier * base^(L - allowed) from its
 * logit (the exponent capped so the power stays finite in float). Breaker
 * tokens themselves are never penalised. Off: multiplier 0, base < 1,
 * last-n 0, or no more history than the allowed length.
 *
 * Breakers (chain_ws.breaker, processed by the caller from the vocabulary:
 * dry_breakers.h) are llama.cpp's: a token containing a breaker string, or
 * a head token followed by the rest of the string over several tokens; the
 * newest match limits the repeat length. Only single-token breakers are
 * exempt from the penalty, as in llama.cpp.
 * Float arithmetic under llama.cpp's rules, double for exact. */
#include "sampling/stage.h"
#include "sampling/dry_breakers.h"

#include <math.h>
#include <stdlib.h>

/* history token i from the end (0 = the newest) of the window */
#define RAT(i) (ws->hist[ws->n_hist - 1 - (uint32_t)(i)])

static int is_breaker(const struct chain_ws *ws, int32_t id)
{
    return dry_breaker_single(ws->breaker, id);
}

/* cnt[last - k] = length of the suffix repeated ending k tokens back */
static void z_reverse(const struct chain_ws *ws, int n, int lim, int32_t *cnt)
{
    const int last = n - 1;
    int rt = 0, lt = 0;
    for (int k = 0; k < n; k++) cnt[k] = 0;
    for (int k = 1; k < n; k++) {
        if (k > rt) {
            int m = 0;
            while (m + k < n && RAT(m) == RAT(m + k)) m++;
            cnt[last - k] = m < lim ? m : lim;
            if (m > 0) { lt = k; rt = k + m - 1; }
        } else if (cnt[last - (k - lt)] < rt - k + 1) {
            int m = cnt[last - (k - lt)];
            cnt[last - k] = m < lim ? m : lim;
        } else {
            int i = rt + 1;
            while (i < n && RAT(i) == RAT(i - k)) i++;
            cnt[last - k] = i - k < lim ? i - k : lim;
            lt = k;
            rt = i - 1;
        }
    }
}

/* best[tok] for every token tok of the window: the longest repeat (>= the
 * allowed length) it would extend, or -1. Returns the window's length, 0
 * when DRY changes nothing (with a note where llama.cpp's would say why). */
static int dry_best(struct emu *e, double *best)
{
    const struct chain_ws *ws = e->ws;
    const struct params *p = e->p;
    int n = (int)ws->n_hist, allowed = p->dry_allowed_length;
    if (p->dry_last_n >= 0 && p->dry_last_n < n) n = p->dry_last_n;
    if (n <= allowed) { chain_note(e->r, "dry: history of %d tokens, not more than the allowed length", n); return 0; }
    int lim = dry_breakers_limit(ws->breaker, ws->hist, ws->n_hist, n);
    if (lim < allowed) return 0;
    /* the history can be longer than the vocabulary: its own scratch (the
     * one allocation on the array path) */
    int32_t *cnt = malloc((size_t)n * sizeof *cnt);
    if (!cnt) { chain_note(e->r, "dry: out of memory, skipped"); return 0; }
    z_reverse(ws, n, lim, cnt);
    for (int i = 0; i < n; i++) if (RAT(i) >= 0 && (uint32_t)RAT(i) < ws->V) best[RAT(i)] = -1;
    for (int i = 0; i < n - 1; i++) {
        int32_t tok = RAT(n - 2 - i);
        if (cnt[i] >= allowed && tok >= 0 && (uint32_t)tok < ws->V && cnt[i] > best[tok]) best[tok] = cnt[i];
    }
    free(cnt);
    return n;
}

/* the logit after the penalty for a repeat of length len */
static double penalised(const struct emu *e, double logit, double len)
{
    double base = emu_f(e, e->p->dry_base);
    int max_exp = base > 1.000001 ? (int)emu_f(e, 88.7228391 / emu_log(e, base)) : 0;
    int ex = (int)len - e->p->dry_allowed_length;
    if (max_exp > 0 && ex > max_exp) ex = max_exp;
    double pen = emu_f(e, emu_f(e, e->p->dry_multiplier) * pow(base, ex));
    return emu_f(e, logit - pen);
}

void emu_dry(struct emu *e)
{
    double *best = e->v; /* by id: the longest repeat the token would extend */
    for (uint32_t i = 0; i < e->n; i++) best[e->a[i].id] = -1;
    if (!dry_best(e, best)) return;
    for (uint32_t i = 0; i < e->n; i++) {
        int32_t id = e->a[i].id;
        if (best[id] < 0 || is_breaker(e->ws, id) || e->a[i].logit == -INFINITY) continue;
        e->a[i].logit = penalised(e, e->a[i].logit, best[id]);
    }
    e->sorted = 0;
}

int emu_dry_logits(struct emu *e, float *y)
{
    const struct chain_ws *ws = e->ws;
    double *best = e->v;
    int n = dry_best(e, best), finite = 1;
    for (int i = 0; i < n; i++) { /* each token of the window once: best -2 once done */
        int32_t id = RAT(i);
        if (id < 0 || (uint32_t)id >= ws->V || best[id] < 0) continue;
        if (!is_breaker(ws, id) && y[id] != -INFINITY) y[id] = (float)penalised(e, (double)y[id], best[id]);
        finite &= isfinite(y[id]) != 0;
        best[id] = -2;
    }
    return finite;
}
