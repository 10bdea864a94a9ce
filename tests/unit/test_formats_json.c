/* test_formats_json.c: the JSON API loaders and sparse sources.
 *
 * Loads every sample written by samples/gen_api.py and checks the values
 * against the generator's tables (logprobs, tail mass, recorded ids and text,
 * post_sampling), then feeds small in-memory documents through source_open_text
 * for the rules: sentinels, NaN literals, duplicates, token_id:N ids, JSON
 * Lines line numbers, error paths. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/formats.h"
#include "input/sparse.h"

#include "loaded_fx.h"

static void open_sample(struct loaded *l, const char *path) { open_opts(l, path, NULL); }

/* every JSON API step is a top-N (sparse) step */
static void step(struct loaded *l, uint32_t i)
{
    read_step(l, i);
    assert_int_equal(l->si.sparse, 1);
}

/* token id of a text in a text-keyed (local ids) sparse source */
static int32_t id_of(const struct source *s, const char *t, size_t n)
{
    for (uint32_t i = 0; i < s->vocab->n; i++) {
        size_t l;
        const char *x = vocab_get(s->vocab, (int32_t)i, &l);
        if (l == n && !memcmp(x, t, n)) return (int32_t)i;
    }
    return -1;
}
#define ID(s, lit) id_of(s, lit, sizeof(lit) - 1)

static uint32_t n_finite(const struct loaded *l)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < l->s->vocab_size; i++) n += isfinite(l->z[i]) ? 1 : 0;
    return n;
}

static void check_text(const struct loaded *l, const char *t, size_t n)
{
    assert_non_null(l->si.text);
    assert_int_equal(l->si.text_len, n);
    assert_memory_equal(l->si.text, t, n);
}
#define TEXT(l, lit) check_text(l, lit, sizeof(lit) - 1)

static void test_openai_chat(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/openai_chat.json");
    assert_string_equal(l.s->ops->format, "openai-chat");
    assert_int_equal(l.s->n_steps, 4);
    assert_int_equal(l.s->vocab_size, 8);    /* Hi Hello Hey " there" ! " \xf0\x9f" " :)" "\x91\x8b" */
    assert_int_equal(l.s->sparse, 1);
    assert_int_equal(l.s->top_n, 3);
    assert_int_equal(l.s->post_sampling, 0);
    assert_int_equal(l.s->has_tokens, 1);

    step(&l, 0);
    assert_int_equal(l.si.token, ID(l.s, "Hi"));
    TEXT(&l, "Hi");
    assert_int_equal(l.si.n_known, 3);
    assert_true(l.z[ID(l.s, "Hi")] == -0.5f);
    assert_true(l.z[ID(l.s, "Hello")] == -1.5f);
    assert_true(l.z[ID(l.s, "Hey")] == -3.0f);
    assert_int_equal(n_finite(&l), 3);
    assert_true(fabs(l.si.tail_mass - (1 - exp(-0.5) - exp(-1.5) - exp(-3.0))) < 1e-12);

    step(&l, 1);                            /* "," had -9999: a sentinel, not a value */
    assert_int_equal(l.si.n_known, 2);
    assert_int_equal(ID(l.s, ","), -1);
    assert_true(l.z[ID(l.s, " there")] == -0.5f);
    assert_true(l.z[ID(l.s, "!")] == -1.25f);

    step(&l, 2);                            /* bytes are the truth: half an emoji */
    TEXT(&l, " \xf0\x9f");
    assert_true(l.z[l.si.token] == -0.125f);
    assert_true(l.z[ID(l.s, " :)")] == -2.5f);

    step(&l, 3);
    TEXT(&l, "\x91\x8b");
    assert_int_equal(l.si.n_known, 1);
    assert_true(fabs(l.si.tail_mass - (1 - exp(-0.0625))) < 1e-12);
    done(&l);
}

static void test_openai_chat_jsonl(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/openai_chat.jsonl");
    assert_string_equal(l.s->ops->format, "openai-chat");
    assert_int_equal(l.s->n_steps, 3);      /* 2 from line 1, 1 from the batch line */
    assert_int_equal(l.s->vocab_size, 4);
    step(&l, 1);
    TEXT(&l, ".");
    assert_true(l.z[ID(l.s, ".")] == -0.5f);
    assert_true(l.z[ID(l.s, "!")] == -1.0f);
    step(&l, 2);
    TEXT(&l, "No");
    assert_int_equal(l.si.token, ID(l.s, "No"));
    assert_true(l.z[ID(l.s, "No")] == -0.75f);
    assert_true(l.z[ID(l.s, "Yes")] == -0.875f);
    done(&l);
}

