/* test_captures.c: issue 12 section 2, real captures that failed or loaded
 * wrongly: each fixture under tests/data/captures (and a few in-memory
 * texts) through the loaders, the values and warnings checked; the input
 * options table (source_args) and the explorer's :open taking the command
 * line's input options. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/explorer.h"
#include "input/formats.h"
#include "input/source_args.h"

#define CAP "tests/data/captures/"

#include "loaded_fx.h"

static void step(struct loaded *l, uint32_t i) { read_step(l, i); }

static void has_warning(const struct loaded *l, const char *w)
{
    if (!strstr(l->s->warnings, w)) fprintf(stderr, "warnings: %s\nwant: %s\n", l->s->warnings, w);
    assert_non_null(strstr(l->s->warnings, w));
}

static void text_is(const struct loaded *l, const char *t, size_t n)
{
    assert_int_equal(l->si.text_len, n);
    assert_memory_equal(l->si.text, t, n);
}
#define TEXT(l, lit) text_is(l, lit, sizeof(lit) - 1)

static void expect_open_err(const char *path, const struct source_opts *o, int code, const char *msg)
{
    struct source *s = NULL;
    struct ls_error e = {0};
    int rc = source_open(path, o, &s, &e);
    if (rc != code || strcmp(e.msg, msg)) fprintf(stderr, "got %d '%s'\nwant %d '%s'\n", rc, e.msg, code, msg);
    assert_int_equal(rc, code);
    assert_string_equal(e.msg, msg);
    assert_null(s);
}

/* TGI: the recorded token of step 1 has logprob null: unknown, not a value. */
static void test_tgi_null_logprob(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "tgi_null_logprob.json", NULL);
    assert_int_equal(l.s->n_steps, 2);
    step(&l, 1);
    assert_int_equal(l.si.token, 2);
    TEXT(&l, "</s>");
    assert_true(isinf(l.z[2]) && l.z[2] < 0);   /* no value for it */
    assert_true(fabsf(l.z[13] - -3.0f) < 1e-6f);
    has_warning(&l, "1 recorded tokens have logprob null (TGI writes a non-finite value as null): their probability is unknown");
    done(&l);
}

/* TGI /generate_stream: one step per event, by content and by name. */
static void test_tgi_stream(void **st)
{
    (void)st;
    const char *fmts[] = { NULL, "tgi" };
    for (int k = 0; k < 2; k++) {
        struct source_opts o = {0};
        o.format = fmts[k];
        struct loaded l;
        open_opts(&l, CAP "tgi_stream.txt", &o);
        assert_string_equal(l.s->ops->format, "tgi");
        assert_int_equal(l.s->n_steps, 3);
        step(&l, 1);
        assert_int_equal(l.si.token, 28723);
        assert_true(fabsf(l.z[28725] - -1.25f) < 1e-6f);
        step(&l, 2);
        TEXT(&l, "</s>");
        done(&l);
    }
}

/* "bytes:\xe2\x80" is the bytes E2 80, in tokens and in top_logprobs keys. */
static void test_bytes_escaped(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "openai_bytes_escaped.json", NULL);
    step(&l, 2);
    TEXT(&l, "\xe2\x80");
    step(&l, 3);
    TEXT(&l, "\x94");
    done(&l);
}

/* SSE captures that begin with a comment, id: or retry:. */
static void test_sse_keepalive(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "sse_keepalive.txt", NULL);
    assert_int_equal(l.s->n_steps, 2);
    step(&l, 1);
    TEXT(&l, "!");
    done(&l);
}

/* OpenAI Batch: a failed line is skipped, naming its custom_id; all failed is an error. */
static void test_batch_failed(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "batch_failed.jsonl", NULL);
    assert_int_equal(l.s->n_steps, 2);
    has_warning(&l, "1 batch lines have \"response\": null (a failed request) and are skipped: custom_id request-2");
    done(&l);
    expect_open_err(CAP "batch_all_failed.jsonl", NULL, LS_EDATA, CAP "batch_all_failed.jsonl: every batch line is "
                    "a failed request (\"response\": null): custom_id request-1, request-2");
}

/* vLLM prompt_token_ids give the prompt steps their recorded tokens. */
static void test_vllm_prompt_ids(void **st)
{
    (void)st;
    const char *files[] = { CAP "vllm_prompt_ids.json", CAP "vllm_chat_prompt_ids.json" };
    for (int k = 0; k < 2; k++) {
        struct loaded l;
        open_opts(&l, files[k], NULL);
        assert_int_equal(l.s->n_steps, 3);
        assert_int_equal(l.s->has_tokens, 1);
        step(&l, 0);
        TEXT(&l, " capital");
        assert_true(l.si.token >= 0 && fabsf(l.z[l.si.token] - -7.25f) < 1e-6f);
        step(&l, 1);
        TEXT(&l, " of");
        done(&l);
    }
}

