/* emu_trim_sigma.c: starting the array path after llama.cpp's top-n-sigma
 * when it is the first active stage and a top-k reads its result, without
 * building the whole-vocabulary array (as emu_trim.c does for a first
 * top-k or top-p).
 *
 * The stage keeps the logits at or above its threshold (sigma_cut.c, over
 * the untouched logits in id order, as llama.cpp's array holds them); one
 * vector pass collects them, and emu_llama_alive_ids lays out what its
 * sorted softmax leaves in the positions the top-k reads (the survivors
 * as llama.cpp's bucket sort orders them, then masked entries). Its report
 * is what emu_run's accounting would give (emu_account_first over the raw
 * distribution; a run that reads no masses gets the tie flag only). Not
 * applied, and emu_run runs the whole array: mirostat on, a masked logit,
 * no raw distribution where the masses are read, many
 * survivors, a survivor in llama.cpp's lowest bucket, a logit so large
 * that its bucket index overflows, or anything but a top-k next. */
#include "sampling/stage.h"
#include "sampling/sigma_cut.h"
#include "base/vmath.h"

#include <math.h>
#include <string.h>

/* the k of an active top-k right after stage k0 (0: none; a stage in
 * between, even inactive, would report the array's length, which this
 * shortcut does not keep) */
static uint32_t next_top_k(const struct emu *e, int k0)
{
    int j = k0 + 1;
    if (j >= e->c->n || e->c->order[j] != STAGE_TOP_K || !stage_active(STAGE_TOP_K, e->p)) return 0;
    return (uint32_t)e->p->top_k;
}

/* stage k0's report and cut_by: the survivors ids[0..m) kept, the rest cut */
static void report(struct emu *e, const float *z, int k0, const int32_t *ids, uint32_t m)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    memset(r->cut_by, (uint8_t)(CUT_STAGE0 + k0), V);
    for (uint32_t j = 0; j < m; j++) r->cut_by[ids[j]] = CUT_NONE;
    for (int j = 0; j < k0; j++) { /* the inactive stages before it saw every token */
        memset(&r->stages[j], 0, sizeof r->stages[j]);
        r->stages[j].kind = e->c->order[j];
        r->stages[j].kept_in = r->stages[j].kept_out = V;
    }
    e->rep->kept_in = V;
    e->rep->kept_out = m;
    double zk = INFINITY;
    for (uint32_t j = 0; j < m; j++) if ((double)z[ids[j]] < zk) zk = (double)z[ids[j]];
    emu_account_first_report(e, z, r->max_logit, zk, z == e->z, NULL, e->rep);
}

int emu_trim_sigma(struct emu *e, const float *z)
{
    struct chain_result *r = e->r;
    uint32_t V = r->V;
    int k0 = emu_first_active(e, 0);
    if (!emu_llama(e) || e->p->mirostat > 0 || k0 < 0 || e->c->order[k0] != STAGE_TOP_N_SIGMA) return -1;
    if ((!r->have_raw && e->masses) || V <= 128 || e->ws->n_finite != V) return -1;
    if (e->ws->finite_iota_n != V) return -1;
    uint32_t k = next_top_k(e, k0);
    float mx = (float)r->max_logit, nsig = (float)e->p->top_n_sigma;
    if (k == 0 || k >= V || !(6.4f * mx + 64.0f < 2147483648.0f)) return -1; /* no bucket overflow */
    double thr = sigma_cut_f32(z, V, mx, nsig, 1, NULL);
    uint32_t m = (uint32_t)vm_collect_ge(z, V, thr, e->in);
    if (m == 0 || m > V / 4) return -1; /* emu_llama_sorted_alive's limit */
    struct stage_report *rep = &r->stages[k0];
    memset(rep, 0, sizeof *rep);
    rep->kind = STAGE_TOP_N_SIGMA;
    rep->active = 1;
    e->rep = rep;
    if (!emu_llama_alive_ids(e, z, e->in, m, k)) return -1;
    report(e, z, k0, e->in, m);
    return k0;
}
