/* test_exactness.c: issue 11's reproducers and each sampler per system,
 * against hand-computed answers (sampling-reference.md b.1-b.3). Presets
 * run in their system's own arithmetic unless made exact. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/chain.h"
#include "sampling/dry_breakers.h"
#include "sampling/emu.h"

#include "chain_fx.h"

/* presets in their system arithmetic */
static struct fx *fx_new(uint32_t V, enum preset ps) { return fx_new_mode(V, ps, 0); }

/* the kept ids as a bit set (V <= 32) */
static unsigned kept_set(const struct fx *f)
{
    unsigned s = 0;
    for (uint32_t j = 0; j < f->r.n_kept; j++) s |= 1u << f->r.kept[j];
    return s;
}
#define SET(...) set_of((int[]){__VA_ARGS__, -1})
static unsigned set_of(const int *ids)
{
    unsigned s = 0;
    for (; *ids >= 0; ids++) s |= 1u << *ids;
    return s;
}

/* cause 1: only T <= 0 is greedy; vLLM raises 0 < T < 0.01 to 0.01 */
static void test_tiny_temperature(void **st)
{
    (void)st;
    float z[4] = {3, 3, 0, 0};
    for (int ps = 0; ps < PRESET__COUNT; ps++) {
        struct fx *f = fx_new(4, (enum preset)ps);
        f->p.temperature = 1e-7;
        run(f, z);
        assert_false(f->r.greedy);
        assert_true(fabs(f->r.p[0] - 0.5) < 1e-6 && fabs(f->r.p[1] - 0.5) < 1e-6);
        if (ps == PRESET_VLLM) assert_true(f->r.effective_temperature == 0.01);
        f->ch.exact = 1;
        run(f, z);
        assert_true(fabs(f->r.p[0] - 0.5) < 1e-12);
        fx_free(f);
    }
}

/* cause 2: llama.cpp's top-k ties are std::partial_sort's */
static void test_llama_topk_ties(void **st)
{
    (void)st;
    float z[5] = {2, 0, 0, 0, 2};
    struct fx *f = fx_new(5, PRESET_LLAMACPP);
    f->p.top_k = 4;
    run(f, z);
    assert_int_equal(kept_set(f), SET(0, 1, 3, 4));
    assert_true(f->r.decided & DECIDED_TIE);
    f->ch.exact = 1;
    run(f, z);
    assert_int_equal(kept_set(f), SET(0, 1, 2, 4));
    assert_int_equal(f->r.decided, 0);
    fx_free(f);
}

/* cause 3: ties at the top-p cut */
static void test_top_p_ties(void **st)
{
    (void)st;
    float z[4] = {0, 0, 0, 0};
    static const unsigned want_hf = 0xC, want_llama = 0xA, want_vllm = 0xC, want_exact = 0x3;
    unsigned want[PRESET__COUNT] = { want_hf, want_llama, want_vllm, want_exact };
    for (int ps = 0; ps < PRESET__COUNT; ps++) {
        struct fx *f = fx_new(4, (enum preset)ps);
        f->p.top_p = 0.5;
        run(f, z);
        assert_int_equal(kept_set(f), want[ps]);
        if (ps != PRESET_CUSTOM) assert_true(f->r.decided & DECIDED_TIE);
        fx_free(f);
    }
}

/* cause 4: T = 0 after top-k keeps the first maximum in top-k's order */
static void test_greedy_after_topk(void **st)
{
    (void)st;
    float z[4] = {2, 0, 1, 2};
    struct fx *f = fx_new(4, PRESET_LLAMACPP);
    f->p.top_k = 2;
    f->p.temperature = 0;
    run(f, z);
    assert_int_equal(kept_set(f), SET(3));
    assert_true(f->r.greedy);
    f->ch.exact = 1;
    run(f, z);
    assert_int_equal(kept_set(f), SET(0));
    fx_free(f);
}

