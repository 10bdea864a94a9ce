/* test_seqsum.c: the exact sequential sums (sampling/seqsum.h) against the
 * plain loop they stand for, bit for bit: exact terms and estimated ones,
 * masked or not, with ties on half-way points, negative and non-finite
 * terms, tiny and huge sums, every length around the block size (the
 * masses' pair where its blocks fail part way, too); the vector exp within the 2 ulp of libm's that emu_account.c's bound
 * assumes; emu_trim_torch's T = 1 total in vm_exp_fdiv's order from the
 * raw weights; and a first stage's masses and tie flag from the raw softmax
 * (emu_account.c) against the whole-array path's accounting (chain_ws.
 * reference), bit for bit, on llama.cpp's top-k and top-n-sigma (the
 * stage itself: a top-k after it is accounted differently there). Runs on
 * whichever vector path is chosen (make check runs it forced portable too,
 * through the differential test's path check). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/seqsum.h"
#include "sampling/seqsum_exp.h"
#include "sampling/chain.h"
#include "sampling/emu.h"
#include "base/rng.h"
#include "base/vmath.h"

static double plain(const double *x, const uint8_t *take, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++) if (!take || take[i]) s += x[i];
    return s;
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); }

/* terms of one of several shapes (k): heavy-tailed weights, integers on
 * half-way points of a sum's grid, a few negatives, a NaN, tiny ones */
static void fill(struct rng *g, double *x, uint8_t *take, uint32_t n, int k)
{
    for (uint32_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        switch (k % 6) {
        case 0: x[i] = exp(-30.0 * u); break;
        case 1: x[i] = ldexp(1.0, -(int)(60 * u)) * (i % 3 == 0 ? 1.5 : 1.0); break; /* many exact ties */
        case 2: x[i] = i == n / 2 ? 1e30 : exp(-5.0 * u); break;
        case 3: x[i] = (i % 97 == 5 ? -1.0 : 1.0) * exp(-10.0 * u); break;
        case 4: x[i] = i == n / 3 ? NAN : u; break;
        default: x[i] = 1e-300 * u; break;
        }
        take[i] = rng_uniform(g) < (k % 2 ? 0.9 : 0.3);
    }
}

static void test_exact_terms(void **state)
{
    (void)state;
    static const uint32_t lens[] = { 0, 1, 7, 63, 64, 65, 255, 256, 257, 1000, 4099, 70001 };
    struct rng g;
    rng_seed(&g, 11);
    double *x = malloc(70001 * sizeof *x);
    uint8_t *take = malloc(70001);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (int k = 0; k < 12; k++) {
            uint32_t n = lens[li];
            fill(&g, x, take, n, k);
            assert_true(same_bits(seqsum_plain(x, n), plain(x, NULL, n)));
            struct seqsum_src src = seqsum_exact_src(x, take);
            assert_true(same_bits(seqsum(&src, n), plain(x, take, n)));
        }
    free(x);
    free(take);
}

/* a mask byte array shared by several sums, each selecting by its key:
 * equal to it, or not (seqsum_many over four at once and one by one) */
static void test_take_keys(void **state)
{
    (void)state;
    enum { N = 40000 };
    struct rng g;
    rng_seed(&g, 13);
    double *x = malloc(N * sizeof *x);
    uint8_t *take = malloc(N), *dummy = malloc(N);
    for (int k = 0; k < 12; k++) {
        fill(&g, x, dummy, N, k);
        for (uint32_t i = 0; i < N; i++) take[i] = (uint8_t)(rng_uniform(&g) * (k % 3 ? 4 : 1.02));
        struct seqsum_src src[4];
        for (int j = 0; j < 4; j++) {
            src[j] = (struct seqsum_src){ x, take, 1.0, 0.0, 0.0, NULL, NULL, (uint8_t)(j % 3), (uint8_t)(j < 2), NULL };
        }
        double out[4];
        seqsum_many(src, 4, N, out);
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (uint32_t i = 0; i < N; i++) if ((take[i] == src[j].key) == (src[j].eq != 0)) s += x[i];
            assert_true(same_bits(out[j], s));
            assert_true(same_bits(seqsum(&src[j], N), s));
        }
    }
    free(x);
    free(take);
    free(dummy);
}

