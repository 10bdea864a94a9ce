/* test_formats_registry.c: the format registry (core/input/formats.c) is the
 * one list of formats: every name round-trips, every sample file is
 * detected as the format it is (by content only), unknown names fail with a
 * message in core's own words (no command-line flag) that lists the names,
 * and the README's format table lists exactly the registry's rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "input/formats.h"

static void test_names_round_trip(void **state)
{
    (void)state;
    size_t n = input_format_count();
    assert_true(n >= 11);
    assert_null(input_format_at(n));
    char all[512];
    input_format_names(all, sizeof all);
    for (size_t i = 0; i < n; i++) {
        const struct input_format *f = input_format_at(i);
        assert_non_null(f);
        assert_ptr_equal(input_format_find(f->name), f);       /* name -> the same row */
        assert_string_equal(f->ops.format, f->name);           /* sources report the row's name */
        assert_non_null(f->open);
        assert_non_null(f->ops.read_step);
        assert_non_null(f->summary);
        assert_non_null(strstr(all, f->name));
        for (size_t k = 0; k < i; k++) assert_string_not_equal(input_format_at(k)->name, f->name);
    }
    assert_null(input_format_find("bogus"));
    assert_null(input_format_find(NULL));
    assert_null(input_format_find("json"));
    assert_null(input_format_find("raw")->sniff);              /* raw only by name (formats.md 0.3) */
}

/* What content detection says about a file: the opened source's format. */
static void expect_detected(const char *path, const char *want)
{
    struct source *s = NULL;
    struct ls_error e = {0};
    int rc = source_open(path, NULL, &s, &e);
    if (rc) fail_msg("%s: %s", path, e.msg);
    if (strcmp(s->ops->format, want)) fail_msg("%s: detected %s, want %s", path, s->ops->format, want);
    source_close(s);
}

static void test_samples_detected(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"samples/demo.json", "native"},
        {"samples/openai_chat.json", "openai-chat"},
        {"samples/openai_chat.jsonl", "openai-chat"},
        {"samples/vllm_prompt_logprobs.json", "openai-completions"},
        {"samples/openai_completions.json", "openai-completions"},
        {"samples/llamacpp.json", "llama.cpp"},
        {"samples/llamacpp_old.json", "llama.cpp"},
        {"samples/llamacpp_post.json", "llama.cpp"},
        {"samples/tgi.json", "tgi"},
        {"samples/ollama.json", "ollama"},
        {"samples/ollama_stream.jsonl", "ollama"},
        {"samples/logits_f32.npy", "npy"},
        {"samples/logits_bf16.npy", "npy"},
        {"samples/logits_be_f64.npy", "npy"},
        {"samples/logits.npz", "npz"},
        {"samples/logits.safetensors", "safetensors"},
        {"samples/kld_base.bin", "kld"},
        {"tests/data/json/sse.txt", "llama.cpp"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) expect_detected(cases[i][0], cases[i][1]);
    /* raw float32 has no signature: never detected, only named */
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_not_equal(source_open("samples/logits.raw", NULL, &s, &e), LS_OK);
    assert_null(s);
}

/* The detectors alone, on first bytes and on single responses. */
static void test_detectors(void **state)
{
    (void)state;
    static const struct { const char *head; size_t n; uint64_t size; const char *want; } heads[] = {
        {"\x93NUMPY\x01\x00", 8, 200, "npy"},
        {"PK\x03\x04", 4, 200, "npz"},
        {"PK\x05\x06", 4, 22, "npz"},
        {"_logits_", 8, 200, "kld"},
        {"\x02\x00\x00\x00\x00\x00\x00\x00{}", 10, 10, "safetensors"},
        /* header longer than the file: still safetensors (its loader says the
         * length is invalid), never handed to the JSON detector */
        {"\xff\x00\x00\x00\x00\x00\x00\x00{}", 10, 10, "safetensors"},
        {"{\"a\": 1, \"b\": 2}", 16, 16, NULL},                  /* JSON text: high length bytes not 0 */
        {"{\"steps\": []}", 13, 13, NULL},                      /* JSON: not a binary format */
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        struct input_probe p = { (const unsigned char *)heads[i].head, heads[i].n, heads[i].size, NULL, 0, NULL };
        const struct input_format *f = input_format_detect(&p);
        if (!heads[i].want) assert_null(f);
        else { assert_non_null(f); assert_string_equal(f->name, heads[i].want); }
    }
    static const char *const items[][2] = {
        {"{\"steps\": [{\"logits\": [1]}]}", "native"},
        {"{\"completion_probabilities\": []}", "llama.cpp"},
        {"{\"details\": {\"tokens\": []}}", "tgi"},
        {"{\"logprobs\": [], \"done\": true}", "ollama"},
        {"{\"choices\": [{\"logprobs\": {\"content\": []}}]}", "openai-chat"},
        {"{\"choices\": [], \"prompt_logprobs\": [null]}", "openai-chat"},
        {"{\"choices\": [{\"logprobs\": {\"tokens\": []}}]}", "openai-completions"},
        {"{\"choices\": [{\"prompt_logprobs\": [null]}]}", "openai-completions"},
        {"{\"choices\": [{\"text\": \"x\"}]}", NULL},
        {"[1, 2]", NULL},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        cJSON *o = cJSON_Parse(items[i][0]);
        assert_non_null(o);
        struct input_probe p = { NULL, 0, 0, items[i][0], strlen(items[i][0]), o };
        const struct input_format *f = input_format_detect(&p);
        if (!items[i][1]) assert_null(f);
        else if (!f || strcmp(f->name, items[i][1])) fail_msg("%s: got %s", items[i][0], f ? f->name : "none");
        cJSON_Delete(o);
    }
}

