/* emu_trim_mirostat.c: llama.cpp's mirostat (v1 or v2) after at most a
 * plain temperature, without building the whole-vocabulary array (as
 * emu_trim.c does for a first top-k or top-p).
 *
 * With mirostat on, llama.cpp runs only logit-bias, temperature and
 * mirostat. Mirostat's sorted softmax sums expf(v - max) over every
 * candidate in descending value order, a sum that depends on the distinct
 * values and how often each occurs (emu_ties.c); its cut reads the p of
 * the first positions only. So: the temperature's float division in one
 * vector pass, the distinct values counted on that float copy, the sum
 * and the cut by value, and only the kept candidates made into records,
 * in the order emu_mirostat's own shortcut keeps them (descending value,
 * ties in id order). The reports are what emu_run's accounting would give
 * (emu_account_first over the temperature's output, d = exp(y - max)
 * per token). Not applied, and
 * emu_run runs the whole array: a logit-bias, a temperature after
 * mirostat, a greedy, raised or dynamic temperature, a masked logit, no
 * raw distribution, too many distinct values or survivors, or a cut
 * between equal values. */
#include "sampling/stage.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

/* mirostat's index, with the temperature's before it in *kt (-1: none),
 * when nothing else runs; -1 otherwise */
static int running_stages(const struct emu *e, int *kt)
{
    int km = -1;
    *kt = -1;
    for (int k = 0; k < e->c->n; k++) {
        enum stage_kind s = e->c->order[k];
        if (!stage_active(s, e->p)) continue;
        if (s == STAGE_MIROSTAT && km < 0) km = k;
        else if (s == STAGE_TEMPERATURE && km < 0 && *kt < 0) *kt = k;
        else if (s == STAGE_TEMPERATURE || s == STAGE_LOGIT_BIAS || s == STAGE_MIROSTAT) return -1;
        /* every other stage is replaced by mirostat: it does not run */
    }
    return km;
}

/* the cut's length in positions (v1 or v2, as emu_mirostat reads the
 * sorted candidates), from the distinct values vals[0..nd) */
static uint32_t cut_length(struct emu *e, const struct emu_value *vals, uint32_t nd, float cum, double mu)
{
    float mx = vals[0].v;
    uint32_t off = 0;
    if (e->p->mirostat == 1) { /* v1 reads the first 100 p */
        struct ls_tok *a = e->buf;
        for (uint32_t i = 0; i < nd && off < 100; i++) {
            float p = expf(vals[i].v - mx) / cum;
            for (uint32_t c = 0; c < vals[i].count && off < 100; c++) a[off++].p = p;
        }
        return emu_mirostat_v1_k(e, a, mu);
    }
    uint32_t i = 0;
    for (; i < nd; i++) {
        if (emu_mirostat_surprised(e, expf(vals[i].v - mx) / cum, mu)) break;
        off += vals[i].count;
    }
    chain_note(e->r, "mirostat v2: mu %.6g", mu);
    return off ? off : 1;
}

/* the value of the last kept position when m ends a run of equal values
 * (m positions kept), else NAN */
static double boundary_value(const struct emu_value *vals, uint32_t nd, uint32_t m)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < nd && off < m; i++) {
        off += vals[i].count;
        if (off == m) return vals[i].v;
    }
    return NAN;
}

/* the kept tokens (y >= lo, m of them) into e->a, by value descending,
 * ties in id order; 0 if not m */
static int take_kept(struct emu *e, const float *y, uint32_t V, double lo, uint32_t m)
{
    if (vm_collect_ge(y, V, lo, e->in) != m) return 0;
    for (uint32_t t = 0; t < m; t++) { e->ix[t] = (int32_t)t; e->v[t] = -(double)y[e->in[t]]; }
    emu_argsort(e->v, e->ix, e->ix2, m, e->buf); /* stable: ties stay in id order */
    for (uint32_t t = 0; t < m; t++) {
        int32_t id = e->in[e->ix[t]];
        e->a[t] = (struct ls_tok){ id, (double)y[id], 0.0 };
    }
    e->n = m;
    e->sorted = 1;
    return 1;
}

/* the reports of every stage up to km (inactive, temperature at kt, and
 * mirostat keeping e->a[0..n)) as emu_run's accounting gives them */
static void report(struct emu *e, const float *y, float mx, int kt, int km)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    for (int k = 0; k <= km; k++) {
        memset(&r->stages[k], 0, sizeof r->stages[k]);
        r->stages[k].kind = e->c->order[k];
        r->stages[k].kept_in = r->stages[k].kept_out = V;
        r->stages[k].active = k == kt || k == km;
    }
    memset(r->cut_by, (uint8_t)(CUT_STAGE0 + km), V);
    for (uint32_t j = 0; j < e->n; j++) r->cut_by[e->a[j].id] = CUT_NONE;
    e->rep = &r->stages[km];
    e->rep->kept_out = e->n;
    emu_exp_memo(y, V, (double)mx, e->d); /* the stage's input distribution, as list_alive's */
    emu_account_first(e, e->rep);
}

/* the candidates after the temperature (float division), or z itself */
static const float *temperature_out(struct emu *e, const float *z, int kt)
{
    double T = e->p->temperature;
    if (kt < 0) return z;
    if (!(T > 0) || T < e->c->temp_floor || e->p->dynatemp_range > 0) return NULL; /* emu_temperature's notes */
    vm_fdiv(z, e->r->V, (float)T, e->yf);
    e->r->effective_temperature = T;
    return e->yf;
}

int emu_trim_mirostat(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, nd;
    int kt, km = running_stages(e, &kt);
    if (!emu_llama(e) || e->p->mirostat <= 0 || km < 0 || !r->have_raw || V <= 128) return -1;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V) return -1;
    const float *y = temperature_out(e, z, kt);
    struct emu_value *vals = (struct emu_value *)(void *)e->v; /* n / 4 pairs in V doubles */
    if (!y || !(nd = emu_distinct_desc(e, y, V, vals))) return -1;
    float mx = vals[0].v, cum = 0.0f;
    for (uint32_t i = 0; i < nd; i++) { /* llama.cpp's sorted sum: one add per candidate */
        float ex = expf(vals[i].v - mx);
        if (ex != 0.0f) for (uint32_t c = 0; c < vals[i].count; c++) cum += ex;
    }
    size_t note = strlen(r->note);
    double mu = e->ws->mu_set ? e->ws->mu : 2.0 * emu_f(e, e->p->mirostat_tau);
    e->n = V;
    e->rep = &r->stages[km];
    uint32_t m = cut_length(e, vals, nd, cum, mu);
    double lo = boundary_value(vals, nd, m);
    if (m > V / 4 || isnan(lo) || !take_kept(e, y, V, lo, m)) {
        r->note[note] = 0; /* emu_run's whole array writes it again */
        return -1;
    }
    report(e, y, mx, kt, km);
    emu_llama_softmax(e, 1); /* mirostat's last sorted softmax, over the kept */
    return km;
}
