/* test_sigma_cut.c: top-n-sigma's certified threshold (sampling/sigma_cut.h)
 * against llama.cpp's float sums:
 *   - sigma_cut_seq is llama.cpp's code, written here as llama.cpp writes
 *     it (float sum, float mean, acc += pow(x - mean, 2) into a float);
 *   - on random and n-gram-like logits the certified threshold keeps
 *     exactly the tokens llama.cpp's keeps, and is used most of the time;
 *   - logits built so that one token sits exactly on llama.cpp's threshold
 *     and another one float below it: the kept set is still llama.cpp's
 *     (the certification must see them inside its interval and fall back),
 *     and a threshold from exact sums (no margin) would get one of them
 *     wrong, which the test checks happens, so a margin too small fails;
 *   - the same logits through chain_run, llama.cpp's defaults with
 *     top-n-sigma (its trimmed first stage) against the whole-array path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sampling/chain.h"
#include "sampling/sigma_cut.h"

/* llama.cpp's llama_sampler_top_n_sigma_apply, its threshold */
static float llama_threshold(const float *y, uint32_t n, float nsig)
{
    float max = -INFINITY, logits_sum = 0;
    size_t valid_count = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (y[i] > max) max = y[i];
        logits_sum += y[i];
        valid_count++;
    }
    float mean = valid_count > 0 ? logits_sum / (float)valid_count : 0;
    float acc = 0;
    for (uint32_t i = 0; i < n; i++) acc = (float)((double)acc + pow((double)(y[i] - mean), 2.0)); /* acc += pow(..) */
    float std = valid_count > 0 ? sqrtf(acc / (float)valid_count) : 0;
    return max - nsig * std;
}

static float max_of(const float *y, uint32_t n)
{
    float m = -INFINITY;
    for (uint32_t i = 0; i < n; i++) if (y[i] > m) m = y[i];
    return m;
}

/* every y[i] >= a decides as y[i] >= b */
static void same_kept(const float *y, uint32_t n, double a, double b)
{
    for (uint32_t i = 0; i < n; i++) assert_int_equal((double)y[i] >= a, (double)y[i] >= b);
}

static void fill(struct rng *g, float *y, uint32_t n, int kind)
{
    float vals[300];
    for (int d = 0; d < 300; d++) vals[d] = (float)(-2.0 - 12.0 * rng_uniform(g));
    for (uint32_t i = 0; i < n; i++) {
        double u = rng_uniform(g);
        if (kind == 0) y[i] = (float)(-30.0 + 20.0 * u);                       /* all distinct */
        else y[i] = u < 0.4 ? -13.5f : vals[(int)(rng_uniform(g) * rng_uniform(g) * 300)]; /* n-gram-like */
    }
    for (int j = 0; j < 8; j++) y[(uint32_t)(rng_uniform(g) * n)] = (float)(-0.5 - 2.0 * rng_uniform(g));
}

static void test_random_logits(void **st)
{
    (void)st;
    static const float nsigs[] = { 0.25f, 0.5f, 1.0f, 2.0f, 3.0f };
    struct rng g;
    rng_seed(&g, 11);
    int certified = 0, all = 0;
    for (int t = 0; t < 200; t++) {
        uint32_t n = 2 + (uint32_t)(rng_uniform(&g) * 9000);
        float *y = malloc(n * sizeof *y);
        fill(&g, y, n, t % 2);
        for (size_t s = 0; s < sizeof nsigs / sizeof nsigs[0]; s++) {
            float mx = max_of(y, n);
            double seq = sigma_cut_seq(y, n, mx, nsigs[s]);
            int how;
            assert_true(seq == (double)llama_threshold(y, n, nsigs[s]));
            same_kept(y, n, sigma_cut_f32(y, n, mx, nsigs[s], 1, &how), seq);
            assert_true(sigma_cut_f32(y, n, mx, nsigs[s], 0, NULL) == seq);
            certified += how;
            all++;
        }
        free(y);
    }
    assert_true(certified * 10 >= all * 9); /* the fast path is the common one */
}

/* y[a] = llama.cpp's threshold of y, y[b] the float just below it (both
 * move the threshold a little: iterated to a fixed point); 0 if none */
static int on_threshold(float *y, uint32_t n, uint32_t a, uint32_t b, float nsig)
{
    for (int it = 0; it < 100; it++) {
        float t = llama_threshold(y, n, nsig);
        if (y[a] == t && y[b] == nextafterf(t, -INFINITY)) return 1;
        y[a] = t;
        y[b] = nextafterf(t, -INFINITY);
    }
    return 0;
}

/* the threshold from the exact sums, rounded once */
static double exact_threshold(const float *y, uint32_t n, float nsig)
{
    long double s = 0, q = 0;
    for (uint32_t i = 0; i < n; i++) s += y[i];
    long double mean = s / n;
    for (uint32_t i = 0; i < n; i++) q += (y[i] - mean) * (y[i] - mean);
    return (double)(float)((long double)max_of(y, n) - (long double)nsig * sqrtl(q / n));
}

static void check_chain(const float *y, uint32_t n, float nsig)
{
    struct chain c;
    struct params p;
    struct chain_ws ref, fast;
    struct chain_result a, b;
    struct ls_error err = {0};
    assert_int_equal(chain_defaults("llama.cpp", &c, &p, &err), 0);
    p.top_n_sigma = nsig;
    assert_int_equal(chain_ws_init(&ref, n), 0);
    assert_int_equal(chain_ws_init(&fast, n), 0);
    assert_int_equal(chain_result_init(&a, n), 0);
    assert_int_equal(chain_result_init(&b, n), 0);
    ref.reference = 1;
    assert_int_equal(chain_run(&c, &p, y, n, &ref, &a, &err), 0);
    assert_int_equal(chain_run(&c, &p, y, n, &fast, &b, &err), 0);
    assert_int_equal(a.n_kept, b.n_kept);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(a.cut_by[i], b.cut_by[i]);
        assert_true(a.p[i] == b.p[i]);
    }
    assert_int_equal(a.stages[3].kept_out, b.stages[3].kept_out);
    assert_true(a.stages[3].mass_removed == b.stages[3].mass_removed);
    chain_ws_free(&ref); chain_ws_free(&fast);
    chain_result_free(&a); chain_result_free(&b);
}

static void test_token_on_threshold(void **st)
{
    (void)st;
    struct rng g;
    rng_seed(&g, 5);
    int built = 0, margin_matters = 0;
    for (int t = 0; t < 40; t++) {
        uint32_t n = 2000 + (uint32_t)(rng_uniform(&g) * 6000);
        float nsig = t % 3 ? 1.0f : 0.5f;
        float *y = malloc(n * sizeof *y);
        fill(&g, y, n, t % 2);
        if (on_threshold(y, n, 17, n - 5, nsig)) {
            float mx = max_of(y, n), thr = llama_threshold(y, n, nsig);
            int how;
            double cut = sigma_cut_f32(y, n, mx, nsig, 1, &how);
            assert_int_equal(how, 0); /* the two tokens lie inside the interval */
            same_kept(y, n, cut, thr);
            assert_true(y[17] >= cut && !(y[n - 5] >= cut));
            margin_matters += exact_threshold(y, n, nsig) != (double)thr;
            check_chain(y, n, nsig);
            built++;
        }
        free(y);
    }
    assert_true(built >= 20);
    assert_true(margin_matters >= 5); /* exact sums, no margin: one of the two would be wrong */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_logits),
        cmocka_unit_test(test_token_on_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
