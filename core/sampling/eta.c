/* eta.c: HF's eta cutoff (array path only): eta = min(epsilon,
 * sqrt(epsilon) * exp(-H)) with H the entropy of the current softmax (the
 * full one: eta is computed on every current candidate); mask p < eta,
 * except the top min-keep by score (ties kept). Float32 under HF's rules,
 * double for exact. 0 = off. */
#include "sampling/stage.h"

#include <math.h>

void emu_eta(struct emu *e)
{
    double mx = emu_softmax(e), S = 0.0, H = 0.0;
    for (uint32_t i = 0; i < e->n; i++) S += exp(e->a[i].logit - mx);
    double lse = mx + log(S);
    for (uint32_t i = 0; i < e->n; i++)
        if (e->a[i].p > 0) H -= e->a[i].p * emu_f(e, e->a[i].logit - lse);
    emu_mask_below(e, emu_eta_floor(e, H));
}

double emu_eta_floor(struct emu *e, double H)
{
    double eps = emu_f(e, e->p->eta);
    double eta = emu_f(e, emu_f(e, sqrt(eps)) * emu_exp(e, -emu_f(e, H)));
    if (eps < eta) eta = eps;
    chain_note(e->r, "eta cutoff %.6g (entropy %.4g nats)", eta, H);
    return eta;
}