/* cause 5: float32 boundary sums */
static void test_float32_boundary(void **st)
{
    (void)st;
    float z[3] = {(float)log(0.5), (float)log(0.45), (float)log(0.05)}; /* ln rounded to float32 */
    for (int ps = 0; ps < PRESET_CUSTOM; ps++) {
        struct fx *f = fx_new(3, (enum preset)ps);
        f->p.top_p = 0.5;
        run(f, z);
        assert_int_equal(f->r.n_kept, 1);
        assert_true(f->r.decided & DECIDED_F32);
        f->ch.exact = 1;
        run(f, z);
        assert_int_equal(f->r.n_kept, 2);
        fx_free(f);
    }
}

/* llama.cpp's bucket index overflows beyond ~3.4e8: we sort correctly and flag */
static void test_bucket_overflow(void **st)
{
    (void)st;
    uint32_t V = 201;
    float z[201] = {0};
    z[200] = 1e30f;
    struct fx *f = fx_new(V, PRESET_LLAMACPP);
    f->p.top_p = 0.95;
    run(f, z);
    assert_int_equal(f->r.n_kept, 1);
    assert_int_equal(f->r.kept[0], 200);
    assert_true(f->r.decided & DECIDED_OVERFLOW);
    fx_free(f);
}

/* rejected parameters are computed with a note */
static void test_rejected_parameters(void **st)
{
    (void)st;
    float z[3] = {1, 2, 0};
    struct fx *h = fx_new(3, PRESET_HF), *v = fx_new(3, PRESET_VLLM);
    h->p.temperature = 0;
    run(h, z);
    assert_true(h->r.greedy && h->r.kept[0] == 1);
    assert_non_null(strstr(h->r.note, "hf rejects temperature 0"));
    v->p.temperature = 3;
    run(v, z);
    assert_non_null(strstr(v->r.note, "vllm rejects temperature 3"));
    fx_free(h); fx_free(v);
}

/* min-keep: llama.cpp top-p and min-p, HF top-p */
static void test_min_keep(void **st)
{
    (void)st;
    float z[4] = {0, -10, -10, -11};
    struct fx *l = fx_new(4, PRESET_LLAMACPP), *h = fx_new(4, PRESET_HF);
    l->p.top_p = h->p.top_p = 0.5;
    l->p.min_keep = 3;
    h->p.min_keep = 2;
    run(l, z); run(h, z);
    assert_int_equal(l->r.n_kept, 3);
    assert_int_equal(h->r.n_kept, 2);
    l->p.top_p = 1; l->p.min_p = 0.5;
    run(l, z);
    assert_int_equal(l->r.n_kept, 3);
    fx_free(l); fx_free(h);
}

/* each system's off values leave every stage inactive */
static void test_off_values(void **st)
{
    (void)st;
    float z[5] = {1, 2, 3, 4, 5};
    for (int ps = 0; ps < PRESET_CUSTOM; ps++) {
        struct fx *f = fx_new(5, (enum preset)ps);
        f->p.top_k = 0; f->p.top_p = 1; f->p.min_p = 0; f->p.typical_p = 1; f->p.top_n_sigma = -1;
        f->p.epsilon = 0; f->p.eta = 0; f->p.xtc_probability = 0; f->p.repeat_penalty = 1; f->p.mirostat = 0;
        run(f, z);
        assert_int_equal(f->r.n_kept, 5);
        for (int k = 0; k < f->r.n_stages; k++) assert_false(f->r.stages[k].active);
        fx_free(f);
    }
}

/* typical-p: llama.cpp's strict "cum > p" vs HF's "keep scores <= the crossing one" */
static void test_typical(void **st)
{
    (void)st;
    float z[4] = {logf(0.5f), logf(0.25f), logf(0.125f), logf(0.125f)};
    struct fx *l = fx_new(4, PRESET_LLAMACPP), *h = fx_new(4, PRESET_HF);
    l->p = PARAMS_OFF; /* typical alone */
    l->p.typical_p = h->p.typical_p = 0.5;
    run(l, z); run(h, z);
    assert_int_equal(kept_set(l), SET(0, 1));
    assert_int_equal(kept_set(h), SET(0, 1));
    l->p.typical_p = h->p.typical_p = 0.25;
    run(l, z); run(h, z);
    assert_int_equal(kept_set(l), SET(0, 1)); /* 0.25 > 0.25 fails: one more */
    assert_int_equal(kept_set(h), SET(1));
    fx_free(l); fx_free(h);
}