/* estimates off by up to rel (relative), the true terms on request */
struct truth { const double *x; long calls; };
static double truth_of(void *ctx, uint32_t i)
{
    struct truth *t = ctx;
    t->calls++;
    return t->x[i];
}

/* the same 8 at a time (seqsum_src.exact8), the other lanes poisoned */
static void truth8_of(void *ctx, uint32_t i, unsigned mask, double *out)
{
    struct truth *t = ctx;
    t->calls++;
    for (int l = 0; l < 8; l++) out[l] = mask >> l & 1 ? t->x[i + (uint32_t)l] : NAN;
}

/* an estimate of x off by up to 95% of the sources' rel (2^-50, below):
 * 0.7 rel drawn, plus the roundings of 1 + d and of the product (2^-53
 * each), so that a flag test with less than the whole bound fails */
static double off_by(struct rng *g, double x)
{
    return x * (1.0 + (rng_uniform(g) - 0.5) * 1.4 * 0x1p-50);
}

/* the masses' pair over src (every term, the taken ones) against the
 * loop over the true terms x, bit for bit (taken: mask, 1 where taken) */
static void assert_pair(const struct seqsum_src *src, uint32_t n, const double *x, const uint8_t *mask)
{
    double out[2];
    seqsum_many(src, 2, n, out);
    assert_true(same_bits(out[0], plain(x, NULL, n)));
    assert_true(same_bits(out[1], plain(x, mask, n)));
}

static void test_estimated_terms(void **state)
{
    (void)state;
    enum { N = 131072 };
    struct rng g;
    rng_seed(&g, 5);
    double *x = malloc(N * sizeof *x), *est = malloc(N * sizeof *est), out[3];
    uint8_t *take = malloc(N);
    for (int k = 0; k < 8; k++) {
        for (uint32_t i = 0; i < N; i++) {
            double u = rng_uniform(&g);
            x[i] = k % 4 == 3 ? ldexp(1.0, -(int)(40 * u)) : exp(-25.0 * u * u); /* k % 4 == 3: on grid points */
            est[i] = off_by(&g, x[i]);
            take[i] = rng_uniform(&g) < (k % 2 ? 0.99 : 0.3); /* the taken sum in S's binade or below */
        }
        struct truth t = { x, 0 };
        struct seqsum_src src[3] = {
            { est, NULL, 1.0, 0x1p-50, 0x1p-1000, truth_of, &t, 0, 0, NULL },
            { est, take, 1.0, 0x1p-50, 0x1p-1000, truth_of, &t, 0, 0, NULL },
            seqsum_exact_src(est, take),
        };
        seqsum_many(src, 3, N, out);
        assert_true(same_bits(out[0], plain(x, NULL, N)));
        assert_true(same_bits(out[1], plain(x, take, N)));
        assert_true(same_bits(out[2], plain(est, take, N)));
        assert_true(t.calls < N / 8); /* the estimates decide almost every add */
        /* the masses' pair (every term and the taken ones of one estimated
         * array: seqsum_exp_masses's shape, one pass for both), with a
         * factor of 1 and of 2 (est / 2 times 2: the same estimates) */
        for (int f = 0; f < 2; f++) {
            for (uint32_t i = 0; i < N && f; i++) est[i] *= 0.5;
            src[0].mul = src[1].mul = f ? 2.0 : 1.0;
            assert_pair(src, N, x, take);
        }
    }
    free(x);
    free(est);
    free(take);
}

/* The masses' pair where its blocks do not stand as a whole (seqsum.c's
 * pair_walk: vectors one at a time up to the one that stops them, the
 * loop there): fill's shapes (ties on grid points whose estimate straddles
 * them, negatives, a NaN, a huge term, tiny sums) with estimates off by up
 * to 95% of the bound (off_by), at every length around the block size and on a whole step's,
 * the true terms one at a time and 8 at a time (exact8), against the loop
 * over the true terms, bit for bit. */
