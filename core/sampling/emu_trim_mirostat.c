/* emu_trim_mirostat.c: llama.cpp's mirostat (v1 or v2) after at most a
 * temperature (plain or temp-ext's dynamic one), without building the
 * whole-vocabulary array (as emu_trim.c does for a first top-k or top-p).
 *
 * With mirostat on, llama.cpp runs only logit-bias, temperature and
 * mirostat. Mirostat's sorted softmax sums expf(v - max) over every
 * candidate in descending value order; its cut reads the p of the first
 * positions only. The sum: by distinct value when the values are few
 * (emu_ties.c), else over the values grouped by value (emu_fsum.c: sorted
 * only where the float sum reads the order). Only the kept candidates are
 * made into records, in the order emu_mirostat's own shortcut keeps them
 * (descending value, ties in id order). temp-ext's dynamic temperature
 * needs the entropy of the sorted softmax over every candidate: its two
 * float sums the same way (emu_fsum.c), then the division by the dynamic
 * T in one vector pass. The reports are what emu_run's accounting would
 * give (emu_account_first over the temperature's output, d = exp(y - max)
 * per token; emu_account.c: without a libm exp per token). Not applied,
 * and emu_run runs the whole array: a logit-bias, a temperature after
 * mirostat, a greedy or raised temperature, a masked logit, no raw
 * distribution where the masses are read (e->masses: draws and
 * scores read none, and none are formed for them), too many survivors, or
 * a cut between equal values.
 * (owner of the grouped and dynamic paths: hD) */
#include "sampling/stage.h"
#include "sampling/emu_fsum.h"
#include "base/vmath.h"
#include "base/vmath_expf.h"
#include "base/vmath_exp_ids.h"

#include <math.h>
#include <stdlib.h>
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
            float p = ls_expf(vals[i].v - mx) / cum;
            for (uint32_t c = 0; c < vals[i].count && off < 100; c++) a[off++].p = p;
        }
        return emu_mirostat_v1_k(e, a, mu);
    }
    uint32_t i = 0;
    for (; i < nd; i++) {
        if (emu_mirostat_surprised(e, ls_expf(vals[i].v - mx) / cum, mu)) break;
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
 * mirostat keeping e->a[0..n), yk the smallest kept value) as emu_run's
 * accounting gives them */
static void report(struct emu *e, const float *y, float mx, double yk, const double *sums, int kt, int km)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    emu_reports_whole(e, km + 1, kt, km);
    if (e->n == V) { /* every token kept (e->a is not read: finish_all makes none) */
        memset(r->cut_by, CUT_NONE, V);
        /* nothing cut, so no tie; a run without masses reads none (as
         * emu_account_first_report gives it: every kept weight is far
         * above 2^-1000, each p being a float above 0) */
        if (!e->masses) { e->rep->mass_removed = e->rep->raw_mass_removed = NAN; return; }
    } else {
        memset(r->cut_by, (uint8_t)(CUT_STAGE0 + km), V);
        for (uint32_t j = 0; j < e->n; j++) r->cut_by[e->a[j].id] = CUT_NONE;
    }
    e->rep = &r->stages[km];
    e->rep->kept_out = e->n;
    emu_account_first_report(e, y, (double)mx, yk, 0, sums, e->rep);
}

/* the candidates after a plain temperature (float division), or z itself;
 * NULL for what emu_temperature would note or make greedy */
static const float *temperature_out(struct emu *e, const float *z, int kt)
{
    double T = e->p->temperature;
    if (kt < 0) return z;
    if (!(T > 0) || T < e->c->temp_floor || e->p->dynatemp_range > 0) return NULL;
    vm_fdiv(z, e->r->V, (float)T, e->yf);
    e->r->effective_temperature = T;
    return e->yf;
}

