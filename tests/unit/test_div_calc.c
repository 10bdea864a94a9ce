/* test_div_calc.c: a step's divergence in pieces (div_calc, divergence.h)
 * and with libm's exps computed a block at a time (vm_libm_exp_kept)
 * against the plain definition kept here: the scalar loops div_step_compute
 * was before (one libm exp per token and pass), bit for bit, on random
 * steps (masked tokens, plateaus, P = Q, wide and tiny logit ranges, a
 * side with no finite logit, V from 1 to 262144) and piece sizes from 1
 * token up. Then the explorer's comparison in place with a zero budget
 * (every slice one piece, steps resumed across slices, a step move in
 * between that drops the step under way) against one with no bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sampling/divergence.h"
#include "base/rng.h"
#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "input/synth_source.h"
#include "npy_fx.h"
#include "explorer_fx.h"

#define LN2 0.69314718055994530942

/* --- the plain definition (div_step_compute before div_calc) ------------ */

static int ref_lse(const float *z, uint32_t V, double *lse, int32_t *argmax)
{
    double m = -INFINITY;
    int32_t am = -1;
    for (uint32_t i = 0; i < V; i++) {
        double d = (double)z[i];
        if (isfinite(d) && d > m) { m = d; am = (int32_t)i; }
    }
    if (am < 0) return -1;
    double s = 0.0;
    for (uint32_t i = 0; i < V; i++) {
        double d = (double)z[i];
        if (isfinite(d)) s += exp(d - m);
    }
    *lse = m + log(s);
    *argmax = am;
    return 0;
}

/* the point fields (the bounds of a full step copy them) */
static int ref_step(const float *za, const float *zb, uint32_t V, int32_t token, struct div_step *o)
{
    double la, lb;
    int32_t ta, tb;
    memset(o, 0, sizeof *o);
    if (ref_lse(za, V, &la, &ta)) return 1;
    if (ref_lse(zb, V, &lb, &tb)) return 2;
    double kl = 0.0, js = 0.0;
    int inf = 0;
    for (uint32_t i = 0; i < V; i++) {
        double a = (double)za[i], b = (double)zb[i];
        int fa = isfinite(a), fb = isfinite(b);
        double lpa = fa ? a - la : -INFINITY, lpb = fb ? b - lb : -INFINITY;
        double pa = fa ? exp(lpa) : 0.0, pb = fb ? exp(lpb) : 0.0;
        if (pa > 0) {
            if (fb) kl += pa * (lpa - lpb);
            else inf = 1;
        }
        if (pa > 0 || pb > 0) {
            double hi = lpa > lpb ? lpa : lpb, lo = lpa > lpb ? lpb : lpa;
            double lm = hi + log1p(exp(lo - hi)) - LN2;
            if (pa > 0) js += 0.5 * pa * (lpa - lm);
            if (pb > 0) js += 0.5 * pb * (lpb - lm);
        }
    }
    o->kld = inf ? INFINITY : kl;
    o->jsd = js;
    o->top_a = ta;
    o->top_b = tb;
    o->same_top = ta == tb;
    if (token >= 0 && (uint32_t)token < V) {
        double a = (double)za[token], b = (double)zb[token];
        o->nll_a = isfinite(a) ? la - a : INFINITY;
        o->nll_b = isfinite(b) ? lb - b : INFINITY;
        o->p_a = isfinite(a) ? exp(a - la) : 0.0;
        o->p_b = isfinite(b) ? exp(b - lb) : 0.0;
        o->dp = o->p_b - o->p_a;
    } else {
        o->nll_a = o->nll_b = o->dp = o->p_a = o->p_b = NAN;
    }
    return 0;
}

/* --- random steps ----------------------------------------------------------- */

static uint32_t below(struct rng *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }

/* a side: kind 0 broad, 1 peaked (wide range: exps underflow), 2 plateaus
 * (few distinct values), 3 tiny range; masked tokens (-inf, NaN) now and then */
static void make_side(struct rng *r, int kind, uint32_t V, float *z, double mask)
{
    for (uint32_t i = 0; i < V; i++) {
        double u = rng_uniform(r);
        switch (kind) {
        case 0: z[i] = (float)(8 * u - 4); break;
        case 1: z[i] = (float)(-900 * u * u + 30); break;
        case 2: z[i] = (float)below(r, 3); break;
        default: z[i] = (float)(1e-6 * u); break;
        }
        double m = rng_uniform(r);
        if (m < mask) z[i] = m < mask / 8 ? NAN : -INFINITY;
    }
}

#define BITS_EQ(x, y) assert_memory_equal(&(x), &(y), sizeof(x))

static void same_point(const struct div_step *a, const struct div_step *b)
{
    BITS_EQ(a->kld, b->kld);
    BITS_EQ(a->jsd, b->jsd);
    BITS_EQ(a->dp, b->dp);
    BITS_EQ(a->nll_a, b->nll_a);
    BITS_EQ(a->nll_b, b->nll_b);
    BITS_EQ(a->p_a, b->p_a);
    BITS_EQ(a->p_b, b->p_b);
    assert_int_equal(a->same_top, b->same_top);
    assert_int_equal(a->top_a, b->top_a);
    assert_int_equal(a->top_b, b->top_b);
}

