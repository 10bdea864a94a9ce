/* test_draw.c: the one draw (sampling/draw.h) against the plain reference
 * in ref_draw.h, on random chain results with ties, zero-probability
 * survivors and uniforms at the edges; and the two counting helpers the
 * explorer uses against each other; eval's draws by blocks against the
 * rule, at the prefixes where only the exact sums decide. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/chain.h"
#include "sampling/draw.h"
#include "ref_draw.h"

enum { V = 300 };

static void run_random(struct chain_result *r, struct chain_ws *ws, uint64_t seed)
{
    struct rng g;
    rng_seed(&g, seed);
    float z[V];
    /* coarse logits: many exact ties; a few masked */
    for (int i = 0; i < V; i++) z[i] = (float)floor(rng_uniform(&g) * 8.0) - 4.0f;
    for (int i = 0; i < V; i += 37) z[i] = -INFINITY;
    struct chain ch;
    chain_preset(&ch, (enum preset)(seed % 3));
    struct params p = PARAMS_OFF;
    p.temperature = 0.2 + rng_uniform(&g) * 2.0;
    p.top_k = (int32_t)(seed % 4 ? rng_uniform(&g) * 60 : 0);
    p.top_p = seed % 5 ? 0.5 + rng_uniform(&g) * 0.5 : 1.0;
    struct ls_error e = {0};
    assert_int_equal(chain_run(&ch, &p, z, V, ws, r, &e), LS_OK);
}

/* a chain result and its scratch, made once per test by cmocka */
struct fx { struct chain_result r; struct chain_ws ws; double cum[V]; uint32_t pos[V]; };

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f || chain_result_init(&f->r, V) || chain_ws_init(&f->ws, V)) return -1;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    chain_result_free(&f->r);
    chain_ws_free(&f->ws);
    free(f);
    return 0;
}

static void test_matches_reference(void **state)
{
    struct fx *f = *state;
    struct chain_result *rp = &f->r;
    double *cum = f->cum;
    long compared = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        run_random(rp, &f->ws, seed);
        struct draw_cdf d = draw_cdf_build(rp, cum);
        assert_int_equal(d.n, rp->n_kept);
        struct rng a, b;
        rng_seed(&a, seed * 77); rng_seed(&b, seed * 77);
        for (int i = 0; i < 300; i++, compared++) assert_int_equal(draw_token(&d, &a), ref_draw(rp, &b));
        /* the edges: u = 0 and the largest double below 1 */
        static const double edge[] = { 0.0, 0x1.fffffffffffffp-1, 0.5 };
        for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++)
            assert_int_equal(d.kept[draw_position(&d, edge[k])], ref_draw_u(rp, edge[k]));
    }
    assert_true(compared == 200 * 300);
}

/* survivors with p = 0 are never drawn, even at u = 0 */
static void test_zero_mass_survivor_skipped(void **state)
{
    (void)state;
    struct chain_result r = {0};
    double p[4] = { 0.0, 0.25, 0.0, 0.75 };
    int32_t kept[4] = { 0, 1, 2, 3 };
    r.p = p; r.kept = kept; r.n_kept = 4; r.V = 4;
    double cum[4];
    struct draw_cdf d = draw_cdf_build(&r, cum);
    assert_int_equal(d.kept[draw_position(&d, 0.0)], 1);
    assert_int_equal(d.kept[draw_position(&d, 0.25)], 3);
    assert_int_equal(d.kept[draw_position(&d, 0x1.fffffffffffffp-1)], 3);
    /* nothing kept: -1, and the stream still advances by one uniform */
    struct chain_result none = {0};
    struct draw_cdf dn = draw_cdf_build(&none, cum);
    struct rng g1, g2;
    rng_seed(&g1, 5); rng_seed(&g2, 5);
    assert_int_equal(draw_token(&dn, &g1), -1);
    (void)rng_uniform(&g2);
    assert_true(rng_next(&g1) == rng_next(&g2));
}

/* the explorer's per-token counts equal the per-position counts */
static void test_count_tokens_equals_positions(void **state)
{
    struct fx *f = *state;
    uint32_t *pos = f->pos;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        run_random(&f->r, &f->ws, seed);
        struct draw_cdf d = draw_cdf_build(&f->r, f->cum);
        memset(pos, 0, sizeof f->pos);
        struct rng a, b;
        rng_seed(&a, seed); rng_seed(&b, seed);
        draw_count_positions(&d, &a, 5000, pos);
        /* ask for some kept tokens (1 to 19 of them: an odd or even count
         * of intervals, past 16) and one that is not kept */
        int32_t ids[20];
        uint32_t m = 0, cnt[20] = {0}, want = 1 + (uint32_t)(seed % 19);
        for (uint32_t j = 0; j < d.n && m < want; j += 2 + d.n / want) ids[m++] = d.kept[j]; /* gaps between */
        ids[m++] = 0;   /* masked (z[0] = -inf): never drawn */
        draw_count_tokens(&d, &b, 5000, ids, m, cnt);
        for (uint32_t k = 0; k + 1 < m; k++) {
            uint32_t j = 0;
            while (d.kept[j] != ids[k]) j++;
            assert_int_equal(cnt[k], pos[j]);
        }
        assert_int_equal(cnt[m - 1], 0);
        assert_true(rng_next(&a) == rng_next(&b)); /* one uniform a draw: the streams go on alike */
    }
}

/* A hand-made final distribution of n survivors (not a chain's): spreads,
 * exact ties, zeros and subnormal masses, ids one run or with gaps. */