static double mu_now(const struct emu *e)
{
    return e->ws->mu_set ? e->ws->mu : 2.0 * emu_f(e, e->p->mirostat_tau);
}

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* a sample of 256 values nearly all distinct: counting the values would
 * give up (more than V / 4 of them) after a pass over a quarter of V; a
 * guess, for speed only (both ways give the same result) */
static int mostly_distinct(const float *y, uint32_t V)
{
    enum { S = 256 };
    float s[S];
    if (V < 16 * S) return 0;
    for (uint32_t i = 0; i < S; i++) s[i] = y[(uint64_t)i * V / S + i % 7];
    qsort(s, S, sizeof *s, cmp_f);
    uint32_t d = 1;
    for (uint32_t i = 1; i < S; i++) d += s[i] != s[i - 1];
    return d > S * 7 / 8;
}

/* the kept prefix's length m (m values v >= lo), 0 when the values are
 * too many to count (nothing written); *lo NaN: a cut between equal values */
static uint32_t keep_by_value(struct emu *e, const float *y, float mx, double *lo)
{
    uint32_t V = e->r->V, nd;
    struct emu_value *vals = (struct emu_value *)(void *)e->v; /* n / 4 pairs in V doubles */
    if (mostly_distinct(y, V) || !(nd = emu_distinct_desc(e, y, V, vals))) return 0;
    float cum = 0.0f;
    for (uint32_t i = 0; i < nd; i++) { /* llama.cpp's sorted sum: one add per candidate */
        float ex = ls_expf(vals[i].v - mx);
        if (ex != 0.0f) for (uint32_t c = 0; c < vals[i].count; c++) cum += ex;
    }
    uint32_t m = cut_length(e, vals, nd, cum, mu_now(e));
    *lo = boundary_value(vals, nd, m);
    return m;
}

/* v2's cut over the grouped values (sorted as far as read): 0 when the
 * cut falls below the groups */
static uint32_t grouped_v2(struct emu *e, struct fsum_groups *g, float cum, double mu)
{
    uint32_t i = 0;
    for (; i < g->n; i++) {
        fsum_sort_upto(g, i + 1);
        if (emu_mirostat_surprised(e, ls_expf(g->y[i] - g->my) / cum, mu)) break;
    }
    chain_note(e->r, "mirostat v2: mu %.6g", mu);
    if (i == g->n && g->n < e->r->V) return 0;
    return i ? i : 1;
}

/* the same from the grouped values of y (every y[i] >= lo grouped, the
 * others weighing less than 2^-24 after the shift); *cut: the cut's
 * length as found, whether or not it is taken here (0: not found) */
static uint32_t keep_grouped(struct emu *e, struct fsum_groups *g, double *lo, uint32_t *cut)
{
    uint32_t V = e->r->V, m;
    float cum = fsum_exp(g);
    double mu = mu_now(e);
    if (e->p->mirostat == 1) { /* v1 reads the first 100 p */
        uint32_t need = V < 100 ? V : 100;
        if (g->n < need) return 0;
        fsum_sort_upto(g, need);
        for (uint32_t i = 0; i < need; i++) e->buf[i].p = ls_expf(g->y[i] - g->my) / cum;
        m = emu_mirostat_v1_k(e, e->buf, mu);
    } else {
        m = grouped_v2(e, g, cum, mu);
    }
    *cut = m; /* (v1's k, when it reaches V: every token kept) */
    if (!m || m > g->n || m > V / 4) return 0;
    fsum_sort_upto(g, m + 1);
    *lo = g->y[m - 1];
    if (m < g->n && g->y[m] == g->y[m - 1]) return 0; /* a cut between equal values */
    return m;
}