static void test_unknown_name(void **state)
{
    (void)state;
    struct source_opts o = {0};
    struct source *s = NULL;
    struct ls_error e = {0};
    o.format = "bogus";
    assert_int_equal(source_open("samples/demo.json", &o, &s, &e), LS_EUSAGE);
    assert_null(s);
    assert_null(strstr(e.msg, "--"));                       /* core speaks its own language */
    assert_non_null(strstr(e.msg, "unknown format 'bogus'"));
    char all[512];
    input_format_names(all, sizeof all);
    assert_non_null(strstr(e.msg, all));                    /* and says what would work */
    /* the same from the in-memory JSON entry */
    char txt[] = "{\"steps\": [{\"logits\": [1]}]}";
    assert_int_equal(source_open_text("m.json", txt, strlen(txt), &o, &s, &e), LS_EUSAGE);
    assert_null(strstr(e.msg, "--"));
    /* a caller that spells its options gets its own words */
    static const char *const spell[SOPT_N] = { [SOPT_FORMAT] = "--format NAME" };
    o.spelling = spell;
    assert_int_equal(source_open("samples/demo.json", &o, &s, &e), LS_EUSAGE);
    assert_int_equal(strncmp(e.msg, "--format: unknown format 'bogus'", 32), 0);
    /* a binary format named for a JSON text */
    o.spelling = NULL;
    o.format = "npy";
    assert_int_equal(source_open_text("m.json", txt, strlen(txt), &o, &s, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "format 'npy' is not a JSON format");
}

/* Messages about files that point at an option: neutral without spelling. */
static void test_messages_without_flags(void **state)
{
    (void)state;
    struct source_opts o = {0};
    struct source *s = NULL;
    struct ls_error e = {0};
    o.tensor = "nope";
    assert_int_equal(source_open("samples/logits.npz", &o, &s, &e), LS_EUSAGE);
    assert_null(strstr(e.msg, "--"));
    assert_non_null(strstr(e.msg, "tensor: no array named 'nope'"));
    assert_int_equal(source_open("samples/logits.safetensors", &o, &s, &e), LS_EUSAGE);
    assert_null(strstr(e.msg, "--"));
    o.tensor = NULL;
    assert_int_equal(source_open("samples/logits.npz", &o, &s, &e), LS_OK);
    assert_non_null(strstr(s->warnings, "showing 'logits'"));
    assert_null(strstr(s->warnings, "--"));
    source_close(s);
    static const char *const spell[SOPT_N] = { [SOPT_TENSOR] = "--tensor NAME" };
    o.spelling = spell;
    assert_int_equal(source_open("samples/logits.npz", &o, &s, &e), LS_OK);
    assert_non_null(strstr(s->warnings, "(choose with --tensor NAME)"));
    source_close(s);
    o.spelling = NULL;
    o.format = "raw";
    o.vocab_size = 16;
    o.dtype = "int8";
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), LS_EUSAGE);
    assert_null(strstr(e.msg, "--"));
    o.dtype = NULL;
    o.vocab_size = 5;
    assert_int_equal(source_open("samples/logits.raw", &o, &s, &e), LS_EDATA);
    assert_null(strstr(e.msg, "--"));
    o.format = NULL;
    o.vocab_size = 0;
    o.vocab_path = "samples/vocab.txt";
    assert_int_equal(source_open("samples/openai_chat.json", &o, &s, &e), LS_OK);
    assert_non_null(strstr(s->warnings, "vocabulary file ignored"));
    assert_null(strstr(s->warnings, "--"));
    source_close(s);
    char txt[] = "{\"a\": 1}";
    assert_int_equal(source_open_text("m.json", txt, strlen(txt), NULL, &s, &e), LS_EDATA);
    assert_null(strstr(e.msg, "--"));
}

/* README.md's table between <!-- formats:begin --> and <!-- formats:end -->
 * has one row per registry format, in registry order: rows "| `name` |". */
static void test_readme_lists_the_registry(void **state)
{
    (void)state;
    FILE *f = fopen("README.md", "r");
    assert_non_null(f);
    char line[2048];
    int on = 0;
    size_t next = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "<!-- formats:begin -->")) { on = 1; continue; }
        if (strstr(line, "<!-- formats:end -->")) break;
        if (!on || strncmp(line, "| `", 3)) continue;
        char *end = strchr(line + 3, '`');
        assert_non_null(end);
        *end = 0;
        const struct input_format *want = input_format_at(next);
        if (!want) fail_msg("README lists format '%s' the registry does not have", line + 3);
        if (strcmp(line + 3, want->name)) fail_msg("README row %zu is '%s', the registry's is '%s'", next, line + 3, want->name);
        next++;
    }
    fclose(f);
    if (next != input_format_count())
        fail_msg("README lists %zu formats, the registry has %zu", next, input_format_count());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_samples_detected),
        cmocka_unit_test(test_detectors),
        cmocka_unit_test(test_unknown_name),
        cmocka_unit_test(test_messages_without_flags),
        cmocka_unit_test(test_readme_lists_the_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