/* one step: the one-shot call and pieces of n tokens against the reference */
static void check_step(const float *za, const float *zb, uint32_t V, int32_t tok, struct rng *r)
{
    struct div_step want, got;
    struct ls_error e = {0};
    int fail = ref_step(za, zb, V, tok, &want);
    int rc = div_step_compute(za, zb, V, tok, &got, &e);
    assert_int_equal(rc, fail ? LS_EDATA : LS_OK);
    if (fail) {
        assert_string_equal(e.msg, fail == 1 ? "A: no finite logit" : "B: no finite logit");
        return;
    }
    same_point(&got, &want);
    const uint32_t sizes[] = { 1, 7, 255, 256, 257, 4096, 1 + below(r, V + 8) };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        struct div_calc c;
        div_calc_begin(&c, za, zb, V, tok);
        uint64_t calls = 0;
        while (!div_calc_run(&c, sizes[k])) calls++;
        assert_true(calls <= 5 * ((uint64_t)V / sizes[k] + 1));   /* pieces of n tokens at most */
        struct div_step pc;
        assert_int_equal(div_calc_end(&c, &pc, &e), LS_OK);
        assert_memory_equal(&pc, &got, sizeof pc);   /* the one-shot step, every field */
    }
}

static void test_random_steps(void **st)
{
    (void)st;
    static const uint32_t Vs[] = { 1, 2, 3, 8, 9, 255, 256, 257, 1000, 4099, 65537 };
    struct rng r;
    rng_seed(&r, 9);
    float *za = malloc(65537 * sizeof *za), *zb = malloc(65537 * sizeof *zb);
    for (int n = 0; n < 600; n++) {
        uint32_t V = Vs[n % (sizeof Vs / sizeof *Vs)];
        int ka = (int)below(&r, 4), kb = (int)below(&r, 4);
        double mask = n % 3 == 0 ? 0.0 : n % 3 == 1 ? 0.05 : 0.6;
        make_side(&r, ka, V, za, mask);
        if (n % 7 == 0) memcpy(zb, za, V * sizeof *zb);   /* P = Q */
        else make_side(&r, kb, V, zb, mask);
        if (n % 23 == 0) for (uint32_t i = 0; i < V; i++) (n % 2 ? za : zb)[i] = -INFINITY;   /* no finite logit */
        int32_t tok = n % 5 == 0 ? -1 : (int32_t)below(&r, V + 2) - 1;
        check_step(za, zb, V, tok, &r);
    }
    free(za);
    free(zb);
}

/* The explorer's sizes: two steps at V = 262144. */
static void test_big_steps(void **st)
{
    (void)st;
    const uint32_t V = 262144;
    struct rng r;
    rng_seed(&r, 10);
    float *za = malloc(V * sizeof *za), *zb = malloc(V * sizeof *zb);
    for (int n = 0; n < 2; n++) {
        make_side(&r, n, V, za, 0.01);
        make_side(&r, 0, V, zb, 0.01);
        check_step(za, zb, V, (int32_t)below(&r, V), &r);
    }
    free(za);
    free(zb);
}

/* --- the explorer's comparison, resumed across slices ------------------------ */

static void test_explorer_resumed(void **st)
{
    (void)st;
    const uint32_t V = 50000, steps = 5;   /* a step: 4 pieces (XD_CALC_PIECE) of each of the 5 passes */
    char pa[] = "/tmp/ls_dcalc_a_XXXXXX", pb[] = "/tmp/ls_dcalc_b_XXXXXX";
    npy_fx_synth_pair(pa, pb, V, steps, 3);
    struct explorer ex[2];
    struct explorer_eval xe[2];
    explorer_fx_diff_open(ex, xe, pa, pb, 0, 1);   /* both on this thread, the comparison alone */
    while (explorer_eval_work(&xe[1], &ex[1], 1000000000L) & EX_BUSY) ;   /* whole steps */
    int slices = 0, moved = 0;
    while (explorer_eval_work(&xe[0], &ex[0], 0) & EX_BUSY) {   /* a piece a slice */
        slices++;
        if (!moved && xe[0].diff.calc_on && xe[0].diff.done == 2) {   /* a step move reads into za: starts over */
            explorer_move_step(&ex[0], 3);
            explorer_update(&ex[0]);
            explorer_eval_update(&xe[0], &ex[0]);
            explorer_diff_update(&xe[0].diff, &ex[0]);
            assert_false(xe[0].diff.calc_on);
            moved = 1;
        }
    }
    assert_true(moved);
    assert_true(slices > 5 * (int)steps);
    explorer_fx_diff_same_free(ex, xe, steps, pa, pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_steps),
        cmocka_unit_test(test_big_steps),
        cmocka_unit_test(test_explorer_resumed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