static void test_top_n_sigma(void **st)
{
    (void)st;
    float z[5] = {0, 1, 2, 3, 4}; /* mean 2, sigma sqrt 2: 4 - 1.414 = 2.586 */
    struct fx *f = fx_new(5, PRESET_LLAMACPP);
    f->p.top_n_sigma = 1;
    run(f, z);
    assert_int_equal(kept_set(f), SET(3, 4));
    f->p.temperature = 0.3; /* the kept set does not depend on T */
    run(f, z);
    assert_int_equal(kept_set(f), SET(3, 4));
    fx_free(f);
}

static void test_epsilon_eta(void **st)
{
    (void)st;
    float z[4] = {logf(0.5f), logf(0.3f), logf(0.15f), logf(0.05f)};
    struct fx *f = fx_new(4, PRESET_HF);
    f->p.top_k = 0;
    f->p.epsilon = 0.2;
    run(f, z);
    assert_int_equal(kept_set(f), SET(0, 1));
    f->p.epsilon = 0;
    f->p.eta = 0.2; /* min(0.2, sqrt(0.2) e^-1.142) = 0.1427 */
    run(f, z);
    assert_int_equal(kept_set(f), SET(0, 1, 2));
    fx_free(f);
}

/* XTC: per-position seeded draw; at probability 1 it always fires */
static void test_xtc(void **st)
{
    (void)st;
    float z[4] = {logf(0.4f), logf(0.3f), logf(0.2f), logf(0.1f)};
    struct fx *f = fx_new(4, PRESET_LLAMACPP);
    f->p = PARAMS_OFF;
    f->p.xtc_probability = 1;
    f->p.xtc_threshold = 0.25;
    run(f, z);
    assert_int_equal(kept_set(f), SET(1, 2, 3)); /* 0.4 and 0.3 pass; the least likely of them stays */
    /* the draw is a function of (seed, position) only */
    double u = emu_xtc_draw(7, 3);
    assert_true(u >= 0 && u < 1 && u == emu_xtc_draw(7, 3));
    f->p.xtc_probability = u > 0.5 ? u - 0.01 : u + 0.01;
    chain_ws_set_context(&f->ws, NULL, 0, 0, 3, 7);
    run(f, z);
    assert_int_equal(f->r.n_kept, u > 0.5 ? 4u : 3u);
    fx_free(f);
}

/* penalties: llama.cpp window, HF repetition only, vLLM output-only frequency/presence */
static void test_penalties(void **st)
{
    (void)st;
    float z[4] = {1, 2, -1, 0.5f};
    int32_t hist[3] = {1, 1, 2};
    for (int ps = 0; ps < PRESET_CUSTOM; ps++) {
        struct fx *f = fx_new(4, (enum preset)ps);
        f->p = PARAMS_OFF;
        f->p.repeat_penalty = 2; f->p.frequency_penalty = 0.5; f->p.presence_penalty = 0.25;
        chain_ws_set_context(&f->ws, hist, 3, 1, 3, 1);
        run(f, z);
        /* z'1 - z'0 and z'2 - z'0 from the final probabilities */
        double d1 = log(f->r.p[1] / f->r.p[0]), d2 = log(f->r.p[2] / f->r.p[0]);
        double want1 = ps == PRESET_HF ? 0.0 : ps == PRESET_VLLM ? -0.75 : -1.25;
        double want2 = ps == PRESET_HF ? -3.0 : -3.75;
        assert_true(fabs(d1 - want1) < 1e-5);
        assert_true(fabs(d2 - want2) < 1e-5);
        fx_free(f);
    }
}

