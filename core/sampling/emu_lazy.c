/* emu_lazy.c: emu_run's accounting of a cut stage over many candidates
 * without a libm exp per candidate (see emu_lazy.h). Owner: hC (issue 9).
 *
 * emu_run's list_alive takes d = exp(logit - max) with libm for every
 * alive candidate (the stage's input distribution) and account sums them
 * in list order: S over all, rem over the cut ones; the tie flag compares
 * the largest cut d with the smallest kept one. Only top-p reads d itself;
 * for every other stage the sums are formed after it by seqsum_exp.h from
 * a vector exp's estimates (libm asked wherever an estimate's interval
 * could round a sum another way), and the extremes from the few candidates whose estimates could be them (an
 * estimate more than 3 bounds beyond the extreme one cannot be). The list
 * keeps the logits as floats (every logit is one under system rules), so
 * the masked ones are still known after the stage. Units: logits in nats,
 * d unnormalised. */
#include "sampling/emu_lazy.h"
#include "sampling/seqsum_exp.h"

#include <math.h>

#define NEAR_REL 0x1p-44 /* a candidate for an extreme: within this of the extreme estimate */
#define NEAR_ABS 0x1p-998
#define MARK 0xFF

int emu_lazy_list(struct emu *e, uint32_t *n_in)
{
    double mx = -INFINITY;
    uint32_t m = 0;
    if (!e->f32 || e->n < EMU_LAZY_MIN) return 0;
    for (uint32_t i = 0; i < e->n; i++) {
        double l = e->a[i].logit;
        if (l == -INFINITY) continue;
        float f = (float)l;
        if ((double)f != l) return 0;
        e->in[m] = e->a[i].id;
        e->yd[m++] = f;
        if (l > mx) mx = l;
    }
    if (m < EMU_LAZY_MIN) return 0;
    *n_in = m;
    e->mx_in = mx;
    e->S_in = NAN;
    return 1;
}

/* libm's smallest kept and largest cut weight, from the estimates d */
static void extremes(const struct emu *e, uint32_t n, const uint8_t *cut, double *kept_min, double *cut_max)
{
    const struct seqsum_exp x = { e->yd, 1.0f, e->mx_in };
    double ek = INFINITY, ec = -INFINITY;
    for (uint32_t j = 0; j < n; j++) {
        if (cut[j]) { if (e->d[j] > ec) ec = e->d[j]; }
        else if (e->d[j] < ek) ek = e->d[j];
    }
    double khi = ek * (1 + NEAR_REL) + NEAR_ABS, clo = ec * (1 - NEAR_REL) - NEAR_ABS;
    *kept_min = INFINITY;
    *cut_max = -INFINITY;
    for (uint32_t j = 0; j < n; j++) {
        if (cut[j] ? e->d[j] < clo : e->d[j] > khi) continue;
        double d = seqsum_exp_d(&x, j);
        if (cut[j]) { if (d > *cut_max) *cut_max = d; }
        else if (d < *kept_min) *kept_min = d;
    }
}

void emu_lazy_account(struct emu *e, uint32_t n_in, uint8_t code, int ties_count)
{
    struct chain_result *r = e->r;
    uint8_t *cut = (uint8_t *)(void *)e->v2; /* free once the stage is done */
    uint32_t out = 0;
    double raw = 0.0, s[2], kept_min, cut_max;
    for (uint32_t i = 0; i < e->n; i++)
        if (e->a[i].logit != -INFINITY) { r->cut_by[e->a[i].id] = MARK; out++; }
    for (uint32_t j = 0; j < n_in; j++) {
        int32_t id = e->in[j];
        cut[j] = r->cut_by[id] != MARK;
        if (!cut[j]) continue;
        r->cut_by[id] = code;
        raw += r->have_raw ? chain_raw_p(r, (uint32_t)id) : NAN;
    }
    for (uint32_t i = 0; i < e->n; i++)
        if (e->a[i].logit != -INFINITY) r->cut_by[e->a[i].id] = CUT_NONE;
    struct seqsum_exp x = { e->yd, 1.0f, e->mx_in };
    seqsum_exp_estimate(&x, n_in, e->d); /* by position */
    if (e->masses) seqsum_exp_masses(&x, e->d, 1.0, cut, n_in, s);
    else s[0] = s[1] = raw = NAN; /* draws and scores read no stage mass (the counts and the tie flag they may) */
    extremes(e, n_in, cut, &kept_min, &cut_max);
    /* a cut token as likely as a kept one: only the tie order chose */
    if (cut_max == kept_min && ties_count) emu_decided(e, DECIDED_TIE);
    e->rep->kept_in = n_in;
    e->rep->kept_out = out;
    e->rep->mass_removed = s[0] > 0 || isnan(s[0]) ? s[1] / s[0] : 0.0;
    e->rep->raw_mass_removed = raw;
}
