/* test_gen_cache.c: the generation's result cache (model/gen_cache.h)
 * changes nothing but speed. On the built-in model, 8 continuations per
 * setting with the cache and without it (gen_ws.no_cache) give the same
 * tokens, texts, p, p_raw and mu at every step, for chains the cache
 * serves and chains it must not (penalties, DRY, XTC, mirostat); steps do
 * hit it; a change of setting on the same workspace is not served stale
 * results; a fork (forced token) gives the same continuation both ways. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/generate.h"

static struct model *md;
static int32_t *prompt;
static uint32_t n_prompt;

static int setup(void **st)
{
    (void)st;
    struct ls_error err = {0};
    if (model_open("samples/model.lsm", &md, &err)) return -1;
    return model_encode_prompt(md, "{\"name\": \"", 10, &prompt, &n_prompt, &err);
}

static int teardown(void **st)
{
    (void)st;
    free(prompt);
    model_close(md);
    return 0;
}

static struct gen_request request(const char *system, double T, double top_p, double rep, double dry, double xtc,
                                  int mirostat)
{
    struct gen_request r;
    struct ls_error err = {0};
    memset(&r, 0, sizeof r);
    assert_int_equal(chain_defaults(system, &r.chain, &r.params, &err), 0);
    if (T >= 0) r.params.temperature = T;
    if (top_p >= 0) r.params.top_p = top_p;
    if (rep >= 0) r.params.repeat_penalty = rep;
    if (dry >= 0) r.params.dry_multiplier = dry;
    if (xtc >= 0) { r.params.xtc_probability = xtc; r.params.xtc_threshold = 0.1; }
    r.params.mirostat = mirostat;
    r.prompt = prompt; r.n_prompt = n_prompt; r.seed = 42; r.max_tokens = 48;
    return r;
}

static void same_cont(const struct gen_cont *a, const struct gen_cont *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->end, b->end);
    assert_string_equal(a->text ? a->text : "", b->text ? b->text : "");
    for (uint32_t s = 0; s < a->n; s++) {
        assert_int_equal(a->ids[s], b->ids[s]);
        assert_true(a->p[s] == b->p[s]);
        assert_true(a->p_raw[s] == b->p_raw[s]);
        assert_true(a->mu[s] == b->mu[s] || (isnan(a->mu[s]) && isnan(b->mu[s])));
    }
}

/* 8 continuations with the cache (ws shared, kept warm) and without */
static uint64_t both_ways(const struct gen_request *r, struct gen_ws *cached)
{
    struct gen_ws plain;
    struct ls_error err = {0};
    assert_int_equal(gen_ws_init(&plain, md->V), 0);
    plain.no_cache = 1;
    uint64_t hits0 = cached->cache->hits;
    for (uint32_t i = 0; i < 8; i++) {
        struct gen_cont a, b;
        gen_begin(&a, r, i);
        gen_begin(&b, r, i);
        assert_int_equal(gen_run(md, r, &a, cached, &err), 0);
        assert_int_equal(gen_run(md, r, &b, &plain, &err), 0);
        same_cont(&a, &b);
        gen_cont_free(&a);
        gen_cont_free(&b);
    }
    gen_ws_free(&plain);
    return cached->cache->hits - hits0;
}

static void test_same_continuations(void **st)
{
    (void)st;
    struct gen_ws ws;
    assert_int_equal(gen_ws_init(&ws, md->V), 0);
    /* one workspace through every setting: each change must empty the cache */
    struct gen_request rs[] = {
        request("hf", 0.8, 0.9, -1, -1, -1, 0), request("llama.cpp", -1, -1, -1, -1, -1, 0),
        request("llama.cpp", 1.5, 0.95, -1, -1, -1, 0), request("vllm", 1.0, -1, -1, -1, -1, 0),
        request("hf", 0.81, 0.9, -1, -1, -1, 0), request("llama.cpp", -1, -1, 1.3, -1, -1, 0),
        request("llama.cpp", -1, -1, -1, 0.8, -1, 0), request("llama.cpp", -1, -1, -1, -1, 0.5, 0),
        request("llama.cpp", -1, -1, -1, -1, -1, 2), request("hf", 0.8, 0.9, -1, -1, -1, 0),
    };
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
        uint64_t hits = both_ways(&rs[k], &ws);
        int usable = gen_cache_usable(&rs[k].chain, &rs[k].params);
        /* a chain that cuts is remembered: at least the shared first step hits */
        if (usable && ws.cache->n) assert_true(hits > 0);
        if (!usable) assert_int_equal(hits, 0);
    }
    gen_ws_free(&ws);
}

static void test_fork_same(void **st)
{
    (void)st;
    struct gen_request r = request("llama.cpp", 1.2, 0.95, -1, -1, -1, 0);
    struct gen_ws a, b;
    struct ls_error err = {0};
    assert_int_equal(gen_ws_init(&a, md->V), 0);
    assert_int_equal(gen_ws_init(&b, md->V), 0);
    b.no_cache = 1;
    struct gen_cont x, y;
    gen_begin(&x, &r, 3);
    gen_begin(&y, &r, 3);
    assert_int_equal(gen_run(md, &r, &x, &a, &err), 0);
    assert_int_equal(gen_run(md, &r, &y, &b, &err), 0);
    uint32_t at = x.n / 2;
    int32_t tok = x.ids[at] == 5 ? 6 : 5;
    assert_int_equal(gen_fork(md, &r, &x, at, tok, &err), 0);
    assert_int_equal(gen_fork(md, &r, &y, at, tok, &err), 0);
    assert_int_equal(gen_run(md, &r, &x, &a, &err), 0);
    assert_int_equal(gen_run(md, &r, &y, &b, &err), 0);
    assert_int_equal(x.ids[at], tok);
    same_cont(&x, &y);
    gen_cont_free(&x); gen_cont_free(&y);
    gen_ws_free(&a); gen_ws_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_continuations),
        cmocka_unit_test(test_fork_same),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