/* A null position that is not the first is not called the echo's first token. */
static void test_vllm_last_null(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "vllm_last_null.json", NULL);
    assert_int_equal(l.s->n_steps, 1);
    has_warning(&l, "1 positions with neither a logprob nor top_logprobs are not steps (the first: "
                    "choices[0].logprobs.token_logprobs[1])");
    assert_null(strstr(l.s->warnings, "echo"));
    done(&l);
}

static void test_safetensors_leading_ws(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "st_leading_ws.safetensors", NULL);
    assert_string_equal(l.s->ops->format, "safetensors");
    assert_int_equal(l.s->n_steps, 2);
    step(&l, 1);
    assert_true(l.z[0] == 4.0f && l.z[3] == 1.0f);
    done(&l);
}

/* [B, S, V]: the batch row picks one sequence; missing, out of range, 2-D. */
static void test_batch_row(void **st)
{
    (void)st;
    struct source_opts o = {0};
    o.has_batch_row = 1;
    o.batch_row = 1;
    struct loaded l;
    open_opts(&l, CAP "batch_2x3x5.npy", &o);
    assert_int_equal(l.s->n_steps, 3);
    assert_int_equal(l.s->vocab_size, 5);
    step(&l, 2);
    for (int i = 0; i < 5; i++) assert_true(l.z[i] == (float)(120 + i));
    done(&l);
    expect_open_err(CAP "batch_2x3x5.npy", NULL, LS_EDATA, CAP "batch_2x3x5.npy: npy header: shape: (2, 3, 5) "
                    "is a batch of 2 sequences: choose one with the batch row option");
    o.batch_row = 2;
    expect_open_err(CAP "batch_2x3x5.npy", &o, LS_EUSAGE, CAP "batch_2x3x5.npy: npy header: shape: (2, 3, 5): "
                    "batch row 2 out of range (0 to 1)");
    o.batch_row = 0;
    expect_open_err("samples/logits_f32.npy", &o, LS_EUSAGE, "samples/logits_f32.npy: npy header: shape: (3, 16) "
                    "has no batch dimension (expected (B, steps, V))");
}

/* Known files that are not logits, and unknown binary: what it is, what to
 * do; core names no flag unless the caller spells it. */
static void test_refusals(void **st)
{
    (void)st;
    expect_open_err(CAP "torch_zip.pt", NULL, LS_EDATA, CAP "torch_zip.pt: a PyTorch torch.save file (zip format): "
                    "not supported: its tensors are described by a Python pickle, which logitscope never runs; save "
                    "the tensor as .npy with np.save(path, t.float().numpy()), or as safetensors with "
                    "safetensors.torch.save_file({\"logits\": t}, path)");
    struct source *s = NULL;
    struct ls_error e = {0};
    assert_int_equal(source_open(CAP "torch_legacy.pt", NULL, &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "torch.save file (legacy format, before PyTorch 1.6): not supported"));
    assert_int_equal(source_open(CAP "plain.pkl", NULL, &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "a Python pickle: not supported: loading a pickle runs code"));
    expect_open_err("samples/vocab.gguf", NULL, LS_EDATA, "samples/vocab.gguf: a GGUF model file: it holds a "
                    "vocabulary, not logits: use it as the vocabulary of a logit file");
    expect_open_err(CAP "raw_noheader.f32", NULL, LS_EDATA, CAP "raw_noheader.f32: binary data in no format "
                    "logitscope knows (it starts with 00 00 00 00 00 00 c0 bf; not npy, npz, safetensors, a "
                    "KL-divergence base file or JSON). Headerless float32 logits: read them as raw with the "
                    "vocabulary size; its 48 bytes are 12 float32 values. A vocabulary (GGUF, tokenizer.json) "
                    "goes with a logit file. A Python pickle is not supported (loading one runs code the file names)");
    struct source_spelling sp;
    source_spelling_init(&sp, "--");
    struct source_opts o = {0};
    o.spelling = sp.ptr;
    assert_int_equal(source_open(CAP "unknown.bin", &o, &s, &e), LS_EDATA);
    assert_non_null(strstr(e.msg, "(it starts with 7f 45 4c 46 02 01 01 00;"));
    assert_non_null(strstr(e.msg, "(--format raw --vocab-size V)"));
    assert_non_null(strstr(e.msg, "(--vocab FILE)"));
    expect_open_err("samples/tokenizer.json", &o, LS_EDATA, "samples/tokenizer.json: a Hugging Face tokenizer.json: "
                    "it holds a vocabulary, not logits: use it as the vocabulary of a logit file (--vocab FILE)");
}