static void test_openai_completions(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/openai_completions.json");
    assert_string_equal(l.s->ops->format, "openai-completions");
    assert_int_equal(l.s->n_steps, 3);      /* echo: "The" has null logprobs, not a step */
    assert_non_null(strstr(l.s->warnings, "echoed prompt's first token"));
    assert_int_equal(ID(l.s, "The"), -1);
    step(&l, 0);
    TEXT(&l, " capital");
    assert_true(l.z[ID(l.s, " capital")] == -2.5f);
    assert_true(l.z[ID(l.s, " first")] == -1.5f);
    step(&l, 2);                            /* duplicate key " Paris" with the same value: once */
    assert_int_equal(l.si.n_known, 2);
    assert_true(l.z[ID(l.s, " Paris")] == -0.25f);
    assert_true(l.z[ID(l.s, " Lyon")] == -3.0f);
    assert_true(fabs(l.si.tail_mass - (1 - exp(-0.25) - exp(-3.0))) < 1e-12);
    assert_null(strstr(l.s->warnings, "appeared twice"));
    done(&l);
}

static void test_vllm_prompt_logprobs(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/vllm_prompt_logprobs.json");
    assert_string_equal(l.s->ops->format, "openai-completions");
    assert_int_equal(l.s->n_steps, 3);      /* 2 prompt positions (first is null) + 1 generated */
    step(&l, 0);
    assert_int_equal(l.si.token, -1);
    assert_null(l.si.text);
    assert_true(l.z[ID(l.s, " capital")] == -7.25f);
    assert_true(l.z[ID(l.s, " the")] == -1.0f);
    step(&l, 1);
    assert_int_equal(l.si.n_known, 1);
    assert_true(l.z[ID(l.s, " of")] == -0.5f);
    step(&l, 2);
    TEXT(&l, " Paris");
    assert_true(l.z[ID(l.s, " Paris")] == -0.0625f);
    assert_true(l.z[ID(l.s, " Lyon")] == -4.0f);
    done(&l);
}