static void make_dist(struct chain_result *r, double *p, int32_t *kept, uint32_t n, uint64_t seed)
{
    struct rng g;
    rng_seed(&g, seed);
    int gaps = seed % 2;
    double s = 0;
    for (uint32_t j = 0; j < n; j++) {
        kept[j] = (int32_t)(gaps ? 3 * j + 1 : j);
        double u = rng_uniform(&g), v;
        switch (seed % 4) {
        case 0: v = u; break;                                  /* flat */
        case 1: v = exp(-40.0 * u); break;                     /* wide spread */
        case 2: v = floor(u * 4.0) * 0.25; break;              /* ties and zeros */
        default: v = u < 0.1 ? 1e-310 : u < 0.2 ? 0.0 : u; break;  /* subnormals */
        }
        p[kept[j]] = v;
        s += v;
    }
    for (uint32_t j = 0; j < n; j++) p[kept[j]] /= s;
    r->p = p; r->kept = kept; r->n_kept = n; r->V = (uint32_t)kept[n - 1] + 1;
}

/* draws by blocks select the rule's positions: random uniforms, and the
 * uniforms that land on a prefix and one ulp either side (the fallback) */
/* the draws-by-blocks tests' arrays (static: too large for the stack) */
enum { NMAX = 3000 };
static double p[3 * NMAX + 2], cum[NMAX], cum2[NMAX], pre[NMAX];
static int32_t kept[NMAX];

/* seed's case: make_dist's distribution over 65 to NMAX survivors in r
 * (*n of them), a stream seeded with seed, and the rule's exact sums */
static struct draw_cdf blocks_case(struct chain_result *r, uint64_t seed, struct rng *g, uint32_t *n)
{
    *n = 65 + (uint32_t)(seed * 997 % (NMAX - 65));
    make_dist(r, p, kept, *n, seed);
    rng_seed(g, seed);
    return draw_cdf_build(r, cum);
}

/* draw_blocks_tokens_at: the rule's tokens for a batch of uniforms (random
 * ones and ones on a prefix and an ulp either side, so that a fallback
 * comes in the middle of a batch), on lengths around the lanes' width and
 * survivors with and without gaps (a one-run p read in place, or not) */
static void test_blocks_batch_match_rule(void **state)
{
    (void)state;
    enum { M = 53 };
    struct chain_result r = {0};
    long fell_back = 0, random_fell_back = 0;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        uint32_t n;
        struct rng g;
        struct draw_cdf e = blocks_case(&r, seed, &g, &n);
        for (uint32_t m = 0; m <= M; m += 1 + m / 3) {
            double u[M];
            int32_t got[M];
            for (uint32_t i = 0; i < m; i++) {
                u[i] = rng_uniform(&g);
                if (seed % 2 && i % 5 == 3) { /* on a prefix, or an ulp off it */
                    u[i] = e.cum[(uint32_t)(u[i] * n)] / e.total;
                    if (seed % 4 == 1) u[i] = nextafter(u[i], 0.0);
                    if (!(u[i] < 1.0)) u[i] = 0x1.fffffffffffffp-1;
                }
            }
            struct draw_blocks d = draw_blocks_build(&r, 1, pre, cum2);
            draw_blocks_tokens_at(&d, u, m, got);
            for (uint32_t i = 0; i < m; i++) assert_int_equal(got[i], r.kept[draw_position(&e, u[i])]);
            fell_back += d.have_cum;
            random_fell_back += d.have_cum && seed % 2 == 0;
        }
    }
    assert_true(fell_back > 0);         /* some batch went on by the exact rule */
    assert_true(random_fell_back <= 2); /* the searches found the blocks: random uniforms (almost) never do */
}

static void test_blocks_match_rule(void **state)
{
    (void)state;
    struct chain_result r = {0};
    long checked = 0, fell_back = 0, random_fell_back = 0;
    for (uint64_t seed = 1; seed <= 24; seed++) {
        uint32_t n;
        struct rng g;
        struct draw_cdf e = blocks_case(&r, seed, &g, &n);
        for (int i = 0; i < 600; i++) {
            double u;
            if (i < 200) u = rng_uniform(&g);
            else {
                uint32_t j = (uint32_t)(rng_uniform(&g) * n);
                u = e.cum[j] / e.total;
                if (i % 3 == 1) u = nextafter(u, 0.0);
                if (i % 3 == 2) u = nextafter(u, 1.0);
                if (!(u < 1.0)) u = 0x1.fffffffffffffp-1;
            }
            struct draw_blocks d = draw_blocks_build(&r, 1, pre, cum2);
            assert_false(d.have_cum);   /* one draw against 65 or more survivors: by blocks */
            assert_int_equal(draw_blocks_position(&d, u), draw_position(&e, u));
            fell_back += d.have_cum;
            if (i < 200) random_fell_back += d.have_cum;
            checked++;
        }
    }
    assert_true(checked == 24 * 600);
    assert_true(fell_back > 0);            /* the boundaries did reach the exact sums */
    assert_true(random_fell_back <= 2);    /* random uniforms (almost) never do */
    /* many draws against few survivors: the exact sums at once */
    make_dist(&r, p, kept, 100, 3);
    struct draw_blocks d = draw_blocks_build(&r, 200, pre, cum2);
    assert_true(d.have_cum);
    struct rng a, b;
    rng_seed(&a, 9); rng_seed(&b, 9);
    struct draw_cdf e = draw_cdf_build(&r, cum);
    for (int i = 0; i < 200; i++) assert_int_equal(draw_blocks_token(&d, &a), draw_token(&e, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_matches_reference, fx_setup, fx_teardown),
        cmocka_unit_test(test_zero_mass_survivor_skipped),
        cmocka_unit_test_setup_teardown(test_count_tokens_equals_positions, fx_setup, fx_teardown),
        cmocka_unit_test(test_blocks_match_rule),
        cmocka_unit_test(test_blocks_batch_match_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
