/* emu.c: the array path's primitives (see emu.h): llama.cpp's sorts and
 * softmax in float, torch's stable ascending argsort, the exact order, and
 * the rules' exp/log. The stage files build on these; emu_run.c runs them. */
#include "sampling/emu.h"
#include "base/vmath_expf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double emu_exp(const struct emu *e, double x) { return e->f32 ? (double)ls_expf((float)x) : exp(x); }
double emu_log(const struct emu *e, double x) { return e->f32 ? (double)logf((float)x) : log(x); }

uint32_t emu_min_keep(const struct emu *e)
{
    uint32_t mk = e->p->min_keep > 0 ? (uint32_t)e->p->min_keep : 0;
    if (e->sys == PRESET_HF && mk < 1) mk = 1; /* HF's min_tokens_to_keep is >= 1 */
    return mk;
}

void emu_decided(struct emu *e, unsigned bits)
{
    if (!e->f32) return; /* exact rules decide ties by id, by definition */
    e->rep->decided |= bits;
    e->r->decided |= bits;
}

/* llama.cpp's bucket of a logit: int(6.4f * val + 64.0f), clamped to
 * [0, 127]. In llama.cpp the int conversion is undefined beyond INT_MAX
 * (x86 gives INT_MIN, the lowest bucket); we clamp correctly and flag it. */
static inline int bucket_of(struct emu *e, double val)
{
    float t = 6.4f * (float)val;
    t = t + 64.0f;
    if (t >= 2147483648.0f) { emu_decided(e, DECIDED_OVERFLOW); return 127; }
    if (!(t >= 0.0f)) return 0; /* negative, -inf (INT_MIN clamps to 0 too) */
    int ib = (int)t;
    return ib > 127 ? 127 : ib;
}

int emu_llama_bucket_of(struct emu *e, double val) { return bucket_of(e, val); }

/* every candidate's bucket into bidx, counted into histo; four counts per
 * bucket, so that a run of equal buckets (an n-gram model's tied tail) is
 * not one chain of increments of one counter */
static void bucket_count(struct emu *e, int32_t *bidx, uint32_t histo[128])
{
    uint32_t h4[4][128] = { { 0 } }, n = e->n, i = 0;
    for (; i + 4 <= n; i += 4)
        for (uint32_t l = 0; l < 4; l++) { bidx[i + l] = bucket_of(e, e->a[i + l].logit); h4[l][bidx[i + l]]++; }
    for (; i < n; i++) { bidx[i] = bucket_of(e, e->a[i].logit); h4[0][bidx[i]]++; }
    for (int j = 0; j < 128; j++) histo[j] = h4[0][j] + h4[1][j] + h4[2][j] + h4[3][j];
}

void emu_llama_bucket_fill(struct emu *e, uint32_t k, struct ls_tok *out, struct llama_buckets *b)
{
    uint32_t start[128];
    int32_t *bidx = e->ix2;
    bucket_count(e, bidx, b->histo);
    uint32_t nhave = 0;
    int ib = 127;
    for (; ib >= 0; ib--) { nhave += b->histo[ib]; if (nhave >= k) break; }
    if (ib < 0) ib = 0;
    uint32_t off = 0;
    for (int j = 127; j >= ib; j--) { b->base[j] = start[j] = off; off += b->histo[j]; }
    for (uint32_t i = 0; i < e->n; i++)
        if (bidx[i] >= ib) out[start[bidx[i]]++] = e->a[i];
    b->out = out;
    b->k = k;
    b->ib = ib;
    b->next = 127;
    b->ndone = 0;
    b->sorted_to = 0;
    b->dead_any_order = 0;
}

static int all_masked(const struct ls_tok *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) if (a[i].logit != -1.0 / 0.0) return 0;
    return 1;
}

void emu_llama_bucket_upto(struct llama_buckets *b, uint32_t upto)
{
    while (b->sorted_to < upto && b->next >= b->ib) {
        int j = b->next--;
        struct ls_tok *ptr = b->out + b->base[j];
        if (b->dead_any_order && all_masked(ptr, b->histo[j])) {
            b->ndone += b->histo[j];
            b->sorted_to = b->base[j] + b->histo[j];
        } else if (j > b->ib) {
            stdsort_sort(ptr, b->histo[j]);
            b->ndone += b->histo[j];
            b->sorted_to = b->base[j] + b->histo[j];
        } else {
            stdsort_partial(ptr, b->k - b->ndone, b->histo[j]);
            b->sorted_to = b->base[j] + (b->k - b->ndone);
        }
    }
}

void emu_llama_bucket(struct emu *e, uint32_t k, struct ls_tok *out)
{
    struct llama_buckets b;
    emu_llama_bucket_fill(e, k, out, &b);
    emu_llama_bucket_upto(&b, k);
}

void emu_llama_psort(struct emu *e, uint32_t k)
{
    if (k <= 128) {
        stdsort_partial(e->a, k, e->n);
    } else {
        emu_llama_bucket(e, k, e->buf);
        memcpy(e->a, e->buf, (size_t)k * sizeof *e->a);
    }
    e->n = k;
    e->sorted = 1;
}