static void test_llamacpp(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/llamacpp.json");
    assert_string_equal(l.s->ops->format, "llama.cpp");
    assert_int_equal(l.s->vocab_size, 9469);   /* ids from the file: max id 9468 */
    assert_int_equal(l.s->n_steps, 3);
    assert_int_equal(l.s->post_sampling, 0);
    step(&l, 0);
    assert_int_equal(l.si.token, 40);
    TEXT(&l, "I");
    assert_true(l.z[40] == -0.25f);
    assert_true(l.z[791] == -2.0f);
    assert_true(isinf(l.z[13]) && l.z[13] < 0);   /* -3.4028234663852886e+38: probability 0 */
    assert_int_equal(l.si.n_known, 2);
    assert_true(fabs(l.si.tail_mass - (1 - exp(-0.25) - exp(-2.0))) < 1e-12);
    step(&l, 1);
    assert_int_equal(l.si.token, 9468);
    TEXT(&l, "\xf0\x9f");                     /* token "" but bytes [240, 159] */
    assert_true(l.z[1234] == -1.25f);
    step(&l, 2);
    assert_int_equal(l.si.token, 232);
    TEXT(&l, "\x98\x8a");
    assert_true(l.z[13] == -2.75f);
    size_t n;
    const char *t = vocab_get(l.s->vocab, 791, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(t, "The", 3);
    t = vocab_get(l.s->vocab, 5, &n);          /* an id the file never names */
    assert_int_equal(n, 0);
    done(&l);
}

static void test_llamacpp_post(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/llamacpp_post.json");
    assert_int_equal(l.s->post_sampling, 1);
    assert_int_equal(l.s->vocab_size, 792);
    step(&l, 0);
    assert_int_equal(l.si.token, 40);
    assert_true(l.z[40] == (float)log(0.75));
    assert_true(l.z[791] == (float)log(0.25));
    assert_true(l.si.tail_mass < 1e-12);
    step(&l, 1);
    assert_int_equal(l.si.token, 791);
    assert_int_equal(l.si.n_known, 2);       /* prob 0 dropped */
    assert_true(isinf(l.z[13]));
    assert_true(fabs(l.si.tail_mass - 0.125) < 1e-12);
    done(&l);
}

static void test_llamacpp_old(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/llamacpp_old.json");
    assert_string_equal(l.s->ops->format, "llama.cpp");
    assert_int_equal(l.s->post_sampling, 1);
    assert_int_equal(l.s->vocab_size, 5);    /* " to" " not" "," " and" "\xe6" */
    step(&l, 0);
    TEXT(&l, " to");
    assert_true(l.z[ID(l.s, " to")] == (float)log(0.5));
    assert_true(fabs(l.si.tail_mass - 0.25) < 1e-12);
    step(&l, 1);                              /* chosen "," is not first in probs */
    TEXT(&l, ",");
    assert_int_equal(l.si.token, ID(l.s, ","));
    assert_int_equal(l.si.n_known, 3);
    assert_true(l.z[ID(l.s, " and")] == (float)log(0.5));
    assert_true(l.z[ID(l.s, "\xe6")] == (float)log(0.125));
    step(&l, 2);
    TEXT(&l, "\xe6");                         /* "byte: \xe6" is the byte 0xE6 */
    done(&l);
}

static void test_tgi(void **state)
{
    (void)state;
    struct loaded l;
    open_sample(&l, "samples/tgi.json");
    assert_string_equal(l.s->ops->format, "tgi");
    assert_int_equal(l.s->vocab_size, 25548);
    assert_int_equal(l.s->n_steps, 2);
    assert_non_null(strstr(l.s->warnings, "prefill (2 prompt tokens"));
    step(&l, 0);
    assert_int_equal(l.si.token, 5465);
    TEXT(&l, " Paris");
    assert_true(l.z[5465] == -0.25f);
    assert_true(l.z[25547] == -2.0f);
    step(&l, 1);
    assert_int_equal(l.si.token, 2);
    TEXT(&l, "</s>");
    assert_int_equal(l.si.n_known, 2);        /* "!" has a null logprob */
    assert_true(l.z[2] == -0.5f);
    assert_true(l.z[13] == -1.5f);
    assert_int_equal(id_of(l.s, "!", 1), -1); /* never interned: 29889 >= V */
    done(&l);
}

static void test_ollama(void **state)
{
    (void)state;
    const char *files[] = { "samples/ollama.json", "samples/ollama_stream.jsonl" };
    for (int f = 0; f < 2; f++) {
        struct loaded l;
        open_sample(&l, files[f]);
        assert_string_equal(l.s->ops->format, "ollama");
        assert_int_equal(l.s->n_steps, 3);   /* the stream's final done chunk has no logprobs */
        assert_int_equal(l.s->vocab_size, 5);
        step(&l, 0);
        TEXT(&l, "Hi");
        assert_true(l.z[ID(l.s, "Hi")] == -0.125f);
        assert_true(l.z[ID(l.s, "Hello")] == -2.5f);
        step(&l, 1);                          /* empty token, no bytes key, no top_logprobs */
        assert_int_equal(l.si.text_len, 0);
        assert_int_equal(l.si.n_known, 1);
        assert_true(l.z[l.si.token] == -0.75f);
        step(&l, 2);
        TEXT(&l, "\xef\xbf\xbd");
        assert_true(l.z[ID(l.s, "!")] == -1.75f);
        assert_true(fabs(l.si.tail_mass - (1 - exp(-0.25) - exp(-1.75))) < 1e-12);
        done(&l);
    }
}

/* ---- in-memory documents ---- */

static int load_str(const char *txt, const char *fmt, struct source **s, struct ls_error *e)
{
    size_t n = strlen(txt);
    char *buf = malloc(n + 1);
    memcpy(buf, txt, n + 1);
    struct source_opts o = {0};
    o.format = fmt;
    memset(e, 0, sizeof *e);
    int rc = source_open_text("mem.json", buf, n, &o, s, e);
    free(buf);
    return rc;
}

static void expect_err(const char *txt, const char *fmt, int code, const char *msg)
{
    struct source *s = NULL;
    struct ls_error e;
    int rc = load_str(txt, fmt, &s, &e);
    if (rc != code || strcmp(e.msg, msg)) fprintf(stderr, "got %d '%s'\nwant %d '%s'\n", rc, e.msg, code, msg);
    assert_int_equal(rc, code);
    assert_string_equal(e.msg, msg);
    assert_null(s);
}

static void test_errors(void **state)
{
    (void)state;
    expect_err("{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":NaN,\"top_logprobs\":[]}]}}]}",
               NULL, LS_EDATA, "invalid JSON: NaN literal at line 1, column 60 (byte 59); this format needs numbers or null");
    expect_err("{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":\"x\",\"top_logprobs\":[]}]}}]}",
               NULL, LS_EDATA, "choices[0].logprobs.content[0].logprob: expected number, got string (line 1, column 60)");
    expect_err("{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":-1,\"bytes\":[300]}]}}]}",
               NULL, LS_EDATA, "choices[0].logprobs.content[0].bytes[0]: expected an integer in [0, 255], got 300 (line 1, column 72)");
    expect_err("{\"choices\":[{\"logprobs\":{\"tokens\":[\"a\",\"b\"],\"token_logprobs\":[-1]}}]}",
               NULL, LS_EDATA, "choices[0].logprobs: token_logprobs has 1 entries but tokens has 2 (they must be parallel) (line 1, column 25)");
    expect_err("{\"choices\":[{\"logprobs\":null}]}", NULL, LS_EDATA,
               "the response has no logprobs (the request needs logprobs: true, or logprobs: N for legacy completions)");
    expect_err("{\"completion_probabilities\":[{\"id\":1,\"token\":\"a\",\"prob\":1.5}]}", NULL, LS_EDATA,
               "completion_probabilities[0].prob: expected a probability in [0, 1], got 1.5 (line 1, column 57)");
    expect_err("{\"details\":{\"tokens\":[{\"id\":1,\"text\":\"a\",\"logprob\":-1}],\"top_tokens\":[]}}", NULL, LS_EDATA,
               "details: top_tokens has 0 entries but tokens has 1 (one list per token) (line 1, column 12)");
    expect_err("{\"details\":{\"tokens\":[{\"id\":1,\"text\":\"a\",\"logprob\":1e400}]}}", NULL, LS_EDATA,
               "details.tokens[0].logprob: expected a finite number, got inf (line 1, column 52)");
    expect_err("{\"a\":1}", NULL, LS_EDATA,
               "unrecognised JSON: expected a logitscope dump ({\"steps\": [...]}) or an API response with logprobs "
               "(OpenAI chat or completions, llama.cpp completion_probabilities, TGI details, Ollama logprobs)");
    expect_err("{\"a\":1}", "tgi", LS_EDATA, "details: missing (expected object)");
    /* JSON Lines: the message names the file's line */
    expect_err("{\"choices\":[{\"logprobs\":{\"content\":[]}}]}\n{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":1}]}}]}\n",
               NULL, LS_EDATA, "choices[0].logprobs.content[0].logprob: missing (expected number) (line 2, column 37)");
    expect_err("{\"choices\":[{\"logprobs\":{\"content\":[]}}]}\n{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":1,\"logprob\":-1}]}}]}\n",
               NULL, LS_EDATA, "choices[0].logprobs.content[0].token: expected string, got number (line 2, column 46)");
    expect_err("{\"choices\":[]}\n{\"choices\": [}\n", NULL, LS_EDATA, "invalid JSON at line 2, column 14 (byte 28)");
}

