/* test_dry_breakers.c: DRY's sequence breakers as llama.cpp processes them
 * (get_overlapping_token_sequences) and matches them (the restart scan of
 * llama_sampler_dry_apply), worked by hand on a small vocabulary:
 *   0 "a"  1 "b"  2 "c"  3 "d"  4 "ab"  5 "ca"  6 "e"  7 "bc"
 * Breaker "ab": "ab" (4) contains it: a single-token breaker; "a" (0) and
 * "ca" (5) end with its first character: heads whose tail is "b"
 * tokenised, [1]. "b", "c", "d", "e", "bc" give nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sampling/chain.h"
#include "sampling/dry_breakers.h"

#include "chain_fx.h"

static const char *const vocab[8] = { "a", "b", "c", "d", "ab", "ca", "e", "bc" };

static const char *text(const void *ctx, int32_t id, size_t *len)
{
    (void)ctx;
    *len = strlen(vocab[id]);
    return vocab[id];
}

static struct dry_breakers *build(const char *const *s, int n)
{
    struct dry_breakers *b = NULL;
    struct ls_error e = {0};
    assert_int_equal(dry_breakers_build(s, n, 8, text, NULL, &b, &e), 0);
    return b;
}

static void test_processing(void **st)
{
    (void)st;
    const char *s[] = { "ab" };
    struct dry_breakers *b = build(s, 1);
    assert_int_equal(b->n, 3);                 /* sorted by head: 0, 4, 5 */
    assert_true(b->e[0].head == 0 && b->e[0].len == 1 && b->tails[b->e[0].off] == 1);
    assert_true(b->e[1].head == 4 && b->e[1].len == 0);
    assert_true(b->e[2].head == 5 && b->e[2].len == 1 && b->tails[b->e[2].off] == 1);
    assert_true(dry_breaker_single(b, 4));
    assert_false(dry_breaker_single(b, 0));    /* a head with a tail is penalised */
    dry_breakers_free(b);
    /* "abc": heads "a" (tail "bc": longest match is the one token 7) and
     * "ab" (tail "c", 2); "ca" ends with "a": tail [7]; "bc" contains no "a" */
    const char *s2[] = { "abc" };
    b = build(s2, 1);
    assert_int_equal(b->n, 3);
    assert_true(b->e[0].head == 0 && b->e[0].len == 1 && b->tails[b->e[0].off] == 7);
    assert_true(b->e[1].head == 4 && b->e[1].len == 1 && b->tails[b->e[1].off] == 2);
    assert_true(b->e[2].head == 5 && b->e[2].len == 1 && b->tails[b->e[2].off] == 7);
    dry_breakers_free(b);
    /* the empty breaker is skipped (llama.cpp warns and skips) */
    const char *s3[] = { "" };
    b = build(s3, 1);
    assert_int_equal(b->n, 0);
    dry_breakers_free(b);
}

/* the restart scan: history "a b c a b c", newest last. "a" two tokens
 * back is a head whose tail [b] is the token after it: the limit is
 * 2 - 1 = 1. With single-token breakers only, nothing would match. */
static void test_limit(void **st)
{
    (void)st;
    const char *s[] = { "ab" };
    struct dry_breakers *b = build(s, 1);
    int32_t h[6] = {0, 1, 2, 0, 1, 2};
    assert_int_equal(dry_breakers_limit(b, h, 6, 6), 1);
    /* "c a" at the end: "a" is the newest token, its tail not there yet */
    int32_t h2[5] = {2, 3, 2, 3, 0};
    assert_int_equal(dry_breakers_limit(b, h2, 5, 5), 5);
    /* "ca" (5) then "b": 1 back the head, the tail follows */
    int32_t h3[4] = {2, 3, 5, 1};
    assert_int_equal(dry_breakers_limit(b, h3, 4, 4), 0);
    /* the single-token breaker "ab" limits at its own distance */
    int32_t h4[4] = {2, 4, 3, 2};
    assert_int_equal(dry_breakers_limit(b, h4, 4, 4), 2);
    dry_breakers_free(b);
}

/* DRY with the multi-token breaker, llama.cpp's rules in the exact chain:
 * history a b c a b c, multiplier 1, base 2, allowed length 1. Without
 * breakers "a" would extend the repeat "a b c" of 3: penalty 2^(3-1) = 4.
 * With "ab" the repeat length is capped at the limit 1: penalty 2^0 = 1. */
static void test_dry_penalty(void **st)
{
    (void)st;
    float z[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int32_t h[6] = {0, 1, 2, 0, 1, 2};
    for (int exact = 0; exact < 2; exact++) {
        struct fx *f = fx_new_mode(8, PRESET_LLAMACPP, exact);
        f->p = PARAMS_OFF;
        f->p.dry_multiplier = 1; f->p.dry_base = 2; f->p.dry_allowed_length = 1;
        chain_ws_set_context(&f->ws, h, 6, 0, 6, 1);
        run(f, z);
        assert_true(fabs(log(f->r.p[0] / f->r.p[3]) + 4.0) < 1e-6);
        const char *s[] = { "ab" };
        struct dry_breakers *b = build(s, 1);
        chain_ws_set_breakers(&f->ws, b);
        run(f, z);
        assert_true(fabs(log(f->r.p[0] / f->r.p[3]) + 1.0) < 1e-6);
        /* allowed length 2 above the limit 1: DRY does nothing */
        f->p.dry_allowed_length = 2;
        run(f, z);
        assert_true(f->r.p[0] == f->r.p[3]);
        chain_ws_set_breakers(&f->ws, NULL);
        dry_breakers_free(b);
        fx_free(f);
    }
}

/* llama.cpp's defaults "\n", ":", "\"", "*" are single characters: every
 * token containing one is a single-token breaker, and nothing else */
static const char *const vocab2[5] = { "x", "a:b", "\"", "y*", "z\n" };
static const char *text2(const void *ctx, int32_t id, size_t *len)
{
    (void)ctx;
    *len = strlen(vocab2[id]);
    return vocab2[id];
}

static void test_defaults(void **st)
{
    (void)st;
    struct dry_breakers *b = NULL;
    struct ls_error e = {0};
    assert_int_equal(dry_breakers_build(dry_default_breakers, 4, 5, text2, NULL, &b, &e), 0);
    assert_int_equal(b->n, 4);
    assert_false(dry_breaker_single(b, 0));
    for (int id = 1; id < 5; id++) assert_true(dry_breaker_single(b, id));
    dry_breakers_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_processing),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_dry_penalty),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