/* mirostat v2: mu starts at 2 tau and moves by eta (surprise - tau) per accepted token */
static void test_mirostat_mu(void **st)
{
    (void)st;
    float z[4] = {logf(0.5f), logf(0.25f), logf(0.125f), logf(0.125f)};
    struct fx *f = fx_new(4, PRESET_LLAMACPP);
    f->p.mirostat = 2; f->p.mirostat_tau = 5; f->p.mirostat_eta = 0.1;
    int32_t pick[3] = {0, 2, 1};
    for (int s = 0; s < 3; s++) {
        run(f, z);
        assert_int_equal(f->r.n_kept, 4);
        chain_accept(&f->ch, &f->p, &f->ws, &f->r, pick[s]);
    }
    assert_true(fabs(f->ws.mu - 10.9) < 1e-5); /* 10 -> 10.4 -> 10.6 -> 10.9 */
    chain_ws_reset_state(&f->ws);
    f->p.mirostat_tau = 0.5; /* mu 1: only surprise <= 1 bit survives */
    run(f, z);
    assert_int_equal(kept_set(f), SET(0));
    f->p.mirostat = 1; f->p.mirostat_tau = 5;
    run(f, z);
    assert_true(f->r.n_kept >= 1);
    fx_free(f);
}

/* DRY on a repeating sequence: llama.cpp's own example, "a b c c b c y a b c":
 * c would extend a repeat of 3 and y one of 2 (allowed length 2) */
static const char *const abcyz[5] = { "a", "b", "c", "y", "z" };

static const char *abcyz_text(const void *ctx, int32_t id, size_t *len)
{
    (void)ctx;
    *len = 1;
    return abcyz[id];
}

static struct dry_breakers *breakers_of(const char *s)
{
    struct dry_breakers *b = NULL;
    struct ls_error e = {0};
    assert_int_equal(dry_breakers_build(&s, 1, 5, abcyz_text, NULL, &b, &e), 0);
    return b;
}

static void test_dry(void **st)
{
    (void)st;
    float z[5] = {0, 0, 0, 0, 0};
    int32_t hist[10] = {0, 1, 2, 2, 1, 2, 3, 0, 1, 2};
    struct fx *f = fx_new(5, PRESET_LLAMACPP);
    f->p = PARAMS_OFF;
    f->p.dry_multiplier = 1; f->p.dry_base = 2; f->p.dry_allowed_length = 2;
    chain_ws_set_context(&f->ws, hist, 10, 0, 10, 1);
    run(f, z);
    assert_true(fabs(log(f->r.p[2] / f->r.p[0]) + 2.0) < 1e-6); /* c: 1 * 2^(3-2) */
    assert_true(fabs(log(f->r.p[3] / f->r.p[0]) + 1.0) < 1e-6); /* y: 1 * 2^0 */
    assert_true(f->r.p[1] == f->r.p[0] && f->r.p[4] == f->r.p[0]);
    struct dry_breakers *brk = breakers_of("y"); /* y breaks sequences: never penalised; repeats stop at it */
    chain_ws_set_breakers(&f->ws, brk);
    run(f, z);
    assert_true(fabs(log(f->r.p[2] / f->r.p[0]) + 2.0) < 1e-6);
    assert_true(f->r.p[3] == f->r.p[0]);
    dry_breakers_free(brk);
    brk = breakers_of("b"); /* b one token back: the limit 1 is below the allowed length */
    chain_ws_set_breakers(&f->ws, brk);
    run(f, z);
    assert_true(f->r.p[2] == f->r.p[0]);
    dry_breakers_free(brk);
    fx_free(f);
}

/* the stable ascending argsort (torch's order): ties keep position order,
 * on the radix path (float keys, n > 64) as on the merge path */