void emu_llama_softmax(struct emu *e, int do_sort)
{
    enum { SLOTS = 256 };
    uint32_t key[SLOTS];
    float val[SLOTS];
    if (do_sort && !e->sorted) emu_llama_psort(e, e->n);
    float mx = (float)e->a[0].logit, cum = 0.0f;
    if (!e->sorted)
        for (uint32_t i = 1; i < e->n; i++) if ((float)e->a[i].logit > mx) mx = (float)e->a[i].logit;
    /* one expf per distinct value met (a small memo keyed by the bits; an
     * n-gram model's steps repeat a few hundred values): the same values */
    memset(key, 0xFF, sizeof key); /* the bits of a NaN: never a logit's */
    for (uint32_t i = 0; i < e->n; i++) {
        float l = (float)e->a[i].logit;
        uint32_t u;
        memcpy(&u, &l, sizeof u);
        uint32_t h = (u * 2654435761u) >> 24;
        if (key[h] != u) { key[h] = u; val[h] = ls_expf(l - mx); }
        e->a[i].p = val[h];
        cum += val[h];
    }
    for (uint32_t i = 0; i < e->n; i++) e->a[i].p = (float)e->a[i].p / cum;
}

void emu_llama_sorted_p(struct emu *e)
{
    uint32_t n = e->n;
    struct ls_tok *a = e->a;
    if (emu_llama_sum_by_value(e, a, n, 1)) return;
    /* many distinct values: a stable radix sort on -logit gives the order
     * (e->buf is scratch here); one expf per run of equal values */
    for (uint32_t j = 0; j < n; j++) { e->ix[j] = (int32_t)j; e->v[j] = -a[j].logit; }
    emu_argsort(e->v, e->ix, e->ix2, n, e->buf);
    float mx = (float)a[e->ix[0]].logit, cum = 0.0f, ex = 0.0f;
    double prev = NAN;
    for (uint32_t t = 0; t < n; t++) {
        struct ls_tok *x = &a[e->ix[t]];
        if (!(x->logit == prev)) { ex = ls_expf((float)x->logit - mx); prev = x->logit; }
        x->p = ex;
        cum += ex;
    }
    for (uint32_t j = 0; j < n; j++) a[j].p = (float)a[j].p / cum;
}

void emu_llama_lazy_fill(struct emu *e, struct llama_buckets *b)
{
    emu_llama_bucket_fill(e, e->n, e->buf, b);
    b->dead_any_order = 1;
}

void emu_llama_lazy_take(struct emu *e, struct llama_buckets *b, uint32_t upto, uint32_t m)
{
    emu_llama_bucket_upto(b, upto);
    memcpy(e->a, e->buf, (size_t)m * sizeof *e->a);
    e->n = m;
    e->sorted = 1;
}

/* (logit desc, id asc): a total order, so any correct sort gives it */
static int exact_before(const struct ls_tok *x, const struct ls_tok *y)
{
    return x->logit > y->logit || (x->logit == y->logit && x->id < y->id);
}

static void merge_toks(struct ls_tok *a, struct ls_tok *tmp, uint32_t n)
{
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) tmp[o++] = exact_before(&a[j], &a[i]) ? a[j++] : a[i++];
            while (i < mid) tmp[o++] = a[i++];
            while (j < hi) tmp[o++] = a[j++];
        }
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}

void emu_sort_desc(struct emu *e)
{
    if (emu_llama(e)) { emu_llama_psort(e, e->n); return; }
    merge_toks(e->a, e->buf, e->n);
    e->sorted = 1;
}