/* The cut wherever it falls (mu large: up to every token kept), when the
 * groups do not reach it: every value sorted once (stable, so ties in id
 * order as take_kept leaves them), llama.cpp's float sum over them in that
 * order to the bit (vm_expf_seqsum), the cut by bisection, the kept prefix
 * straight into e->a with the p of mirostat's last sorted softmax over it.
 * The bisection finds llama.cpp's first surprised position: ex never rises
 * along the order (checked), so neither does p = ex / cum (one rounding);
 * and -(float)log2(p) never falls as p rises, since libm's log2 (within an
 * ulp) of two floats p < p' <= 1 differs by more than 2^-25 / ln 2 while an
 * ulp of |log2 p| <= 150 is at most 2^-45. 0 when not applicable (ex
 * rising, or a cut between equal values: llama.cpp's tie order decides).
 * Scratch: e->v, e->ix2, e->buf (the sort), e->v2 (values, exps). */
static uint32_t keep_sorted(struct emu *e, const float *y, float mx, double mu)
{
    uint32_t V = e->r->V, m;
    float *ys = (float *)(void *)e->v2, *ex = ys + V; /* V doubles: room for both */
    for (uint32_t i = 0; i < V; i++) { e->ix[i] = (int32_t)i; e->v[i] = -(double)y[i]; }
    emu_argsort(e->v, e->ix, e->ix2, V, e->buf);
    for (uint32_t t = 0; t < V; t++) ys[t] = y[e->ix[t]];
    float cum = vm_expf_seqsum(ys, V, mx, ex, NULL, NULL);
    for (uint32_t t = 1; t < V; t++) if (ex[t] > ex[t - 1]) return 0;
    if (e->p->mirostat == 1) { /* v1 reads the first 100 p */
        for (uint32_t i = 0; i < V && i < 100; i++) e->buf[i].p = ex[i] / cum;
        m = emu_mirostat_v1_k(e, e->buf, mu);
    } else {
        uint32_t lo = 0, hi = V; /* the first surprised position is in [lo, hi] */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (emu_mirostat_surprised(e, ex[mid] / cum, mu)) hi = mid;
            else lo = mid + 1;
        }
        chain_note(e->r, "mirostat v2: mu %.6g", mu);
        m = lo ? lo : 1;
    }
    if (m < V && ys[m - 1] == ys[m]) return 0;
    float ck = cum; /* the last softmax's own sum, over the kept */
    if (m < V) { ck = 0.0f; vm_fsum_reach(ex, m, INFINITY, &ck); }
    for (uint32_t t = 0; t < m; t++) e->a[t] = (struct ls_tok){ e->ix[t], (double)ys[t], (double)(ex[t] / ck) };
    e->n = m;
    e->sorted = 1;
    return m;
}

/* finish_trim's way when the cut falls below the groups (keep_sorted):
 * the reports (the notes from note on dropped), and the final weights exp(y - mx) of the kept (libm's, as
 * emu_run's finish takes them) into r->p by one vector pass */
static int finish_sorted(struct emu *e, const float *y, float mx, int kt, int km, size_t note)
{
    e->r->note[note] = 0; /* a cut's note from the groups that did not reach it */
    uint32_t m = keep_sorted(e, y, mx, mu_now(e));
    if (!m) return -1;
    report(e, y, mx, e->a[m - 1].logit, NULL, kt, km);
    if (m == e->r->V) /* every token, ascending in ws->finite (V finite, checked): no gathers */
        vm_libm_exp_kept(y, e->ws->finite, m, e->r->cut_by, CUT_NONE, m, (double)mx, e->r->p);
    else vm_libm_exp_ids(y, e->ix, m, (double)mx, e->r->p);
    e->final_w = 1;
    return km;
}

/* the values of y grouped for a sum from the top down (emu_fsum.h), those
 * below mx - low left out: three groups when the weights' sum is surely
 * below 2 (S_hi: it stays in [1, 2) once the maximum's 1 is added), the
 * few above e^-8 (some too large to add as units, or often ties of the
 * grid: their order counts), those above e^-12 or e^-16 (a tie there,
 * rare, sorts them) and the rest (ties rarer still); else fsum_group's
 * slices of the range */