static void test_pair_walk(void **state)
{
    (void)state;
    static const uint32_t lens[] = { 255, 256, 257, 263, 511, 520, 4099, 131072 };
    struct rng g;
    rng_seed(&g, 17);
    double *x = malloc(131072 * sizeof *x), *est = malloc(131072 * sizeof *est);
    uint8_t *take = malloc(131072);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (int k = 0; k < 12; k++) {
            uint32_t n = lens[li];
            fill(&g, x, take, n, k);
            for (uint32_t i = 0; i < n; i++) est[i] = off_by(&g, x[i]);
            struct truth t = { x, 0 };
            for (int b = 0; b < 2; b++) {
                void (*x8)(void *, uint32_t, unsigned, double *) = b ? truth8_of : NULL;
                struct seqsum_src src[2] = {
                    { est, NULL, 1.0, 0x1p-50, 0x1p-1000, truth_of, &t, 0, 0, x8 },
                    { est, take, 1.0, 0x1p-50, 0x1p-1000, truth_of, &t, 0, 0, x8 },
                };
                assert_pair(src, n, x, take);
            }
        }
    free(x);
    free(est);
    free(take);
}

/* The masses' pair on its usual cut, every token but a few (seqsum.c's
 * take_all: a block its mask takes whole runs without the mask): keys 0,
 * 1, 0x80 and 0xFF, the taken bytes equal to the key (eq) or not, the few
 * others anywhere (a word's first or last byte, next to each other, none
 * at all) with values one bit from the key, against the loop, bit for bit */
static void test_pair_whole_blocks(void **state)
{
    (void)state;
    static const uint8_t keys[] = { 0, 1, 0x80, 0xFF };
    static const uint32_t lens[] = { 131072, 70001, 256, 300 };
    struct rng g;
    rng_seed(&g, 23);
    double *x = malloc(131072 * sizeof *x), *est = malloc(131072 * sizeof *est);
    uint8_t *take = malloc(131072), *mask = malloc(131072);
    for (int k = 0; k < 32; k++) {
        uint32_t n = lens[k % 4], m = k % 8 == 7 ? 0 : 1 + (uint32_t)(rng_uniform(&g) * 60);
        uint8_t key = keys[k % 4 == 0 ? (k / 4) % 4 : k % 4], eq = (uint8_t)(k / 2 % 2);
        for (uint32_t i = 0; i < n; i++) {
            double u = rng_uniform(&g);
            x[i] = exp(-12.0 * u);
            est[i] = off_by(&g, x[i]);
            take[i] = (uint8_t)(eq ? key : key ^ (1u << (i % 8)));
        }
        for (uint32_t j = 0; j < m; j++) { /* the few the sum leaves out */
            uint32_t i = j % 3 == 0 ? (uint32_t)(rng_uniform(&g) * (n / 64)) * 64 + (j % 2 ? 63 : 0)
                                    : (uint32_t)(rng_uniform(&g) * n);
            if (i >= n) i = n - 1;
            take[i] = (uint8_t)(eq ? key ^ (1u << (j % 8)) : key);
            if (j % 5 == 4 && i + 1 < n) take[i + 1] = take[i];
        }
        for (uint32_t i = 0; i < n; i++) mask[i] = (take[i] == key) == (eq != 0);
        struct truth t = { x, 0 };
        struct seqsum_src src[2] = {
            { est, NULL, 1.0, 0x1p-50, 0x1p-1000, truth_of, &t, 0, 0, truth8_of },
            { est, take, 1.0, 0x1p-50, 0x1p-1000, truth_of, &t, key, eq, truth8_of },
        };
        assert_pair(src, n, x, mask);
    }
    free(x);
    free(est);
    free(take);
    free(mask);
}

/* emu_account.c's bound: the vector exp within 2 ulp of libm's (4 asserted:
 * the estimate's margin is 16) over the range the raw softmax meets */