static void test_sentinels_and_duplicates(void **state)
{
    (void)state;
    assert_true(sp_is_sentinel(-9999.0));
    assert_true(sp_is_sentinel(-3.4028234663852886e+38));
    assert_false(sp_is_sentinel(-9998.5));
    struct source *s = NULL;
    struct ls_error e;
    /* two different tokens both shown as U+FFFD (lossy bytes): probabilities added, warned */
    assert_int_equal(load_str("{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":-1,"
                              "\"top_logprobs\":[{\"token\":\"\\ufffd\",\"logprob\":-2},{\"token\":\"\\ufffd\",\"logprob\":-3}]}]}}]}",
                              NULL, &s, &e), 0);
    assert_int_equal(s->vocab_size, 2);
    float z[2];
    struct step_info si;
    assert_int_equal(source_read_step(s, 0, z, &si, &e), 0);
    assert_int_equal(si.n_known, 2);
    assert_true(fabsf(z[1] - (float)log(exp(-2.0) + exp(-3.0))) < 1e-6f);
    assert_non_null(strstr(s->warnings, "step 0, token '"));
    assert_non_null(strstr(s->warnings, "': listed twice in one step (log-probabilities -2 and -3); "
                               "their probabilities were added"));
    source_close(s);
    /* vLLM return_tokens_as_token_ids: ids from "token_id:N" */
    assert_int_equal(load_str("{\"choices\":[{\"logprobs\":{\"tokens\":[\"token_id:7\"],\"token_logprobs\":[-0.5],"
                              "\"top_logprobs\":[{\"token_id:7\":-0.5,\"token_id:3\":-1.5}]}}]}", NULL, &s, &e), 0);
    assert_int_equal(s->vocab_size, 8);
    float z8[8];
    assert_int_equal(source_read_step(s, 0, z8, &si, &e), 0);
    assert_int_equal(si.token, 7);
    assert_true(z8[7] == -0.5f && z8[3] == -1.5f);
    source_close(s);
    /* positive logprob: loaded with a warning */
    assert_int_equal(load_str("{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":2.5,\"top_logprobs\":[]}]}}]}",
                              NULL, &s, &e), 0);
    assert_non_null(strstr(s->warnings, "may hold logits"));
    source_close(s);
    /* native dumps still accept NaN literals; API formats do not (test_errors) */
    assert_int_equal(load_str("{\"steps\":[{\"logits\":[1, NaN, -Infinity]}]}", NULL, &s, &e), 0);
    assert_string_equal(s->ops->format, "native");
    source_close(s);
    /* streamed chat chunks: role chunk without logprobs, two token chunks, usage chunk with no choices */
    assert_int_equal(load_str("data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"role\":\"assistant\"},\"logprobs\":null}]}\n\n"
                              "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":-0.5,\"top_logprobs\":[]}]}}]}\n\n"
                              "data: {\"choices\":[{\"delta\":{\"content\":\"b\"},\"logprobs\":{\"content\":[{\"token\":\"b\",\"logprob\":-0.25,\"top_logprobs\":[]}]}}]}\n\n"
                              "data: {\"choices\":[],\"usage\":{\"total_tokens\":2}}\n\ndata: [DONE]\n", NULL, &s, &e), 0);
    assert_string_equal(s->ops->format, "openai-chat");
    assert_int_equal(s->n_steps, 2);
    source_close(s);
    /* vLLM chat: top-level prompt_logprobs become steps before the generated ones */
    assert_int_equal(load_str("{\"prompt_logprobs\":[null,{\"12\":{\"logprob\":-0.5,\"rank\":1,\"decoded_token\":null}}],"
                              "\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":-1,\"top_logprobs\":[]}]}}]}",
                              NULL, &s, &e), 0);
    assert_int_equal(s->n_steps, 2);
    float z2[2];
    assert_int_equal(source_read_step(s, 0, z2, &si, &e), 0);
    assert_int_equal(si.token, -1);
    assert_true(z2[id_of(s, "token_id:12", 11)] == -0.5f);
    source_close(s);
    /* SSE capture of llama.cpp stream chunks */
    assert_int_equal(load_str("data: {\"completion_probabilities\":[{\"id\":1,\"token\":\"a\",\"logprob\":-0.5,\"top_logprobs\":[]}]}\n\n"
                              "data: {\"content\":\"\",\"stop\":true}\n\ndata: [DONE]\n", NULL, &s, &e), 0);
    assert_int_equal(s->n_steps, 1);
    assert_int_equal(s->vocab_size, 2);
    source_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai_chat),
        cmocka_unit_test(test_openai_chat_jsonl),
        cmocka_unit_test(test_openai_completions),
        cmocka_unit_test(test_vllm_prompt_logprobs),
        cmocka_unit_test(test_llamacpp),
        cmocka_unit_test(test_llamacpp_post),
        cmocka_unit_test(test_llamacpp_old),
        cmocka_unit_test(test_tgi),
        cmocka_unit_test(test_ollama),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sentinels_and_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