float emu_float_of_key(uint32_t k)
{
    uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Stable LSD radix sort of (key << 32 | position) pairs on the key, 11
 * bits a digit: every digit's counts in one pass, then one scatter pass a
 * digit, skipped when every key has the same digit there (a stable pass
 * would leave the order as it is: keys of logits often share their top
 * bits). The pairs move together (no random access to a key array), and
 * equal keys stay in input order. Returns where the result lies: kv or
 * tmp (m each). */
static uint64_t *sort_pairs(uint64_t *kv, uint32_t m, uint64_t *tmp)
{
    uint32_t c[3][2048];
    uint64_t *a = kv, *b = tmp;
    if (!m) return kv;
    memset(c, 0, sizeof c);
    for (uint32_t t = 0; t < m; t++) {
        uint32_t k = (uint32_t)(kv[t] >> 32);
        c[0][k & 0x7FF]++;
        c[1][(k >> 11) & 0x7FF]++;
        c[2][k >> 22]++;
    }
    for (int d = 0; d < 3; d++) {
        int shift = 32 + 11 * d;
        uint32_t *cd = c[d], sum = 0;
        if (cd[(a[0] >> shift) & 0x7FF] == m) continue; /* one digit for all */
        for (int k = 0; k < 2048; k++) { uint32_t n = cd[k]; cd[k] = sum; sum += n; }
        for (uint32_t t = 0; t < m; t++) b[cd[(a[t] >> shift) & 0x7FF]++] = a[t];
        uint64_t *x = a; a = b; b = x;
    }
    return a;
}

void emu_sort_pairs(uint64_t *kv, uint32_t m, uint64_t *tmp)
{
    if (m < 64) { /* insertion sort: stable, and cheaper than the passes */
        for (uint32_t t = 1; t < m; t++) {
            uint64_t v = kv[t];
            uint32_t u = t;
            for (; u > 0 && (kv[u - 1] >> 32) > (v >> 32); u--) kv[u] = kv[u - 1];
            kv[u] = v;
        }
        return;
    }
    uint64_t *a = sort_pairs(kv, m, tmp);
    if (a != kv) memcpy(kv, a, (size_t)m * sizeof *kv);
}

/* Stable argsort by float value (sort_pairs over (key, index) pairs):
 * O(n), and stable, so ties stay in position order exactly as a stable
 * comparison sort leaves them. Keys must be float-representable (system
 * rules). scratch: 2n uint64. */
static void radix_argsort(const double *key, int32_t *ix, uint32_t n, uint64_t *kv)
{
    for (uint32_t i = 0; i < n; i++) kv[i] = (uint64_t)emu_float_key(key[ix[i]]) << 32 | (uint32_t)ix[i];
    const uint64_t *a = sort_pairs(kv, n, kv + n);
    for (uint32_t i = 0; i < n; i++) ix[i] = (int32_t)(uint32_t)a[i];
}

void emu_argsort(const double *key, int32_t *ix, int32_t *tmp, uint32_t n, void *scratch)
{
    int f32 = scratch != NULL && n > 64;
    for (uint32_t i = 0; i < n && f32; i++) f32 = key[ix[i]] == (double)(float)key[ix[i]];
    if (f32) { radix_argsort(key, ix, n, scratch); return; }
    if (n <= 64) { /* a few (a top-k's survivors): insertion, stable as the merges */
        for (uint32_t i = 1; i < n; i++) {
            int32_t v = ix[i];
            uint32_t j = i;
            while (j > 0 && key[v] < key[ix[j - 1]]) { ix[j] = ix[j - 1]; j--; }
            ix[j] = v;
        }
        return;
    }
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) tmp[o++] = key[ix[j]] < key[ix[i]] ? ix[j++] : ix[i++];
            while (i < mid) tmp[o++] = ix[i++];
            while (j < hi) tmp[o++] = ix[j++];
        }
        memcpy(ix, tmp, (size_t)n * sizeof *ix);
    }
}

double emu_softmax(struct emu *e)
{
    if (emu_llama(e)) { emu_llama_softmax(e, 0); return e->a[0].logit; }
    double mx = -INFINITY, s = 0.0;
    for (uint32_t i = 0; i < e->n; i++) if (e->a[i].logit > mx) mx = e->a[i].logit;
    for (uint32_t i = 0; i < e->n; i++) { e->a[i].p = emu_exp(e, emu_f(e, e->a[i].logit - mx)); s += e->a[i].p; }
    s = emu_f(e, s);
    for (uint32_t i = 0; i < e->n; i++) e->a[i].p = emu_f(e, e->a[i].p / s);
    return mx;
}

/* The scratch's V-long arrays: one list for making, freeing and listing
 * them (emu_scratch_spans: the explorer faults them in before a first run) */
#define EMU_ARRAYS(X) X(a) X(buf) X(d) X(v) X(v2) X(ix) X(ix2) X(in) X(yf) X(yd)

int emu_scratch(struct chain_ws *ws)
{
    if (ws->emu) return LS_OK;
    struct emu *e = calloc(1, sizeof *e);
    size_t n = ws->V ? ws->V : 1;
    if (!e) return LS_ELIMIT;
    int ok = 1;
#define MAKE(f) ok &= (e->f = malloc(n * sizeof *e->f)) != NULL;
    EMU_ARRAYS(MAKE)
#undef MAKE
    ws->emu = e;
    if (!ok) {
        emu_scratch_free(ws);
        return LS_ELIMIT;
    }
    return LS_OK;
}

void emu_scratch_free(struct chain_ws *ws)
{
    struct emu *e = ws->emu;
    if (!e) return;
#define FREE(f) free(e->f);
    EMU_ARRAYS(FREE)
#undef FREE
    free(e);
    ws->emu = NULL;
}

int emu_scratch_free_buf(struct chain_ws *ws, const void *p)
{
    struct emu *e = ws->emu;
    if (!e || !p) return 0;
#define FREE_AT(f) if ((const void *)e->f == p) { free(e->f); e->f = NULL; return 1; }
    EMU_ARRAYS(FREE_AT)
#undef FREE_AT
    return 0;
}

void emu_scratch_spans(const struct chain_ws *ws, struct chain_span *out, size_t cap, size_t *n)
{
    const struct emu *e = ws->emu;
    size_t V = ws->V ? ws->V : 1;
    if (!e) return;
#define SPAN(f) if (*n < cap) out[(*n)++] = (struct chain_span){ e->f, V * sizeof *e->f };
    EMU_ARRAYS(SPAN)
#undef SPAN
}