static void test_vector_exp_bound(void **state)
{
    (void)state;
    enum { N = 1 << 16 };
    static float z[N];
    static double e[N];
    struct rng g;
    rng_seed(&g, 3);
    for (int rep = 0; rep < 40; rep++) {
        double span = rep % 4 == 0 ? 760.0 : rep % 4 == 1 ? 40.0 : rep % 4 == 2 ? 2.0 : 708.0;
        for (int i = 0; i < N; i++) z[i] = (float)(-span * rng_uniform(&g));
        vm_exp_shift(z, N, 0.0, 1.0, e, NULL);
        for (int i = 0; i < N; i++) {
            double l = exp((double)z[i]), d = fabs(e[i] - l);
            if (l >= 0x1p-1022) assert_true(d <= 4.0 * ldexp(1.0, ilogb(l) - 52));
            else assert_true(d <= 4.0 * 0x1p-1074);
        }
    }
}

/* emu_fdiv_order_sum (emu_trim_torch's T = 1 total from the raw weights)
 * is vm_exp_fdiv's own sum, and the raw softmax's weights its d, at T = 1 */
static void test_fdiv_order(void **state)
{
    (void)state;
    static const uint32_t lens[] = { 1, 3, 4, 5, 8, 9, 13, 100, 4097, 131071 };
    struct rng g;
    rng_seed(&g, 21);
    float *z = malloc(131071 * sizeof *z);
    double *d = malloc(131071 * sizeof *d), *w = malloc(131071 * sizeof *w);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        uint32_t n = lens[li];
        float mx = -INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            z[i] = (float)(-1.1 * log(1 + rng_uniform(&g) * n) + 3 * rng_uniform(&g));
            if (z[i] > mx) mx = z[i];
        }
        double S = vm_exp_fdiv(z, n, 1.0f, (double)mx, NULL, d);
        vm_exp_shift(z, n, (double)mx, 1.0, w, NULL);
        assert_true(same_bits(emu_fdiv_order_sum(d, n), S));
        for (uint32_t i = 0; i < n; i++) assert_true(same_bits(w[i], d[i]));
    }
    free(z);
    free(d);
    free(w);
}

/* logits of several shapes: Zipf-like, a few distinct values (ties at the
 * top-k boundary), a plateau, a wide spread (underflowing weights) */
static void logits(struct rng *g, float *z, uint32_t V, int k)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(g);
        switch (k % 4) {
        case 0: z[i] = (float)(-1.1 * log(1 + u * V) + 3 * rng_uniform(g)); break;
        case 1: z[i] = (float)floor(-8.0 * u); break;
        case 2: z[i] = i % 50 == 0 ? 2.0f : (float)(-3.0 * u); break;
        default: z[i] = (float)(-900.0 * u * u); break;
        }
    }
}

/* seqsum_exp.h's builder against its definition: the masses of libm's
 * exp((double)(y / T) - mx) in index order, to the bit, with and without
 * a division, estimates from the vector exp (its own) and from a scaled
 * copy (the raw softmax's divided p_raw times its sum) */
static void test_exp_builder(void **state)
{
    (void)state;
    enum { N = 70001 };
    static const float Ts[] = { 1.0f, 0.7f, 1.05f, 3.0f };
    struct rng g;
    rng_seed(&g, 17);
    float *y = malloc(N * sizeof *y);
    double *est = malloc(N * sizeof *est), *q = malloc(N * sizeof *q), out[2];
    uint8_t *cut = malloc(N);
    for (int k = 0; k < 16; k++) {
        uint32_t n = k % 3 == 0 ? N : 1 + (uint32_t)(rng_uniform(&g) * 5000);
        logits(&g, y, n, k);
        float T = Ts[k % 4], my = -INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            cut[i] = rng_uniform(&g) < 0.5;
            if (y[i] / T > my) my = y[i] / T;
        }
        struct seqsum_exp x = { y, T, (double)my };
        double S = 0.0, rem = 0.0;
        for (uint32_t i = 0; i < n; i++) {
            double d = exp((double)(y[i] / T) - (double)my);
            S += d;
            if (cut[i]) rem += d;
        }
        seqsum_exp_estimate(&x, n, est);
        seqsum_exp_masses(&x, est, 1.0, cut, n, out);
        assert_true(same_bits(out[0], S));
        assert_true(same_bits(out[1], rem));
        double tot = vm_exp_fdiv_shift(y, n, T, (double)my, NULL, NULL);
        for (uint32_t i = 0; i < n; i++) q[i] = est[i] / tot; /* p_raw's shape: times tot again */
        const struct seqsum_src src[2] = { seqsum_exp_src(&x, q, tot, NULL), seqsum_exp_src(&x, q, tot, cut) };
        seqsum_many(src, 2, n, out);
        assert_true(same_bits(out[0], S));
        assert_true(same_bits(out[1], rem));
    }
    free(y);
    free(est);
    free(q);
    free(cut);
}