static void group_y(struct emu *e, struct fsum_groups *g, const float *y, float mx, double S_hi, double low)
{
    uint32_t V = e->r->V;
    if (S_hi < 1.99) {
        const double thr[3] = { (double)mx - 8.0, (double)mx - (low < 20.0 ? 12.0 : 16.0), (double)mx - low };
        fsum_group3(g, y, V, thr, mx, e->yd, (uint32_t *)e->ix2, e->v, (uint32_t *)e->in);
    } else {
        fsum_group(g, y, V, mx, (double)mx - low, e->yd, (uint32_t *)e->ix2, V, e->v, (uint32_t *)e->in);
    }
}

/* v2 keeping every token (keeps_all) for a draw, nothing sorted: every
 * weight exp(y - mx), libm's, by one vector pass into r->p, and their sum
 * in descending value order (as emu_run's finish adds them over the sorted
 * array) from the groups (emu_fsum.c: exact without the order but where
 * the sum leaves a binade; a term below mx - 40 weighs less than half an
 * ulp of the sum, at least 1); emu_run's finish divides (e->final_w 2)
 * and leaves the entropy NaN, which a draw does not read. ymin: the
 * smallest y (the smallest kept). */
static int finish_all(struct emu *e, const float *y, float mx, float ymin, double S, int kt, int km, int v2)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    struct fsum_groups g;
    e->n = V;
    if (v2) chain_note(r, "mirostat v2: mu %.6g", mu_now(e)); /* (v1's k noted its own) */
    report(e, y, mx, ymin, NULL, kt, km);
    vm_libm_exp_kept(y, e->ws->finite, V, r->cut_by, CUT_NONE, V, (double)mx, r->p);
    group_y(e, &g, y, mx, S, 40.0);
    e->final_s = fsum_dexp(&g);
    e->final_w = 2;
    return km;
}

/* the smallest y and bounds on the sum of exp(y - mx) (S_hi) and on
 * llama.cpp's float sum of the same in any order (cum_hi: its adds within
 * V 2^-24 of the sum, V below 2^22; ls_expf within 2^-20) */
static void y_bounds(const float *y, uint32_t V, float mx, float *ymin, double *S_hi, double *cum_hi)
{
    float l8[8] = { mx, mx, mx, mx, mx, mx, mx, mx }, lo = mx; /* (eight lanes: one vector min) */
    uint32_t i = 0;
    for (; i + 8 <= V; i += 8)
        for (int k = 0; k < 8; k++) l8[k] = y[i + k] < l8[k] ? y[i + k] : l8[k];
    for (; i < V; i++) lo = y[i] < lo ? y[i] : lo;
    for (int k = 0; k < 8; k++) lo = l8[k] < lo ? l8[k] : lo;
    *ymin = lo;
    double err, S = vm_expf_sum(y, V, mx, &err);
    *S_hi = (S + err) * (1.0 + 0x1p-20);
    *cum_hi = *S_hi * (1.0 + V * 0x1p-23);
}

/* v2 keeps every token for sure (then the sorted way at once, without
 * the groups): the smallest p is at least exp(ymin - mx) / cum up to the
 * roundings (ls_expf's 2^-20, the float subtraction's), cum at most the
 * exp sum (vm_expf_sum's, within err) times 1 + V 2^-23 (its float adds,
 * V below 2^22), and that p's surprise with a bit to spare is not above mu */
static int keeps_all(const struct emu *e, float mx, float ymin, double cum_hi)
{
    double d = (double)ymin - (double)mx;
    return e->p->mirostat == 2 && d > -80.0 && mu_now(e) > -d / log(2.0) + log2(cum_hi) + 1.0;
}

/* emu_run's masses for mirostat after temp-ext's sort (the array in
 * value order: its sums run so), m kept; 0 when a value left out of the
 * groups could still count */