static void test_argsort_stable(void **st)
{
    (void)st;
    enum { N = 3000 };
    static double key[N];
    static int32_t ix[N], tmp[N];
    static uint64_t scratch[2 * N];
    for (int i = 0; i < N; i++) key[i] = (float)((i * 7919) % 13 - 6) * 0.5f;
    key[5] = -0.0; key[6] = 0.0; key[7] = -1.0 / 0.0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass) key[9] = 0.1; /* not float-representable: the merge path */
        for (int i = 0; i < N; i++) ix[i] = i;
        emu_argsort(key, ix, tmp, N, scratch);
        assert_int_equal(ix[0], 7);
        for (int i = 1; i < N; i++) {
            assert_true(key[ix[i - 1]] <= key[ix[i]]);
            if (key[ix[i - 1]] == key[ix[i]]) assert_true(ix[i - 1] < ix[i]);
        }
    }
}

/* emu_sort_pairs against a plain stable sort (qsort on key, then input
 * position): sizes around the insertion cut, keys that share 0 to 3 of
 * the radix digits (the passes skipped), one key for all, heavy ties */
struct ref_pair { uint64_t kv; uint32_t at; };
static int ref_pair_cmp(const void *x, const void *y)
{
    const struct ref_pair *a = x, *b = y;
    uint32_t ka = (uint32_t)(a->kv >> 32), kb = (uint32_t)(b->kv >> 32);
    if (ka != kb) return ka < kb ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

static void test_sort_pairs(void **st)
{
    (void)st;
    enum { N = 70000 };
    static uint64_t kv[N], tmp[N];
    static struct ref_pair ref[N];
    const uint32_t sizes[] = { 1, 2, 63, 64, 65, 2049, N };
    /* which key bits vary: none, the low digit, the middle one, the top
     * one, low and top, every bit, a few values only */
    const uint32_t masks[] = { 0, 0x7FFu, 0x3FF800u, 0xFFC00000u, 0xFFC007FFu, 0xFFFFFFFFu, 0x80400801u };
    uint64_t rng = 12345;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (size_t mi = 0; mi < sizeof masks / sizeof *masks; mi++) {
            uint32_t m = sizes[si], base = 0x5A5A5A5Au & ~masks[mi];
            for (uint32_t t = 0; t < m; t++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                uint32_t key = base | ((uint32_t)(rng >> 29) & masks[mi]);
                uint32_t pos = (uint32_t)(rng >> 7) % 1000003u; /* positions in any order */
                kv[t] = (uint64_t)key << 32 | pos;
                ref[t] = (struct ref_pair){ kv[t], t };
            }
            if (m > 1 && !masks[mi]) { /* one key apart in each digit in turn: no pass to skip */
                uint32_t at = (uint32_t)(rng >> 40) % m;
                kv[at] ^= (uint64_t)(1u << (11 * (si % 3))) << 32;
                ref[at].kv = kv[at];
            }
            qsort(ref, m, sizeof *ref, ref_pair_cmp);
            emu_sort_pairs(kv, m, tmp);
            for (uint32_t t = 0; t < m; t++) assert_true(kv[t] == ref[t].kv);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_temperature),
        cmocka_unit_test(test_llama_topk_ties),
        cmocka_unit_test(test_top_p_ties),
        cmocka_unit_test(test_greedy_after_topk),
        cmocka_unit_test(test_float32_boundary),
        cmocka_unit_test(test_bucket_overflow),
        cmocka_unit_test(test_rejected_parameters),
        cmocka_unit_test(test_min_keep),
        cmocka_unit_test(test_off_values),
        cmocka_unit_test(test_typical),
        cmocka_unit_test(test_top_n_sigma),
        cmocka_unit_test(test_epsilon_eta),
        cmocka_unit_test(test_xtc),
        cmocka_unit_test(test_penalties),
        cmocka_unit_test(test_mirostat_mu),
        cmocka_unit_test(test_dry),
        cmocka_unit_test(test_argsort_stable),
        cmocka_unit_test(test_sort_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