/* stages 0..upto (all: -1) */
static void same_stages(const struct chain_result *a, const struct chain_result *b, int upto)
{
    assert_int_equal(a->n_stages, b->n_stages);
    if (upto < 0) assert_int_equal(a->decided, b->decided);
    for (int k = 0; k < a->n_stages && (upto < 0 || k <= upto); k++) {
        assert_int_equal(a->stages[k].decided, b->stages[k].decided);
        assert_int_equal(a->stages[k].kept_out, b->stages[k].kept_out);
        assert_true(same_bits(a->stages[k].mass_removed, b->stages[k].mass_removed));
        assert_true(same_bits(a->stages[k].raw_mass_removed, b->stages[k].raw_mass_removed));
    }
    if (upto >= 0) return;
    assert_true(same_bits(a->retained_mass, b->retained_mass));
    assert_true(same_bits(a->entropy_after, b->entropy_after));
}

static void test_first_stage_masses(void **state)
{
    (void)state;
    static const uint32_t Vs[] = { 200, 3000, 70000 };
    struct rng g;
    rng_seed(&g, 9);
    for (size_t vi = 0; vi < sizeof Vs / sizeof Vs[0]; vi++) {
        uint32_t V = Vs[vi];
        float *z = malloc(V * sizeof *z);
        struct chain_ws ws, wr;
        struct chain_result a, b;
        assert_int_equal(chain_ws_init(&ws, V), 0);
        assert_int_equal(chain_ws_init(&wr, V), 0);
        assert_int_equal(chain_result_init(&a, V), 0);
        assert_int_equal(chain_result_init(&b, V), 0);
        wr.reference = 1;
        struct chain c;
        chain_preset(&c, PRESET_LLAMACPP);
        for (int k = 0; k < 24; k++) {
            logits(&g, z, V, k);
            struct params p = PARAMS_OFF;
            p.temperature = 0.8, p.top_k = k % 3 == 0 ? 40 : k % 3 == 1 ? 200 : 7;
            p.top_p = 0.95, p.min_p = 0.05;
            if (k % 5 == 4) p.top_n_sigma = 1.5;
            struct ls_error e = {0};
            for (int rep = 0; rep < 2; rep++) { /* the second run has the first pass's list */
                assert_int_equal(chain_run(&c, &p, z, V, &ws, &a, &e), 0);
                assert_int_equal(chain_run(&c, &p, z, V, &wr, &b, &e), 0);
                /* after top-n-sigma, only its own stage: the whole-array path's
                 * later accounting differs in the last bits (as before) */
                same_stages(&a, &b, k % 5 == 4 ? 3 : -1);
            }
        }
        chain_result_free(&a);
        chain_result_free(&b);
        chain_ws_free(&ws);
        chain_ws_free(&wr);
        free(z);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_terms),
        cmocka_unit_test(test_estimated_terms),
        cmocka_unit_test(test_pair_walk),
        cmocka_unit_test(test_pair_whole_blocks),
        cmocka_unit_test(test_take_keys),
        cmocka_unit_test(test_vector_exp_bound),
        cmocka_unit_test(test_fdiv_order),
        cmocka_unit_test(test_exp_builder),
        cmocka_unit_test(test_first_stage_masses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