static int sorted_sums(struct emu *e, struct fsum_groups *g, uint32_t m, double s[3])
{
    const struct chain_result *r = e->r;
    if (!r->have_raw || !(r->raw_sum > 0)) return 0;
    fsum_masses(g, m, r->raw_sum, s);
    /* the largest terms left out: z below lo, y below lo / T (with room
     * for the float roundings of y and my, relative to their size) */
    double lo = g->lo, mz = g->mz, T = g->T, slack = (fabs(lo) + fabs(mz)) / T * 0x1p-21;
    double out_d = exp((lo - mz) / T + slack), out_r = exp(lo - mz + 0x1p-30) / r->raw_sum;
    if (g->n == r->V) return 1;
    return out_d < s[1] * 0x1p-60 && out_d < s[0] * 0x1p-60 && out_r < s[2] * 0x1p-60;
}

/* mirostat from y on: the cut, the kept records, the reports. g: the
 * values grouped after temp-ext's sort (the masses in value order), or
 * NULL (grouped here when the values are too many to count) */
static int finish_trim(struct emu *e, const float *y, float mx, int kt, int km, struct fsum_groups *g)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V, m = 0;
    double lo, sums[3], *ms = NULL;
    struct fsum_groups own;
    size_t note = strlen(r->note);
    int masses_sorted = g && e->masses; /* emu_run's masses in value order: sorted_sums */
    e->n = V;
    e->rep = &r->stages[km];
    float ymin = mx;
    double S_hi = INFINITY, cum_hi;
    uint32_t cut = 0;
    int draw = !g && !e->masses && e->flags_read; /* a draw (no masses, the flags read) needs no sort */
    if (!masses_sorted) y_bounds(y, V, mx, &ymin, &S_hi, &cum_hi);
    if (!masses_sorted && V <= (1u << 22) && keeps_all(e, mx, ymin, cum_hi))
        return draw ? finish_all(e, y, mx, ymin, S_hi, kt, km, 1) : finish_sorted(e, y, mx, kt, km, note);
    if (g && e->masses) ms = sums;
    if (!g) m = keep_by_value(e, y, mx, &lo);
    if (m && isnan(lo)) return -1;
    if (!m && !g) { /* ls_expf(v - mx) < 2^-24 below mx - 17: nothing to the sum */
        g = &own;
        group_y(e, g, y, mx, S_hi, 17.0);
    }
    if (!m) m = keep_grouped(e, g, &lo, &cut);
    if (!m && cut >= V && e->p->mirostat == 1 && draw) /* v1's k keeps every token */
        return finish_all(e, y, mx, ymin, S_hi, kt, km, 0);
    if ((!m || m > V / 4) && !masses_sorted) return finish_sorted(e, y, mx, kt, km, note);
    if (!m || m > V / 4 || (ms && !sorted_sums(e, g, m, ms))) return -1;
    if (!take_kept(e, y, V, lo, m)) return -1;
    report(e, y, mx, lo, ms, kt, km);
    emu_llama_softmax(e, 1); /* mirostat's last sorted softmax, over the kept */
    return km;
}

int emu_trim_mirostat(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    int kt, km = running_stages(e, &kt);
    /* the raw distribution is read by the masses only (a draw has none) */
    if (!emu_llama(e) || e->p->mirostat <= 0 || km < 0 || V <= 128) return -1;
    if (!r->have_raw && e->masses) return -1;
    if (e->ws->n_finite != V || e->ws->finite_iota_n != V) return -1;
    size_t note = strlen(r->note);
    int k = -1;
    float mx = (float)r->max_logit;
    if (kt >= 0 && e->p->dynatemp_range > 0) {
        struct fsum_groups g;
        float T = emu_dynatemp_groups(e, z, &g); /* y: e->yf, grouped in g */
        if (T > 0) k = finish_trim(e, e->yf, g.my, kt, km, &g);
    } else {
        const float *y = temperature_out(e, z, kt);
        if (y) k = finish_trim(e, y, kt < 0 ? mx : mx / (float)e->p->temperature, kt, km, NULL);
    }
    if (k < 0) r->note[note] = 0; /* emu_run's whole array writes them again */
    return k;
}