static void test_smaller_gaps(void **st)
{
    (void)st;
    struct loaded l;
    open_opts(&l, CAP "array_logprobs_null.json", NULL);
    assert_int_equal(l.s->n_steps, 2);
    has_warning(&l, "1 responses or choices have text but no logprobs (logprobs: null) and are not loaded (the first: [1].choices[0])");
    has_warning(&l, "the file is an array of 3 responses: their steps follow each other as one sequence");
    done(&l);
    open_opts(&l, CAP "llamacpp_stream_gap.txt", NULL);
    assert_int_equal(l.s->n_steps, 3);
    has_warning(&l, "the stream skips 2 positions (tokens_predicted jumps from 2 to 5 at line 5: chunks were lost)");
    done(&l);
    open_opts(&l, CAP "llamacpp_bytes_conflict.json", NULL);
    has_warning(&l, "the file gives one token id different bytes (the first such id: 65)");
    done(&l);
    open_opts(&l, "samples/llamacpp.json", NULL);   /* consistent files say nothing */
    assert_null(strstr(l.s->warnings, "different bytes"));
    assert_null(strstr(l.s->warnings, "skips"));
    done(&l);
}

/* The input options as words: the same table for the CLI and :open. */
static void test_source_args(void **st)
{
    (void)st;
    char a0[] = "--format", a1[] = "raw", a2[] = "f.bin", a3[] = "--vocab-size=16", a4[] = "--batch-row", a5[] = "3";
    char *w[] = { a0, a1, a2, a3, a4, a5 };
    struct source_opts o = {0};
    const char *path;
    struct ls_error e = {0};
    assert_int_equal(source_args_parse(w, 6, &o, &path, &e), LS_OK);
    assert_string_equal(path, "f.bin");
    assert_string_equal(o.format, "raw");
    assert_int_equal(o.vocab_size, 16);
    assert_int_equal(o.has_batch_row, 1);
    assert_int_equal(o.batch_row, 3);
    char b0[] = "f.bin", b1[] = "--vocab-size", b2[] = "0";
    char *v[] = { b0, b1, b2 };
    assert_int_equal(source_args_parse(v, 3, &o, &path, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "--vocab-size: 0 is out of range [1, 16777216]");
    char c0[] = "f.bin", c1[] = "--colour";
    char *u[] = { c0, c1 };
    assert_int_equal(source_args_parse(u, 2, &o, &path, &e), LS_EUSAGE);
    assert_string_equal(e.msg, "unknown option '--colour' (input options: --format, --tensor, --batch-row, "
                        "--vocab-size, --dtype, --max-json-size, --vocab)");
    for (size_t i = 0; source_arg_at(i); i++)
        assert_ptr_equal(source_arg_find(source_arg_at(i)->name), source_arg_at(i));
}

/* :open FILE --format raw --vocab-size 16 in the explorer. */
static void test_explorer_open_options(void **st)
{
    (void)st;
    struct explorer ex;
    struct ls_error e = {0};
    explorer_init(&ex);
    assert_int_equal(explorer_open(&ex, "samples/demo.json", &e), 0);
    assert_int_equal(explorer_command(&ex, "open samples/logits.raw --format raw --vocab-size 16"), EXC_OK);
    assert_int_equal(ex.V, 16);
    assert_string_equal(ex.src->ops->format, "raw");
    assert_int_equal(explorer_command(&ex, "open " CAP "batch_2x3x5.npy --batch-row=1"), EXC_OK);
    assert_int_equal(ex.V, 5);
    assert_int_equal(ex.n_steps, 3);
    assert_int_equal(explorer_command(&ex, "open " CAP "raw_noheader.f32 --vocab-size x"), EXC_ERROR);
    assert_string_equal(ex.msg, "open: --vocab-size: expected an integer, got 'x'");
    assert_int_equal(ex.V, 5);   /* the current file stays */
    assert_int_equal(explorer_command(&ex, "open " CAP "batch_2x3x5.npy"), EXC_ERROR);
    assert_non_null(strstr(ex.msg, "choose one with --batch-row N"));
    explorer_free(&ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tgi_null_logprob),
        cmocka_unit_test(test_tgi_stream),
        cmocka_unit_test(test_bytes_escaped),
        cmocka_unit_test(test_sse_keepalive),
        cmocka_unit_test(test_batch_failed),
        cmocka_unit_test(test_vllm_prompt_ids),
        cmocka_unit_test(test_vllm_last_null),
        cmocka_unit_test(test_safetensors_leading_ws),
        cmocka_unit_test(test_batch_row),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_smaller_gaps),
        cmocka_unit_test(test_source_args),
        cmocka_unit_test(test_explorer_open_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
